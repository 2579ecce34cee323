"""Reference PyTorch definitions of Limn's architectures, one file each.

Each mirrors Sources/LimnEngine/Architectures/<Name>.swift: same tensor names
(state_dict keys), same hyper-parameters (saved as metadata), same maths.
"""
from .style_net import StyleNet
from .compact_sr import CompactSR
from .sr_net import SRNet
from .deblur_net import DeblurNet

ARCHS = {StyleNet.arch: StyleNet, CompactSR.arch: CompactSR, SRNet.arch: SRNet, DeblurNet.arch: DeblurNet}
