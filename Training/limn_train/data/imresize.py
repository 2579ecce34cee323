"""MATLAB-compatible bicubic resize (imresize with antialiasing), the way the
standard SR benchmarks made their LR images, as separable matrices."""
import math

import torch


def _cubic(x):
    a = x.abs()
    a2, a3 = a * a, a * a * a
    return ((1.5 * a3 - 2.5 * a2 + 1) * (a <= 1)
            + (-0.5 * a3 + 2.5 * a2 - 4 * a + 2) * ((a > 1) & (a <= 2))).to(x.dtype)


def resize_matrix(in_len, out_len):
    """(out_len, in_len) matrix M with out = M @ in along one axis; symmetric
    (mirror) edges and antialiasing when shrinking, as MATLAB does."""
    scale = out_len / in_len
    width = 4.0 / scale if scale < 1 else 4.0
    x = torch.arange(1, out_len + 1, dtype=torch.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = torch.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + torch.arange(taps, dtype=torch.float64)[None, :]
    dist = u[:, None] - idx
    w = scale * _cubic(dist * scale) if scale < 1 else _cubic(dist)
    w = w / w.sum(1, keepdim=True)
    idx = idx.long() - 1
    idx = torch.where(idx < 0, -idx - 1, idx)
    idx = torch.where(idx >= in_len, 2 * in_len - 1 - idx, idx)
    m = torch.zeros(out_len, in_len, dtype=torch.float64)
    m.scatter_add_(1, idx.clamp(0, in_len - 1), w)
    return m


def imresize(img, out_h, out_w):
    """img: (..., H, W) float tensor in [0, 1]; returns (..., out_h, out_w)."""
    mh = resize_matrix(img.shape[-2], out_h).to(img.dtype).to(img.device)
    mw = resize_matrix(img.shape[-1], out_w).to(img.dtype).to(img.device)
    return mh @ img @ mw.T
