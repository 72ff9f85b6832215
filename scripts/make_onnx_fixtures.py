#!/usr/bin/python3
"""ONNX fixtures for ConvScope's import tests, exported by PyTorch (the independent oracle).

Run with Debian's PyTorch: /usr/bin/python3 scripts/make_onnx_fixtures.py
Writes tests/data/onnx/NAME.onnx and NAME.json for each case: the JSON holds the opset, a
description, one input and PyTorch's output for it ({"shape": [...], "data": [...]},
float32 values). ConvScope's `run` on the ONNX file must give the output within 1e-4.

The cases cover every operator ConvScope imports (docs/onnx.md) and the lecture's blocks:
a residual block, an inception module, a dense block, a depthwise-separable stack, and a
network whose batch normalization is left unfused (exported with TrainingMode.PRESERVE;
PyTorch's default evaluation export folds it into the convolution). Three operators PyTorch
1.13 never writes for these modules (LRN: it writes a composite of Pow, AveragePool, If…;
Dropout in an evaluation export; Identity alone) come in a graph built with onnx.helper,
its expected output still computed by PyTorch's modules. Also written: files ConvScope must
refuse (an unsupported operator, an unsupported attribute, a broadcasting Add, several
unsupported operators at once, an LSTM).
Deterministic: fixed seeds.
"""
import io
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")
torch.manual_seed(1013)


def t(x):
    x = x.detach().contiguous().float()
    return {"shape": list(x.shape), "data": [float(v) for v in x.flatten().tolist()]}


def randomize_batchnorm(model):
    """Non-trivial running statistics and affine parameters, so that a wrong formula shows."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)


def save(name, description, onnx_bytes, x, y, opset):
    model = onnx.load_from_string(onnx_bytes)
    onnx.checker.check_model(model)
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(onnx_bytes)
    ops = sorted({n.op_type for n in model.graph.node})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"description": description, "opset": opset, "operators": ops, "input": t(x), "output": t(y)}, f)
    print(f"{name}: opset {opset}, {len(model.graph.node)} nodes: {', '.join(ops)}")


def export(name, description, model, shape, opset=13, dynamic=False, preserve=False):
    model.eval()
    randomize_batchnorm(model)
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    f = io.BytesIO()
    kwargs = {"opset_version": opset, "input_names": ["x"], "output_names": ["y"]}
    if dynamic:
        kwargs["dynamic_axes"] = {"x": {0: "batch"}, "y": {0: "batch"}}
    if preserve:
        kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
    torch.onnx.export(model, x, f, **kwargs)
    save(name, description, f.getvalue(), x, y, opset)


# ---- every operator ----------------------------------------------------------------


class ConvOps(nn.Module):
    """Conv with groups, dilation, strides; asymmetric padding (a Pad folded into the next
    Conv); LeakyRelu, Tanh, Sigmoid; the clamp PyTorch writes as Clip."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, stride=(2, 1), padding=(1, 2), dilation=(1, 2))
        self.conv2 = nn.Conv2d(4, 6, 3, groups=2, bias=False)
        self.conv3 = nn.Conv2d(6, 4, (2, 3), padding=1)
        self.conv4 = nn.Conv2d(4, 3, 1)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.2)
        x = torch.tanh(self.conv2(F.pad(x, (1, 0, 2, 1))))  # left 1, right 0, top 2, bottom 1
        x = torch.sigmoid(self.conv3(x))
        return torch.clamp(self.conv4(x), min=0)


class PoolOps(nn.Module):
    """MaxPool with padding and ceil mode, AveragePool counting padding and not, in ceil mode,
    GlobalAveragePool, Flatten, Gemm, ReLU6 (Clip 0..6) and Softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.conv.weight.data *= 8  # large values, so that ReLU6 clips some at 6
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = F.relu6(self.conv(x))
        x = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)
        a = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=True)
        b = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        x = torch.cat([a, b], 1)
        x = F.avg_pool2d(x, 2, stride=2, ceil_mode=True)
        x = F.adaptive_avg_pool2d(x, 1)
        return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class ReshapeMatMul(nn.Module):
    """x.view(x.size(0), -1) (Reshape, with PyTorch's shape arithmetic when the batch is
    dynamic) and a matrix product plus bias (MatMul + Add)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc = nn.Linear(3 * 4 * 4, 4)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = x.view(x.size(0), -1)
        return torch.matmul(x, self.fc.weight.t()) + self.fc.bias


