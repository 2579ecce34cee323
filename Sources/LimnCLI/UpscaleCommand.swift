import ArgumentParser
import Limn
import LimnEngine
import LimnImage

extension UpscaleModel: ExpressibleByArgument {}

struct Upscale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enlarge images.",
        discussion: """
        Give the size with --scale (any factor in (1, 8]) or with --width or --height \
        (the other side keeps the aspect ratio).
        Examples:
          limn upscale --scale 2 photo.jpg photo-2x.jpg
          limn upscale --model fidelity --scale 4 clean.png clean-4x.png
          limn upscale --width 3000 in.png 'out.jpg[Q=92]'
          limn upscale --scale 3 --output-dir big/ --suffix -3x *.jpg
        """)

    @Option(help: "photo (networks trained for real photos: JPEG, noise, blur), fidelity (networks trained on clean bicubic downscales) or lanczos (no network).")
    var model: UpscaleModel = .photo

    @Option(parsing: .unconditional, help: "Factor to enlarge by, in (1, 8].")
    var scale: Double?

    @Option(parsing: .unconditional, help: "Output width in pixels.")
    var width: Int?

    @Option(parsing: .unconditional, help: "Output height in pixels.")
    var height: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(BlockEdge.help + " Network models only: lanczos streams without blocks.", valueName: "px"))
    var tile = BlockEdge(NetworkUpscaler.defaultTile)

    @OptionGroup var common: CommonOptions

    var size: UpscaleSize {
        if let width { return .width(width) }
        if let height { return .height(height) }
        return .scale(scale ?? 2)
    }

    func validate() throws {
        let given = [scale != nil, width != nil, height != nil].filter { $0 }.count
        if given > 1 { throw ValidationError("give one of --scale, --width, --height") }
        if let scale, !(scale > 1 && scale <= UpscaleSize.maxScale) {
            throw ValidationError("--scale must be greater than 1 and at most 8")
        }
        if let width, !(1...1_000_000).contains(width) { throw ValidationError("--width must be a positive pixel count") }
        if let height, !(1...1_000_000).contains(height) { throw ValidationError("--height must be a positive pixel count") }
        if model == .lanczos && tile != BlockEdge(NetworkUpscaler.defaultTile) {
            throw ValidationError("--tile applies to the network models; lanczos streams without blocks")
        }
    }

    func run() throws {
        try common.run(.upscale(size, model: model, tile: model == .lanczos ? nil : tile.value))
    }
}
