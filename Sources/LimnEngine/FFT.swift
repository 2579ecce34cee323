import Foundation

/// Discrete Fourier transforms of one length, in double precision: a
/// Stockham autosort transform over the factors of `n` (radix 4, 3 and 2 coded
/// out, other factors as small direct transforms, so lengths with large prime
/// factors are slow). Forward is `X[k] = sum x[j] exp(-2 pi i jk / n)`;
/// inverse includes the 1/n.
package final class FFT: @unchecked Sendable {
    package let n: Int
    private struct Stage {
        let p: Int, m: Int, s: Int
        let twRe: [Double], twIm: [Double]   // exp(-2 pi i q t / (p m)) at [q * p + t]
        let wRe: [Double], wIm: [Double]     // exp(-2 pi i j t / p) at [j * p + t]
    }
    private let stages: [Stage]

    package init(_ n: Int) {
        precondition(n >= 1)
        self.n = n
        var factors: [Int] = [], rest = n
        while rest % 4 == 0 { factors.append(4); rest /= 4 }
        var f = 2
        while rest > 1 {
            while rest % f == 0 { factors.append(f); rest /= f }
            f += 1
        }
        var stages: [Stage] = [], len = n, s = 1
        for p in factors {
            let m = len / p
            var twRe = [Double](repeating: 0, count: m * p), twIm = twRe
            for q in 0..<m {
                for t in 0..<p {
                    let a = -2 * Double.pi * Double(q * t) / Double(len)
                    twRe[q * p + t] = cos(a); twIm[q * p + t] = sin(a)
                }
            }
            let angles = (0..<(p * p)).map { -2 * Double.pi * Double(($0 / p) * ($0 % p) % p) / Double(p) }
            stages.append(Stage(p: p, m: m, s: s, twRe: twRe, twIm: twIm, wRe: angles.map { cos($0) }, wIm: angles.map { sin($0) }))
            len = m
            s *= p
        }
        self.stages = stages
    }

    /// The smallest length at least `n` whose only prime factors are 2, 3 and 5: a fast one.
    package static func goodSize(atLeast n: Int) -> Int {
        var m = max(1, n)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }

    /// Transforms `batch` sequences of `n` complex values in place, stored
    /// interleaved: element j of sequence c at `re[j * batch + c]`, so the
    /// innermost loops run over contiguous memory. `scratch` holds 2 n batch doubles.
    package func transform(batch B: Int, _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
                          scratch: UnsafeMutablePointer<Double>, inverse: Bool) {
        transform(batch: B, stride: B, re, im, scratchRe: scratch, scratchIm: scratch + n * B, inverse: inverse)
    }

    /// The same for `batch` sequences within a layout of `stride` (element j of
    /// sequence c at `re[j * stride + c]`); the scratch arrays share that
    /// layout, and only the given sequences' elements are touched.
    package func transform(batch B: Int, stride S: Int, _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
                          scratchRe: UnsafeMutablePointer<Double>, scratchIm: UnsafeMutablePointer<Double>, inverse: Bool) {
        var xr = re, xi = im, yr = scratchRe, yi = scratchIm
        let sg: Double = inverse ? -1 : 1
        for st in stages {
            let p = st.p, m = st.m, s = st.s, sm = s * m * S, sb = s * S
            for q in 0..<m {
                for r in 0..<s {
                    let i0 = (r + s * q) * S, o0 = (r + s * p * q) * S
                    switch p {
                    case 2:
                        let wr = st.twRe[q * 2 + 1], wi = sg * st.twIm[q * 2 + 1]
                        let ar = xr + i0, ai = xi + i0, br = xr + (i0 + sm), bi = xi + (i0 + sm)
                        let y0r = yr + o0, y0i = yi + o0, y1r = yr + (o0 + sb), y1i = yi + (o0 + sb)
                        for c in 0..<B {
                            let dr = ar[c] - br[c], di = ai[c] - bi[c]
                            y0r[c] = ar[c] + br[c]; y0i[c] = ai[c] + bi[c]
                            y1r[c] = dr * wr - di * wi; y1i[c] = dr * wi + di * wr
                        }
                    case 3:
                        let w1r = st.twRe[q * 3 + 1], w1i = sg * st.twIm[q * 3 + 1]
                        let w2r = st.twRe[q * 3 + 2], w2i = sg * st.twIm[q * 3 + 2]
                        let h = -sg * 0.5 * 3.0.squareRoot()   // imaginary part of exp(-2 pi i / 3), signed
                        let x0r = xr + i0, x0i = xi + i0, x1r = xr + (i0 + sm), x1i = xi + (i0 + sm)
                        let x2r = xr + (i0 + 2 * sm), x2i = xi + (i0 + 2 * sm)
                        let y0r = yr + o0, y0i = yi + o0, y1r = yr + (o0 + sb), y1i = yi + (o0 + sb)
                        let y2r = yr + (o0 + 2 * sb), y2i = yi + (o0 + 2 * sb)
                        for c in 0..<B {
                            let sr = x1r[c] + x2r[c], si = x1i[c] + x2i[c]
                            let dr = x1r[c] - x2r[c], di = x1i[c] - x2i[c]
                            let mr = x0r[c] - 0.5 * sr, mi = x0i[c] - 0.5 * si
                            // y1 = m + i h d, y2 = m - i h d
                            let v1r = mr - h * di, v1i = mi + h * dr, v2r = mr + h * di, v2i = mi - h * dr
                            y0r[c] = x0r[c] + sr; y0i[c] = x0i[c] + si
                            y1r[c] = v1r * w1r - v1i * w1i; y1i[c] = v1r * w1i + v1i * w1r
                            y2r[c] = v2r * w2r - v2i * w2i; y2i[c] = v2r * w2i + v2i * w2r
                        }
                    case 4:
                        let q4 = q * 4
                        let w1r = st.twRe[q4 + 1], w1i = sg * st.twIm[q4 + 1]
                        let w2r = st.twRe[q4 + 2], w2i = sg * st.twIm[q4 + 2]
                        let w3r = st.twRe[q4 + 3], w3i = sg * st.twIm[q4 + 3]
                        let x0r = xr + i0, x0i = xi + i0, x1r = xr + (i0 + sm), x1i = xi + (i0 + sm)
                        let x2r = xr + (i0 + 2 * sm), x2i = xi + (i0 + 2 * sm)
                        let x3r = xr + (i0 + 3 * sm), x3i = xi + (i0 + 3 * sm)
                        let y0r = yr + o0, y0i = yi + o0, y1r = yr + (o0 + sb), y1i = yi + (o0 + sb)
                        let y2r = yr + (o0 + 2 * sb), y2i = yi + (o0 + 2 * sb)
                        let y3r = yr + (o0 + 3 * sb), y3i = yi + (o0 + 3 * sb)
                        for c in 0..<B {
                            let t0r = x0r[c] + x2r[c], t0i = x0i[c] + x2i[c], t1r = x0r[c] - x2r[c], t1i = x0i[c] - x2i[c]
                            let t2r = x1r[c] + x3r[c], t2i = x1i[c] + x3i[c]
                            // -i (a1 - a3) forward, +i inverse
                            let t3r = sg * (x1i[c] - x3i[c]), t3i = -sg * (x1r[c] - x3r[c])
                            let v1r = t1r + t3r, v1i = t1i + t3i, v2r = t0r - t2r, v2i = t0i - t2i
                            let v3r = t1r - t3r, v3i = t1i - t3i
                            y0r[c] = t0r + t2r; y0i[c] = t0i + t2i
                            y1r[c] = v1r * w1r - v1i * w1i; y1i[c] = v1r * w1i + v1i * w1r
                            y2r[c] = v2r * w2r - v2i * w2i; y2i[c] = v2r * w2i + v2i * w2r
                            y3r[c] = v3r * w3r - v3i * w3i; y3i[c] = v3r * w3i + v3i * w3r
                        }
                    default:
                        for t in 0..<p {
                            let wr = st.twRe[q * p + t], wi = sg * st.twIm[q * p + t]
                            for c in 0..<B {
                                var vr = 0.0, vi = 0.0
                                for j in 0..<p {
                                    let cr = st.wRe[j * p + t], ci = sg * st.wIm[j * p + t]
                                    let xr0 = xr[i0 + j * sm + c], xi0 = xi[i0 + j * sm + c]
                                    vr += xr0 * cr - xi0 * ci; vi += xr0 * ci + xi0 * cr
                                }
                                yr[o0 + t * sb + c] = vr * wr - vi * wi; yi[o0 + t * sb + c] = vr * wi + vi * wr
                            }
                        }
                    }
                }
            }
            swap(&xr, &yr); swap(&xi, &yi)
        }
        let k = inverse ? 1 / Double(n) : 1
        if xr != re || inverse {
            for j in 0..<n {
                for c in (j * S)..<(j * S + B) { re[c] = xr[c] * k; im[c] = xi[c] * k }
            }
        }
    }

    /// Transforms `re`, `im` (each `n` long) in place.
    package func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
        precondition(re.count == n && im.count == n)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n)
        defer { scratch.deallocate() }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                transform(batch: 1, r.baseAddress!, i.baseAddress!, scratch: scratch, inverse: inverse)
            }
        }
    }
}

