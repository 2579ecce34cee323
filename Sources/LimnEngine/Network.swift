import Foundation

/// A network architecture: built from a weights file, run on NHWC tensors.
/// One file per architecture under Architectures/, each with its PyTorch twin
/// in Training/limn_train/archs/ (tensor names and hyper-parameters in sync).
package protocol Network: AnyObject, Sendable {
    /// The name in the weights' `arch` metadata.
    static var architecture: String { get }
    /// What the network does: the preset task it may serve ("upscale", "style", "enhance").
    static var task: String { get }
    /// Builds the network, checking every tensor's shape and that none is left over.
    init(weights: Weights) throws

    var inputChannels: Int { get }
    var outputChannels: Int { get }
    /// Output pixels per input pixel along each axis.
    var scale: Int { get }
    /// How far (in input pixels) an output pixel sees.
    var receptiveRadius: Int { get }
    /// Input sizes must be multiples of this (the network's total stride).
    var alignment: Int { get }
    /// The margin a tiled block carries on each side: at least the receptive
    /// radius, and a multiple of what keeps every strided layer's sampling grid
    /// where one pass over the whole padded image puts it.
    var halo: Int { get }
    /// How whole-image inference pads the image's borders.
    var borderPadding: PaddingMode { get }
    /// True when some layer pools over the whole input (attention, global
    /// statistics other than instance norm): such a network is not tile-exact.
    var usesGlobalContext: Bool { get }

    func forward(_ x: Tensor, _ norms: NormContext) throws -> Tensor
    /// `forward`, free to overwrite `x` (the caller has no further use for it), which spares
    /// a network that changes its input first a copy of it.
    func forward(taking x: Tensor, _ norms: NormContext) throws -> Tensor
    /// Multiply-accumulates for an input of this size.
    func macs(height: Int, width: Int) -> Int
}

extension Network {
    package var usesGlobalContext: Bool { false }
    // The usual case: RGB in and out, any size, one output pixel per input pixel.
    package var inputChannels: Int { 3 }
    package var outputChannels: Int { 3 }
    package var scale: Int { 1 }
    package var alignment: Int { 1 }

    /// The receptive radius rounded up to the alignment.
    package var halo: Int { (receptiveRadius + alignment - 1) / alignment * alignment }

    package func forward(_ x: Tensor) throws -> Tensor { try forward(x, NormContext()) }
    package func forward(taking x: Tensor, _ norms: NormContext) throws -> Tensor { try forward(x, norms) }
}

/// The architectures the engine knows, by their metadata name.
package enum Architectures {
    package static let all: [any Network.Type] = [StyleNet.self, CompactSR.self, SRNet.self, DeblurNet.self]

    /// Loads a weights file and builds the network its metadata names.
    package static func load(path: String) throws -> any Network {
        try load(Weights(path: path), name: path)
    }

    /// `task`, when given, must be the architecture's: an upscaler cannot serve as a deblurrer.
    package static func load(_ weights: Weights, name: String = "weights", task: String? = nil) throws -> any Network {
        guard let arch = weights.file.metadata["arch"] else { throw EngineError("\(name): metadata 'arch' missing") }
        guard let type = all.first(where: { $0.architecture == arch }) else {
            throw EngineError("\(name): unknown architecture '\(arch)'")
        }
        if let task, type.task != task {
            throw EngineError("\(name): holds a network for \(type.task) (\(arch)), not for \(task)")
        }
        do {
            return try type.init(weights: weights)
        } catch let e as EngineError {
            throw EngineError("\(name): \(e.message)")
        }
    }
}
