import Foundation
import LimnEngine
import LimnImage

/// The explicit half of `limn enhance`: the photo's blur kernel, estimated
/// once from the central `estimateSize` px of its luma (a per-image statistic,
/// so every block shares it and tiles stay exact), and a regularised inverse
/// filter of that kernel cut to (2 `radius` + 1)² px with a flat-topped window
/// (`taper`), applied block by block. A kernel whose energy lies outside `gate`
/// (a near-delta: the photo is sharp; or diffuse: the estimate failed) is
/// replaced by a delta, leaving only the filter's mild smoothing.
package struct Deconvolution: Sendable {
    package static let estimateSize = 256
    package static let gate: ClosedRange<Double> = 0.01...0.15
    package static let radius = 48
    /// Blocks of `block` x `blockHeight` plus the halo fill a 512 x 400-point transform.
    /// Shorter than wide, so the block rows kept for the network's taller strips take less memory.
    package static let block = 512 - 2 * radius, blockHeight = 400 - 2 * radius
    /// Penalties on the result's gradients and on its values (which bounds the
    /// gain where a wrong kernel's spectrum nears zero at low frequencies).
    package static let mu = 5e-3, eps = 5e-3
    /// Images smaller than this on a side are not estimated (too little to go on).
    package static let smallest = 64

    /// The estimated kernel (a delta for images too small to estimate).
    package let estimate: BlurKernel
    /// The kernel the filter inverts: `estimate` inside the gate, else a delta.
    package let kernel: BlurKernel
    /// (2 radius + 1)² taps, row-major.
    package let filter: [Double]

    package init(kernel estimate: BlurKernel) {
        self.estimate = estimate
        kernel = Self.gate.contains(estimate.energy) ? estimate : .delta(1)
        filter = Self.inverseFilter(kernel)
    }

    /// Estimates the kernel of `rgb` (three bands in [0, 1]), reporting to `control`
    /// as the first part of a run that then deblurs `rgb`.
    package init(estimatingFrom rgb: Image, estimator: KernelEstimator = KernelEstimator(),
                 control: RunControl? = nil) throws {
        if min(rgb.width, rgb.height) < Self.smallest {
            self.init(kernel: .delta(1))
        } else {
            let (luma, h, w) = try Self.centralLuma(rgb)
            let share = Self.estimateShare(estimatePixels: h * w, outputPixels: rgb.width * rgb.height)
            self.init(kernel: try estimator.estimate(luma, height: h, width: w) { done in
                if control?.reportBeforeOutput(done, share: share) == true { try control?.check() }
            })
        }
    }

    /// The estimate's share of a whole `enhance` run, for progress reports.
    package static func estimateShare(estimatePixels: Int, outputPixels: Int) -> Double {
        let cost = estimateCost * Double(estimatePixels)
        return cost / (cost + Double(outputPixels))
    }

    /// Deblurred pixels that take as long as estimating from one pixel: on two cores the
    /// estimate from 256² px (4.1 s, one core) takes about as long as deblurring 3 MP
    /// (`limn-bench deblur`); only progress reports depend on it.
    static let estimateCost = 50.0

    /// BT.601 luma of the central `estimateSize` px of `rgb` (the whole image if smaller), and its size.
    package static func centralLuma(_ rgb: Image) throws -> ([Double], height: Int, width: Int) {
        let w = min(estimateSize, rgb.width), h = min(estimateSize, rgb.height)
        let crop = try rgb.cropped(left: (rgb.width - w) / 2, top: (rgb.height - h) / 2, width: w, height: h)
        let y = try crop.luma().floatPixels()
        return (y.map(Double.init), h, w)
    }

    /// The inverse filter conj(K) / (|K|² + mu |D|² + eps), computed on a `grid`² periodic grid,
    /// cut to (2 radius + 1)² px around its origin, windowed by `taper` and rescaled to its full sum.
    static func inverseFilter(_ k: BlurKernel, radius r: Int = radius, grid n: Int = 512) -> [Double] {
        let fft = FFT2D(height: n, width: n)
        let K = k.plane.otf(fft)
        let dx = KernelEstimator.dx.otf(fft).power, dy = KernelEstimator.dy.otf(fft).power
        var H = ComplexImage(height: n, width: n)
        for i in 0..<(n * n) {
            let d = K.re[i] * K.re[i] + K.im[i] * K.im[i] + mu * (dx[i] + dy[i]) + eps
            H.re[i] = K.re[i] / d
            H.im[i] = -K.im[i] / d
        }
        let h = fft.inverseReal(H)
        let dc = h.reduce(0, +)
        let m = 2 * r + 1
        let window = taper(radius: r)
        var out = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0..<m {
                out[i * m + j] = h[((i - r + n) % n) * n + (j - r + n) % n] * window[i] * window[j]
            }
        }
        let scale = dc / out.reduce(0, +)
        return out.map { $0 * scale }
    }

    /// The window across the filter's 2 `r` + 1 taps: flat out to (r + 1) / 2 px from the centre,
    /// then a raised-cosine fall to zero at r + 1 (a Tukey window, alpha 0.5), so the inverse
    /// filter stays exact where most of its weight lies. (A Hann window halves it 24 px out,
    /// which left long blurs under-deconvolved.)
    static func taper(radius r: Int) -> [Double] {
        (-r...r).map { i in
            let t = Double(abs(i)) / Double(r + 1)
            return t <= 0.5 ? 1 : 0.5 + 0.5 * cos(Double.pi * (2 * t - 1))
        }
    }

    /// The fused network's input: `rgb`'s three bands, then its deconvolution (`blockFunction`
    /// in blocks of `block` x `blockHeight`), whose tiling keeps the rows that strips of
    /// `consumerLines` reach. Only the deconvolution is kept in memory; `rgb` is read again.
    /// `anyOrder`: `rgb` serves requests in any order (see `Image.tiled`).
    package func joined(to rgb: Image, consumerLines: Int = 0, anyOrder: Bool = false) throws -> Image {
        try rgb.join(rgb.tiled(blockFunction, blockWidth: Self.block, blockHeight: Self.blockHeight,
                               consumerLines: consumerLines, anyOrder: anyOrder))
    }

    /// A block function on three bands: the input convolved with `filter` and
    /// clamped to [0, 1]. Borders are mirrored.
    package var blockFunction: BlockFunction {
        let r = Self.radius, filter = Plane(height: 2 * r + 1, width: 2 * r + 1, values: self.filter)
        // Whole blocks share one grid, and so the filter's transform on it.
        let n = FFT.goodSize(atLeast: Self.blockHeight + 2 * r), m = FFT.goodSize(atLeast: Self.block + 2 * r)
        let whole = FFT2D(height: n, width: m), wholeF = filter.otf(whole)
        return BlockFunction(halo: r, scale: 1, outputBands: 3, padding: .reflect) { block in
            guard block.bands == 3 else { throw EngineError("deconvolution takes 3 bands, got \(block.bands)") }
            let W = block.width, gw = FFT.goodSize(atLeast: W), gh = FFT.goodSize(atLeast: block.height)
            let ow = block.outputWidth, oh = block.outputHeight
            let fft = gh == n && gw == m ? whole : FFT2D(height: gh, width: gw)
            // The filter with its centre at the origin of the periodic grid: the
            // wrap-around reaches only the halo, which is cut away.
            let F = fft === whole ? wholeF : filter.otf(fft)
            let input = block.input, output = block.output
            for (a, b) in [(0, 1), (2, -1)] {
                // Two real bands as one complex image: the filter is real, so they stay apart.
                var Z = ComplexImage(height: gh, width: gw)
                for y in 0..<block.height {
                    for x in 0..<W {
                        Z.re[y * gw + x] = Double(input[(y * W + x) * 3 + a])
                        if b >= 0 { Z.im[y * gw + x] = Double(input[(y * W + x) * 3 + b]) }
                    }
                }
                let z = fft.inverse(fft.forward(Z) * F)
                for y in 0..<oh {
                    for x in 0..<ow {
                        let i = (y + r) * gw + x + r, o = (y * ow + x) * 3
                        output[o + a] = Float(min(1, max(0, z.re[i])))
                        if b >= 0 { output[o + b] = Float(min(1, max(0, z.im[i]))) }
                    }
                }
            }
        }
    }
}
