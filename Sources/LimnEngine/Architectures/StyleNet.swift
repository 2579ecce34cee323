import Foundation

// Johnson et al.'s feed-forward style network with conditional instance norm
// (Dumoulin, Shlens and Kudlur 2017): the convolutions are shared by every
// style, and each style is one row of scale and shift in every instance norm.
// Three convolutions down (x4), residual blocks, two upsamplings (nearest,
// then bilinear) each followed by a convolution, sigmoid output in [0, 1].
// Reflect padding before every convolution. Sync with
// Training/limn_train/archs/style_net.py.

package final class StyleNet: Network {
    package static let architecture = "style_net"
    package static let task = "style"

    package let channels: Int
    package let residualBlocks: Int
    /// The styles, in the order of the norms' rows (metadata `style_names`).
    package let styleNames: [String]
    /// A line per style: "artist, title (date); licence", from metadata `styles_info` (empty where absent).
    package let styleDescriptions: [String]
    /// The weight of each style in the norms this network runs with (summing to 1).
    package let mix: [Float]
    package var alignment: Int { 4 }
    package var borderPadding: PaddingMode { .reflect }
    // 9x9 at full size (4), 3x3 at full and half size (1 + 2), two 3x3 per
    // residual block at quarter size (8 each), 3x3 at half and full size (2 + 1), 9x9 (4).
    package var receptiveRadius: Int { 4 + 1 + 2 + 8 * residualBlocks + 2 + 1 + 4 }

    struct Convolutions {
        let conv1: Conv2D, conv2: Conv2D, conv3: Conv2D
        let residuals: [(Conv2D, Conv2D)]
        let up1: Conv2D, up2: Conv2D, out: Conv2D
    }

    let convs: Convolutions
    /// Every norm's rows, in the order the forward pass meets them.
    let conditional: [ConditionalInstanceNorm]
    /// The same norms for `mix`.
    let norms: [InstanceNorm]

    package init(weights w: Weights) throws {
        let c = try w.int("channels")
        let s = try w.int("styles")
        channels = c
        let blocks = try w.int("res_blocks")
        residualBlocks = blocks
        styleNames = try Self.names(w.file.metadata["style_names"], count: s)
        styleDescriptions = Self.descriptions(w.file.metadata["styles_info"], styleNames)
        func norm(_ name: String, _ n: Int) throws -> ConditionalInstanceNorm {
            try w.conditionalInstanceNorm(name, styles: s, channels: n)
        }
        convs = try Convolutions(
            conv1: w.conv("conv1", 3, c, kernel: 9, padding: 0),
            conv2: w.conv("conv2", c, 2 * c, kernel: 3, stride: 2, padding: 0),
            conv3: w.conv("conv3", 2 * c, 4 * c, kernel: 3, stride: 2, padding: 0),
            residuals: (0..<blocks).map { i in
                (try w.conv("res.\(i).conv1", 4 * c, 4 * c, kernel: 3, padding: 0),
                 try w.conv("res.\(i).conv2", 4 * c, 4 * c, kernel: 3, padding: 0))
            },
            up1: w.conv("up1", 4 * c, 2 * c, kernel: 3, padding: 0),
            up2: w.conv("up2", 2 * c, c, kernel: 3, padding: 0),
            out: w.conv("out", c, 3, kernel: 9, padding: 0, activation: .sigmoid))
        conditional = try [norm("norm1", c), norm("norm2", 2 * c), norm("norm3", 4 * c)]
            + (0..<blocks).flatMap { i in [try norm("res.\(i).norm1", 4 * c), try norm("res.\(i).norm2", 4 * c)] }
            + [norm("up_norm1", 2 * c), norm("up_norm2", c)]
        try w.checkAllUsed()
        let first = [1] + [Float](repeating: 0, count: s - 1)
        mix = first
        norms = conditional.map { $0.blended(first) }
    }

    private init(_ base: StyleNet, mix: [Float]) {
        channels = base.channels
        residualBlocks = base.residualBlocks
        styleNames = base.styleNames
        styleDescriptions = base.styleDescriptions
        convs = base.convs
        conditional = base.conditional
        self.mix = mix
        norms = conditional.map { $0.blended(mix) }
    }

    /// This network painting a blend of styles: `weights` (one per style, finite, at
    /// least 0, not all 0) are normalised to sum 1 and interpolate the norms' rows.
    /// The convolutions are shared with `self`.
    package func blended(_ weights: [Double]) throws -> StyleNet {
        guard weights.count == styleNames.count else {
            throw EngineError("a blend needs \(styleNames.count) style weights, got \(weights.count)")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw EngineError("style weights must be finite and at least 0") }
        // Scaled by the largest first, so that weights near the largest Double still sum finitely.
        let largest = weights.max() ?? 0
        guard largest > 0 else { throw EngineError("style weights must not all be 0") }
        let scaled = weights.map { $0 / largest }
        let total = scaled.reduce(0, +)
        return StyleNet(self, mix: scaled.map { Float($0 / total) })
    }

    /// The names in `text` ("a,b,c"): `count` of them, distinct, each lower-case letters, digits and '-'.
    static func names(_ text: String?, count: Int) throws -> [String] {
        guard let text else { throw EngineError("metadata 'style_names' missing") }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard names.count == count, Set(names).count == count,
              names.allSatisfy({ !$0.isEmpty && $0.count <= 64 && $0.allSatisfy(allowed.contains) }) else {
            throw EngineError("metadata 'style_names' must name \(count) distinct styles (lower-case letters, digits, '-')")
        }
        return names
    }

    /// Each style's line from `json` ({"name": {"title": .., "artist": .., "date": .., "licence": ..}}).
    static func descriptions(_ json: String?, _ names: [String]) -> [String] {
        let info = json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any] ?? [:]
        return names.map { name in
            guard let d = info[name] as? [String: Any] else { return "" }
            func field(_ k: String) -> String { d[k] as? String ?? "" }
            var line = [field("artist"), field("title")].filter { !$0.isEmpty }.joined(separator: ", ")
            if !field("date").isEmpty { line += " (\(field("date")))" }
            if !field("licence").isEmpty { line += "; \(field("licence"))" }
            return line
        }
    }

    package func forward(_ x: Tensor, _ context: NormContext) throws -> Tensor {
        guard x.height % alignment == 0, x.width % alignment == 0 else {
            throw EngineError("style_net needs sizes that are multiples of \(alignment), got \(x.width)x\(x.height)")
        }
        let k = convs
        var n = norms.makeIterator()
        func norm(_ t: Tensor, relu: Bool = true) throws -> Tensor {
            try n.next()!(t, context, activation: relu ? .relu : .none)
        }
        // Each convolution reads its padded (and upsampled) input as rows, in strips:
        // at full size those inputs would be the pass's largest tensors.
        func conv(_ c: Conv2D, _ t: Tensor, pad: Int, upsample: Int = 1, _ mode: UpsampleMode = .nearest) throws -> Tensor {
            try c(height: t.height * upsample + 2 * pad, width: t.width * upsample + 2 * pad) {
                t.upsampledPaddedRows(upsample, mode, pad: pad, .reflect, first: $0, count: $1)
            }
        }
        var y = try norm(conv(k.conv1, x, pad: 4))
        y = try norm(conv(k.conv2, y, pad: 1))
        y = try norm(conv(k.conv3, y, pad: 1))
        for (conv1, conv2) in k.residuals {
            let t = try norm(conv(conv1, y, pad: 1))
            y = try y + norm(conv(conv2, t, pad: 1), relu: false)
        }
        y = try norm(conv(k.up1, y, pad: 1, upsample: 2, .nearest))
        y = try norm(conv(k.up2, y, pad: 1, upsample: 2, .bilinear))
        return try conv(k.out, y, pad: 4)
    }

    package func macs(height h: Int, width w: Int) -> Int {
        let c = channels
        let full = h * w, half = full / 4, quarter = full / 16
        return full * 3 * c * 81 + half * c * 2 * c * 9 + quarter * 2 * c * 4 * c * 9
            + residualBlocks * 2 * quarter * 16 * c * c * 9
            + half * 4 * c * 2 * c * 9 + full * 2 * c * c * 9 + full * c * 3 * 81
    }
}

/// Instance norm with one (scale, shift) row per style (styles x channels).
struct ConditionalInstanceNorm: Sendable {
    let gamma: [Float], beta: [Float]
    let channels: Int

    /// The instance norm of a blend: each row weighted by `mix`.
    func blended(_ mix: [Float]) -> InstanceNorm {
        var g = [Float](repeating: 0, count: channels), b = g
        for (s, m) in mix.enumerated() where m != 0 {
            for c in 0..<channels {
                g[c] += m * gamma[s * channels + c]
                b[c] += m * beta[s * channels + c]
            }
        }
        return InstanceNorm(gamma: g, beta: b)
    }
}
