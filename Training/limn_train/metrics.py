"""Image quality measures shared by training and the benchmarks."""
import numpy as np


def psnr(a, b):
    """PSNR in dB of `a` against `b`, arrays on the 0-255 scale."""
    return 10 * np.log10(255 ** 2 / np.mean((a - b) ** 2))
