import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// `limn stylize` and `limn presets`, with the engine's test style network
/// installed twice as presets (LIMN_PRESETS).
final class StylizeCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        try installPresets(in: dir, [("swirls", "style", "style_net"), ("waves", "style", "style_net")])
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 90, height: 61)), dir + "/in.png")
    }

    override func tearDown() {
        unsetenv("LIMN_PRESETS")
        try? FileManager.default.removeItem(atPath: dir)
    }

    func stylize(_ args: [String], out: String = "out.png", input: String? = nil) throws -> Image {
        let r = try limn(["stylize"] + args + [input ?? dir + "/in.png", dir + "/" + out])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try Fixture.open(dir + "/" + out)
    }

    func maxDifference(_ a: Image, _ b: Image) throws -> Float {
        LimnCLITests.maxDifference(try a.floatPixels(), try b.floatPixels())
    }

    func testTilesMeetWithoutSeams() throws {
        let oneBlock = try stylize(["--style", "swirls", "--tile", "4096"], out: "one.png")
        XCTAssertEqual([oneBlock.width, oneBlock.height, oneBlock.bands], [90, 61, 3])
        let tiled = try stylize(["--style", "swirls", "--tile", "32"], out: "tiled.png")
        XCTAssertLessThanOrEqual(try maxDifference(oneBlock, tiled), 1)
        // And the picture did change.
        XCTAssertGreaterThan(try maxDifference(oneBlock, try Fixture.open(dir + "/in.png")), 20)
    }

    func testBlendStrengthAndColours() throws {
        let one = try stylize(["--style", "swirls"], out: "a.png")
        let mix = try stylize(["--style", "swirls=0.3,waves=0.7"], out: "mix.png")
        XCTAssertLessThanOrEqual(try maxDifference(one, mix), 1)   // the same network twice
        let none = try stylize(["--style", "swirls", "--strength", "0"], out: "none.png")
        XCTAssertLessThanOrEqual(try maxDifference(none, try Fixture.open(dir + "/in.png")), 1)
        let half = try stylize(["--style", "swirls", "--strength", "0.5"], out: "half.png")
        let a = try one.floatPixels(), o = try Fixture.open(dir + "/in.png").floatPixels(), h = try half.floatPixels()
        for i in stride(from: 0, to: h.count, by: 97) { XCTAssertEqual(h[i], (a[i] + o[i]) / 2, accuracy: 1.5) }
        // Preserved colours: the chroma is the input's.
        let kept = try stylize(["--style", "swirls", "--preserve-colors"], out: "kept.png").floatPixels()
        func cb(_ p: [Float], _ i: Int) -> Float { -0.168736 * p[i] - 0.331264 * p[i + 1] + 0.5 * p[i + 2] }
        for i in stride(from: 0, to: kept.count, by: 3 * 53) { XCTAssertEqual(cb(kept, i), cb(o, i), accuracy: 3) }
    }

    /// The colour hidden under alpha 0 (red or green) does not change the visible
    /// pixels, tiled or not; alpha comes back as it went in.
    func testHiddenColourDoesNotReachVisiblePixels() throws {
        var outputs = [[Float]]()
        for (name, hidden) in [("red", [Float(1), 0, 0]), ("green", [0, 1, 0])] {
            try Fixture.save(Fixture.greyBesideTransparent(size: 48, hidden: hidden), dir + "/\(name).png")
            for tile in ["4096", "16"] {
                let out = try stylize(["--style", "swirls", "--tile", tile], out: "\(name)-\(tile).png",
                                      input: dir + "/\(name).png")
                XCTAssertEqual([out.width, out.height, out.bands], [48, 48, 4])
                outputs.append(try out.floatPixels())
            }
        }
        let visible = stride(from: 0, to: outputs[0].count, by: 4).filter { outputs[0][$0 + 3] > 0 }
        XCTAssertEqual(visible.count, 48 * 24, "alpha kept")
        for other in outputs.dropFirst() {
            XCTAssertEqual(stride(from: 3, to: other.count, by: 4).map { other[$0] }, stride(from: 3, to: other.count, by: 4).map { outputs[0][$0] })
            let rgb = visible.flatMap { [$0, $0 + 1, $0 + 2] }
            XCTAssertLessThanOrEqual(LimnCLITests.maxDifference(rgb.map { other[$0] }, rgb.map { outputs[0][$0] }), 1)
        }
    }

    func testGreyAndWorkingSize() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 80, height: 40, bands: 1), grey: true), dir + "/g.png")
        XCTAssertEqual(try stylize(["--style", "swirls"], out: "g1.png", input: dir + "/g.png").bands, 3)
        XCTAssertEqual(try stylize(["--style", "swirls", "--preserve-colors"], out: "g2.png", input: dir + "/g.png").bands, 1)
        let small = try stylize(["--style", "swirls", "--working-size", "64"], out: "w.png")
        XCTAssertEqual([small.width, small.height], [90, 61])
    }

    func testFromStandardInput() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/in.png"))
        let r = try limn(["stylize", "--style", "swirls", "-", "-"], stdin: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Fixture.open(r.stdout).width, 90)
    }

    func testBadStylesAndPresetList() throws {
        assertCleanFailure(try limn(["stylize", "--style", "cubism", dir + "/in.png", dir + "/x.png"]),
                           contains: "no style preset 'cubism'; known: swirls, waves")
        assertCleanFailure(try limn(["stylize", "--style", "a=-1", dir + "/in.png", dir + "/x.png"]), contains: "--style")
        assertCleanFailure(try limn(["stylize", "--style", "swirls", "--strength", "2", dir + "/in.png", dir + "/x.png"]),
                           contains: "--strength")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.png"))
        let list = try limn(["presets"])
        XCTAssertEqual(list.status, 0)
        let text = String(decoding: list.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("style:") && text.contains("swirls") && text.contains("waves"), text)
    }
}
