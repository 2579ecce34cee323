import Foundation

/// A `.safetensors` file: 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw tensors.
/// Mapped, not read; every bound is checked before it is trusted.
package struct SafeTensorsFile: Sendable {
    package struct Entry: Sendable {
        package let dtype: String
        package let shape: [Int]
        let range: Range<Int>   // within `payload`
    }

    package let entries: [String: Entry]
    /// The `__metadata__` strings.
    package let metadata: [String: String]
    private let data: Data
    private let payloadStart: Int

    package init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw EngineError("\(path): cannot read (\((error as NSError).localizedDescription))")
        }
        try self.init(data: data, name: path)
    }

    package init(data: Data, name: String = "weights") throws {
        func bad(_ why: String) -> EngineError { EngineError("\(name): not a valid safetensors file: \(why)") }
        guard data.count >= 8 else { throw bad("shorter than its 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n >= 2, n <= 100_000_000, 8 + Int(n) <= data.count else {
            throw bad("header length \(n) does not fit a \(data.count)-byte file")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        payloadStart = 8 + Int(n)
        let payloadSize = data.count - payloadStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Range<Int>, String)] = []
        for (key, value) in json {
            if key == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                  let shape = t["shape"] as? [Int], let offsets = t["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("tensor '\(key)' lacks dtype, shape or data_offsets")
            }
            guard let size = Self.elementSize(dtype) else { throw bad("tensor '\(key)' has unsupported dtype \(dtype)") }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else { throw bad("tensor '\(key)' has a bad shape") }
            var count = 1, overflow = false
            for d in shape + [size] where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: d) }
            guard !overflow, count <= data.count else { throw bad("tensor '\(key)' has a shape too large for the file: \(shape)") }
            count /= size
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= payloadSize else {
                throw bad("tensor '\(key)' lies outside the file (truncated?)")
            }
            guard offsets[1] - offsets[0] == count * size else {
                throw bad("tensor '\(key)' has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
            ranges.append((offsets[0]..<offsets[1], key))
        }
        ranges.sort { $0.0.lowerBound < $1.0.lowerBound }
        for (a, b) in zip(ranges, ranges.dropFirst()) where a.0.upperBound > b.0.lowerBound {
            throw bad("tensors '\(a.1)' and '\(b.1)' overlap")
        }
        self.entries = entries
        self.metadata = metadata
        self.data = data
    }

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F32": 4
        case "F16": 2
        default: nil
        }
    }

    /// The tensor as float32, converting from float16 where stored so; NaN or
    /// infinite values are an error (crafted or damaged weights).
    package func floats(_ name: String) throws -> [Float] {
        guard let e = entries[name] else { throw EngineError("tensor '\(name)' missing") }
        let start = payloadStart + e.range.lowerBound
        let count = e.range.count / Self.elementSize(e.dtype)!
        let values = data.withUnsafeBytes { raw -> [Float] in
            let base = raw.baseAddress! + start
            switch e.dtype {
            case "F32":
                return (0..<count).map { Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            default:
                return (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
            }
        }
        guard values.allSatisfy(\.isFinite) else { throw EngineError("tensor '\(name)' holds NaN or infinite values") }
        return values
    }
}
