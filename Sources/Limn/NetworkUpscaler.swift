import Foundation
import LimnEngine
import LimnImage

/// Networks loaded once per run, however many images a batch has.
final class LoadedNetworks: @unchecked Sendable {
    private var networks: [String: any Network] = [:]
    private let lock = NSLock()
    let manifest: PresetManifest
    init(_ manifest: PresetManifest) { self.manifest = manifest }

    func network(_ name: String, task: String) throws -> any Network {
        try lock.withLock {
            if let n = networks[name] { return n }
            let n = try manifest.load(name, task: task)
            networks[name] = n
            return n
        }
    }
}

/// Upscaling with trained networks (`photo` or `fidelity` presets at x2, x3,
/// x4): the smallest network scale that reaches the factor (x4 then another
/// network beyond 4), then a lanczos resize to the exact size. Alpha is
/// resized with lanczos and the network sees the colour with hidden colour
/// filled in from the visible surroundings (`networkRGB()`); grey
/// images go through the network as RGB and come back grey.
package struct NetworkUpscaler: Sendable {
    package let family: String
    package let size: UpscaleSize
    package let tile: Int
    /// The default block edge, in input pixels.
    package static let defaultTile = 256
    let networks: LoadedNetworks

    package init(family: String, size: UpscaleSize, tile: Int, manifest: PresetManifest) {
        self.init(family: family, size: size, tile: tile, networks: LoadedNetworks(manifest))
    }

    init(family: String, size: UpscaleSize, tile: Int, networks: LoadedNetworks) {
        self.family = family
        self.size = size
        self.tile = tile
        self.networks = networks
    }

    /// Network scales to run for a factor in (1, 8].
    static func stages(for factor: Double) -> [Int] {
        if factor <= 4 + 1e-9 { return [[2, 3, 4].first { Double($0) >= factor - 1e-9 }!] }
        let rest = factor / 4
        return [4, [2, 3, 4].first { Double($0) >= rest - 1e-9 }!]
    }

    package func callAsFunction(_ input: WorkingImage) throws -> WorkingImage {
        let (w, h) = try size.outputSize(width: input.width, height: input.height)
        let factor = max(Double(w) / Double(input.width), Double(h) / Double(input.height))
        var colour = try input.networkRGB()
        for s in Self.stages(for: factor) {
            let net = try networks.network("\(family)_x\(s)", task: "upscale")
            colour = try colour.tiled(.network(net), block: tile)
        }
        if colour.width != w || colour.height != h {
            colour = try colour.resampled(width: w, height: h, kernel: .lanczos3)
        }
        let alpha = try input.alpha?.resampled(width: w, height: h, kernel: .lanczos3).clamp(0, 1)
        return try input.replacingColour(withNetworkRGB: colour, alpha: alpha)
    }
}
