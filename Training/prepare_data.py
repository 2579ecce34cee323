"""Makes a compact copy of the SR training pool for the GPU machine, whose
working tree may carry at most 64 MiB: T91 and BSDS200 as lossless WebP, the
large photos as 960x960 lossless-WebP crops, Set5 for validation.

    python Training/prepare_data.py data/sr      # data/ is git-ignored

Then: train_sr.py --data data/sr/train --test data/sr/test ...
"""
import os
import random
import shutil
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "datasets")


def main(out):
    rng = random.Random(1)
    train = os.path.join(out, "train")
    os.makedirs(train, exist_ok=True)
    for sub in ["t91", "bsds200"]:
        src = os.path.join(SHARED, "sr_train", sub)
        for f in sorted(os.listdir(src)):
            if f.lower().endswith(".png"):
                Image.open(os.path.join(src, f)).convert("RGB").save(
                    os.path.join(train, f"{sub}_{f[:-4]}.webp"), lossless=True, quality=100, method=4)
    photos = os.path.join(SHARED, "sr_train", "hr_photos")
    for root, _, files in sorted(os.walk(photos)):
        for f in sorted(files):
            if f.lower().endswith(".jpg"):
                im = Image.open(os.path.join(root, f)).convert("RGB")
                for k in range(1):
                    x = rng.randint(0, max(0, im.width - 960))
                    y = rng.randint(0, max(0, im.height - 960))
                    im.crop((x, y, x + 960, y + 960)).save(
                        os.path.join(train, f"photo_{f[:-4]}_{k}.webp"), lossless=True, quality=100, method=4)
    test = os.path.join(out, "test", "Set5")
    if os.path.exists(test):
        shutil.rmtree(test)
    shutil.copytree(os.path.join(SHARED, "sr_test", "Set5"), test)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out) for f in fs)
    print(f"{out}: {total / 2**20:.1f} MiB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/sr")
