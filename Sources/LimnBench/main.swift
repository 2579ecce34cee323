// limn-bench: measurements that do not belong in tests.
//
//   limn-bench tiled IN OUT [--tile N] [--scale S]
//       Streams IN through the tiled block operator with a 3x3 mean filter
//       followed by nearest-neighbour upscaling, and writes OUT; reports wall
//       time and peak RSS, so memory can be compared across image sizes.
import Foundation
import Limn
import LimnImage

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("limn-bench: \(message)\n".utf8))
    exit(1)
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// 3x3 mean, then each pixel repeated `scale` x `scale` times.
func meanThenNearest(scale: Int) -> BlockFunction {
    BlockFunction(halo: 1, scale: scale, outputBands: 3, padding: .replicate) { b in
        for y in 0..<b.outputHeight {
            let sy = y / scale + 1
            for x in 0..<b.outputWidth {
                let sx = x / scale + 1
                for c in 0..<3 {
                    var s: Float = 0
                    for dy in -1...1 { for dx in -1...1 { s += b.input[((sy + dy) * b.width + sx + dx) * 3 + c] } }
                    b.output[(y * b.outputWidth + x) * 3 + c] = s / 9
                }
            }
        }
    }
}

var args = Array(CommandLine.arguments.dropFirst())
guard args.first == "tiled" else { fail("usage: limn-bench tiled IN OUT [--tile N] [--scale S]") }
args.removeFirst()
var tile = 256, scale = 2
var files: [String] = []
var i = 0
while i < args.count {
    switch args[i] {
    case "--tile": i += 1; tile = Int(args[i]) ?? tile
    case "--scale": i += 1; scale = Int(args[i]) ?? scale
    default: files.append(args[i])
    }
    i += 1
}
guard files.count == 2 else { fail("need IN and OUT") }

let start = Date()
do {
    let job = Job(reader: ImageReader(), writer: ImageWriter())
    let f = meanThenNearest(scale: scale)
    try job.run(ImageSource(files[0]), to: .file(files[1])) { input in
        var out = input
        out.colour = try input.colour.tiled(f, block: tile)
        return out
    }
} catch {
    fail("\(error)")
}
print(String(format: "tiled tile=%d scale=%d: %.2f s, peak RSS %.0f MB", tile, scale,
             Date().timeIntervalSince(start), peakRSSMegabytes()))
