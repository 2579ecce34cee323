"""How far the explicit blur-kernel estimate (limn_train.kernel_estimate, the
NumPy twin of Limn's KernelEstimator) takes deblurring on the benchmarks, beside
the end-to-end network (deblur_eval.py). Grey (Y) only.

    python Benchmarks/quality/blind_probe.py --tune      # score the parameters on training data
    python Benchmarks/quality/blind_probe.py             # Levin09, Set14 x 8 kernels, sharp Set14

--tune scores the given parameters on BSDS200 crops (the training pool) blurred
by training kernels or left sharp, printing each crop's kernel energy and gain,
so the parameters and the gate are never chosen on the benchmarks.
"""
import argparse
import os
import random

import numpy as np
import torch
from PIL import Image

from limn_train.data.blur import file_kernels, motion_kernel
from limn_train.kernel_estimate import centre, filtered, restore
from limn_train.levin import aligned, pairs
from limn_train.metrics import luma, psnr
from limn_train.paths import DATASETS
from deblur_eval import blurred_set14

def tuning_set():
    """BSDS200 crops of 256 px (the training pool): 12 blurred ('valid') by camera-shake kernels of
    the training generator (seed 1; the benchmark's are seed 2026), 12 by the training kernel files
    (file_kernels: Gaussians, two motion kernels, k_large_*), 8 left sharp; all plus noise 1/255."""
    folder = os.path.join(DATASETS, "sr_train", "bsds200")
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith((".png", ".jpg")))
    rng, krng = np.random.default_rng(1), random.Random(1)
    kernels = [motion_kernel(krng) for _ in range(12)] + file_kernels() + [torch.ones(1, 1)] * 8
    out = []
    for i, k in enumerate(kernels):
        k = k.numpy().astype(np.float64)
        y = luma(np.asarray(Image.open(os.path.join(folder, files[3 + 6 * i])).convert("RGB"), dtype=np.float64)) / 255
        y = centre(y, 256 + k.shape[0] - 1)
        r = k.shape[0] // 2
        blurred = (filtered(y, k) + rng.normal(0, 1 / 255, (256, 256))).clip(0, 1)
        out.append((("motion", "file", "sharp")[min(i // 12, 2)], (blurred * 255).round() / 255,
                    y[r:y.shape[0] - r, r:y.shape[1] - r] * 255))
    return out


def tune(lam0, gamma, mu, eps, **fit):
    """Per tuning image: the kernel's energy and the gain without and with the gate."""
    rows = []
    for kind, b, s in tuning_set():
        out, gated, e = restore(b, lam0, gamma, mu, eps, **fit)
        g = [psnr(*aligned((o * 255).round(), s)) - psnr(*aligned(b * 255, s)) for o in (out, gated)]
        rows.append(g)
        print(f"{kind:6s} energy {e:.3f}  gain {g[0]:+6.2f}  gated {g[1]:+6.2f}", flush=True)
    g = np.array(rows)
    print(f"mean gain {g[:, 0].mean():+.2f} (worst {g[:, 0].min():+.2f}), "
          f"gated {g[:, 1].mean():+.2f} (worst {g[:, 1].min():+.2f})")


def report(g, title):
    g = np.array(g)
    print(f"{title}: mean gain {g.mean():+.2f} dB, worst {g.min():+.2f} dB, "
          f"{int((g < 0).sum())} of {len(g)} below the input\n  " + " ".join(f"{v:+.1f}" for v in g), flush=True)


def benchmarks(lam0, gamma, mu, eps, **fit):
    gains = []
    for _, path, sharp in pairs(os.path.join(DATASETS, "deblur", "levin09")):
        b = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
        outs = restore(b / 255, lam0, gamma, mu, eps, **fit)[:2]
        gains.append([psnr(*aligned((o * 255).round(), sharp)) - psnr(*aligned(b, sharp)) for o in outs])
    report([g[0] for g in gains], "Levin09")
    report([g[1] for g in gains], "Levin09, gated")

    gains, sharp_scores = [], []
    for _, hr_path, blurred in blurred_set14():   # the same blurred images as deblur_eval.py scores
        rgb = np.asarray(Image.open(hr_path).convert("RGB"), dtype=np.float32) / 255
        ref = luma(rgb.astype(np.float64) * 255).round()
        for x in blurred:
            y = luma(x.astype(np.float64))
            outs = restore((y - 16) / 219, lam0, gamma, mu, eps, **fit)[:2]
            gains.append([psnr((o * 219 + 16).round(), ref) - psnr(y.round(), ref) for o in outs])
        outs = restore((ref - 16) / 219, lam0, gamma, mu, eps, **fit)[:2]
        sharp_scores.append([psnr((o * 219 + 16).round(), ref) for o in outs])
    report([g[0] for g in gains], "Set14 x 8 camera-shake kernels (Y only)")
    report([g[1] for g in gains], "Set14 x 8 camera-shake kernels (Y only), gated")
    for i, name in enumerate(("", ", gated")):
        v = np.array([s[i] for s in sharp_scores])
        print(f"sharp Set14 through it{name}: {int(np.isinf(v).sum())} of {len(v)} left unchanged; "
              f"the others mean {v[~np.isinf(v)].mean() if (~np.isinf(v)).any() else float('nan'):.2f} dB, "
              f"lowest {v.min():.2f} dB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tune", action="store_true", help="score these parameters on the tuning set")
    ap.add_argument("--lam0", type=float, default=1e-3, help="initial L0 weight of the latent image")
    ap.add_argument("--gamma", type=float, default=20.0, help="kernel regularisation")
    ap.add_argument("--mu", type=float, default=5e-3, help="gradient penalty of the final deconvolution")
    ap.add_argument("--eps", type=float, default=5e-3, help="plain penalty of the final deconvolution")
    ap.add_argument("--threshold", type=float, default=0.1, help="kernel values below this fraction of its peak are cut")
    ap.add_argument("--keep", type=float, default=0.2, help="kernel pieces lighter than this fraction of the heaviest are cut")
    a = ap.parse_args()
    (tune if a.tune else benchmarks)(a.lam0, a.gamma, a.mu, a.eps, threshold=a.threshold, keep=a.keep)


if __name__ == "__main__":
    main()
