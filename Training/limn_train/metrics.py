"""Image quality measures shared by training and the benchmarks."""
import numpy as np


def psnr(a, b):
    """PSNR in dB of `a` against `b`, arrays on the 0-255 scale."""
    return 10 * np.log10(255 ** 2 / np.mean((a - b) ** 2))


def luma(img):
    """BT.601 Y (16-235) of an (H, W, 3) image on the 0-255 scale, as MATLAB's rgb2ycbcr."""
    img = img.astype(np.float64)
    return 16 + (65.481 * img[..., 0] + 128.553 * img[..., 1] + 24.966 * img[..., 2]) / 255
