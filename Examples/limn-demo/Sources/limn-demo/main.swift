// limn-demo IN OUTDIR: writes IN upscaled x2, in the style of The Starry Night,
// and deblurred, with a progress line; then the same upscale from bytes in memory.
import Foundation
import Limn

let args = CommandLine.arguments
guard args.count == 3 else {
    FileHandle.standardError.write(Data("usage: limn-demo IN OUTDIR\n".utf8))
    exit(64)
}
let (input, outDir) = (args[1], args[2])
do {
    let limn = try Processor()
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    let jobs: [(String, ImageOperation)] = [
        ("upscaled.png", .upscale(.scale(2))),
        ("stylized.png", .stylize([StyleWeight("starry-night")], strength: 0.9)),
        ("enhanced.png", .enhance()),
    ]
    for (name, operation) in jobs {
        let control = RunControl { fraction in
            FileHandle.standardError.write(Data("\r\(name) \(Int(fraction * 100))%".utf8))
        }
        try limn.process(file: input, to: outDir + "/" + name, operation, control: control)
        FileHandle.standardError.write(Data("\n".utf8))
    }
    let jpeg = try limn.process(Data(contentsOf: URL(fileURLWithPath: input)), .upscale(.scale(2)), format: "jpg[Q=90]")
    try jpeg.write(to: URL(fileURLWithPath: outDir + "/upscaled.jpg"))
    print("wrote \(jobs.map(\.0).joined(separator: ", ")) and upscaled.jpg (\(jpeg.count) bytes) in \(outDir)")
} catch let error as LimnError {
    FileHandle.standardError.write(Data("limn-demo: \(error) (\(error.kind))\n".utf8))
    exit(error.kind == .parameter ? 64 : 1)
}