/// A complex image of `height` x `width`, row-major, split into real and imaginary parts.
package struct ComplexImage: Sendable {
    package let height: Int, width: Int
    package var re: [Double], im: [Double]

    package init(height: Int, width: Int, re: [Double], im: [Double]? = nil) {
        precondition(re.count == height * width)
        self.height = height
        self.width = width
        self.re = re
        self.im = im ?? [Double](repeating: 0, count: re.count)
    }

    package init(height: Int, width: Int) {
        self.init(height: height, width: width, re: [Double](repeating: 0, count: height * width))
    }

    /// Elementwise product.
    package static func * (a: ComplexImage, b: ComplexImage) -> ComplexImage {
        var c = a
        for i in 0..<a.re.count {
            c.re[i] = a.re[i] * b.re[i] - a.im[i] * b.im[i]
            c.im[i] = a.re[i] * b.im[i] + a.im[i] * b.re[i]
        }
        return c
    }

    /// Elementwise complex conjugate.
    package var conjugate: ComplexImage {
        var c = self
        for i in 0..<c.im.count { c.im[i] = -c.im[i] }
        return c
    }

    /// Elementwise squared magnitude.
    package var power: [Double] { (0..<re.count).map { re[$0] * re[$0] + im[$0] * im[$0] } }
}

