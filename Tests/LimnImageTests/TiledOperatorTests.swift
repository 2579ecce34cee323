import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// Block functions written for the tests, and their whole-image references.
enum TestBlocks {
    /// A 5x5 convolution with fixed, asymmetric weights, per band.
    static let kernel: [Float] = (0..<25).map { Float(($0 * 7) % 11) / 55 - 0.05 }

    static func conv5(padding: BorderPadding) -> BlockFunction {
        BlockFunction(halo: 2, scale: 1, outputBands: 3, padding: padding) { b in
            convolve(b.input, width: b.width, height: b.height, bands: b.bands, into: b.output)
        }
    }

    /// Valid 5x5 convolution of a (w x h) block into (w-4 x h-4).
    static func convolve(_ input: UnsafePointer<Float>, width: Int, height: Int, bands: Int,
                         into output: UnsafeMutablePointer<Float>) {
        let ow = width - 4
        for y in 0..<(height - 4) {
            for x in 0..<ow {
                for c in 0..<bands {
                    var s: Float = 0
                    for ky in 0..<5 {
                        for kx in 0..<5 {
                            s += kernel[ky * 5 + kx] * input[((y + ky) * width + x + kx) * bands + c]
                        }
                    }
                    output[(y * ow + x) * bands + c] = s
                }
            }
        }
    }

    static let nearest2 = BlockFunction(halo: 0, scale: 2, outputBands: 3, padding: .replicate) { b in
        for y in 0..<b.outputHeight {
            for x in 0..<b.outputWidth {
                for c in 0..<3 { b.output[(y * b.outputWidth + x) * 3 + c] = b.input[((y / 2) * b.width + x / 2) * 3 + c] }
            }
        }
    }

    /// Pads a whole image the way the tiled operator pads blocks (reflect,
    /// replicate or zero), for the one-pass reference.
    static func pad(_ p: [Float], width: Int, height: Int, bands: Int, halo: Int, _ mode: BorderPadding) -> [Float] {
        func map(_ i: Int, _ n: Int) -> Int? {
            if i >= 0 && i < n { return i }
            switch mode {
            case .zero: return nil
            case .replicate: return i < 0 ? 0 : n - 1
            case .reflect:
                if n == 1 { return 0 }
                let period = 2 * (n - 1)
                let j = ((i % period) + period) % period
                return j < n ? j : period - j
            }
        }
        let pw = width + 2 * halo, ph = height + 2 * halo
        var out = [Float](repeating: 0, count: pw * ph * bands)
        for y in 0..<ph {
            for x in 0..<pw {
                guard let sy = map(y - halo, height), let sx = map(x - halo, width) else { continue }
                for c in 0..<bands { out[(y * pw + x) * bands + c] = p[(sy * width + sx) * bands + c] }
            }
        }
        return out
    }

    /// The block function applied once to the whole padded image.
    static func whole(_ f: BlockFunction, _ pixels: [Float], width: Int, height: Int) throws -> [Float] {
        let padded = pad(pixels, width: width, height: height, bands: 3, halo: f.halo, f.padding)
        var out = [Float](repeating: .nan, count: width * height * f.scale * f.scale * f.outputBands)
        try padded.withUnsafeBufferPointer { i in
            try out.withUnsafeMutableBufferPointer { o in
                try f.body(Block(input: i.baseAddress!, width: width + 2 * f.halo, height: height + 2 * f.halo, bands: 3,
                                 output: o.baseAddress!, outputWidth: width * f.scale, outputHeight: height * f.scale,
                                 outputBands: f.outputBands))
            }
        }
        return out
    }
}

final class TiledOperatorTests: XCTestCase {
    override func setUp() { try! Vips.start() }

