import Foundation
import LimnEngine
import LimnImage

/// Which upscaler runs.
public enum UpscaleModel: String, CaseIterable, Sendable {
    /// Networks trained on real-photo degradations (blur, noise, JPEG).
    case photo
    /// Networks trained on clean bicubic downscales, the benchmark protocol.
    case fidelity
    /// Classic lanczos3 resampling, no network.
    case lanczos
}

/// A style, by its name among the style network's styles ("starry-night"; `limn presets` lists them).
public struct StyleName: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The style's name.
    public let rawValue: String
    /// The style named `rawValue` (checked against the presets when a run starts).
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The style named by a literal: `"starry-night"`.
    public init(stringLiteral value: String) { rawValue = value }
    /// The style's name.
    public var description: String { rawValue }
}

/// One style of a mix and its weight (finite, at least 0; a mix's weights are normalised to sum 1).
public struct StyleWeight: Sendable, Equatable {
    /// Which style.
    public let style: StyleName
    /// Its share of the mix, relative to the other weights.
    public let weight: Double
    /// `style` at `weight` (1 when alone).
    public init(_ style: StyleName, _ weight: Double = 1) {
        self.style = style
        self.weight = weight
    }
}

extension StyleWeight {
    /// Parses "name" or a blend "a=0.6,b=0.4": names with weights (finite, at least 0,
    /// not all 0; a name alone weighs 1, "a=" is an error). Throws `.parameter` errors.
    public static func mix(_ text: String) throws -> [StyleWeight] {
        var styles: [StyleWeight] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = kv.first, !name.isEmpty else {
                throw LimnError("empty style name in '\(text)'", kind: .parameter)
            }
            guard kv.count == 2 else {
                styles.append(StyleWeight(StyleName(rawValue: name)))
                continue
            }
            guard let w = Double(kv[1]), w >= 0, w.isFinite else {
                throw LimnError("the weight of '\(name)' must be a finite number, at least 0 (got '\(kv[1])')", kind: .parameter)
            }
            styles.append(StyleWeight(StyleName(rawValue: name), w))
        }
        guard styles.contains(where: { $0.weight > 0 }) else {
            throw LimnError("the weights must not all be 0", kind: .parameter)
        }
        return styles
    }
}

/// What to do to an image: one of `limn`'s commands with its settings.
/// `tile` is the edge of the blocks a network computes at once (nil: the command's default).
public enum ImageOperation: Sendable {
    /// Enlarge to `size` (a factor in (1, 8], or a width or height).
    case upscale(UpscaleSize, model: UpscaleModel = .photo, tile: Int? = nil)
    /// Paint in a mix of styles; `strength` 0 (the input) to 1; `workingSize`:
    /// the long side the network paints at (0: full size).
    case stylize([StyleWeight], strength: Double = 1, preserveColors: Bool = false,
                 workingSize: Int = 1024, tile: Int? = nil)
    /// Remove motion and defocus blur with the enhance preset `preset`; `strength` 0 (the input) to 1.
    case enhance(strength: Double = 1, preset: String = "deblur", tile: Int? = nil)

    /// Block edges a network accepts, in input pixels.
    public static let tileRange = 16...8192
    /// Working sizes `stylize` accepts, besides 0.
    public static let workingSizeRange = 64...32768
}

/// The operations ready to run on files or encoded bytes, with one set of
/// presets loaded once and shared by every run (and thread).
///
/// ```swift
/// let limn = try Processor()
/// let png = try limn.process(jpegData, .upscale(.scale(2)))
/// try limn.process(file: "in.jpg", to: "out.jpg", .stylize([StyleWeight("starry-night")]))
/// ```
/// Errors are ``LimnError``s; their `kind` says what failed.
public struct Processor: Sendable {
    /// The networks this processor uses.
    package let presets: PresetManifest
    /// Inputs whose header declares more pixels than this are refused (`.tooLarge`).
    public var maxPixels: Int = 500_000_000
    private let networks: LoadedNetworks

    /// Loads the presets from `folder`, or when nil from the first of
    /// `$LIMN_PRESETS`, `PREFIX/share/limn/presets` beside the installed
    /// executable, and the source checkout's `Presets/`.
    public init(presets folder: String? = nil) throws {
        do {
            presets = try PresetManifest.installed(explicit: folder)
        } catch {
            throw LimnError("\(error)", kind: .presets)
        }
        networks = LoadedNetworks(presets)
    }

    /// The styles the style presets paint, in manifest order (loads the style networks).
    public func styles() throws -> [StyleName] {
        do {
            return try networks.styles().map { StyleName(rawValue: $0.name) }
        } catch {
            throw LimnError("\(error)", kind: .presets)
        }
    }

