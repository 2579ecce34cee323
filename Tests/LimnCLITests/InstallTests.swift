import Foundation
@testable import LimnImage
import XCTest

/// Where an installed `limn` finds its presets: --presets, $LIMN_PRESETS, PREFIX/share/limn/presets
/// beside the real executable, then the source checkout (Scripts/install.sh makes the prefix).
final class InstallTests: XCTestCase {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    var dir = ""
    var prefix = ""

    override func setUpWithError() throws {
        try Vips.start()
        dir = makeTempDir()
        // An installed layout: the binary in bin/ (reached through a symbolic link, as from
        // /usr/bin), the presets in share/limn/presets, holding only the deblurrer so that they
        // cannot be confused with the checkout's.
        prefix = dir + "/prefix"
        let shipped = repo + "/Presets"
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: prefix + "/share/limn/presets", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: limnBinary, toPath: prefix + "/bin/limn")
        try FileManager.default.createSymbolicLink(atPath: dir + "/limn", withDestinationPath: prefix + "/bin/limn")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: shipped + "/manifest.json")))
        let deblur = try XCTUnwrap((manifest as? [[String: Any]])?.filter { $0["name"] as? String == "deblur" })
        try JSONSerialization.data(withJSONObject: deblur).write(to: URL(fileURLWithPath: prefix + "/share/limn/presets/manifest.json"))
        try FileManager.default.copyItem(atPath: shipped + "/deblur.safetensors", toPath: prefix + "/share/limn/presets/deblur.safetensors")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `command` from / with nothing in the environment but PATH (and `env`).
    func run(_ command: String, _ args: [String], env: [String: String] = [:]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        p.environment = ["PATH": "/usr/bin:/bin"].merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testInstalledBinaryUsesItsPrefixFromAnywhere() throws {
        let (status, out, err) = try run(dir + "/limn", ["presets"])
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(out.contains("deblur") && !out.contains("starry-night"), out)
        // A network command with the prefix's presets, and one it does not have.
        try Fixture.save(try Fixture.pattern(width: 40, height: 30), dir + "/in.png")
        XCTAssertEqual(try run(dir + "/limn", ["enhance", dir + "/in.png", dir + "/e.png"]).0, 0)
        let (failed, _, message) = try run(dir + "/limn", ["stylize", "--style", "starry-night", dir + "/in.png", dir + "/s.png"])
        XCTAssertNotEqual(failed, 0)
        XCTAssertTrue(message.contains("starry-night") && message.contains(prefix + "/share/limn/presets"), message)
    }

    func testOrderPresetsOptionThenEnvironmentThenPrefix() throws {
        let checkout = repo + "/Presets"
        let (_, fromEnv, _) = try run(dir + "/limn", ["presets"], env: ["LIMN_PRESETS": checkout])
        XCTAssertTrue(fromEnv.contains("starry-night"), fromEnv)
        let (_, fromOption, _) = try run(dir + "/limn", ["presets", "--presets", prefix + "/share/limn/presets"],
                                         env: ["LIMN_PRESETS": checkout])
        XCTAssertFalse(fromOption.contains("starry-night"), fromOption)
        // A named folder is used as given: never a silent fall-back to another.
        let (status, _, err) = try run(dir + "/limn", ["upscale", "--presets", dir + "/none", dir + "/in.png", dir + "/o.png"])
        XCTAssertEqual(status, 64)
        XCTAssertTrue(err.hasPrefix("limn: ") && err.contains(dir + "/none"), err)
        // The build's own binary, without a prefix around it, uses the checkout's presets.
        let (_, fromCheckout, _) = try run(limnBinary, ["presets"])
        XCTAssertTrue(fromCheckout.contains("starry-night"), fromCheckout)
    }
}
