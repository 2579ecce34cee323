import CLimnEngine
import Foundation
@testable import LimnEngine
import XCTest

/// The fast operations against plain references, on odd shapes.
final class OperationTests: XCTestCase {
    func testConvolutionAgainstReference() throws {
        var rng = Random(1)
        // (in, out, kernel, stride, pad, dilation, groups, h, w)
        let cases = [(3, 5, 3, 1, 1, 1, 1, 7, 9), (12, 13, 3, 2, 1, 1, 1, 11, 6), (8, 8, 3, 1, 2, 2, 1, 9, 10),
                     (12, 12, 3, 1, 1, 1, 12, 7, 12), (12, 6, 5, 1, 2, 1, 3, 13, 7), (16, 4, 1, 1, 0, 1, 1, 5, 3),
                     (3, 7, 9, 1, 0, 1, 1, 12, 14), (64, 64, 3, 1, 1, 1, 1, 10, 11),
                     // Few output channels: the row-decomposed path.
                     (32, 3, 9, 1, 4, 1, 1, 12, 14), (8, 2, 3, 1, 1, 1, 1, 5, 9), (5, 4, 5, 1, 0, 1, 1, 9, 7),
                     (6, 3, 3, 2, 1, 1, 1, 9, 8)]
        for (ic, oc, k, s, p, d, g, h, w) in cases {
            let x = rng.tensor(h, w, ic)
            let wts = rng.array(oc * ic / g * k * k, scale: 0.3), bias = rng.array(oc)
            let conv = try Conv2D(weights: wts, bias: bias, inChannels: ic, outChannels: oc, kernel: k, stride: s,
                                  padding: p, dilation: d, groups: g)
            let ref = referenceConv(x, weights: wts, bias: bias, outC: oc, k: k, stride: s, pad: p, dilation: d, groups: g)
            let y = try conv(x)
            XCTAssertEqual([y.height, y.width, y.channels], [ref.height, ref.width, ref.channels])
            XCTAssertLessThan(relativeError(y.values, ref.values), 1e-5, "\(ic)->\(oc) k\(k) s\(s) d\(d) g\(g)")
            // A second size reuses the weights in their reordered layout.
            let x2 = rng.tensor(h + 3, w + 1, ic)
            let ref2 = referenceConv(x2, weights: wts, bias: bias, outC: oc, k: k, stride: s, pad: p, dilation: d, groups: g)
            XCTAssertLessThan(relativeError(try conv(x2).values, ref2.values), 1e-5)
        }
    }

    func testFusedActivationsAndAccumulation() throws {
        var rng = Random(2)
        for oc in [8, 3] {   // the oneDNN post-ops, and the few-channel path's own
            let x = rng.tensor(6, 7, 4)
            let wts = rng.array(oc * 4 * 9, scale: 0.5), bias = rng.array(oc)
            let plain = try Conv2D(weights: wts, bias: bias, inChannels: 4, outChannels: oc, kernel: 3, padding: 1)
            for act in [Activation.relu, .leakyReLU(0.1), .silu, .gelu, .sigmoid, .tanh] {
                let fused = try Conv2D(weights: wts, bias: bias, inChannels: 4, outChannels: oc, kernel: 3, padding: 1,
                                       activation: act)
                let separate = try plain(x)
                act.applyReference(separate)
                XCTAssertLessThan(relativeError(try fused(x).values, separate.values), 1e-5, "\(act) oc \(oc)")
            }
            let residual = rng.tensor(6, 7, oc)
            let expected = try plain(x) + residual
            let acc = try Conv2D(weights: wts, bias: bias, inChannels: 4, outChannels: oc, kernel: 3, padding: 1,
                                 accumulates: true)
            XCTAssertLessThan(relativeError(try acc(x, adding: residual.copy()).values, expected.values), 1e-6)
        }
    }

