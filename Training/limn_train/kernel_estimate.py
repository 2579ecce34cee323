"""The NumPy reference of Limn's blind deblurring front end, twin of
Sources/Limn/KernelEstimator.swift and Deconvolution.swift (grey, Y only).

The method is the classical coarse-to-fine one: at each scale, alternate a
latent image with an L0 gradient prior (half-quadratic splitting, Xu et al.
2013) and a least-squares kernel fitted in the gradient domain away from the
image border, clipped, pruned to its connected pieces and re-centred; then one
regularised deconvolution of the whole image with the final kernel. A gate on
the kernel's energy sum(k^2) leaves the image as it is where the kernel is a
near-delta blob (a sharp image) or diffuse (a failed estimate).

    python -m limn_train.kernel_estimate --golden Tests/LimnTests/Goldens/kernel-estimate.safetensors

writes the Swift port's test fixture. Benchmarks/quality/blind_probe.py scores it.
"""
import argparse
import os
import random

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

from limn_train.data.blur import motion_kernel
from limn_train.deconv import deconv
from limn_train.metrics import luma
from limn_train.paths import REPO

DX, DY = np.array([[1.0, -1.0]]), np.array([[1.0], [-1.0]])
KERNEL = 35   # the largest kernel estimated, px
GATE = (0.01, 0.15)   # kernel energies outside: a diffuse kernel (a failed estimate) or a near-delta blob (a sharp image)


