"""Reference PyTorch definitions of Limn's architectures, one file each.

Each mirrors Sources/LimnEngine/Architectures/<Name>.swift: same tensor names
(state_dict keys), same hyper-parameters (saved as metadata), same maths.
"""
from .style_net import StyleNet
from .compact_sr import CompactSR
from .sr_net import SRNet
from .deblur_net import DeblurNet

ARCHS = {StyleNet.arch: StyleNet, CompactSR.arch: CompactSR, SRNet.arch: SRNet, DeblurNet.arch: DeblurNet}


def load(path):
    """The network stored in a Limn .safetensors file (weights as float32),
    built from the architecture and hyper-parameters in its metadata."""
    from safetensors import safe_open
    import inspect

    with safe_open(path, "pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k).float() for k in f.keys()}
    cls = ARCHS[meta["arch"]]
    params = inspect.signature(cls).parameters
    kwargs = {k: tuple(int(v) for v in meta[k].split(",")) if "," in meta[k] else int(meta[k])
              for k in params if k in meta}
    model = cls(**kwargs)
    # A one-style style_net saved before norms had a row per style: its (C,) norms are the (1, C) row.
    own = model.state_dict()
    tensors = {k: v[None] if k in own and own[k].dim() == v.dim() + 1 else v for k, v in tensors.items()}
    model.load_state_dict(tensors, strict=True)
    return model.eval(), meta
