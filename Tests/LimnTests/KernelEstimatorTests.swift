import Foundation
import Limn
import LimnEngine
import XCTest

/// The Swift kernel estimator against its NumPy reference, Training/limn_train/kernel_estimate.py
/// (`--golden` wrote Goldens/kernel-estimate.safetensors), and the transforms it rests on.
final class KernelEstimatorTests: XCTestCase {
    func testTransformsMatchDirectSums() {
        for n in [1, 2, 3, 8, 12, 15, 17, 45, 64] {
            let x = (0..<n).map { sin(Double($0) * 1.3) + 0.1 * Double($0) }
            var re = x, im = x.map { cos($0) }
            let (r0, i0) = (re, im)
            FFT(n).transform(&re, &im, inverse: false)
            for k in 0..<n {
                var sr = 0.0, si = 0.0
                for j in 0..<n {
                    let a = -2 * Double.pi * Double(j * k) / Double(n)
                    sr += r0[j] * cos(a) - i0[j] * sin(a)
                    si += r0[j] * sin(a) + i0[j] * cos(a)
                }
                XCTAssertEqual(re[k], sr, accuracy: 1e-9, "n \(n) k \(k)")
                XCTAssertEqual(im[k], si, accuracy: 1e-9, "n \(n) k \(k)")
            }
            FFT(n).transform(&re, &im, inverse: true)
            for j in 0..<n {
                XCTAssertEqual(re[j], r0[j], accuracy: 1e-12)
                XCTAssertEqual(im[j], i0[j], accuracy: 1e-12)
            }
        }
    }

    /// The pruned 2-D transforms skip only work whose result is zero or unused.
    func testPrunedTransformsMatchFull() {
        let (h, w) = (18, 24)
        let fft = FFT2D(height: h, width: w)
        // Nonzero in columns 0...2 and 21...23 only, like a small kernel centred at the origin.
        let columns = [0..<3, 21..<24]
        let image = (0..<(h * w)).map { i in columns.contains { $0.contains(i % w) } ? sin(Double(i) * 0.7) : 0 }
        let full = fft.forward(image), pruned = fft.forward(image, nonzeroColumns: columns)
        XCTAssertEqual(pruned.re, full.re)
        XCTAssertEqual(pruned.im, full.im)
        let back = fft.inverseReal(full), rows = [0..<4, 15..<18]
        let some = fft.inverseReal(full, rows: rows)
        for i in 0..<(h * w) {
            XCTAssertEqual(some[i], rows.contains { $0.contains(i / w) } ? back[i] : 0, "element \(i)")
        }
    }

    func testEstimateMatchesNumPyReference() throws {
        let golden = try SafeTensorsFile(path: PresetTests.repo + "/Tests/LimnTests/Goldens/kernel-estimate.safetensors")
        let shape = try XCTUnwrap(golden.entries["blurred"]).shape
        let blurred = try golden.floats("blurred").map(Double.init)
        let expected = try golden.floats("kernel").map(Double.init)
        let start = Date()
        let k = KernelEstimator().estimate(blurred, height: shape[0], width: shape[1])
        print("estimate: \(Date().timeIntervalSince(start)) s, energy \(k.energy)")
        XCTAssertEqual(k.values.count, expected.count)
        let diff = zip(k.values, expected).map { abs($0 - $1) }.max()!
        print("max difference \(diff), peak \(expected.max()!)")
        XCTAssertLessThan(diff, 1e-7)   // the README's "within 10⁻⁷"; 4.8e-8 measured
    }

    /// An image of a size with other prime factors is estimated as if mirrored out to a
    /// 2-3-smooth size: a 93 x 101 blurred crop gives the estimate of its 96 x 108 mirror
    /// (kernels up to 9 px, to keep the test short).
    func testEstimateMirrorsToSmoothSize() throws {
        XCTAssertEqual([255, 256, 250, 97, 5, 1, 163].map(KernelEstimator.smoothAbove), [256, 256, 256, 108, 6, 1, 192])
        let golden = try SafeTensorsFile(path: PresetTests.repo + "/Tests/LimnTests/Goldens/kernel-estimate.safetensors")
        let w = try XCTUnwrap(golden.entries["blurred"]).shape[1]
        let blurred = try golden.floats("blurred").map(Double.init)
        let rows = (40..<133).map { i in Array(blurred[(i * w + 40)..<(i * w + 141)]) }   // 93 x 101
        // 1 row above and 2 below, 3 columns left and 4 right, each edge sample repeated as in NumPy's 'symmetric'.
        let tall = [rows[0]] + rows + rows.suffix(2).reversed()
        let mirror = tall.map { r in r.prefix(3).reversed() + r + r.suffix(4).reversed() }
        var estimator = KernelEstimator()
        estimator.largest = 9
        let k = estimator.estimate(rows.flatMap { $0 }, height: 93, width: 101)
        XCTAssertEqual(k.values, estimator.estimate(mirror.flatMap { $0 }, height: 96, width: 108).values)
        XCTAssertNotEqual(k, .delta(9))
    }

    /// A flat image has nothing to fit: mirrored out to 81 x 96, its estimate is the
    /// estimator's own delta (before, at 80 x 96, a diffuse fit to rounding noise), and the
    /// gate leaves it out.
    func testFlatImageIsLeftAlone() {
        let k = KernelEstimator().estimate([Double](repeating: 0.5, count: 80 * 96), height: 80, width: 96)
        XCTAssertEqual(k, .delta(KernelEstimator().largest))
        XCTAssertFalse(Deconvolution.gate.contains(k.energy))
        XCTAssertEqual(Deconvolution(kernel: k).kernel, .delta(1))
    }
}
