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

    @Option(help: "How much of the network's result to keep, 0 (none) to 1 (all).")
    var strength: Double = 1

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if !(0...1).contains(strength) { throw ValidationError("--strength must be between 0 and 1") }
    }

    func run() throws {
        let enhancer = Enhancer(model: model, strength: strength, tile: common.tile ?? Enhancer.defaultTile, manifest: try installedPresets())
        // The kernel is estimated from the middle of the image before the
        // blocks stream, so the image is read twice: random access.
        try common.runJobs(sequential: false) { try enhancer($0) }
    }
}
