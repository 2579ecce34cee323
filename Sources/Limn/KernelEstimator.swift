import Foundation
import LimnEngine

/// A grey image of doubles, row-major.
struct Plane {
    let height: Int, width: Int
    var values: [Double]

    init(height: Int, width: Int, values: [Double]) {
        precondition(values.count == height * width)
        (self.height, self.width, self.values) = (height, width, values)
    }

    init(height: Int, width: Int) {
        self.init(height: height, width: width, values: [Double](repeating: 0, count: height * width))
    }

    subscript(r: Int, c: Int) -> Double {
        get { values[r * width + c] }
        set { values[r * width + c] = newValue }
    }

    /// The transfer function of this kernel (odd size, centred) on a periodic `fft` grid.
    func otf(_ fft: FFT2D) -> ComplexImage {
        var e = [Double](repeating: 0, count: fft.height * fft.width)
        let cr = height / 2, cc = width / 2
        for r in 0..<height {
            for c in 0..<width {
                let y = (r - cr + fft.height) % fft.height, x = (c - cc + fft.width) % fft.width
                e[y * fft.width + x] += self[r, c]
            }
        }
        return fft.forward(e, nonzeroColumns: Self.wrapped(-cc...(width - 1 - cc), in: fft.width))
    }

    /// Grid indices `offsets` around 0 on a periodic axis of `n`, as ranges of 0..<n.
    static func wrapped(_ offsets: ClosedRange<Int>, in n: Int) -> [Range<Int>] {
        if offsets.count >= n { return [0..<n] }
        var ranges: [Range<Int>] = []
        if offsets.upperBound >= 0 { ranges.append(max(0, offsets.lowerBound)..<(offsets.upperBound + 1)) }
        if offsets.lowerBound < 0 { ranges.append((n + offsets.lowerBound)..<(n + min(-1, offsets.upperBound) + 1)) }
        return ranges
    }

    /// Resized with Pillow's BILINEAR filter on a float32 image (its "F" mode), as the NumPy
    /// reference does: a triangle stretched by the scale when shrinking, rows first, then columns,
    /// each pass rounded to float32.
    func resized(height oh: Int, width ow: Int) -> Plane {
        func coefficients(_ n: Int, _ m: Int) -> [(start: Int, weights: [Double])] {
            let scale = Double(n) / Double(m), filterScale = max(scale, 1), support = filterScale
            return (0..<m).map { i in
                let centre = (Double(i) + 0.5) * scale
                let lo = max(0, Int(centre - support + 0.5)), hi = min(n, Int(centre + support + 0.5))
                var w = (lo..<hi).map { max(0, 1 - abs((Double($0) - centre + 0.5) / filterScale)) }
                let total = w.reduce(0, +)
                if total != 0 { w = w.map { $0 / total } }
                return (lo, w)
            }
        }
        var x = self
        x.values = x.values.map { Double(Float($0)) }
        if ow != width {
            let cs = coefficients(width, ow)
            var out = Plane(height: height, width: ow)
            for r in 0..<height {
                for (c, k) in cs.enumerated() {
                    var s = 0.0
                    for (j, w) in k.weights.enumerated() { s += x[r, k.start + j] * w }
                    out[r, c] = Double(Float(s))
                }
            }
            x = out
        }
        if oh != height {
            let cs = coefficients(height, oh)
            var out = Plane(height: oh, width: x.width)
            for (r, k) in cs.enumerated() {
                for c in 0..<x.width {
                    var s = 0.0
                    for (j, w) in k.weights.enumerated() { s += x[k.start + j, c] * w }
                    out[r, c] = Double(Float(s))
                }
            }
            x = out
        }
        return x
    }
}

/// A blur kernel: odd-sized, centred, non-negative, summing to 1, applied by convolution.
package struct BlurKernel: Sendable, Equatable {
    package let size: Int
    /// size x size, row-major.
    package let values: [Double]

    package init(size: Int, values: [Double]) {
        precondition(size % 2 == 1 && values.count == size * size)
        self.size = size
        self.values = values
    }

    /// The kernel that leaves images unchanged.
    package static func delta(_ size: Int) -> BlurKernel {
        var v = [Double](repeating: 0, count: size * size)
        v[size * size / 2] = 1
        return BlurKernel(size: size, values: v)
    }

    /// Sum of squares: near 1 for a near-delta (a sharp photo), small for a long or diffuse blur.
    package var energy: Double { values.reduce(0) { $0 + $1 * $1 } }

    var plane: Plane { Plane(height: size, width: size, values: values) }
}

