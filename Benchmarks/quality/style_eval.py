"""Style presets through the `limn` CLI: for each preset, stylizes the five
held-back photos (never trained on) and prints the style loss (Gram, the
preset's own loss network and layers) and content loss of the result relative
to the unstyled photo, so a regression in training shows as a number. With
--gallery, also writes one image: a row per style, a column per photo, the
originals on top.

    python Benchmarks/quality/style_eval.py [--styles a b ...] [--gallery Samples/style-gallery.jpg]

Runs `.build/release/limn stylize --style NAME photo out.png` (default working
size) on each photo at its own size (512 to 1024 pixels long).
"""
import argparse
import json
import os
import subprocess
import tempfile

import torch

from limn_train.export import metadata
from limn_train.paths import DATASETS
from limn_train.style_loss import HELD_BACK, StyleLoss, load_rgb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

LOSS_SIZE = 512  # long side at which the losses are measured, as in limn_train.train_style


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limn", default=os.path.join(ROOT, ".build", "release", "limn"))
    ap.add_argument("--presets", default=os.path.join(ROOT, "Presets"))
    ap.add_argument("--styles", nargs="*", help="preset names (default: every style preset)")
    ap.add_argument("--gallery", help="write the gallery here (JPEG)")
    ap.add_argument("--cell", type=int, default=220, help="gallery cell height in pixels")
    a = ap.parse_args()

    manifest = json.load(open(os.path.join(a.presets, "manifest.json")))
    entries = [e for e in manifest if e["task"] == "style" and (not a.styles or e["name"] in a.styles)]
    if not entries:
        raise SystemExit("no style presets to evaluate")
    photos = [os.path.join(DATASETS, "photos", p) for p in HELD_BACK]
    env = dict(os.environ, LIMN_PRESETS=a.presets)
    tmp = tempfile.mkdtemp(prefix="limn-style-eval-")
    rows = []
    print(f"{'preset':<16} {'style loss (x unstyled)':>24} {'content loss':>13}   per photo: style ratio / content")
    for e in entries:
        meta = metadata(os.path.join(a.presets, e["file"]))
        style_img = load_rgb(os.path.join(DATASETS, "styles", meta["style_image"]), int(meta["style_size"]))
        loss = StyleLoss(style_img, meta["style_layers"].split(","), meta["content_layer"], "cpu", meta["lossnet"])
        outs, per = [], []
        for p in photos:
            out = os.path.join(tmp, f"{e['name']}-{os.path.splitext(os.path.basename(p))[0]}.png")
            subprocess.run([a.limn, "stylize", "--quiet", "--style", e["name"], p, out], check=True, env=env)
            outs.append(out)
            with torch.no_grad():
                x, y = load_rgb(p, LOSS_SIZE), load_rgb(out, LOSS_SIZE)
                s0, _ = loss(x, x)
                s1, c1 = loss(y, x)
            per.append((s1.item() / s0.item(), c1.item()))
        ms = sum(r[0] for r in per) / len(per)
        mc = sum(r[1] for r in per) / len(per)
        detail = "  ".join(f"{r[0]:.3f}/{r[1]:.3f}" for r in per)
        print(f"{e['name']:<16} {ms:>24.3f} {mc:>13.3f}   {detail}", flush=True)
        rows.append((e["name"], outs))

    if a.gallery:
        make_gallery([("original", photos)] + rows, a.gallery, a.cell, tmp)
        print(f"gallery: {a.gallery}")


def make_gallery(rows, path, cell, tmp):
    """A row per (label, images): the label, then each image `cell` pixels high."""
    cells = []

    def new_cell():
        return os.path.join(tmp, f"cell-{len(cells)}.png")

    for label, files in rows:
        text, cell_path = new_cell() + ".txt.png", new_cell()
        subprocess.run(["vips", "text", text, label, "--dpi", "110", "--font", "sans"], check=True)
        subprocess.run(["vips", "invert", text, text + ".inv.png"], check=True)
        subprocess.run(["vips", "gravity", text + ".inv.png", cell_path, "centre", str(cell), str(cell),
                        "--extend", "background", "--background", "255"], check=True)
        cells.append(cell_path)
        for f in files:
            thumb = new_cell()
            subprocess.run(["vips", "thumbnail", f, thumb, "10000", "--height", str(cell)], check=True)
            subprocess.run(["vips", "colourspace", thumb, thumb + ".srgb.png", "srgb"], check=True)
            cells.append(thumb + ".srgb.png")
    subprocess.run(["vips", "arrayjoin", " ".join(cells), path + "[Q=85,strip]", "--across",
                    str(len(rows[0][1]) + 1), "--shim", "6", "--background", "255", "--halign", "centre",
                    "--valign", "centre"], check=True)


if __name__ == "__main__":
    main()
