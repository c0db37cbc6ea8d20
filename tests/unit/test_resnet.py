"""Tests of ResNet and MobileNet in helpers.architectures: parameters against torchvision and
the papers, multiply-adds against ResNet's Table 1 and MobileNet's, identical outputs with
torchvision's weights, the blocks' shortcuts, and the plain (no-shortcut) twins."""

import pytest
import torch
import torchvision
from torch import nn

from helpers import architectures as A
from helpers import models


def on_meta(build, *args, **kwargs):
    with torch.device("meta"):
        return build(*args, **kwargs)


def gmacs(net, size=224):
    return sum(r["macs"] for r in A.layer_summary(net, (1, 3, size, size))) / 1e9


@pytest.mark.parametrize("depth", [18, 34, 50, 101])
def test_resnet_parameters_equal_torchvision(depth):
    ours = on_meta(A.ResNet, depth)
    theirs = on_meta(getattr(torchvision.models, f"resnet{depth}"))
    assert models.count_params(ours) == models.count_params(theirs)
    assert ({k: v.shape for k, v in ours.state_dict().items()}
            == {k: v.shape for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("depth,stride_on", [(18, "3x3"), (34, "3x3"), (50, "1x1"),
                                             (101, "1x1"), (152, "1x1")])
def test_resnet_multiply_adds_match_table1(depth, stride_on):
    """The paper's "FLOPs" are multiply-adds of the convolutions and the fc layer, rounded."""
    paper = A.RESNET_PAPER_GFLOPS[depth]
    ours = gmacs(on_meta(A.ResNet, depth, stride_on=stride_on))
    assert abs(ours - paper) / paper < 0.02, (depth, ours, paper)


def test_resnet50_torchvision_stride_costs_more_multiply_adds():
    paper_style, tv_style = (gmacs(on_meta(A.resnet50, stride_on=s)) for s in ("1x1", "3x3"))
    assert 4.05 < tv_style < 4.15 and 3.8 < paper_style < 3.9
    assert (models.count_params(on_meta(A.resnet50, stride_on="1x1"))
            == models.count_params(on_meta(A.resnet50)))


def test_resnet_computes_what_torchvision_computes_with_its_weights():
    torch.manual_seed(0)
    theirs = torchvision.models.resnet18(num_classes=7).eval()
    ours = A.ResNet(18, num_classes=7).eval()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))


def test_bottleneck_computes_what_torchvision_computes():
    from torchvision.models.resnet import Bottleneck as TvBottleneck

    torch.manual_seed(1)
    down = nn.Sequential(nn.Conv2d(256, 512, 1, 2, bias=False), nn.BatchNorm2d(512))
    theirs = TvBottleneck(256, 128, stride=2, downsample=down)
    for m in theirs.modules():  # non-trivial batch-norm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    ours = A.Bottleneck(256, 128, stride=2)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 256, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x), theirs.eval()(x))


def test_basic_block_identity_and_projection_shortcuts():
    same = A.BasicBlock(16, 16)
    assert same.downsample is None
    x = torch.randn(2, 16, 8, 8)
    with torch.no_grad():  # zero the residual branch: the block is relu(x)
        same.bn2.weight.zero_()
        torch.testing.assert_close(same.eval()(x), torch.relu(x))
    down = A.BasicBlock(16, 32, stride=2)
    assert isinstance(down.downsample[0], nn.Conv2d) and down.downsample[0].stride == (2, 2)
    assert down(x).shape == (2, 32, 4, 4)
    forced = A.BasicBlock(16, 16, shortcut="projection")
    assert forced.downsample is not None
    assert sum(p.numel() for p in forced.parameters()) == (
        2 * 16 * 16 * 9 + 2 * 2 * 16 + 16 * 16 + 2 * 16)
    with pytest.raises(ValueError, match="identity shortcut"):
        A.BasicBlock(16, 32, shortcut="identity")
    with pytest.raises(ValueError, match="shortcut"):
        A.BasicBlock(16, 16, shortcut="sometimes")


