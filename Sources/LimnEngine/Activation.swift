import CLimnEngine

/// Point-wise non-linearities. Those a convolution can fuse run inside it.
package enum Activation: Sendable, Equatable {
    case none
    case relu
    case leakyReLU(Float)
    case silu
    case gelu
    case sigmoid
    case tanh

    var c: (LimnActivation, Float) {
        switch self {
        case .none: (LIMN_ACT_NONE, 0)
        case .relu: (LIMN_ACT_RELU, 0)
        case .leakyReLU(let a): (LIMN_ACT_LEAKY_RELU, a)
        case .silu: (LIMN_ACT_SILU, 0)
        case .gelu: (LIMN_ACT_GELU, 0)
        case .sigmoid: (LIMN_ACT_SIGMOID, 0)
        case .tanh: (LIMN_ACT_TANH, 0)
        }
    }

    /// Applies the activation in place (oneDNN's vectorised kernels), in
    /// whatever layout the tensor is.
    package func apply(_ x: Tensor) {
        let (kind, alpha) = c
        if limn_eltwise(x.storage, x.count, kind, alpha) != 0 { limn_activation(x.storage, x.count, kind, alpha) }
    }

    /// The plain C loop, the reference `apply` is tested against.
    package func applyReference(_ x: Tensor) {
        let (kind, alpha) = c
        limn_activation(x.data, x.count, kind, alpha)
    }
}