def embedded(k, shape):
    """Kernel k (odd size, centred) as an array of `shape` with its centre at the origin."""
    pad = np.zeros(shape)
    pad[:k.shape[0], :k.shape[1]] = k
    return np.roll(pad, (-(k.shape[0] // 2), -(k.shape[1] // 2)), (0, 1))


def otf(k, shape):
    """The transfer function of kernel k (centred) on a periodic grid of `shape`."""
    return np.fft.fft2(embedded(k, shape))


def resized(img, shape):
    return np.asarray(Image.fromarray(img.astype(np.float32)).resize(shape[::-1], Image.BILINEAR), dtype=np.float64)


def latent(y, k, lam, beta_max=1e5):
    """argmin_x |k*x - y|^2 + lam |grad x|_0 by half-quadratic splitting, beta doubling."""
    K, Dx, Dy = otf(k, y.shape), otf(DX, y.shape), otf(DY, y.shape)
    KY, KK, DD = np.conj(K) * np.fft.fft2(y), np.abs(K) ** 2, np.abs(Dx) ** 2 + np.abs(Dy) ** 2
    x, beta = y, 2 * lam
    while beta < beta_max:
        X = np.fft.fft2(x)
        gx, gy = np.real(np.fft.ifft2(Dx * X)), np.real(np.fft.ifft2(Dy * X))
        keep = gx ** 2 + gy ** 2 >= lam / beta
        rhs = KY + beta * (np.conj(Dx) * np.fft.fft2(gx * keep) + np.conj(Dy) * np.fft.fft2(gy * keep))
        x = np.real(np.fft.ifft2(rhs / (KK + beta * DD)))
        beta *= 2
    return x


def fitted_kernel(x, y, size, gamma, threshold=0.1, keep=0.2, iters=30):
    """argmin_k sum_d |M (d x * k - d y)|^2 + gamma |k|^2 over size x size kernels, by conjugate
    gradients; M leaves out a border of size/2 + 2 px, where the FFT's wrap-around would otherwise
    draw a cross into the kernel. Then clipped at `threshold` of its peak, its connected pieces
    lighter than `keep` of the heaviest dropped, normalised and re-centred."""
    shape, r = y.shape, size // 2
    m = np.zeros(shape)
    m[r + 2:-(r + 2), r + 2:-(r + 2)] = 1
    X, Y = np.fft.fft2(x), np.fft.fft2(y)
    gx = [otf(d, shape) * X for d in (DX, DY)]
    gy = [m * np.real(np.fft.ifft2(otf(d, shape) * Y)) for d in (DX, DY)]

    def adjoint(res):
        full = np.real(np.fft.ifft2(sum(np.conj(g) * np.fft.fft2(e) for g, e in zip(gx, res))))
        return np.roll(full, (r, r), (0, 1))[:size, :size]

    def normal(k):
        K = np.fft.fft2(embedded(k, shape))
        return adjoint([m * np.real(np.fft.ifft2(g * K)) for g in gx]) + gamma * k

    rhs = adjoint(gy)
    k, res = np.zeros((size, size)), rhs.copy()
    p, rr = res.copy(), (res * res).sum()
    for _ in range(iters):
        q = normal(p)
        a = rr / (p * q).sum()
        k, res = k + a * p, res - a * q
        rr, rr_old = (res * res).sum(), rr
        if rr < 1e-12 * (rhs * rhs).sum():
            break
        p = res + rr / rr_old * p
    k = k.clip(0)
    k[k < threshold * k.max()] = 0
    if k.sum() <= 0:
        return delta(size)
    pieces, n = ndimage.label(k > 0, structure=np.ones((3, 3)))
    mass = np.concatenate([[0.0], ndimage.sum(k, pieces, range(1, n + 1))])
    k = k * (mass >= keep * mass.max())[pieces]
    k /= k.sum()
    ys, xs = np.mgrid[:size, :size]
    return np.roll(k, (r - int(round((k * ys).sum())), r - int(round((k * xs).sum()))), (0, 1))


def delta(size):
    k = np.zeros((size, size))
    k[size // 2, size // 2] = 1
    return k


def is_smooth(m):
    for p in (2, 3):
        while m % p == 0:
            m //= p
    return m == 1


def smooth(n):
    """The nearest length whose only prime factors are 2 and 3 (the larger on a tie): the
    reduced scales' sizes, so that Limn's transforms (KernelEstimator.swift) stay fast."""
    d = 0
    while True:
        if is_smooth(n + d):
            return n + d
        if n - d >= 1 and is_smooth(n - d):
            return n - d
        d += 1


def smooth_above(n):
    """The smallest length at least n whose only prime factors are 2 and 3."""
    while not is_smooth(n):
        n += 1
    return n


def estimate(y, lam0, gamma, iters=8, **fit):
    """The blur kernel of grey image y (floats in [0, 1]), coarse to fine over sizes 5 ... KERNEL,
    y first mirrored out to a 2-3-smooth size (255 px become 256), as Limn estimates."""
    dh, dw = (smooth_above(n) - n for n in y.shape)
    y = np.pad(y, ((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2)), mode="symmetric")
    sizes = [KERNEL]
    while sizes[-1] > 5:
        s = int(round(sizes[-1] / np.sqrt(2)))
        sizes.append(s + 1 - s % 2)
    k = None
    for s in reversed(sizes):
        shape = y.shape if s == KERNEL else tuple(smooth(max(16, int(round(n * s / KERNEL)))) for n in y.shape)
        ys = resized(y, shape)
        if k is None:
            k = delta(s)
        else:
            k = resized(k, (s, s)).clip(0)
            k /= k.sum()
        lam = lam0
        for _ in range(iters):
            k = fitted_kernel(latent(ys, k, lam), ys, s, gamma, **fit)
            lam = max(0.9 * lam, 1e-4)
    return k


def deconvolved(y, k, mu, eps):
    """Regularised (Wiener-like) deconvolution: a gradient penalty mu and a plain one eps, which
    bounds the gain where a wrong kernel's spectrum nears zero at low frequencies; borders mirrored
    (limn_train/deconv.py, which also makes the fused network's training inputs)."""
    return deconv(torch.from_numpy(y)[None], torch.from_numpy(k), mu, eps, clamp=False)[0].numpy()


def windowed_inverse(k, mu, eps, radius=48, grid=512, hann=False):
    """The deconvolution above as a finite filter, as Limn applies it block by block
    (Deconvolution.swift): computed on a grid x grid periodic grid, cut to (2 radius + 1)^2 px
    around its origin, windowed (`taper`, or the Hann window Limn used before) and rescaled to its
    full sum."""
    K, Dx, Dy = otf(k, (grid, grid)), otf(DX, (grid, grid)), otf(DY, (grid, grid))
    h = np.real(np.fft.ifft2(np.conj(K) / (np.abs(K) ** 2 + mu * (np.abs(Dx) ** 2 + np.abs(Dy) ** 2) + eps)))
    dc = h.sum()
    h = np.roll(h, (radius, radius), (0, 1))[:2 * radius + 1, :2 * radius + 1]
    w = np.hanning(2 * radius + 3)[1:-1] if hann else taper(radius)
    h = h * np.outer(w, w)
    return h * dc / h.sum()


def taper(radius):
    """The window of the (2 radius + 1)-tap filter: flat out to (radius + 1) / 2 px from the
    centre, then a raised-cosine fall to zero at radius + 1 (a Tukey window, alpha 0.5), so the
    inverse filter stays exact where most of its weight lies."""
    t = np.abs(np.arange(-radius, radius + 1)) / (radius + 1)
    return np.where(t <= 0.5, 1.0, 0.5 + 0.5 * np.cos(np.pi * (2 * t - 1)))


def centre(y, n=256):
    h, w = y.shape
    t, l = max(0, (h - n) // 2), max(0, (w - n) // 2)
    return y[t:t + n, l:l + n]


def gated(k):
    """k, or a delta where its energy sum k^2 lies outside GATE, as Limn's Deconvolution gates it."""
    return k if GATE[0] <= (k ** 2).sum() <= GATE[1] else delta(k.shape[0])


def restore(y, lam0, gamma, mu, eps, **fit):
    """y: grey in [0, 1]. The kernel is estimated on the central 256 px and the whole image
    deconvolved; returns (deconvolved, gated, energy): gated is y itself where the kernel's
    energy sum k^2 lies outside GATE."""
    k = estimate(centre(y), lam0, gamma, **fit)
    e = (k ** 2).sum()
    out = deconvolved(y, k, mu, eps).clip(0, 1)
    return out, (out if GATE[0] <= e <= GATE[1] else y), e


def filtered(x, k):
    """x filtered ('valid', no invented border, as Levin09 was made) by k, as F.conv2d does."""
    return F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None])[0, 0].numpy()


def golden(path):
    """Writes the test fixture of Limn's port (Tests/LimnTests/Goldens/kernel-estimate.safetensors):
    "blurred", the central 192 px of Samples/chelsea.jpg's Y blurred ('valid') by a generator
    camera shake (seed 4) and rounded to 8 bits, "kernel", its estimate at the defaults, and
    "filter", windowed_inverse of that kernel."""
    from safetensors.numpy import save_file
    rgb = np.asarray(Image.open(os.path.join(REPO, "Samples", "chelsea.jpg")).convert("RGB"), dtype=np.float64)
    k = motion_kernel(random.Random(4)).numpy().astype(np.float64)
    y = centre(luma(rgb) / 255, 192 + k.shape[0] - 1)
    b = ((filtered(y, k) * 255).round() / 255).astype(np.float32)
    est = estimate(b.astype(np.float64), 1e-3, 20.0)
    save_file({"blurred": b, "kernel": est.astype(np.float32), "true_kernel": k.astype(np.float32),
               "filter": windowed_inverse(est, 5e-3, 5e-3).astype(np.float32)}, path)
    print(f"{path}: kernel energy {(est ** 2).sum():.4f}, true {(k ** 2).sum():.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", metavar="PATH", required=True, help="write the Swift port's test fixture (at the defaults)")
    golden(ap.parse_args().golden)


if __name__ == "__main__":
    main()
