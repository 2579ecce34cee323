"""Degradations for the `photo` family: blur, downscaling with random
kernels, Gaussian and Poisson noise, JPEG, in random order, in the manner of
practical restoration pipelines (BSRGAN / Real-ESRGAN)."""
import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .imresize import imresize


def gaussian_kernel(size, sx, sy, theta):
    r = size // 2
    y, x = torch.meshgrid(torch.arange(-r, r + 1.0), torch.arange(-r, r + 1.0), indexing="ij")
    c, s = math.cos(theta), math.sin(theta)
    xr, yr = c * x + s * y, -s * x + c * y
    k = torch.exp(-0.5 * ((xr / sx) ** 2 + (yr / sy) ** 2))
    return k / k.sum()


def filter2d(img, k):
    """img (C, H, W) filtered by the odd square kernel k, borders reflected:
    what F.conv2d over the reflect-padded image computes (a correlation),
    through FFTs, which is 5-20 times faster on a CPU for kernels of 21 px
    and more."""
    size = k.shape[-1]
    r = size // 2
    padded = F.pad(img[None], (r, r, r, r), mode="reflect")[0]
    shape = padded.shape[-2:]
    spectrum = torch.fft.rfft2(padded, s=shape) * torch.fft.rfft2(torch.flip(k.to(img.dtype), (0, 1)), s=shape)
    # Circular convolution of the padded image: the last H x W outputs wrap nothing.
    return torch.fft.irfft2(spectrum, s=shape)[..., size - 1:, size - 1:]


def blur(img, rng):
    """Isotropic or anisotropic Gaussian blur."""
    sx = rng.uniform(0.2, 2.5)
    sy = sx if rng.random() < 0.5 else rng.uniform(0.2, 2.5)
    return filter2d(img, gaussian_kernel(21, sx, sy, rng.uniform(0, math.pi)))


def resize(img, h, w, rng):
    """To h x w with a random kernel."""
    mode = rng.choice(["bicubic", "bilinear", "area", "matlab"])
    if mode == "matlab":
        return imresize(img, h, w)
    if mode == "area":
        return F.interpolate(img[None], size=(h, w), mode="area")[0]
    return F.interpolate(img[None], size=(h, w), mode=mode, align_corners=False, antialias=True)[0]


def noise(img, rng):
    if rng.random() < 0.6:
        sigma = rng.uniform(1, 10) / 255
        if rng.random() < 0.4:   # grey noise
            return img + torch.randn_like(img[:1]) * sigma
        return img + torch.randn_like(img) * sigma
    peak = 10 ** rng.uniform(2, 4)   # Poisson, photon-count scale
    return torch.poisson(img.clamp(0, 1) * peak) / peak


def jpeg(img, rng, quality=None):
    q = quality or rng.randint(30, 95)
    arr = (img.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=q)
    out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), dtype=np.float32) / 255
    return torch.from_numpy(out).permute(2, 0, 1)


def degrade(hr, scale, rng):
    """hr: (3, H, W) in [0, 1] with H, W divisible by scale; returns the LR image."""
    h, w = hr.shape[1] // scale, hr.shape[2] // scale
    x = hr
    steps = ["blur", "resize", "noise"]
    rng.shuffle(steps)
    resized = False
    for step in steps:
        if step == "blur" and rng.random() < 0.8:
            x = blur(x, rng)
        elif step == "resize":
            x = resize(x, h, w, rng)
            resized = True
        elif step == "noise" and rng.random() < 0.8:
            x = noise(x, rng)
    if not resized:
        x = resize(x, h, w, rng)
    if rng.random() < 0.9:
        x = jpeg(x, rng)
    return x.clamp(0, 1)


def sinc_kernel(size, cutoff):
    """A circular low-pass (jinc) kernel: ringing and overshoot like sharpened or resampled photos."""
    r = size // 2
    y, x = torch.meshgrid(torch.arange(-r, r + 1.0), torch.arange(-r, r + 1.0), indexing="ij")
    d = torch.sqrt(x ** 2 + y ** 2)
    from scipy.special import j1
    k = torch.from_numpy(cutoff * j1(cutoff * d.numpy()) / (2 * math.pi * np.maximum(d.numpy(), 1e-12))).float()
    k[r, r] = cutoff ** 2 / (4 * math.pi)
    return k / k.sum()