/// Two-dimensional transforms of one shape: rows, then columns.
package final class FFT2D: @unchecked Sendable {
    package let height: Int, width: Int
    private let rows: FFT, columns: FFT

    package init(height: Int, width: Int) {
        self.height = height
        self.width = width
        rows = FFT(width)
        columns = height == width ? rows : FFT(height)
    }

    package func forward(_ x: ComplexImage) -> ComplexImage { run(x, inverse: false) }
    package func inverse(_ x: ComplexImage) -> ComplexImage { run(x, inverse: true) }

    /// The transform of a real image.
    package func forward(_ real: [Double]) -> ComplexImage {
        run(ComplexImage(height: height, width: width, re: real), inverse: false)
    }

    /// The transform of a real image that is zero outside `columns`: the other
    /// columns' transforms, all zero, are skipped (a small kernel's transfer function).
    package func forward(_ real: [Double], nonzeroColumns columns: [Range<Int>]) -> ComplexImage {
        run(ComplexImage(height: height, width: width, re: real), inverse: false, columns: columns)
    }

    /// The real part of the inverse transform.
    package func inverseReal(_ x: ComplexImage) -> [Double] { run(x, inverse: true).re }

    /// The real part of the inverse transform on `rows` only; the other rows are zero.
    package func inverseReal(_ x: ComplexImage, rows: [Range<Int>]) -> [Double] {
        run(x, inverse: true, rows: rows).re
    }

    /// Transforms along columns (those in `columns`), then along rows (those in `rows`).
    private func run(_ x: ComplexImage, inverse: Bool, columns first: [Range<Int>]? = nil, rows keep: [Range<Int>]? = nil) -> ComplexImage {
        precondition(x.height == height && x.width == width)
        let count = height * width
        let cols = first ?? [0..<width], rowSets = keep ?? [0..<height]
        var y = x
        let buf = UnsafeMutablePointer<Double>.allocate(capacity: 4 * count)
        defer { buf.deallocate() }
        let tr = buf, ti = buf + count, sr = buf + 2 * count, si = buf + 3 * count
        y.re.withUnsafeMutableBufferPointer { re in
            y.im.withUnsafeMutableBufferPointer { im in
                let re = re.baseAddress!, im = im.baseAddress!
                // Columns: all at once, rows being the interleaved sequences' elements.
                for c in cols where !c.isEmpty {
                    columns.transform(batch: c.count, stride: width, re + c.lowerBound, im + c.lowerBound,
                                      scratchRe: sr + c.lowerBound, scratchIm: si + c.lowerBound, inverse: inverse)
                }
                // Rows: transposed, transformed the same way, transposed back.
                for rs in rowSets { transpose(rs, re, im, tr, ti, back: false) }
                for rs in rowSets where !rs.isEmpty {
                    rows.transform(batch: rs.count, stride: height, tr + rs.lowerBound, ti + rs.lowerBound,
                                   scratchRe: sr + rs.lowerBound, scratchIm: si + rs.lowerBound, inverse: inverse)
                }
                if keep != nil { re.update(repeating: 0, count: count); im.update(repeating: 0, count: count) }
                for rs in rowSets { transpose(rs, re, im, tr, ti, back: true) }
            }
        }
        return y
    }

    /// Copies `rows` of the image (a, b) to the transposed (ta, tb), or back;
    /// in 16 x 16 tiles, so both sides stay in cache.
    private func transpose(_ rows: Range<Int>, _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>,
                           _ ta: UnsafeMutablePointer<Double>, _ tb: UnsafeMutablePointer<Double>, back: Bool) {
        let t = 16
        for r0 in stride(from: rows.lowerBound, to: rows.upperBound, by: t) {
            let r1 = min(r0 + t, rows.upperBound)
            for c0 in stride(from: 0, to: width, by: t) {
                let c1 = min(c0 + t, width)
                for r in r0..<r1 {
                    for c in c0..<c1 {
                        let i = r * width + c, j = c * height + r
                        if back { a[i] = ta[j]; b[i] = tb[j] } else { ta[j] = a[i]; tb[j] = b[i] }
                    }
                }
            }
        }
    }
}
