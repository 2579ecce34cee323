import Foundation
import Limn
import LimnEngine
import LimnImage
import Synchronization
import XCTest

/// The deconvolution `limn enhance` feeds its fused network: the filter against
/// the NumPy reference, tiled against one pass, the gate, and that it undoes a
/// known blur.
final class DeconvolutionTests: XCTestCase {
    let golden = Result { try SafeTensorsFile(path: PresetTests.repo + "/Tests/LimnTests/Goldens/kernel-estimate.safetensors") }

    /// A kernel of the fixture: "kernel" (estimated) or "true_kernel".
    static func kernel(_ name: String) throws -> BlurKernel {
        let g = try SafeTensorsFile(path: PresetTests.repo + "/Tests/LimnTests/Goldens/kernel-estimate.safetensors")
        let size = try XCTUnwrap(g.entries[name]).shape[0]
        return BlurKernel(size: size, values: try g.floats(name).map(Double.init))
    }
    func kernel(_ name: String) throws -> BlurKernel { try Self.kernel(name) }

    /// Samples/chelsea.jpg at `width` x `height`, RGB in [0, 1].
    func photo(_ width: Int, _ height: Int) throws -> Image {
        try Vips.start()
        return try ImageReader(sequential: false).read(.file(PresetTests.repo + "/Samples/chelsea.jpg"))
            .linear(1.0 / 255, 0).resampled(width: width, height: height)
    }

    /// The estimate runs before any output block, so it reports its own progress, as the
    /// first part of the run, and stops at the first report once the run is cancelled.
    func testEstimateReportsProgressAndStopsWhenCancelled() throws {
        let rgb = try photo(128, 96)
        let seen = Mutex<[Double]>([])
        let control = RunControl { fraction in seen.withLock { $0.append(fraction) } }
        let pixels = rgb.width * rgb.height
        let d = try Deconvolution(estimatingFrom: rgb, control: control)
        XCTAssertEqual(d.estimate, try Deconvolution(estimatingFrom: rgb).estimate)
        let fractions = seen.withLock { $0 }
        let share = Deconvolution.estimateShare(estimatePixels: rgb.width * rgb.height, outputPixels: pixels)
        XCTAssertGreaterThan(fractions.count, 10)
        XCTAssertEqual(fractions, fractions.sorted())
        XCTAssertEqual(fractions.last!, share, accuracy: 0.01)

        let reports = Mutex(0)
        let target = Mutex<RunControl?>(nil)
        let cancelling = RunControl { _ in
            reports.withLock { $0 += 1 }
            target.withLock { $0?.cancel() }
        }
        target.withLock { $0 = cancelling }
        XCTAssertThrowsError(try Deconvolution(estimatingFrom: rgb, control: cancelling)) {
            XCTAssertEqual(($0 as? LimnError)?.kind, .cancelled, "\($0)")
        }
        XCTAssertEqual(reports.withLock { $0 }, 1)
    }

    func testFilterMatchesNumPyReference() throws {
        let d = Deconvolution(kernel: try kernel("kernel"))
        let expected = try golden.get().floats("filter")
        XCTAssertEqual(d.filter.count, expected.count)
        let diff = zip(d.filter, expected).map { abs($0 - Double($1)) }.max()!
        XCTAssertLessThan(diff, 1e-6)
    }

    func testGateLeavesSharpAndDiffuseEstimatesOut() throws {
        let blur = try kernel("kernel")
        XCTAssertEqual(Deconvolution(kernel: blur).kernel, blur)
        // A near-delta blob (what a sharp photo gives) and a diffuse smear (a failed estimate).
        var blob = [Double](repeating: 0, count: 9)
        blob[4] = 0.5
        for i in [1, 3, 5, 7] { blob[i] = 0.125 }
        let diffuse = [Double](repeating: 1.0 / 225, count: 225)
        for k in [BlurKernel(size: 3, values: blob), BlurKernel(size: 15, values: diffuse)] {
            XCTAssertEqual(Deconvolution(kernel: k).kernel, .delta(1), "energy \(k.energy)")
        }
    }

    func testTiledEqualsOnePass() throws {
        let img = try photo(150, 100)
        let d = Deconvolution(kernel: try kernel("kernel"))
        let whole = try img.tiled(d.blockFunction, block: 256).floatPixels()
        XCTAssertEqual(whole.count, 150 * 100 * 3)
        for block in [24, 40] {
            let tiled = try img.tiled(d.blockFunction, block: block).floatPixels()
            XCTAssertLessThan(maxDifference(tiled, whole), 1e-5, "block \(block)")
        }
    }

    /// A photo blurred by the fixture's camera shake, deconvolved with that kernel, comes back
    /// closer to the sharp photo; with a delta, the image is nearly unchanged.
    func testUndoesAKnownBlur() throws {
        let (w, h) = (200, 150)
        let sharp = try photo(w, h).floatPixels()
        let k = try kernel("true_kernel")
        let r = k.size / 2
        // Convolution with mirrored borders (as the tiled operator pads).
        func mirror(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }
        var blurred = [Float](repeating: 0, count: sharp.count)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var s = 0.0
                    for i in 0..<k.size {
                        for j in 0..<k.size where k.values[i * k.size + j] != 0 {
                            s += k.values[i * k.size + j] * Double(sharp[(mirror(y - i + r, h) * w + mirror(x - j + r, w)) * 3 + c])
                        }
                    }
                    blurred[(y * w + x) * 3 + c] = Float(s)
                }
            }
        }
        func psnr(_ a: [Float], bands: Int, band0: Int) -> Double {
            // The central part: the mirrored border is not the blur the kernel describes.
            var se = 0.0, n = 0
            for y in 24..<(h - 24) {
                for x in 24..<(w - 24) {
                    for c in 0..<3 {
                        let e = Double(a[(y * w + x) * bands + band0 + c]) - Double(sharp[(y * w + x) * 3 + c])
                        se += e * e
                        n += 1
                    }
                }
            }
            return 10 * log10(Double(n) / se)
        }
        let input = try Image.fromFloats(blurred, width: w, height: h, bands: 3)
        let out = try input.tiled(Deconvolution(kernel: k).blockFunction, block: 64).floatPixels()
        let before = psnr(blurred, bands: 3, band0: 0), after = psnr(out, bands: 3, band0: 0)
        print("known blur: \(before) dB -> \(after) dB")
        XCTAssertGreaterThan(after, before + 4)
        let same = try input.tiled(Deconvolution(kernel: .delta(1)).blockFunction, block: 64).floatPixels()
        XCTAssertGreaterThan(psnr(same, bands: 3, band0: 0), before - 0.5)
    }
}
