"""Trains an `sr_net` super-resolution network and exports it for Limn.

    python -m limn_train.train_sr --family fidelity --scale 2 --out runs/fidelity_x2
    python -m limn_train.train_sr --family photo --scale 4 --iters 60000 --out runs/photo_x4

`fidelity` learns MATLAB-bicubic downscales (the benchmark protocol); `photo`
learns the degradations of real photos (blur, random-kernel downscaling,
noise, JPEG; Training/limn_train/data/degrade.py). Runs on a GPU when one is
there and on the CPU otherwise (bf16 autocast on both unless --precision
fp32; channels-last on the CPU, where oneDNN is fastest). With --init, it
starts from another upscaler's weights (the tail too when its scale
matches), the way larger scales are usually fine-tuned from x2. With --ema, the
validated and exported weights are a moving average of the trained ones. Writes the weights
(<out>/<preset>.safetensors, fp16) with the exact command, seed, data and
validation score in their metadata, and a log.
"""
import argparse
import os
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from PIL import Image

from limn_train.archs import SRNet
from limn_train.data.degrade import degrade
from limn_train.data.imresize import imresize
from limn_train.data.images import load_folder, random_crop
from limn_train.export import export, init_from
from limn_train.metrics import psnr
from limn_train.device import add_arguments as device_arguments, layout as memory_layout, pick as pick_device
from limn_train.schedule import Schedule
from limn_train.paths import DATASETS, REPO

SHARED = DATASETS


class Pairs(torch.utils.data.IterableDataset):
    """Endless (LR, HR) float pairs in [0, 1]."""

    def __init__(self, images, family, scale, lr_size, seed):
        self.images, self.family, self.scale, self.lr_size, self.seed = images, family, scale, lr_size, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = random.Random(self.seed * 1000 + (info.id if info else 0))
        torch.manual_seed(self.seed * 1000 + (info.id if info else 0))
        s, p = self.scale, self.lr_size
        while True:
            hr = random_crop(self.images, p * s, rng).float() / 255
            if self.family == "fidelity":
                lr = (imresize(hr.double(), p, p).clamp(0, 1) * 255).round().float() / 255
            else:
                lr = degrade(hr, s, rng)
            yield lr, hr


def y_channel(img):
    """BT.601 luma of an (3, H, W) image in [0, 1], on the 0-255 scale."""
    return 16 + (65.481 * img[0] + 128.553 * img[1] + 24.966 * img[2])


def psnr_y(sr, hr, shave):
    a = y_channel(sr.clamp(0, 1))[shave:-shave, shave:-shave]
    b = y_channel(hr)[shave:-shave, shave:-shave]
    return psnr(a.round().double().numpy(), b.round().double().numpy())


def forward_whole(model, lr):
    """The whole image at once, borders replicated by the receptive radius, as Limn's tiling does."""
    halo = 3 + 2 * model.hparams["blocks"]
    x = F.pad(lr[None], (halo,) * 4, mode="replicate")
    y = model(x)[0]
    s = model.scale
    return y[:, halo * s:-halo * s, halo * s:-halo * s]


def load_rgb(path):
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)


def validate(model, test_dir, scale, device):
    """Mean Y-PSNR over Set5 from its standard LR files."""
    folder = os.path.join(test_dir, "Set5", f"image_SRF_{scale}")
    scores = []
    model.eval()
    with torch.no_grad():
        for i in range(1, 6):
            hr = load_rgb(os.path.join(folder, f"img_{i:03d}_SRF_{scale}_HR.png"))
            lr = load_rgb(os.path.join(folder, f"img_{i:03d}_SRF_{scale}_LR.png"))
            sr = forward_whole(model, lr.to(device)).float().cpu()
            scores.append(psnr_y(sr[:, :hr.shape[1], :hr.shape[2]], hr, scale))
    model.train()
    return sum(scores) / len(scores)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", choices=["fidelity", "photo"], required=True)
    ap.add_argument("--scale", type=int, choices=[2, 3, 4], required=True)
    ap.add_argument("--channels", type=int, default=48)
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--iters", type=int, default=50000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr-size", type=int, default=48, help="LR crop edge in pixels")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", nargs="+", default=[os.path.join(SHARED, "sr_train")])
    ap.add_argument("--test", default=os.path.join(SHARED, "sr_test"))
    ap.add_argument("--eval-every", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    device_arguments(ap)
    ap.add_argument("--init", help="a .safetensors upscaler to start from (same channels and blocks)")
    ap.add_argument("--ema", type=float, default=0,
                    help="validate and export an exponential moving average of the weights with this decay (0: off)")
    ap.add_argument("--constant-lr", action="store_true",
                    help="keep the rate after its warm-up instead of decaying it (with --ema: averaging at a fixed rate)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="stop after this long, the learning rate decayed by then (0: no limit)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    random.seed(a.seed)
    device = pick_device(a)
    os.makedirs(a.out, exist_ok=True)
    preset = f"{a.family}_x{a.scale}"
    log = open(os.path.join(a.out, f"{preset}.log"), "a")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    images = load_folder(a.data, a.lr_size * a.scale)
    say(f"{len(images)} training images; device {device}; command: {' '.join(sys.argv)}")
    loader = torch.utils.data.DataLoader(Pairs(images, a.family, a.scale, a.lr_size, a.seed), batch_size=a.batch,
                                         num_workers=a.workers, persistent_workers=a.workers > 0)
    model = SRNet(a.channels, a.blocks, a.scale)
    say(f"sr_net: {sum(p.numel() for p in model.parameters())} parameters")
    origin = ""
    if a.init:
        taken, origin = init_from(model, a.init, body="blocks.")
        origin = "; " + origin
        say(f"initialised {taken} tensors from {a.init}")
    layout = memory_layout(device)
    model = model.to(device, memory_format=layout)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.99))
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(a.ema)) if a.ema else None
    kept = ema.module if ema else model   # the weights that are validated and exported
    sched = Schedule(opt, a.iters, a.max_minutes, decay=not a.constant_lr)
    last, it = float("nan"), 0
    for it, (lr, hr) in enumerate(loader, 1):
        lr = lr.to(device, non_blocking=True).contiguous(memory_format=layout)
        hr = hr.to(device, non_blocking=True)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = F.l1_loss(model(lr).float(), hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if ema:
            ema.update_parameters(model)
        sched.step(it)
        if it % a.eval_every == 0 or sched.done:
            score = validate(kept, a.test, a.scale, device)
            say(f"iter {it}  loss {loss.item():.4f}  Set5 x{a.scale} Y-PSNR {score:.2f} dB  {sched.elapsed:.0f} s")
            # The latest weights are kept (the rate ends decayed, or with --ema they are an average):
            # Set5 is the benchmark, so it is reported here but does not choose among checkpoints.
            last = score
            training = (f"python -m limn_train.train_sr {' '.join(sys.argv[1:])}; seed {a.seed}; "
                        f"data {', '.join(os.path.relpath(d, REPO) for d in a.data)}; "
                        f"{it} iterations on {device}{origin}; Set5 x{a.scale} Y-PSNR {score:.2f} dB (PyTorch)")
            export(kept.float(), os.path.join(a.out, f"{preset}.safetensors"), preset=preset,
                   licence="Limn project weights, CC0",
                   training=training)
        if sched.done:
            break
    say(f"done: Set5 x{a.scale} {last:.2f} dB after {it} iterations, {sched.elapsed:.0f} s")


if __name__ == "__main__":
    main()
