import CLimnVips

/// Interpolation kernels of the centre-aligned resampler.
package enum ResampleKernel: Sendable {
    case lanczos3, cubic, linear

    var c: LimnKernel {
        switch self {
        case .lanczos3: LIMN_KERNEL_LANCZOS3
        case .cubic: LIMN_KERNEL_CUBIC
        case .linear: LIMN_KERNEL_LINEAR
        }
    }
}

extension Image {
    /// Resizes to `width` x `height` with pixel centres aligned: output x samples
    /// input (x + 0.5) * inWidth / width - 0.5. The result is float.
    package func resampled(width: Int, height: Int, kernel: ResampleKernel = .lanczos3) throws -> Image {
        try Image.make("resize") { limn_resample(ptr, $0, Int32(width), Int32(height), kernel.c) }
    }
}
