import Foundation
@testable import LimnImage
import XCTest

/// A corpus of hostile inputs made at test time (truncations, byte flips, size bombs,
/// odd standard inputs, a closed stderr, every catchable signal), each run through
/// `limn`. For every case: no crash and no hang; a refusal is one line on stderr
/// naming the input and a non-zero exit with no output; nothing is left beside the
/// output or in `$TMPDIR`; the input is unchanged.
final class HostileInputTests: ShippedPresetsTestCase {
    var tmp: String { dir + "/tmp" }
    var outputs: String { dir + "/out" }
    /// Cases run, refused cleanly, and processed (a flip that still decodes).
    var counts = (cases: 0, refused: 0, processed: 0)

    override func setUpWithError() throws {
        try super.setUpWithError()
        for d in [tmp, outputs, dir + "/in"] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    }

    /// Runs `limn` with a private `$TMPDIR`, killed (and failed) after `timeout` seconds;
    /// `signal`: sent once stderr shows progress. Returns how it ended and its stderr.
    func run(_ args: [String], stdin: String? = nil, closedStderr: Bool = false, signal: Int32? = nil,
             timeout: Double = 60) throws -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        var script = #""$LIMN" "$@""#
        if let stdin { script += " < \"\(stdin)\"" }
        if closedStderr { script += " 2>&-" }
        p.arguments = ["-c", "exec " + script, "limn"] + args
        p.environment = ["LIMN": limnBinary, "TMPDIR": tmp, "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        var text = Data()
        if let signal {
            while !String(decoding: text, as: UTF8.self).contains("%") && p.isRunning {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += chunk
            }
            kill(p.processIdentifier, signal)
        }
        let reader = DispatchQueue.global()
        nonisolated(unsafe) var rest = Data()
        let done = DispatchSemaphore(value: 0)
        reader.async { rest = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            XCTFail("hang: limn \(args) ran over \(timeout) s")
        }
        p.waitUntilExit()
        done.wait()
        return (p.terminationReason, p.terminationStatus, String(decoding: text + rest, as: UTF8.self))
    }

