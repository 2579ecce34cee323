import CLimnEngine
import Foundation

/// Per-channel statistics of one instance-norm layer.
package struct ChannelStats: Sendable, Equatable {
    package var mean: [Float]
    package var variance: [Float]
}

/// Instance-norm statistics for a whole network, in layer order. Computed once
/// on a downscaled copy of a whole image and applied to every tile, they make
/// tiled style transfer seamless.
package final class NormStats: @unchecked Sendable {
    private var layers: [ChannelStats] = []
    private let lock = NSLock()
    package init() {}

    package var count: Int { lock.withLock { layers.count } }
    func append(_ s: ChannelStats) { lock.withLock { layers.append(s) } }
    func layer(_ i: Int) throws -> ChannelStats {
        try lock.withLock {
            guard i < layers.count else { throw EngineError("no instance-norm statistics for layer \(i)") }
            return layers[i]
        }
    }
}

/// Where instance-norm layers take their statistics from during one forward pass.
package final class NormContext: @unchecked Sendable {
    package enum Mode { case compute, record(NormStats), use(NormStats) }
    let mode: Mode
    private var next = 0

    package init(_ mode: Mode = .compute) { self.mode = mode }

    func stats(for x: Tensor) throws -> ChannelStats {
        defer { next += 1 }
        switch mode {
        case .use(let stats):
            let s = try stats.layer(next)
            guard s.mean.count == x.channels else { throw EngineError("instance-norm statistics have the wrong channel count") }
            return s
        case .compute, .record:
            var s = ChannelStats(mean: .init(repeating: 0, count: x.channels), variance: .init(repeating: 0, count: x.channels))
            limn_channel_stats(x.data, x.pixels, Int32(x.channels), &s.mean, &s.variance)
            if case .record(let stats) = mode { stats.append(s) }
            return s
        }
    }
}

/// Instance normalisation with an affine transform (torch.nn.InstanceNorm2d(affine=True)).
package struct InstanceNorm: Sendable {
    package let gamma: [Float], beta: [Float]
    package let epsilon: Float
    package init(gamma: [Float], beta: [Float], epsilon: Float = 1e-5) {
        self.gamma = gamma
        self.beta = beta
        self.epsilon = epsilon
    }

    /// Normalises in place and applies `activation`.
    package func callAsFunction(_ x: Tensor, _ context: NormContext, activation: Activation = .none) throws -> Tensor {
        let s = try context.stats(for: x)
        let relu = activation == .relu
        limn_normalize_channels(x.data, x.pixels, Int32(x.channels), s.mean, s.variance, epsilon, gamma, beta,
                                relu ? 1 : 0, x.data)
        if !relu { activation.apply(x) }
        return x
    }
}

/// Layer normalisation over the channels of each pixel (LayerNorm2d).
package struct LayerNorm: Sendable {
    package let gamma: [Float], beta: [Float]
    package let epsilon: Float
    package init(gamma: [Float], beta: [Float], epsilon: Float = 1e-6) {
        self.gamma = gamma
        self.beta = beta
        self.epsilon = epsilon
    }

    package func callAsFunction(_ x: Tensor) -> Tensor {
        let out = x.like()
        limn_layer_norm(x.data, x.pixels, Int32(x.channels), epsilon, gamma, beta, out.data)
        return out
    }
}

/// Parametric ReLU, one slope per channel or one for all (torch.nn.PReLU).
package struct PReLU: Sendable {
    package let slope: [Float]
    package init(slope: [Float]) { self.slope = slope }

    package func callAsFunction(_ x: Tensor) -> Tensor {
        limn_prelu(x.data, x.pixels, Int32(x.channels), slope, Int32(slope.count))
        return x
    }
}
