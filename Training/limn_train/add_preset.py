"""Adds trained networks to Presets/: copies each .safetensors file there and
writes its manifest entry (name from the file's metadata, a description: what
it does and the licence line from the metadata, SHA-256), replacing an entry
of the same name and task.

    python -m limn_train.add_preset --task style runs/styles/*.safetensors
"""
import argparse
import json
import os
import shutil

from limn_train.export import metadata, sha256
from limn_train.paths import REPO

TASKS = {"style": "style_net", "upscale": "sr_net", "enhance": "deblur_net"}


def describe(task, name, licence, meta):
    """"what it does; licence"."""
    if task == "upscale":
        family, scale = name.split("_x")
        trained = {"photo": "real-photo degradations (blur, noise, JPEG)", "fidelity": "bicubic downscales"}[family]
        return f"x{scale}, trained on {trained}; {licence}"
    if task == "enhance":
        return f"deblurring (motion, defocus), leaves sharp photos alone; {licence}"
    return f"{len(meta['style_names'].split(','))} styles in one network (limn presets lists each); {licence}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True, choices=sorted(TASKS))
    ap.add_argument("--presets", default=os.path.join(REPO, "Presets"))
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    path = os.path.join(a.presets, "manifest.json")
    manifest = json.load(open(path)) if os.path.exists(path) else []
    for f in a.files:
        meta = metadata(f)
        if meta.get("arch") != TASKS[a.task]:
            raise SystemExit(f"{f}: architecture {meta.get('arch')!r}, task {a.task} needs {TASKS[a.task]}")
        name = meta["preset"]
        file = os.path.basename(f)
        shutil.copyfile(f, os.path.join(a.presets, file))
        digest = sha256(f)
        entry = {"name": name, "task": a.task, "file": file, "sha256": digest, "description": describe(a.task, name, meta["licence"], meta)}
        manifest = [e for e in manifest if (e["name"], e["task"]) != (name, a.task)] + [entry]
        print(f"{a.task} {name}: {file} {digest[:12]}")
    order = list(TASKS)
    manifest.sort(key=lambda e: (order.index(e["task"]), e["name"]))
    with open(path, "w") as out:
        json.dump(manifest, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
