"""Super-resolution quality of the `limn` CLI on Set5 and Set14 (standard
MATLAB-bicubic LR files): Y-channel PSNR and SSIM (BT.601, `scale` border
pixels shaved), beside lanczos and bicubic. With --degraded, on Set14
degraded the way phones degrade: MATLAB-bicubic down, Gaussian noise
sigma 2/255 (seed 0), JPEG quality 75, made deterministically.

    python Benchmarks/quality/sr_eval.py [--models lanczos fidelity] [--scales 2 3 4] [--degraded]
    python Benchmarks/quality/sr_eval.py --crops Samples/upscale-crops.jpg
    python Benchmarks/quality/sr_eval.py --validation [--models lanczos photo] [--presets DIR]

--validation scores the photos of VALIDATION instead (never training data for any
upscaler, not Set5/Set14; centre crops of at most 768 px, degraded as above), per
scale: PSNR, the detail ratio (mean |grad Y| of the output over the original's, on
the whole image and on its flat 16-px blocks), and the colour shift (per image,
|mean dCb| and |mean dCr| against the original; the worst image's excess over
lanczos's).

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


PHOTOS = os.path.join(ROOT, "..", "shared", "datasets", "photos")
# Photos no upscaler trained on (they train on T91, BSDS200 and wallpapers) and that are
# not in Set5/Set14 (opencv-doc's baboon is Set14's): real photos with fur, foliage,
# faces, fabric, brick and water.
VALIDATION = [
    "google-coral_test_data/bird.bmp", "google-coral_test_data/cat_720p.jpg",
    "google-coral_test_data/grace_hopper.bmp", "google-coral_test_data/kite_and_cold.jpg",
    "google-coral_test_data/owl.jpg", "google-coral_test_data/parrot.jpg", "google-coral_test_data/pets.jpg",
    "jcjohnson_neural-style/brad_pitt.jpg", "jcjohnson_neural-style/hoovertowernight.jpg",
    "jcjohnson_fast-neural-style/chicago.jpg", "opencv-doc/building.jpg", "opencv-doc/fruits.jpg",
    "opencv-doc/home.jpg", "opencv-doc/messi5.jpg", "opencv-doc/squirrel_cls.jpg",
    "python3-skimage/astronaut.png", "python3-skimage/coffee.png", "python3-skimage/motorcycle_left.png",
    "python3-skimage/rocket.jpg", "pytorch_examples/amber.jpg",
]


def gradient(y):
    """|grad Y| per pixel (forward differences), one row and column shorter."""
    return np.hypot(np.diff(y, axis=1)[:-1], np.diff(y, axis=0)[:, :-1])


def chroma(img):
    """Mean BT.601 Cb and Cr of an (H, W, 3) image on the 0-255 scale."""
    r, g, b = (img[..., i].astype(np.float64) for i in range(3))
    return (np.mean(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255),
            np.mean(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255))


def flat_blocks(g, size=16, level=2.0):
    """Mask of the pixels in size-px blocks whose mean |grad Y| is below `level`."""
    h, w = g.shape[0] // size * size, g.shape[1] // size * size
    m = g[:h, :w].reshape(h // size, size, w // size, size).mean((1, 3)) < level
    mask = np.zeros(g.shape, bool)
    mask[:h, :w] = np.repeat(np.repeat(m, size, 0), size, 1)
    return mask


def validation(a, tmp):
    """Scores a.models on the VALIDATION photos, degraded, per scale."""
    print("| scale | method | PSNR (dB) | detail | detail, flat | worst colour shift over lanczos |")
    print("|---:|---|---:|---:|---:|---:|")
    for s in a.scales:
        rows = {m: [] for m in a.models}
        for name in VALIDATION:
            im = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
            w, h = min(768, im.width) // 12 * 12, min(768, im.height) // 12 * 12
            hr = np.asarray(im.crop(((im.width - w) // 2, (im.height - h) // 2,
                                     (im.width - w) // 2 + w, (im.height - h) // 2 + h)))
            lr_path = degrade(hr, s, os.path.join(tmp, "lr.jpg"))
            yh = luma(hr)[s:-s, s:-s]
            gh = gradient(yh)
            flat = flat_blocks(gh)
            ch = chroma(hr)
            for m in a.models:
                out = os.path.join(tmp, "out.png")
                subprocess.run([a.limn, "upscale", *(["--presets", a.presets] if a.presets else []),
                                "--model", m, "--scale", str(s), lr_path, out], check=True)
                sr = np.asarray(Image.open(out).convert("RGB"))[:h, :w]
                ys = luma(sr)[s:-s, s:-s]
                gs = gradient(ys)
                c = chroma(sr)
                rows[m].append((psnr(ys.round(), yh.round()), gs.mean() / gh.mean(),
                                gs[flat].mean() / gh[flat].mean() if flat.any() else float("nan"),
                                abs(c[0] - ch[0]), abs(c[1] - ch[1])))
        base = rows.get("lanczos")
        for m, r in rows.items():
            r = np.array(r)
            shift = (max(np.max(r[:, 3] - np.array(base)[:, 3]), np.max(r[:, 4] - np.array(base)[:, 4]))
                     if base is not None else float("nan"))
            print(f"| x{s} | {m} | {r[:, 0].mean():.2f} | {r[:, 1].mean():.3f} | {np.nanmean(r[:, 2]):.3f} | "
                  f"{shift:+.2f} |", flush=True)


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
    ap.add_argument("--validation", action="store_true", help="score the VALIDATION photos instead")
    ap.add_argument("--presets", help="the presets folder limn uses")
    a = ap.parse_args()
    if a.validation:
        with tempfile.TemporaryDirectory() as tmp:
            validation(a, tmp)
        return
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
