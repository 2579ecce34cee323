import CLimnEngine
import Synchronization

/// A 2-D convolution through oneDNN, with zero padding, bias and a fused
/// activation. With `accumulates`, the call adds its result to a given tensor
/// (`residual + act(conv(x))`) in the same pass.
package final class Conv2D: @unchecked Sendable {
    package let inChannels: Int, outChannels: Int, kernel: Int
    package let stride: Int, padding: Int, dilation: Int, groups: Int
    package let activation: Activation
    package let accumulates: Bool
    private let handle: OpaquePointer

    /// `weights` in PyTorch's layout [out][in / groups][kernel][kernel].
    package init(weights: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                activation: Activation = .none, accumulates: Bool = false) throws {
        guard weights.count == outChannels * (inChannels / max(groups, 1)) * kernel * kernel,
              bias.map({ $0.count == outChannels }) ?? true else {
            throw EngineError("convolution weights do not match \(inChannels)→\(outChannels), \(kernel)x\(kernel)")
        }
        let (act, alpha) = activation.c
        let h = weights.withUnsafeBufferPointer { w in
            if let bias {
                bias.withUnsafeBufferPointer { b in
                    limn_conv_new(Int32(inChannels), Int32(outChannels), Int32(kernel), Int32(kernel), Int32(stride),
                                  Int32(padding), Int32(dilation), Int32(groups), w.baseAddress, b.baseAddress,
                                  act, alpha, accumulates ? 1 : 0)
                }
            } else {
                limn_conv_new(Int32(inChannels), Int32(outChannels), Int32(kernel), Int32(kernel), Int32(stride),
                              Int32(padding), Int32(dilation), Int32(groups), w.baseAddress, nil,
                              act, alpha, accumulates ? 1 : 0)
            }
        }
        guard let h else { throw EngineError.kernel }
        handle = h
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.activation = activation
        self.accumulates = accumulates
    }

    deinit { limn_conv_free(handle) }

    package func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        var oh: Int32 = 0, ow: Int32 = 0
        limn_conv_output_size(handle, Int32(height), Int32(width), &oh, &ow)
        return (Int(oh), Int(ow))
    }

    /// Multiply-accumulates for an input of this size.
    package func macs(height: Int, width: Int) -> Int {
        let (oh, ow) = outputSize(height: height, width: width)
        return oh * ow * outChannels * (inChannels / groups) * kernel * kernel
    }

    package func callAsFunction(_ x: Tensor) throws -> Tensor {
        precondition(!accumulates, "this convolution adds to a residual: call it with adding:")
        let (oh, ow) = try checkedSize(x)
        let out = Tensor(uninitializedHeight: oh, width: ow, channels: outChannels)
        try run(x, into: out)
        return out
    }

    /// `residual + act(conv(x))`; `residual` is consumed (its storage becomes the result).
    package func callAsFunction(_ x: Tensor, adding residual: Tensor) throws -> Tensor {
        precondition(accumulates, "this convolution was not built to accumulate")
        let (oh, ow) = try checkedSize(x)
        guard residual.height == oh, residual.width == ow, residual.channels == outChannels else {
            throw EngineError("residual is \(residual.width)x\(residual.height)x\(residual.channels), convolution gives \(ow)x\(oh)x\(outChannels)")
        }
        try run(x, into: residual)
        return residual
    }

    /// The convolution of a `height` x `width` input that exists only as rows:
    /// `rows(first, count)` makes input rows [first, first + count). Runs in strips
    /// of output rows whose input holds about `stripFloats` values, so neither the
    /// whole input nor a scratchpad sized for it is ever allocated; an input that
    /// small is one strip. For convolutions without padding or dilation.
    package func callAsFunction(height: Int, width: Int, stripFloats: Int = 4 << 20,
                                rows: (_ first: Int, _ count: Int) -> Tensor) throws -> Tensor {
        precondition(!accumulates && padding == 0 && dilation == 1, "a striped convolution has no padding, dilation or residual")
        let (oh, ow) = outputSize(height: height, width: width)
        guard oh > 0, ow > 0 else { throw EngineError("input \(width)x\(height) is too small for a \(kernel)x\(kernel) convolution") }
        // Output rows per strip: a multiple of 4, so Winograd's output tiles fall where one pass puts them.
        let perRow = width * inChannels * stride
        let strip = stripFloats / perRow >= oh ? oh : max(4, stripFloats / perRow / 4 * 4)
        if strip == oh { return try self(rows(0, height)) }
        let out = Tensor(uninitializedHeight: oh, width: ow, channels: outChannels)
        for first in Swift.stride(from: 0, to: oh, by: strip) {
            let n = min(strip, oh - first)
            let part = try self(rows(first * self.stride, (n - 1) * self.stride + kernel))
            (out.data + first * ow * outChannels).update(from: part.data, count: part.count)
        }
        return out
    }

    private func checkedSize(_ x: Tensor) throws -> (Int, Int) {
        guard x.channels == inChannels else {
            throw EngineError("convolution expects \(inChannels) channels, got \(x.channels)")
        }
        let (oh, ow) = outputSize(height: x.height, width: x.width)
        guard oh > 0, ow > 0 else { throw EngineError("input \(x.width)x\(x.height) is too small for a \(kernel)x\(kernel) convolution") }
        return (oh, ow)
    }

    /// oneDNN's name for the kernel that runs an input of this size ("jit_wino_4x3:avx512_core", ...).
    func kernelName(height: Int, width: Int) throws -> String {
        var name = [CChar](repeating: 0, count: 96)
        guard limn_conv_kernel(handle, Int32(height), Int32(width), &name, Int32(name.count)) == 0 else {
            throw EngineError.kernel
        }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Multiply-accumulates of the convolutions `body` runs (the check on every architecture's `macs`).
    static func countingMACs(_ body: () throws -> Void) rethrows -> Int {
        countedMACs.store(0, ordering: .relaxed)
        counting.store(true, ordering: .relaxed)
        defer { counting.store(false, ordering: .relaxed) }
        try body()
        return countedMACs.load(ordering: .relaxed)
    }

    // An atomic load per convolution when not counting: no lock on the hot path.
    private static let counting = Atomic<Bool>(false)
    private static let countedMACs = Atomic<Int>(0)

    /// Runs into `out`: a Winograd kernel takes either layout and leaves its
    /// output blocked (a residual it adds to is made blocked first); the others
    /// work in NHWC.
    private func run(_ x: Tensor, into out: Tensor) throws {
        let blocked = limn_conv_blocked(handle, Int32(x.height), Int32(x.width))
        if blocked < 0 { throw EngineError.kernel }
        if blocked == 0 { x.ensureNHWC() }
        if accumulates {
            if blocked == 1 { out.ensureBlocked() } else { out.ensureNHWC() }
        }
        if limn_conv_run(handle, x.storage, x.blocked ? 1 : 0, Int32(x.height), Int32(x.width), out.storage) != 0 {
            throw EngineError.kernel
        }
        out.blocked = blocked == 1
        if Self.counting.load(ordering: .relaxed) {
            Self.countedMACs.add(macs(height: x.height, width: x.width), ordering: .relaxed)
        }
    }
}
