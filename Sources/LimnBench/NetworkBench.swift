import Foundation
import Limn
import LimnEngine
import LimnImage

/// `limn-bench network PRESET IMAGE [--tile N]`: a network's own throughput over
/// the blocks its command computes: the image decoded into memory first (not
/// timed), then the network through the tiled operator with the command's block
/// size and halo (for a style network, at full size, after its statistics pass at
/// 1024 px as `limn stylize --working-size 0`; for a fused deblurrer, after its
/// kernel estimate and with the deconvolution, as `limn enhance`), the output
/// consumed without being kept. The whole command's time over this gives the share lost to IO, colour,
/// resampling and serial stages (`Benchmarks/commands.sh`).
enum NetworkBench {
    static func run(_ o: Options) {
        guard o.positional.count == 2 else { fail("usage: limn-bench network PRESET IMAGE [--tile N]") }
        do {
            try Vips.start()
            let net = try Architectures.load(path: o.positional[0])
            let working = try WorkingImage(ImageReader(sequential: false).read(ImageSource(o.positional[1])))
            let decoded = try working.networkRGB()
            let rgb = try Image.fromFloats(decoded.floatPixels(), width: decoded.width, height: decoded.height, bands: 3)
            let t0 = Measure.now()
            let out: Image
            if let style = net as? StyleNet {
                let small = try Stylizer.fitted(rgb, Stylizer.statisticsSize)
                let (stats, whole) = try style.normStatsAndOutput(Tensor(height: small.height, width: small.width,
                                                                         channels: 3, values: small.floatPixels()))
                // An image no larger than the statistics pass is painted by that pass alone.
                out = small.width == rgb.width && small.height == rgb.height
                    ? try Image.fromFloats(whole.values, width: rgb.width, height: rgb.height, bands: 3)
                    : try rgb.tiled(.network(style, stats: stats), block: o.int("tile", Stylizer.defaultTile))
            } else if type(of: net).task == "enhance" {
                // A fused deblurrer's kernel estimate and deconvolution are part of its work.
                out = try Enhancer.deblurred(rgb, by: net, tile: o.int("tile", Enhancer.defaultTile))
            } else {
                out = try rgb.tiled(.network(net), block: o.int("tile", NetworkUpscaler.defaultTile))
            }
            _ = try out.average()
            let s = Measure.now() - t0
            let mp = Double(rgb.width * rgb.height) / 1e6
            print("\(o.positional[0]) on \(rgb.width)x\(rgb.height): \(Measure.f(s, 2)) s, \(Measure.f(mp / s, 3)) input MP/s")
        } catch {
            fail("\(error)")
        }
    }
}
