"""Trains Limn's one multi-style `style_net` (conditional instance norm: shared
convolutions, one scale-and-shift row per painting of limn_train/styles.py) with a
Gram-matrix style loss on Darknet-tiny features, a content loss on a mid layer, a
small total-variation term and a spike penalty: the residual trunk's activations beyond
`spike_limit` are penalised, since instance norm otherwise teaches the network to grow a
few huge activations that come out as glowing blobs (the normalisation "droplets" of
Karras et al. 2020), and so are instance-normalised values beyond `droplet_limit`
standard deviations, where the upsampling path grew the same droplets. Made for long,
interrupted CPU runs: the state (weights, optimiser, data position) is checkpointed every
few minutes and on SIGTERM/SIGINT, and a run continues from it where it stopped.

    python -m limn_train.train_style --checkpoint Training/checkpoints/style_net.pt --minutes 120
    python -m limn_train.train_style --checkpoint Training/checkpoints/style_net.pt --export runs/styles.safetensors

The first command starts a run (or continues the checkpoint's, with its own settings);
the second writes the preset from the checkpoint, with the held-back photos' losses in
its metadata. GPU with bf16 autocast when present, the same script on the CPU.
"""
import argparse
import json
import os
import random
import sys
import time

import torch

from limn_train.archs import StyleNet
from limn_train.archs.style_net import CondInstanceNorm
from limn_train.data.images import load_folder, random_crop
from limn_train import long_run
from limn_train.export import export
from limn_train.paths import DATASETS
from limn_train.style_loss import HELD_BACK, MultiStyleLoss, load_rgb, tv
from limn_train.styles import STYLES, describe, path as style_path

# Settings fixed when a run starts and kept by its checkpoint.
CONFIG = {
    "channels": 16, "res_blocks": 5, "crop": 256, "batch": 4, "style_size": 512, "content_size": 1024,
    "style_layers": "conv2:0.5,conv4:1,conv8:1.5,conv12:1.5", "content_layer": "conv4",
    "style_weight": 2.0, "content_weight": 1.0, "tv_weight": 0.02, "lr": 1e-3,
    "spike_weight": 1.0, "spike_limit": 12.0,
    # Instance-normalised values beyond `droplet_limit` standard deviations are penalised too:
    # the upsampling path had learnt to make a few of them 15-30 (a flat bright sky beside a
    # bridge tower), which its last layers turned into a glowing bar in every style.
    "droplet_weight": 1.0, "droplet_limit": 10.0,
    # Paintings whose content term weighs more: starry-night's strokes had grown over the
    # photo (content 1.07 of the old preset's at iteration 15 463).
    "content_boost": {"starry-night": 1.5},
}
# Never trained on: the held-back photos, and Set14's baboon (a benchmark image).
EXCLUDED = [os.path.join(DATASETS, "photos", r) for r in HELD_BACK + ["opencv-doc/baboon.jpg"]]


def build(cfg, styles, device):
    model = StyleNet(cfg["channels"], cfg["res_blocks"], len(styles)).to(device)
    layers = dict(kv.split(":") for kv in cfg["style_layers"].split(","))
    imgs = [load_rgb(style_path(file), cfg["style_size"]).to(device)
            for _, file, *_ in (next(s for s in STYLES if s[0] == n) for n in styles)]
    loss_fn = MultiStyleLoss(imgs, {k: float(v) for k, v in layers.items()}, cfg["content_layer"], device)
    return model, loss_fn


def grown(state, model, styles, old):
    """A checkpoint's weights with rows for styles added to the catalogue since: each new row
    starts as the mean of the trained ones."""
    own = model.state_dict()
    for k, v in state.items():
        if own[k].shape != v.shape:
            rows = torch.stack([v[old.index(n)] if n in old else v.mean(0) for n in styles])
            state[k] = rows
    return state


def grown_optimiser(opt_state, model, styles, old):
    """Adam's state with the per-style rows rearranged as `grown` does; new rows start at zero
    moments, so Adam's own bias correction applies to them while the shared weights keep theirs."""
    for i, p in enumerate(model.parameters()):
        st = opt_state["state"].get(i)
        if st is None or p.dim() != 2 or st["exp_avg"].shape == p.shape:
            continue
        for key in ("exp_avg", "exp_avg_sq"):
            v = st[key]
            st[key] = torch.stack([v[old.index(n)] if n in old else torch.zeros_like(v[0]) for n in styles])
    return opt_state


