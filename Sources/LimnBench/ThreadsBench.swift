import Foundation
import Limn
import LimnEngine
import LimnImage

/// `limn-bench threads MODEL IMAGE [--tile N]`: runs a network over an image
/// through the tiled operator with the two ways of sharing the cores (one
/// block per core, single-threaded oneDNN; or one block at a time on all
/// cores) and prints the time of each.
enum ThreadsBench {
    static func run(_ o: Options) {
        guard o.positional.count == 2 else { fail("usage: limn-bench threads MODEL IMAGE [--tile N]") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let tile = o.int("tile", 256)
        do {
            let net = try Architectures.load(path: o.positional[0])
            print("| split | vips workers | oneDNN threads | tile | s | MP/s |")
            print("|---|---:|---:|---:|---:|---:|")
            for (name, workers, inner) in [("block per core", cores, 1), ("all cores per block", 1, cores)] {
                Vips.setThreads(workers)
                let out = NSTemporaryDirectory() + "limn-threads-\(getpid()).v"
                defer { unlink(out) }
                let working = try WorkingImage(ImageReader().read(ImageSource(o.positional[1])))
                let t0 = Measure.now()
                let tiled = try working.colour.tiled(.network(net, oneDNNThreads: inner), block: tile)
                try ImageWriter().write(tiled, to: .file(out))
                let s = Measure.now() - t0
                let mp = Double(working.width * working.height) / 1e6
                print("| \(name) | \(workers) | \(inner) | \(tile) | \(Measure.f(s, 2)) | \(Measure.f(mp / s, 3)) |")
            }
        } catch {
            fail("\(error)")
        }
    }
}
