"""Tests of the classic architectures in helpers.architectures (chapter 7).

Parameter counts are checked against hand formulas written here from the papers' tables, the
big networks are built on the ``meta`` device (shapes and counts without allocating weights),
and torchvision's definitions serve as an independent oracle where both define the same net.
"""

import math

import pytest
import torch
import torchvision
from torch import nn

from helpers import architectures, models


def conv_params(c_in, c_out, k, groups=1):
    return c_in // groups * c_out * k * k + c_out


def linear_params(n_in, n_out):
    return n_in * n_out + n_out


def head_params(n_in, num_classes):
    """FC-4096, FC-4096, FC-num_classes."""
    return (linear_params(n_in, 4096) + linear_params(4096, 4096)
            + linear_params(4096, num_classes))


def on_meta(build, *args, **kwargs):
    with torch.device("meta"):
        return build(*args, **kwargs)


def output_shape(model, shape):
    return architectures.layer_summary(model, shape)[-1]["output_shape"]


# --------------------------------------------------------------------------------- LeNet-5
@pytest.mark.parametrize("size", [28, 32])
def test_lenet5_shapes_and_count(size):
    model = architectures.lenet5(input_size=size)
    assert model(torch.zeros(3, size, size)).shape == (3, 10)
    assert model(torch.zeros(3, 1, size, size)).shape == (3, 10)
    sizes = [r["output_shape"][-1] for r in architectures.layer_summary(model, (1, 1, size, size))
             if r["kind"] in ("Conv2d", "AvgPool2d")]
    assert sizes == [28, 14, 10, 5, 1], "C1, S2, C3, S4, C5 sizes of the paper"
    expected = (conv_params(1, 6, 5) + conv_params(6, 16, 5) + conv_params(16, 120, 5)
                + linear_params(120, 84) + linear_params(84, 10))
    assert models.count_params(model) == expected == 61706


def test_lenet5_bad_input():
    with pytest.raises(ValueError, match="input_size"):
        architectures.lenet5(input_size=64)
    with pytest.raises(TypeError, match="num_classes"):
        architectures.lenet5(num_classes=2.0)


# --------------------------------------------------------------------------------- AlexNet
def test_alexnet_first_layer_is_the_lectures():
    model = architectures.alexnet()
    assert model[0].weight.shape == (96, 3, 11, 11)
    assert model[0].weight.numel() == 11 * 11 * 3 * 96 == 34848
    rows = architectures.layer_summary(model, (1, 3, 227, 227))
    assert rows[0]["output_shape"] == (1, 96, 55, 55)
    first_pool = next(r for r in rows if r["kind"] == "MaxPool2d")
    assert first_pool["output_shape"] == (1, 96, 27, 27) and first_pool["params"] == 0
    assert rows[-1]["output_shape"] == (1, 1000)


@pytest.mark.parametrize(("two_towers", "groups"), [(False, 1), (True, 2)])
def test_alexnet_count(two_towers, groups):
    model = on_meta(architectures.alexnet, two_towers=two_towers)
    convs = (conv_params(3, 96, 11) + conv_params(96, 256, 5, groups) + conv_params(256, 384, 3)
             + conv_params(384, 384, 3, groups) + conv_params(384, 256, 3, groups))
    assert models.count_params(model) == convs + head_params(256 * 6 * 6, 1000)
    assert output_shape(model, (2, 3, 227, 227)) == (2, 1000)


def test_alexnet_paper_count_is_sixty_million():
    model = on_meta(architectures.alexnet, two_towers=True)
    assert round(models.count_params(model) / 1e6) == 61


def test_alexnet_dropout_and_num_classes():
    model = architectures.alexnet(num_classes=7)
    assert [m.p for m in model if isinstance(m, nn.Dropout)] == [0.5, 0.5]
    assert model.eval()(torch.zeros(1, 3, 227, 227)).shape == (1, 7)


# ----------------------------------------------------------------------------------- ZFNet
@pytest.mark.parametrize(("wide", "maps"), [(False, (384, 384, 256)), (True, (512, 1024, 512))])
def test_zfnet_sizes_and_count(wide, maps):
    model = on_meta(architectures.zfnet, wide=wide)
    assert model[0].kernel_size == (7, 7) and model[0].stride == (2, 2)
    rows = architectures.layer_summary(model, (1, 3, 224, 224))
    sizes = [r["output_shape"][-1] for r in rows if r["kind"] in ("Conv2d", "MaxPool2d")]
    assert sizes == [110, 55, 26, 13, 13, 13, 13, 6], "the sizes of Zeiler & Fergus, Fig. 3"
    c3, c4, c5 = maps
    expected = (conv_params(3, 96, 7) + conv_params(96, 256, 5) + conv_params(256, c3, 3)
                + conv_params(c3, c4, 3) + conv_params(c4, c5, 3) + head_params(c5 * 36, 1000))
    assert models.count_params(model) == expected