def train(a):
    ckpt = long_run.load(a.checkpoint)
    cfg = dict(ckpt["config"] if ckpt else CONFIG, **({"batch": a.batch} if a.batch else {}),
               **({"style_weight": a.style_weight} if a.style_weight else {}),
               **({"droplet_weight": a.droplet_weight} if a.droplet_weight else {}))
    for k in ("spike_weight", "spike_limit", "content_boost", "droplet_weight", "droplet_limit"):   # runs begun before these existed
        cfg.setdefault(k, CONFIG[k])
    styles = [s[0] for s in STYLES]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, loss_fn = build(cfg, styles, device)
    content_scale = torch.tensor([cfg["content_boost"].get(n, 1.0) for n in styles], device=device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr or cfg["lr"])
    it, seconds, rng = 0, 0.0, random.Random(a.seed)
    torch.manual_seed(a.seed)
    if ckpt:
        model.load_state_dict(grown(ckpt["model"], model, styles, ckpt["styles"]))
        opt.load_state_dict(grown_optimiser(ckpt["opt"], model, styles, ckpt["styles"]))
        it, seconds = ckpt["iter"], ckpt["seconds"]
        rng.setstate(ckpt["rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        for g in opt.param_groups:
            g["lr"] = a.lr or cfg["lr"]
    images = load_folder(a.data, cfg["crop"], exclude=EXCLUDED, max_side=cfg["content_size"])
    print(f"{len(images)} content images, {len(styles)} styles; device {device}; from iteration {it} "
          f"({seconds / 3600:.2f} h); command: {' '.join(sys.argv)}", flush=True)

    order = list(ckpt.get("order", [])) if ckpt and ckpt["styles"] == styles else []
    guard = long_run.Guard(a, lambda: {
        "model": model.state_dict(), "opt": opt.state_dict(), "iter": it, "seconds": seconds, "order": order,
        "rng": rng.getstate(), "torch_rng": torch.get_rng_state(), "styles": styles, "config": cfg,
        "history": (ckpt or {}).get("history", []) + [" ".join(sys.argv[1:])]})
    log = [0.0, 0.0, 0, 0.0, 0.0]
    norms = [n for n in model.modules() if isinstance(n, CondInstanceNorm)]
    while guard.running(it):
        t0 = time.time()
        if len(order) < cfg["batch"]:
            order += rng.sample(range(len(styles)), len(styles))   # every style equally often
        idx, order = order[:cfg["batch"]], order[cfg["batch"]:]
        x = torch.stack([random_crop(images, cfg["crop"], rng) for _ in idx]).float().div(255).to(device)
        mix = torch.nn.functional.one_hot(torch.tensor(idx), len(styles)).float().to(device)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
            y = model(x, mix).float()
        s, c = loss_fn(y, x, torch.tensor(idx, device=device), content_scale)
        # Penalising each image's largest excess as well (weight 0.05, iterations 15 556-17 900)
        # made the blobs into broad glowing patches in flat skies: only the mean is kept.
        spikes = cfg["spike_weight"] * torch.relu(model.trunk.float().abs() - cfg["spike_limit"]).pow(2).mean()
        droplets = cfg["droplet_weight"] * torch.stack([torch.relu(n.z.float().abs() - cfg["droplet_limit"]).pow(2).mean()
                                                        for n in norms]).mean()
        loss = cfg["style_weight"] * s + cfg["content_weight"] * c + cfg["tv_weight"] * tv(y) + spikes + droplets
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        seconds += time.time() - t0
        log = [log[0] + s.item(), log[1] + c.item(), log[2] + 1, log[3] + spikes.item(), log[4] + droplets.item()]
        if it % 50 == 0:
            print(f"iter {it}  style {log[0] / log[2]:.4f}  content {log[1] / log[2]:.4f}  "
                  f"spikes {log[3] / log[2]:.4f}  droplets {log[4] / log[2]:.4f}  {seconds / it:.2f} s/it", flush=True)
            log = [0.0, 0.0, 0, 0.0, 0.0]
        guard.tick()
    guard.save()


def export_preset(a):
    ckpt = torch.load(a.checkpoint, weights_only=False)
    cfg, styles = ckpt["config"], ckpt["styles"]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, loss_fn = build(cfg, styles, device)
    content_scale = torch.tensor([cfg["content_boost"].get(n, 1.0) for n in styles], device=device)
    model.load_state_dict(ckpt["model"])
    model.eval()
    ratios, contents = [], []
    with torch.no_grad():
        photos = [load_rgb(os.path.join(DATASETS, "photos", r), 512).to(device) for r in HELD_BACK]
        for i in range(len(styles)):
            idx = torch.tensor([i], device=device)
            r = [loss_fn(model(p, i), p, idx)[0].item() / loss_fn(p, p, idx)[0].item() for p in photos]
            c = [loss_fn(model(p, i), p, idx)[1].item() for p in photos]
            ratios.append(sum(r) / len(r))
            contents.append(sum(c) / len(c))
            print(f"{styles[i]:28s} style x{ratios[-1]:.3f}  content {contents[-1]:.3f}", flush=True)
    info = {n: dict(describe(n), style_ratio=round(r, 4), content_loss=round(c, 4))
            for n, r, c in zip(styles, ratios, contents)}
    training = (f"python -m limn_train.train_style, {ckpt['iter']} iterations ({ckpt['seconds'] / 3600:.1f} h), "
                f"runs: {' | '.join(ckpt['history'])}; settings {json.dumps(cfg)}")
    export(model.float(), a.export, preset="styles", licence="public-domain paintings (each one's source in styles_info)",
           training=training, extra={"style_names": ",".join(styles), "styles_info": json.dumps(info),
                                     "lossnet": "darknet", "style_layers": cfg["style_layers"],
                                     "content_layer": cfg["content_layer"], "style_size": cfg["style_size"]})
    print(f"{a.export}: {len(styles)} styles, mean style x{sum(ratios) / len(ratios):.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    long_run.add_arguments(ap)
    ap.add_argument("--data", nargs="+", default=[os.path.join(DATASETS, "sr_train"), os.path.join(DATASETS, "photos")],
                    help="content images (the held-back photos are always left out)")
    ap.add_argument("--export", metavar="PATH", help="write the preset from the checkpoint and stop")
    ap.add_argument("--style-weight", type=float, default=0,
                    help="weight of the style loss from now on (0: the run's own); kept by the checkpoint")
    ap.add_argument("--droplet-weight", type=float, default=0,
                    help="weight of the droplet penalty from now on (0: the run's own); kept by the checkpoint")
    long_run.run(ap, train, export_preset)


if __name__ == "__main__":
    main()
