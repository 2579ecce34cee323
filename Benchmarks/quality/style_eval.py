"""The style network through the `limn` CLI: for each style, stylizes the five
held-back photos (limn_train.style_loss.HELD_BACK, never trained on) and prints
the style loss (Gram, relative to the unstyled photo's) and the content loss of
the result, next to the per-style presets this network replaced
(style_baseline.json, measured with the same ruler at commit 22a5103).

The ruler is frozen here, as it was when the baseline was measured: Darknet-tiny
layers conv2, conv4, conv8 and conv12 weighed alike (each divided by its target
Gram's squared mean), the painting at 512 pixels on its long side, content on
conv4, both images at 512 pixels. It does not follow the training's loss.

    python Benchmarks/quality/style_eval.py [--styles a b ...] [--gallery Samples/style-gallery.jpg]
        [--crops DIR]
    python Benchmarks/quality/style_eval.py --blend-strip A B Samples/style-blend.jpg

Runs `.build/release/limn stylize --style NAME photo out.png` (default working
size) on each photo at its own size (512 to 1024 pixels long). --gallery writes a
row per style, a column per photo, the originals on top; --crops writes, per
style, a 100% crop (256 x 256) of the first photo's output; --blend-strip only
paints the first photo from style A to style B in five steps (A=1,B=0 ... A=0,B=1).
"""
import argparse
import json
import os
import subprocess
import tempfile

import torch
import torch.nn.functional as F

from limn_train.export import metadata
from limn_train.lossnets import DarknetTiny
from limn_train.paths import DATASETS
from limn_train.style_loss import HELD_BACK, load_rgb
from limn_train.styles import STYLES, path as painting_path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

# The ruler, frozen at commit 22a5103 (the per-style presets' own loss settings).
STYLE_LAYERS, CONTENT_LAYER, PAINTING_SIZE, LOSS_SIZE = ["conv2", "conv4", "conv8", "conv12"], "conv4", 512, 512


def gram(f):
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


class Ruler:
    """Style loss of an image against one painting, and content loss against a photo."""

    def __init__(self, net, painting):
        self.net = net
        with torch.no_grad():
            self.targets = {k: gram(v) for k, v in net.features(painting, STYLE_LAYERS).items()}
        self.scale = {k: 1.0 / (g.pow(2).mean() + 1e-12) for k, g in self.targets.items()}

    @torch.no_grad()
    def __call__(self, out, photo):
        fo = self.net.features(out, STYLE_LAYERS + [CONTENT_LAYER])
        fc = self.net.features(photo, [CONTENT_LAYER])[CONTENT_LAYER]
        style = sum(((gram(fo[k]) - self.targets[k]) ** 2).mean() * self.scale[k] for k in STYLE_LAYERS)
        content = F.mse_loss(fo[CONTENT_LAYER], fc) / (fc.pow(2).mean() + 1e-12)
        return style.item() / len(STYLE_LAYERS), content.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limn", default=os.path.join(ROOT, ".build", "release", "limn"))
    ap.add_argument("--presets", default=os.path.join(ROOT, "Presets"))
    ap.add_argument("--styles", nargs="*", help="style names (default: every style of the style network)")
    ap.add_argument("--gallery", help="write the gallery here (JPEG)")
    ap.add_argument("--crops", help="write a 100%% crop per style into this folder (PNG)")
    ap.add_argument("--cell", type=int, default=220, help="gallery cell height in pixels")
    ap.add_argument("--blend-strip", nargs=3, metavar=("A", "B", "PATH"), help="write a blend strip A to B and stop")
    a = ap.parse_args()
    if a.blend_strip:
        return blend_strip(a, *a.blend_strip)

    manifest = json.load(open(os.path.join(a.presets, "manifest.json")))
    names = [n for e in manifest if e["task"] == "style"
             for n in metadata(os.path.join(a.presets, e["file"]))["style_names"].split(",")]
    names = [n for n in names if not a.styles or n in a.styles]
    if not names:
        raise SystemExit("no styles to evaluate")
    baseline = json.load(open(os.path.join(HERE, "style_baseline.json")))["styles"]
    files = {s[0]: s[1] for s in STYLES}
    photos = [os.path.join(DATASETS, "photos", p) for p in HELD_BACK]
    env = dict(os.environ, LIMN_PRESETS=a.presets)
    tmp = tempfile.mkdtemp(prefix="limn-style-eval-")
    net = DarknetTiny().eval()
    loaded = [load_rgb(p, LOSS_SIZE) for p in photos]
    rows, ratios = [], []
    print(f"{'style':<28} {'style loss (x unstyled)':>24} {'content':>8}   {'old':>13}   {'new/old':>13}")
    for name in names:
        ruler = Ruler(net, load_rgb(painting_path(files[name]), PAINTING_SIZE))
        outs, per = [], []
        for p, x in zip(photos, loaded):
            out = os.path.join(tmp, f"{name}-{os.path.splitext(os.path.basename(p))[0]}.png")
            subprocess.run([a.limn, "stylize", "--quiet", "--style", name, p, out], check=True, env=env)
            outs.append(out)
            s0, _ = ruler(x, x)
            s1, c1 = ruler(load_rgb(out, LOSS_SIZE), x)
            per.append((s1 / s0, c1))
        ms, mc = (sum(r[k] for r in per) / len(per) for k in (0, 1))
        line = f"{name:<28} {ms:>24.3f} {mc:>8.3f}"
        if name in baseline:
            old = baseline[name]
            ratios.append((ms / old["style_ratio"], mc / old["content_loss"]))
            line += f"   {old['style_ratio']:>6.3f} {old['content_loss']:>6.3f}   {ratios[-1][0]:>6.3f} {ratios[-1][1]:>6.3f}"
        print(line, flush=True)
        rows.append((name, outs))
    if ratios:
        print(f"mean new/old style loss {sum(r[0] for r in ratios) / len(ratios):.3f} over {len(ratios)} styles; "
              f"content new/old at most {max(r[1] for r in ratios):.3f}")

    if a.crops:
        os.makedirs(a.crops, exist_ok=True)
        for name, outs in rows:
            crop = os.path.join(a.crops, f"{name}.png")
            subprocess.run(["vips", "crop", outs[0], crop, "256", "128", "256", "256"], check=True)
        print(f"crops: {a.crops}")
    if a.gallery:
        make_gallery([("original", photos)] + rows, a.gallery, a.cell, tmp)
        print(f"gallery: {a.gallery}")


