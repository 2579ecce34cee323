import LimnEngine
import LimnImage

/// Deblurring with a preset network (task "enhance"), blended with the input
/// by `strength`. Grey images go through as RGB and come back grey; with
/// alpha, the network sees premultiplied colour, so the colour of transparent
/// pixels does not spread into visible ones.
public struct Enhancer: Sendable {
    public let model: String
    public let strength: Double
    public let tile: Int
    let networks: LoadedNetworks

    public init(model: String, strength: Double, tile: Int, manifest: PresetManifest) {
        self.model = model
        self.strength = strength
        self.tile = tile
        networks = LoadedNetworks(manifest)
    }

    public func callAsFunction(_ input: WorkingImage) throws -> WorkingImage {
        let rgb = try input.networkRGB()
        let net = try networks.network(model, task: "enhance")
        var result = try rgb.tiled(.network(net), block: tile)
        if strength < 1 { result = try result.blended(strength, with: rgb, 1 - strength) }
        return try input.replacingColour(withNetworkRGB: result, alpha: input.alpha)
    }
}
