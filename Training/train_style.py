"""Trains a feed-forward `style_net` for one painting with a Gram-matrix
style loss on Darknet-tiny (or SqueezeNet) features (limn_train/style_loss.py), a content
loss on a mid layer and a small total-variation term, and exports it.

    python Training/train_style.py --style ../shared/datasets/styles/starry_night.jpg \\
        --name starry-night --licence "Vincent van Gogh, The Starry Night (1889), public domain" \\
        --out runs/styles

Content images are random crops of the SR training pool and the content
photos; five photos are held back for the report: the style and content
losses of the stylized photos relative to the unstyled ones, so a regression
shows as a number. GPU with bf16 when present, CPU otherwise.
"""
import argparse
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from limn_train.archs import StyleNet  # noqa: E402
from limn_train.data.images import load_folder, random_crop  # noqa: E402
from limn_train.export import export  # noqa: E402
from limn_train.paths import DATASETS  # noqa: E402
from limn_train.style_loss import HELD_BACK, StyleLoss, load_rgb, tv  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = DATASETS


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--style", required=True)
    ap.add_argument("--name", required=True, help="preset name, e.g. starry-night")
    ap.add_argument("--licence", required=True, help="source painting and its licence, one line")
    ap.add_argument("--style-size", type=int, default=384, help="long side of the style image")
    ap.add_argument("--lossnet", choices=["darknet", "squeezenet"], default="darknet")
    ap.add_argument("--style-layers", default="conv2,conv4,conv8,conv12")
    ap.add_argument("--content-layer", default="conv4")
    ap.add_argument("--style-weight", type=float, default=1.0)
    ap.add_argument("--content-weight", type=float, default=1.0)
    ap.add_argument("--tv-weight", type=float, default=0.02)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--res-blocks", type=int, default=5)
    ap.add_argument("--iters", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--content-size", type=int, default=1024,
                    help="larger content images are shrunk to this long side first: crops then look like "
                         "what the network sees at limn stylize's working size")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", nargs="+", default=[os.path.join(SHARED, "sr_train"), os.path.join(SHARED, "photos")],
                    help="content images (the held-back photos are always left out)")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(a.out, exist_ok=True)
    style_layers = a.style_layers.split(",")
    style_img = load_rgb(a.style, a.style_size).to(device)
    loss_fn = StyleLoss(style_img, style_layers, a.content_layer, device, a.lossnet)
    held = [os.path.join(SHARED, "photos", r) for r in HELD_BACK]
    images = load_folder(a.data, a.crop, exclude=held, max_side=a.content_size)
    model = StyleNet(a.channels, a.res_blocks).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    print(f"{len(images)} content images; device {device}; command: {' '.join(sys.argv)}", flush=True)
    start = time.time()
    for it in range(1, a.iters + 1):
        x = torch.stack([random_crop(images, a.crop, rng) for _ in range(a.batch)]).float().div(255).to(device)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
            y = model(x)
            s, c = loss_fn(y.float(), x)
            loss = a.style_weight * s + a.content_weight * c + a.tv_weight * tv(y.float())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if it % 100 == 0 or it == a.iters:
            print(f"iter {it}  style {s.item():.4f}  content {c.item():.4f}  {time.time() - start:.0f} s", flush=True)

    # Report on held-back photos: losses of the stylized photos relative to the unstyled ones.
    model.eval()
    rows = []
    with torch.no_grad():
        for rel in HELD_BACK:
            p = load_rgb(os.path.join(SHARED, "photos", rel), 512).to(device)
            s0, c0 = loss_fn(p, p)
            s1, c1 = loss_fn(model(p), p)
            rows.append((rel, s1.item() / s0.item(), c1.item()))
    report = "; ".join(f"{os.path.basename(r)} style x{sr:.3f} content {cl:.3f}" for r, sr, cl in rows)
    mean_style = sum(r[1] for r in rows) / len(rows)
    mean_content = sum(r[2] for r in rows) / len(rows)
    print(f"held-back photos: style loss {mean_style:.3f} of the unstyled photo's, content loss {mean_content:.3f}")
    print(report)
    training = (f"python Training/train_style.py {' '.join(sys.argv[1:])}; seed {a.seed}; {a.iters} iterations on "
                f"{device}; held-back style loss ratio {mean_style:.3f}, content loss {mean_content:.3f}")
    export(model.float(), os.path.join(a.out, f"{a.name}.safetensors"), preset=a.name, licence=a.licence,
           training=training, extra={"style_ratio": f"{mean_style:.4f}", "content_loss": f"{mean_content:.4f}",
                  "style_image": os.path.basename(a.style), "style_size": a.style_size, "lossnet": a.lossnet,
                  "style_layers": a.style_layers, "content_layer": a.content_layer})


if __name__ == "__main__":
    main()