/// Blind estimation of a photo's blur kernel, coarse to fine over sizes 5 ... 35 px: at each
/// size, alternate a latent image with an L0 gradient prior (half-quadratic splitting, Xu et al.
/// 2013) and a least-squares kernel fitted in the gradient domain away from the image border,
/// clipped, pruned to its connected pieces and re-centred. A port of
/// Training/limn_train/kernel_estimate.py, which is its reference.
package struct KernelEstimator: Sendable {
    /// Initial weight of the latent image's L0 gradient prior (it shrinks by 0.9 per iteration).
    package var lambda = 1e-3
    /// Weight of the kernel's squared norm.
    package var gamma = 20.0
    /// Latent/kernel alternations per size.
    package var iterations = 8
    /// Kernel values below this fraction of its peak are cut.
    package var threshold = 0.1
    /// Connected pieces lighter than this fraction of the heaviest are cut.
    package var keep = 0.2
    /// The largest kernel estimated, px (odd).
    package var largest = 35

    package init() {}

    static let dx = Plane(height: 1, width: 2, values: [1, -1])
    static let dy = Plane(height: 2, width: 1, values: [1, -1])

    /// What one scale's iterations share: its transforms, those of the derivative filters, and
    /// that of the image at this scale.
    struct Grid {
        let fft: FFT2D
        let dx: ComplexImage, dy: ComplexImage, y: ComplexImage

        init(_ y: Plane) {
            fft = FFT2D(height: y.height, width: y.width)
            dx = KernelEstimator.dx.otf(fft)
            dy = KernelEstimator.dy.otf(fft)
            self.y = fft.forward(y.values)
        }
    }

    /// The kernel sizes visited, smallest first.
    var sizes: [Int] {
        var s = [largest]
        while s.last! > 5 {
            let n = Int((Double(s.last!) / 2.0.squareRoot()).rounded(.toNearestOrEven))
            s.append(n + 1 - n % 2)
        }
        return s.reversed()
    }

    static func isSmooth(_ n: Int) -> Bool {
        var n = n
        for p in [2, 3] { while n % p == 0 { n /= p } }
        return n == 1
    }

    /// The nearest length whose only prime factors are 2 and 3 (the larger on a tie), so the
    /// transforms at reduced scales stay fast.
    static func smooth(_ n: Int) -> Int {
        var d = 0
        while true {
            if isSmooth(n + d) { return n + d }
            if n - d >= 1, isSmooth(n - d) { return n - d }
            d += 1
        }
    }

    /// The smallest length at least `n` whose only prime factors are 2 and 3.
    package static func smoothAbove(_ n: Int) -> Int {
        var m = n
        while !isSmooth(m) { m += 1 }
        return m
    }

    /// The blur kernel of a grey image with values in [0, 1], `height` x `width`, row-major.
    /// The image is first mirrored out to a 2-3-smooth size (255 px become 256), so that every
    /// transform is fast: at 255 = 3 * 5 * 17, `limn enhance` took about three times as long.
    /// The added rows and columns (at most 15 px a side for images from 64 to 256 px) lie inside
    /// the border that the kernel fit leaves out.
    /// `progress`, if given, is called after each alternation with the fraction of the work done;
    /// what it throws (a cancellation) stops the estimate.
    package func estimate(_ pixels: [Double], height fullHeight: Int, width fullWidth: Int,
                          progress: ((Double) throws -> Void)? = nil) rethrows -> BlurKernel {
        let height = Self.smoothAbove(fullHeight), width = Self.smoothAbove(fullWidth)
        let top = (height - fullHeight) / 2, left = (width - fullWidth) / 2
        func mirrored(_ i: Int, _ n: Int) -> Int { i < 0 ? -1 - i : i >= n ? 2 * n - 1 - i : i }
        var padded = [Double]()
        padded.reserveCapacity(height * width)
        for i in 0..<height {
            let row = mirrored(i - top, fullHeight) * fullWidth
            for j in 0..<width { padded.append(pixels[row + mirrored(j - left, fullWidth)]) }
        }
        let y = Plane(height: height, width: width, values: padded)
        let grids = sizes.map { s in
            s == largest ? (s, height, width) : (s,
                Self.smooth(max(16, Int((Double(height * s) / Double(largest)).rounded(.toNearestOrEven)))),
                Self.smooth(max(16, Int((Double(width * s) / Double(largest)).rounded(.toNearestOrEven)))))
        }
        // The work of an alternation grows with its grid's pixels.
        let work = Double(grids.reduce(0) { $0 + $1.1 * $1.2 } * iterations)
        var done = 0.0
        var k: Plane? = nil
        for (s, h, w) in grids {
            let ys = y.resized(height: h, width: w)
            if let prev = k {
                var r = prev.resized(height: s, width: s)
                r.values = r.values.map { max(0, $0) }
                let total = r.values.reduce(0, +)
                r.values = r.values.map { $0 / total }
                k = r
            } else {
                k = BlurKernel.delta(s).plane
            }
            let grid = Grid(ys)
            var lam = lambda
            for _ in 0..<iterations {
                let x = latent(ys, kernel: k!, lambda: lam, grid)
                k = fittedKernel(x, ys, size: s, grid)
                lam = max(0.9 * lam, 1e-4)
                done += Double(h * w)
                try progress?(done / work)
            }
        }
        return BlurKernel(size: largest, values: k!.values)
    }

    /// argmin_x |k*x - y|^2 + lambda |grad x|_0 by half-quadratic splitting, beta doubling.
    /// x stays in the frequency domain between iterations (its transform is Hermitian: the
    /// reference's round trip through real x changes it only by rounding).
    func latent(_ y: Plane, kernel: Plane, lambda lam: Double, _ grid: Grid, betaMax: Double = 1e5) -> Plane {
        let n = y.values.count, fft = grid.fft, Dx = grid.dx, Dy = grid.dy, Y = grid.y
        let K = kernel.otf(fft)
        let KY = K.conjugate * Y
        let KK = K.power, dxp = Dx.power, dyp = Dy.power
        var X = Y
        var beta = 2 * lam
        while beta < betaMax {
            // gx + i gy in one inverse transform: both are real.
            var G = ComplexImage(height: y.height, width: y.width)
            for i in 0..<n {
                let ar = Dx.re[i] * X.re[i] - Dx.im[i] * X.im[i], ai = Dx.re[i] * X.im[i] + Dx.im[i] * X.re[i]
                let br = Dy.re[i] * X.re[i] - Dy.im[i] * X.im[i], bi = Dy.re[i] * X.im[i] + Dy.im[i] * X.re[i]
                G.re[i] = ar - bi
                G.im[i] = ai + br
            }
            var g = fft.inverse(G)
            let cut = lam / beta
            for i in 0..<n where g.re[i] * g.re[i] + g.im[i] * g.im[i] < cut { g.re[i] = 0; g.im[i] = 0 }
            let (A, B) = Self.split(fft.forward(g))
            for i in 0..<n {
                // conj(Dx) A + conj(Dy) B
                let pr = Dx.re[i] * A.re[i] + Dx.im[i] * A.im[i] + Dy.re[i] * B.re[i] + Dy.im[i] * B.im[i]
                let pi = Dx.re[i] * A.im[i] - Dx.im[i] * A.re[i] + Dy.re[i] * B.im[i] - Dy.im[i] * B.re[i]
                let d = KK[i] + beta * (dxp[i] + dyp[i])
                X.re[i] = (KY.re[i] + beta * pr) / d
                X.im[i] = (KY.im[i] + beta * pi) / d
            }
            beta *= 2
        }
        return Plane(height: y.height, width: y.width, values: fft.inverseReal(X))
    }

    /// Given Z, the transform of a + i b for real a and b, the transforms of a and of b.
    static func split(_ Z: ComplexImage) -> (ComplexImage, ComplexImage) {
        let h = Z.height, w = Z.width
        var A = ComplexImage(height: h, width: w), B = A
        for r in 0..<h {
            let nr = (h - r) % h
            for c in 0..<w {
                let i = r * w + c, j = nr * w + (w - c) % w
                // conj(Z[-k])
                let cr = Z.re[j], ci = -Z.im[j]
                A.re[i] = (Z.re[i] + cr) / 2; A.im[i] = (Z.im[i] + ci) / 2
                // (Z - conj(Z[-k])) / 2i
                B.re[i] = (Z.im[i] - ci) / 2; B.im[i] = -(Z.re[i] - cr) / 2
            }
        }
        return (A, B)
    }

    /// argmin_k sum_d |M (d x * k - d y)|^2 + gamma |k|^2 over size x size kernels, by conjugate
    /// gradients; M leaves out a border of size/2 + 2 px, where the transform's wrap-around would
    /// draw a cross into the kernel. Then clipped, pruned, normalised and re-centred.
    func fittedKernel(_ x: Plane, _ y: Plane, size: Int, _ grid: Grid, steps: Int = 30) -> Plane {
        let h = y.height, w = y.width, n = h * w, r = size / 2, b = r + 2
        var mask = [Double](repeating: 0, count: n)
        if h > 2 * b && w > 2 * b {
            for i in b..<(h - b) { for j in b..<(w - b) { mask[i * w + j] = 1 } }
        }
        let fft = grid.fft, Dx = grid.dx, Dy = grid.dy, Y = grid.y
        let X = fft.forward(x.values)
        let gx = [Dx * X, Dy * X]
        // Masked gradients of y: both real, so one inverse transform.
        func maskedPair(_ a: ComplexImage, _ bb: ComplexImage) -> ([Double], [Double]) {
            var Z = ComplexImage(height: h, width: w)
            for i in 0..<n {
                Z.re[i] = a.re[i] - bb.im[i]
                Z.im[i] = a.im[i] + bb.re[i]
            }
            let z = fft.inverse(Z)
            return ((0..<n).map { z.re[$0] * mask[$0] }, (0..<n).map { z.im[$0] * mask[$0] })
        }
        let gy = maskedPair(Dx * Y, Dy * Y)

        func adjoint(_ e: ([Double], [Double])) -> [Double] {
            let (E0, E1) = Self.split(fft.forward(ComplexImage(height: h, width: w, re: e.0, im: e.1)))
            var S = ComplexImage(height: h, width: w)
            for i in 0..<n {
                // conj(g0) E0 + conj(g1) E1
                S.re[i] = gx[0].re[i] * E0.re[i] + gx[0].im[i] * E0.im[i] + gx[1].re[i] * E1.re[i] + gx[1].im[i] * E1.im[i]
                S.im[i] = gx[0].re[i] * E0.im[i] - gx[0].im[i] * E0.re[i] + gx[1].re[i] * E1.im[i] - gx[1].im[i] * E1.re[i]
            }
            // Only the rows the kernel's support wraps onto.
            let full = fft.inverseReal(S, rows: Plane.wrapped(-r...r, in: h))
            var out = [Double](repeating: 0, count: size * size)
            for i in 0..<size {
                for j in 0..<size { out[i * size + j] = full[((i - r) % h + h) % h * w + ((j - r) % w + w) % w] }
            }
            return out
        }
        func normal(_ k: [Double]) -> [Double] {
            let K = Plane(height: size, width: size, values: k).otf(fft)
            let a = adjoint(maskedPair(gx[0] * K, gx[1] * K))
            return (0..<k.count).map { a[$0] + gamma * k[$0] }
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

        let rhs = adjoint(gy)
        var k = [Double](repeating: 0, count: size * size), res = rhs, p = rhs
        var rr = dot(res, res)
        let stop = 1e-12 * dot(rhs, rhs)
        for _ in 0..<steps {
            let q = normal(p)
            let a = rr / dot(p, q)
            for i in 0..<k.count { k[i] += a * p[i]; res[i] -= a * q[i] }
            let old = rr
            rr = dot(res, res)
            if rr < stop { break }
            for i in 0..<p.count { p[i] = res[i] + rr / old * p[i] }
        }
        return pruned(k, size: size)
    }

    /// The fitted kernel clipped at `threshold` of its peak, its 8-connected pieces lighter than
    /// `keep` of the heaviest dropped, normalised and re-centred on its centroid.
    func pruned(_ raw: [Double], size: Int) -> Plane {
        var k = raw.map { max(0, $0) }
        let peak = k.max()!
        for i in 0..<k.count where k[i] < threshold * peak { k[i] = 0 }
        if k.reduce(0, +) <= 0 { return BlurKernel.delta(size).plane }
        var label = [Int](repeating: 0, count: k.count)
        var mass: [Double] = [0]
        for start in 0..<k.count where k[start] > 0 && label[start] == 0 {
            mass.append(0)
            let id = mass.count - 1
            var stack = [start]
            label[start] = id
            while let i = stack.popLast() {
                mass[id] += k[i]
                let (r, c) = (i / size, i % size)
                for dr in -1...1 {
                    for dc in -1...1 {
                        let (nr, nc) = (r + dr, c + dc)
                        guard nr >= 0, nr < size, nc >= 0, nc < size else { continue }
                        let j = nr * size + nc
                        if k[j] > 0 && label[j] == 0 { label[j] = id; stack.append(j) }
                    }
                }
            }
        }
        let heaviest = mass.max()!
        for i in 0..<k.count where mass[label[i]] < keep * heaviest { k[i] = 0 }
        let total = k.reduce(0, +)
        k = k.map { $0 / total }
        var cy = 0.0, cx = 0.0
        for i in 0..<k.count { cy += k[i] * Double(i / size); cx += k[i] * Double(i % size) }
        let r = size / 2
        let sy = r - Int(cy.rounded(.toNearestOrEven)), sx = r - Int(cx.rounded(.toNearestOrEven))
        var out = Plane(height: size, width: size)
        for i in 0..<size {
            for j in 0..<size {
                out[((i + sy) % size + size) % size, ((j + sx) % size + size) % size] = k[i * size + j]
            }
        }
        return out
    }
}
