"""Trains the fused `deblur` preset: deblur_net with fused=1, which sees the blurred image and a
deconvolution of it with an estimated kernel (limn_train/archs/deblur_net.py).

    python -m limn_train.train_deblur_fused --init Presets/deblur.safetensors --seed 1 --iters 2977 --out runs/f1
    python -m limn_train.train_deblur_fused --resume runs/f1/fused.pt --seed 2 --iters 2632 --out runs/f2

It starts from the plain deblur_net (--init: the fused network then computes what the plain one
does) or from fused weights (--resume: a fresh optimiser, the data re-seeded). Each training blur
(limn_train/data/blur.py's generator, 10% left sharp, noise up to 3/255, 8-bit) is deconvolved
(limn_train/deconv.py) with its true kernel perturbed the ways the estimator errs; with --bank, a
share of each batch comes instead from deblur_bank.py triples, deconvolved with the kernels the
estimator itself found. Adam (2e-4 unless --lr; --cosine warms it up and decays it over the run),
L1, fp32, batch 8 of 128 px unless --batch and --crop say otherwise. On the CPU with no --workers
(the runs that made the preset, 2 threads), every draw comes from one seeded stream, as before;
with --workers N (the GPU machine), worker w draws batches from its own stream, seeded
seed * 1000 + w + 1. With --levin-every, scores Levin09 in PyTorch, the kernels estimated by
Benchmarks/quality/blind_probe.py and gated as Limn gates them (reported, never used to choose).
"""
import argparse
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from limn_train.archs import DeblurNet, load
from limn_train.archs.deblur_net import fused_from
from limn_train.data.blur import SIZE, file_kernels, random_kernel
from limn_train.data.images import load_folder, random_crop
from limn_train.deconv import deconv, perturbed
from limn_train.export import export, sha256
from limn_train import levin
from limn_train.levin import pairs
from limn_train.paths import DATASETS, REPO
from limn_train.schedule import Schedule

def drawn(images, rng, files, crop):
    """The random draws of a training pair: a uint8 crop (3, crop + SIZE - 1, ...), a correlation
    kernel (SIZE x SIZE; 10% of the time a delta) and a noise level in [0, 3] (in 1/255)."""
    r = SIZE // 2
    big = random_crop(images, crop + 2 * r, rng)
    if rng.random() < 0.1:
        k = torch.zeros(SIZE, SIZE)
        k[r, r] = 1
    else:
        k = random_kernel(rng, files)
    return big, k, rng.uniform(0, 3)


def blur(big, k, level, generator=None):
    """A batch of drawn() pairs made, on big's device: big (N, 3, crop + SIZE - 1, ...) uint8,
    k (N, SIZE, SIZE), level (N,). Returns (blurred, sharp), (N, 3, crop, crop) in [0, 1], the
    blurred image with Gaussian noise from `generator` (torch's own by default), 8-bit."""
    r = SIZE // 2
    big = big.float() / 255
    n, c, h, w = big.shape
    b = F.conv2d(big.reshape(1, n * c, h, w), k.repeat_interleave(c, 0)[:, None], groups=n * c)
    b = b.reshape(n, c, h - 2 * r, w - 2 * r)
    noise = torch.randn(b.shape, generator=generator, device=b.device)
    b = (b + noise * level.reshape(n, 1, 1, 1).to(b.dtype) / 255).clamp(0, 1)
    return (b * 255).round() / 255, big[:, :, r:-r, r:-r]


def blurred(images, rng, files, crop, generator=None):
    """(blurred, sharp, kernel): one drawn() pair made; images (3, crop, crop) in [0, 1], the
    kernel a correlation kernel (SIZE x SIZE)."""
    big, k, level = drawn(images, rng, files, crop)
    b, sharp = blur(big[None], k[None], torch.tensor([level], dtype=torch.float64), generator)
    return b[0], sharp[0], k


class Bank:
    """Triples from deblur_bank.py: a random crop-px window of a 256-px item, flipped and turned
    at random, its deconvolution made with the kernel the estimator found."""

    def __init__(self, path, crop):
        self.crop = crop
        z = np.load(path)
        self.blurred = torch.from_numpy(z["blurred"]).float() / 255
        self.sharp = torch.from_numpy(z["sharp"]).float() / 255
        self.deconvolved = torch.stack([deconv(b, torch.from_numpy(k).double())
                                        for b, k in zip(self.blurred, z["kernel"])])
        self.command = str(z["command"])

    def sample(self, rng):
        i = rng.randrange(len(self.blurred))
        n = self.blurred.shape[-1]
        y, x = rng.randint(0, n - self.crop), rng.randint(0, n - self.crop)
        t = [a[i, :, y:y + self.crop, x:x + self.crop] for a in (self.blurred, self.deconvolved, self.sharp)]
        flip, turns = rng.random() < 0.5, rng.randint(0, 3)
        return [torch.rot90(a.flip(2) if flip else a, turns, (1, 2)) for a in t]