    func testTiledEqualsWholeImage() throws {
        let (w, h) = (157, 83)
        let image = try randomImage(width: w, height: h, bands: 3)
        let pixels = try image.floatPixels()
        let functions = [TestBlocks.conv5(padding: .reflect), TestBlocks.conv5(padding: .replicate),
                         TestBlocks.conv5(padding: .zero), TestBlocks.nearest2]
        for f in functions {
            let reference = try TestBlocks.whole(f, pixels, width: w, height: h)
            for block in [16, 37, 64, 500] {
                for anyOrder in [false, true] {
                    let tiled = try image.tiled(f, block: block, anyOrder: anyOrder)
                    XCTAssertEqual(tiled.width, w * f.scale)
                    XCTAssertEqual(tiled.height, h * f.scale)
                    XCTAssertEqual(try tiled.floatPixels(), reference,
                                   "\(f.padding) scale \(f.scale) block \(block) any order \(anyOrder)")
                }
            }
        }
    }

    func testRectangularAndCacheLimitedBlocks() throws {
        let (w, h) = (157, 83)
        let image = try randomImage(width: w, height: h, bands: 3, seed: 3)
        let f = TestBlocks.conv5(padding: .reflect)
        let reference = try TestBlocks.whole(f, try image.floatPixels(), width: w, height: h)
        for (bw, bh) in [(64, 16), (16, 40), (157, 7)] {
            XCTAssertEqual(try image.tiled(f, blockWidth: bw, blockHeight: bh).floatPixels(), reference, "\(bw)x\(bh)")
        }
        // tiled.c picks the block height: square blocks by default, shorter ones (a
        // multiple of the alignment) when their cached rows would pass the limit; the
        // result is the same.
        func heights(cacheLimit: Int, alignment: Int = 1) throws -> Set<Int> {
            let seen = Heights()
            let g = BlockFunction(halo: f.halo, scale: 1, outputBands: 3, padding: .reflect, alignment: alignment) { b in
                seen.add(b.height - 2 * f.halo)
                try f.body(b)
            }
            XCTAssertEqual(try image.tiled(g, block: 64, cacheLimit: cacheLimit).floatPixels(), reference)
            return seen.all
        }
        XCTAssertEqual(try heights(cacheLimit: 512 << 20).max(), 64)
        let short = try heights(cacheLimit: 64 << 10)
        XCTAssertLessThan(try XCTUnwrap(short.max()), 64)
        // Rows of 32 would pass 64 KB here too, but blocks never get shorter than that.
        XCTAssertEqual(try XCTUnwrap(short.max()), 32)
        let aligned = try heights(cacheLimit: 64 << 10, alignment: 8)   // all but the last row's
        XCTAssertEqual(try XCTUnwrap(aligned.max()) % 8, 0)
        XCTAssertLessThanOrEqual(aligned.filter { $0 % 8 != 0 }.count, 1)
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func increment() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    private final class Heights: @unchecked Sendable {
        private let lock = NSLock()
        private var seen = Set<Int>()
        func add(_ h: Int) { lock.withLock { _ = seen.insert(h) } }
        var all: Set<Int> { lock.withLock { seen } }
    }

    /// A function that pools over its whole input is refused unless one block covers the image.
    func testWholeImageFunctionsAreNotTiled() throws {
        let image = try randomImage(width: 40, height: 30, bands: 3, seed: 6)
        let f = TestBlocks.conv5(padding: .zero)
        let g = BlockFunction(halo: f.halo, scale: 1, outputBands: 3, padding: .zero, needsWholeImage: true, body: f.body)
        XCTAssertThrowsError(try image.tiled(g, block: 32)) { XCTAssertTrue("\($0)".contains("whole image"), "\($0)") }
        XCTAssertThrowsError(try image.tiled(g, blockWidth: 40, blockHeight: 16))
        XCTAssertEqual(try image.tiled(g, block: 40).floatPixels(), try image.tiled(f, block: 40).floatPixels())
    }

    func testTinyImageSmallerThanHalo() throws {
        let image = try randomImage(width: 2, height: 1, bands: 3, seed: 5)
        let f = TestBlocks.conv5(padding: .reflect)
        let reference = try TestBlocks.whole(f, try image.floatPixels(), width: 2, height: 1)
        XCTAssertEqual(try image.tiled(f, block: 16).floatPixels(), reference)
        XCTAssertEqual(try image.tiled(f, block: 16, anyOrder: true).floatPixels(), reference)
    }

    /// A sequentially read JPEG streams through large blocks with halos
    /// (requests stay in order) and matches random-access processing.
    func testStreamsFromSequentialLoader() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/big.jpg"
        let noise = try randomImage(width: 900, height: 700, bands: 3, seed: 9).linear(255, 0).cast(VIPS_FORMAT_UCHAR)
        try saveImage(noise, path)
        let f = TestBlocks.conv5(padding: .reflect)
        let streamed = try ImageReader().read(.file(path)).cast(VIPS_FORMAT_FLOAT).tiled(f, block: 200)
        let random = try openImage(path).cast(VIPS_FORMAT_FLOAT).tiled(f, block: 200)
        let out = dir + "/out.v"
        try saveImage(streamed, out)
        XCTAssertEqual(try openImage(out).floatPixels(), try random.floatPixels())
    }

