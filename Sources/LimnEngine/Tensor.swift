import CLimnEngine
import Foundation

/// A float32 image tensor, batch 1, channels last (NHWC): element (y, x, c)
/// is at `(y * width + x) * channels + c`. 64-byte aligned for oneDNN.
public final class Tensor: @unchecked Sendable {
    public let height: Int
    public let width: Int
    public let channels: Int
    public let data: UnsafeMutablePointer<Float>

    public var count: Int { height * width * channels }
    public var pixels: Int { height * width }

    /// A tensor of zeros.
    public init(height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && channels > 0, "empty tensor")
        self.height = height
        self.width = width
        self.channels = channels
        let bytes = max(64, height * width * channels * MemoryLayout<Float>.size)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        data = raw.bindMemory(to: Float.self, capacity: height * width * channels)
    }

    public convenience init(height: Int, width: Int, channels: Int, values: [Float]) {
        precondition(values.count == height * width * channels, "value count does not match the shape")
        self.init(height: height, width: width, channels: channels)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A tensor that copies `count` floats from `pointer`.
    public convenience init(height: Int, width: Int, channels: Int, copying pointer: UnsafePointer<Float>) {
        self.init(height: height, width: width, channels: channels)
        data.update(from: pointer, count: count)
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(y: Int, x: Int, c: Int) -> Float {
        get { data[(y * width + x) * channels + c] }
        set { data[(y * width + x) * channels + c] = newValue }
    }

    /// A tensor of the same shape.
    func like(channels: Int? = nil) -> Tensor {
        Tensor(height: height, width: width, channels: channels ?? self.channels)
    }

    public func copy() -> Tensor { Tensor(height: height, width: width, channels: channels, copying: data) }
}

/// An error from the engine: bad weights, a bad shape, a failing kernel.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static var kernel: EngineError { EngineError(String(cString: limn_engine_error())) }
}