def test_bottleneck_block_counts_and_shapes():
    block = A.Bottleneck(256, 64)
    assert block.downsample is None
    weights = 256 * 64 + 9 * 64 * 64 + 64 * 256
    bn = 2 * (64 + 64 + 256)
    assert sum(p.numel() for p in block.parameters()) == weights + bn
    first = A.Bottleneck(64, 64)  # stage 1, block 1: 64 -> 256 needs a projection
    assert first.downsample is not None and first(torch.zeros(1, 64, 8, 8)).shape == (1, 256, 8, 8)
    strided = A.Bottleneck(256, 128, stride=2, stride_on="1x1")
    assert strided.conv1.stride == (2, 2) and strided.conv2.stride == (1, 1)
    assert strided(torch.zeros(1, 256, 8, 8)).shape == (1, 512, 4, 4)


def test_plain_twins_have_no_shortcuts():
    plain, residual = A.small_resnet(2, residual=False), A.small_resnet(2)
    assert all(b.downsample is None for b in plain.modules() if isinstance(b, A.BasicBlock))
    extra = sum(p.numel() for b in residual.modules() if isinstance(b, A.BasicBlock)
                and b.downsample is not None for p in b.downsample.parameters())
    assert models.count_params(residual) - models.count_params(plain) == extra
    n_convs = sum(isinstance(m, nn.Conv2d) for m in plain.modules())
    assert n_convs + 1 == 6 * 2 + 2  # 6n + 2 weighted layers
    assert plain(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert (models.count_params(on_meta(A.ResNet, 34, residual=False))
            < models.count_params(on_meta(A.ResNet, 34)))


def test_mobilenet_counts_match_the_paper_and_torchvision():
    v1 = on_meta(A.mobilenet_v1)
    assert round(models.count_params(v1) / 1e6, 1) == 4.2  # Howard et al. 2017, Table 8
    assert abs(gmacs(v1) * 1e3 - 569) < 1  # 569 million multiply-adds
    block = A.depthwise_separable(32, 64)
    convs = [m for m in block if isinstance(m, nn.Conv2d)]
    assert convs[0].groups == 32 and convs[0].weight.numel() == 9 * 32
    assert convs[1].weight.numel() == 32 * 64
    # torchvision's MobileNet v2 uses the same depthwise convolutions: count them there
    tv = on_meta(torchvision.models.mobilenet_v2)
    depthwise = [m for m in tv.modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
    assert all(m.groups == m.in_channels == m.out_channels for m in depthwise)
    assert models.count_params(tv) == 3_504_872


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        A.ResNet(20)
    with pytest.raises(ValueError, match="stride_on"):
        A.resnet50(stride_on="5x5")
    with pytest.raises(TypeError, match="residual"):
        A.BasicBlock(4, 4, residual=1)
    with pytest.raises(ValueError, match="blocks_per_stage"):
        A.small_resnet(0)
    with pytest.raises(TypeError, match="in_channels"):
        A.depthwise_separable(3.5, 4)


def test_mobilenet_v2_matches_torchvision_layer_by_layer():
    ours, theirs = on_meta(A.mobilenet_v2), on_meta(torchvision.models.mobilenet_v2)
    assert models.count_params(ours) == models.count_params(theirs) == 3_504_872

    def convs(net):
        return [(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.groups)
                for m in net.modules() if isinstance(m, nn.Conv2d)]

    assert convs(ours) == convs(theirs)
    assert abs(gmacs(ours) * 1e3 - 300) < 2  # Sandler et al. 2018: 300 million multiply-adds
    shortcuts = [b.use_shortcut for b in ours if isinstance(b, A.InvertedResidual)]
    assert sum(shortcuts) == 10  # repeats after the first of each group: 1+2+3+2+2+0
