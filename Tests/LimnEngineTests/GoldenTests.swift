import CLimnEngine
import Foundation
@testable import LimnEngine
import XCTest

/// Every architecture against PyTorch on the same weights and input
/// (limn_train.make_test_models wrote the fixtures).
final class GoldenTests: XCTestCase {
    func check(_ arch: String, variant: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        var net = try Architectures.load(path: fixture("\(arch)\(variant).safetensors"))
        XCTAssertEqual(type(of: net).architecture, arch)
        let golden = try SafeTensorsFile(path: fixture("\(arch)\(variant).golden.safetensors"))
        if golden.entries["mix"] != nil {   // a blend of styles
            net = try XCTUnwrap(net as? StyleNet).blended(try golden.floats("mix").map(Double.init))
        }
        let inShape = try XCTUnwrap(golden.entries["input"]).shape
        let outShape = try XCTUnwrap(golden.entries["output"]).shape
        let x = Tensor(height: inShape[0], width: inShape[1], channels: inShape[2], values: try golden.floats("input"))
        let y = try net.forward(x)
        XCTAssertEqual([y.height, y.width, y.channels], outShape, file: file, line: line)
        let err = relativeError(y.values, try golden.floats("output"))
        print("\(arch): max relative error \(err)")
        XCTAssertLessThan(err, 1e-4, file: file, line: line)
    }

    /// A blend of three styles: the norms' rows interpolated.
    func testStyleNetMatchesPyTorch() throws { try check("style_net") }

    func testStyleNetNamesAndBlends() throws {
        let net = try XCTUnwrap(Architectures.load(path: fixture("style_net.safetensors")) as? StyleNet)
        XCTAssertEqual(net.styleNames, ["first", "second", "third"])
        XCTAssertEqual(net.mix, [1, 0, 0])
        XCTAssertEqual(try net.blended([3, 1, 0]).mix, [0.75, 0.25, 0])
        // Weights near the largest Double still normalise.
        XCTAssertEqual(try net.blended([.greatestFiniteMagnitude, .greatestFiniteMagnitude, 0]).mix, [0.5, 0.5, 0])
        for bad in [[0.0, 0, 0], [1, -1, 1], [.nan, 1, 1], [.infinity, 1, 1], [1, 1]] {
            XCTAssertThrowsError(try net.blended(bad), "\(bad)")
        }
        // A blend of one style is that style: the same output.
        var rng = Random(4)
        let x = rng.tensor(16, 20, 3)
        XCTAssertEqual(try net.blended([0, 2, 0]).forward(x).values,
                       try net.blended([0, 1, 0]).forward(x).values)
        XCTAssertNotEqual(try net.forward(x).values, try net.blended([0, 1, 0]).forward(x).values)
    }
    /// A large input goes through the deblurrer's blocks in strips of rows (with a row of
    /// overlap for the depthwise convolution): the same values as in one piece.
    func testDeblurBlocksInStripsEqualWhole() throws {
        let net = try XCTUnwrap(Architectures.load(path: fixture("deblur_net.safetensors")) as? DeblurNet)
        let block = try XCTUnwrap(net.encoders.first?.first)
        var rng = Random(8)
        let x = rng.tensor(29, 31, net.width)
        let whole = try block(x.copy(), stripFloats: .max)
        for rows in [8, 9, 13] {
            let striped = try block(x.copy(), stripFloats: rows * 31 * net.width)
            XCTAssertLessThan(relativeError(striped.values, whole.values), 1e-6, "strips of \(rows) rows")
        }
    }

    func testCompactSRMatchesPyTorch() throws { try check("compact_sr") }
    func testSRNetMatchesPyTorch() throws { try check("sr_net") }
    func testDeblurNetMatchesPyTorch() throws { try check("deblur_net") }
    /// Six input channels (image, deconvolution), a gate between them.
    func testFusedDeblurNetMatchesPyTorch() throws { try check("deblur_net", variant: "_fused") }

    /// A network given the wrong number of channels throws instead of reading past its input
    /// (the fused deblurrer reads six before its first convolution could check).
    func testWrongChannelCountThrows() throws {
        for (arch, channels) in [("deblur_net_fused", 3), ("deblur_net", 6), ("sr_net", 1)] {
            let net = try Architectures.load(path: fixture("\(arch).safetensors"))
            var rng = Random(5)
            XCTAssertThrowsError(try net.forward(rng.tensor(16, 16, channels)), arch) { error in
                XCTAssertTrue("\(error)".contains("channels"), "\(arch): \(error)")
            }
        }
    }

    /// The tiled operator runs one network from several threads at once
    /// (oneDNN primitives shared, scratchpads per call): results must not change.
    func testConcurrentForwardPassesAgree() throws {
        for arch in ["style_net", "compact_sr", "sr_net", "deblur_net"] {
            let net = try Architectures.load(path: fixture("\(arch).safetensors"))
            var rng = Random(11)
            let inputs = (0..<8).map { _ in rng.tensor(24, 28, 3) }
            let serial = try inputs.map { try net.forward($0).values }
            let lock = NSLock()
            nonisolated(unsafe) var parallel = [[Float]](repeating: [], count: inputs.count)
            DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
                limn_engine_set_threads(1)
                let y = try? net.forward(inputs[i]).values
                lock.withLock { parallel[i] = y ?? [] }
            }
            XCTAssertEqual(parallel, serial, arch)
        }
    }

    /// Each architecture's `macs` (what the benchmarks divide by) is what its convolutions run.
    func testMACsAreWhatTheConvolutionsRun() throws {
        for arch in ["style_net", "compact_sr", "sr_net", "deblur_net", "deblur_net_fused"] {
            let net = try Architectures.load(path: fixture("\(arch).safetensors"))
            var rng = Random(12)
            let (h, w) = (48, 64)
            let x = rng.tensor(h, w, net.inputChannels)
            let counted = try Conv2D.countingMACs { _ = try net.forward(x) }
            XCTAssertEqual(net.macs(height: h, width: w), counted, arch)
        }
    }

    /// Statistics recorded on one pass and supplied to another reproduce it.
    func testInstanceNormStatisticsFromOutside() throws {
        let net = try Architectures.load(path: fixture("style_net.safetensors"))
        var rng = Random(3)
        let x = rng.tensor(16, 20, 3)
        let stats = NormStats()
        let recorded = try net.forward(x, NormContext(.record(stats)))
        XCTAssertEqual(stats.count, 3 + 2 * 2 + 2)   // down, residual, up
        let reused = try net.forward(x, NormContext(.use(stats)))
        XCTAssertEqual(recorded.values, reused.values)
        // Other statistics give another picture.
        let other = try net.forward(rng.tensor(16, 20, 3), NormContext(.use(stats)))
        XCTAssertNotEqual(other.values, try net.forward(other, NormContext()).values)
    }
}
