import CLimnVips
import Foundation
import Limn
@testable import LimnImage
import XCTest

final class UpscaleCommandTests: XCTestCase {
    var dir = ""
    var input = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        input = dir + "/in.png"
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 60, height: 40)), input)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func size(_ path: String) throws -> [Int] {
        let img = try Fixture.open(path)
        return [img.width, img.height]
    }

    func testSizeOptions() throws {
        for (args, expected) in [(["--scale", "2"], [120, 80]), (["--scale", "1.5"], [90, 60]),
                                 (["--scale", "8"], [480, 320]), (["--width", "100"], [100, 67]),
                                 (["--height", "50"], [75, 50]), ([], [120, 80])] {
            let out = dir + "/out.png"
            let r = try limn(["upscale", "--model", "lanczos"] + args + [input, out])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            XCTAssertEqual(try size(out), expected, "\(args)")
        }
    }

    func testOutputMatchesLibraryResample() throws {
        let out = dir + "/out.png"
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--scale", "3", input, out]).status, 0)
        let expected = try Fixture.open(input).cast(VIPS_FORMAT_FLOAT).resampled(width: 180, height: 120)
            .clamp(0, 255).linear(1, 0.5).cast(VIPS_FORMAT_UCHAR).floatPixels()
        XCTAssertEqual(try Fixture.open(out).floatPixels(), expected)
    }

    func testStdinToStdoutPipes() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        // PNG by default; vips format when asked, which the next call reads back.
        let png = try limn(["upscale", "--scale", "2", "-", "-"], stdin: data)
        XCTAssertEqual(png.status, 0, png.stderr)
        XCTAssertEqual(Array(png.stdout.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let v = try limn(["upscale", "--scale", "2", "-", "-", "--format", "v"], stdin: data)
        XCTAssertEqual(v.status, 0, v.stderr)
        let chained = try limn(["upscale", "--scale", "2", "-", "-", "--format", "jpg[Q=95]"], stdin: v.stdout)
        XCTAssertEqual(chained.status, 0, chained.stderr)
        XCTAssertEqual(Array(chained.stdout.prefix(2)), [0xFF, 0xD8])
        let final = try Fixture.open(chained.stdout)
        XCTAssertEqual([final.width, final.height], [240, 160])

        // The pipe gives the same pixels as going through files.
        let mid = dir + "/mid.png", last = dir + "/last.png"
        XCTAssertEqual(try limn(["upscale", "--scale", "2", input, mid]).status, 0)
        XCTAssertEqual(try limn(["upscale", "--scale", "2", mid, last]).status, 0)
        let piped = try limn(["upscale", "--scale", "2", "-", "-"], stdin: v.stdout)
        XCTAssertEqual(try Fixture.open(piped.stdout).floatPixels(), try Fixture.open(last).floatPixels())
    }

    func testSaveOptionsInBrackets() throws {
        let small = dir + "/q10.jpg", big = dir + "/q95.jpg"
        XCTAssertEqual(try limn(["upscale", input, small + "[Q=10]"]).status, 0)
        XCTAssertEqual(try limn(["upscale", input, big + "[Q=95]"]).status, 0)
        let a = try FileManager.default.attributesOfItem(atPath: small)[.size] as! Int
        let b = try FileManager.default.attributesOfItem(atPath: big)[.size] as! Int
        XCTAssertLessThan(a, b)
        XCTAssertEqual(filesIn(dir), ["in.png", "q10.jpg", "q95.jpg"])
    }

    func testInPlaceKeepsOriginalOnFailure() throws {
        let path = dir + "/same.png"
        try FileManager.default.copyItem(atPath: input, toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let failed = try limn(["upscale", "--max-pixels", "100", path, path])
        assertCleanFailure(failed, contains: "limit")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        let ok = try limn(["upscale", "--scale", "2", path, path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try size(path), [120, 80])
        XCTAssertEqual(filesIn(dir), ["in.png", "same.png"])
    }

    func testBatchContinuesPastBadFiles() throws {
        let a = dir + "/a.png", bad = dir + "/bad.jpg", c = dir + "/c.png", outDir = dir + "/out"
        try FileManager.default.copyItem(atPath: input, toPath: a)
        try FileManager.default.copyItem(atPath: input, toPath: c)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: bad))
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: false)
        let r = try limn(["upscale", "--scale", "2", "--output-dir", outDir, "--suffix", "-2x", a, bad, c])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(filesIn(outDir), ["a-2x.png", "c-2x.png"])
        XCTAssertEqual(r.stderrLines.count, 2, r.stderr)
        XCTAssertTrue(r.stderrLines[0].contains("bad.jpg"))
        XCTAssertTrue(r.stderrLines[1].contains("1 of 3 failed"), r.stderr)
        // --format changes the batch's output format.
        let r2 = try limn(["upscale", "--output-dir", outDir, "--format", "jpg", a])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(filesIn(outDir).contains("a.jpg"))
    }

    func testProgressOnRequestOnly() throws {
        let quiet = try limn(["upscale", input, dir + "/o.png"])
        XCTAssertEqual(quiet.stderr, "")
        let shown = try limn(["upscale", "--progress", input, dir + "/o.png"])
        XCTAssertEqual(shown.status, 0)
        XCTAssertTrue(shown.stderr.contains("100%"), shown.stderr)
        let silenced = try limn(["upscale", "--progress", "--quiet", input, dir + "/o.png"])
        XCTAssertEqual(silenced.stderr, "")
    }

    func testThreadsAndTileOptionsGiveTheSameResult() throws {
        XCTAssertEqual(try limn(["upscale", "--threads", "1", input, dir + "/t1.png"]).status, 0)
        XCTAssertEqual(try limn(["upscale", "--threads", "2", "--tile", "64", input, dir + "/t2.png"]).status, 0)
        XCTAssertEqual(try Fixture.open(dir + "/t1.png").floatPixels(), try Fixture.open(dir + "/t2.png").floatPixels())
    }

    /// Each network command's help shows its own block default; lanczos has no blocks.
    func testTileDefaultsAndLanczos() throws {
        for (command, block) in [("upscale", Limn.NetworkUpscaler.defaultTile), ("stylize", Limn.Stylizer.defaultTile),
                                 ("enhance", Limn.Enhancer.defaultTile)] {
            let help = String(decoding: try limn([command, "--help"]).stdout, as: UTF8.self)
                .replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
            XCTAssertTrue(help.contains("(default: \(block))"), "\(command): \(help)")
            XCTAssertTrue(help.contains("--max-pixels") && help.contains("(default: 500M)"), help)
        }
        assertCleanFailure(try limn(["upscale", "--model", "lanczos", "--tile", "64", input, dir + "/l.png"]),
                           contains: "--tile")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", input, dir + "/l.png"]).status, 0)
    }

    func testHelpAndVersion() throws {
        let help = try limn(["upscale", "--help"])
        XCTAssertEqual(help.status, 0)
        let text = String(decoding: help.stdout, as: UTF8.self)
        for option in ["--scale", "--width", "--height", "--model", "--output-dir", "--format", "--threads",
                       "--tile", "--max-pixels", "--progress", "--quiet", "--suffix"] {
            XCTAssertTrue(text.contains(option), "help lacks \(option)")
        }
        let version = try limn(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.stdout.isEmpty)
        let top = try limn(["--help"])
        XCTAssertTrue(String(decoding: top.stdout, as: UTF8.self).contains("upscale"))
    }
}
