import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// `limn upscale` with the networks shipped in Presets/. The networks
/// themselves are checked against PyTorch in LimnTests.PresetTests.
final class ShippedUpscalersTests: ShippedPresetsTestCase {
    func upscale(_ args: [String], _ out: String, input: String? = nil) throws -> Image {
        try run("upscale", args, out, input: input)
    }

    /// The default (photo x2) and fidelity x4, whole commands, against their committed outputs.
    func testGoldens() throws {
        try assertMatchesGolden(try upscale([], "photo2.png"), "upscale-photo-x2-chelsea-120.png")
        try assertMatchesGolden(try upscale(["--model", "fidelity", "--scale", "4"], "fidelity4.png",
                                            input: Self.goldens + "/chelsea-60.png"),   // the sample at 60×40
                                "upscale-fidelity-x4-chelsea-60.png")
    }

    /// --scale 1.5 runs the x2 network and resizes its output with lanczos;
    /// --width 300 (x2.5) runs x3; --scale 6 chains x4 and x2.
    func testOtherFactorsFinishWithLanczos() throws {
        func assertNear(_ out: Image, _ network: Image, file: StaticString = #filePath, line: UInt = #line) throws {
            let expected = try network.cast(VIPS_FORMAT_FLOAT).resampled(width: out.width, height: out.height).floatPixels()
            let got = try out.floatPixels()
            let mean = zip(got, expected).reduce(Float(0)) { $0 + abs($1.0 - $1.1) } / Float(got.count)
            // Limn resizes the network's unclipped output; here the saved (clipped, rounded) picture
            // is resized, which differs by a few levels only beside clipped highlights.
            XCTAssertLessThan(mean, 0.3, "mean difference in 8-bit levels", file: file, line: line)
            XCTAssertLessThanOrEqual(maxDifference(got, expected), 8, file: file, line: line)
        }
        let s15 = try upscale(["--scale", "1.5"], "s15.png")
        XCTAssertEqual([s15.width, s15.height], [180, 120])
        try assertNear(s15, try upscale(["--model", "photo", "--scale", "2"], "x2.png"))
        let w300 = try upscale(["--width", "300"], "w300.png")
        XCTAssertEqual([w300.width, w300.height], [300, 200])
        try assertNear(w300, try upscale(["--scale", "3"], "x3.png"))
        let s6 = try upscale(["--model", "fidelity", "--scale", "6"], "s6.png")
        XCTAssertEqual([s6.width, s6.height], [720, 480])
    }

    /// On a small photo degraded the way phones degrade (halved, noise, JPEG
    /// quality 75), photo x2 gets closer to the original than fidelity x2,
    /// which sharpens the noise and the blocks along with the picture. (Against
    /// lanczos it is measured on Set14 by Benchmarks/quality/sr_eval.py --degraded.)
    func testPhotoBeatsFidelityOnADegradedPhoto() throws {
        let original = try Fixture.open(sample).floatPixels()   // 120×80
        var pixels = try Fixture.open(Self.goldens + "/chelsea-60.png").floatPixels()
        var seed: UInt64 = 1
        for i in pixels.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            pixels[i] += Float(Int(seed >> 61)) - 3.5   // uniform steps in [-3.5, 3.5], sigma 2.3 levels
        }
        let degraded = try Image.fromFloats(pixels.map { min(max($0, 0), 255) / 255 }, width: 60, height: 40, bands: 3)
        try Fixture.save(try Fixture.eightBit(degraded), dir + "/degraded.jpg[Q=75]")
        func score(_ model: String) throws -> Double {
            let out = try upscale(["--model", model, "--scale", "2"], model + ".png", input: dir + "/degraded.jpg")
            return psnr(try out.floatPixels(), original)
        }
        let photo = try score("photo"), fidelity = try score("fidelity")
        print("PSNR against the original: photo \(photo), fidelity \(fidelity)")
        XCTAssertGreaterThan(photo, fidelity + 0.2)
    }

    func testPresetListNamesTheUpscalers() throws {
        let r = try limn(["presets"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = String(decoding: r.stdout, as: UTF8.self)
        for name in ["photo_x2", "photo_x3", "photo_x4", "fidelity_x2", "fidelity_x3", "fidelity_x4"] {
            XCTAssertTrue(text.contains(name), "missing \(name) in:\n\(text)")
        }
    }
}
