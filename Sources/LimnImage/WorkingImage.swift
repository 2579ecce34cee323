import CLimnVips
import Foundation

/// An image as Limn's operations see it: colour as float in [0, 1] (1 band
/// for grey, 3 for colour) and alpha, if any, as float in [0, 1], plus what is
/// needed to turn results back into the input's kind of image.
///
/// Colour stays in the input's own RGB or grey encoding, tagged with its ICC
/// profile, so a wide-gamut (P3, Adobe RGB) photo loses no colour and no
/// precision on the way through; CMYK, Lab and other spaces are converted to
/// sRGB through their profile; linear-light float (scRGB) is encoded with the
/// sRGB curve and decoded again on output.
public struct WorkingImage: @unchecked Sendable {
    public var colour: Image
    public var alpha: Image?
    let depth: Depth
    let linearLight: Bool

    /// Sample format of the output.
    enum Depth { case eight, sixteen, float }

    public var width: Int { colour.width }
    public var height: Int { colour.height }
    public var isGrey: Bool { colour.bands == 1 }

    public init(_ image: Image) throws {
        var image = image
        let rgbLike: Set<Int32> = [VIPS_INTERPRETATION_B_W.rawValue, VIPS_INTERPRETATION_GREY16.rawValue,
                                   VIPS_INTERPRETATION_sRGB.rawValue, VIPS_INTERPRETATION_RGB16.rawValue,
                                   VIPS_INTERPRETATION_RGB.rawValue, VIPS_INTERPRETATION_scRGB.rawValue,
                                   VIPS_INTERPRETATION_MULTIBAND.rawValue]
        let cmyk = image.interpretation == VIPS_INTERPRETATION_CMYK
        if cmyk {
            // vips' built-in CMYK profile when none is embedded, the usual guess.
            let source = image
            image = try Image.make("converting CMYK") { limn_icc_transform(source.ptr, $0, "srgb", "cmyk", 16) }
        } else if !rgbLike.contains(image.interpretation.rawValue) || image.bands > 4 {
            let source = image
            image = try Image.make("converting to sRGB") { limn_colourspace(source.ptr, $0, VIPS_INTERPRETATION_sRGB) }
        }
        let hasAlpha = vips_image_hasalpha(image.ptr) != 0
        let colourBands = hasAlpha ? image.bands - 1 : image.bands
        guard colourBands == 1 || colourBands == 3 else {
            throw LimnError("unsupported image: \(image.bands) bands")
        }

        let maxValue: Double
        switch image.format {
        case .uchar: (maxValue, depth) = (255, .eight)
        case .ushort: (maxValue, depth) = (65535, cmyk ? .eight : .sixteen)
        case .float: (maxValue, depth) = (1, .float)
        case .other:
            image = try image.cast(VIPS_FORMAT_FLOAT)
            (maxValue, depth) = (255, .eight)
        }
        linearLight = image.interpretation == VIPS_INTERPRETATION_scRGB

        colour = try image.extractBands(0, colourBands).linear(1 / maxValue, 0)
        if linearLight {
            let linear = colour
            colour = try Image.make { limn_srgb_encode(linear.ptr, $0) }
        }
        alpha = hasAlpha ? try image.extractBands(colourBands, 1).linear(1 / maxValue, 0) : nil
    }

    /// Joins colour and alpha back into an image of the input's kind: bit depth
    /// and encoding; the ICC profile and other metadata travel with the pixels.
    /// Operations keep grey images grey (one band).
    public func composed() throws -> Image {
        let grey = colour.bands == 1
        var colour = colour
        if linearLight {
            let encoded = colour
            colour = try Image.make { limn_srgb_decode(encoded.ptr, $0) }
        }
        let (maxValue, format): (Double, VipsBandFormat) = switch depth {
        case .eight: (255, VIPS_FORMAT_UCHAR)
        case .sixteen: (65535, VIPS_FORMAT_USHORT)
        case .float: (1, VIPS_FORMAT_FLOAT)
        }
        let interpretation: VipsInterpretation = switch (grey, depth, linearLight) {
        case (false, .float, true): VIPS_INTERPRETATION_scRGB
        case (true, .sixteen, _): VIPS_INTERPRETATION_GREY16
        case (true, _, _): VIPS_INTERPRETATION_B_W
        case (false, .sixteen, _): VIPS_INTERPRETATION_RGB16
        case (false, _, _): VIPS_INTERPRETATION_sRGB
        }
        var out = try Self.quantised(colour, maxValue: maxValue, format: format)
        if let alpha {
            out = try out.join(Self.quantised(alpha, maxValue: maxValue, format: format))
        }
        return try out.withInterpretation(interpretation)
    }

