import LimnEngine
import LimnImage

/// Deblurring with a preset network (task "enhance"), blended with the input
/// by `strength`. A fused network (six input channels) is also given a
/// deconvolution of the image with its estimated blur kernel
/// (`Deconvolution`), which it uses where it helps. Grey images go through as
/// RGB and come back grey; with alpha, the network sees the colour with what
/// transparent pixels hide replaced by their visible surroundings
/// (`networkRGB()`), so it neither spreads nor darkens soft edges.
package struct Enhancer: Sendable {
    package let model: String
    package let strength: Double
    package let tile: Int
    /// The default block edge: the network's 88-px margins make larger blocks pay off.
    package static let defaultTile = 384
    let networks: LoadedNetworks

    package init(model: String, strength: Double, tile: Int, manifest: PresetManifest) {
        self.init(model: model, strength: strength, tile: tile, networks: LoadedNetworks(manifest))
    }

    init(model: String, strength: Double, tile: Int, networks: LoadedNetworks) {
        self.model = model
        self.strength = strength
        self.tile = tile
        self.networks = networks
    }

    /// Deblurs `input`; the kernel estimate, before the blocks stream, reports to `control`.
    package func callAsFunction(_ input: WorkingImage, control: RunControl? = nil) throws -> WorkingImage {
        let rgb = try input.networkRGB()
        var result = try Self.deblurred(rgb, by: try networks.network(model, task: "enhance"), tile: tile, control: control)
        if strength < 1 { result = try result.blended(strength, with: rgb, 1 - strength) }
        return try input.replacingColour(withNetworkRGB: result, alpha: input.alpha)
    }

    /// `rgb` through the deblurring network `net` in `tile` blocks. A fused network takes the
    /// image and its deconvolution, as six bands; the kernel estimate reports to `control`.
    package static func deblurred(_ rgb: Image, by net: any Network, tile: Int, control: RunControl? = nil) throws -> Image {
        let network = BlockFunction.network(net)
        let netInput = net.inputChannels == 6
            ? try Deconvolution(estimatingFrom: rgb, control: control).joined(to: rgb, consumerLines: network.stripLines(block: tile))
            : rgb
        return try netInput.tiled(network, block: tile)
    }
}
