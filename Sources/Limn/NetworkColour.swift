import LimnImage

// How an image's colour goes into a network and comes back: three bands, the
// colour under transparent pixels replaced by that of the visible surroundings,
// and the network's output put back in place of the colour.

extension WorkingImage {
    /// The colour as three bands (grey repeated), the form networks take.
    func rgb() throws -> Image {
        isGrey ? try colour.join(colour).join(colour) : colour
    }

    /// This image with `rgb` (three bands) as its colour; back to one band when
    /// the input was grey and `keepGrey` is set. The size may have changed.
    func replacingColour(withRGB rgb: Image, keepGrey: Bool = true) throws -> WorkingImage {
        var out = self
        out.colour = isGrey && keepGrey ? try rgb.bandMean() : rgb
        return out
    }

    /// The colour as RGB for a network: where alpha is below 1, the colour is
    /// blended, by 1 - alpha, towards the colour of the visible surroundings (a
    /// Gaussian of the premultiplied colour over one of alpha, falling back far
    /// from any visible pixel to the mean visible colour, or mid-grey when
    /// `meanFallback` is off so the image is read only once, as it streams).
    /// What colour hides under alpha 0 then cannot reach the visible pixels, and
    /// soft edges keep their own colour: no dark fringe from premultiplied black.
    func rgbWithHiddenColourFilled(sigma: Double = 8, meanFallback: Bool = true) throws -> Image {
        let rgb = try rgb()
        guard let alpha else { return rgb }
        let weighted = try rgb.premultiplied(by: alpha).join(alpha)
        var mean = [0.5, 0.5, 0.5]
        if meanFallback {
            // The mean visible colour, from a copy at most 64 pixels on its long side.
            let scale = min(1, 64 / Double(max(width, height)))
            let tiny = try weighted.resampled(width: max(1, Int(Double(width) * scale)),
                                              height: max(1, Int(Double(height) * scale))).floatPixels()
            var sums = [Double](repeating: 0, count: 4)
            for (i, v) in tiny.enumerated() { sums[i % 4] += Double(max(v, 0)) }
            if sums[3] > 0 { mean = (0..<3).map { sums[$0] / sums[3] } }
        }
        let eps = 1e-3
        let sums4 = try weighted.gaussianBlurred(sigma: sigma).linear([1, 1, 1, 1], mean.map { $0 * eps } + [eps])
        let fill = try sums4.extractBands(0, 3).unpremultiplied(by: sums4.extractBands(3, 1))
        // fill + alpha * (rgb - fill)
        return try rgb.blended(1, with: fill, -1).premultiplied(by: alpha).blended(1, with: fill, 1)
    }

    /// The colour as RGB for an upscaling or deblurring network, hidden colour
    /// filled in (`rgbWithHiddenColourFilled`), reading the image once.
    package func networkRGB() throws -> Image {
        try rgbWithHiddenColourFilled(meanFallback: false)
    }

    /// This image with a network's output `rgb` as its colour and `alpha`
    /// (resized to match, or this image's own) as its alpha.
    func replacingColour(withNetworkRGB rgb: Image, alpha: Image?) throws -> WorkingImage {
        var out = try replacingColour(withRGB: rgb)
        out.alpha = alpha
        return out
    }
}