# ---- the lecture's blocks ----------------------------------------------------------


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + x)


class ResidualNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.block = Residual(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.block(F.relu(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Inception(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.b1 = nn.Conv2d(c, 4, 1)
        self.b2a, self.b2b = nn.Conv2d(c, 3, 1), nn.Conv2d(3, 6, 3, padding=1)
        self.b3a, self.b3b = nn.Conv2d(c, 2, 1), nn.Conv2d(2, 3, 5, padding=2)
        self.b4 = nn.Conv2d(c, 3, 1)

    def forward(self, x):
        b1 = F.relu(self.b1(x))
        b2 = F.relu(self.b2b(F.relu(self.b2a(x))))
        b3 = F.relu(self.b3b(F.relu(self.b3a(x))))
        b4 = F.relu(self.b4(F.max_pool2d(x, 3, stride=1, padding=1)))
        return torch.cat([b1, b2, b3, b4], 1)


class InceptionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.inception = Inception(8)
        self.fc = nn.Linear(16 * 4 * 4, 6)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.stem(x)), 2)
        return self.fc(torch.flatten(F.max_pool2d(self.inception(x), 2), 1))


class DenseBlock(nn.Module):
    def __init__(self, c, growth, layers):
        super().__init__()
        self.bns = nn.ModuleList([nn.BatchNorm2d(c + k * growth) for k in range(layers)])
        self.convs = nn.ModuleList([nn.Conv2d(c + k * growth, growth, 3, padding=1, bias=False) for k in range(layers)])

    def forward(self, x):
        for bn, conv in zip(self.bns, self.convs):
            x = torch.cat([x, conv(F.relu(bn(x)))], 1)
        return x


class DenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 6, 3, padding=1)
        self.dense = DenseBlock(6, 4, 3)
        self.fc = nn.Linear(18, 10)

    def forward(self, x):
        x = self.dense(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def separable(c_in, c_out, stride):
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, stride=stride, padding=1, groups=c_in, bias=False),
        nn.BatchNorm2d(c_in),
        nn.ReLU6(),
        nn.Conv2d(c_in, c_out, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU6(),
    )


class MobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.blocks = nn.Sequential(separable(8, 16, 1), separable(16, 32, 2))
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class LeNetBN(nn.Module):
    """LeNet-5 with batch normalization, exported with it unfused."""

    def __init__(self):
        super().__init__()
        self.c1, self.bn1 = nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6)
        self.c3, self.bn3 = nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16)
        self.f5, self.f6, self.out = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.bn1(self.c1(x))), 2)
        x = F.max_pool2d(torch.relu(self.bn3(self.c3(x))), 2)
        x = torch.flatten(x, 1)
        return self.out(torch.tanh(self.f6(torch.tanh(self.f5(x)))))


