import CLimnVips

/// How a block function's input is padded at the image borders.
public enum BorderPadding: Sendable {
    case zero, reflect, replicate

    var c: LimnPad {
        switch self {
        case .zero: LIMN_PAD_ZERO
        case .reflect: LIMN_PAD_REFLECT
        case .replicate: LIMN_PAD_REPLICATE
        }
    }
}

/// What a block function sees: `input` holds `width` x `height` pixels of
/// `bands` interleaved floats (the block plus the halo on each side); it fills
/// `output`, `outputWidth` x `outputHeight` pixels of `outputBands`.
public struct Block {
    public let input: UnsafePointer<Float>
    public let width: Int, height: Int, bands: Int
    public let output: UnsafeMutablePointer<Float>
    public let outputWidth: Int, outputHeight: Int, outputBands: Int
}

/// A function from an input block with a halo to an output block `scale`
/// times the block without the halo. Called from several threads at once.
public struct BlockFunction: Sendable {
    public let halo: Int
    public let scale: Int
    public let outputBands: Int
    public let padding: BorderPadding
    public let body: @Sendable (Block) throws -> Void

    public init(halo: Int, scale: Int, outputBands: Int, padding: BorderPadding,
                body: @escaping @Sendable (Block) throws -> Void) {
        self.halo = halo
        self.scale = scale
        self.outputBands = outputBands
        self.padding = padding
        self.body = body
    }
}

private final class BlockContext {
    let function: BlockFunction
    init(_ f: BlockFunction) { function = f }
}

private let callBlock: LimnBlockFn = { ctx, input, w, h, c, output, ow, oh, oc, err, errLen in
    let context = Unmanaged<BlockContext>.fromOpaque(ctx!).takeUnretainedValue()
    let block = Block(input: input!, width: Int(w), height: Int(h), bands: Int(c),
                      output: output!, outputWidth: Int(ow), outputHeight: Int(oh), outputBands: Int(oc))
    do {
        try context.function.body(block)
        return 0
    } catch {
        let text = Array("\(error)".utf8.prefix(Int(errLen) - 1)) + [0]
        text.withUnsafeBufferPointer { buf in
            err!.update(from: UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self), count: buf.count)
        }
        return 1
    }
}

private let releaseContext: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ctx in
    Unmanaged<BlockContext>.fromOpaque(ctx!).release()
}

extension Image {
    /// Applies `function` in blocks of `block` x `block` input pixels. The result
    /// equals `function` applied once to the whole image padded by its halo, and
    /// streams: memory is bounded by a few rows of blocks.
    public func tiled(_ function: BlockFunction, block: Int) throws -> Image {
        let ctx = Unmanaged.passRetained(BlockContext(function)).toOpaque()
        return try Image.make("tiling") {
            limn_tiled(ptr, $0, Int32(function.outputBands), Int32(function.scale), Int32(block),
                       Int32(function.halo), function.padding.c, callBlock, ctx, releaseContext)
        }
    }
}
