import LimnImage

/// How big an upscaled image should be.
public enum UpscaleSize: Sendable, Equatable {
    /// A factor in (1, 8].
    case scale(Double)
    /// A width in pixels; the height keeps the aspect ratio.
    case width(Int)
    /// A height in pixels; the width keeps the aspect ratio.
    case height(Int)

    /// The largest factor.
    public static let maxScale = 8.0

    /// The output size for an input of `width` x `height`, or an error when the
    /// implied factor is outside (1, 8].
    public func outputSize(width: Int, height: Int) throws -> (width: Int, height: Int) {
        let factor: Double
        let size: (Int, Int)
        switch self {
        case .scale(let s):
            factor = s
            size = (Int((Double(width) * s).rounded()), Int((Double(height) * s).rounded()))
        case .width(let w):
            factor = Double(w) / Double(width)
            size = (w, max(1, Int((Double(height) * factor).rounded())))
        case .height(let h):
            factor = Double(h) / Double(height)
            size = (max(1, Int((Double(width) * factor).rounded())), h)
        }
        guard factor > 1, factor <= Self.maxScale + 1e-9 else {
            throw LimnError("\(width)x\(height) to \(size.0)x\(size.1) is a factor of \(Self.format(factor)); upscale takes factors in (1, 8]")
        }
        return size
    }

    private static func format(_ x: Double) -> String {
        (x * 1000).rounded() == (x.rounded() * 1000) ? String(Int(x.rounded())) : String((x * 1000).rounded() / 1000)
    }
}

/// Upscaling with the classic lanczos3 kernel, pixel centres aligned.
package struct LanczosUpscaler: Sendable {
    package let size: UpscaleSize
    package init(size: UpscaleSize) { self.size = size }

    package func callAsFunction(_ input: WorkingImage) throws -> WorkingImage {
        let (w, h) = try size.outputSize(width: input.width, height: input.height)
        return try input.resampled(width: w, height: h, kernel: .lanczos3)
    }
}
