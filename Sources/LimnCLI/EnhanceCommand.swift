import ArgumentParser
import Limn
import LimnEngine

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

    @Option(help: ArgumentHelp(BlockEdge.help, valueName: "px"))
    var tile = BlockEdge(Enhancer.defaultTile)

    @OptionGroup var common: CommonOptions

    func run() throws {
        let enhancer = Enhancer(model: model, strength: strength.strength, tile: tile.value, manifest: try common.presets.manifest())
        // The kernel is estimated from the middle of the image before the
        // blocks stream, so the image is read twice: random access.
        try common.runJobs(sequential: false) { try enhancer($0) }
    }
}