class Batches(torch.utils.data.IterableDataset):
    """Endless batches of draws: (crops, kernels, noise levels, kernels to deconvolve with) for
    the pairs made on the fly, and (blurred, deconvolved, sharp) from the bank; made() turns one
    into training triples. In a DataLoader worker w the draws come from seed * 1000 + w + 1;
    with no workers, from the caller's `rng` (and made()'s noise from torch's global stream), so
    a run draws exactly what the per-sample loop of earlier versions drew (when no bank is mixed in)."""

    def __init__(self, a, rng=None):
        # Loaded once, here: DataLoader workers are forked from this process and share it.
        self.a, self.rng = a, rng
        self.images = load_folder([a.data], a.crop + 2 * (SIZE // 2))
        self.files = file_kernels()
        self.bank = Bank(a.bank, a.crop) if a.bank else None

    def __iter__(self):
        a, rng, info = self.a, self.rng, torch.utils.data.get_worker_info()
        if info:
            rng = random.Random(a.seed * 1000 + info.id + 1)
            torch.set_num_threads(1)
        images, files, bank = self.images, self.files, self.bank
        while True:
            made, banked = [], []
            for _ in range(a.batch):
                if bank and rng.random() < a.bank_share:
                    banked.append(bank.sample(rng))
                else:
                    big, k, level = drawn(images, rng, files, a.crop)
                    made.append((big, k, torch.tensor(level, dtype=torch.float64), perturbed(k, rng)))
            yield [torch.stack(x) for x in zip(*made)] if made else [], \
                [torch.stack(x) for x in zip(*banked)] if banked else []


def made(draws, device, generator=None):
    """(blurred, deconvolved, sharp) on `device` from one Batches item."""
    out = []
    if draws[0]:
        big, k, level, p = (x.to(device, non_blocking=True) for x in draws[0])
        b, s = blur(big, k, level, generator)
        out.append((b, deconv(b, p), s))
    if draws[1]:
        out.append(tuple(x.to(device, non_blocking=True) for x in draws[1]))
    return [torch.cat(x) for x in zip(*out)]


def saved(write, path):
    """write(tmp) then renamed onto path, so a run stopped midway never leaves half a file."""
    write(path + ".part")
    os.replace(path + ".part", path)


def fused_model(path):
    """The fused deblur_net of a .pt state dict this script saved, or of a fused .safetensors."""
    if path.endswith(".safetensors"):
        return load(path)[0]
    weights = torch.load(path, map_location="cpu")
    model = DeblurNet(16, (1, 1, 1, 2), 2, (1, 1, 1, 1), fused=1)
    model.load_state_dict({k[4:] if k.startswith("net.") else k: v for k, v in weights.items()}, strict=True)
    return model


def levin_kernels(cache):
    """blind_probe's estimate for each Levin09 image, gated (outside the gate: a delta)."""
    if os.path.exists(cache):
        return list(np.load(cache))
    from limn_train import kernel_estimate as bp
    ks = []
    for _, path, _ in pairs(os.path.join(DATASETS, "deblur", "levin09")):
        b = np.asarray(Image.open(path).convert("L"), dtype=np.float64) / 255
        ks.append(bp.gated(bp.estimate(bp.centre(b), 1e-3, 20.0)))
    np.save(cache, np.array(ks))
    return ks


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--init", help="a plain deblur_net .safetensors to start from")
    src.add_argument("--resume", help="fused weights (.pt state dict or .safetensors) to continue from")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--iters", type=int, default=0, help="stop after this many iterations (0: no limit)")
    ap.add_argument("--minutes", type=float, default=0, help="stop after this long (0: no limit)")
    ap.add_argument("--lr", type=float, default=2e-4, help="Adam's rate, constant unless --cosine")
    ap.add_argument("--cosine", action="store_true", help="warm the rate up over 2%% of the run, then cosine-decay it")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--workers", type=int, default=0, help="data worker processes (0: draw in the training loop)")
    ap.add_argument("--keep", type=float, nargs="*", default=[],
                    help="also keep deblur_<percent>.safetensors at these fractions of the run, e.g. 0.5 0.75")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--levin-every", type=int, default=0)
    ap.add_argument("--history", default="", help="how the weights given to --resume were made, for the metadata")
    ap.add_argument("--data", default=os.path.join(DATASETS, "sr_train"))
    ap.add_argument("--bank", help="deblur_bank.py triples (deconvolved with estimated kernels) to mix in")
    ap.add_argument("--bank-share", type=float, default=0.5, help="the share of each batch drawn from --bank")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    assert a.iters or a.minutes, "give --iters or --minutes"
    torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cudnn.allow_tf32 = False   # fp32 throughout, blur and network, as on the CPU
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    torch.manual_seed(a.seed)
    if a.init:
        plain, _ = load(a.init)
        origin = f"from {os.path.basename(a.init)} (sha256 {sha256(a.init)[:16]})"
        # The first runs wrapped the plain network, drawing two layers' initial weights here:
        # drawn again (and the draws of building the fused network undone) so seeds reproduce them.
        torch.nn.Conv2d(6, plain.intro.out_channels, 3, padding=1)
        torch.nn.Conv2d(plain.ending.in_channels, 4, 3, padding=1)
        state = torch.get_rng_state()
        model = fused_from(plain)
        torch.set_rng_state(state)
    else:
        model = fused_model(a.resume)
        origin = f"resumed from {os.path.basename(a.resume)}" + (f" ({a.history})" if a.history else "")
        rng = random.Random(a.seed)
        torch.manual_seed(a.seed)
    ks = levin_kernels(os.path.join(a.out, "levin_kernels.npy")) if a.levin_every else None

    def fused_input(i, b):
        t = torch.from_numpy(b).float()[None].expand(3, -1, -1)
        return torch.cat([t, deconv(t, torch.from_numpy(np.ascontiguousarray(ks[i])))])
    if a.bank:
        z = np.load(a.bank)
        origin += f"; {a.bank_share:.0%} of samples from a bank of {len(z['energy'])} ({z['command']})"
    data = Batches(a, rng)
    if a.workers:
        data = torch.utils.data.DataLoader(data, batch_size=None, num_workers=a.workers, pin_memory=device == "cuda",
                                           prefetch_factor=4, persistent_workers=True)
    data = iter(data)   # workers start before CUDA does
    model.to(device).train()
    print(f"fused deblur_net {sum(p.numel() for p in model.parameters())} parameters on {device}; "
          f"command: {' '.join(sys.argv)}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    # Without --cosine the rate stays constant; the schedule still tracks progress (iterations or minutes).
    sched = Schedule(opt, a.iters or 10 ** 9, a.minutes, warmup=0.02 if a.cosine else 0, decay=a.cosine)
    where = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    t0, it, kept = time.time(), 0, set()

    def save(name="deblur", note=""):
        if name == "deblur":
            saved(lambda p: torch.save(model.state_dict(), p), os.path.join(a.out, "fused.pt"))
        saved(lambda p: export(model, p, preset="deblur", licence="Limn project weights, CC0",
                               training=f"python -m limn_train.train_deblur_fused {' '.join(sys.argv[1:])}; {origin}; "
                                        f"seed {a.seed}; data {os.path.relpath(a.data, REPO)}; "
                                        f"{it} iterations on {where}{note}"),
              os.path.join(a.out, f"{name}.safetensors"))

    noise = torch.Generator(device).manual_seed(a.seed) if a.workers else None
    for draws in data:
        if sched.done:
            break
        b, d, s = made(draws, device, noise)
        loss = (model(torch.cat([b, d], 1)) - s).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        it += 1
        sched.step(it)
        if it % 200 == 0:
            print(f"it {it} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        if a.levin_every and it % a.levin_every == 0:
            g = levin.gains(model, os.path.join(DATASETS, "deblur", "levin09"), fused_input, device)
            print(f"it {it}: Levin09 {g.mean():+.2f} worst {g.min():+.2f} below {(g < 0).sum()}", flush=True)
        if it % 1000 == 0:
            save()
        for f in a.keep:
            if f not in kept and sched.progress >= f:
                kept.add(f)
                save(f"deblur_{round(f * 100)}", f" (kept at {f:.0%} of the run)")
                print(f"kept deblur_{round(f * 100)} at it {it}", flush=True)
    save()
    print(f"done: {it} iterations, {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
