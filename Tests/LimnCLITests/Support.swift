import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// The result of running the built `limn` binary.
struct Run {
    let status: Int32
    let stdout: Data
    let stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

/// The `limn` executable built beside the test bundle.
let limnBinary: String = {
    let dir = Bundle.main.bundleURL
    for candidate in [dir.appendingPathComponent("limn"), dir.deletingLastPathComponent().appendingPathComponent("limn")] {
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
    }
    fatalError("limn binary not found near \(dir.path); run `swift build` first")
}()

@discardableResult
func limn(_ args: [String], stdin: Data? = nil, cwd: String? = nil) throws -> Run {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: limnBinary)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    // Read both pipes while feeding stdin so no side blocks.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    if let stdin { try? inp.fileHandleForWriting.write(contentsOf: stdin) }
    try? inp.fileHandleForWriting.close()
    p.waitUntilExit()
    group.wait()
    return Run(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

/// Asserts the run failed with exactly one "limn: ..." line on stderr.
func assertCleanFailure(_ r: Run, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNotEqual(r.status, 0, "exit status", file: file, line: line)
    XCTAssertEqual(r.stderrLines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(r.stderr.hasPrefix("limn: "), r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.lowercased().contains(text.lowercased()), "expected '\(text)' in: \(r.stderr)",
                  file: file, line: line)
    XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtrac"), file: file, line: line)
}

/// The largest absolute difference between two pixel arrays (infinite when their lengths differ).
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }   // different sizes never match
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// `limn` with the presets shipped in Presets/ (found beside the built binary,
/// LIMN_PRESETS unset), on Goldens/chelsea-120.png (Samples/chelsea.jpg at 120×80).
class ShippedPresetsTestCase: XCTestCase {
    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens").path
    let sample = ShippedPresetsTestCase.goldens + "/chelsea-120.png"
    var dir = ""

    override func setUpWithError() throws {
        try Vips.start()
        unsetenv("LIMN_PRESETS")
        dir = makeTempDir()
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `limn <command> args input out` (the sample by default) and opens the output.
    func run(_ command: String, _ args: [String], _ out: String, input: String? = nil,
             file: StaticString = #filePath, line: UInt = #line) throws -> Image {
        let r = try limn([command] + args + [input ?? sample, dir + "/" + out])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try Fixture.open(dir + "/" + out)
    }

    /// Same size as Goldens/`name`, and within one 8-bit level everywhere.
    func assertMatchesGolden(_ img: Image, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = try Fixture.open(Self.goldens + "/" + name)
        XCTAssertEqual([img.width, img.height, img.bands], [golden.width, golden.height, golden.bands], file: file, line: line)
        XCTAssertLessThanOrEqual(maxDifference(try img.floatPixels(), try golden.floatPixels()), 1,
                                 "largest difference in 8-bit levels", file: file, line: line)
    }
}

/// PSNR in dB of 8-bit-scaled pixels `a` against `reference`.
func psnr(_ a: [Float], _ reference: [Float]) -> Double {
    let mse = zip(a, reference).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.count)
    return 10 * log10(255 * 255 / mse)
}

func makeTempDir() -> String {
    let dir = NSTemporaryDirectory() + "limn-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func filesIn(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

/// Test images, made with libvips.
enum Fixture {
    /// A smooth colourful image in [0, 1]: gradients plus a few edges.
    static func pattern(width: Int, height: Int, bands: Int = 3) throws -> Image {
        var p = [Float](repeating: 0, count: width * height * bands)
        for y in 0..<height {
            for x in 0..<width {
                let u = Float(x) / Float(width), v = Float(y) / Float(height)
                let edge: Float = (x / 8 + y / 8) % 2 == 0 ? 0.15 : 0
                let rgb: [Float] = [0.2 + 0.6 * u, 0.3 + 0.5 * v + edge, 0.8 - 0.6 * u * v]
                for c in 0..<bands { p[(y * width + x) * bands + c] = bands == 1 ? rgb[1] : rgb[c % 3] }
            }
        }
        return try Image.fromFloats(p, width: width, height: height, bands: bands)
    }

    /// size×size 8-bit sRGB with alpha: the left half opaque mid-grey, the
    /// right half fully transparent `hidden` colour, bright red unless given
    /// (colour that must not bleed).
    static func greyBesideTransparent(size: Int, hidden: [Float] = [1, 0, 0]) throws -> Image {
        var p = [Float]()
        for _ in 0..<size { for x in 0..<size { p += x < size / 2 ? [0.5, 0.5, 0.5, 1] : hidden + [0] } }
        return try Image.fromFloats(p, width: size, height: size, bands: 4).linear(255, 0.5).cast(VIPS_FORMAT_UCHAR)
            .withInterpretation(VIPS_INTERPRETATION_sRGB)
    }

    /// Asserts `img` (made from `greyBesideTransparent`) kept its alpha, opaque
    /// at the top left and transparent at the bottom right, and that every pixel
    /// more opaque than `minAlpha` is still grey (red and green within `accuracy`).
    static func assertNoRedBleeds(_ img: Image, minAlpha: Float, accuracy: Float, _ label: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(img.bands, 4, label, file: file, line: line)
        let q = try img.floatPixels()
        for i in stride(from: 0, to: q.count, by: 4) where q[i + 3] > minAlpha {
            XCTAssertEqual(q[i], q[i + 1], accuracy: accuracy, "\(label): red bled in at pixel \(i / 4): \(q[i..<i + 3])",
                           file: file, line: line)
        }
        XCTAssertEqual(q[3], 255, label, file: file, line: line)
        XCTAssertEqual(q[q.count - 1], 0, label, file: file, line: line)
    }

    static func eightBit(_ img: Image, grey: Bool = false) throws -> Image {
        try img.linear(255, 0.5).cast(VIPS_FORMAT_UCHAR)
            .withInterpretation(grey ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB)
    }

    static func sixteenBit(_ img: Image, grey: Bool = false) throws -> Image {
        try img.linear(65535, 0.5).cast(VIPS_FORMAT_USHORT)
            .withInterpretation(grey ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_RGB16)
    }

    /// A colour image converted into vips' built-in profile `name` ("p3", "cmyk"), profile embedded.
    static func withProfile(_ img: Image, _ name: String) throws -> Image {
        let srgb = try eightBit(img)
        return try Image.make { limn_icc_transform(srgb.ptr, $0, name, "srgb", 8) }
    }

    static func save(_ img: Image, _ path: String) throws {
        if limn_write_file(img.ptr, path) != 0 { throw LimnError.vips(path) }
    }

    static func open(_ path: String) throws -> Image {
        guard let p = limn_load_file(path, 0) else { throw LimnError.vips(path) }
        return Image(owning: p)
    }

    static func open(_ data: Data) throws -> Image {
        let path = NSTemporaryDirectory() + "limn-data-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw LimnError("cannot write \(path)") }
        defer { unlink(path) }
        return try open(path).copyMemory()
    }
}

extension Image {
    func copyMemory() throws -> Image {
        guard let p = vips_image_copy_memory(ptr) else { throw LimnError.vips("copy") }
        return Image(owning: p)
    }

    var interpretationName: String { String(cString: vips_enum_nick(vips_interpretation_get_type(), interpretation.rawValue)) }
}

/// The engine's test networks (Tests/LimnEngineTests/Fixtures).
func engineFixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LimnEngineTests/Fixtures/\(name).safetensors").path
}

/// Installs test networks as presets in `dir`/presets and points
/// LIMN_PRESETS there: each (name, task, fixture) becomes a manifest entry.
func installPresets(in dir: String, _ presets: [(name: String, task: String, fixture: String)]) throws {
    let folder = dir + "/presets"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var entries: [[String: String]] = []
    for p in presets {
        let file = "\(p.name).safetensors"
        try FileManager.default.copyItem(atPath: engineFixture(p.fixture), toPath: "\(folder)/\(file)")
        entries.append(["name": p.name, "task": p.task, "file": file, "sha256": try sha256sum("\(folder)/\(file)"),
                        "description": "test network (random weights)"])
    }
    try JSONSerialization.data(withJSONObject: entries).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
    setenv("LIMN_PRESETS", folder, 1)
}

func sha256sum(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    p.waitUntilExit()
    return String(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
}