class MeanHead(nn.Module):
    """Global average pooling written as a mean over height and width (ReduceMean)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).mean([2, 3]))


# ---- built with onnx.helper: LRN, Dropout, Identity --------------------------------


def helper_graph():
    """Conv → Identity → LRN (size 3, alpha 2, bias 2) → Relu → Dropout (ratio input) → LRN
    (AlexNet's) → GlobalAveragePool → Flatten; expected output from PyTorch's modules."""
    conv = nn.Conv2d(2, 6, 3)
    lrn1 = nn.LocalResponseNorm(3, alpha=2.0, beta=0.75, k=2.0)
    lrn2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)
    x = torch.randn(1, 2, 7, 7)
    with torch.no_grad():
        y = torch.flatten(F.adaptive_avg_pool2d(lrn2(F.relu(lrn1(conv(x)))), 1), 1)
    init = [numpy_helper.from_array(conv.weight.detach().numpy(), "conv.weight"),
            numpy_helper.from_array(conv.bias.detach().numpy(), "conv.bias"),
            numpy_helper.from_array(np.array(0.25, dtype=np.float32), "ratio")]
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="conv", kernel_shape=[3, 3]),
        helper.make_node("Identity", ["c"], ["ci"], name="same"),
        helper.make_node("LRN", ["ci"], ["l1"], name="lrn1", size=3, alpha=2.0, beta=0.75, bias=2.0),
        helper.make_node("Relu", ["l1"], ["r"], name="relu"),
        helper.make_node("Dropout", ["r", "ratio"], ["d"], name="dropout"),
        helper.make_node("LRN", ["d"], ["l2"], name="lrn2", size=5, alpha=1e-4, beta=0.75, bias=2.0),
        helper.make_node("GlobalAveragePool", ["l2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["y"], name="flatten", axis=1),
    ]
    graph = helper.make_graph(nodes, "lrn-dropout-identity",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, 7, 7])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 6])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    save("lrn-dropout-identity", "LRN, Identity and Dropout (onnx.helper; PyTorch's modules give the output)",
         model.SerializeToString(), x, y, 13)


def refused():
    """Files ConvScope must refuse, each naming what it cannot do."""
    f = io.BytesIO()
    torch.onnx.export(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Upsample(scale_factor=2, mode="bicubic")).eval(),
                      torch.randn(1, 1, 6, 6), f, opset_version=13)
    open(os.path.join(OUT, "refused-resize.onnx"), "wb").write(f.getvalue())
    w = numpy_helper.from_array(np.ones((2, 1, 3, 3), dtype=np.float32), "w")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])
    odd = helper.make_node("Conv", ["x", "w"], ["y"], name="odd_conv", kernel_shape=[3, 3], wobble=2)
    g = helper.make_graph([odd], "odd", [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])],
                          [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    open(os.path.join(OUT, "refused-attribute.onnx"), "wb").write(m.SerializeToString())
    b = numpy_helper.from_array(np.ones((1, 2, 1, 1), dtype=np.float32), "b")
    conv = helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3])
    # 4×4 maps plus 2×2 maps: sizes that do not broadcast (each axis equal, or 1 in one of them).
    c2 = helper.make_node("Conv", ["x", "w"], ["c2"], name="conv2", kernel_shape=[3, 3], strides=[2, 2])
    add = helper.make_node("Add", ["c", "c2"], ["y"], name="broadcast_add")
    g = helper.make_graph([conv, c2, add], "broadcast", [x],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])], [w, b])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    open(os.path.join(OUT, "refused-broadcast.onnx"), "wb").write(m.SerializeToString())
    print("refused-resize, refused-attribute, refused-broadcast")
    refused_many()


class ModernBlocks(nn.Module):
    """What ConvScope cannot run yet, for the refusal that lists every operator: a bilinear
    upsampling with align_corners=True (Resize in a form it does not compute) and a pixel shuffle
    (DepthToSpace), around an ELU, a squeeze-and-excitation gate and a learned leaky ReLU (PRelu)
    it can run."""

    def __init__(self):
        super().__init__()
        self.conv1, self.act1 = nn.Conv2d(3, 8, 3, padding=1), nn.ELU()
        self.squeeze, self.excite = nn.AdaptiveAvgPool2d(1), nn.Conv2d(8, 8, 1)
        self.conv2, self.up = nn.Conv2d(8, 8, 3, padding=1), nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.conv3, self.act3 = nn.Conv2d(8, 4, 3, padding=1), nn.PReLU(4)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x):
        x = self.act1(self.conv1(x))
        x = x * torch.sigmoid(self.excite(self.squeeze(x)))
        return self.shuffle(self.act3(self.conv3(self.up(self.conv2(x)))))


class Upsampling(nn.Module):
    """Upsampling as segmentation decoders write it: nn.Upsample nearest by 2, F.interpolate
    bilinear (align_corners=False) by 2, and to a size (3x its height, 2x its width, bilinear)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.conv3 = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        h = self.conv2(self.up1(torch.relu(self.conv1(x))))
        h = nn.functional.interpolate(torch.relu(h), scale_factor=2, mode="bilinear", align_corners=False)
        h = nn.functional.interpolate(self.conv3(h), size=(h.shape[2] * 3 // 2, 40), mode="bilinear",
                                      align_corners=False)
        return h


def prelu():
    """PReLU's fixture: one slope per channel, and one shared (its own generator)."""
    torch.manual_seed(71)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.PReLU(4), nn.Conv2d(4, 2, 3), nn.PReLU(), nn.Flatten(),
                        nn.Linear(2 * 7 * 7, 6), nn.PReLU(6))
    with torch.no_grad():  # slopes away from PyTorch's 0.25 start and from each other
        for m in net:
            if isinstance(m, nn.PReLU):
                m.weight.uniform_(-0.5, 0.8)
    export("prelu-13", "PRelu: one slope per channel (C, 1, 1), one shared, one per feature of a vector", net,
           (1, 3, 9, 9), opset=13, dynamic=True)


def clamp():
    """Clip with other bounds than ReLU's and ReLU6's: nn.Hardtanh(-1, 1), clamp(min=-0.5), clamp(max=0.75)."""
    torch.manual_seed(72)

    class Clamps(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.act1, self.conv2 = nn.Conv2d(3, 4, 3, padding=1), nn.Hardtanh(-1.0, 1.0), nn.Conv2d(4, 2, 3)

        def forward(self, x):
            return torch.clamp(self.conv2(torch.clamp(self.act1(self.conv1(x)), min=-0.5)), max=0.75)

    export("clamp-13", "Clip: nn.Hardtanh(-1, 1), clamp(min=-0.5), clamp(max=0.75)", Clamps(), (1, 3, 7, 7), opset=13)


def arithmetic():
    """Sub, Div, Mul and Add of network values by constants: one number per channel, or one number."""
    torch.manual_seed(74)
    export("arithmetic-13", "(x − mean) / std with (1, 3, 1, 1) constants, x·2 − 1, + a per-channel parameter",
           Arithmetic(), (1, 3, 6, 6), opset=13, dynamic=True)


class Broadcasting(nn.Module):
    """Add, Sub, Mul and Div of two network values with numpy's broadcasting: a spatial attention
    (N, 1, H, W), a gate of one factor per channel (N, C, 1, 1), the maps minus their mean, divided
    by the gate and times 1.5 minus it (a constant minus a value), their mean (the broadcast input
    first) plus the maps, and a difference of one shape."""

    def __init__(self):
        super().__init__()
        self.conv1, self.spatial = nn.Conv2d(3, 6, 3, padding=1), nn.Conv2d(6, 1, 1)
        self.fc, self.conv2 = nn.Conv2d(6, 6, 1), nn.Conv2d(6, 4, 3)

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        h = h * torch.sigmoid(self.spatial(h))
        g = torch.sigmoid(self.fc(nn.functional.adaptive_avg_pool2d(h, 1)))
        h = (h - nn.functional.adaptive_avg_pool2d(h, 1)) / (g + 0.5) * (1.5 - g)
        h = self.conv2(nn.functional.adaptive_avg_pool2d(h, 1) + h)
        return h - torch.sigmoid(h)


def broadcasting():
    """Element-wise arithmetic of network values with broadcasting, opsets 11 and 13, batch dynamic."""
    torch.manual_seed(75)
    for opset in (11, 13):
        export(f"broadcast-{opset}", f"Add, Sub, Mul, Div of two network values with numpy broadcasting at opset "
               f"{opset}: (N, 1, H, W) and (N, C, 1, 1) by maps, either input first", Broadcasting(), (1, 3, 7, 6),
               opset=opset, dynamic=True)


def padding():
    """Pad beyond a convolution's own zeros: reflect, edge (uneven), a constant of 0.5 and zeros
    read by a max pooling."""
    torch.manual_seed(73)
    net = nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(3, 4, 3), nn.ReplicationPad2d((1, 2, 0, 1)), nn.ReLU(),
                        nn.ConstantPad2d(1, 0.5), nn.MaxPool2d(2), nn.ZeroPad2d(1), nn.MaxPool2d(2),
                        nn.Conv2d(4, 2, 1))
    for opset in (11, 13):
        export(f"pad-{opset}", f"Pad at opset {opset}: reflect, edge (uneven), constant 0.5, zeros before a max "
               "pooling", net, (1, 3, 8, 8), opset=opset)


def external_data():
    """LeNet-5 with batch normalization again, its weights in an external data file beside it (as
    ONNX stores models over 2 GB); and one whose data file lies outside its folder (refused)."""
    model = onnx.load(os.path.join(OUT, "lenet-batchnorm.onnx"))
    folder = os.path.join(OUT, "external")
    os.makedirs(folder, exist_ok=True)
    onnx.save_model(model, os.path.join(folder, "lenet-external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="lenet-external.weights", size_threshold=0)
    outside = onnx.load(os.path.join(folder, "lenet-external.onnx"), load_external_data=False)
    for t in outside.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                e.value = "../external/lenet-external.weights"
    with open(os.path.join(folder, "outside-folder.onnx"), "wb") as f:
        f.write(outside.SerializeToString())
    print("external/lenet-external.onnx (+ .weights), external/outside-folder.onnx")


def upsampling():
    """Upsampling fixtures (their own generator)."""
    torch.manual_seed(63)
    export("upsample-10", "Resize (opset 10: asymmetric, floor): nearest by 2", nn.Sequential(
           nn.Conv2d(3, 2, 3, padding=1), nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, 3)), (1, 3, 5, 5), opset=10)
    torch.manual_seed(62)
    export("upsample-9", "Upsample (opset 9): nearest by 2", nn.Sequential(nn.Conv2d(3, 2, 3, padding=1),
           nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, 3)), (1, 3, 5, 5), opset=9)
    for opset in (11, 13):
        torch.manual_seed(61)
        export(f"upsample-{opset}", f"Resize at opset {opset}: nearest by 2 (asymmetric, floor), bilinear by 2 and "
               "to a size (pytorch_half_pixel)", Upsampling(), (1, 3, 5, 5), opset=opset)


class GeluNet(nn.Module):
    """GELU in its exact (erf) form, as ConvNeXt uses it: PyTorch writes Div, Erf, Add, Mul, Mul."""

    def __init__(self):
        super().__init__()
        self.conv1, self.act1 = nn.Conv2d(3, 6, 3, padding=1), nn.GELU()
        self.conv2, self.act2 = nn.Conv2d(6, 4, 3, padding=1), nn.GELU()

    def forward(self, x):
        return self.act2(self.conv2(self.act1(self.conv1(x))))


def channel_shuffle(x, groups):
    """torchvision's ShuffleNet v2 shuffle: Reshape to 5-D, Transpose, Reshape back."""
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, -1, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNet v2's unit as torchvision writes it: at stride 1 half the channels pass by
    (x.chunk(2, dim=1): two Slices), at stride 2 both halves are computed; then a shuffle."""

    def __init__(self, c_in, c_out, stride, split=None):
        super().__init__()
        self.stride, self.split = stride, split
        half = c_out // 2
        if stride > 1:
            self.branch1 = nn.Sequential(nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False),
                                         nn.BatchNorm2d(c_in), nn.Conv2d(c_in, half, 1, bias=False),
                                         nn.BatchNorm2d(half), nn.ReLU())
        c2 = c_in if stride > 1 else (split[1] if split else half)
        self.branch2 = nn.Sequential(nn.Conv2d(c2, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(),
                                     nn.Conv2d(half, half, 3, stride, 1, groups=half, bias=False),
                                     nn.BatchNorm2d(half),
                                     nn.Conv2d(half, c_out - (split[0] if split else half) if stride == 1 else half,
                                               1, bias=False), nn.ReLU())

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.split(self.split, dim=1) if self.split else x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNet(nn.Module):
    """A small ShuffleNet v2: a stride-2 unit, a stride-1 unit, the mean over the maps, a classifier."""

    def __init__(self, split=None):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.stage = nn.Sequential(ShuffleUnit(8, 16, 2), ShuffleUnit(16, 16, 1, split))
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc(self.stage(self.stem(x)).mean([2, 3]))


def shufflenet():
    """ShuffleNet v2's fixtures (their own generator: the other fixtures' weights stay as they were)."""
    torch.manual_seed(31)
    export("shufflenet-11", "ShuffleNet v2 units at opset 11: channel shuffle (Reshape 5-D, Transpose, Reshape) and "
           "x.chunk(2, dim=1) (Slice)", ShuffleNet(), (1, 3, 12, 12), opset=11)
    export("shufflenet-13", "ShuffleNet v2 units at opset 13, batch dynamic (the shuffle's shapes computed: Shape, "
           "Gather, Div, Mul, Add)", ShuffleNet(), (1, 3, 12, 12), opset=13, dynamic=True)
    export("shufflenet-split", "a ShuffleNet v2 unit split unevenly: x.split([6, 10], dim=1) (Split)",
           ShuffleNet(split=[6, 10]), (1, 3, 12, 12), opset=13)


class ConvNeXt(nn.Module):
    """A small ConvNeXt from torchvision's own pieces: the patchify stem with its LayerNorm2d
    (channels-last layer normalization), two CNBlocks (depthwise 7x7, LayerNorm, Linear, GELU,
    Linear, layer scale, residual), a downsampling LayerNorm2d + 2x2 convolution, the head."""

    def __init__(self):
        super().__init__()
        from torchvision.models.convnext import CNBlock, LayerNorm2d
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 2, 2), LayerNorm2d(8, eps=1e-6))
        self.block1 = CNBlock(8, layer_scale=0.5, stochastic_depth_prob=0.0)
        self.down = nn.Sequential(LayerNorm2d(8, eps=1e-6), nn.Conv2d(8, 16, 2, 2))
        self.block2 = CNBlock(16, layer_scale=0.5, stochastic_depth_prob=0.0)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), LayerNorm2d(16, eps=1e-6), nn.Flatten(1), nn.Linear(16, 5))
        with torch.no_grad():  # γ, β and the layer scales away from their starts, so that each is tested
            for m in self.modules():
                if isinstance(m, nn.LayerNorm):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
            for block in (self.block1, self.block2):
                block.layer_scale.uniform_(0.2, 1.0)

    def forward(self, x):
        return self.head(self.block2(self.down(self.block1(self.stem(x)))))


def convnext():
    """ConvNeXt's fixtures (their own generator: the other fixtures' weights stay as they were)."""
    torch.manual_seed(41)
    export("convnext-13", "ConvNeXt blocks at opset 13: Transpose to channels-last, layer normalization as "
           "ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add; MatMul over channels; GELU; layer scale",
           ConvNeXt(), (1, 3, 16, 16), opset=13)
    torch.manual_seed(41)
    export("convnext-17", "ConvNeXt blocks at opset 17 (LayerNormalization), batch dynamic", ConvNeXt(),
           (1, 3, 16, 16), opset=17, dynamic=True)


class Decoder(nn.Module):
    """An encoder and a decoder of transposed convolutions (ConvTranspose): stride 2 with output
    padding, kernel 4 stride 2 in two groups, and a skip connection concatenated, as a U-Net."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up1 = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(9, 4, 4, stride=2, padding=1, groups=1)
        self.up3 = nn.ConvTranspose2d(4, 2, 3, stride=1, padding=1, dilation=2, groups=2, bias=False)

    def forward(self, x):
        h = torch.relu(self.up1(torch.relu(self.down(x))))  # 10 -> 5 -> 10 (9 + output padding)
        h = torch.cat((h, x), 1)  # the skip
        return self.up3(torch.relu(self.up2(h)))


