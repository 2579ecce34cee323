// A compact NAFNet-style U-Net for deblurring: blocks of layer norm, 1x1
// convolution, depthwise 3x3, a simple gate (one half of the channels times
// the other) and a scaled residual; 2x2 strided convolutions down, 1x1 +
// pixel shuffle up, skips added; the output is added to the input. NAFNet's
// channel attention pools over the whole image and is left out, so tiling is
// exact. Sync with Training/limn_train/archs/deblur_net.py.

public final class DeblurNet: Network {
    public static let architecture = "deblur_net"

    public let width: Int
    public let encoderBlocks: [Int], middleBlocks: Int, decoderBlocks: [Int]
    public var inputChannels: Int { 3 }
    public var outputChannels: Int { 3 }
    public var scale: Int { 1 }
    public var alignment: Int { 1 << encoderBlocks.count }
    public var borderPadding: PaddingMode { .reflect }
    public var receptiveRadius: Int {
        // 3x3 intro and ending, one pixel per depthwise 3x3 at each level's
        // scale, one per 2x2 down-convolution.
        var r = 2, s = 1
        for n in encoderBlocks { r += (n + 1) * s; s *= 2 }
        r += middleBlocks * s
        for n in decoderBlocks { s /= 2; r += n * s }
        return r
    }

    struct NAFBlock {
        let norm1: LayerNorm, conv1: Conv2D, conv2: Conv2D, conv3: Conv2D
        let norm2: LayerNorm, conv4: Conv2D, conv5: Conv2D
        let c: Int

        init(_ w: Weights, _ p: String, _ c: Int) throws {
            self.c = c
            norm1 = try w.layerNorm("\(p).norm1", c)
            conv1 = try w.conv("\(p).conv1", c, 2 * c, kernel: 1)
            conv2 = try w.conv("\(p).conv2", 2 * c, 2 * c, kernel: 3, groups: 2 * c)
            // The residual scales (beta, gamma) are folded into conv3 and conv5.
            conv3 = try w.conv("\(p).conv3", c, c, kernel: 1, accumulates: true, outputScale: w.tensor("\(p).beta", [c]))
            norm2 = try w.layerNorm("\(p).norm2", c)
            conv4 = try w.conv("\(p).conv4", c, 2 * c, kernel: 1)
            conv5 = try w.conv("\(p).conv5", c, c, kernel: 1, accumulates: true, outputScale: w.tensor("\(p).gamma", [c]))
        }

        /// Consumes `x`'s storage.
        func callAsFunction(_ x: Tensor) throws -> Tensor {
            var y = try conv2(conv1(norm1(x)))
            var x = try conv3(y.channels(0, c) * y.channels(c, c), adding: x)
            y = try conv4(norm2(x))
            x = try conv5(y.channels(0, c) * y.channels(c, c), adding: x)
            return x
        }
    }

    let intro: Conv2D, ending: Conv2D
    let encoders: [[NAFBlock]], downs: [Conv2D]
    let middle: [NAFBlock]
    let ups: [Conv2D], decoders: [[NAFBlock]]

    public init(weights w: Weights) throws {
        width = try w.int("width")
        encoderBlocks = try w.ints("enc_blocks")
        middleBlocks = try w.int("middle_blocks")
        decoderBlocks = try w.ints("dec_blocks")
        guard encoderBlocks.count == decoderBlocks.count, encoderBlocks.count <= 6 else {
            throw EngineError("deblur_net needs as many decoder levels as encoder levels (at most 6)")
        }
        intro = try w.conv("intro", 3, width, kernel: 3)
        var c = width
        var encoders: [[NAFBlock]] = [], downs: [Conv2D] = []
        for (i, n) in encoderBlocks.enumerated() {
            encoders.append(try (0..<n).map { try NAFBlock(w, "encoders.\(i).\($0)", c) })
            downs.append(try w.conv("downs.\(i)", c, 2 * c, kernel: 2, stride: 2, padding: 0))
            c *= 2
        }
        middle = try (0..<middleBlocks).map { try NAFBlock(w, "middle.\($0)", c) }
        var ups: [Conv2D] = [], decoders: [[NAFBlock]] = []
        for (i, n) in decoderBlocks.enumerated() {
            ups.append(try w.conv("ups.\(i)", c, 2 * c, kernel: 1, bias: false))
            c /= 2
            decoders.append(try (0..<n).map { try NAFBlock(w, "decoders.\(i).\($0)", c) })
        }
        (self.encoders, self.downs, self.ups, self.decoders) = (encoders, downs, ups, decoders)
        ending = try w.conv("ending", width, 3, kernel: 3, accumulates: true)
        try w.checkAllUsed()
    }

    public func forward(_ x: Tensor, _ norms: NormContext) throws -> Tensor {
        guard x.height % alignment == 0, x.width % alignment == 0 else {
            throw EngineError("deblur_net needs sizes that are multiples of \(alignment), got \(x.width)x\(x.height)")
        }
        var y = try intro(x)
        var skips: [Tensor] = []
        for (blocks, down) in zip(encoders, downs) {
            for b in blocks { y = try b(y) }
            skips.append(y)
            y = try down(y)
        }
        for b in middle { y = try b(y) }
        for (i, (up, blocks)) in zip(ups, decoders).enumerated() {
            y = try up(y).pixelShuffled(2) + skips[skips.count - 1 - i]
            for b in blocks { y = try b(y) }
        }
        return try ending(y, adding: x.copy())
    }

    public func macs(height h: Int, width w: Int) -> Int {
        func block(_ c: Int, _ p: Int) -> Int { p * (c * 2 * c + 2 * c * 9 + c * c + c * 2 * c + c * c) }
        var total = h * w * 3 * width * 9 * 2, c = width, p = h * w
        for n in encoderBlocks { total += n * block(c, p) + (p / 4) * c * 2 * c * 4; c *= 2; p /= 4 }
        total += middleBlocks * block(c, p)
        for n in decoderBlocks { total += p * c * 2 * c; c /= 2; p *= 4; total += n * block(c, p) }
        return total
    }
}