    /// Winograd convolutions chain in the blocked layout, accumulate into a
    /// residual, and hand back NHWC to everything else.
    func testBlockedLayoutChain() throws {
        var rng = Random(8)
        let x = rng.tensor(20, 18, 32)
        let w1 = rng.array(32 * 32 * 9, scale: 0.1), b1 = rng.array(32)
        let w2 = rng.array(32 * 32 * 9, scale: 0.1), b2 = rng.array(32)
        let c1 = try Conv2D(weights: w1, bias: b1, inChannels: 32, outChannels: 32, kernel: 3, padding: 1, activation: .relu)
        let c2 = try Conv2D(weights: w2, bias: b2, inChannels: 32, outChannels: 32, kernel: 3, padding: 1, accumulates: true)
        let y = try c2(c1(x), adding: x.copy())
        let mid = referenceConv(x, weights: w1, bias: b1, outC: 32, k: 3, stride: 1, pad: 1, dilation: 1, groups: 1)
        Activation.relu.applyReference(mid)
        let ref = referenceConv(mid, weights: w2, bias: b2, outC: 32, k: 3, stride: 1, pad: 1, dilation: 1, groups: 1) + x
        XCTAssertLessThan(relativeError(y.values, ref.values), 1e-5)
        // Element-wise operations in the blocked layout, and mixed layouts.
        let z = try c1(x)
        XCTAssertLessThan(relativeError((z + z).values, z.values.map { 2 * $0 }), 1e-6)
        XCTAssertLessThan(relativeError((z * x).values, zip(z.values, x.values).map { $0 * $1 }), 1e-6)
        XCTAssertEqual(z.copy().values, z.values)
    }

