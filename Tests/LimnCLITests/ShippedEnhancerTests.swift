import Foundation
@testable import LimnImage
import XCTest

/// `limn enhance` with the deblurring network shipped in Presets/. The network
/// itself is checked against PyTorch in LimnTests.PresetTests; its quality on
/// Levin09 and Set14 is measured by Benchmarks/quality/deblur_eval.py.
final class ShippedEnhancerTests: ShippedPresetsTestCase {
    /// The default model on the sample, whole command, against its committed output.
    func testGolden() throws {
        try assertMatchesGolden(try run("enhance", [], "out.png"), "enhance-deblur-chelsea-120.png")
    }

    /// A Gaussian blur (sigma 1.5 px, like slight defocus) of the sample comes
    /// back closer to the original (measured: 26.5 -> 29.6 dB); the sharp sample
    /// itself comes back nearly unchanged (45.1 dB).
    func testDeblursAndDoesNoHarm() throws {
        let original = try Fixture.open(sample)
        let (w, h, bands) = (original.width, original.height, original.bands)
        let pixels = try original.floatPixels()
        let taps = (-5...5).map { exp(-Float($0 * $0) / (2 * 1.5 * 1.5)) }
        let norm = taps.reduce(0, +)
        func blur(_ p: [Float], dx: Int, dy: Int) -> [Float] {   // one separable pass, edges repeated
            var out = p
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<bands {
                        var sum: Float = 0
                        for (i, t) in taps.enumerated() {
                            let xx = min(max(x + (i - 5) * dx, 0), w - 1), yy = min(max(y + (i - 5) * dy, 0), h - 1)
                            sum += t * p[(yy * w + xx) * bands + c]
                        }
                        out[(y * w + x) * bands + c] = sum / norm
                    }
                }
            }
            return out
        }
        let blurred = blur(blur(pixels, dx: 1, dy: 0), dx: 0, dy: 1)
        try Fixture.save(try Fixture.eightBit(try Image.fromFloats(blurred.map { $0 / 255 }, width: w, height: h,
                                                                   bands: bands)), dir + "/blurred.png")
        let before = psnr(try Fixture.open(dir + "/blurred.png").floatPixels(), pixels)
        let after = psnr(try run("enhance", [], "deblurred.png", input: dir + "/blurred.png").floatPixels(), pixels)
        let sharp = psnr(try run("enhance", [], "sharp.png").floatPixels(), pixels)
        print("PSNR against the original: blurred \(before), deblurred \(after); sharp through enhance \(sharp)")
        XCTAssertGreaterThan(after, before + 1.5)
        XCTAssertGreaterThan(sharp, 35)
    }

    /// A tall JPEG (strictly sequential decoding) through the shipped network's 384-px blocks
    /// and 88-px halos: read twice from a file, its rows cached between the deconvolution and
    /// the network, it streams without an out-of-order read and equals the picture read whole
    /// from standard input.
    func testTallFileStreamsAsStandardInput() throws {
        try Fixture.save(try Fixture.open(sample).resampled(width: 96, height: 2400, kernel: .lanczos3), dir + "/tall.jpg")
        let file = try limn(["enhance", dir + "/tall.jpg", dir + "/file.png"])
        XCTAssertEqual(file.status, 0, file.stderr)
        let piped = try limn(["enhance", "-", dir + "/stdin.png"], stdin: try Data(contentsOf: URL(fileURLWithPath: dir + "/tall.jpg")))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try Fixture.open(dir + "/file.png").floatPixels(), try Fixture.open(dir + "/stdin.png").floatPixels())
    }

    /// --strength 0.5 lands halfway between the input and the full result
    /// (where the full result was not clipped: the blend takes the network's
    /// unclipped output).
    func testStrengthBlends() throws {
        let input = try Fixture.open(sample).floatPixels()
        let full = try run("enhance", [], "full.png").floatPixels()
        let half = try run("enhance", ["--strength", "0.5"], "half.png").floatPixels()
        let unclipped = full.indices.filter { full[$0] > 0 && full[$0] < 255 }
        XCTAssertGreaterThan(unclipped.count, full.count * 9 / 10)
        XCTAssertLessThanOrEqual(maxDifference(unclipped.map { half[$0] }, unclipped.map { (full[$0] + input[$0]) / 2 }), 1)
    }

    /// Alpha is kept, and the colour of transparent pixels does not bleed into
    /// visible ones (the network sees premultiplied colour).
    func testAlphaKeptAndTransparentColourDoesNotBleed() throws {
        try Fixture.save(try Fixture.greyBesideTransparent(size: 32), dir + "/alpha.png")
        let out = try run("enhance", [], "out.png", input: dir + "/alpha.png")
        XCTAssertEqual([out.width, out.height], [32, 32])
        try Fixture.assertNoRedBleeds(out, minAlpha: 0, accuracy: 8, "enhance")
        let q = try out.floatPixels()
        for i in stride(from: 3, to: q.count, by: 4) where q[i] > 0 { XCTAssertEqual(q[i], 255, "alpha kept") }
    }
}