def blend_strip(a, first, second, path):
    """The first held-back photo painted from `first` to `second` in five steps: a row of
    pictures, their weights under each."""
    tmp = tempfile.mkdtemp(prefix="limn-style-blend-")
    photo = os.path.join(DATASETS, "photos", HELD_BACK[0])
    env = dict(os.environ, LIMN_PRESETS=a.presets)
    pictures, labels = [], []
    for i, w in enumerate([0, 0.25, 0.5, 0.75, 1]):
        out = os.path.join(tmp, f"{i}.png")
        subprocess.run([a.limn, "stylize", "--quiet", "--style", f"{first}={1 - w},{second}={w}", photo, out],
                       check=True, env=env)
        subprocess.run(["vips", "thumbnail", out, out + ".t.png", "10000", "--height", str(a.cell)], check=True)
        pictures.append(out + ".t.png")
        text = os.path.join(tmp, f"{i}.txt.png")
        subprocess.run(["vips", "text", text, f"{first} {1 - w:g} + {second} {w:g}", "--dpi", "100",
                        "--font", "sans"], check=True)
        subprocess.run(["vips", "invert", text, text + ".inv.png"], check=True)
        labels.append(text + ".inv.png")
    width = int(subprocess.run(["vipsheader", "-f", "width", pictures[0]], capture_output=True, text=True,
                               check=True).stdout)
    row, under = os.path.join(tmp, "row.v"), os.path.join(tmp, "under.v")
    subprocess.run(["vips", "arrayjoin", " ".join(pictures), row, "--shim", "6", "--background", "255"], check=True)
    subprocess.run(["vips", "arrayjoin", " ".join(labels), under, "--hspacing", str(width + 6), "--background", "255",
                    "--halign", "centre"], check=True)
    subprocess.run(["vips", "join", row, under, path + "[Q=85,strip]", "vertical", "--shim", "4",
                    "--background", "255"], check=True)
    print(f"blend strip: {path}")


def make_gallery(rows, path, cell, tmp):
    """A row per (label, images): the label, then each image `cell` pixels high."""
    cells = []

    def new_cell():
        return os.path.join(tmp, f"cell-{len(cells)}.png")

    for label, files in rows:
        text, cell_path = new_cell() + ".txt.png", new_cell()
        subprocess.run(["vips", "text", text, label, "--dpi", "110", "--font", "sans", "--width", str(cell)], check=True)
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