    /// One tiled operator feeding another, as `limn enhance` chains the
    /// deconvolution and the network: the workers share fetching each strip in
    /// column chunks, which runs the upstream blocks on all of them; the result
    /// is the two functions applied one after the other to the whole image.
    func testChainedOperatorsEqualWholeImage() throws {
        let (w, h) = (157, 83)
        let image = try randomImage(width: w, height: h, bands: 3, seed: 12)
        let f = TestBlocks.conv5(padding: .reflect), g = TestBlocks.conv5(padding: .replicate)
        let reference = try TestBlocks.whole(g, try TestBlocks.whole(f, try image.floatPixels(), width: w, height: h),
                                             width: w, height: h)
        for (a, b) in [(37, 16), (16, 64), (500, 40)] {
            XCTAssertEqual(try image.tiled(f, block: a).tiled(g, block: b).floatPixels(), reference, "blocks \(a), \(b)")
            XCTAssertEqual(try image.tiled(f, block: a, anyOrder: true).tiled(g, block: b, anyOrder: true).floatPixels(),
                           reference, "blocks \(a), \(b), each reading its own input")
        }
        // Told the height of the downstream strips, the upstream keeps every block row one
        // reaches: each of its blocks is computed once, even when a strip spans three of
        // its rows (blocks taller than vips' two 128-line sink strips, as the
        // deconvolution's under the network's in `limn enhance`).
        let tall = try randomImage(width: 1200, height: 1100, bands: 3, seed: 13)
        let calls = Counter()
        let counted = BlockFunction(halo: f.halo, scale: 1, outputBands: 3, padding: .reflect) { b in
            calls.increment()
            try f.body(b)
        }
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try saveImage(try tall.tiled(counted, block: 256, consumerLines: 400 + 2 * g.halo).tiled(g, block: 400),
                      dir + "/out.v")   // as a command writes
        XCTAssertEqual(calls.value, 5 * 5, "blocks of 256 over 1200 x 1100, each once")
    }

    func testErrorInsideABlockFailsTheRun() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "block exploded" } }
        let f = BlockFunction(halo: 1, scale: 1, outputBands: 3, padding: .zero) { b in
            if b.width < 40 { throw Boom() }   // only the right-hand edge blocks are narrow
            for i in 0..<(b.outputWidth * b.outputHeight * 3) { b.output[i] = 0 }
        }
        let image = try randomImage(width: 100, height: 100, bands: 3)
        XCTAssertThrowsError(try image.tiled(f, block: 64).floatPixels()) { error in
            XCTAssertTrue("\(error)".contains("block exploded"), "\(error)")
        }
        // Upstream of another tiled operator, the error reaches the end of the chain.
        XCTAssertThrowsError(try image.tiled(f, block: 64).tiled(TestBlocks.conv5(padding: .reflect), block: 16).floatPixels()) { error in
            XCTAssertTrue("\(error)".contains("block exploded"), "\(error)")
        }
    }
}
