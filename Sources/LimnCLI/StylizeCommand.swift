import ArgumentParser
import Foundation
import Limn
import LimnEngine

/// `--style`: a style or a blend (`StyleWeight.mix`), checked as it is parsed.
func parseStyleMix(_ argument: String) throws -> [StyleWeight] {
    do {
        return try StyleWeight.mix(argument)
    } catch let error as LimnError {
        throw ValidationError(error.message)
    }
}

struct Stylize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paint images in the style of a painting.",
        discussion: """
        The styles are those `limn presets` lists; a blend mixes their manners in one pass.
        A picture whose working size is at most 1024 pixels long is painted in one pass;
        larger ones in --tile blocks that share that pass's statistics. Examples:
          limn stylize --style starry-night photo.jpg painted.jpg
          limn stylize --style starry-night=0.7,great-wave=0.3 --strength 0.8 in.png out.png
          limn stylize --style the-scream --preserve-colors --working-size 2048 big.jpg out.jpg
        """)

    @Option(help: ArgumentHelp("A style (see `limn presets`), or a blend of several with weights: a=0.6,b=0.4 (weights at least 0, normalised to sum 1).", valueName: "name"), transform: parseStyleMix)
    var style: [StyleWeight]

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
        try common.run(.stylize(style,
                                strength: strength.strength, preserveColors: preserveColors,
                                workingSize: workingSize, tile: tile.value))
    }
}

struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the shipped networks: styles, upscalers.")

    @OptionGroup var presets: PresetsOption

    func run() throws {
        let processor = try presets.processor()
        let manifest = processor.presets
        if manifest.entries.isEmpty {
            print("No presets installed in \(manifest.folder).")
            return
        }
        // Styles are rows of the style networks: listed one by one.
        let styles = try processor.styleEntries().map { ($0.name, $0.description) }
        var rows = [(task: String, name: String, text: String)]()
        for task in Set(manifest.entries.map(\.task)).sorted() {
            rows += task == "style" ? styles.map { (task, $0.0, $0.1) }
                : manifest.entries.filter { $0.task == task }.map { (task, $0.name, $0.description) }
        }
        let width = rows.map { $0.name.count }.max() ?? 0
        for task in Set(rows.map(\.task)).sorted() {
            print("\(task):")
            for r in rows where r.task == task {
                print("  \(r.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(r.text)")
            }
        }
    }
}
