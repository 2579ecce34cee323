// A compact super-resolution network in the IMDN family: a 3x3 head, blocks
// that split off features progressively (plain, dilated, and depthwise +
// pointwise branches), normalise, gate and re-weight channels with
// contrast-free channel attention, then a pixel-shuffle tail added to a
// bilinear upsampling of the input. Sync with
// Training/limn_train/archs/compact_sr.py.
//
// A test architecture: no preset uses it. It exercises every operation the
// engine has, and its channel attention pools over the whole input, so it is
// exact only when one block covers the image (the tiled path refuses it otherwise).

package final class CompactSR: Network {
    package static let architecture = "compact_sr"
    package static let task = "upscale"

    package let channels: Int
    package let blocks: Int
    package let scale: Int
    package var borderPadding: PaddingMode { .replicate }
    package var receptiveRadius: Int { 1 + 4 * blocks + 1 + 1 }
    /// Channel attention pools over the whole input.
    package var usesGlobalContext: Bool { true }

    struct Block {
        let c1: Conv2D, c2: Conv2D, dw: Conv2D, pw: Conv2D, prelu: PReLU
        // The gate's 1x1 convolution runs as its two halves, so that tanh is
        // fused into the second and no channel slices are copied.
        let norm: LayerNorm, gateA: Conv2D, gateB: Conv2D, fc1: Conv2D, fc2: Conv2D, fuse: Conv2D
    }

    let head: Conv2D
    let body: [Block]
    let bodyEnd: Conv2D
    let tail: Conv2D

    package init(weights w: Weights) throws {
        let c = try w.int("channels")
        guard c % 4 == 0 else { throw EngineError("compact_sr needs channels divisible by 4, got \(c)") }
        channels = c
        blocks = try w.int("blocks")
        scale = try w.int("scale")
        let q = c / 4
        head = try w.conv("head", 3, c, kernel: 3)
        body = try (0..<blocks).map { i in
            let p = "blocks.\(i)"
            let gw = try w.tensor("\(p).gate.weight", [2 * c, 3 * q, 1, 1]), gb = try w.tensor("\(p).gate.bias", [2 * c])
            let half = c * 3 * q
            return try Block(
                c1: w.conv("\(p).c1", c, c, kernel: 3, activation: .leakyReLU(0.05)),
                c2: w.conv("\(p).c2", 3 * q, c, kernel: 3, dilation: 2, activation: .gelu),
                dw: w.conv("\(p).dw", 3 * q, 3 * q, kernel: 3, groups: 3 * q, activation: .silu),
                pw: w.conv("\(p).pw", 3 * q, q, kernel: 1),
                prelu: w.prelu("\(p).prelu", q),
                norm: w.layerNorm("\(p).norm", 3 * q),
                gateA: Conv2D(weights: Array(gw[..<half]), bias: Array(gb[..<c]), inChannels: 3 * q, outChannels: c, kernel: 1),
                gateB: Conv2D(weights: Array(gw[half...]), bias: Array(gb[c...]), inChannels: 3 * q, outChannels: c,
                              kernel: 1, activation: .tanh),
                fc1: w.conv("\(p).fc1", c, q, kernel: 1, activation: .relu),
                fc2: w.conv("\(p).fc2", q, c, kernel: 1, activation: .sigmoid),
                fuse: w.conv("\(p).fuse", c, c, kernel: 1, accumulates: true))
        }
        bodyEnd = try w.conv("body_end", c, c, kernel: 3, accumulates: true)
        tail = try w.conv("tail", c, 3 * scale * scale, kernel: 3, padding: 0)
        try w.checkAllUsed()
    }

    package func forward(_ x: Tensor, _ norms: NormContext) throws -> Tensor {
        let q = channels / 4
        let shallow = try head(x)
        var y = shallow.copy()   // the blocks accumulate into y's storage
        for b in body {
            let t1 = try b.c1(y)
            let t2 = try b.c2(t1.channels(q, 3 * q))
            let t3 = b.prelu(try b.pw(b.dw(t2.channels(q, 3 * q))))
            let kept = b.norm(Tensor.concatenated([t1.channels(0, q), t2.channels(0, q), t3]))
            let z = try b.gateA(kept) * b.gateB(kept)
            let pooled = Tensor(height: 1, width: 1, channels: channels, values: z.globalAveragePooled())
            z.scaleChannels(try b.fc2(b.fc1(pooled)).values)
            y = try b.fuse(z, adding: y)
        }
        y = try bodyEnd(y, adding: shallow)
        let detail = try tail(y.padded(1, .replicate)).pixelShuffled(scale)
        return detail + x.upsampled(scale, .bilinear)
    }

    package func macs(height h: Int, width w: Int) -> Int {
        let c = channels, q = c / 4, p = h * w
        // The channel attention's two 1x1 convolutions run on the pooled 1x1 image.
        let block = p * (c * c * 9 + 3 * q * c * 9 + 3 * q * 9 + 3 * q * q + 3 * q * 2 * c + c * c) + 2 * c * q
        return p * 3 * c * 9 + blocks * block + p * c * c * 9 + p * c * 3 * scale * scale * 9
    }
}