def decoder():
    """Transposed convolutions' fixtures (their own generator)."""
    torch.manual_seed(51)
    export("transposed-13", "ConvTranspose (stride 2 with output_padding; kernel 4 stride 2; dilation and groups), "
           "a concatenated skip", Decoder(), (1, 3, 10, 10), opset=13, dynamic=True)


class ModernActivations(nn.Module):
    """ELU, hard sigmoid, hard swish and SiLU, as MobileNet v3 and EfficientNet use them, and SELU."""

    def __init__(self):
        super().__init__()
        self.conv1, self.act1 = nn.Conv2d(3, 6, 3, padding=1), nn.ELU(alpha=0.7)
        self.conv2, self.act2 = nn.Conv2d(6, 6, 3, padding=1), nn.Hardswish()
        self.conv3, self.act3 = nn.Conv2d(6, 6, 3, padding=1), nn.SiLU()
        self.conv4, self.act4 = nn.Conv2d(6, 4, 3, padding=1), nn.Hardsigmoid()
        self.conv5, self.act5 = nn.Conv2d(4, 4, 3, padding=1), nn.SELU()

    def forward(self, x):
        x = self.act2(self.conv2(self.act1(self.conv1(x))))
        return self.act5(self.conv5(self.act4(self.conv4(self.act3(self.conv3(x))))))


