import Foundation
import Limn
import LimnEngine
import LimnImage
import XCTest

/// Networks through the tiled operator equal one pass over the whole image.
final class NetworkTilingTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LimnEngineTests/Fixtures").path

    func image(_ w: Int, _ h: Int) throws -> ([Float], Image) {
        var state: UInt64 = 12345
        let p = (0..<w * h * 3).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        return (p, try Image.fromFloats(p, width: w, height: h, bands: 3))
    }

    func testStyleNetTiledEqualsOnePassWithSharedStatistics() throws {
        let net = try Architectures.load(path: fixtures + "/style_net.safetensors")
        let (w, h) = (150, 90)
        let (pixels, img) = try image(w, h)
        let whole = Tensor(height: h, width: w, channels: 3, values: pixels)
        let stats = try net.normStats(whole)
        let reference = try net.forwardWhole(whole, stats: stats).values
        for block in [32, 64, 200] {
            let tiled = try img.tiled(.network(net, stats: stats), block: block).floatPixels()
            XCTAssertLessThan(maxDifference(tiled, reference), 1e-5, "block \(block)")
        }
    }

    /// A U-Net with three stride-2 levels: blocks and halo keep its alignment.
    func testDeblurNetTiledEqualsOnePass() throws {
        let net = try Architectures.load(path: fixtures + "/deblur_net.safetensors")
        XCTAssertEqual(net.alignment, 4)
        let (w, h) = (101, 67)
        let (pixels, img) = try image(w, h)
        let reference = try net.forwardWhole(Tensor(height: h, width: w, channels: 3, values: pixels)).values
        for block in [16, 30, 128] {
            let tiled = try img.tiled(.network(net), block: block).floatPixels()
            XCTAssertLessThan(maxDifference(tiled, reference), 1e-5, "block \(block)")
        }
    }

    func testSuperResolutionTiledEqualsOnePass() throws {
        // compact_sr pools globally (channel attention), so it is only
        // tile-exact when a block covers the image; check that case and the scale.
        let net = try Architectures.load(path: fixtures + "/compact_sr.safetensors")
        XCTAssertTrue(net.usesGlobalContext)
        let (pixels, img) = try image(40, 30)
        let reference = try net.forwardWhole(Tensor(height: 30, width: 40, channels: 3, values: pixels)).values
        let tiled = try img.tiled(.network(net), block: 64)
        XCTAssertEqual([tiled.width, tiled.height], [120, 90])
        XCTAssertLessThan(maxDifference(try tiled.floatPixels(), reference), 1e-5)
        // Smaller blocks would each pool over their own part: refused, not silently wrong.
        XCTAssertThrowsError(try img.tiled(.network(net), block: 16))
    }
}
