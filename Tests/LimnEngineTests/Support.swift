import Foundation
@testable import LimnEngine
import XCTest

struct Random {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in next() * scale } }
    mutating func tensor(_ h: Int, _ w: Int, _ c: Int) -> Tensor {
        Tensor(height: h, width: w, channels: c, values: array(h * w * c))
    }
}

func fixture(_ name: String) -> String {
    Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
}

/// Largest absolute difference divided by the largest reference magnitude.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    var diff: Float = 0, scale: Float = 1e-12
    for (x, y) in zip(a, b) {
        diff = max(diff, abs(x - y))
        scale = max(scale, abs(y))
    }
    return diff / scale
}

/// The textbook convolution, for checking the oneDNN path.
func referenceConv(_ x: Tensor, weights: [Float], bias: [Float], outC: Int, k: Int, stride: Int, pad: Int,
                   dilation: Int, groups: Int) -> Tensor {
    let icg = x.channels / groups, ocg = outC / groups
    let oh = (x.height + 2 * pad - dilation * (k - 1) - 1) / stride + 1
    let ow = (x.width + 2 * pad - dilation * (k - 1) - 1) / stride + 1
    let out = Tensor(height: oh, width: ow, channels: outC)
    for y in 0..<oh {
        for xo in 0..<ow {
            for o in 0..<outC {
                let g = o / ocg
                var s = Double(bias[o])
                for i in 0..<icg {
                    for ky in 0..<k {
                        let iy = y * stride - pad + ky * dilation
                        if iy < 0 || iy >= x.height { continue }
                        for kx in 0..<k {
                            let ix = xo * stride - pad + kx * dilation
                            if ix < 0 || ix >= x.width { continue }
                            s += Double(weights[((o * icg + i) * k + ky) * k + kx]) * Double(x[iy, ix, g * icg + i])
                        }
                    }
                }
                out[y, xo, o] = Float(s)
            }
        }
    }
    return out
}
