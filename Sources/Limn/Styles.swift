import LimnEngine

/// A style the presets paint: one row of one style network.
package struct StyleEntry: Sendable {
    package let name: String
    /// "artist, title (date); licence".
    package let description: String
    /// The manifest entry of the network that paints it, and its row there.
    package let preset: String
    package let row: Int
}

extension LoadedNetworks {
    /// Every style of every style network in the manifest, in manifest then row order.
    func styles() throws -> [StyleEntry] {
        try manifest.entries.filter { $0.task == "style" }.flatMap { e -> [StyleEntry] in
            let net = try styleNetwork(e.name)
            return net.styleNames.indices.map {
                StyleEntry(name: net.styleNames[$0], description: net.styleDescriptions[$0], preset: e.name, row: $0)
            }
        }
    }

    private func styleNetwork(_ preset: String) throws -> StyleNet {
        guard let net = try network(preset, task: "style") as? StyleNet else {
            throw EngineError("preset '\(preset)' is not a style network")
        }
        return net
    }

    /// The network painting `mix` (weights finite and at least 0, not all 0; a name may
    /// repeat, its weights add): one style network with its norms blended.
    func styleNetwork(for mix: [(name: String, weight: Double)]) throws -> StyleNet {
        let all = try styles()
        let entries = try mix.map { part in
            guard let e = all.first(where: { $0.name == part.name }) else {
                throw EngineError("no style '\(part.name)'; known: \(all.map(\.name).joined(separator: ", ")); presets from \(manifest.folder)")
            }
            return e
        }
        guard let preset = entries.first?.preset else { throw EngineError("no style given") }
        if let other = entries.first(where: { $0.preset != preset }) {
            throw EngineError("'\(entries[0].name)' and '\(other.name)' are painted by different networks and cannot be blended")
        }
        let net = try styleNetwork(preset)
        var weights = [Double](repeating: 0, count: net.styleNames.count)
        for (e, part) in zip(entries, mix) { weights[e.row] += part.weight / Double(mix.count) }
        return try net.blended(weights)
    }
}