def shaped_blur(img, rng, sigma):
    """Gaussian, generalised Gaussian or plateau blur (iso- or anisotropic, up to `sigma`), or 10% of the
    time a sinc; Real-ESRGAN's first-order kernels."""
    size = rng.choice([7, 9, 11, 13, 15, 17, 19, 21])
    if rng.random() < 0.1:
        return filter2d(img, sinc_kernel(size, rng.uniform(math.pi / 3 if size < 13 else math.pi / 5, math.pi)))
    sx = rng.uniform(0.2, sigma)
    sy = sx if rng.random() < 0.5 else rng.uniform(0.2, sigma)
    k = gaussian_kernel(size, sx, sy, rng.uniform(0, math.pi))
    shape = rng.random()
    if shape < 0.15:     # generalised Gaussian: flatter or peakier than Gaussian
        k = k ** rng.uniform(0.5, 2.0)
    elif shape < 0.3:    # plateau
        k = 1 / (1 + (-2 * torch.log(k / k.max())) ** rng.uniform(1, 2))
    return filter2d(img, k / k.sum())


def random_resize(img, factor, rng):
    h, w = max(4, round(img.shape[1] * factor)), max(4, round(img.shape[2] * factor))
    mode = rng.choice(["bicubic", "bilinear", "area"])
    if mode == "area":
        return F.interpolate(img[None], size=(h, w), mode="area")[0]
    return F.interpolate(img[None], size=(h, w), mode=mode, align_corners=False, antialias=factor < 1)[0]


def scaled_noise(img, rng, sigma, poisson):
    if rng.random() < 0.5:
        s = rng.uniform(1, sigma) / 255
        return img + (torch.randn_like(img[:1]) if rng.random() < 0.4 else torch.randn_like(img)) * s
    # Poisson noise of an 8-bit image's photon counts, scaled (Real-ESRGAN's form).
    base = img.mean(0, keepdim=True) if rng.random() < 0.4 else img
    return img + (torch.poisson(base.clamp(0, 1) * 255) / 255 - base) * rng.uniform(0.05, poisson)


def degrade_second_order(hr, scale, rng, strength=1.0):
    """Real-ESRGAN's two rounds of blur, resize, noise and JPEG, then the final resize to the
    LR size with an optional sinc, scaled by `strength` (1: a strong restoration; smaller: milder
    inputs, so a lighter one). hr: (3, H, W) in [0, 1], H and W divisible by scale."""
    h, w = hr.shape[1] // scale, hr.shape[2] // scale
    s = strength
    x = shaped_blur(hr, rng, 0.2 + 2.8 * s)
    x = random_resize(x, rng.choice([rng.uniform(0.15 + 0.6 * (1 - s), 1), rng.uniform(1, 1.5)]), rng)
    x = scaled_noise(x, rng, 1 + 29 * s, 0.05 + 2.95 * s)
    x = jpeg(x, rng, rng.randint(round(95 - 65 * s), 95))
    if rng.random() < 0.8 * s:
        x = shaped_blur(x, rng, 0.2 + 1.3 * s)
    x = random_resize(x, rng.uniform(0.3 + 0.5 * (1 - s), 1.2) * (h / x.shape[1]) ** 0.5, rng)
    x = scaled_noise(x, rng, 1 + 24 * s, 0.05 + 2.45 * s)

    def final_resize(t):
        t = resize(t, h, w, rng)
        return filter2d(t, sinc_kernel(21, rng.uniform(math.pi / 3, math.pi))) if rng.random() < 0.8 * s else t

    q = rng.randint(round(95 - 65 * s), 95)
    if rng.random() < 0.5:
        x = jpeg(final_resize(x), rng, q)
    else:
        x = final_resize(jpeg(x, rng, q))
    return x.clamp(0, 1)
