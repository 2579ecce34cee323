"""Fine-tunes the `photo` upscalers (x2, x3 and x4 in one run, in turn) from their
presets for texture: L1 keeps colours true, a perceptual loss on Darknet-tiny
features and a light relativistic adversarial loss (limn_train/gan.py, one patch
discriminator for all three scales) bring back detail that a pixel loss averages
away. Inputs are degraded by Real-ESRGAN's second-order pipeline
(limn_train/data/degrade.py, degrade_second_order) at a chosen strength: a strong
run for the cleaner weights, and a milder one for the weights that keep more,
between which `limn upscale --denoise` interpolates.

    python -m limn_train.train_sr_gan --checkpoint Training/checkpoints/photo_strong.pt --minutes 120
    python -m limn_train.train_sr_gan --checkpoint Training/checkpoints/photo_light.pt \\
        --from Training/checkpoints/photo_strong.pt --strength 0.5 --minutes 60
    python -m limn_train.train_sr_gan --checkpoint Training/checkpoints/photo_strong.pt --export runs/photo_strong

Made for long, interrupted CPU runs: the whole state (three generators, their
moving averages, the discriminator, optimisers, generators' positions) is saved
every few minutes and on SIGTERM/SIGINT, and continued from there. The exported
weights are the moving averages. GPU with bf16 autocast when present.
"""
import argparse
import os
import random
import sys
import time

import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from limn_train.archs import SRNet, load
from limn_train.data.degrade import degrade_second_order
from limn_train.data.images import load_folder, random_crop
from limn_train import long_run
from limn_train.export import export, sha256
from limn_train.gan import PatchDiscriminator, Perceptual, relativistic
from limn_train.paths import DATASETS, REPO

SCALES = (2, 3, 4)
# "colour": L1 between 8x8-px means of output and original, which holds colours where the
# perceptual and adversarial terms outweigh the pixel term (the strong run's blue had
# drifted by 2 levels at iteration 12 692).
# New runs weigh the perceptual and adversarial terms down from 1.0 and 0.05 (what the strong
# run keeps in its checkpoint): its branch at strength 0.3 had learned to raise contrast (at
# iteration 3 240, building.jpg x2 came back with darker shadows, 7 dB under lanczos).
CONFIG = {"strength": 1.0, "batch": 8, "lr_size": 48, "lr": 1e-4, "pixel": 1.0, "perceptual": 0.5,
          "adversarial": 0.02, "ema": 0.999, "colour": 5.0}