    private static func quantised(_ image: Image, maxValue: Double, format: VipsBandFormat) throws -> Image {
        if format == VIPS_FORMAT_FLOAT { return image }
        return try image.clamp(0, 1).linear(maxValue, 0.5).cast(format)
    }
}

extension WorkingImage {
    /// Resizes colour and alpha together, with colour premultiplied by alpha so
    /// transparent pixels do not bleed into their neighbours.
    public func resampled(width: Int, height: Int, kernel: ResampleKernel) throws -> WorkingImage {
        var result = self
        guard let alpha else {
            result.colour = try colour.resampled(width: width, height: height, kernel: kernel)
            return result
        }
        let resizedAlpha = try alpha.resampled(width: width, height: height, kernel: kernel).clamp(0, .infinity)
        result.colour = try colour.premultiplied(by: alpha).resampled(width: width, height: height, kernel: kernel)
            .clamp(0, .infinity).unpremultiplied(by: resizedAlpha)
        result.alpha = resizedAlpha
        return result
    }
}

extension Image {
    /// Colour (this image) times `alpha`, both in [0, 1]: what a network sees of a
    /// partly transparent image, so hidden colour cannot spread into visible pixels.
    public func premultiplied(by alpha: Image) throws -> Image {
        let joined = try join(alpha)
        return try Image.make { limn_premultiply(joined.ptr, $0) }.extractBands(0, bands)
    }

    /// Colour (this image) divided by `alpha` where it is not zero; the inverse of `premultiplied(by:)`.
    public func unpremultiplied(by alpha: Image) throws -> Image {
        let joined = try join(alpha)
        return try Image.make { limn_unpremultiply(joined.ptr, $0) }.extractBands(0, bands)
    }
}

extension WorkingImage {
    /// The colour as three bands (grey repeated), the form networks take.
    public func rgb() throws -> Image {
        isGrey ? try colour.join(colour).join(colour) : colour
    }

    /// This image with `rgb` (three bands) as its colour; back to one band when
    /// the input was grey and `keepGrey` is set. The size may have changed.
    public func replacingColour(withRGB rgb: Image, keepGrey: Bool = true) throws -> WorkingImage {
        var out = self
        out.colour = isGrey && keepGrey ? try rgb.bandMean() : rgb
        return out
    }

    /// The colour as RGB for a network that must see a whole picture (a style
    /// network, which premultiplied black would change): where alpha is below 1,
    /// the colour is blended, by 1 - alpha, towards the colour of the visible
    /// surroundings (a Gaussian of the premultiplied colour over one of alpha,
    /// falling back to the mean visible colour far from any visible pixel). What
    /// colour hides under alpha 0 then cannot reach the visible pixels.
    public func rgbWithHiddenColourFilled(sigma: Double = 8) throws -> Image {
        let rgb = try rgb()
        guard let alpha else { return rgb }
        let weighted = try rgb.premultiplied(by: alpha).join(alpha)
        // The mean visible colour, from a copy at most 64 pixels on its long side.
        let scale = min(1, 64 / Double(max(width, height)))
        let tiny = try weighted.resampled(width: max(1, Int(Double(width) * scale)),
                                          height: max(1, Int(Double(height) * scale))).floatPixels()
        var sums = [Double](repeating: 0, count: 4)
        for (i, v) in tiny.enumerated() { sums[i % 4] += Double(max(v, 0)) }
        let mean = sums[3] > 0 ? (0..<3).map { sums[$0] / sums[3] } : [0, 0, 0]
        let eps = 1e-3
        let sums4 = try weighted.gaussianBlurred(sigma: sigma).linear([1, 1, 1, 1], mean.map { $0 * eps } + [eps])
        let fill = try sums4.extractBands(0, 3).unpremultiplied(by: sums4.extractBands(3, 1))
        // fill + alpha * (rgb - fill)
        return try rgb.blended(1, with: fill, -1).premultiplied(by: alpha).blended(1, with: fill, 1)
    }

    /// The colour as RGB for a network, premultiplied by alpha when there is
    /// one, so the colour of transparent pixels cannot spread into visible ones.
    public func networkRGB() throws -> Image {
        try alpha.map { try rgb().premultiplied(by: $0) } ?? rgb()
    }

    /// This image with a network's output `rgb` (premultiplied, like
    /// `networkRGB()`) as its colour and `alpha` (resized to match, or this
    /// image's own) as its alpha.
    public func replacingColour(withNetworkRGB rgb: Image, alpha: Image?) throws -> WorkingImage {
        var out = try replacingColour(withRGB: alpha.map { try rgb.clamp(0, .infinity).unpremultiplied(by: $0) } ?? rgb)
        out.alpha = alpha
        return out
    }
}
