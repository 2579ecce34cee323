"""Writes a network's weights as one .safetensors file with Limn's metadata."""
import hashlib
import json
import os

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def export(model, path, *, preset="", licence="", training="", dtype=torch.float16, extra=None):
    """Saves model.state_dict() (as `dtype`) with metadata naming the
    architecture, its hyper-parameters, the preset, a licence line and how
    it was trained."""
    meta = {"arch": model.arch, "preset": preset, "licence": licence, "training": training}
    meta.update({k: str(v) for k, v in model.hparams.items()})
    if extra:
        meta.update({k: str(v) for k, v in extra.items()})
    tensors = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, path, metadata=meta)
    return meta


def metadata(path):
    """The `__metadata__` of a Limn .safetensors file (arch, hyper-parameters, preset, ...)."""
    with safe_open(path, "pt") as f:
        return f.metadata()


def sha256(path):
    """The file's SHA-256, hex (as Presets/manifest.json records it)."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def init_from(model, path, body):
    """Copies every tensor of `path` whose name and shape match `model`'s;
    refuses a file none of whose `body` tensors (a name prefix) match.
    Returns how many were taken and a line for the metadata naming the origin."""
    own = model.state_dict()
    taken = {k: v.float() for k, v in load_file(path).items() if k in own and own[k].shape == v.shape}
    if not any(k.startswith(body) for k in taken):
        raise SystemExit(f"{path}: no {body}* tensors match this network (its size differs)")
    model.load_state_dict(taken, strict=False)
    return len(taken), f"initialised from {os.path.basename(path)} (sha256 {sha256(path)[:16]}, {len(taken)} tensors)"


def round_weights_(model, dtype):
    """Rounds the model's parameters through `dtype` in place, so that a
    reference computed afterwards uses exactly the weights that were saved."""
    with torch.no_grad():
        for p in model.state_dict().values():
            p.copy_(p.to(dtype).to(p.dtype))


def nhwc(x):
    """(1, C, H, W) tensor to an (H, W, C) float32 tensor."""
    return x[0].permute(1, 2, 0).contiguous().float()


__all__ = ["export", "metadata", "sha256", "init_from", "round_weights_", "nhwc", "json"]
