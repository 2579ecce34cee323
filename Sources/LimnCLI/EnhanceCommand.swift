import ArgumentParser
import Limn

struct Enhance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove motion and defocus blur.",
        discussion: """
        Examples:
          limn enhance blurry.jpg sharp.jpg
          limn enhance --strength 0.6 in.png out.png
        """)

    @Option(help: "The enhance preset (see `limn presets`).")
    var model: String = "deblur"

    @OptionGroup var strength: StrengthOption

    @Option(parsing: .unconditional, help: ArgumentHelp(BlockEdge.help, valueName: "px"))
    var tile = BlockEdge(Enhancer.defaultTile)

    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(.enhance(strength: strength.strength, preset: model, tile: tile.value))
    }
}
