import Foundation
import Limn
import LimnEngine
import LimnImage
import XCTest

/// The shipped presets (Presets/manifest.json): each loads with its hash
/// checked and computes what PyTorch computes with the same weights on a crop
/// of Samples/chelsea.jpg (limn_train.make_preset_goldens wrote Goldens/).
final class PresetTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let manifest = Result { try PresetManifest(folder: PresetTests.repo + "/Presets") }
    let goldens = PresetTests.repo + "/Tests/LimnTests/Goldens"

    func testEveryPresetMatchesPyTorch() throws {
        let manifest = try manifest.get()
        for e in manifest.entries {
            var net = try manifest.load(e.name, task: e.task)
            let golden = try SafeTensorsFile(path: "\(goldens)/\(e.task)-\(e.name).safetensors")
            if golden.entries["mix"] != nil {   // a blend of styles
                net = try XCTUnwrap(net as? StyleNet).blended(try golden.floats("mix").map(Double.init))
            }
            let shape = try XCTUnwrap(golden.entries["input"]).shape
            let x = Tensor(height: shape[0], width: shape[1], channels: shape[2], values: try golden.floats("input"))
            let y = try net.forward(x).values
            let expected = try golden.floats("output")
            XCTAssertEqual(y.count, expected.count, e.name)
            XCTAssertLessThan(maxDifference(y, expected), 1e-4, "\(e.task) \(e.name)")
        }
    }

    func testShipsTheUpscalers() throws {
        let names = Set(try manifest.get().entries.filter { $0.task == "upscale" }.map(\.name))
        XCTAssertEqual(names, ["photo_x2", "photo_x3", "photo_x4", "fidelity_x2", "fidelity_x3", "fidelity_x4"])
    }

    func testShipsTheDeblurrer() throws {
        let enhancers = try manifest.get().entries.filter { $0.task == "enhance" }.map(\.name)
        XCTAssertEqual(enhancers, ["deblur"])
    }

    /// Every shipped upscaler and deblurrer through the tiled operator (blocks
    /// smaller and larger than the image) equals one pass over the whole image.
    func testUpscalersAndDeblurrerTiledEqualOnePass() throws {
        let manifest = try manifest.get()
        try Vips.start()
        let img = try ImageReader(sequential: false).read(.file(PresetTests.repo + "/Samples/chelsea.jpg"))
            .linear(1.0 / 255, 0).resampled(width: 75, height: 50)
        for e in manifest.entries where e.task == "upscale" || e.task == "enhance" {
            let net = try manifest.load(e.name, task: e.task)
            // A fused deblurrer takes the image and its deconvolution (here with a fixed kernel).
            let input = net.inputChannels == 6
                ? try Deconvolution(kernel: try DeconvolutionTests.kernel("kernel")).joined(to: img) : img
            let whole = Tensor(height: 50, width: 75, channels: net.inputChannels, values: try input.floatPixels())
            let reference = try net.forwardWhole(whole).values
            for block in [24, 128] {
                let tiled = try input.tiled(.network(net), block: block)
                XCTAssertEqual([tiled.width, tiled.height], [75 * net.scale, 50 * net.scale], e.name)
                XCTAssertLessThan(maxDifference(try tiled.floatPixels(), reference), 1e-4, "\(e.name) block \(block)")
            }
        }
    }

    /// A real preset through the tiled operator with whole-image statistics
    /// equals one pass over the whole image with the same statistics.
    func testStylePresetTiledEqualsOnePass() throws {
        let manifest = try manifest.get()
        let name = try XCTUnwrap(manifest.entries.first { $0.task == "style" }).name
        let net = try manifest.load(name, task: "style")
        try Vips.start()
        let img = try ImageReader(sequential: false).read(.file(PresetTests.repo + "/Samples/chelsea.jpg"))
            .linear(1.0 / 255, 0).resampled(width: 180, height: 120)
        let pixels = try img.floatPixels()
        let whole = Tensor(height: 120, width: 180, channels: 3, values: pixels)
        let stats = try net.normStats(whole)
        let reference = try net.forwardWhole(whole, stats: stats).values
        for block in [48, 100] {
            let tiled = try img.tiled(.network(net, stats: stats), block: block).floatPixels()
            XCTAssertLessThan(maxDifference(tiled, reference), 1e-4, "block \(block)")
        }
    }
}
