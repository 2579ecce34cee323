// limn-demo IN OUTDIR: writes IN upscaled x2, in the style of The Starry Night, and deblurred.
import Foundation
import Limn
import LimnEngine
import LimnImage

let args = CommandLine.arguments
guard args.count == 3 else {
    FileHandle.standardError.write(Data("usage: limn-demo IN OUTDIR\n".utf8))
    exit(64)
}
let (input, outDir) = (args[1], args[2])
do {
    let presets = try PresetManifest.installed()
    let job = Job(reader: ImageReader(sequential: false), writer: ImageWriter())
    let upscale = NetworkUpscaler(family: "photo", size: .scale(2), tile: NetworkUpscaler.defaultTile, manifest: presets)
    let stylize = Stylizer(styles: [("starry-night", 1)], strength: 1, preserveColors: false, workingSize: 1024,
                           tile: Stylizer.defaultTile, manifest: presets)
    let enhance = Enhancer(model: "deblur", strength: 1, tile: Enhancer.defaultTile, manifest: presets)
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    try job.run(.file(input), to: .file(outDir + "/upscaled.png")) { try upscale($0) }
    try job.run(.file(input), to: .file(outDir + "/stylized.png")) { try stylize($0) }
    try job.run(.file(input), to: .file(outDir + "/enhanced.png")) { try enhance($0) }
    print("wrote upscaled.png, stylized.png and enhanced.png in \(outDir)")
} catch {
    FileHandle.standardError.write(Data("limn-demo: \(error)\n".utf8))
    exit(1)
}
