"""Each reference architecture's output shapes and the properties Limn relies on, on the CPU."""
import torch

from limn_train.archs import ARCHS, CompactSR, DeblurNet, SRNet, StyleNet
from limn_train.archs.deblur_net import fused_from
from limn_train.gan import PatchDiscriminator


def test_every_arch_is_registered():
    assert set(ARCHS) == {"style_net", "compact_sr", "sr_net", "deblur_net"}


def test_style_net_shapes_and_style_rows():
    net = StyleNet(channels=8, res_blocks=2, styles=3).eval()
    assert net.norm1.weight.shape == (3, 8) and net.res[0]["norm2"].bias.shape == (3, 32)
    x = torch.rand(2, 3, 36, 44)
    assert net(x, 1).shape == x.shape


def test_style_net_blend_interpolates_the_rows():
    torch.manual_seed(0)
    net = StyleNet(channels=8, res_blocks=1, styles=2).eval()
    with torch.no_grad():
        for m in net.modules():
            if hasattr(m, "eps") and hasattr(m, "weight"):
                m.weight.normal_(1, 0.3)
                m.bias.normal_(0, 0.3)
        x = torch.rand(1, 3, 32, 32)
        assert torch.equal(net(x, torch.tensor([0.0, 1.0])), net(x, 1))
        half = net(x, torch.tensor([0.5, 0.5]))
        assert not torch.allclose(half, net(x, 0)) and not torch.allclose(half, net(x, 1))


def test_upscalers_multiply_the_size():
    for scale in (2, 3, 4):
        assert SRNet(16, 2, scale)(torch.rand(1, 3, 10, 12)).shape == (1, 3, 10 * scale, 12 * scale)
    assert CompactSR(16, 2, 3)(torch.rand(1, 3, 10, 12)).shape == (1, 3, 30, 36)


def test_deblur_net_plain_and_fused():
    plain = DeblurNet(width=8).eval()
    x = torch.rand(1, 3, 32, 48)
    assert plain(x).shape == x.shape
    fused = fused_from(plain).eval()
    with torch.no_grad():   # made from a plain one, it computes what the plain one did (up to its closed gate)
        assert torch.allclose(fused(torch.cat([x, x], 1)), plain(x), atol=1e-6)
        assert fused(torch.cat([x, torch.rand_like(x)], 1)).shape == x.shape


def test_patch_discriminator_scores_patches():
    assert PatchDiscriminator()(torch.rand(2, 3, 64, 64)).shape == (2, 1, 16, 16)
