"""Would a second estimate catch the wrong ones? (Tried, not shipped: Training/README.md.) A
camera shake blurs the whole photo alike, so a right estimate should find itself again in the
neighbouring 256-px crop, and a kernel drawn from the picture's own lines should not. This
measures how the similarity of the two estimates (the largest normalised cross-correlation over
every shift) would serve as a check, on training photos only.

The training pool's large photos (../shared/datasets/sr_train/hr_photos), grey, their central
256 x 512 strip (turned if the photo is taller than wide) blurred ('valid') by 3 camera shakes of
the training generator (seed 12) plus noise 1/255, 8-bit, and also left sharp. Each half is
estimated by Benchmarks/quality/blind_probe.py (Limn's estimator); the left half's estimate,
gated as Limn gates it, is then either used or replaced by a delta, and scored by the gain of its
deconvolution alone over the input (the sharp strip known). Prints each strip, then per
threshold the mean gain and how many strips lose more than 1 dB, and the threshold of the
largest mean gain.

    python -m limn_train.deblur_agreement        # about 12 minutes on 2 cores
"""
import argparse
import os
import random
from multiprocessing import Pool

import numpy as np
import torch
from PIL import Image

from limn_train import kernel_estimate as bp
from limn_train.data.blur import motion_kernel
from limn_train.data.images import EXTENSIONS
from limn_train.paths import DATASETS
from limn_train.metrics import luma, psnr

N = 256


def strips(folder):
    """(name, blurred or sharp input, sharp) strips of N x 2N, values in [0, 1]."""
    krng, rng = random.Random(12), np.random.default_rng(12)
    out = []
    for root, _, fs in sorted(os.walk(folder)):
        for f in sorted(fs):
            if not f.lower().endswith(EXTENSIONS):
                continue
            y = luma(np.asarray(Image.open(os.path.join(root, f)).convert("RGB"), dtype=np.float64)) / 255
            y = y.T if y.shape[0] > y.shape[1] else y
            for j in range(4):
                k = motion_kernel(krng).numpy().astype(np.float64) if j < 3 else bp.delta(1)
                r = k.shape[0] // 2
                h, w = y.shape
                t, l = (h - N - 2 * r) // 2, (w - 2 * N - 2 * r) // 2
                x = y[t:t + N + 2 * r, l:l + 2 * N + 2 * r]
                b = bp.filtered(x, k) + (rng.normal(0, 1 / 255, (N, 2 * N)) if j < 3 else 0)
                out.append((f"{f} {'sharp' if j == 3 else f'shake {j}'}", (b.clip(0, 1) * 255).round() / 255,
                            x[r:x.shape[0] - r, r:x.shape[1] - r]))
    return out


def estimate(y):
    torch.set_num_threads(1)
    return bp.estimate(y, 1e-3, 20.0)


def similarity(a, b):
    """The largest normalised cross-correlation of kernels a and b over every shift
    (BlurKernel.similarity)."""
    shape = (a.shape[0] + b.shape[0], a.shape[1] + b.shape[1])
    c = np.fft.irfft2(np.fft.rfft2(a, shape) * np.conj(np.fft.rfft2(b, shape)), shape)
    return c.max() / np.sqrt((a ** 2).sum() * (b ** 2).sum())


def gain(b, s, k):
    d = bp.deconvolved(b, bp.gated(k), 5e-3, 5e-3).clip(0, 1)
    return psnr((d * 255).round(), s * 255) - psnr(b * 255, s * 255)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", default=os.path.join(DATASETS, "sr_train", "hr_photos"))
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    items = strips(a.photos)
    with Pool(a.workers) as pool:
        ks = pool.map(estimate, [h for _, b, _ in items for h in (b[:, :N], b[:, N:])], chunksize=1)
    rows = []
    for i, (name, b, s) in enumerate(items):
        ka, kb = ks[2 * i], ks[2 * i + 1]
        used, dropped = gain(b[:, :N], s[:, :N], ka), gain(b[:, :N], s[:, :N], bp.delta(ka.shape[0]))
        rows.append((similarity(ka, kb), used, dropped))
        print(f"{name:48s} similarity {rows[-1][0]:.3f}, energies {(ka ** 2).sum():.3f} {(kb ** 2).sum():.3f}; "
              f"gain used {used:+6.2f}, as a delta {dropped:+6.2f}", flush=True)
    sim, used, dropped = (np.array(c) for c in zip(*rows))
    best = None
    for t in [0.0] + [round(0.5 + 0.05 * i, 2) for i in range(10)]:
        g = np.where(sim >= t, used, dropped)
        print(f"agreement {t:.2f}: mean gain {g.mean():+.3f} dB, {int((g < -1).sum())} of {len(g)} lose over 1 dB, "
              f"{int((sim < t).sum())} dropped", flush=True)
        if best is None or g.mean() > best[1]:
            best = (t, g.mean())
    print(f"largest mean gain at agreement {best[0]:.2f}")


if __name__ == "__main__":
    main()