    /// One case: `limn upscale` (or `command`) on `input`, checked as the class says.
    func check(_ input: String, command: [String] = ["upscale", "--model", "lanczos", "--max-pixels", "4000000"],
               stdin: Bool = false, closedStderr: Bool = false, name: String? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws {
        counts.cases += 1
        let before = FileManager.default.contents(atPath: input)
        let out = outputs + "/o.png"
        let r = try run(command + [stdin ? "-" : input, out], stdin: stdin ? input : nil, closedStderr: closedStderr)
        let label = "\(name ?? input) (\(command[0]))"
        XCTAssertEqual(r.reason, .exit, "\(label): killed by signal \(r.status)\n\(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtrac"), "\(label): \(r.stderr)", file: file, line: line)
        if r.status == 0 {
            counts.processed += 1
            XCTAssertEqual(filesIn(outputs), ["o.png"], label, file: file, line: line)
            XCTAssertNoThrow(try Fixture.open(out), label, file: file, line: line)
        } else {
            counts.refused += 1
            XCTAssertEqual(filesIn(outputs), [], "\(label): no output on failure", file: file, line: line)
            if !closedStderr {
                let lines = r.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "\(label): \(r.stderr)", file: file, line: line)
                let named = stdin ? "standard input" : input
                XCTAssertTrue(r.stderr.hasPrefix("limn: ") && r.stderr.contains(named), "\(label): \(r.stderr)",
                              file: file, line: line)
            }
        }
        XCTAssertEqual(filesIn(tmp), [], "\(label): left in TMPDIR", file: file, line: line)
        XCTAssertEqual(FileManager.default.contents(atPath: input), before, "\(label): input changed", file: file, line: line)
        try? FileManager.default.removeItem(atPath: out)
    }

    /// Small valid images in the formats a user sends.
    func originals() throws -> [String] {
        let img = try Fixture.eightBit(Fixture.pattern(width: 64, height: 48))
        let rgba = try Fixture.eightBit(Fixture.pattern(width: 64, height: 48, bands: 4))
        var files = [String]()
        for (name, image) in [("a.png", img), ("a.jpg", img), ("a.webp", img), ("a.tif", rgba), ("a.v", img), ("b.png", rgba)] {
            let path = dir + "/in/" + name
            try Fixture.save(image, path)
            files.append(path)
        }
        return files
    }

    /// A PNG whose header declares `width` x `height` (CRC fixed), with the original pixels.
    func pngDeclaring(_ png: Data, width: UInt32, height: UInt32) -> Data {
        var d = png
        let be = { (v: UInt32) in [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        d.replaceSubrange(16..<20, with: be(width))
        d.replaceSubrange(20..<24, with: be(height))
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in d[12..<29] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        d.replaceSubrange(29..<33, with: be(~crc))
        return d
    }

    func testHostileCorpus() throws {
        var rng = SplitMix(seed: 25)
        var cases = [(String, Data)]()
        for original in try originals() {
            let data = try Data(contentsOf: URL(fileURLWithPath: original))
            let base = (original as NSString).lastPathComponent
            for cut in Set([1, 8, 24, 64, data.count / 3, data.count / 2, data.count - 1]) where cut < data.count {
                cases.append(("cut\(cut)-\(base)", data.prefix(cut)))
            }
            for i in 0..<12 {
                var flipped = data
                // Half the flips in the header, where parsers decide sizes; half anywhere.
                let at = i < 6 ? Int.random(in: 0..<min(64, data.count), using: &rng) : Int.random(in: 0..<data.count, using: &rng)
                flipped[at] ^= UInt8.random(in: 1...255, using: &rng)
                cases.append(("flip\(i)-\(base)", flipped))
            }
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/in/a.png"))
        cases.append(("bomb-wide.png", pngDeclaring(png, width: 1 << 30, height: 1)))
        cases.append(("bomb-big.png", pngDeclaring(png, width: 100_000, height: 100_000)))
        cases.append(("bomb-zero.png", pngDeclaring(png, width: 0, height: 48)))
        var vips = try Data(contentsOf: URL(fileURLWithPath: dir + "/in/a.v"))
        vips.replaceSubrange(4..<12, with: [0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F])
        cases.append(("bomb.v", vips))
        cases.append(("empty.png", Data()))
        cases.append(("text.jpg", Data("not an image at all\n".utf8)))
        for (name, data) in cases {
            let path = dir + "/in/" + name
            try data.write(to: URL(fileURLWithPath: path))
            try check(path, name: name)
            // The same bytes on standard input (the .v ones go through its spool).
            if name.hasPrefix("cut") || name.hasPrefix("bomb") { try check(path, stdin: true, name: name + " on stdin") }
        }
        // The network commands read the same way; a few cases through each.
        for name in ["cut64-a.png", "flip0-a.jpg", "bomb-big.png"] {
            try check(dir + "/in/" + name, command: ["stylize", "--style", "udnie"], name: name)
            try check(dir + "/in/" + name, command: ["enhance"], name: name)
        }
        // A closed stderr: the failure still ends cleanly, with nothing left behind.
        try check(dir + "/in/cut64-a.png", closedStderr: true, name: "closed stderr")
        try check("/dev/null", stdin: true, name: "/dev/null on stdin")
        print("hostile inputs: \(counts.cases) cases, \(counts.refused) refused cleanly, \(counts.processed) processed")
        XCTAssertGreaterThan(counts.refused, 60)
    }

    /// Every catchable terminating signal in the middle of a run: the process ends by
    /// that signal, leaving no temporary output or spool, and the input unchanged.
    func testSignalsLeaveNothingBehind() throws {
        let input = dir + "/in/big.png"
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 3000, height: 2000)), input)
        let before = FileManager.default.contents(atPath: input)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPOLL] {
            let r = try run(["upscale", "--model", "lanczos", "--scale", "3", "--progress", input, outputs + "/o.png"],
                            signal: sig)
            XCTAssertEqual(r.reason, .uncaughtSignal, "signal \(sig): \(r.stderr)")
            XCTAssertEqual(r.status, sig, "signal \(sig)")
            XCTAssertEqual(filesIn(outputs), [], "signal \(sig): output left")
            XCTAssertEqual(filesIn(tmp), [], "signal \(sig): spool left")
            XCTAssertEqual(FileManager.default.contents(atPath: input), before)
        }
    }
}

/// A small seeded generator, so the corpus is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
