"""Deblurring quality of the `limn` CLI, beside the blurred input and
libvips' `sharpen` (unsharp mask, defaults):

- Levin09 (../shared/datasets/deblur/levin09, grey): per image and mean PSNR/SSIM, each image
  (input and outputs alike) scored at its best integer alignment with the original, since the
  benchmark's kernels are not centred (Training/limn_train/levin.py);
- Set14 blurred with 8 camera-shake kernels from a fixed seed, plus noise sigma 1/255;
- sharp Set14 through `limn enhance` (it must do no harm: PSNR against itself);
- the large-shake set (Training/limn_train/large_shake.py: 66 wallpaper crops of 512 px, camera
  shakes of 31-75 px, noise 1%; needs `apt-get install mate-backgrounds plasma-workspace-wallpapers`).

    python Benchmarks/quality/deblur_eval.py [--model deblur] [--per-image] [--only levin|set14|large]
    python Benchmarks/quality/deblur_eval.py --crops Samples/enhance-crops.jpg

--crops writes side-by-side crops instead: real blurry photos (no ground
truth) as they are, through `vips sharpen` and through `limn enhance`.
"""
import argparse
import os
import random
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from limn_train import large_shake
from limn_train.data.blur import SIZE, motion_kernel
from limn_train.levin import aligned, pairs
from limn_train.metrics import luma, psnr
from limn_train.paths import DATASETS
from sr_eval import contact_sheet, ssim

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


SHARED = DATASETS


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def blurred_set14():
    """Set14 blurred by 8 camera-shake kernels (seed 2026) plus noise 1/255: yields, per image,
    its file name, the path of the original and the 8 blurred images ((H, W, 3) uint8)."""
    rng = random.Random(2026)
    torch.manual_seed(2026)
    kernels = [motion_kernel(rng) for _ in range(8)]
    set14 = os.path.join(SHARED, "sr_test", "Set14", "image_SRF_2")
    r = SIZE // 2
    for f in sorted(x for x in os.listdir(set14) if x.endswith("_HR.png")):
        hr_path = os.path.join(set14, f)
        hr = torch.from_numpy(np.asarray(Image.open(hr_path).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)
        blurred = []
        for k in kernels:
            x = F.conv2d(F.pad(hr[None], (r, r, r, r), mode="reflect"), k.expand(3, 1, SIZE, SIZE), groups=3)[0]
            x = (x + torch.randn_like(x) / 255).clamp(0, 1)
            blurred.append((x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
        yield f, hr_path, blurred


def read_y(path):
    im = Image.open(path)
    return luma(np.asarray(im.convert("RGB"))) if im.mode != "L" else np.asarray(im, dtype=np.float64)


def scores(out_path, ref, align=False):
    a = read_y(out_path).round()
    if align:
        a, ref = aligned(a, ref)
    return psnr(a, ref), ssim(a, ref)


def methods(a, inp, tmp):
    """Paths of the outputs of each method for input `inp`."""
    out = {"input": inp}
    out["vips sharpen"] = os.path.join(tmp, "sharpen.png")
    run(["vips", "sharpen", inp, out["vips sharpen"]])
    out["limn enhance"] = os.path.join(tmp, "limn.png")
    run([a.limn, "enhance", "--model", a.model, inp, out["limn enhance"]])
    return out


def table(title, rows, per_image):
    names = list(rows[0][1].keys())
    print(f"\n{title}\n")
    print("| image | " + " | ".join(f"{n} PSNR / SSIM" for n in names) + " |")
    print("|---|" + "---:|" * len(names))
    if per_image:
        for img, r in rows:
            print(f"| {img} | " + " | ".join(f"{r[n][0]:.2f} / {r[n][1]:.4f}" for n in names) + " |")
    mean = {n: (np.mean([r[n][0] for _, r in rows]), np.mean([r[n][1] for _, r in rows])) for n in names}
    print("| **mean** | " + " | ".join(f"{mean[n][0]:.2f} / {mean[n][1]:.4f}" for n in names) + " |")
    if "input" in names:
        gains = [r["limn enhance"][0] - r["input"][0] for _, r in rows]
        worst = min(range(len(gains)), key=gains.__getitem__)
        print(f"\nlimn enhance: mean gain {np.mean(gains):+.2f} dB, worst {gains[worst]:+.2f} dB ({rows[worst][0]}), "
              f"{sum(g < 0 for g in gains)} of {len(gains)} below the input")


# (folder under ../shared/datasets/deblur, file, top-left corner of a 256-px crop)
CROPS = [
    ("samples", "blurry.jpg", (470, 380)),
    ("samples", "licenseplate_motion.jpg", (170, 150)),
    ("real_blurry", "text5.jpg", (60, 20)),
    ("real_blurry", "book1.jpg", (60, 10)),
    ("real_blurry", "car_house.jpg", (250, 100)),
]


def write_crops(a, out_path, tmp):
    """One row per CROPS entry: the input, vips sharpen and limn enhance, 256 px each, labelled."""
    rows = []
    for folder, name, (x, y) in CROPS:
        outs = methods(a, os.path.join(SHARED, "deblur", folder, name), tmp)
        rows.append([(name if col == "input" else col, Image.open(outs[col]).convert("RGB").crop((x, y, x + 256, y + 256)))
                     for col in ["input", "vips sharpen", "limn enhance"]])
    contact_sheet(rows, out_path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="deblur")
    ap.add_argument("--limn", default=os.path.join(ROOT, ".build", "release", "limn"))
    ap.add_argument("--per-image", action="store_true")
    ap.add_argument("--crops", help="write side-by-side crops to this file instead of scoring")
    ap.add_argument("--only", choices=["levin", "set14", "large"], help="score one benchmark (set14: blurred and sharp)")
    a = ap.parse_args()
    if a.crops:
        with tempfile.TemporaryDirectory() as tmp:
            write_crops(a, a.crops, tmp)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if a.only in (None, "large"):
            rows = []
            for name, sharp, blurred, _ in large_shake.items():
                inp = os.path.join(tmp, "blurred.png")
                Image.fromarray(blurred).save(inp)
                ref = luma(sharp.astype(np.float64)).round()
                rows.append((name, {n: scores(p, ref) for n, p in methods(a, inp, tmp).items()}))
            table("Large shakes (31-75 px) + noise 1%, 66 wallpaper crops", rows, a.per_image)
        if a.only == "large":
            return
        if a.only != "set14":
            rows = []
            for name, path, ref in pairs(os.path.join(SHARED, "deblur", "levin09")):
                rows.append((name, {n: scores(p, ref, align=True) for n, p in methods(a, path, tmp).items()}))
            table("Levin09 (grey; each image at its best shift within 8 px, 8-px border left out)", rows, a.per_image)
        if a.only == "levin":
            return

        rows, sharp_rows = [], []
        for f, hr_path, blurred in blurred_set14():
            ref = read_y(hr_path).round()
            for j, x in enumerate(blurred):
                inp = os.path.join(tmp, "blurred.png")
                Image.fromarray(x).save(inp)
                rows.append((f"{f[:7]} k{j + 1}", {n: scores(p, ref) for n, p in methods(a, inp, tmp).items()}))
            outs = methods(a, hr_path, tmp)
            sharp_rows.append((f[:7], {n: scores(outs[n], ref) for n in ("vips sharpen", "limn enhance")}))
        table("Set14, 8 camera-shake kernels (seed 2026) + noise 1/255", rows, a.per_image)
        table("Sharp Set14 (does no harm: PSNR against itself)", sharp_rows, a.per_image)


if __name__ == "__main__":
    main()