class LayerScale(nn.Module):
    """A convolution's maps times a learned constant per channel (ConvNeXt's layer scale)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.gamma = nn.Parameter(torch.full((1, 4, 1, 1), 0.5))

    def forward(self, x):
        return self.conv(x) * self.gamma


class MaskScale(nn.Module):
    """A convolution's maps times a constant mask of their own size: a Mul by a constant that is
    neither one number nor one per channel."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.register_buffer("mask", (torch.arange(256).reshape(1, 4, 8, 8) % 3).float())

    def forward(self, x):
        return self.conv(x) * self.mask


class Arithmetic(nn.Module):
    """A normalization baked into the model ((x − mean) / std with (1, 3, 1, 1) buffers, on the
    input itself), x·2 − 1, a per-channel bias added on its own, and a square (x·x, not GELU's)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.offset = nn.Parameter(torch.randn(4, 1, 1))
        self.conv2 = nn.Conv2d(4, 2, 3)

    def forward(self, x):
        h = self.conv((x - self.mean) / self.std)
        h = torch.relu(h * 2 - 1) + self.offset
        return self.conv2(h * h)


class ConvLstm(nn.Module):
    """A convolutional front end feeding an LSTM: refused by the LSTM's own name."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.lstm = nn.LSTM(4 * 8, 16, batch_first=True)

    def forward(self, x):
        f = self.conv(x)                                 # (1, 4, 8, 8)
        f = f.permute(0, 3, 1, 2).reshape(1, 8, 4 * 8)  # a sequence over the columns
        return self.lstm(f)[0]


