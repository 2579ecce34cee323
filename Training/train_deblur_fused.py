"""Trains the fused `deblur` preset: deblur_net with fused=1, which sees the blurred image and a
deconvolution of it with an estimated kernel (limn_train/archs/deblur_net.py).

    python Training/train_deblur_fused.py --init Presets/deblur.safetensors --seed 1 --iters 2977 --out runs/f1
    python Training/train_deblur_fused.py --resume runs/f1/fused.pt --seed 2 --iters 2632 --out runs/f2

It starts from the plain deblur_net (--init: the fused network then computes what the plain one
does) or from fused weights (--resume: a fresh optimiser, the data re-seeded). Each training blur
(limn_train/data/blur.py's generator, 10% left sharp, noise up to 3/255, 8-bit) is deconvolved
(limn_train/deconv.py) with its true kernel perturbed the ways the estimator errs; with --bank, a
share of each batch comes instead from deblur_bank.py triples, deconvolved with the kernels the
estimator itself found. Adam (2e-4 unless --lr), batch 8 of 128 px, L1, fp32, CPU (the runs that
made the preset used 2 threads). With --levin-every, scores Levin09 in PyTorch, the kernels estimated by
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "Benchmarks", "quality"))
from limn_train.archs import DeblurNet, load  # noqa: E402
from limn_train.archs.deblur_net import fused_from  # noqa: E402
from limn_train.data.blur import SIZE, file_kernels, random_kernel  # noqa: E402
from limn_train.data.images import load_folder, random_crop  # noqa: E402
from limn_train.deconv import deconv, perturbed  # noqa: E402
from limn_train.export import export, sha256  # noqa: E402
from limn_train import levin  # noqa: E402
from limn_train.levin import pairs  # noqa: E402
from limn_train.paths import DATASETS  # noqa: E402

CROP = 128


def blurred(images, rng, files, crop, generator=None):
    """(blurred, sharp, kernel): a random crop blurred by the training generator's kernel (10% of
    the time a delta), noise up to 3/255 drawn from `generator` (torch's own by default), rounded
    to 8 bits; images (3, crop, crop) in [0, 1], the kernel a correlation kernel (SIZE x SIZE)."""
    r = SIZE // 2
    big = random_crop(images, crop + 2 * r, rng).float() / 255
    if rng.random() < 0.1:
        k = torch.zeros(SIZE, SIZE)
        k[r, r] = 1
    else:
        k = random_kernel(rng, files)
    b = F.conv2d(big[:, None], k[None, None])[:, 0]
    b = (b + torch.randn(b.shape, generator=generator) * rng.uniform(0, 3) / 255).clamp(0, 1)
    return (b * 255).round() / 255, big[:, r:-r, r:-r], k


def sample(images, rng, files):
    """One training triple (blurred, deconvolved, sharp), each (3, CROP, CROP)."""
    b, sharp, k = blurred(images, rng, files, CROP)
    return b, deconv(b, perturbed(k, rng)), sharp


class Bank:
    """Triples from deblur_bank.py: a random CROP-px window of a 256-px item, flipped and turned
    at random, its deconvolution made with the kernel the estimator found."""

    def __init__(self, path):
        z = np.load(path)
        self.blurred = torch.from_numpy(z["blurred"]).float() / 255
        self.sharp = torch.from_numpy(z["sharp"]).float() / 255
        self.deconvolved = torch.stack([deconv(b, torch.from_numpy(k).double())
                                        for b, k in zip(self.blurred, z["kernel"])])
        self.command = str(z["command"])

    def sample(self, rng):
        i = rng.randrange(len(self.blurred))
        n = self.blurred.shape[-1]
        y, x = rng.randint(0, n - CROP), rng.randint(0, n - CROP)
        t = [a[i, :, y:y + CROP, x:x + CROP] for a in (self.blurred, self.deconvolved, self.sharp)]
        flip, turns = rng.random() < 0.5, rng.randint(0, 3)
        return [torch.rot90(a.flip(2) if flip else a, turns, (1, 2)) for a in t]


def fused_model(path):
    """The fused deblur_net of a .pt state dict this script saved."""
    weights = torch.load(path)
    model = DeblurNet(16, (1, 1, 1, 2), 2, (1, 1, 1, 1), fused=1)
    model.load_state_dict({k[4:] if k.startswith("net.") else k: v for k, v in weights.items()}, strict=True)
    return model


def levin_kernels(cache):
    """blind_probe's estimate for each Levin09 image, gated (outside the gate: a delta)."""
    if os.path.exists(cache):
        return list(np.load(cache))
    import blind_probe as bp
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
    src.add_argument("--resume", help="fused weights (.pt state dict) to continue from")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--iters", type=int, default=0, help="stop after this many iterations (0: no limit)")
    ap.add_argument("--minutes", type=float, default=0, help="stop after this long (0: no limit)")
    ap.add_argument("--lr", type=float, default=2e-4, help="Adam's rate, constant")
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
    images = load_folder([a.data], CROP + 2 * (SIZE // 2))
    files = file_kernels()
    bank = Bank(a.bank) if a.bank else None
    if bank:
        origin += f"; {a.bank_share:.0%} of samples from a bank of {len(bank.blurred)} ({bank.command})"
    print(f"{len(images)} images; fused deblur_net {sum(p.numel() for p in model.parameters())} parameters; "
          f"command: {' '.join(sys.argv)}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    t0, it = time.time(), 0

    def save(note=""):
        torch.save(model.state_dict(), os.path.join(a.out, "fused.pt"))
        export(model, os.path.join(a.out, "deblur.safetensors"), preset="deblur", licence="Limn project weights, CC0",
               training=f"python Training/train_deblur_fused.py {' '.join(sys.argv[1:])}; {origin}; seed {a.seed}; "
                        f"data {os.path.relpath(a.data, os.path.join(HERE, '..'))}; {it} iterations on CPU{note}")

    while (not a.iters or it < a.iters) and (not a.minutes or time.time() - t0 < a.minutes * 60):
        b, d, s = (torch.stack(x) for x in zip(*[bank.sample(rng) if bank and rng.random() < a.bank_share
                                                 else sample(images, rng, files) for _ in range(8)]))
        loss = (model(torch.cat([b, d], 1)) - s).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        it += 1
        if it % 200 == 0:
            print(f"it {it} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        if a.levin_every and it % a.levin_every == 0:
            g = levin.gains(model, os.path.join(DATASETS, "deblur", "levin09"), fused_input)
            print(f"it {it}: Levin09 {g.mean():+.2f} worst {g.min():+.2f} below {(g < 0).sum()}", flush=True)
        if it % 1000 == 0:
            save()
    save()
    print(f"done: {it} iterations, {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
