import CLimnEngine
import Foundation
import LimnEngine

/// `limn-bench engine`: per-operation GFLOP/s beside the machine's measured
/// FP32 peak, and whole networks (every .safetensors in --models) in
/// megapixels per second.
enum EngineBench {
    struct ConvCase {
        let name: String, ic: Int, oc: Int, k: Int, stride: Int, dilation: Int, groups: Int, size: Int
    }

    static let convs = [
        ConvCase(name: "conv 3x3 32→32", ic: 32, oc: 32, k: 3, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 48→48", ic: 48, oc: 48, k: 3, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 64→64", ic: 64, oc: 64, k: 3, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 128→128", ic: 128, oc: 128, k: 3, stride: 1, dilation: 1, groups: 1, size: 64),
        ConvCase(name: "conv 3x3 dilation 2, 48→48", ic: 48, oc: 48, k: 3, stride: 1, dilation: 2, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 stride 2, 32→64", ic: 32, oc: 64, k: 3, stride: 2, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 9x9 3→32", ic: 3, oc: 32, k: 9, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 3→48", ic: 3, oc: 48, k: 3, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 9x9 32→3", ic: 32, oc: 3, k: 9, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 9x9 32→16", ic: 32, oc: 16, k: 9, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 48→12", ic: 48, oc: 12, k: 3, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 3x3 48→16", ic: 48, oc: 16, k: 3, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 1x1 36→12", ic: 36, oc: 12, k: 1, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 1x1 36→96", ic: 36, oc: 96, k: 1, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "conv 1x1 64→64", ic: 64, oc: 64, k: 1, stride: 1, dilation: 1, groups: 1, size: 256),
        ConvCase(name: "depthwise 3x3 64", ic: 64, oc: 64, k: 3, stride: 1, dilation: 1, groups: 64, size: 256),
    ]

    static func run(_ o: Options) {
        let threads = o.int("threads", ProcessInfo.processInfo.activeProcessorCount)
        let repeats = o.int("repeat", 10)
        limn_engine_set_threads(Int32(threads))
        var isaPtr: UnsafePointer<CChar>? = nil
        let peak = o.int("ops", 1) != 0 ? limn_peak_gflops(Int32(threads), &isaPtr) : 0
        if peak > 0 {
            print("Machine: \(Measure.machine()); threads: \(threads); oneDNN kernels: \(Engine.instructionSet)")
            print("Measured FP32 peak: \(Measure.f(peak)) GFLOP/s (\(threads) threads, \(String(cString: isaPtr!)) FMA loop)\n")
        }

        guard o.int("ops", 1) != 0 else {
            do { if let dir = o.values["models"] { try networks(dir, o, threads: threads, repeats: repeats) } } catch { fail("\(error)") }
            return
        }
        print("GFLOP/s count a direct convolution's multiply-adds (2 per MAC); Winograd kernels do fewer, so they can exceed the peak.\n")
        print("| operation | input | ms | GFLOP/s | % of peak |")
        print("|---|---|---:|---:|---:|")
        var rng: UInt64 = 7
        func random(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: rng) >> 40) / Float(1 << 23) * 0.1
            }
        }
        do {
            for c in convs {
                let conv = try Conv2D(weights: random(c.oc * c.ic / c.groups * c.k * c.k), bias: random(c.oc),
                                      inChannels: c.ic, outChannels: c.oc, kernel: c.k, stride: c.stride,
                                      padding: c.dilation * (c.k / 2), dilation: c.dilation, groups: c.groups)
                let x = Tensor(height: c.size, width: c.size, channels: c.ic, values: random(c.size * c.size * c.ic))
                let t = try Measure.time(repeats: repeats) { _ = try conv(x) }
                let gflops = 2 * Double(conv.macs(height: c.size, width: c.size)) / t.mean / 1e9
                print("| \(c.name) | \(c.size)x\(c.size) | \(Measure.f(t.mean * 1000, 2)) ± \(Measure.f(t.sd * 1000, 2)) | \(Measure.f(gflops)) | \(Measure.f(100 * gflops / peak))% |")
            }
            // Memory-bound operations, in GB/s of tensor traffic.
            let x = Tensor(height: 256, width: 256, channels: 64, values: random(256 * 256 * 64))
            let bytes = Double(x.count * 4)
            let norm = InstanceNorm(gamma: random(64), beta: random(64))
            let memOps: [(String, Double, () throws -> Void)] = [
                ("instance norm 64", 3 * bytes, { _ = try norm(x.copy(), NormContext()) }),
                ("upsample bilinear x2, 64", 5 * bytes, { _ = x.upsampled(2, .bilinear) }),
                ("pixel shuffle x2, 64→16", 2 * bytes, { _ = x.pixelShuffled(2) }),
                ("reflect pad 4, 64", 2 * bytes, { _ = x.padded(4, .reflect) }),
            ]
            print("\n| memory-bound operation | input | ms | GB/s |")
            print("|---|---|---:|---:|")
            for (name, traffic, body) in memOps {
                let t = try Measure.time(repeats: repeats, body)
                print("| \(name) | 256x256 | \(Measure.f(t.mean * 1000, 2)) ± \(Measure.f(t.sd * 1000, 2)) | \(Measure.f(traffic / t.mean / 1e9)) |")
            }
            if let dir = o.values["models"] { try networks(dir, o, threads: threads, repeats: repeats) }
        } catch {
            fail("\(error)")
        }
    }

    static func networks(_ dir: String, _ o: Options, threads: Int, repeats: Int) throws {
        let size = o.int("size", 256)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".safetensors") }.sorted()
        print("\nOne forward pass on all threads, and one pass per thread (each single-threaded) at once:\n")
        print("| network | parameters | GMAC/MP | input | ms, all threads on one | MP/s | MP/s, one per thread |")
        print("|---|---:|---:|---|---:|---:|---:|")
        var results: [String: [String: Double]] = [:]
        for file in files {
            let weights = try Weights(path: "\(dir)/\(file)")
            let params = weights.file.entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
            let net = try Architectures.load(weights)
            let c = net.inputChannels   // six for a fused deblurrer (image and deconvolution)
            let x = Tensor(height: size, width: size, channels: c,
                           values: (0..<size * size * c).map { Float($0 % 251) / 251 })
            limn_engine_set_threads(Int32(threads))
            let t = try Measure.time(repeats: repeats) { _ = try net.forward(x) }
            // The tiled operator's other split: a block per thread.
            let failure = NSLock()
            nonisolated(unsafe) var firstError: Error? = nil
            let tp = Measure.time(repeats: max(2, repeats / threads)) {
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    limn_engine_set_threads(1)
                    do { _ = try net.forward(x) } catch { failure.withLock { firstError = firstError ?? error } }
                }
            }
            if let firstError { throw firstError }
            let mp = Double(size * size) / 1e6
            let gmac = Double(net.macs(height: size, width: size)) / 1e9 / mp
            let name = String(file.dropLast(".safetensors".count))
            let one = mp / t.mean, perThread = Double(threads) * mp / tp.mean
            results[name] = ["mps": max(one, perThread), "mps_one_pass": one, "mps_per_thread": perThread,
                             "gmac_per_mp": gmac, "ms": t.mean * 1000, "params": Double(params)]
            print("| \(name) | \(params) | \(Measure.f(gmac, 2)) | \(size)x\(size) | \(Measure.f(t.mean * 1000, 1)) ± \(Measure.f(t.sd * 1000, 1)) | \(Measure.f(one, 3)) | \(Measure.f(perThread, 3)) |")
        }
        if let path = o.values["json"] {
            let json = try JSONSerialization.data(withJSONObject: ["threads": threads, "size": size, "networks": results],
                                                  options: [.prettyPrinted, .sortedKeys])
            try json.write(to: URL(fileURLWithPath: path))
        }
    }
}