def train(a):
    ckpt = long_run.load(a.checkpoint)
    origin = None if ckpt else (torch.load(a.from_, weights_only=False) if a.from_ else None)
    cfg = ckpt["config"] if ckpt else dict(CONFIG, strength=a.strength if a.strength is not None else 1.0)
    cfg = dict(cfg, **({"batch": a.batch} if a.batch else {}),
               **{k: getattr(a, k) for k in ("perceptual", "adversarial") if getattr(a, k) is not None})
    cfg.setdefault("colour", CONFIG["colour"])   # runs begun before the term existed
    device = "cuda" if torch.cuda.is_available() else "cpu"
    gens, history = {}, []
    for s in SCALES:
        if ckpt or origin:
            g = SRNet(**(ckpt or origin)["hparams"][s])
        else:
            g, _ = load(os.path.join(REPO, "Presets", f"photo_x{s}.safetensors"))
            history.append(f"x{s} from Presets/photo_x{s}.safetensors (sha256 {sha256(os.path.join(REPO, 'Presets', f'photo_x{s}.safetensors'))[:16]})")
        gens[s] = g.to(device).train()
    disc = PatchDiscriminator().to(device)
    emas = {s: AveragedModel(g, multi_avg_fn=get_ema_multi_avg_fn(cfg["ema"])) for s, g in gens.items()}
    opt_g = {s: torch.optim.Adam(g.parameters(), lr=cfg["lr"], betas=(0.9, 0.99)) for s, g in gens.items()}
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg["lr"], betas=(0.9, 0.99))
    it, seconds, rng = 0, 0.0, random.Random(a.seed)
    torch.manual_seed(a.seed)
    src = ckpt or origin
    if src:
        for s in SCALES:
            gens[s].load_state_dict(src["ema" if not ckpt else "gen"][s])
            emas[s].module.load_state_dict(src["ema"][s])
        disc.load_state_dict(src["disc"])
        history = list(src["history"])
    if ckpt:
        for s in SCALES:
            opt_g[s].load_state_dict(ckpt["opt_g"][s])
            emas[s].n_averaged.fill_(ckpt["n_averaged"][s])
        opt_d.load_state_dict(ckpt["opt_d"])
        it, seconds = ckpt["iter"], ckpt["seconds"]
        rng.setstate(ckpt["rng"])
        torch.set_rng_state(ckpt["torch_rng"])
    elif origin:
        history.append(f"continued from {os.path.basename(a.from_)} at its iteration {origin['iter']} with strength {cfg['strength']}")
    for o in list(opt_g.values()) + [opt_d]:
        for grp in o.param_groups:
            grp["lr"] = a.lr or cfg["lr"]
    perceptual = Perceptual(device)
    images = load_folder(a.data, cfg["lr_size"] * max(SCALES))
    print(f"{len(images)} training images; strength {cfg['strength']}; device {device}; from iteration {it} "
          f"({seconds / 3600:.2f} h); command: {' '.join(sys.argv)}", flush=True)

    guard = long_run.Guard(a, lambda: {
        "gen": {s: g.state_dict() for s, g in gens.items()},
        "ema": {s: e.module.state_dict() for s, e in emas.items()},
        "n_averaged": {s: int(e.n_averaged) for s, e in emas.items()},
        "hparams": {s: g.hparams for s, g in gens.items()},
        "disc": disc.state_dict(), "opt_g": {s: o.state_dict() for s, o in opt_g.items()},
        "opt_d": opt_d.state_dict(), "iter": it, "seconds": seconds, "rng": rng.getstate(),
        "torch_rng": torch.get_rng_state(), "config": cfg, "history": history + [" ".join(sys.argv[1:])]})
    log = {}
    bf16 = dict(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda")
    while guard.running(it):
        t0 = time.time()
        s = SCALES[it % len(SCALES)]
        p = cfg["lr_size"]
        hr = [random_crop(images, p * s, rng).float() / 255 for _ in range(cfg["batch"])]
        lr = torch.stack([degrade_second_order(h, s, rng, cfg["strength"]) for h in hr]).to(device)
        hr = torch.stack(hr).to(device)
        g = gens[s]
        # Generator: pixel + perceptual + adversarial (the discriminator held fixed).
        for q in disc.parameters():
            q.requires_grad_(False)
        with torch.autocast(**bf16):
            sr = g(lr).float()
        fake, real = disc(sr), disc(hr).detach()
        l_pix, l_per = F.l1_loss(sr, hr), perceptual(sr, hr)
        l_adv = relativistic(real, fake, for_generator=True)
        l_col = F.l1_loss(F.avg_pool2d(sr, 8), F.avg_pool2d(hr, 8))
        loss = cfg["pixel"] * l_pix + cfg["perceptual"] * l_per + cfg["adversarial"] * l_adv + cfg["colour"] * l_col
        opt_g[s].zero_grad(set_to_none=True)
        loss.backward()
        opt_g[s].step()
        emas[s].update_parameters(g)
        # Discriminator.
        for q in disc.parameters():
            q.requires_grad_(True)
        l_d = relativistic(disc(hr), disc(sr.detach()), for_generator=False)
        opt_d.zero_grad(set_to_none=True)
        l_d.backward()
        opt_d.step()
        it += 1
        seconds += time.time() - t0
        row = log.setdefault(s, [0.0] * 5)
        for i, v in enumerate((l_pix.item(), l_per.item(), l_adv.item(), l_d.item(), 1)):
            row[i] += v
        if it % 60 == 0:
            print(f"iter {it}  " + "  ".join(f"x{k} pix {r[0] / r[4]:.4f} per {r[1] / r[4]:.3f} adv {r[2] / r[4]:.3f} "
                                            f"d {r[3] / r[4]:.3f}" for k, r in sorted(log.items()))
                  + f"  {seconds / it:.2f} s/it", flush=True)
            log = {}
        guard.tick()
    guard.save()


def export_presets(a):
    ckpt = torch.load(a.checkpoint, weights_only=False)
    os.makedirs(a.export, exist_ok=True)
    for s in SCALES:
        g = SRNet(**ckpt["hparams"][s])
        g.load_state_dict(ckpt["ema"][s])
        training = (f"python -m limn_train.train_sr_gan, strength {ckpt['config']['strength']}, {ckpt['iter']} "
                    f"iterations over three scales ({ckpt['seconds'] / 3600:.1f} h): {' | '.join(ckpt['history'])}")
        path = os.path.join(a.export, f"photo_x{s}.safetensors")
        export(g, path, preset=f"photo_x{s}", licence="Limn project weights, CC0", training=training,
               extra={"strength": ckpt["config"]["strength"]})
        print(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    long_run.add_arguments(ap)
    ap.add_argument("--from", dest="from_", help="a new run starts from this other run's checkpoint")
    ap.add_argument("--strength", type=float, help="degradation strength of a new run (default 1)")
    ap.add_argument("--perceptual", type=float, help="new weight of the perceptual term, kept by the checkpoint")
    ap.add_argument("--adversarial", type=float, help="new weight of the adversarial term, kept by the checkpoint")
    ap.add_argument("--data", nargs="+", default=[os.path.join(DATASETS, "sr_train")])
    ap.add_argument("--export", metavar="DIR", help="write photo_x2/x3/x4 from the checkpoint and stop")
    long_run.run(ap, train, export_presets)


if __name__ == "__main__":
    main()
