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
    /// With a `preview` (a second read), the kernel is estimated from it and `input` is read
    /// once, top to bottom.
    package func callAsFunction(_ input: WorkingImage, control: RunControl? = nil) throws -> WorkingImage {
        let net = try networks.network(model, task: "enhance")
        var input = input, look: Image?
        if let preview = try input.preview?() {
            guard (preview.width, preview.height) == (input.width, input.height) else {
                throw LimnError("the input changed while it was read (\(input.width)x\(input.height), "
                                + "then \(preview.width)x\(preview.height))")
            }
            if net.inputChannels == 6 { look = try preview.networkRGB() }
            input = try input.cachingRows(Self.rowsBetweenReaders(net, tile: tile))
        }
        let rgb = try input.networkRGB()
        var result = try Self.deblurred(rgb, by: net, tile: tile, estimatingFrom: look, control: control)
        if strength < 1 { result = try result.blended(strength, with: rgb, 1 - strength) }
        return try input.replacingColour(withNetworkRGB: result, alpha: input.alpha)
    }

    /// How far apart (in rows) the readers of the picture may be: the blend with the input at the
    /// output's rows (two sink strips of at most 256), the network's blocks (three block rows
    /// back to the first strip's halo) and the deconvolution's blocks ahead of them.
    static func rowsBetweenReaders(_ net: any Network, tile: Int) -> Int {
        let network = BlockFunction.network(net)
        return 2 * 256 + 3 * network.aligned(tile) + 2 * network.halo + Deconvolution.blockHeight + 2 * Deconvolution.radius
    }

    /// `rgb` through the deblurring network `net` in `tile` blocks. A fused network takes the
    /// image and its deconvolution, as six bands, with the kernel estimated from `estimatingFrom`
    /// (the same picture; by default `rgb`); the estimate reports to `control`. `rgb` serves
    /// requests in any order (in memory, or cached rows reaching `rowsBetweenReaders` back), so
    /// the blocks read their own inputs rather than keep full-width strips.
    package static func deblurred(_ rgb: Image, by net: any Network, tile: Int, estimatingFrom look: Image? = nil,
                                  control: RunControl? = nil) throws -> Image {
        let network = BlockFunction.network(net)
        let netInput = net.inputChannels == 6
            ? try Deconvolution(estimatingFrom: look ?? rgb, control: control)
                .joined(to: rgb, consumerLines: network.stripLines(block: tile), anyOrder: true)
            : rgb
        return try netInput.tiled(network, block: tile, anyOrder: true)
    }
}