# ------------------------------------------------------------------------------------- VGG
def vgg_by_hand(convs_per_stage, one_by_one=False):
    """Parameters of a VGG column from the number of 3x3 convs per stage (Table 1)."""
    widths = (64, 128, 256, 512, 512)
    total, c_in = 0, 3
    for n, width in zip(convs_per_stage, widths, strict=True):
        for i in range(n):
            k = 1 if one_by_one and i == n - 1 and width >= 256 else 3
            total += conv_params(c_in, width, k)
            c_in = width
    return total + head_params(512 * 7 * 7, 1000)


HAND = {"A": vgg_by_hand((1, 1, 2, 2, 2)), "A-LRN": vgg_by_hand((1, 1, 2, 2, 2)),
        "B": vgg_by_hand((2, 2, 2, 2, 2)), "C": vgg_by_hand((2, 2, 3, 3, 3), one_by_one=True),
        "D": vgg_by_hand((2, 2, 3, 3, 3)), "E": vgg_by_hand((2, 2, 4, 4, 4))}
PAPER_MILLIONS = {"A": 133, "A-LRN": 133, "B": 133, "C": 134, "D": 138, "E": 144}


@pytest.mark.parametrize("config", list(PAPER_MILLIONS))
def test_vgg_counts_match_hand_formula_and_paper(config):
    model = on_meta(architectures.vgg, config)
    assert models.count_params(model) == HAND[config]
    assert round(models.count_params(model) / 1e6) == PAPER_MILLIONS[config]
    assert output_shape(model, (1, 3, 224, 224)) == (1, 1000)


def test_vgg_table_structure():
    convs = {c: [m for m in on_meta(architectures.vgg, c) if isinstance(m, nn.Conv2d)]
             for c in architectures.VGG_CONFIGS}
    assert [len(v) + 3 for v in convs.values()] == [11, 11, 13, 16, 16, 19], "weight layers"
    assert [m.kernel_size[0] for m in convs["C"]].count(1) == 3, "C has three 1x1 convs"
    assert all(m.kernel_size == (3, 3) for c in "ABDE" for m in convs[c])
    lrn = [type(m).__name__ for m in on_meta(architectures.vgg, "A-LRN")]
    assert lrn[:3] == ["Conv2d", "ReLU", "LocalResponseNorm"]


@pytest.mark.parametrize(("config", "name"), [("A", "vgg11"), ("B", "vgg13"), ("D", "vgg16"),
                                              ("E", "vgg19")])
def test_vgg_agrees_with_torchvision(config, name):
    ours = on_meta(architectures.vgg, config)
    theirs = on_meta(getattr(torchvision.models, name), weights=None)
    shapes = [tuple(p.shape) for p in ours.parameters()]
    assert shapes == [tuple(p.shape) for p in theirs.parameters()]


def test_vgg_bad_config():
    with pytest.raises(ValueError, match="config"):
        architectures.vgg("F")


def test_vgg_runs_on_a_small_batch():
    model = architectures.vgg("A", num_classes=5).eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 5)


# ------------------------------------------------------------------------------------- NiN
def test_nin_count_and_global_average_pooling():
    model = architectures.nin(num_classes=10)
    blocks = [(3, 96, 11), (96, 256, 5), (256, 384, 3), (384, 10, 3)]
    expected = sum(conv_params(a, b, k) + 2 * conv_params(b, b, 1) for a, b, k in blocks)
    assert models.count_params(model) == expected
    assert not any(isinstance(m, nn.Linear) for m in model), "no fully connected layer"
    assert model.eval()(torch.zeros(2, 3, 224, 224)).shape == (2, 10)
    assert model(torch.zeros(1, 3, 96, 128)).shape == (1, 10), "any size >= 63 works"


# ------------------------------------------------------------------------------- GoogLeNet
def inception_params(c_in, c1, r3, c3, r5, c5, pp):
    return (conv_params(c_in, c1, 1) + conv_params(c_in, r3, 1) + conv_params(r3, c3, 3)
            + conv_params(c_in, r5, 1) + conv_params(r5, c5, 5) + conv_params(c_in, pp, 1))


def test_inception_block_shape_and_count():
    block = architectures.Inception(192, 64, 96, 128, 16, 32, 32)
    assert block(torch.zeros(2, 192, 28, 28)).shape == (2, 256, 28, 28)
    assert models.count_params(block) == inception_params(192, 64, 96, 128, 16, 32, 32)
    with pytest.raises(ValueError, match="c5"):
        architectures.Inception(192, 64, 96, 128, 16, 0, 32)


TABLE1_CHANNELS = {"inception3a": 256, "inception3b": 480, "inception4a": 512,
                   "inception4b": 512, "inception4c": 512, "inception4d": 528,
                   "inception4e": 832, "inception5a": 832, "inception5b": 1024}