    /// Each style with its line ("artist, title (date); licence").
    package func styleEntries() throws -> [StyleEntry] { try networks.styles() }

    /// Applies `operation` to the encoded image `input` and returns the result
    /// encoded as `format` ("png", "jpg[Q=90]", "webp", "tif"), with the input's
    /// metadata (EXIF, ICC profile) carried over.
    public func process(_ input: Data, _ operation: ImageOperation, format: String = "png",
                        control: RunControl? = nil) throws -> Data {
        let (access, apply) = try prepare(operation)
        return try job(access, control: control).encode(.data(input), format: format, apply)
    }

    /// Applies `operation` to the file `input` and writes `output` (format by its
    /// suffix, save options in brackets: "out.jpg[Q=92]"), atomically: a failure
    /// leaves no file and an existing one unchanged.
    public func process(file input: String, to output: String, _ operation: ImageOperation,
                        control: RunControl? = nil) throws {
        let (access, apply) = try prepare(operation)
        try job(access, control: control).run(.file(input), to: .file(output), apply)
    }

    private func job(_ access: InputAccess, control: RunControl?) -> Job {
        Job(reader: ImageReader(maxPixels: maxPixels), writer: ImageWriter(control: control), access: access)
    }

    /// Checks `operation`'s settings and loads its networks; returns how it reads
    /// its input and the function that applies it. Throws `.parameter` or `.presets` errors.
    package func prepare(_ operation: ImageOperation) throws -> (access: InputAccess, apply: JobOperation) {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw LimnError(message(), kind: .parameter) }
        }
        func checkTile(_ tile: Int?) throws {
            if let tile { try check(ImageOperation.tileRange.contains(tile), "tile must be \(ImageOperation.tileRange.lowerBound) to \(ImageOperation.tileRange.upperBound) pixels") }
        }
        func checkStrength(_ s: Double) throws { try check((0...1).contains(s), "strength must be between 0 and 1") }
        do {
            switch operation {
            case .upscale(let size, let model, let tile):
                switch size {
                case .scale(let s): try check(s > 1 && s <= UpscaleSize.maxScale, "scale must be greater than 1 and at most 8")
                case .width(let w): try check(w > 0, "width must be a positive pixel count")
                case .height(let h): try check(h > 0, "height must be a positive pixel count")
                }
                try checkTile(tile)
                if model == .lanczos {
                    try check(tile == nil, "tile applies to the network models; lanczos streams without blocks")
                    let upscaler = LanczosUpscaler(size: size)
                    return (.sequential, { image, _ in try upscaler(image) })
                }
                let upscaler = NetworkUpscaler(family: model.rawValue, size: size, tile: tile ?? NetworkUpscaler.defaultTile,
                                               networks: networks)
                return (.sequential, { image, _ in try upscaler(image) })
            case .stylize(let mix, let strength, let preserveColors, let workingSize, let tile):
                try check(!mix.isEmpty, "no style given")
                for part in mix {
                    try check(part.weight >= 0 && part.weight.isFinite, "style weights must be finite and at least 0: \(part.style)=\(part.weight)")
                }
                try check(mix.contains { $0.weight > 0 }, "style weights must not all be 0")
                try checkStrength(strength)
                try check(workingSize == 0 || ImageOperation.workingSizeRange.contains(workingSize),
                          "working size must be 0 or \(ImageOperation.workingSizeRange.lowerBound) to \(ImageOperation.workingSizeRange.upperBound) pixels")
                try checkTile(tile)
                let known = try networks.styles().map(\.name)
                for part in mix where !known.contains(part.style.rawValue) {
                    throw LimnError("no style '\(part.style)'; known: \(known.joined(separator: ", ")); presets from \(presets.folder)",
                                    kind: .parameter)
                }
                let stylizer = Stylizer(network: try networks.styleNetwork(for: mix.map { ($0.style.rawValue, $0.weight) }),
                                        strength: strength, preserveColors: preserveColors, workingSize: workingSize,
                                        tile: tile ?? Stylizer.defaultTile)
                // The statistics pass reads the whole picture before the blocks do.
                return (.sequentialAfterPreview, { image, _ in try stylizer(image) })
            case .enhance(let strength, let preset, let tile):
                try checkStrength(strength)
                try checkTile(tile)
                let enhancer = Enhancer(model: preset, strength: strength, tile: tile ?? Enhancer.defaultTile, networks: networks)
                _ = try networks.network(preset, task: "enhance")
                // The kernel is estimated from the middle of a first read before the blocks stream.
                return (.sequentialAfterPreview, { try enhancer($0, control: $1) })
            }
        } catch let error as EngineError {
            throw LimnError("\(error)", kind: .presets)
        }
    }
}
