import LimnEngine
import LimnImage

/// Upscaling with trained networks (`photo` or `fidelity` presets at x2, x3,
/// x4): the smallest network scale that reaches the factor (x4 then another
/// network beyond 4), then a lanczos resize to the exact size. Alpha is
/// resized with lanczos; grey images go through the network as RGB and come
/// back grey.
public struct NetworkUpscaler: Sendable {
    public let family: String
    public let size: UpscaleSize
    public let tile: Int
    let manifest: PresetManifest

    public init(family: String, size: UpscaleSize, tile: Int, manifest: PresetManifest) {
        self.family = family
        self.size = size
        self.tile = tile
        self.manifest = manifest
    }

    /// Network scales to run for a factor in (1, 8].
    static func stages(for factor: Double) -> [Int] {
        if factor <= 4 + 1e-9 { return [[2, 3, 4].first { Double($0) >= factor - 1e-9 }!] }
        let rest = factor / 4
        return [4, [2, 3, 4].first { Double($0) >= rest - 1e-9 }!]
    }

    public func callAsFunction(_ input: WorkingImage) throws -> WorkingImage {
        let (w, h) = try size.outputSize(width: input.width, height: input.height)
        let factor = max(Double(w) / Double(input.width), Double(h) / Double(input.height))
        var colour = input.colour
        let grey = input.isGrey
        if grey { colour = try colour.join(colour).join(colour) }
        for s in Self.stages(for: factor) {
            let net = try manifest.load("\(family)_x\(s)", task: "upscale")
            colour = try colour.tiled(.network(net), block: tile)
        }
        if colour.width != w || colour.height != h {
            colour = try colour.resampled(width: w, height: h, kernel: .lanczos3)
        }
        if grey { colour = try colour.bandMean() }
        var out = input
        out.colour = colour
        out.alpha = try input.alpha?.resampled(width: w, height: h, kernel: .lanczos3)
        return out
    }
}
