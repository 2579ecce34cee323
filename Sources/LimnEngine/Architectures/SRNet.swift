// A plain residual super-resolution network: a 3x3 head, residual blocks of
// two 3x3 convolutions (LeakyReLU between), a long skip, a pixel-shuffle tail
// added to a bilinear upsampling of the input. Only local operations, so it
// is exact under tiling. Sync with Training/limn_train/archs/sr_net.py.

package final class SRNet: Network {
    package static let architecture = "sr_net"
    package static let task = "upscale"

    package let channels: Int
    package let blocks: Int
    package let scale: Int
    package var borderPadding: PaddingMode { .replicate }
    package var receptiveRadius: Int { 1 + 2 * blocks + 1 + 1 }

    let head: Conv2D
    let body: [(Conv2D, Conv2D)]
    let bodyEnd: Conv2D
    let tail: Conv2D

    package init(weights w: Weights) throws {
        let c = try w.int("channels")
        channels = c
        blocks = try w.int("blocks")
        scale = try w.int("scale")
        head = try w.conv("head", 3, c, kernel: 3)
        body = try (0..<blocks).map { i in
            (try w.conv("blocks.\(i).conv1", c, c, kernel: 3, activation: .leakyReLU(0.05)),
             try w.conv("blocks.\(i).conv2", c, c, kernel: 3, accumulates: true))
        }
        bodyEnd = try w.conv("body_end", c, c, kernel: 3, accumulates: true)
        tail = try w.conv("tail", c, 3 * scale * scale, kernel: 3)
        try w.checkAllUsed()
    }

    package func forward(_ x: Tensor, _ norms: NormContext) throws -> Tensor {
        let shallow = try head(x)
        var y = shallow.copy()   // the blocks accumulate into y's storage
        for (conv1, conv2) in body { y = try conv2(conv1(y), adding: y) }
        y = try bodyEnd(y, adding: shallow)
        return try tail(y).pixelShuffled(scale) + x.upsampled(scale, .bilinear)
    }

    package func macs(height h: Int, width w: Int) -> Int {
        let c = channels, p = h * w
        return p * (3 * c * 9 + blocks * 2 * c * c * 9 + c * c * 9 + c * 3 * scale * scale * 9)
    }
}
