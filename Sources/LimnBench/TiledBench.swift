import Foundation
import Limn
import LimnImage

/// `limn-bench tiled IN OUT [--tile N] [--scale S]`: streams IN through the
/// tiled operator with a 3x3 mean and nearest-neighbour upscaling; reports
/// wall time and peak RSS, to compare memory across image sizes.
enum TiledBench {
    static func meanThenNearest(scale: Int) -> BlockFunction {
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

    static func run(_ o: Options) {
        guard o.positional.count == 2 else { fail("usage: limn-bench tiled IN OUT [--tile N] [--scale S]") }
        let tile = o.int("tile", 256), scale = o.int("scale", 2)
        let start = Measure.now()
        do {
            let f = meanThenNearest(scale: scale)
            try Job(reader: ImageReader(), writer: ImageWriter(), access: .sequential).run(ImageSource(o.positional[0]),
                                                                     to: .file(o.positional[1])) { input, _ in
                var out = input
                out.colour = try input.colour.tiled(f, block: tile)
                return out
            }
        } catch {
            fail("\(error)")
        }
        print("tiled tile=\(tile) scale=\(scale): \(Measure.f(Measure.now() - start, 2)) s, peak RSS \(Measure.f(Measure.peakRSSMegabytes(), 0)) MB")
    }
}
