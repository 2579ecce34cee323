import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// `limn stylize` and `limn presets`, with the engine's test style network
/// (three styles: first, second, third) installed as the presets (LIMN_PRESETS).
final class StylizeCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        try installPresets(in: dir, [("test-styles", "style", "style_net")])
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

    /// A picture larger than the statistics pass (1024 px) is painted in tiles sharing its
    /// statistics: any tile size gives one picture. A smaller one is that pass itself.
    func testTilesMeetWithoutSeams() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 1100, height: 44)), dir + "/wide.png")
        let oneBlock = try stylize(["--style", "first", "--working-size", "0", "--tile", "4096"], out: "one.png",
                                   input: dir + "/wide.png")
        XCTAssertEqual([oneBlock.width, oneBlock.height, oneBlock.bands], [1100, 44, 3])
        let tiled = try stylize(["--style", "first", "--working-size", "0", "--tile", "32"], out: "tiled.png",
                                input: dir + "/wide.png")
        XCTAssertLessThanOrEqual(try maxDifference(oneBlock, tiled), 1)
        // And the picture did change.
        XCTAssertGreaterThan(try maxDifference(oneBlock, try Fixture.open(dir + "/wide.png")), 20)
        let small = try stylize(["--style", "first", "--tile", "32"], out: "small.png")
        XCTAssertGreaterThan(try maxDifference(small, try Fixture.open(dir + "/in.png")), 20)
    }

    func testBlendStrengthAndColours() throws {
        let one = try stylize(["--style", "first"], out: "a.png")
        // A blend interpolates the norms: one pass, a picture between the two styles'.
        let two = try stylize(["--style", "second"], out: "b.png")
        let mix = try stylize(["--style", "first=0.3,second=0.7"], out: "mix.png")
        XCTAssertGreaterThan(try maxDifference(one, two), 20)
        XCTAssertGreaterThan(try maxDifference(mix, one), 5)
        XCTAssertGreaterThan(try maxDifference(mix, two), 5)
        // A weight alone means that style; weights are normalised; weight 0 leaves a style out.
        XCTAssertEqual(try stylize(["--style", "first=0.6"], out: "a6.png").floatPixels(), try one.floatPixels())
        XCTAssertEqual(try stylize(["--style", "first=3,second=7"], out: "mix2.png").floatPixels(), try mix.floatPixels())
        XCTAssertEqual(try stylize(["--style", "first=1,third=0"], out: "a0.png").floatPixels(), try one.floatPixels())
        let none = try stylize(["--style", "first", "--strength", "0"], out: "none.png")
        XCTAssertLessThanOrEqual(try maxDifference(none, try Fixture.open(dir + "/in.png")), 1)
        let half = try stylize(["--style", "first", "--strength", "0.5"], out: "half.png")
        let a = try one.floatPixels(), o = try Fixture.open(dir + "/in.png").floatPixels(), h = try half.floatPixels()
        for i in stride(from: 0, to: h.count, by: 97) { XCTAssertEqual(h[i], (a[i] + o[i]) / 2, accuracy: 1.5) }
        // Preserved colours: the chroma is the input's (but where clipping to the gamut moves it).
        let kept = try stylize(["--style", "first", "--preserve-colors"], out: "kept.png").floatPixels()
        func cb(_ p: [Float], _ i: Int) -> Float { -0.168736 * p[i] - 0.331264 * p[i + 1] + 0.5 * p[i + 2] }
        let pixels = stride(from: 0, to: kept.count, by: 3)
        XCTAssertLessThan(pixels.reduce(Float(0)) { $0 + abs(cb(kept, $1) - cb(o, $1)) } / Float(kept.count / 3), 1)
        XCTAssertGreaterThan(pixels.reduce(Float(0)) { $0 + abs(cb(a, $1) - cb(o, $1)) } / Float(kept.count / 3), 5)
    }

    /// The colour hidden under alpha 0 (red or green) does not change the visible
    /// pixels, tiled or not; alpha comes back as it went in.
    func testHiddenColourDoesNotReachVisiblePixels() throws {
        var outputs = [[Float]]()
        for (name, hidden) in [("red", [Float(1), 0, 0]), ("green", [0, 1, 0])] {
            try Fixture.save(Fixture.greyBesideTransparent(size: 48, hidden: hidden), dir + "/\(name).png")
            for tile in ["4096", "16"] {
                let out = try stylize(["--style", "first", "--tile", tile], out: "\(name)-\(tile).png",
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
        XCTAssertEqual(try stylize(["--style", "first"], out: "g1.png", input: dir + "/g.png").bands, 3)
        XCTAssertEqual(try stylize(["--style", "first", "--preserve-colors"], out: "g2.png", input: dir + "/g.png").bands, 1)
        let small = try stylize(["--style", "first", "--working-size", "64"], out: "w.png")
        XCTAssertEqual([small.width, small.height], [90, 61])
    }

    func testFromStandardInput() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/in.png"))
        let r = try limn(["stylize", "--style", "first", "-", "-"], stdin: data)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Fixture.open(r.stdout).width, 90)
    }

    /// A file is read twice (the statistics from a second read, the picture streamed once, top to
    /// bottom); standard input once, kept whole. Both give the same picture, tiled or not.
    func testFileReadTwiceEqualsStandardInput() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 1100, height: 44)), dir + "/wide.png")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/wide.png"))
        for args in [["--working-size", "0", "--tile", "32"], ["--strength", "0.5", "--preserve-colors"]] {
            let file = try stylize(["--style", "first"] + args, out: "file.png", input: dir + "/wide.png")
            let r = try limn(["stylize", "--style", "first"] + args + ["-", dir + "/stdin.png"], stdin: data)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try file.floatPixels(), try Fixture.open(dir + "/stdin.png").floatPixels(), "\(args)")
        }
    }

    func testBadStylesAndPresetList() throws {
        assertCleanFailure(try limn(["stylize", "--style", "cubism", dir + "/in.png", dir + "/x.png"]),
                           contains: "no style 'cubism'; known: first, second, third")
        for (mix, message) in [("a=-1", "at least 0"), ("first=", "at least 0"), ("first=0,second=0", "must not all be 0"),
                               ("first=nan", "finite"), ("first,,second", "empty style name")] {
            assertCleanFailure(try limn(["stylize", "--style", mix, dir + "/in.png", dir + "/x.png"]), contains: message)
        }
        assertCleanFailure(try limn(["stylize", "--style", "first", "--strength", "2", dir + "/in.png", dir + "/x.png"]),
                           contains: "--strength")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.png"))
        let list = try limn(["presets"])
        XCTAssertEqual(list.status, 0)
        let text = String(decoding: list.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("style:") && text.contains("\n  first ") && text.contains("\n  third "), text)
    }
}
