"""Super-resolution quality of the `limn` CLI on Set5 and Set14 (standard
MATLAB-bicubic LR files): Y-channel PSNR and SSIM (BT.601, `scale` border
pixels shaved), beside lanczos and bicubic. With --degraded, on Set14
degraded the way phones degrade: MATLAB-bicubic down, Gaussian noise
sigma 2/255 (seed 0), JPEG quality 75, made deterministically.

    python Benchmarks/quality/sr_eval.py [--models lanczos fidelity] [--scales 2 3 4] [--degraded]
    python Benchmarks/quality/sr_eval.py --crops Samples/upscale-crops.jpg

--crops writes side-by-side crops instead: Samples/ photos degraded the same
way (x2 and x4), then lanczos, fidelity and photo, beside the original.

Runs `.build/release/limn upscale --model M --scale S LR out.png` for each LR
file; bicubic is MATLAB's (Training/limn_train/data/imresize.py).
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image, ImageDraw

import torch
from limn_train.data.imresize import imresize
from limn_train.metrics import luma, psnr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


def ssim(a, b):
    """Wang et al.'s SSIM with an 11x11 Gaussian window (sigma 1.5), valid region."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    g = np.exp(-0.5 * (np.arange(11) - 5) ** 2 / 1.5 ** 2)
    w = torch.from_numpy(np.outer(g, g) / np.outer(g, g).sum())[None, None]
    f = lambda x: torch.nn.functional.conv2d(torch.from_numpy(x)[None, None], w)[0, 0].numpy()  # noqa: E731
    mu_a, mu_b = f(a), f(b)
    va, vb, cov = f(a * a) - mu_a ** 2, f(b * b) - mu_b ** 2, f(a * b) - mu_a * mu_b
    return float(np.mean((2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a ** 2 + mu_b ** 2 + c1) * (va + vb + c2))))


def score(sr, hr, s):
    a, b = luma(sr)[s:-s, s:-s].round(), luma(hr)[s:-s, s:-s].round()
    return psnr(a, b), ssim(a, b)


def degrade(hr, s, path):
    """Bicubic down by s, Gaussian noise sigma 2/255 (seeded per image), JPEG
    quality 75; writes the JPEG to `path` and returns it."""
    h, w = hr.shape[0] // s, hr.shape[1] // s
    t = torch.from_numpy(hr[:h * s, :w * s].astype(np.float64) / 255).permute(2, 0, 1)
    lr = imresize(t, h, w).permute(1, 2, 0).numpy() * 255
    rng = np.random.default_rng(int(hr.sum()) % (2 ** 32))
    lr = np.clip(lr + rng.normal(0, 2, lr.shape), 0, 255).round().astype(np.uint8)
    Image.fromarray(lr).save(path, quality=75)
    return path


CROPS = [  # Samples/ file, scale, (left, top) of a 256-px square in the original
    ("astronaut.jpg", 2, (150, 60)),
    ("coffee.jpg", 2, (300, 20)),
    ("chelsea.jpg", 4, (120, 20)),
]


def contact_sheet(rows, out_path, size=256, label=18):
    """Writes rows of (title, image) panels, `size` px square each with its title
    above, as one JPEG (quality 92)."""
    sheet = Image.new("RGB", (size * max(len(r) for r in rows), (size + label) * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for row, panels in enumerate(rows):
        top = row * (size + label)
        for col, (title, panel) in enumerate(panels):
            sheet.paste(panel, (col * size, top + label))
            draw.text((col * size + 4, top + 3), title, fill="black")
    sheet.save(out_path, quality=92)


def write_crops(limn, samples, out_path, tmp):
    """One row per CROPS entry: the degraded input (pixels enlarged), lanczos,
    fidelity, photo and the original, 256 px each, labelled."""
    rows = []
    for row, (name, s, (x, y)) in enumerate(CROPS):
        hr = np.asarray(Image.open(os.path.join(samples, name)).convert("RGB"))
        hr = hr[:hr.shape[0] // s * s, :hr.shape[1] // s * s]
        lr_path = degrade(hr, s, os.path.join(tmp, f"{row}.jpg"))
        box = (x, y, x + 256, y + 256)
        panels = [(f"input x{s}", Image.open(lr_path).resize((hr.shape[1], hr.shape[0]), Image.NEAREST).crop(box))]
        for m in ["lanczos", "fidelity", "photo"]:
            out = os.path.join(tmp, f"{row}-{m}.png")
            subprocess.run([limn, "upscale", "--model", m, "--scale", str(s), lr_path, out], check=True)
            panels.append((m, Image.open(out).convert("RGB").crop(box)))
        rows.append(panels + [("original", Image.fromarray(hr).crop(box))])
    contact_sheet(rows, out_path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["lanczos"])
    ap.add_argument("--scales", nargs="+", type=int, default=[2, 3, 4])
    ap.add_argument("--limn", default=os.path.join(ROOT, ".build", "release", "limn"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets", "sr_test"))
    ap.add_argument("--degraded", action="store_true")
    ap.add_argument("--crops", help="write side-by-side crops to this file instead of scoring")
    a = ap.parse_args()
    if a.crops:
        with tempfile.TemporaryDirectory() as tmp:
            write_crops(a.limn, os.path.join(ROOT, "Samples"), a.crops, tmp)
        return
    print("| set | scale | method | PSNR (dB) | SSIM |")
    print("|---|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in (["Set14"] if a.degraded else ["Set5", "Set14"]):
            for s in a.scales:
                folder = os.path.join(a.data, name, f"image_SRF_{s}")
                pairs = sorted(f for f in os.listdir(folder) if f.endswith("_HR.png"))
                rows = {m: [] for m in ["bicubic"] + a.models}
                for f in pairs:
                    hr = np.asarray(Image.open(os.path.join(folder, f)).convert("RGB"))
                    lr_path = os.path.join(folder, f.replace("_HR", "_LR"))
                    if a.degraded:
                        lr_path = degrade(hr, s, os.path.join(tmp, f.replace("_HR.png", "_LR.jpg")))
                    lr = np.asarray(Image.open(lr_path).convert("RGB"))
                    t = torch.from_numpy(lr.astype(np.float64) / 255).permute(2, 0, 1)
                    bic = imresize(t, lr.shape[0] * s, lr.shape[1] * s).clamp(0, 1).permute(1, 2, 0).numpy()
                    bic = (bic * 255).round()[:hr.shape[0], :hr.shape[1]]
                    rows["bicubic"].append(score(bic, hr, s))
                    for m in a.models:
                        out = os.path.join(tmp, "out.png")
                        subprocess.run([a.limn, "upscale", "--model", m, "--scale", str(s), lr_path, out], check=True)
                        sr = np.asarray(Image.open(out).convert("RGB"))[:hr.shape[0], :hr.shape[1]]
                        rows[m].append(score(sr, hr, s))
                for m, r in rows.items():
                    p, q = np.mean([x[0] for x in r]), np.mean([x[1] for x in r])
                    print(f"| {name} | x{s} | {m} | {p:.2f} | {q:.4f} |", flush=True)


if __name__ == "__main__":
    main()
