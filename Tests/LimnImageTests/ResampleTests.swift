import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

final class ResampleTests: XCTestCase {
    override func setUp() { try! Vips.start() }

    /// A linear ramp must come out as the same ramp sampled at the output pixel
    /// centres: any sub-pixel offset shows as a constant error.
    func testPixelCentresLineUp() throws {
        let w = 40
        let ramp = try Image.fromFloats((0..<w).map { Float($0) }, width: w, height: 1, bands: 1)
        for (scale, kernel) in [(2.0, ResampleKernel.lanczos3), (3.0, .lanczos3), (1.5, .lanczos3), (2.0, .cubic),
                                (2.5, .linear)] {
            let outW = Int(Double(w) * scale)
            let out = try ramp.resampled(width: outW, height: 1, kernel: kernel).floatPixels()
            for x in Int(4 * scale)..<(outW - Int(4 * scale)) {
                let expected = (Double(x) + 0.5) / scale - 0.5
                XCTAssertEqual(Double(out[x]), expected, accuracy: 0.05, "scale \(scale) x \(x)")
            }
        }
    }

    func testFlatImageStaysFlatToTheEdges() throws {
        let img = try Image.fromFloats(Array(repeating: 0.25, count: 7 * 5 * 3), width: 7, height: 5, bands: 3)
        let out = try img.resampled(width: 23, height: 16).floatPixels()
        XCTAssertEqual(out.count, 23 * 16 * 3)
        for v in out { XCTAssertEqual(v, 0.25, accuracy: 1e-6) }
    }

    func testShrinkingAveragesAwayAlternatingPixels() throws {
        let stripes = (0..<64).map { Float($0 % 2) }
        let img = try Image.fromFloats(stripes, width: 64, height: 1, bands: 1)
        let out = try img.resampled(width: 16, height: 1).floatPixels()
        for v in out[2..<14] { XCTAssertEqual(v, 0.5, accuracy: 0.02) }
    }

    /// The bar: lanczos x2 on Set5 at least matches a plain bicubic resize.
    func testSet5LanczosBeatsBicubic() throws {
        guard let shared = sharedFolder else { throw XCTSkip("../shared/datasets not present") }
        let dir = shared + "/datasets/sr_test/Set5/image_SRF_2"
        var lanczos = 0.0, bicubic = 0.0
        for i in 1...5 {
            let name = String(format: "img_%03d_SRF_2", i)
            let hr = try openImage("\(dir)/\(name)_HR.png")
            let lr = try openImage("\(dir)/\(name)_LR.png").cast(VIPS_FORMAT_FLOAT)
            let ref = try hr.cast(VIPS_FORMAT_FLOAT).floatPixels()
            for (kernel, total) in [(ResampleKernel.lanczos3, 0), (.cubic, 1)] {
                let up = try lr.resampled(width: hr.width, height: hr.height, kernel: kernel).clamp(0, 255)
                    .linear(1, 0.5).cast(VIPS_FORMAT_UCHAR).cast(VIPS_FORMAT_FLOAT).floatPixels()
                let p = psnrY(up, ref, width: hr.width, height: hr.height, shave: 2)
                if total == 0 { lanczos += p / 5 } else { bicubic += p / 5 }
            }
        }
        print("Set5 x2 Y-PSNR: lanczos3 \(lanczos) dB, bicubic \(bicubic) dB")
        XCTAssertGreaterThanOrEqual(lanczos, bicubic)
        XCTAssertGreaterThan(bicubic, 33.5, "centre-aligned bicubic scores about 33.7 dB")
    }
}
