"""Writes a network's weights as one .safetensors file with Limn's metadata."""
import hashlib
import json

import torch
from safetensors import safe_open
from safetensors.torch import save_file


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


def round_weights_(model, dtype):
    """Rounds the model's parameters through `dtype` in place, so that a
    reference computed afterwards uses exactly the weights that were saved."""
    with torch.no_grad():
        for p in model.state_dict().values():
            p.copy_(p.to(dtype).to(p.dtype))


def nhwc(x):
    """(1, C, H, W) tensor to an (H, W, C) float32 tensor."""
    return x[0].permute(1, 2, 0).contiguous().float()


__all__ = ["export", "metadata", "sha256", "round_weights_", "nhwc", "json"]
