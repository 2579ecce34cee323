import ArgumentParser

struct LimnCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "limn",
        abstract: "Neural image post-processing: upscale, stylize, enhance.",
        discussion: """
        Every command reads any format libvips loads and chains in pipes:
          limn upscale --scale 2 in.jpg - --format v | limn upscale --scale 2 - out.png
        """,
        version: version,
        subcommands: [Upscale.self, Stylize.self, Enhance.self, Presets.self])
}
