import ArgumentParser
import Foundation
import Limn
import LimnEngine

/// "name" or "a=0.6,b=0.4".
struct StyleMix: ExpressibleByArgument {
    let styles: [(name: String, weight: Double)]
    init?(argument: String) {
        var styles: [(String, Double)] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            // "a=" (an empty weight) and "a,,b" are errors, not weight 1.
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = kv.first, !name.isEmpty else { return nil }
            if kv.count == 2 {
                guard let w = Double(kv[1]), w > 0, w.isFinite else { return nil }
                styles.append((name, w))
            } else {
                styles.append((name, 1))
            }
        }
        guard !styles.isEmpty else { return nil }
        self.styles = styles
    }
}

struct Stylize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paint images in the style of a painting.",
        discussion: """
        Styles are presets (see `limn presets`). Examples:
          limn stylize --style starry-night photo.jpg painted.jpg
          limn stylize --style starry-night=0.7,great-wave=0.3 --strength 0.8 in.png out.png
          limn stylize --style the-scream --preserve-colors --working-size 2048 big.jpg out.jpg
        """)

    @Option(help: ArgumentHelp("A style preset, or several with weights: a=0.6,b=0.4.", valueName: "name"))
    var style: StyleMix

    @OptionGroup var strength: StrengthOption

    @Flag(help: "Keep the original colours: the style changes luminance only.")
    var preserveColors = false

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Long side in pixels the network paints at; larger gives finer strokes relative to the picture. 0 paints at full size.",
        valueName: "px"))
    var workingSize: Int = 1024

    @Option(parsing: .unconditional, help: ArgumentHelp(BlockEdge.help, valueName: "px"))
    var tile = BlockEdge(Stylizer.defaultTile)

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if workingSize != 0 && !ImageOperation.workingSizeRange.contains(workingSize) {
            throw ValidationError("--working-size must be 0 or 64 to 32768 pixels")
        }
    }

    func run() throws {
        try common.run(.stylize(style.styles.map { StyleWeight(StyleName(rawValue: $0.name), $0.weight) },
                                strength: strength.strength, preserveColors: preserveColors,
                                workingSize: workingSize, tile: tile.value))
    }
}

struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the shipped networks: styles, upscalers.")

    @OptionGroup var presets: PresetsOption

    func run() throws {
        let manifest = try presets.processor().presets
        if manifest.entries.isEmpty {
            print("No presets installed in \(manifest.folder).")
            return
        }
        let width = manifest.entries.map { $0.name.count }.max() ?? 0
        for task in Set(manifest.entries.map(\.task)).sorted() {
            print("\(task):")
            for e in manifest.entries where e.task == task {
                print("  \(e.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(e.description)")
            }
        }
    }
}
