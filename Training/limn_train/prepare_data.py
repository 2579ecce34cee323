"""Makes a compact copy of ../shared for the GPU machine, whose working tree
may carry at most 64 MiB: the SR training pool as lossless WebP (T91, 100 of
BSDS200, one 960x960 crop of each large photo), Set5, the style paintings,
the content photos, the loss networks, the blur kernels and Levin09.

    python -m limn_train.prepare_data data/shared        # data/ is git-ignored
    python -m limn_train.prepare_data data/shared --no-style   # 42 MiB: leaves out what only
                                                             # train_style.py reads

    LIMN_SHARED=data/shared python -m limn_train.train_sr ...

Every training script reads $LIMN_SHARED in place of ../shared.
"""
import os
import random
import shutil
import sys

from PIL import Image

from limn_train.paths import DATASETS, LOSSNETS


def webp(src, dst, crop=None):
    im = Image.open(src).convert("RGB")
    if crop:
        im = im.crop(crop)
    im.save(dst, lossless=True, quality=100, method=4)


def main(out, style=True):
    rng = random.Random(1)
    if os.path.exists(out):
        shutil.rmtree(out)
    ds = os.path.join(out, "datasets")
    train = os.path.join(ds, "sr_train")
    os.makedirs(train)
    for sub, keep in (("t91", None), ("bsds200", 100)):
        src = os.path.join(DATASETS, "sr_train", sub)
        files = sorted(f for f in os.listdir(src) if f.lower().endswith(".png"))[:keep]
        for f in files:
            webp(os.path.join(src, f), os.path.join(train, f"{sub}_{f[:-4]}.webp"))
    for root, _, files in sorted(os.walk(os.path.join(DATASETS, "sr_train", "hr_photos"))):
        for f in sorted(files):
            if f.lower().endswith(".jpg"):
                im = Image.open(os.path.join(root, f))
                x, y = rng.randint(0, max(0, im.width - 960)), rng.randint(0, max(0, im.height - 960))
                webp(os.path.join(root, f), os.path.join(train, f"photo_{f[:-4]}.webp"), (x, y, x + 960, y + 960))
    for rel in ("sr_test/Set5", "deblur/kernels", "deblur/levin09") + (("styles", "photos") if style else ()):
        shutil.copytree(os.path.join(DATASETS, rel), os.path.join(ds, rel))
    if style:
        shutil.copytree(LOSSNETS, os.path.join(out, "lossnets"))
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out) for f in fs)
    print(f"{out}: {total / 2**20:.1f} MiB")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--no-style"]
    main(args[0] if args else "data/shared", style="--no-style" not in sys.argv)
