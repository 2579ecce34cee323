import ArgumentParser

struct LimnCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "limn",
        abstract: "Neural image post-processing: upscale, stylize, enhance.",
        discussion: """
        Every command reads any format libvips loads and chains in pipes:
          limn upscale --scale 2 in.jpg - --format v | limn upscale --scale 2 - out.png
        and takes folders, manifests and shards for large runs (docs/scale-out.md):
          limn upscale --shard 0/4 --skip-existing --output-dir out/ photos/

        Exit status: 0 every input done (or skipped), 1 some inputs failed (each named
        on stderr, then a summary line), 64 a usage error (nothing was processed).
        """,
        version: version,
        subcommands: [Upscale.self, Stylize.self, Enhance.self, Presets.self, Serve.self])
}
