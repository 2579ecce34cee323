import Foundation
@testable import LimnImage
import XCTest

/// Runs over many inputs: folders mirrored into --output-dir, shards, resuming,
/// manifests, reports and exit codes (docs/scale-out.md).
final class BatchTests: XCTestCase {
    var dir = ""
    let folders = ["a", "a/x", "b"]

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        // 12 small images, 4 in each of three nested folders, the same four names in each;
        // and a file that is not an image, which the default filter leaves out.
        for (i, folder) in folders.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/in/\(folder)", withIntermediateDirectories: true)
            for k in 1...4 {
                try Fixture.save(try Fixture.pattern(width: 24 + 4 * i, height: 16 + k), "\(dir)/in/\(folder)/img\(k).png")
            }
        }
        try Data("notes".utf8).write(to: URL(fileURLWithPath: "\(dir)/in/a/README.txt"))
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Every file below `root`, as paths relative to it, sorted.
    func tree(_ root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { !FileManager.default.fileExists(atPath: "\(root)/\($0)/.") }
            .filter { var d: ObjCBool = false; FileManager.default.fileExists(atPath: "\(root)/\($0)", isDirectory: &d); return !d.boolValue }
            .sorted()
    }

    var expected: [String] { folders.flatMap { f in (1...4).map { "\(f)/img\($0).png" } }.sorted() }

    func testShardsTogetherProcessEveryInputOnceMirrored() throws {
        var seen: [String] = []
        for shard in 0..<3 {
            let out = "\(dir)/out\(shard)"
            let r = try limn(["upscale", "--model", "lanczos", "--scale", "2", "--shard", "\(shard)/3",
                              "--output-dir", out, "\(dir)/in"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let written = tree(out)
            XCTAssertEqual(written.count, 4, "shard \(shard): \(written)")
            seen += written
        }
        XCTAssertEqual(seen.sorted(), expected)
        // Shard i holds the inputs at positions i, i + 3, ... of the sorted relative paths.
        XCTAssertEqual(tree("\(dir)/out1"), [expected[1], expected[4], expected[7], expected[10]].sorted())
        let img = try Fixture.open("\(dir)/out0/a/img1.png")
        XCTAssertEqual([img.width, img.height], [48, 34])
    }

    func testShardIndexFromTheEnvironment() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: limnBinary)
        p.arguments = ["upscale", "--model", "lanczos", "--shard", "env:TEST_INDEX/3", "--output-dir", "\(dir)/out", "\(dir)/in"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TEST_INDEX": "2"]) { $1 }
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(tree("\(dir)/out"), [expected[2], expected[5], expected[8], expected[11]].sorted())
        for bad in ["env:NO_SUCH_VARIABLE_HERE/3", "3/3", "-1/3", "1/0", "x"] {
            let r = try limn(["upscale", "--shard", bad, "--output-dir", "\(dir)/o", "\(dir)/in"])
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--shard") || r.stderr.contains("shard"), r.stderr)
        }
    }

    func testSkipExistingWritesNothingOnASecondRun() throws {
        let out = "\(dir)/out"
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--output-dir", out, "\(dir)/in"]).status, 0)
        func mtimes() throws -> [String: Date] {
            Dictionary(uniqueKeysWithValues: try tree(out).map {
                ($0, try XCTUnwrap(FileManager.default.attributesOfItem(atPath: "\(out)/\($0)")[.modificationDate] as? Date))
            })
        }
        let before = try mtimes()
        XCTAssertEqual(before.count, 12)
        Thread.sleep(forTimeInterval: 1.1)
        let r = try limn(["upscale", "--model", "lanczos", "--skip-existing", "--report", "\(dir)/r.jsonl",
                          "--output-dir", out, "\(dir)/in"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try mtimes(), before)
        let lines = try String(contentsOfFile: "\(dir)/r.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 12)
        XCTAssertTrue(lines.allSatisfy { $0.contains("\"status\":\"skipped\"") }, "\(lines)")
        // An input newer than its output, or an empty output, is processed again.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)],
                                              ofItemAtPath: "\(dir)/in/b/img3.png")
        try Data().write(to: URL(fileURLWithPath: "\(out)/a/img2.png"))
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--skip-existing", "--output-dir", out, "\(dir)/in"]).status, 0)
        let after = try mtimes()
        XCTAssertEqual(Set(after.keys.filter { after[$0] != before[$0] }), ["a/img2.png", "b/img3.png"])
    }

    func testManifestFromStandardInputKeepsSameNamesApart() throws {
        let paths = folders.map { "\(dir)/in/\($0)/img2.png" }.joined(separator: "\n") + "\n\n"
        let r = try limn(["upscale", "--model", "lanczos", "--manifest", "-", "--output-dir", "\(dir)/out"],
                         stdin: Data(paths.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        // Mirrored below the paths' longest common folder, in/.
        XCTAssertEqual(tree("\(dir)/out"), ["a/img2.png", "a/x/img2.png", "b/img2.png"])
    }

    func testBrokenInputIsReportedAndExitIsOne() throws {
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: "\(dir)/in/a/x/broken.png"))
        let r = try limn(["upscale", "--model", "lanczos", "--report", "\(dir)/r.jsonl", "--output-dir", "\(dir)/out", "\(dir)/in"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(tree("\(dir)/out"), expected)
        XCTAssertTrue(r.stderrLines.first?.contains("broken.png") ?? false, r.stderr)
        XCTAssertTrue(r.stderrLines.last?.contains("1 of 13 failed") ?? false, r.stderr)
        let lines = try String(contentsOfFile: "\(dir)/r.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 13)
        let failed = try lines.compactMap { line -> [String: Any]? in
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertNotNil(o["seconds"] as? Double)
            XCTAssertGreaterThan(o["resident_mb"] as? Int ?? 0, 0)
            return o["status"] as? String == "failed" ? o : nil
        }
        XCTAssertEqual(failed.count, 1)
        XCTAssertEqual(failed.first?["input"] as? String, "\(dir)/in/a/x/broken.png")
        XCTAssertFalse((failed.first?["error"] as? String ?? "").isEmpty)
        let done = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertGreaterThan(done["output_bytes"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(done["input_bytes"] as? Int ?? 0, 0)
    }

    /// File arguments with the same name would write one output: refused before any is processed.
    func testSameNamedFileArgumentsAreRefused() throws {
        let r = try limn(["upscale", "--model", "lanczos", "--output-dir", "\(dir)/out",
                          "\(dir)/in/a/img1.png", "\(dir)/in/b/img1.png"])
        XCTAssertEqual(r.status, 64)
        assertCleanFailure(r, contains: "in/b/img1.png")
        XCTAssertTrue(r.stderr.contains("in/a/img1.png"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out"))
    }

    func testIncludeFiltersAndUsage() throws {
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--include", "img[13].png", "--output-dir", "\(dir)/out",
                                 "\(dir)/in"]).status, 0)
        XCTAssertEqual(tree("\(dir)/out"), expected.filter { $0.hasSuffix("img1.png") || $0.hasSuffix("img3.png") })
        // A folder needs --output-dir; an output folder inside the input is not read back.
        assertCleanFailure(try limn(["upscale", "\(dir)/in", "\(dir)/o.png"]), contains: "folder")
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--output-dir", "\(dir)/in/out", "\(dir)/in"]).status, 0)
        XCTAssertEqual(try limn(["upscale", "--model", "lanczos", "--output-dir", "\(dir)/in/out", "\(dir)/in"]).status, 0)
        XCTAssertEqual(tree("\(dir)/in/out"), expected)
        // Writing a folder onto itself would replace the inputs: refused.
        assertCleanFailure(try limn(["upscale", "--model", "lanczos", "--output-dir", "\(dir)/in", "\(dir)/in"]),
                           contains: "overwritten")
    }
}
