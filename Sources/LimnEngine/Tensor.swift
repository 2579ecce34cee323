import CLimnEngine
import Foundation

/// A float32 image tensor, batch 1, channels last (NHWC): element (y, x, c)
/// is at `(y * width + x) * channels + c`. 64-byte aligned for oneDNN.
///
/// Between Winograd convolutions a tensor may live in oneDNN's blocked layout
/// (nChw16c), which saves two reorders per convolution; `data` always hands
/// out NHWC, converting on first access.
package final class Tensor: @unchecked Sendable {
    package let height: Int
    package let width: Int
    package let channels: Int
    /// The values in the current layout.
    private(set) var storage: UnsafeMutablePointer<Float>
    /// True while `storage` holds nChw16c.
    var blocked = false

    /// The values in NHWC.
    package var data: UnsafeMutablePointer<Float> {
        ensureNHWC()
        return storage
    }

    func ensureNHWC() {
        guard blocked else { return }
        let nhwc = BufferPool.shared.take(floats: count)
        limn_from_blocked16(storage, Int32(height), Int32(width), Int32(channels), nhwc)
        BufferPool.shared.give(storage, floats: count)
        storage = nhwc
        blocked = false
    }

    func ensureBlocked() {
        guard !blocked else { return }
        precondition(channels % 16 == 0, "the blocked layout needs channels in multiples of 16")
        let b = BufferPool.shared.take(floats: count)
        limn_to_blocked16(storage, Int32(height), Int32(width), Int32(channels), b)
        BufferPool.shared.give(storage, floats: count)
        storage = b
        blocked = true
    }

    package var count: Int { height * width * channels }
    package var pixels: Int { height * width }

    /// A tensor of zeros.
    package convenience init(height: Int, width: Int, channels: Int) {
        self.init(uninitializedHeight: height, width: width, channels: channels)
        data.initialize(repeating: 0, count: count)
    }

    /// A tensor whose values the caller overwrites before reading.
    init(uninitializedHeight height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && channels > 0, "empty tensor")
        self.height = height
        self.width = width
        self.channels = channels
        storage = BufferPool.shared.take(floats: height * width * channels)
    }

    package convenience init(height: Int, width: Int, channels: Int, values: [Float]) {
        precondition(values.count == height * width * channels, "value count does not match the shape")
        self.init(uninitializedHeight: height, width: width, channels: channels)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A tensor that copies `count` floats from `pointer`.
    package convenience init(height: Int, width: Int, channels: Int, copying pointer: UnsafePointer<Float>) {
        self.init(uninitializedHeight: height, width: width, channels: channels)
        data.update(from: pointer, count: count)
    }

    deinit { BufferPool.shared.give(storage, floats: count) }

    package var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    package subscript(y: Int, x: Int, c: Int) -> Float {
        get { data[(y * width + x) * channels + c] }
        set { data[(y * width + x) * channels + c] = newValue }
    }

    /// An uninitialised tensor of the same size.
    func like(channels: Int? = nil) -> Tensor {
        Tensor(uninitializedHeight: height, width: width, channels: channels ?? self.channels)
    }

    /// A copy in the same layout.
    package func copy() -> Tensor {
        let t = Tensor(height: height, width: width, channels: channels, copying: storage)
        t.blocked = blocked
        return t
    }
}

/// An error from the engine: bad weights, a bad shape, a failing kernel.
package struct EngineError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }

    static var kernel: EngineError { EngineError(String(cString: limn_engine_error())) }
}

/// Recycles tensor storage: a network allocates the same few sizes over and
/// over, and fresh large allocations cost page faults and zeroing in the
/// kernel. Keeps at most `limit` bytes of free buffers.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var freeBytes = 0
    private let limit = 256 << 20
    private let lock = NSLock()

    /// Sizes are rounded up to one of eight classes per octave (at most 12.5% more),
    /// so that a tensor and its padded copy, or a block and the next, share buffers:
    /// a fresh buffer costs the kernel a page fault and a zeroed page per 4 KiB.
    func bucket(_ floats: Int) -> Int {
        let n = max(floats, 1024)
        let octave = Int.bitWidth - 1 - n.leadingZeroBitCount   // 2^octave <= n
        let step = 1 << (octave - 3)
        return (n + step - 1) / step * step
    }

    func take(floats: Int) -> UnsafeMutablePointer<Float> {
        let b = bucket(floats)
        if let p = lock.withLock({ () -> UnsafeMutablePointer<Float>? in
            guard let p = free[b]?.popLast() else { return nil }
            freeBytes -= b * 4
            return p
        }) { return p }
        return UnsafeMutableRawPointer.allocate(byteCount: b * 4, alignment: 64).bindMemory(to: Float.self, capacity: b)
    }

    /// Frees every kept buffer.
    func drain() {
        let all = lock.withLock { () -> [UnsafeMutablePointer<Float>] in
            defer { free = [:]; freeBytes = 0 }
            return free.values.flatMap { $0 }
        }
        for p in all { UnsafeMutableRawPointer(p).deallocate() }
    }

    func give(_ p: UnsafeMutablePointer<Float>, floats: Int) {
        let b = bucket(floats)
        let kept = lock.withLock { () -> Bool in
            guard freeBytes + b * 4 <= limit else { return false }
            free[b, default: []].append(p)
            freeBytes += b * 4
            return true
        }
        if !kept { UnsafeMutableRawPointer(p).deallocate() }
    }
}
