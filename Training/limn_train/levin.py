"""Levin et al.'s deblurring benchmark (Levin09): 4 sharp grey images, each
blurred by 8 recorded camera-shake kernels. The kernels are not centred, so a
blurred image is shifted against its sharp original by up to about 6 px, and
no blind method can know by how much. Scores are therefore taken after the
integer shift (within MAX_SHIFT) that best aligns each image, whether the
blurred input or a method's output, with the original, on the original less a
MAX_SHIFT border, as blind-deblurring evaluations do (Levin et al. 2009,
Lai et al. 2016)."""
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .metrics import psnr

MAX_SHIFT = 8


def pairs(folder):
    """(name, blurred path, sharp as float64 array) for the 32 pairs."""
    for i in range(1, 5):
        sharp = np.asarray(Image.open(os.path.join(folder, "sharp", f"im_{i}.png")).convert("L"), dtype=np.float64)
        for k in range(1, 9):
            yield f"im_{i}_ker_{k}", os.path.join(folder, f"im_{i}_ker_{k}.png"), sharp


def aligned(image, sharp, m=MAX_SHIFT):
    """(image window, sharp window): the sharp image less an m-pixel border and
    the window of `image` shifted by the integer offset within m that matches it best."""
    h, w = sharp.shape
    ref = sharp[m:h - m, m:w - m]
    windows = (image[m + dy:h - m + dy, m + dx:w - m + dx] for dy in range(-m, m + 1) for dx in range(-m, m + 1))
    return min(windows, key=lambda x: np.mean((x - ref) ** 2)), ref


def gains(model, folder, inputs, device="cpu"):
    """Each pair's PSNR gain of `model`'s output over its blurred input, both at their best
    alignment. inputs(i, b) is the network input (C, H, W) for pair i's blurred grey image b
    (float64 in [0, 1]); the model runs reflect-padded by its receptive radius and to its
    alignment, as Limn tiles it, and its output is averaged to grey."""
    a, halo = model.alignment, model.receptive_radius
    out = []
    model.eval()
    with torch.no_grad():
        for i, (_, path, sharp) in enumerate(pairs(folder)):
            b = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
            h, w = b.shape
            ph, pw = (-(h + 2 * halo)) % a, (-(w + 2 * halo)) % a   # the padded size must align
            x = F.pad(inputs(i, b / 255).to(device)[None], (halo, halo + pw, halo, halo + ph), mode="reflect")
            y = model(x)[0, :, halo:halo + h, halo:halo + w].float().mean(0).clamp(0, 1).cpu().numpy()
            out.append(psnr(*aligned((y * 255).round(), sharp)) - psnr(*aligned(b, sharp)))
    model.train()
    return np.array(out)
