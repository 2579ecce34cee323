"""A bank of training triples whose deconvolution uses the kernel estimator itself, for
train_deblur_fused.py --bank: 256-px colour crops of the training pool, blurred by the training
generator (10% left sharp), noise up to 3/255, 8-bit; each crop's kernel estimated from its BT.601
luma by Benchmarks/quality/blind_probe.py (the NumPy reference of Limn's KernelEstimator, the
same 256 px Limn estimates from) and gated as Limn gates it (outside the gate: a delta).

    python -m limn_train.deblur_bank --count 240 --seed 5 --out runs/bank.npz

Item i draws from random.Random(seed * 1000003 + i), so a bank is the same however many workers
make it. Estimates take seconds each: the bank is made once, before training.
"""
import argparse
import os
import random
import sys
import time
from multiprocessing import Pool

import numpy as np
import torch

from limn_train.data.blur import SIZE, file_kernels
from limn_train.data.images import load_folder
from limn_train.paths import DATASETS, REPO
from limn_train.train_deblur_fused import blurred

CROP = 256   # Limn estimates from the central 256 px
_images, _files = None, None


def _init(data):
    global _images, _files
    torch.set_num_threads(1)
    _images = load_folder([data], CROP + SIZE - 1)
    _files = file_kernels()


def item(seed):
    """(blurred uint8 (3, CROP, CROP), sharp uint8, estimated convolution kernel, its energy)."""
    from limn_train import kernel_estimate as bp
    rng = random.Random(seed)
    b, sharp, _ = blurred(_images, rng, _files, CROP, torch.Generator().manual_seed(seed))
    b, sharp = (b * 255).round(), (sharp * 255).round()
    luma = (0.299 * b[0] + 0.587 * b[1] + 0.114 * b[2]).double().numpy() / 255
    est = bp.estimate(luma, 1e-3, 20.0)
    return (b.to(torch.uint8).numpy(), sharp.to(torch.uint8).numpy(), bp.gated(est).astype(np.float32),
            float((est ** 2).sum()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(DATASETS, "sr_train"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    t0 = time.time()
    with Pool(a.workers, _init, (a.data,)) as pool:
        items = pool.map(item, [a.seed * 1000003 + i for i in range(a.count)], chunksize=1)
    b, s, k, e = zip(*items)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    np.savez(a.out, blurred=np.stack(b), sharp=np.stack(s), kernel=np.stack(k), energy=np.array(e),
             command=" ".join(sys.argv), data=os.path.relpath(a.data, REPO))
    e = np.array(e)
    print(f"{a.count} items in {time.time() - t0:.0f} s; {int(((e < 0.01) | (e > 0.15)).sum())} gated to a delta",
          flush=True)


if __name__ == "__main__":
    main()