    /// Between the images of a batch the plans and scratchpads are freed; a convolution
    /// (the Winograd kind, and the few-outputs one with its inner row convolution) then
    /// makes them again and gives the same result, also while another thread runs it.
    func testReleasedPlansAreMadeAgain() throws {
        var rng = Random(11)
        let x = rng.tensor(20, 18, 32)
        let wino = try Conv2D(weights: rng.array(32 * 32 * 9, scale: 0.1), bias: rng.array(32), inChannels: 32,
                              outChannels: 32, kernel: 3, padding: 1)
        let rows = try Conv2D(weights: rng.array(3 * 32 * 81, scale: 0.1), bias: rng.array(3), inChannels: 32,
                              outChannels: 3, kernel: 9, padding: 4)
        let before = [try wino(x).copy().values, try rows(x).values]
        Engine.releaseCachedBuffers()
        XCTAssertEqual([try wino(x).copy().values, try rows(x).values], before)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            if i % 2 == 0 { Engine.releaseCachedBuffers() }
            XCTAssertEqual(try? rows(x).values, before[1])
        }
    }

    /// Which oneDNN kernel runs each kind of convolution: Winograd for 3x3 with
    /// channels in sixteens where the CPU has AVX-512, direct kernels otherwise.
    func testKernelThatRuns() throws {
        var rng = Random(9)
        func conv(_ ic: Int, _ oc: Int, _ k: Int, _ act: Activation = .none) throws -> Conv2D {
            try Conv2D(weights: rng.array(oc * ic * k * k), bias: rng.array(oc), inChannels: ic, outChannels: oc,
                       kernel: k, padding: k / 2, activation: act)
        }
        let avx512 = Engine.instructionSet.hasPrefix("avx512")
        let wino = try conv(32, 32, 3).kernelName(height: 20, width: 18)
        XCTAssertEqual(wino.contains("wino"), avx512, wino)
        XCTAssertEqual(try conv(32, 32, 3, .leakyReLU(0.05)).kernelName(height: 20, width: 18).contains("wino"), avx512)
        for (name, c) in [("1x1", try conv(32, 32, 1)), ("odd channels", try conv(12, 13, 3)), ("few outputs", try conv(32, 3, 9))] {
            let kernel = try c.kernelName(height: 20, width: 18)
            XCTAssertFalse(kernel.contains("wino"), "\(name): \(kernel)")
            XCTAssertFalse(kernel.contains("ref"), "\(name) fell back to oneDNN's reference kernel: \(kernel)")
        }
    }

    /// The Winograd kernel cannot fuse LeakyReLU: the activation runs as a separate
    /// pass over its blocked output, and the result still matches the reference.
    func testWinogradWithSeparateActivation() throws {
        var rng = Random(10)
        let x = rng.tensor(20, 18, 48)
        let w = rng.array(48 * 48 * 9, scale: 0.1), b = rng.array(48)
        let conv = try Conv2D(weights: w, bias: b, inChannels: 48, outChannels: 48, kernel: 3, padding: 1,
                              activation: .leakyReLU(0.05))
        let ref = referenceConv(x, weights: w, bias: b, outC: 48, k: 3, stride: 1, pad: 1, dilation: 1, groups: 1)
        Activation.leakyReLU(0.05).applyReference(ref)
        let y = try conv(x)
        XCTAssertEqual(y.blocked, Engine.instructionSet.hasPrefix("avx512"))
        XCTAssertLessThan(relativeError(y.values, ref.values), 1e-5)
        XCTAssertTrue(ref.values.contains { $0 < 0 }, "the slope was exercised")
    }

    func testActivationValues() {
        let x = Tensor(height: 1, width: 4, channels: 1, values: [-2, -0.5, 0, 1.5])
        func run(_ a: Activation) -> [Float] { let t = x.copy(); a.apply(t); return t.values }
        XCTAssertEqual(run(.relu), [0, 0, 0, 1.5])
        XCTAssertEqual(run(.leakyReLU(0.1)), [-0.2, -0.05, 0, 1.5])
        let sigmoid: (Double) -> Double = { 1 / (1 + exp(-$0)) }
        let silu: (Double) -> Double = { $0 / (1 + exp(-$0)) }
        let gelu: (Double) -> Double = { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
        let tanhD: (Double) -> Double = { tanh($0) }
        let cases: [(Activation, (Double) -> Double)] = [(.sigmoid, sigmoid), (.tanh, tanhD), (.silu, silu), (.gelu, gelu)]
        for (a, f) in cases {
            for (got, v) in zip(run(a), x.values) { XCTAssertEqual(Double(got), f(Double(v)), accuracy: 1e-6) }
        }
        let p = PReLU(slope: [0.25])(x.copy())
        XCTAssertEqual(p.values, [-0.5, -0.125, 0, 1.5])
    }

    func testVectorisedActivationsMatchReference() {
        var rng = Random(9)
        let x = Tensor(height: 37, width: 29, channels: 5, values: rng.array(37 * 29 * 5, scale: 6))
        for act in [Activation.relu, .leakyReLU(0.2), .silu, .gelu, .sigmoid, .tanh] {
            let fast = x.copy(), slow = x.copy()
            act.apply(fast)
            act.applyReference(slow)
            XCTAssertLessThan(relativeError(fast.values, slow.values), 1e-5, "\(act)")
        }
    }

    func testPadding() {
        // One row 1 2 3, padded by 2 on the left and right.
        let x = Tensor(height: 1, width: 3, channels: 1, values: [1, 2, 3])
        XCTAssertEqual(x.padded(top: 0, bottom: 0, left: 2, right: 2, .zero).values, [0, 0, 1, 2, 3, 0, 0])
        XCTAssertEqual(x.padded(top: 0, bottom: 0, left: 2, right: 2, .reflect).values, [3, 2, 1, 2, 3, 2, 1])
        XCTAssertEqual(x.padded(top: 0, bottom: 0, left: 2, right: 2, .replicate).values, [1, 1, 1, 2, 3, 3, 3])
        let y = Tensor(height: 2, width: 1, channels: 2, values: [1, 10, 2, 20])
        XCTAssertEqual(y.padded(1, .reflect).values,
                       [2, 20, 2, 20, 2, 20, 1, 10, 1, 10, 1, 10, 2, 20, 2, 20, 2, 20, 1, 10, 1, 10, 1, 10])
    }

    /// Rows made on demand are the rows of the whole upsampled, padded tensor, and a
    /// convolution over them in strips is the convolution of that whole tensor.
    func testStripedConvolutionEqualsWhole() throws {
        var rng = Random(21)
        let t = rng.tensor(23, 37, 16)
        for (up, mode, pad, kernel, stride) in [(1, UpsampleMode.nearest, 4, 9, 1), (2, .nearest, 1, 3, 1),
                                                (2, .bilinear, 1, 3, 1), (1, .nearest, 1, 3, 2)] {
            let whole = (up == 1 ? t : t.upsampled(up, mode)).padded(pad, .reflect)
            for first in [0, 5, whole.height - 3] {
                let rows = t.upsampledPaddedRows(up, mode, pad: pad, .reflect, first: first, count: 3)
                XCTAssertEqual(rows.values, whole.cropped(top: first, left: 0, height: 3, width: whole.width).values,
                               "x\(up) \(mode), pad \(pad), rows from \(first)")
            }
            let conv = try Conv2D(weights: rng.array(16 * 16 * kernel * kernel, scale: 0.05), bias: rng.array(16),
                                  inChannels: 16, outChannels: 16, kernel: kernel, stride: stride, activation: .relu)
            // About 8 output rows per strip: several strips, the last one shorter.
            let striped = try conv(height: whole.height, width: whole.width, stripFloats: 8 * whole.width * 16 * stride) {
                t.upsampledPaddedRows(up, mode, pad: pad, .reflect, first: $0, count: $1)
            }
            XCTAssertLessThan(relativeError(striped.values, try conv(whole).values), 1e-5, "x\(up) \(mode), k \(kernel), s \(stride)")
        }
    }

    func testPixelShuffleFollowsPyTorchOrder() {
        // One pixel, 8 channels = 2 output channels x (2 x 2).
        let x = Tensor(height: 1, width: 1, channels: 8, values: (0..<8).map(Float.init))
        let y = x.pixelShuffled(2)
        XCTAssertEqual([y.height, y.width, y.channels], [2, 2, 2])
        // Output channel k at offset (i, j) takes input channel k*4 + i*2 + j.
        XCTAssertEqual(y.values, [0, 4, 1, 5, 2, 6, 3, 7])
    }

    func testUpsampling() {
        let x = Tensor(height: 1, width: 2, channels: 1, values: [0, 4])
        XCTAssertEqual(x.upsampled(2, .nearest).values, [0, 0, 4, 4, 0, 0, 4, 4])
        // align_corners=False: output centres at input 0.25 steps, clamped at the edges.
        XCTAssertEqual(x.upsampled(2, .bilinear).values, [0, 1, 3, 4, 0, 1, 3, 4])
        let t = x.upsampled(3, .bilinear).values
        for (got, want) in zip(t[0..<6], [0, 0, 4.0 / 3, 8.0 / 3, 4, 4]) { XCTAssertEqual(Double(got), want, accuracy: 1e-6) }
    }

    func testChannelOperations() {
        var rng = Random(4)
        let a = rng.tensor(3, 2, 3), b = rng.tensor(3, 2, 5)
        let joined = Tensor.concatenated([a, b])
        XCTAssertEqual(joined.channels, 8)
        XCTAssertEqual(joined.channels(0, 3).values, a.values)
        XCTAssertEqual(joined.channels(3, 5).values, b.values)
        XCTAssertEqual((a * a).values, a.values.map { $0 * $0 })
        XCTAssertEqual((a + a).values, a.values.map { $0 + $0 })
        let pooled = b.globalAveragePooled()
        for c in 0..<5 {
            let mean = (0..<6).map { b.values[$0 * 5 + c] }.reduce(0, +) / 6
            XCTAssertEqual(pooled[c], mean, accuracy: 1e-6)
        }
        let s = a.copy()
        s.scaleChannels([1, 2, 3])
        XCTAssertEqual(s[1, 1, 2], a[1, 1, 2] * 3)
    }

    /// NAFNet's simple gate, first half of the channels times the second, in
    /// NHWC (any even count) and in the blocked layout (halves of 16s).
    func testSimpleGate() {
        var rng = Random(11)
        for c in [2, 6, 32, 64] {
            let x = rng.tensor(5, 7, c)
            let expected = (x.channels(0, c / 2) * x.channels(c / 2, c / 2)).values
            XCTAssertEqual(x.simpleGate().values, expected, "\(c) channels")
            if c % 32 == 0 {
                let blocked = x.copy()
                blocked.ensureBlocked()
                let y = blocked.simpleGate()
                XCTAssertTrue(y.blocked)
                XCTAssertEqual(y.values, expected, "\(c) channels, blocked")
            }
        }
    }

    func testNormalisations() {
        var rng = Random(5)
        let x = rng.tensor(5, 4, 3)
        let ln = LayerNorm(gamma: [1, 1, 1], beta: [0, 0, 0])(x)
        for p in 0..<20 {
            let v = Array(ln.values[p * 3..<p * 3 + 3])
            XCTAssertEqual(v.reduce(0, +) / 3, 0, accuracy: 1e-5)
            XCTAssertEqual(v.map { $0 * $0 }.reduce(0, +) / 3, 1, accuracy: 1e-3)
        }
        let inorm = try! InstanceNorm(gamma: [2, 2, 2], beta: [1, 1, 1])(x.copy(), NormContext())
        for c in 0..<3 {
            let v = (0..<20).map { inorm.values[$0 * 3 + c] }
            XCTAssertEqual(v.reduce(0, +) / 20, 1, accuracy: 1e-5)
        }
    }

    /// Pool buckets: never smaller than asked, at most 12.5% larger, and shared by near sizes
    /// (a 1000x668x16 tensor and its 4-pixel-padded copy).
    func testBufferPoolBuckets() {
        let pool = BufferPool.shared
        for n in [1, 1023, 1024, 1025, 4097, 10_000, 123_457, 1 << 20, 10_688_000] {
            let b = pool.bucket(n)
            XCTAssertGreaterThanOrEqual(b, n)
            XCTAssertLessThanOrEqual(Double(b), max(1024, Double(n) * 1.125), "\(n)")
        }
        XCTAssertEqual(pool.bucket(1000 * 668 * 16), pool.bucket(1008 * 676 * 16))
    }
}
