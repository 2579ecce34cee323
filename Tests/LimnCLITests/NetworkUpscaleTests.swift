import CLimnVips
import Foundation
import Limn
import LimnEngine
@testable import LimnImage
import XCTest

/// `limn upscale --model fidelity|photo` through the tiled network path, with
/// the engine's test network installed as a preset (LIMN_PRESETS).
final class NetworkUpscaleTests: XCTestCase {
    var dir = ""
    var presets = ""
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LimnEngineTests/Fixtures/sr_net.safetensors").path

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        presets = dir + "/presets"
        try FileManager.default.createDirectory(atPath: presets, withIntermediateDirectories: true)
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture))
        try data.write(to: URL(fileURLWithPath: presets + "/sr.safetensors"))
        let entry: [String: String] = ["name": "fidelity_x2", "task": "upscale", "file": "sr.safetensors",
                                       "sha256": try sha256(presets + "/sr.safetensors"), "description": "test network"]
        try JSONSerialization.data(withJSONObject: [entry]).write(to: URL(fileURLWithPath: presets + "/manifest.json"))
        setenv("LIMN_PRESETS", presets, 1)
    }

    override func tearDown() {
        unsetenv("LIMN_PRESETS")
        try? FileManager.default.removeItem(atPath: dir)
    }

    func sha256(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return String(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
    }

    func testTiledNetworkMatchesOnePassPyTorchEquivalent() throws {
        let src = try Fixture.eightBit(Fixture.pattern(width: 70, height: 45))
        try Fixture.save(src, dir + "/in.png")
        for tile in ["16", "256"] {
            let r = try limn(["upscale", "--model", "fidelity", "--scale", "2", "--tile", tile, dir + "/in.png", dir + "/out\(tile).png"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let out = try Fixture.open(dir + "/out256.png")
        XCTAssertEqual([out.width, out.height], [140, 90])
        XCTAssertEqual(try Fixture.open(dir + "/out16.png").floatPixels(), try out.floatPixels())
        // The same network once over the whole image, quantised as the CLI does.
        let net = try Architectures.load(path: fixture)
        let x = Tensor(height: 45, width: 70, channels: 3, values: try src.floatPixels().map { $0 / 255 })
        let reference = try net.forwardWhole(x).values.map { (min(max($0, 0), 1) * 255).rounded() }
        var worst: Float = 0
        for (a, b) in zip(try out.floatPixels(), reference) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThanOrEqual(worst, 1)
    }

    func testOtherSizesFinishWithLanczos() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 40, height: 30)), dir + "/in.png")
        for (args, size) in [(["--scale", "1.5"], [60, 45]), (["--width", "70"], [70, 53])] {
            let r = try limn(["upscale", "--model", "fidelity"] + args + [dir + "/in.png", dir + "/o.png"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let o = try Fixture.open(dir + "/o.png")
            XCTAssertEqual([o.width, o.height], size)
        }
        // x3 needs a preset this folder lacks: one clear line.
        let r = try limn(["upscale", "--model", "fidelity", "--scale", "3", dir + "/in.png", dir + "/o3.png"])
        assertCleanFailure(r, contains: "no upscale preset 'fidelity_x3'; known: fidelity_x2")
        let p = try limn(["upscale", "--model", "photo", dir + "/in.png", dir + "/o4.png"])
        assertCleanFailure(p, contains: "no upscale preset 'photo_x2'")
    }

    func testGreyAndAlphaThroughTheNetwork() throws {
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 30, height: 20, bands: 1), grey: true), dir + "/g.png")
        let g = try limn(["upscale", "--model", "fidelity", dir + "/g.png", dir + "/go.png"])
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertEqual(try Fixture.open(dir + "/go.png").bands, 1)
        let rgba = try Fixture.eightBit(Fixture.pattern(width: 30, height: 20, bands: 4))
        try Fixture.save(rgba, dir + "/a.png")
        let a = try limn(["upscale", "--model", "fidelity", dir + "/a.png", dir + "/ao.png"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(try Fixture.open(dir + "/ao.png").bands, 4)
    }

    func testDamagedPresetIsRefused() throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: presets + "/sr.safetensors"))
        data[data.count - 1] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: presets + "/sr.safetensors"))
        try Fixture.save(Fixture.eightBit(Fixture.pattern(width: 20, height: 20)), dir + "/in.png")
        let r = try limn(["upscale", "--model", "fidelity", dir + "/in.png", dir + "/o.png"])
        assertCleanFailure(r, contains: "checksum mismatch")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/o.png"))
    }
}