class GeluTanhNet(nn.Module):
    """GELU's tanh form: PyTorch writes Mul, Mul, Mul, Add, Mul, Tanh, Add, Mul, Mul."""

    def __init__(self):
        super().__init__()
        self.conv1, self.act1 = nn.Conv2d(3, 6, 3, padding=1), nn.GELU(approximate="tanh")
        self.conv2, self.act2 = nn.Conv2d(6, 4, 3, padding=1), nn.GELU(approximate="tanh")

    def forward(self, x):
        return self.act2(self.conv2(self.act1(self.conv1(x))))


def gelu_tanh():
    """GELU's tanh form (its own generator)."""
    torch.manual_seed(22)
    export("activations-gelu-tanh-13", "GELU's tanh form at opset 13 (nine nodes), batch dynamic", GeluTanhNet(),
           (1, 3, 9, 8), opset=13, dynamic=True)


def gelu():
    """GELU's fixtures (its own generator: the other fixtures' weights stay as they were)."""
    torch.manual_seed(21)
    export("activations-gelu-13", "GELU (erf form: Div, Erf, Add, Mul, Mul) at opset 13", GeluNet(), (1, 3, 9, 8),
           opset=13)
    export("activations-gelu-17", "GELU (erf form) at opset 17, batch dynamic", GeluNet(), (1, 3, 9, 8), opset=17,
           dynamic=True)


