// Johnson et al.'s feed-forward style network, instance-normalised: three
// convolutions down (x4), residual blocks, two upsamplings (nearest, then
// bilinear) each followed by a convolution, sigmoid output in [0, 1].
// Reflect padding before every convolution. Sync with
// Training/limn_train/archs/style_net.py.

package final class StyleNet: Network {
    package static let architecture = "style_net"
    package static let task = "style"

    package let channels: Int
    package let residualBlocks: Int
    package var alignment: Int { 4 }
    package var borderPadding: PaddingMode { .reflect }
    // 9x9 at full size (4), 3x3 at full and half size (1 + 2), two 3x3 per
    // residual block at quarter size (8 each), 3x3 at half and full size (2 + 1), 9x9 (4).
    package var receptiveRadius: Int { 4 + 1 + 2 + 8 * residualBlocks + 2 + 1 + 4 }

    struct Residual { let conv1: Conv2D, norm1: InstanceNorm, conv2: Conv2D, norm2: InstanceNorm }

    let conv1: Conv2D, norm1: InstanceNorm
    let conv2: Conv2D, norm2: InstanceNorm
    let conv3: Conv2D, norm3: InstanceNorm
    let residuals: [Residual]
    let up1: Conv2D, upNorm1: InstanceNorm
    let up2: Conv2D, upNorm2: InstanceNorm
    let out: Conv2D

    package init(weights w: Weights) throws {
        let c = try w.int("channels")
        channels = c
        residualBlocks = try w.int("res_blocks")
        conv1 = try w.conv("conv1", 3, c, kernel: 9, padding: 0)
        norm1 = try w.instanceNorm("norm1", c)
        conv2 = try w.conv("conv2", c, 2 * c, kernel: 3, stride: 2, padding: 0)
        norm2 = try w.instanceNorm("norm2", 2 * c)
        conv3 = try w.conv("conv3", 2 * c, 4 * c, kernel: 3, stride: 2, padding: 0)
        norm3 = try w.instanceNorm("norm3", 4 * c)
        residuals = try (0..<residualBlocks).map { i in
            try Residual(conv1: w.conv("res.\(i).conv1", 4 * c, 4 * c, kernel: 3, padding: 0),
                         norm1: w.instanceNorm("res.\(i).norm1", 4 * c),
                         conv2: w.conv("res.\(i).conv2", 4 * c, 4 * c, kernel: 3, padding: 0),
                         norm2: w.instanceNorm("res.\(i).norm2", 4 * c))
        }
        up1 = try w.conv("up1", 4 * c, 2 * c, kernel: 3, padding: 0)
        upNorm1 = try w.instanceNorm("up_norm1", 2 * c)
        up2 = try w.conv("up2", 2 * c, c, kernel: 3, padding: 0)
        upNorm2 = try w.instanceNorm("up_norm2", c)
        out = try w.conv("out", c, 3, kernel: 9, padding: 0, activation: .sigmoid)
        try w.checkAllUsed()
    }

    package func forward(_ x: Tensor, _ norms: NormContext) throws -> Tensor {
        guard x.height % alignment == 0, x.width % alignment == 0 else {
            throw EngineError("style_net needs sizes that are multiples of \(alignment), got \(x.width)x\(x.height)")
        }
        var y = try norm1(conv1(x.padded(4, .reflect)), norms, activation: .relu)
        y = try norm2(conv2(y.padded(1, .reflect)), norms, activation: .relu)
        y = try norm3(conv3(y.padded(1, .reflect)), norms, activation: .relu)
        for r in residuals {
            let t = try r.norm1(r.conv1(y.padded(1, .reflect)), norms, activation: .relu)
            y = try y + r.norm2(r.conv2(t.padded(1, .reflect)), norms)
        }
        y = try upNorm1(up1(y.upsampled(2, .nearest).padded(1, .reflect)), norms, activation: .relu)
        y = try upNorm2(up2(y.upsampled(2, .bilinear).padded(1, .reflect)), norms, activation: .relu)
        return try out(y.padded(4, .reflect))
    }

    package func macs(height h: Int, width w: Int) -> Int {
        let c = channels
        let full = h * w, half = full / 4, quarter = full / 16
        return full * 3 * c * 81 + half * c * 2 * c * 9 + quarter * 2 * c * 4 * c * 9
            + residualBlocks * 2 * quarter * 16 * c * c * 9
            + half * 4 * c * 2 * c * 9 + full * 2 * c * c * 9 + full * c * 3 * 81
    }
}
