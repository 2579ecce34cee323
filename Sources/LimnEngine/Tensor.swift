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
    var storage: UnsafeMutablePointer<Float> { buffer.pointer }
    private var buffer: PooledBuffer
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
        limn_from_blocked16(storage, Int32(height), Int32(width), Int32(channels), nhwc.pointer)
        BufferPool.shared.give(buffer)
        buffer = nhwc
        blocked = false
    }

    func ensureBlocked() {
        guard !blocked else { return }
        precondition(channels % 16 == 0, "the blocked layout needs channels in multiples of 16")
        let b = BufferPool.shared.take(floats: count)
        limn_to_blocked16(storage, Int32(height), Int32(width), Int32(channels), b.pointer)
        BufferPool.shared.give(buffer)
        buffer = b
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
        buffer = BufferPool.shared.take(floats: height * width * channels)
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

    deinit { BufferPool.shared.give(buffer) }

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

/// Tensor storage from the pool: `capacity` floats, at least what was asked for.
struct PooledBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int
}

/// Recycles tensor storage: a network allocates the same few sizes over and
/// over, and fresh large allocations cost page faults and zeroing in the
/// kernel. A request takes the smallest kept buffer that holds it (up to twice
/// its size), so the smaller edge blocks of a tiling reuse the buffers of the
/// full ones; the pool keeps at most `limit` bytes, dropping the buffers used
/// least recently first.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    /// Free buffers by capacity, each list oldest first.
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var freeBytes = 0
    /// When each size was last given back or taken (a counter).
    private var lastUse: [Int: UInt64] = [:]
    private var clock: UInt64 = 0
    /// On a 1000x667 photo `enhance` peaked at 677 MB with 256 MB here, 539 MB with 128 MB,
    /// 519 MB with 64 MB, which made upscale x2 4% slower.
    private let limit = 128 << 20
    private let lock = NSLock()

    /// Sizes are rounded up to one of eight classes per octave (at most 12.5% more),
    /// so that a tensor and its padded copy, or a block and the next, share buffers.
    func bucket(_ floats: Int) -> Int {
        let n = max(floats, 1024)
        let octave = Int.bitWidth - 1 - n.leadingZeroBitCount   // 2^octave <= n
        let step = 1 << (octave - 3)
        return (n + step - 1) / step * step
    }

    func take(floats: Int) -> PooledBuffer {
        let b = bucket(floats)
        if let found = lock.withLock({ () -> PooledBuffer? in
            guard let fit = free.keys.lazy.filter({ $0 >= b && $0 <= 2 * b }).min(), let p = free[fit]?.popLast() else { return nil }
            if free[fit]!.isEmpty { free[fit] = nil }
            freeBytes -= fit * 4
            clock += 1
            lastUse[fit] = clock
            return PooledBuffer(pointer: p, capacity: fit)
        }) { return found }
        let p = UnsafeMutableRawPointer.allocate(byteCount: b * 4, alignment: 64).bindMemory(to: Float.self, capacity: b)
        return PooledBuffer(pointer: p, capacity: b)
    }

    /// Frees every kept buffer.
    func drain() {
        let all = lock.withLock { () -> [UnsafeMutablePointer<Float>] in
            defer { free = [:]; freeBytes = 0; lastUse = [:] }
            return free.values.flatMap { $0 }
        }
        for p in all { UnsafeMutableRawPointer(p).deallocate() }
    }

    func give(_ buffer: PooledBuffer) {
        let dropped = lock.withLock { () -> [UnsafeMutablePointer<Float>] in
            clock += 1
            lastUse[buffer.capacity] = clock
            free[buffer.capacity, default: []].append(buffer.pointer)
            freeBytes += buffer.capacity * 4
            var dropped: [UnsafeMutablePointer<Float>] = []
            // Over the limit: drop whole sizes, the one given back or taken longest ago first.
            while freeBytes > limit, let size = free.keys.min(by: { lastUse[$0, default: 0] < lastUse[$1, default: 0] }) {
                var list = free[size]!
                while freeBytes > limit, let p = list.popLast() {
                    dropped.append(p)
                    freeBytes -= size * 4
                }
                free[size] = list.isEmpty ? nil : list
            }
            return dropped
        }
        for p in dropped { UnsafeMutableRawPointer(p).deallocate() }
    }
}
