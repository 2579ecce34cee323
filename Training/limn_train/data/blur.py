"""Blur kernels and blurred/sharp training pairs for the deblurring network:
camera-shake trajectories (up to about 35 px; `shake_kernel` makes the
longer ones of the large-shake evaluation set), defocus discs, Gaussian
blur, the kernels of kernels_12.mat and k_large_*.png, noise up to 3/255 and
mild JPEG; some pairs are left sharp so the network learns to do no harm.
The Levin09 kernels are never used, not even where a kernel file copies one:
that set is for evaluation."""
import math
import os

import numpy as np
import torch
from PIL import Image

from ..paths import DATASETS
from .degrade import filter2d, gaussian_kernel, jpeg

KERNELS = os.path.join(DATASETS, "deblur", "kernels")
SIZE = 41   # every kernel is centred in a SIZE x SIZE grid


def _centred(k, size=SIZE):
    """Pads or crops a kernel to size x size about its centre of mass, sum 1."""
    k = torch.as_tensor(k, dtype=torch.float32).clamp(min=0)
    h, w = k.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    cy, cx = int(round((k * ys).sum().item() / k.sum().item())), int(round((k * xs).sum().item() / k.sum().item()))
    out = torch.zeros(size, size)
    r = size // 2
    # source rows/columns whose target (y - cy + r, x - cx + r) lies inside the grid
    y0, y1 = max(0, cy - r), min(h, cy - r + size)
    x0, x1 = max(0, cx - r), min(w, cx - r + size)
    out[y0 - cy + r:y1 - cy + r, x0 - cx + r:x1 - cx + r] = k[y0:y1, x0:x1]
    return out / out.sum()


def _walk(rng, length, steps=200):
    """A camera-shake trajectory of `length` px: a random walk with inertia, (steps, 2) points (x, y)."""
    a = rng.uniform(0, 2 * math.pi)
    vx, vy, x, y = math.cos(a), math.sin(a), 0.0, 0.0
    pts = np.empty((steps, 2))
    for i in range(steps):   # plain floats: numpy's per-call cost made this the slowest part of a training pair
        vx, vy = vx + rng.gauss(0, 0.3), vy + rng.gauss(0, 0.3)
        n = math.hypot(vx, vy) + 1e-9
        vx, vy = vx / n, vy / n
        x, y = x + vx * length / steps, y + vy * length / steps
        pts[i] = x, y
    return pts


def _splat(pts, size):
    """Trajectory points splatted with subpixel (bilinear) weights into a size x size kernel about
    their mean, then centred on the centre of mass."""
    r = size // 2
    f = pts - pts.mean(0) + r                       # (x, y) in kernel coordinates
    k = np.zeros((size, size))
    base = np.floor(f).astype(int)
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        cx, cy = base[:, 0] + dx, base[:, 1] + dy
        w = np.clip(1 - np.abs(f[:, 0] - cx), 0, None) * np.clip(1 - np.abs(f[:, 1] - cy), 0, None)
        inside = (cx >= 0) & (cx < size) & (cy >= 0) & (cy < size)
        np.add.at(k, (cy[inside], cx[inside]), w[inside])
    return _centred(k, size)


def motion_kernel(rng, max_length=35):
    """A camera-shake trajectory 5 to max_length px long, in a SIZE x SIZE kernel."""
    length = rng.uniform(5, max_length)
    return _splat(_walk(rng, length), SIZE)


def shake_kernel(rng, smallest=31, largest=75):
    """A camera shake whose support spans smallest ... largest px (its bounding box's longer side,
    as the kernel sizes of Lai et al. 2016 are counted), centred on its centre of mass in the
    smallest odd grid that holds it."""
    extent = rng.uniform(smallest, largest)
    pts = _walk(rng, extent)
    pts = pts * (extent - 1) / (pts.max(0) - pts.min(0)).max()
    k = _splat(pts, 2 * int(math.ceil(extent)) + 3)
    r = k.shape[0] // 2
    ys, xs = (k > 0).nonzero(as_tuple=True)
    reach = int(max((ys - r).abs().max(), (xs - r).abs().max()))
    return k[r - reach:r + reach + 1, r - reach:r + reach + 1]


def disc_kernel(rng):
    radius = rng.uniform(1, 8)
    r = SIZE // 2
    ys, xs = torch.meshgrid(torch.arange(-r, r + 1.0), torch.arange(-r, r + 1.0), indexing="ij")
    k = (radius + 0.5 - torch.sqrt(xs ** 2 + ys ** 2)).clamp(0, 1)   # anti-aliased edge
    return k / k.sum()


def levin_kernels():
    """The 8 Levin09 kernels (Levin09.mat, MATLAB v7.3, read with h5py): for
    evaluation only, and for keeping them out of the training data."""
    import h5py
    with h5py.File(os.path.join(KERNELS, "Levin09.mat"), "r") as f:
        return [np.asarray(f[ref], dtype=np.float64).T for ref in np.asarray(f["kernels"]).ravel()]


def similarity(a, b):
    """The largest normalised cross-correlation of kernels a and b over every
    shift, b taken as it is, rotated 180 degrees, transposed or both."""
    best = 0.0
    for c in (b, b[::-1, ::-1], b.T, b.T[::-1, ::-1]):
        shape = (a.shape[0] + c.shape[0], a.shape[1] + c.shape[1])
        corr = np.fft.irfft2(np.fft.rfft2(a, shape) * np.conj(np.fft.rfft2(c, shape)), shape)
        best = max(best, corr.max() / np.sqrt((a ** 2).sum() * (c ** 2).sum()))
    return best


def file_kernels():
    """The kernels of kernels_12.mat and k_large_*.png, less any that copies a
    Levin09 kernel: kernels_12.mat holds two of them (its 9th and 10th are
    Levin's 8th and 7th, similarity 1.00; every other pair is below 0.8)."""
    import scipy.io
    m = scipy.io.loadmat(os.path.join(KERNELS, "kernels_12.mat"))["kernels"]
    kernels = [np.asarray(m[0, i], dtype=np.float64) for i in range(m.shape[1])]
    kernels += [np.asarray(Image.open(os.path.join(KERNELS, f"k_large_{i}.png")).convert("L"), dtype=np.float64)
                for i in (1, 2)]
    levin = levin_kernels()
    return [_centred(k) for k in kernels if max(similarity(k, l) for l in levin) < 0.95]


def random_kernel(rng, files):
    kind = rng.random()
    if kind < 0.45:
        return motion_kernel(rng)
    if kind < 0.65:
        return disc_kernel(rng)
    if kind < 0.85 or not files:
        sx = rng.uniform(0.5, 4)
        sy = sx if rng.random() < 0.5 else rng.uniform(0.5, 4)
        return gaussian_kernel(SIZE, sx, sy, rng.uniform(0, math.pi))
    return rng.choice(files)


def blurred_pair(sharp, rng, files, sharp_fraction=0.15):
    """sharp: (3, H, W) in [0, 1]; returns (input, target)."""
    x = sharp
    if rng.random() >= sharp_fraction:
        x = filter2d(x, random_kernel(rng, files))
    sigma = rng.uniform(0, 3) / 255
    x = x + torch.randn_like(x) * sigma
    if rng.random() < 0.3:
        x = jpeg(x, rng, rng.randint(70, 95))
    return x.clamp(0, 1), sharp
