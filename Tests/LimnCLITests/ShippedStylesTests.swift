import Foundation
@testable import LimnImage
import XCTest

/// `limn stylize` with the style presets shipped in Presets/.
final class ShippedStylesTests: ShippedPresetsTestCase {
    func stylize(_ args: [String], _ out: String) throws -> [Float] {
        let r = try limn(["stylize"] + args + [sample, dir + "/" + out])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try Fixture.open(dir + "/" + out).floatPixels()
    }

    /// The whole command (working size, shared statistics, tiles, lanczos back
    /// to full size) against its committed output; the network itself is
    /// checked against PyTorch in LimnTests.PresetTests. The golden is this command's
    /// output when the preset was shipped: `limn stylize --style starry-night Goldens/chelsea-120.png`.
    func testStarryNightGolden() throws {
        let out = try stylize(["--style", "starry-night"], "out.png")
        let golden = try Fixture.open(ShippedStylesTests.goldens + "/stylize-starry-night-chelsea-120.png").floatPixels()
        XCTAssertEqual(out.count, golden.count)
        XCTAssertLessThanOrEqual(maxDifference(out, golden), 2, "largest difference in 8-bit levels")
        let sum = zip(out, golden).reduce(Float(0)) { $0 + abs($1.0 - $1.1) }
        XCTAssertLessThan(sum / Float(out.count), 0.1, "mean difference in 8-bit levels")
    }

    /// Different styles give different pictures, and a blend of two (their norms
    /// interpolated) is a third picture between them, not their average.
    func testBlendOfTwoStyles() throws {
        let a = try stylize(["--style", "starry-night"], "a.png")
        let b = try stylize(["--style", "great-wave"], "b.png")
        let mix = try stylize(["--style", "starry-night=0.25,great-wave=0.75"], "mix.png")
        func mean(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).reduce(Float(0)) { $0 + abs($1.0 - $1.1) } / Float(x.count) }
        XCTAssertGreaterThan(mean(a, b), 10, "mean difference between two styles, 8-bit levels")
        XCTAssertLessThan(mean(mix, b), mean(mix, a), "a blend 3:1 toward great-wave is nearer great-wave")
        XCTAssertGreaterThan(mean(mix, zip(a, b).map { 0.25 * $0 + 0.75 * $1 }), 1, "not an average of pictures")
        XCTAssertEqual(try stylize(["--style", "starry-night=1,great-wave=0"], "zero.png"), a)
    }

    /// --strength blends toward the original; --preserve-colors keeps its chroma.
    func testStrengthAndPreservedColours() throws {
        let full = try stylize(["--style", "the-scream"], "full.png")
        let half = try stylize(["--style", "the-scream", "--strength", "0.5"], "half.png")
        let original = try Fixture.open(sample).floatPixels()
        XCTAssertLessThanOrEqual(maxDifference(half, zip(full, original).map { ($0 + $1) / 2 }), 1.5)
        let kept = try stylize(["--style", "the-scream", "--preserve-colors"], "kept.png")
        func chroma(_ p: [Float], _ i: Int) -> (Float, Float) {
            (-0.168736 * p[i] - 0.331264 * p[i + 1] + 0.5 * p[i + 2], 0.5 * p[i] - 0.418688 * p[i + 1] - 0.081312 * p[i + 2])
        }
        // Mean chroma differences in 8-bit levels (where a painted luminance meets a saturated
        // colour, clipping to the gamut moves a few pixels' chroma more).
        var moved: Float = 0, drift: Float = 0
        for i in stride(from: 0, to: kept.count, by: 3) {
            let (a, b) = chroma(kept, i), (c, d) = chroma(original, i), (e, f) = chroma(full, i)
            drift += abs(a - c) + abs(b - d)
            moved += abs(e - c) + abs(f - d)
        }
        let pixels = Float(kept.count / 3)
        print("chroma moved by the style \(moved / pixels), with --preserve-colors \(drift / pixels)")
        XCTAssertLessThan(drift / pixels, 0.5, "--preserve-colors keeps the original's chroma")
        XCTAssertGreaterThan(moved / pixels, 10, "the style alone does change the colours")
    }

    func testPresetListNamesPaintingsAndLicences() throws {
        let r = try limn(["presets"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = String(decoding: r.stdout, as: UTF8.self)
        for line in ["starry-night", "Vincent van Gogh, The Starry Night (1889); public domain", "great-wave", "the-scream",
                     "cafe-terrace", "Vincent van Gogh, Cafe Terrace at Night (1888); public domain"] {
            XCTAssertTrue(text.contains(line), "missing \(line) in:\n\(text)")
        }
        // Twelve or more styles, each "artist, title (date); licence"; none of unknown origin.
        let styles = text.components(separatedBy: "style:\n")[1].components(separatedBy: "\n").prefix { $0.hasPrefix("  ") }
        XCTAssertGreaterThanOrEqual(styles.count, 12, text)
        for line in styles { XCTAssertTrue(line.hasSuffix("; public domain"), line) }
        XCTAssertFalse(text.contains("mosaic"), text)
    }
}
