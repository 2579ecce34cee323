import CLimnVips

/// How a block function's input is padded at the image borders.
package enum BorderPadding: Sendable {
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
package struct Block {
    package let input: UnsafePointer<Float>
    package let width: Int, height: Int, bands: Int
    package let output: UnsafeMutablePointer<Float>
    package let outputWidth: Int, outputHeight: Int, outputBands: Int
}

/// A function from an input block with a halo to an output block `scale`
/// times the block without the halo. Called from several threads at once.
package struct BlockFunction: Sendable {
    package let halo: Int
    package let scale: Int
    package let outputBands: Int
    package let padding: BorderPadding
    /// Block sizes and origins must be multiples of this (a network's total stride).
    package let alignment: Int
    /// The function pools over its whole input (global attention): it is exact only
    /// when one block covers the image, so tiling refuses anything else.
    package let needsWholeImage: Bool
    package let body: @Sendable (Block) throws -> Void

    package init(halo: Int, scale: Int, outputBands: Int, padding: BorderPadding, alignment: Int = 1,
                needsWholeImage: Bool = false, body: @escaping @Sendable (Block) throws -> Void) {
        self.halo = halo
        self.scale = scale
        self.outputBands = outputBands
        self.padding = padding
        self.alignment = max(1, alignment)
        self.needsWholeImage = needsWholeImage
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
        for (i, byte) in text.enumerated() { err![i] = CChar(bitPattern: byte) }
        return 1
    }
}

private let releaseContext: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ctx in
    Unmanaged<BlockContext>.fromOpaque(ctx!).release()
}

extension BlockFunction {
    /// `block` rounded up to the alignment: the block edge a tiling in `block`-pixel blocks uses.
    package func aligned(_ block: Int) -> Int { (block + alignment - 1) / alignment * alignment }

    /// The input lines one strip of a tiling in `block`-pixel blocks spans: a block and its halos
    /// (what a tiled operator feeding this one is told as `consumerLines`).
    package func stripLines(block: Int) -> Int { aligned(block) + 2 * halo }
}

extension Image {
    /// What the kept rows of output blocks may hold at `scale`: 96 MB up to x2 (256-pixel
    /// blocks stay square up to inputs about 4100 pixels wide), 128 MB beyond (1350 at x4,
    /// where shorter blocks cost more); the trade: docs/engine.md.
    package static func defaultCacheLimit(scale: Int) -> Int { scale <= 2 ? 96 << 20 : 128 << 20 }

    /// Applies `function` in blocks `block` input pixels wide (rounded up to the
    /// function's alignment). The result equals `function` applied once to the
    /// whole image padded by its halo, and streams: the operator keeps a few rows
    /// of output blocks, so its memory grows with the width, never the height.
    /// Blocks are as tall as they are wide unless those rows would pass
    /// `cacheLimit` bytes (wide images, large scales): tiled.c then makes them
    /// shorter, trading speed for memory. When another tiled operator reads this
    /// one, `consumerLines` is its strip's height (block plus halos, in this one's
    /// output lines): the rows such a strip reaches are kept, not computed twice.
    /// The input is read a full-width strip at a time, top to bottom, unless `anyOrder`
    /// says it serves requests in any order (in memory, or `cachingRows` reaching a few
    /// strips back): then each block reads its own input and no strip is kept.
    package func tiled(_ function: BlockFunction, block: Int, cacheLimit: Int? = nil,
                       consumerLines: Int = 0, anyOrder: Bool = false) throws -> Image {
        try tiled(function, blockWidth: function.aligned(block), blockHeight: 0,
                  cacheLimit: cacheLimit ?? Self.defaultCacheLimit(scale: function.scale),
                  consumerLines: consumerLines, anyOrder: anyOrder)
    }

    /// Applies `function` in blocks of `blockWidth` x `blockHeight` input pixels,
    /// both multiples of the function's alignment (`consumerLines`, `anyOrder` as above).
    package func tiled(_ function: BlockFunction, blockWidth: Int, blockHeight: Int, consumerLines: Int = 0,
                       anyOrder: Bool = false) throws -> Image {
        precondition(blockHeight > 0, "blocks must have a height")
        return try tiled(function, blockWidth: blockWidth, blockHeight: blockHeight, cacheLimit: 0,
                         consumerLines: consumerLines, anyOrder: anyOrder)
    }

    private func tiled(_ function: BlockFunction, blockWidth: Int, blockHeight: Int, cacheLimit: Int,
                       consumerLines: Int, anyOrder: Bool) throws -> Image {
        precondition(blockWidth % function.alignment == 0 && blockHeight % function.alignment == 0,
                     "blocks must be multiples of the alignment")
        var blockHeight = blockHeight
        if function.needsWholeImage {
            blockHeight = blockHeight > 0 ? blockHeight : blockWidth   // never shortened to fit the cache
            guard blockWidth >= width && blockHeight >= height else {
                throw LimnError("this network pools over the whole image: it runs only when one block covers it "
                                + "(\(width)x\(height) in blocks of \(blockWidth)x\(blockHeight))")
            }
        }
        var tiling = LimnTiling(out_bands: Int32(function.outputBands), scale: Int32(function.scale),
                                block_w: Int32(blockWidth), block_h: Int32(blockHeight),
                                align: Int32(function.alignment), halo: Int32(function.halo),
                                pad: function.padding.c, cache_limit: cacheLimit, consumer_lines: Int32(consumerLines),
                                any_order: anyOrder ? 1 : 0)
        let ctx = Unmanaged.passRetained(BlockContext(function)).toOpaque()
        return try Image.make("tiling") { limn_tiled(ptr, $0, &tiling, callBlock, ctx, releaseContext) }
    }
}
