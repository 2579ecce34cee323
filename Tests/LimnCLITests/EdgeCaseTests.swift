import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// The edges a hostile or unlucky user reaches (issue 25): odd streams, closed
/// descriptors, readers that go away, files changed while read, odd names and
/// formats. Each case: a clean failure (or the right output), nothing left behind.
final class EdgeCaseTests: ShippedPresetsTestCase {
    /// Runs `script` with bash, `$LIMN` the binary, `$D` the test folder and
    /// `$TMPDIR` a private folder (so spools left behind can be seen).
    func bash(_ script: String) throws -> (status: Int32, stderr: String) {
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        p.environment = ["LIMN": limnBinary, "D": dir, "TMPDIR": dir + "/tmp", "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    var spools: [String] { filesIn(dir + "/tmp") }

    func testEmptyStandardInput() throws {
        assertCleanFailure(try limn(["upscale", "-", dir + "/o.png"], stdin: Data()), contains: "standard input: empty")
        let r = try bash(#"$LIMN upscale - "$D/o.png" < /dev/null"#)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "limn: standard input: empty, no image\n")
    }

    /// Errors printed to a closed or full stderr neither crash nor stop a batch.
    func testClosedOrFullStandardError() throws {
        XCTAssertEqual(try bash(#"$LIMN upscale "$D/missing.png" "$D/o.png" 2>&-"#).status, 1)
        XCTAssertEqual(try bash(#"$LIMN upscale "$D/missing.png" "$D/o.png" 2>/dev/full"#).status, 1)
        try FileManager.default.copyItem(atPath: sample, toPath: dir + "/a.png")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/b.png"))
        try FileManager.default.copyItem(atPath: sample, toPath: dir + "/c.png")
        let r = try bash(#"$LIMN upscale --model lanczos --output-dir "$D/out" "$D/a.png" "$D/b.png" "$D/c.png" 2>&-"#)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(filesIn(dir + "/out"), ["a.png", "c.png"])
    }

    /// A reader that goes away is an error, and the .v spool is removed.
    func testReaderGoesAway() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 1500, height: 1000)), dir + "/big.png")
        let r = try bash(#"$LIMN upscale --model lanczos "$D/big.png" - --format v | head -c 100 > /dev/null; exit ${PIPESTATUS[0]}"#)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Broken pipe"), r.stderr)
        XCTAssertEqual(spools, [])
    }

    /// A .v input cut short while it is being read: one line naming it, no output, no temporary file.
    func testInputTruncatedWhileRead() throws {
        let input = dir + "/big.v"
        XCTAssertEqual(try bash(#"vips black "$D/big.v" 3000 3000 --bands 3"#).status, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: limnBinary)
        p.arguments = ["upscale", "--model", "lanczos", "--progress", input, dir + "/o.png"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        // Truncate once the first rows are computed.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("%") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        XCTAssertEqual(truncate(input, 4096), 0)
        seen += err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertTrue(String(decoding: seen, as: UTF8.self).contains("limn: \(input): the file changed or was truncated"),
                      String(decoding: seen, as: UTF8.self))
        XCTAssertEqual(filesIn(dir).sorted(), ["big.v", "tmp"])
    }

    /// A .v stream's header is checked against --max-pixels before anything is
    /// spooled, and the spool stops at what the header declares.
    func testVipsStreamBounded() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 100, height: 80)), dir + "/s.v")
        var r = try bash(#"$LIMN upscale --model lanczos --max-pixels 1000 - "$D/o.png" < "$D/s.v""#)
        XCTAssertEqual(r.stderr, "limn: standard input: 100x80 is over the limit of 0.001 megapixels (--max-pixels)\n")
        r = try bash(#"(head -c 64 "$D/s.v"; head -c 40000000 /dev/zero) | $LIMN upscale --model lanczos - "$D/o.png""#)
        XCTAssertEqual(r.stderr, "limn: standard input: more data than its libvips (.v) header declares\n")
        XCTAssertEqual(spools, [])
    }

    func testDevicesAndPipes() throws {
        assertCleanFailure(try limn(["upscale", "/dev/zero", dir + "/o.png"]), contains: "/dev/zero: a device")
        let r = try bash(#"mkfifo "$D/f"; cat "\#(sample)" > "$D/f" & $LIMN upscale --model lanczos "$D/f" "$D/o.png""#)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Fixture.open(dir + "/o.png").width, 240)
    }

    func testLongAndBracketedNames() throws {
        let long = dir + "/" + String(repeating: "n", count: 251) + ".png"
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", sample, long]).status, 0)
        XCTAssertEqual(try Fixture.open(long).width, 240)
        // "x.png[shrink=8]" names that file, not x.png loaded with options.
        try FileManager.default.copyItem(atPath: sample, toPath: dir + "/x.png[shrink=8]")
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 40, height: 30)), dir + "/x.png")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", dir + "/x.png[shrink=8]", dir + "/o.png"]).status, 0)
        XCTAssertEqual(try Fixture.open(dir + "/o.png").width, 240)
    }

    func testStyleWeights() throws {
        for mix in ["udnie=", "udnie,,shipwreck", "udnie=-1", "udnie=0"] {
            assertCleanFailure(try limn(["stylize", "--style", mix, sample, dir + "/o.png"]), contains: "--style")
        }
        // Huge weights are normalised like any others: an even blend, not a black picture.
        XCTAssertEqual(try limn(["stylize", "--style", "udnie=1e308,shipwreck=1e308", sample, dir + "/big.png"]).status, 0)
        XCTAssertEqual(try limn(["stylize", "--style", "udnie=1,shipwreck=1", sample, dir + "/even.png"]).status, 0)
        XCTAssertEqual(try Fixture.open(dir + "/big.png").floatPixels(), try Fixture.open(dir + "/even.png").floatPixels())
    }

    /// Radiance and JPEG 2000 go through every command.
    func testRadianceAndJPEG2000() throws {
        for (suffix, cmd) in [("hdr", ["upscale", "--model", "lanczos"]), ("hdr", ["stylize", "--style", "udnie"]),
                              ("jp2", ["stylize", "--style", "udnie"]), ("jp2", ["enhance"])] {
            let input = "\(dir)/in.\(suffix)"
            if !FileManager.default.fileExists(atPath: input) { try Fixture.save(Fixture.open(sample), input) }
            let r = try limn(cmd + [input, dir + "/o.png"])
            XCTAssertEqual(r.status, 0, "\(suffix) \(cmd): \(r.stderr)")
            XCTAssertGreaterThan(try Fixture.open(dir + "/o.png").floatPixels().reduce(0, +), 0, "\(suffix) \(cmd) is black")
        }
    }

    func testMessages() throws {
        assertCleanFailure(try limn(["upscale", "--scale", "-2", sample, dir + "/o.png"]), contains: "--scale must be")
        assertCleanFailure(try limn(["upscale", "-s", "2", sample, dir + "/o.png"]), contains: "Unknown option '-s'")
        assertCleanFailure(try limn(["upscale", sample, dir + "/o.jpg[Q=500]"]), contains: "out of range for property 'Q'")
        var png = try Data(contentsOf: URL(fileURLWithPath: sample))
        for i in 16..<20 { png[i] = 0xFF }
        try png.write(to: URL(fileURLWithPath: dir + "/bad.png"))
        assertCleanFailure(try limn(["upscale", dir + "/bad.png", dir + "/o.png"]), contains: "bad.png: not a readable image")
        XCTAssertEqual(filesIn(dir), ["bad.png"])
    }

    /// A multi-page file is refused without --page, never silently cut to its first page.
    func testPages() throws {
        let two = try Fixture.eightBit(Fixture.pattern(width: 40, height: 60))
        try Fixture.save(two, dir + "/m.tif[page-height=30]")
        assertCleanFailure(try limn(["upscale", "--model", "lanczos", dir + "/m.tif", dir + "/o.png"]),
                           contains: "holds 2 pages")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--page", "1", dir + "/m.tif", dir + "/o.png"]).status, 0)
        let second = try two.cropped(left: 0, top: 30, width: 40, height: 30).resampled(width: 80, height: 60, kernel: .lanczos3)
        XCTAssertLessThan(maxDifference(try Fixture.open(dir + "/o.png").floatPixels(), try second.floatPixels()), 2)
        assertCleanFailure(try limn(["upscale", "--page", "2", dir + "/m.tif", dir + "/o.png"]), contains: "no page 2")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--page", "0", sample, dir + "/o.png"]).status, 0)
    }

    /// JPEG output: Q 90 unless given, chroma subsampled only when the input's was.
    func testJPEGDefaults() throws {
        let full = dir + "/full.jpg", sub = dir + "/sub.jpg"
        try Fixture.save(Fixture.open(sample), full + "[Q=95,subsample-mode=off]")
        try Fixture.save(Fixture.open(sample), sub + "[Q=95,subsample-mode=on]")
        for (input, expected) in [(full, "4:4:4"), (sub, "4:2:0"), (sample, "4:4:4")] {
            XCTAssertEqual(try limn(["upscale", "--model", "lanczos", input, dir + "/o.jpg"]).status, 0)
            XCTAssertEqual(try Fixture.open(dir + "/o.jpg").string("jpeg-chroma-subsample"), expected, input)
        }
        let q90 = try FileManager.default.attributesOfItem(atPath: dir + "/o.jpg")[.size] as! Int
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", sample, dir + "/q75.jpg[Q=75,subsample-mode=off]"]).status, 0)
        let q75 = try FileManager.default.attributesOfItem(atPath: dir + "/q75.jpg")[.size] as! Int
        XCTAssertGreaterThan(q90, q75 * 5 / 4)
    }

    /// A white disc whose alpha fades over 12 px, over white: the networks' output
    /// must not darken the soft edge (it did, to 236 and 215, while colour went
    /// through them premultiplied); lanczos gives 252.
    func testSoftAlphaEdgesKeepTheirColour() throws {
        let n = 96
        var p = [Float]()
        for y in 0..<n {
            for x in 0..<n {
                let a = min(1, max(0, (36 - hypot(Float(x) - 48, Float(y) - 48)) / 12))
                p += a > 0 ? [1, 1, 1, a] : [0, 0, 0, 0]
            }
        }
        try Fixture.save(Image.fromFloats(p, width: n, height: n, bands: 4).linear(255, 0.5).cast(VIPS_FORMAT_UCHAR)
            .withInterpretation(VIPS_INTERPRETATION_sRGB), dir + "/disc.png")
        for cmd in [["upscale", "--model", "photo"], ["enhance"]] {
            XCTAssertEqual(try limn(cmd + [dir + "/disc.png", dir + "/o.png"]).status, 0)
            let q = try Fixture.open(dir + "/o.png").floatPixels()
            var darkest: Float = 255
            for i in stride(from: 0, to: q.count, by: 4) {
                let a = q[i + 3] / 255
                darkest = min(darkest, (0..<3).map { q[i + $0] * a + 255 * (1 - a) }.min()!)
            }
            XCTAssertGreaterThan(darkest, 248, "\(cmd): darkest pixel over white")
        }
    }

    /// A rotated photo whose XMP also says so: after the rotation is applied, both tags say 1.
    func testXMPOrientationIsReset() throws {
        let xmp = #"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">"#
            + #"<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>"#
            + #"<rdf:Description><tiff:Orientation>6</tiff:Orientation></rdf:Description></rdf:RDF></x:xmpmeta>"#
        let img = try Fixture.eightBit(Fixture.pattern(width: 40, height: 30)).setting("orientation", int: 6)
            .setting("xmp-data", blob: Array(xmp.utf8))
        try Fixture.save(img, dir + "/r.jpg")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", dir + "/r.jpg", dir + "/o.jpg"]).status, 0)
        let out = try Fixture.open(dir + "/o.jpg")
        XCTAssertEqual([out.width, out.height, out.int("orientation") ?? 1], [60, 80, 1])
        let text = String(decoding: try XCTUnwrap(out.blob("xmp-data")), as: UTF8.self)
        XCTAssertTrue(text.contains(#"tiff:Orientation="1""#) && text.contains("<tiff:Orientation>1</tiff:Orientation>"), text)
    }

    /// The EXIF thumbnail shows the picture before the command: it is dropped, the rest of EXIF kept.
    func testStaleEXIFThumbnailIsDropped() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 16, height: 12)), dir + "/thumb.jpg")
        let thumbnail = try Data(contentsOf: URL(fileURLWithPath: dir + "/thumb.jpg"))
        let img = try Fixture.eightBit(Fixture.pattern(width: 40, height: 30))
            .setting("jpeg-thumbnail-data", blob: Array(thumbnail)).setting("exif-ifd0-Artist", string: "Limn test")
        try Fixture.save(img, dir + "/t.jpg")
        XCTAssertNotNil(try Fixture.open(dir + "/t.jpg").blob("jpeg-thumbnail-data"), "the fixture has a thumbnail")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", dir + "/t.jpg", dir + "/o.jpg"]).status, 0)
        let out = try Fixture.open(dir + "/o.jpg")
        XCTAssertNil(out.blob("jpeg-thumbnail-data"))
        XCTAssertTrue(out.fields.filter { $0.hasPrefix("exif-ifd1-") }.isEmpty, "\(out.fields)")
        XCTAssertTrue(out.string("exif-ifd0-Artist")?.hasPrefix("Limn test") ?? false, out.string("exif-ifd0-Artist") ?? "none")
    }

    /// A name that is not UTF-8 is refused, showing its bytes, not read or written under another name.
    func testNonUTF8NamesAreRefused() throws {
        let r = try bash(#"cp "\#(sample)" "$D/"$'\xff'.png; $LIMN upscale --model lanczos "$D/"$'\xff'.png "$D/o.png""#)
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "limn: '\(dir)/\\xff.png' is not UTF-8: limn takes names in UTF-8; rename the file\n")
        XCTAssertEqual(filesIn(dir).count, 2)   // the input and tmp/
    }
}
