import LimnEngine
import LimnImage

extension PaddingMode {
    var border: BorderPadding {
        switch self {
        case .zero: .zero
        case .reflect: .reflect
        case .replicate: .replicate
        }
    }
}

extension BlockFunction {
    /// Runs `network` on every block, with the network's halo, so tiled output
    /// equals one pass over the whole (padded) image. Instance norms use
    /// `stats` when given (needed for seamless tiling), else each block's own
    /// statistics.
    package static func network(_ net: any Network, stats: NormStats? = nil, oneDNNThreads: Int = 1) -> BlockFunction {
        let halo = net.halo
        return BlockFunction(halo: halo, scale: net.scale, outputBands: net.outputChannels,
                             padding: net.borderPadding.border, alignment: net.alignment,
                             needsWholeImage: net.usesGlobalContext) { block in
            Engine.setThreads(oneDNNThreads)
            guard block.bands == net.inputChannels else {
                throw EngineError("network takes \(net.inputChannels) channels, image has \(block.bands)")
            }
            // Edge blocks are rounded up to the alignment; the extra pixels lie
            // beyond the halo, so they do not reach the kept output.
            let x = net.aligned(Tensor(height: block.height, width: block.width, channels: block.bands,
                                       copying: block.input))
            let y = try net.forward(taking: x, NormContext(stats.map { .use($0) } ?? .compute))
            let s = net.scale
            let kept = y.cropped(top: halo * s, left: halo * s, height: block.outputHeight, width: block.outputWidth)
            block.output.update(from: kept.data, count: kept.count)
        }
    }
}

extension Network {
    /// `x` with its bottom and right edges replicated up to multiples of the alignment.
    func aligned(_ x: Tensor) -> Tensor {
        let a = alignment
        let padH = (a - x.height % a) % a, padW = (a - x.width % a) % a
        return padH + padW == 0 ? x : x.padded(top: 0, bottom: padH, left: 0, right: padW, .replicate)
    }

    /// Runs the network once on a whole image tensor, padded by the same halo
    /// and border mode the tiled path uses: the reference tiling must match.
    /// Instance norms use `stats` when given, else the image's own.
    package func forwardWhole(_ x: Tensor, stats: NormStats? = nil) throws -> Tensor {
        let a = alignment
        let padH = (a - x.height % a) % a, padW = (a - x.width % a) % a
        let padded = x.padded(top: halo, bottom: halo + padH, left: halo, right: halo + padW, borderPadding)
        let y = try forward(padded, NormContext(stats.map { .use($0) } ?? .compute))
        return y.cropped(top: halo * scale, left: halo * scale, height: x.height * scale, width: x.width * scale)
    }

    /// Instance-norm statistics of a whole image, from one pass over it as the
    /// network was trained (no halo); returns them with that pass's output.
    package func normStatsAndOutput(_ x: Tensor) throws -> (NormStats, Tensor) {
        let stats = NormStats()
        let y = try forward(aligned(x), NormContext(.record(stats)))
        return (stats, y.cropped(top: 0, left: 0, height: x.height * scale, width: x.width * scale))
    }

    /// Instance-norm statistics of a whole image, from one pass over it.
    package func normStats(_ x: Tensor) throws -> NormStats { try normStatsAndOutput(x).0 }
}
