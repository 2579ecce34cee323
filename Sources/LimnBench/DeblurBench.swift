import Foundation
import Limn
import LimnEngine
import LimnImage

/// `limn-bench deblur IMAGE [--model NAME] [--tile N] [--repeat R]`: times the
/// stages of `limn enhance` with a fused preset: the kernel estimate (once per
/// image, on its central 256 px of luma), the deconvolution alone through the
/// tiled operator, and the whole enhance (estimate, deconvolution, network),
/// each written to a temporary .v file.
enum DeblurBench {
    static func run(_ o: Options) {
        guard o.positional.count == 1 else { fail("usage: limn-bench deblur IMAGE [--model NAME] [--tile N] [--repeat R]") }
        let repeats = o.int("repeat", 3)
        do {
            try Vips.start()
            let source = ImageSource(o.positional[0])
            let working = try WorkingImage(ImageReader(sequential: false).read(source))
            let rgb = try working.networkRGB()
            let mp = Double(working.width * working.height) / 1e6
            print("\(o.positional[0]): \(working.width)x\(working.height) (\(Measure.f(mp, 2)) MP); \(Measure.machine())")
            let (luma, h, w) = try Deconvolution.centralLuma(rgb)
            var kernel = BlurKernel.delta(1)
            let est = Measure.time(repeats: repeats, warmup: 0) {
                kernel = KernelEstimator().estimate(luma, height: h, width: w)
            }
            print("kernel estimate (\(w)x\(h)): \(Measure.f(est.mean, 2)) s (sd \(Measure.f(est.sd, 2))); energy \(Measure.f(kernel.energy, 4))")
            let out = NSTemporaryDirectory() + "limn-deblur-\(getpid()).v"
            defer { unlink(out) }
            let deconvolution = Deconvolution(kernel: kernel)
            let dec = try Measure.time(repeats: repeats, warmup: 1) {
                try ImageWriter().write(try deconvolution.joined(to: rgb), to: .file(out))
            }
            print("deconvolution: \(Measure.f(dec.mean, 2)) s (sd \(Measure.f(dec.sd, 2))), \(Measure.f(mp / dec.mean, 2)) MP/s")
            let enhancer = Enhancer(model: o.values["model"] ?? "deblur", strength: 1, tile: o.int("tile", Enhancer.defaultTile),
                                    manifest: try PresetManifest.installed())
            let all = try Measure.time(repeats: repeats, warmup: 1) {
                let input = try WorkingImage(ImageReader(sequential: false).read(source))
                try ImageWriter().write(try enhancer(input).colour, to: .file(out))
            }
            print("limn enhance, all stages: \(Measure.f(all.mean, 2)) s (sd \(Measure.f(all.sd, 2))), \(Measure.f(mp / all.mean, 2)) MP/s")
        } catch {
            fail("\(error)")
        }
    }
}
