"""The deconvolution the fused deblurrer is fed (torch): a regularised inverse filter with a
gradient penalty mu and a plain one eps, borders mirrored. The same filter as
Benchmarks/quality/blind_probe.py's `deconvolved` (NumPy) and, cut to 97 px, Limn's
Sources/Limn/Deconvolution.swift; `perturbed` makes training kernels wrong the ways the
kernel estimate is."""
import random

import torch
import torch.nn.functional as F

from .data.blur import SIZE, motion_kernel

MU, EPS, PAD = 5e-3, 5e-3, 48


def otf(k, shape):
    """k: (..., s, s) convolution kernels, centred; their transfer functions on `shape`."""
    s = k.shape[-1]
    r = s // 2
    pad = torch.zeros(k.shape[:-2] + tuple(shape), dtype=torch.float64, device=k.device)
    pad[..., :s, :s] = k
    return torch.fft.fft2(torch.roll(pad, (-r, -r), (-2, -1)))


def mirrored(x, p):
    """x (..., H, W) padded by p on each side, edge samples repeated (NumPy's 'symmetric'),
    in rounds where p exceeds the image."""
    while p > 0:
        q = min(p, x.shape[-2], x.shape[-1])
        x = torch.cat([x[..., :q, :].flip(-2), x, x[..., -q:, :].flip(-2)], -2)
        x = torch.cat([x[..., :q].flip(-1), x, x[..., -q:].flip(-1)], -1)
        p -= q
    return x


def deconv(y, k, mu=MU, eps=EPS, clamp=True):
    """y (C, H, W) floats in [0, 1] and k a convolution kernel (s, s), or a batch of each,
    y (N, C, H, W) and k (N, s, s), on any device: each channel deconvolved (in float64),
    clamped to [0, 1] unless asked not to."""
    yp = mirrored(y.double(), PAD)
    shape = yp.shape[-2:]
    K = otf(k.double().to(y.device), shape)
    if k.dim() == 3:
        K = K[:, None]
    dx = otf(torch.tensor([[0, 0, 0], [0, 1.0, -1.0], [0, 0, 0]], device=y.device), shape)
    dy = otf(torch.tensor([[0, 0, 0], [0, 1.0, 0], [0, -1.0, 0]], device=y.device), shape)
    H = K.conj() / (K.abs() ** 2 + mu * (dx.abs() ** 2 + dy.abs() ** 2) + eps)
    out = torch.fft.ifft2(torch.fft.fft2(yp) * H).real[..., PAD:-PAD, PAD:-PAD]
    return out.float().clamp(0, 1) if clamp else out


def perturbed(k, rng: random.Random):
    """k: a correlation kernel as the blur generator makes it (SIZE x SIZE). Returns the
    convolution kernel to deconvolve with: the true one 35% of the time, else with its faint
    parts lost (20%), resized by 0.75-1.3 (15%), a wrong camera shake (18%) or a delta (12%,
    a gated estimate); 30% of all also shifted by up to a pixel."""
    c = torch.flip(k, (0, 1)).clone()
    u = rng.random()
    if u < 0.35:
        pass
    elif u < 0.55:
        c[c < rng.uniform(0.15, 0.4) * c.max()] = 0
    elif u < 0.7:
        s = rng.uniform(0.75, 1.3)
        n = max(3, int(round(SIZE * s)) | 1)
        c = F.interpolate(c[None, None], size=(n, n), mode="bilinear", align_corners=False)[0, 0].clamp(min=0)
        if n > SIZE:
            o = (n - SIZE) // 2
            c = c[o:o + SIZE, o:o + SIZE]
        else:
            o = (SIZE - n) // 2
            c = F.pad(c, (o, SIZE - n - o, o, SIZE - n - o))
    elif u < 0.88:
        c = torch.flip(motion_kernel(rng), (0, 1))
    else:
        c = torch.zeros(SIZE, SIZE)
        c[SIZE // 2, SIZE // 2] = 1
    if rng.random() < 0.3:
        c = torch.roll(c, (rng.randint(-1, 1), rng.randint(-1, 1)), (0, 1))
    return c / c.sum()
