import Foundation

/// Strict access to a network's weights: every tensor is asked for with the
/// shape the architecture expects, and tensors nobody asked for are an error.
/// Errors name the tensor, as "tensor 'x' has shape [..], expected [..]".
package final class Weights {
    package let file: SafeTensorsFile
    private var used: Set<String> = []

    package init(_ file: SafeTensorsFile) { self.file = file }

    package convenience init(path: String) throws { try self.init(SafeTensorsFile(path: path)) }

    package func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
        guard let e = file.entries[name] else { throw EngineError("tensor '\(name)' missing (expected shape \(shape))") }
        guard e.shape == shape else { throw EngineError("tensor '\(name)' has shape \(e.shape), expected \(shape)") }
        used.insert(name)
        return try file.floats(name)
    }

    /// An integer hyper-parameter from the metadata.
    package func int(_ key: String) throws -> Int {
        guard let text = file.metadata[key] else { throw EngineError("metadata '\(key)' missing") }
        guard let v = Int(text), v > 0, v < 100_000 else { throw EngineError("metadata '\(key)' is '\(text)', expected a positive integer") }
        return v
    }

    /// A comma-separated list of positive integers from the metadata ("1,1,2").
    package func ints(_ key: String) throws -> [Int] {
        guard let text = file.metadata[key] else { throw EngineError("metadata '\(key)' missing") }
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 && $0! < 1000 }) else {
            throw EngineError("metadata '\(key)' is '\(text)', expected positive integers separated by commas")
        }
        return values.map { $0! }
    }

    /// Call after building the network: any tensor it did not use is an error.
    package func checkAllUsed() throws {
        let extra = Set(file.entries.keys).subtracting(used).sorted()
        if let first = extra.first {
            throw EngineError("unexpected tensor '\(first)'" + (extra.count > 1 ? " (and \(extra.count - 1) more)" : ""))
        }
    }

    // Layer builders shared by the architectures. Names follow PyTorch's
    // state_dict: "<prefix>.weight", "<prefix>.bias".

    /// A convolution; `outputScale` multiplies each output channel (weights and
    /// bias), folding a following per-channel scale into it.
    package func conv(_ prefix: String, _ inC: Int, _ outC: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
                     dilation: Int = 1, groups: Int = 1, bias: Bool = true, activation: Activation = .none,
                     accumulates: Bool = false, outputScale: [Float]? = nil) throws -> Conv2D {
        var w = try tensor("\(prefix).weight", [outC, inC / groups, kernel, kernel])
        var b = bias ? try tensor("\(prefix).bias", [outC]) : nil
        if let s = outputScale {
            let per = w.count / outC
            for o in 0..<outC {
                for i in 0..<per { w[o * per + i] *= s[o] }
                b?[o] *= s[o]
            }
        }
        return try Conv2D(weights: w, bias: b, inChannels: inC, outChannels: outC, kernel: kernel,
                          stride: stride, padding: padding ?? dilation * (kernel / 2), dilation: dilation,
                          groups: groups, activation: activation, accumulates: accumulates)
    }

    /// Instance norm with a (scale, shift) row per style: tensors shaped [styles, channels].
    func conditionalInstanceNorm(_ prefix: String, styles: Int, channels c: Int) throws -> ConditionalInstanceNorm {
        try ConditionalInstanceNorm(gamma: tensor("\(prefix).weight", [styles, c]), beta: tensor("\(prefix).bias", [styles, c]),
                                    channels: c)
    }

    package func layerNorm(_ prefix: String, _ c: Int) throws -> LayerNorm {
        try LayerNorm(gamma: tensor("\(prefix).weight", [c]), beta: tensor("\(prefix).bias", [c]))
    }

    package func prelu(_ prefix: String, _ c: Int) throws -> PReLU {
        try PReLU(slope: tensor("\(prefix).weight", [c]))
    }
}
