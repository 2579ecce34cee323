import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// Bad input: one line on stderr, non-zero exit, no output file, no temporary
/// file left behind, input untouched.
final class FailureTests: XCTestCase {
    var dir = ""
    var good = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        good = dir + "/good.png"
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 48, height: 32)), good)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `limn upscale` on `input` into dir/out.png and checks a clean failure.
    func expectFailure(_ input: String, _ text: String, args: [String] = [], output: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = filesIn(dir)
        let out = output ?? dir + "/out.png"
        let r = try limn(["upscale"] + args + [input, out])
        assertCleanFailure(r, contains: text, file: file, line: line)
        XCTAssertEqual(filesIn(dir), before, "files changed", file: file, line: line)
    }

    func noise(_ w: Int, _ h: Int) throws -> Image {
        var rng = UInt64(7)
        var p = [Float]()
        p.reserveCapacity(w * h * 3)
        for _ in 0..<(w * h * 3) {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            p.append(Float(rng >> 56))
        }
        return try Image.fromFloats(p, width: w, height: h, bands: 3).cast(VIPS_FORMAT_UCHAR)
            .withInterpretation(VIPS_INTERPRETATION_sRGB)
    }

    func testMissingAndEmptyAndNotAnImage() throws {
        try expectFailure(dir + "/missing.jpg", "No such file")
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/empty.jpg", contents: Data()))
        try expectFailure(dir + "/empty.jpg", "empty")
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/text.jpg", contents: Data("hello, not a JPEG\n".utf8)))
        try expectFailure(dir + "/text.jpg", "not a known file format")
        try expectFailure(dir, "folder")
    }

    func testTruncatedFiles() throws {
        let img = try noise(300, 200)
        for name in ["whole.jpg", "whole.png"] { try Fixture.save(img, "\(dir)/\(name)") }
        for (whole, cut) in [("whole.jpg", "cut.jpg"), ("whole.png", "cut.png")] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(whole)"))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: "\(dir)/\(cut)"))
            try expectFailure("\(dir)/\(cut)", cut)
        }
    }

    func testBadOutputs() throws {
        try expectFailure(good, "unknown output format", output: dir + "/out.xyz")
        try expectFailure(good, "no suffix", output: dir + "/out")
        try expectFailure(good, "does not exist", output: dir + "/nowhere/out.png")
        try expectFailure(good, "is not an integer", output: dir + "/out.jpg[Q=high]")
        try expectFailure(good, "unknown output format", args: ["--format", "xyz"], output: "-")
    }

    func testReadOnlyFolder() throws {
        if getuid() != 0 {
            let ro = dir + "/ro"
            try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: false)
            chmod(ro, 0o555)
            defer { chmod(ro, 0o755) }
            let r = try limn(["upscale", good, ro + "/out.png"])
            assertCleanFailure(r, contains: "cannot write")
            XCTAssertEqual(filesIn(ro), [])
        } else if access("/sys", W_OK) != 0 || (try? limn(["upscale", good, "/sys/limn-probe.png"]))?.status != 0 {
            // Root ignores permission bits; sysfs refuses new files to everyone.
            assertCleanFailure(try limn(["upscale", good, "/sys/out.png"]), contains: "cannot write")
        } else {
            throw XCTSkip("no read-only folder available")
        }
    }

    func testFullDisk() throws {
        assertCleanFailure(try limn(["upscale", good, "/dev/full"]), contains: "No space left")
        // Standard output on a full disk.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: limnBinary)
        p.arguments = ["upscale", good, "-"]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        assertCleanFailure(Run(status: p.terminationStatus, stdout: Data(), stderr: stderr), contains: "No space left")
    }

    func testBadOptionValues() throws {
        let cases: [([String], String)] = [
            (["--scale", "0"], "--scale"), (["--scale", "1"], "--scale"), (["--scale", "9"], "--scale"),
            (["--scale", "abc"], "--scale"), (["--scale", "-2"], "--scale"), (["--width", "0"], "--width"),
            (["--height", "-5"], "--height"), (["--scale", "2", "--width", "10"], "one of"),
            (["--threads", "0"], "--threads"), (["--tile", "4"], "--tile"), (["--model", "magic"], "--model"),
            (["--max-pixels", "lots"], "--max-pixels"), (["--width", "40"], "factor of 0.833"),
        ]
        for (args, text) in cases {
            try expectFailure(good, text, args: args)
        }
        // Wrong counts of files.
        assertCleanFailure(try limn(["upscale", good]), contains: "OUTPUT")
        assertCleanFailure(try limn(["upscale", good, good, good]), contains: "--output-dir")
        assertCleanFailure(try limn(["upscale", "--output-dir", good, good]), contains: "not a folder")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--output-dir", dir + "/new/folder", good]).status, 0)
        assertCleanFailure(try limn(["frobnicate"]), contains: "frobnicate")
    }

    func testPixelLimitFromHeader() throws {
        // A PNG whose header declares 30000 x 30000 with almost no data behind it.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ body: [UInt8]) {
            let typed = Array(type.utf8) + body
            png += be32(body.count) + typed + be32(Int(crc32(typed)))
        }
        chunk("IHDR", be32(30000) + be32(30000) + [8, 2, 0, 0, 0])
        chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
        chunk("IEND", [])
        let path = dir + "/huge.png"
        try Data(png).write(to: URL(fileURLWithPath: path))
        try expectFailure(path, "900 megapixels, over the limit of 500")
        try expectFailure(good, "limit", args: ["--max-pixels", "1000"])
    }

    func testInterruptRemovesTemporaryFile() throws {
        let big = dir + "/big.jpg"
        try Fixture.save(try noise(1500, 1500), big)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: limnBinary)
        p.arguments = ["upscale", "--scale", "8", big, dir + "/huge-out.png"]
        p.standardError = Pipe()
        try p.run()
        // Wait until the temporary output exists, then interrupt.
        let deadline = Date().addingTimeInterval(20)
        while !filesIn(dir).contains(where: { $0.contains(".limn-") }) && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(filesIn(dir).contains(where: { $0.contains(".limn-") }), "no temporary file appeared")
        usleep(200_000)
        p.interrupt()
        p.waitUntilExit()
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertEqual(filesIn(dir), ["big.jpg", "good.png"])
    }
}

private func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}
