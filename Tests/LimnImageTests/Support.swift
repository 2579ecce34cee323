import CLimnVips
import Foundation
@testable import LimnImage
import XCTest

/// A deterministic pseudo-random sequence for test pixels.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E3779B97F4A7C15 | 1 }
    mutating func next() -> Float {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 24)
    }
}

func randomImage(width: Int, height: Int, bands: Int, seed: UInt64 = 1) throws -> Image {
    var rng = TestRandom(seed)
    let pixels = (0..<width * height * bands).map { _ in rng.next() }
    return try Image.fromFloats(pixels, width: width, height: height, bands: bands)
}

/// Opens a file without Limn's reader (random access, no orientation applied).
func openImage(_ path: String) throws -> Image {
    guard let p = limn_load_file(path, 0) else { throw LimnError.vips(path) }
    return Image(owning: p)
}

func saveImage(_ image: Image, _ path: String) throws {
    if limn_write_file(image.ptr, path) != 0 { throw LimnError.vips(path) }
}

/// A fresh empty folder for one test.
func makeTempDir() -> String {
    let dir = NSTemporaryDirectory() + "limn-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Y (BT.601, studio range) PSNR with `shave` border pixels removed, as the SR literature measures it.
func psnrY(_ a: [Float], _ b: [Float], width: Int, height: Int, shave: Int) -> Double {
    func y(_ p: [Float], _ i: Int) -> Double {
        16.0 + (65.481 * Double(p[3 * i]) + 128.553 * Double(p[3 * i + 1]) + 24.966 * Double(p[3 * i + 2])) / 255.0
    }
    var sum = 0.0
    var n = 0
    for r in shave..<(height - shave) {
        for c in shave..<(width - shave) {
            let d = y(a, r * width + c) - y(b, r * width + c)
            sum += d * d
            n += 1
        }
    }
    return 10 * log10(255.0 * 255.0 / (sum / Double(n)))
}

/// ../shared from the package root, where the data sets live; nil if absent.
var sharedFolder: String? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let shared = root.deletingLastPathComponent().appendingPathComponent("shared").path
    return FileManager.default.fileExists(atPath: shared + "/datasets") ? shared : nil
}
