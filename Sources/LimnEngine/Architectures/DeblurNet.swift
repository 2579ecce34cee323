import Foundation

// A compact NAFNet-style U-Net for deblurring: blocks of layer norm, 1x1
// convolution, depthwise 3x3, a simple gate (one half of the channels times
// the other) and a scaled residual; 2x2 strided convolutions down, 1x1 +
// pixel shuffle up, skips added; the output is added to the input. NAFNet's
// channel attention pools over the whole image and is left out, so tiling is
// exact. Sync with Training/limn_train/archs/deblur_net.py.
//
// Fused (metadata fused=1): the input is six channels, the blurred image b and
// a deconvolution d of it (Sources/Limn/Deconvolution.swift); the network sees
// (b, d - b), and its last layer's four channels give a residual r and a gate
// g: the output is b + sigmoid(g) (d - b) + r.

package final class DeblurNet: Network {
    package static let architecture = "deblur_net"
    package static let task = "enhance"

    package let width: Int
    package let encoderBlocks: [Int], middleBlocks: Int, decoderBlocks: [Int]
    /// Whether the input carries a deconvolution beside the image.
    package let fused: Bool
    package var inputChannels: Int { fused ? 6 : 3 }
    package var alignment: Int { 1 << encoderBlocks.count }
    package var borderPadding: PaddingMode { .reflect }
    /// Half the alignment suffices: a block plus two margins stays a multiple
    /// of it, so the strided convolutions keep their grid (87 -> 88 px, not 96;
    /// 87 is also the farthest reach PyTorch's gradients show, at every phase).
    package var halo: Int {
        let half = max(1, alignment / 2)
        return (receptiveRadius + half - 1) / half * half
    }
    package var receptiveRadius: Int {
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

        init(_ w: Weights, _ p: String, _ c: Int) throws {
            norm1 = try w.layerNorm("\(p).norm1", c)
            conv1 = try w.conv("\(p).conv1", c, 2 * c, kernel: 1)
            conv2 = try w.conv("\(p).conv2", 2 * c, 2 * c, kernel: 3, groups: 2 * c)
            // The residual scales (beta, gamma) are folded into conv3 and conv5.
            conv3 = try w.conv("\(p).conv3", c, c, kernel: 1, accumulates: true, outputScale: w.tensor("\(p).beta", [c]))
            norm2 = try w.layerNorm("\(p).norm2", c)
            conv4 = try w.conv("\(p).conv4", c, 2 * c, kernel: 1)
            conv5 = try w.conv("\(p).conv5", c, c, kernel: 1, accumulates: true, outputScale: w.tensor("\(p).gamma", [c]))
        }

        /// Consumes `x`'s storage: the result is written into it. A large `x` goes in
        /// strips of rows, each with a row of overlap for the depthwise convolution:
        /// the block's inner tensors, twice as wide as `x`, then exist a strip at a
        /// time, never whole.
        func callAsFunction(_ x: Tensor, stripFloats: Int = 1 << 20) throws -> Tensor {
            let strip = max(8, stripFloats / (x.width * x.channels))
            guard strip < x.height else { return try whole(x) }
            /// Rows first - 1 ..< first + strip + 1 of x (as far as they exist), and the first of them.
            func rows(from first: Int) -> (Tensor, Int) {
                let lo = max(0, first - 1), hi = min(x.height, first + strip + 1)
                return (x.cropped(top: lo, left: 0, height: hi - lo, width: x.width), lo)
            }
            var next = rows(from: 0)
            for first in Swift.stride(from: 0, to: x.height, by: strip) {
                let (part, lo) = next
                // The next strip's rows, the overlap included, are copied before this one's result
                // replaces them in x.
                if first + strip < x.height { next = rows(from: first + strip) }
                let n = min(strip, x.height - first)
                // The rows beyond the strip saw zeros past the part's edge: dropped.
                let y = try conv2(conv1(norm1(part))).cropped(top: first - lo, left: 0, height: n, width: x.width)
                let kept = part.cropped(top: first - lo, left: 0, height: n, width: x.width)
                let result = try second(conv3(y.simpleGate(), adding: kept))
                (x.data + first * x.width * x.channels).update(from: result.data, count: result.count)
            }
            return x
        }

        private func whole(_ x: Tensor) throws -> Tensor {
            let y = try conv2(conv1(norm1(x)))
            return try second(conv3(y.simpleGate(), adding: x))
        }

        /// The pointwise half: `x + conv5(gate(conv4(norm2(x))))`, in `x`'s storage.
        private func second(_ x: Tensor) throws -> Tensor {
            try conv5(conv4(norm2(x)).simpleGate(), adding: x)
        }
    }

    let intro: Conv2D, ending: Conv2D
    let encoders: [[NAFBlock]], downs: [Conv2D]
    let middle: [NAFBlock]
    let ups: [Conv2D], decoders: [[NAFBlock]]

    package init(weights w: Weights) throws {
        width = try w.int("width")
        encoderBlocks = try w.ints("enc_blocks")
        middleBlocks = try w.int("middle_blocks")
        decoderBlocks = try w.ints("dec_blocks")
        fused = w.file.metadata["fused"] != nil ? try w.int("fused") == 1 : false
        guard encoderBlocks.count == decoderBlocks.count, encoderBlocks.count <= 6 else {
            throw EngineError("deblur_net needs as many decoder levels as encoder levels (at most 6)")
        }
        intro = try w.conv("intro", fused ? 6 : 3, width, kernel: 3)
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
        ending = fused ? try w.conv("ending", width, 4, kernel: 3) : try w.conv("ending", width, 3, kernel: 3, accumulates: true)
        try w.checkAllUsed()
    }

    package func forward(_ x: Tensor, _ norms: NormContext) throws -> Tensor {
        try forward(taking: x.copy(), norms)
    }

    /// The fused network forms (b, d - b) in `x` itself; the plain one adds its output to `x`.
    package func forward(taking x: Tensor, _ norms: NormContext) throws -> Tensor {
        guard x.height % alignment == 0, x.width % alignment == 0 else {
            throw EngineError("deblur_net needs sizes that are multiples of \(alignment), got \(x.width)x\(x.height)")
        }
        guard x.channels == inputChannels else {
            throw EngineError("deblur_net takes \(inputChannels) channels, got \(x.channels)")
        }
        if fused { Self.formDifference(x) }
        var y = try intro(x)
        var skips: [Tensor] = []
        for (blocks, down) in zip(encoders, downs) {
            for b in blocks { y = try b(y) }
            skips.append(y)
            y = try down(y)
        }
        for b in middle { y = try b(y) }
        for (up, blocks) in zip(ups, decoders) {
            y = try Self.upsampled(y, by: up, adding: skips.removeLast())
            for b in blocks { y = try b(y) }
        }
        return fused ? Self.gated(x, try ending(y)) : try ending(y, adding: x)
    }

    /// `skip + pixelShuffle(up(y), 2)` in `skip`'s storage; `up`'s output, as large as `skip`,
    /// exists a strip of rows at a time.
    static func upsampled(_ y: Tensor, by up: Conv2D, adding skip: Tensor, stripFloats: Int = 1 << 20) throws -> Tensor {
        let rows = max(1, stripFloats / (y.width * 2 * y.channels))
        guard rows < y.height else { return try up(y).pixelShuffled(2, adding: skip) }
        for first in Swift.stride(from: 0, to: y.height, by: rows) {
            let part = y.cropped(top: first, left: 0, height: min(rows, y.height - first), width: y.width)
            try up(part).pixelShuffled(2, adding: skip, atRow: 2 * first)
        }
        return skip
    }

    /// (b, d) -> (b, d - b), per pixel, in place.
    static func formDifference(_ x: Tensor) {
        let p = x.data
        for i in 0..<x.pixels {
            for c in 0..<3 { p[i * 6 + 3 + c] -= p[i * 6 + c] }
        }
    }

    /// b + sigmoid(g) (d - b) + r from the network's input (b, d - b) and the ending's (r, g).
    static func gated(_ x: Tensor, _ e: Tensor) -> Tensor {
        let out = Tensor(height: x.height, width: x.width, channels: 3)
        let xp = x.data, ep = e.data, op = out.data
        for i in 0..<x.pixels {
            let g = 1 / (1 + exp(-ep[i * 4 + 3]))
            for c in 0..<3 {
                let b = xp[i * 6 + c], difference = xp[i * 6 + 3 + c]
                op[i * 3 + c] = b + g * difference + ep[i * 4 + c]
            }
        }
        return out
    }

    package func macs(height h: Int, width w: Int) -> Int {
        func block(_ c: Int, _ p: Int) -> Int { p * (c * 2 * c + 2 * c * 9 + c * c + c * 2 * c + c * c) }
        var total = h * w * inputChannels * width * 9 + h * w * width * 9 * (fused ? 4 : 3), c = width, p = h * w
        for n in encoderBlocks { total += n * block(c, p) + (p / 4) * c * 2 * c * 4; c *= 2; p /= 4 }
        total += middleBlocks * block(c, p)
        for n in decoderBlocks { total += p * c * 2 * c; c /= 2; p *= 4; total += n * block(c, p) }
        return total
    }
}
