"""Trains the `deblur_net` enhancer and exports it as the `deblur` preset.

    python -m limn_train.train_deblur --out runs/deblur

Pairs are made on the fly from the SR training pool (limn_train/data/blur.py):
camera-shake, defocus and Gaussian kernels and the kernels of kernels_12.mat
and k_large_*.png (less the two Levin09 kernels kernels_12.mat holds), noise up
to 3/255, mild JPEG, and sharp inputs left sharp.
Validates on the Levin09 benchmark (never trained on): mean PSNR gain over
the blurred inputs. GPU when present, CPU otherwise (bf16 autocast on both unless --precision fp32).
"""
import argparse
import os
import random
import sys

import torch
import torch.nn.functional as F

from limn_train.archs import DeblurNet
from limn_train.data.blur import blurred_pair, file_kernels
from limn_train.data.images import load_folder, random_crop
from limn_train.export import export, init_from
from limn_train import levin
from limn_train.device import add_arguments as device_arguments, layout as memory_layout, pick as pick_device
from limn_train.schedule import Schedule
from limn_train.paths import DATASETS, REPO

SHARED = DATASETS


class Pairs(torch.utils.data.IterableDataset):
    def __init__(self, images, crop, seed):
        self.images, self.crop, self.seed = images, crop, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        rng = random.Random(self.seed * 1000 + wid)
        torch.manual_seed(self.seed * 1000 + wid)
        files = file_kernels()
        while True:
            sharp = random_crop(self.images, self.crop, rng).float() / 255
            yield blurred_pair(sharp, rng, files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--enc-blocks", default="1,1,1,2")
    ap.add_argument("--middle-blocks", type=int, default=2)
    ap.add_argument("--dec-blocks", default="1,1,1,1")
    ap.add_argument("--iters", type=int, default=40000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=192)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", nargs="+", default=[os.path.join(SHARED, "sr_train")])
    ap.add_argument("--levin", default=os.path.join(SHARED, "deblur", "levin09"))
    ap.add_argument("--eval-every", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    device_arguments(ap)
    ap.add_argument("--init", help="a deblur_net .safetensors to continue from (same width and blocks)")
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="stop after this long, the learning rate decayed by then (0: no limit)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    device = pick_device(a)
    os.makedirs(a.out, exist_ok=True)
    enc = tuple(int(v) for v in a.enc_blocks.split(","))
    dec = tuple(int(v) for v in a.dec_blocks.split(","))
    model = DeblurNet(a.width, enc, a.middle_blocks, dec)
    origin = ""
    if a.init:
        taken, origin = init_from(model, a.init, body="middle.")
        origin = "; " + origin
    layout = memory_layout(device)
    model = model.to(device, memory_format=layout)
    images = load_folder(a.data, a.crop)
    print(f"{len(images)} images; deblur_net {sum(p.numel() for p in model.parameters())} parameters; device {device}; "
          f"command: {' '.join(sys.argv)}", flush=True)
    loader = torch.utils.data.DataLoader(Pairs(images, a.crop, a.seed), batch_size=a.batch, num_workers=a.workers,
                                         persistent_workers=a.workers > 0)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.9), weight_decay=0)
    sched = Schedule(opt, a.iters, a.max_minutes)
    for it, (x, y) in enumerate(loader, 1):
        x, y = x.to(device).contiguous(memory_format=layout), y.to(device).contiguous(memory_format=layout)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = F.l1_loss(model(x).float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.01 * a.batch)
        opt.step()
        sched.step(it)
        if it % a.eval_every == 0 or sched.done:
            g = levin.gains(model, a.levin, lambda i, b: torch.from_numpy(b).float().expand(3, -1, -1), device)
            gain, worst = g.mean(), g.min()
            print(f"iter {it}  loss {loss.item():.4f}  Levin09 gain {gain:+.2f} dB (worst {worst:+.2f})  "
                  f"{sched.elapsed:.0f} s", flush=True)
            # The latest weights are kept (the rate ends decayed): Levin09 is the benchmark, so it
            # is reported here but does not choose among checkpoints.
            export(model.float(), os.path.join(a.out, "deblur.safetensors"), preset="deblur",
                   licence="Limn project weights, CC0",
                   training=f"python -m limn_train.train_deblur {' '.join(sys.argv[1:])}; seed {a.seed}; data "
                            f"{', '.join(os.path.relpath(d, REPO) for d in a.data)}; {it} "
                            f"iterations on {device}{origin}; Levin09 mean gain {gain:+.2f} dB, worst {worst:+.2f} dB (PyTorch)")
        if sched.done:
            break


if __name__ == "__main__":
    main()
