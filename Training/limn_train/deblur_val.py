"""Validation of fused deblur weights on photos that are neither training data nor a benchmark:
the photos under ../shared/datasets/photos (baboon left out: it is in Set14; HappyFish: too small),
grey, central crops of 256 px, each blurred ('valid') by 3 camera shakes of the training generator
(seed 11) plus noise 1/255, 8-bit, and each also left sharp. Every kernel is estimated by
Benchmarks/quality/blind_probe.py (the NumPy reference of Limn's estimator) and gated as Limn
gates it, so the network sees what `limn enhance` would give it. Prints, per weights file, the
mean and worst gain over the blurred input, how many fall below it, and the sharp crops' PSNR.

    python -m limn_train.deblur_val Presets/deblur.safetensors runs/f5/fused.pt
    python -m limn_train.deblur_val --filter tukey Presets/deblur.safetensors

--filter picks the deconvolution: the whole-crop one the network was trained with (full), or the
97-px windowed filter Limn applies (tukey; hann, the window it used before).

The estimates (about 6 s each) are made once and cached in --cache.
"""
import argparse
import os
import random
from multiprocessing import Pool

import numpy as np
import torch
from scipy import ndimage

from limn_train import kernel_estimate as bp
from limn_train.data.blur import motion_kernel
from limn_train.deconv import EPS, MU, deconv
from limn_train.paths import DATASETS, REPO
from limn_train.metrics import luma, psnr
from limn_train.train_deblur_fused import fused_model

CROP = 256


def photos():
    folder = os.path.join(DATASETS, "photos")
    return sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs
                  if f.lower().endswith((".jpg", ".png")) and "baboon" not in f and "HappyFish" not in f)


def items():
    """(name, blurred or None, sharp) with values in [0, 1]: 3 blurred crops, then the sharp one, per photo."""
    from PIL import Image
    krng, rng = random.Random(11), np.random.default_rng(11)
    out = []
    for f in photos():
        y = luma(np.asarray(Image.open(f).convert("RGB"), dtype=np.float64)) / 255
        for _ in range(3):
            k = motion_kernel(krng).numpy().astype(np.float64)
            r = k.shape[0] // 2
            yc = bp.centre(y, CROP + 2 * r)
            b = (bp.filtered(yc, k) + rng.normal(0, 1 / 255, (CROP, CROP))).clip(0, 1)
            out.append((os.path.basename(f), (b * 255).round() / 255, yc[r:-r, r:-r]))
        out.append((os.path.basename(f), None, (bp.centre(y, CROP) * 255).round() / 255))
    return out


def estimate(y):
    torch.set_num_threads(1)
    return bp.gated(bp.estimate(y, 1e-3, 20.0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", nargs="+", help="fused deblur_net .safetensors or .pt state dicts")
    ap.add_argument("--cache", default=os.path.join(REPO, "runs", "deblur_val.npz"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--filter", choices=["full", "tukey", "hann"], default="full")
    a = ap.parse_args()
    its = items()
    if os.path.exists(a.cache):
        kernels = list(np.load(a.cache)["kernels"])
    else:
        with Pool(a.threads) as pool:
            kernels = pool.map(estimate, [s if b is None else b for _, b, s in its], chunksize=1)
        os.makedirs(os.path.dirname(os.path.abspath(a.cache)), exist_ok=True)
        np.savez(a.cache, kernels=np.array(kernels))
    torch.set_num_threads(a.threads)
    for path in a.weights:
        net, gains, sharp = fused_model(path).eval(), [], []
        for (name, b, s), k in zip(its, kernels):
            y = s if b is None else b
            t = torch.from_numpy(y).float()[None].expand(3, -1, -1)
            if a.filter == "full":
                d = deconv(t, torch.from_numpy(k))
            else:   # mirrored borders, as Limn's blocks
                f = bp.windowed_inverse(k, MU, EPS, hann=a.filter == "hann")
                d = torch.from_numpy(ndimage.convolve(y, f, mode="mirror").clip(0, 1)).float()[None].expand(3, -1, -1)
            with torch.no_grad():
                o = net(torch.cat([t, d])[None])[0].mean(0).clamp(0, 1).numpy()
            o = (o * 255).round()
            if b is None:
                sharp.append((psnr(o, s * 255), name))
            else:
                gains.append((psnr(o, s * 255) - psnr(b * 255, s * 255), name))
        g = np.array([v for v, _ in gains])
        worst, low = min(gains), min(sharp)
        print(f"{path}: blurred {g.mean():+.2f} dB, worst {worst[0]:+.2f} ({worst[1]}), {int((g < 0).sum())} of "
              f"{len(g)} below the input; sharp {np.mean([v for v, _ in sharp]):.2f} dB, lowest {low[0]:.2f} "
              f"({low[1]})", flush=True)


if __name__ == "__main__":
    main()
