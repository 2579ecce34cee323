import Foundation
@testable import LimnImage
import XCTest

/// `limn enhance` with the engine's test deblurring network as the preset.
final class EnhanceCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        try installPresets(in: dir, [("deblur", "enhance", "deblur_net"), ("fused", "enhance", "deblur_net_fused")])
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 75, height: 50)), dir + "/in.png")
    }

    override func tearDown() {
        unsetenv("LIMN_PRESETS")
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testEnhanceTilesStrengthAndGrey() throws {
        for (args, out) in [(["--tile", "16"], "t16.png"), (["--tile", "512"], "t512.png"), (["--strength", "0"], "s0.png")] {
            let r = try limn(["enhance"] + args + [dir + "/in.png", dir + "/" + out])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let a = try Fixture.open(dir + "/t16.png"), b = try Fixture.open(dir + "/t512.png")
        XCTAssertEqual([a.width, a.height, a.bands], [75, 50, 3])
        XCTAssertEqual(zip(try a.floatPixels(), try b.floatPixels()).reduce(0) { max($0, abs($1.0 - $1.1)) }, 0, accuracy: 1)
        let input = try Fixture.open(dir + "/in.png").floatPixels()
        XCTAssertEqual(zip(try Fixture.open(dir + "/s0.png").floatPixels(), input).reduce(0) { max($0, abs($1.0 - $1.1)) }, 0, accuracy: 1)
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 40, height: 30, bands: 1), grey: true), dir + "/g.png")
        XCTAssertEqual(try limn(["enhance", dir + "/g.png", dir + "/go.png"]).status, 0)
        XCTAssertEqual(try Fixture.open(dir + "/go.png").bands, 1)
        assertCleanFailure(try limn(["enhance", "--model", "sharpest", dir + "/in.png", dir + "/x.png"]),
                           contains: "no enhance preset 'sharpest'; known: deblur, fused")
        assertCleanFailure(try limn(["enhance", "--strength", "-1", dir + "/in.png", dir + "/x.png"]), contains: "--strength")
    }

    /// A fused network (image and deconvolution): the kernel is estimated once, so any tiling
    /// gives the same output; grey and alpha images go through.
    func testFusedEnhanceTiles() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 120, height: 80)), dir + "/big.png")
        for (tile, out) in [("16", "f16.png"), ("512", "f512.png")] {
            let r = try limn(["enhance", "--model", "fused", "--tile", tile, dir + "/big.png", dir + "/" + out])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let a = try Fixture.open(dir + "/f16.png"), b = try Fixture.open(dir + "/f512.png")
        XCTAssertEqual([a.width, a.height, a.bands], [120, 80, 3])
        XCTAssertEqual(zip(try a.floatPixels(), try b.floatPixels()).reduce(0) { max($0, abs($1.0 - $1.1)) }, 0, accuracy: 1)
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 40, height: 30, bands: 1), grey: true), dir + "/g.png")
        XCTAssertEqual(try limn(["enhance", "--model", "fused", dir + "/g.png", dir + "/go.png"]).status, 0)
        XCTAssertEqual(try Fixture.open(dir + "/go.png").bands, 1)
    }

    /// A file is read twice (the kernel estimated from the first read, the blocks streamed from
    /// the second, its rows cached for the deconvolution and the network, which read them at
    /// different heights); standard input is read once, whole. Both give one picture.
    func testFileReadTwiceEqualsStandardInput() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 64, height: 1000)), dir + "/tall.png")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/tall.png"))
        for args in [["--tile", "16", "--strength", "0.5"]] {
            let file = try limn(["enhance", "--model", "fused"] + args + [dir + "/tall.png", dir + "/file.png"])
            XCTAssertEqual(file.status, 0, file.stderr)
            let piped = try limn(["enhance", "--model", "fused"] + args + ["-", dir + "/stdin.png"], stdin: data)
            XCTAssertEqual(piped.status, 0, piped.stderr)
            XCTAssertEqual(try Fixture.open(dir + "/file.png").floatPixels(), try Fixture.open(dir + "/stdin.png").floatPixels(),
                           "\(args)")
        }
    }
}