def test_googlenet_module_sizes_and_count():
    model = on_meta(architectures.googlenet)
    rows = {r["name"]: r for r in architectures.layer_summary(model, (1, 3, 224, 224), depth=1)}
    for name, channels in TABLE1_CHANNELS.items():
        assert rows[name]["output_shape"][1] == channels
    assert [rows[n]["output_shape"][-1] for n in ("conv1", "maxpool2", "maxpool3", "maxpool4",
                                                 "avgpool")] == [112, 28, 14, 7, 1]
    c_in, expected = 192, conv_params(3, 64, 7) + conv_params(64, 64, 1) + conv_params(64, 192, 3)
    for row in architectures.GOOGLENET_TABLE.values():
        expected += inception_params(c_in, *row)
        c_in = row[0] + row[2] + row[4] + row[5]
    expected += linear_params(1024, 1000)
    assert models.count_params(model) == expected


def test_googlenet_macs_close_to_table1():
    """The ops column of Table 1 (millions) is the weights times the output pixels."""
    paper_ops = {"inception3a": 128, "inception3b": 304, "inception4a": 73, "inception4b": 88,
                 "inception4c": 100, "inception4d": 119, "inception4e": 170,
                 "inception5a": 54, "inception5b": 71, "fc": 1}
    rows = {r["name"]: r for r in architectures.layer_summary(on_meta(architectures.googlenet),
                                                        (1, 3, 224, 224), depth=1)}
    for name, ops in paper_ops.items():
        assert math.isclose(rows[name]["macs"] / 1e6, ops, rel_tol=0.06), name
    stem = (rows["conv2"]["macs"] + rows["conv3"]["macs"]) / 1e6
    assert math.isclose(stem, 360, rel_tol=0.01)


def test_googlenet_agrees_with_torchvision_up_to_its_3x3_branch():
    ours = on_meta(architectures.googlenet)
    theirs = on_meta(torchvision.models.googlenet, weights=None, aux_logits=False,
                     init_weights=False)
    for name, (c1, r3, c3, r5, c5, pp) in architectures.GOOGLENET_TABLE.items():
        tv = getattr(theirs, name)
        assert [tv.branch1.conv.out_channels, tv.branch2[0].conv.out_channels,
                tv.branch2[1].conv.out_channels, tv.branch3[0].conv.out_channels,
                tv.branch3[1].conv.out_channels, tv.branch4[1].conv.out_channels] == [
                    c1, r3, c3, r5, c5, pp]
        assert tv.branch3[1].conv.kernel_size == (3, 3), "torchvision's known 3x3 'bug'"
    # torchvision: 3x3 instead of 5x5 (16 fewer weights per r5*c5), and every conv has
    # batch norm (2 parameters per channel) instead of a bias (1 per channel)
    rows = architectures.GOOGLENET_TABLE.values()
    smaller_kernels = sum(16 * r5 * c5 for _, _, _, r5, c5, _ in rows)
    conv_channels = 64 + 64 + 192 + sum(c1 + r3 + c3 + r5 + c5 + pp
                                        for c1, r3, c3, r5, c5, pp in rows)
    assert models.count_params(theirs) == (models.count_params(ours) - smaller_kernels
                                           + conv_channels)


def test_googlenet_aux_logits():
    plain = on_meta(architectures.googlenet)
    assert not hasattr(plain, "aux1") or plain.aux1 is None
    model = architectures.googlenet(num_classes=10, aux_logits=True)
    plain_count = models.count_params(architectures.googlenet(num_classes=10))
    extra = models.count_params(model) - plain_count
    aux = [conv_params(c, 128, 1) + linear_params(2048, 1024) + linear_params(1024, 10)
           for c in (512, 528)]
    assert extra == sum(aux)
    model.train()
    out = model(torch.zeros(2, 3, 224, 224))
    assert isinstance(out, tuple) and [o.shape for o in out] == [(2, 10)] * 3
    model.eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 10)
    with pytest.raises(TypeError, match="aux_logits"):
        architectures.googlenet(aux_logits=1)


# --------------------------------------------------------------------------- layer_summary
def test_layer_summary_counts():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    rows = architectures.layer_summary(model, (2, 3, 8, 8))
    assert [r["kind"] for r in rows] == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    assert rows[0]["macs"] == 2 * 4 * 8 * 8 * 27 and rows[0]["weights"] == 108
    assert rows[-1]["macs"] == 2 * 5 * 64 and rows[-1]["params"] == linear_params(64, 5)
    assert [r["activations"] for r in rows] == [512, 512, 128, 128, 10]
    assert sum(r["params"] for r in rows) == models.count_params(model)


def test_layer_summary_bad_input():
    with pytest.raises(TypeError, match="model"):
        architectures.layer_summary("vgg", (1, 3, 8, 8))
    with pytest.raises(TypeError, match="input_size"):
        architectures.layer_summary(nn.ReLU(), 8)
    with pytest.raises(ValueError, match="depth"):
        architectures.layer_summary(nn.ReLU(), (1, 2), depth=0)