def refused_many():
    """Files with several operators ConvScope cannot run: one refusal lists them all."""
    torch.manual_seed(7)
    for name, model, shape in (("refused-modern", ModernBlocks(), (1, 3, 8, 8)),
                               ("refused-lstm", ConvLstm(), (1, 1, 8, 8)),
                               ("layer-scale", LayerScale(), (1, 3, 8, 8)),
                               ("refused-mask", MaskScale(), (1, 3, 8, 8))):
        f = io.BytesIO()
        torch.onnx.export(model.eval(), torch.randn(*shape), f, opset_version=14)
        open(os.path.join(OUT, name + ".onnx"), "wb").write(f.getvalue())
    print("refused-modern, refused-lstm, layer-scale (opens: a ChannelScale), refused-mask")


def main():
    os.makedirs(OUT, exist_ok=True)
    export("conv-ops", "Conv (groups, dilation, strides, asymmetric Pad), LeakyRelu, Tanh, Sigmoid, Clip (min 0)",
           ConvOps(), (1, 2, 9, 10), opset=11)
    export("pool-ops", "MaxPool (pads, ceil), AveragePool (count_include_pad 1 and 0, ceil), GlobalAveragePool, "
           "Flatten, Gemm, Clip (ReLU6), Softmax", PoolOps(), (1, 3, 7, 7), opset=12)
    export("reshape-matmul", "Reshape to (batch, features) with a constant shape, MatMul + Add", ReshapeMatMul(),
           (1, 1, 6, 6), opset=13)
    export("reshape-dynamic", "Reshape whose shape PyTorch computes (Shape, Gather, Unsqueeze, Concat), batch dynamic",
           ReshapeMatMul(), (1, 1, 6, 6), opset=13, dynamic=True)
    export("residual-block", "a residual block (convolution, batch normalization folded by PyTorch, Add)",
           ResidualNet(), (1, 1, 8, 8), opset=13)
    export("inception-module", "an inception module: four branches (1x1, 3x3, 5x5, pool) concatenated",
           InceptionNet(), (1, 3, 16, 16), opset=13)
    export("dense-block", "a dense block: batch normalization (unfused), ReLU, convolution, concatenation, three "
           "times", DenseNet(), (1, 1, 8, 8), opset=13, preserve=True)
    export("depthwise-separable", "a MobileNet stack: depthwise 3x3 and pointwise 1x1 convolutions, batch "
           "normalization (unfused), ReLU6", MobileNet(), (1, 3, 16, 16), opset=13, preserve=True, dynamic=True)
    export("lenet-batchnorm", "LeNet-5 with batch normalization left unfused (TrainingMode.PRESERVE)", LeNetBN(),
           (1, 1, 32, 32), opset=13, preserve=True)
    helper_graph()
    export("activations-modern-13", "ELU, Hardswish, SiLU, Hardsigmoid, SELU at opset 13 (HardSigmoid + Mul, "
           "Sigmoid + Mul)",
           ModernActivations(), (1, 3, 9, 8), opset=13)
    export("activations-modern-14", "ELU, HardSwish, SiLU, HardSigmoid, SELU at opset 14", ModernActivations(),
           (1, 3, 9, 8),
           opset=14, dynamic=True)
    refused()
    gelu()
    gelu_tanh()
    shufflenet()
    convnext()
    decoder()
    upsampling()
    prelu()
    clamp()
    external_data()
    padding()
    arithmetic()
    broadcasting()
    export("mean-head", "the head MnasNet and EfficientNet write as x.mean([2, 3]): ReduceMean over height and "
           "width, then Gemm", MeanHead(), (1, 3, 8, 8), opset=13)


if __name__ == "__main__":
    main()
