#!/usr/bin/python3
"""ConvScope's receptive fields (`convscope receptive-field --json`) against an independent
recurrence on torchvision's own definitions of the networks (PyTorch 1.13 and torchvision 0.14,
Debian's, weights=None): each network traced with torch.fx, every Conv2d, MaxPool2d and AvgPool2d
moving the field by size += (dilation·(kernel − 1)) · jump, jump *= stride, and a node that reads
several (a residual addition, a concatenation of branches) taking the largest. ResNet-50 keeps
torchvision's module names; GoogLeNet's are mapped (torchvision's conv2.conv is ConvScope's
conv2.reduce, inception3a.branch2.1.conv its inception3a.branch2, …), and where torchvision
departs from the paper (kept for its weights) it is made the paper's, as ConvScope has it: the
"5×5" branches 5×5 (torchvision: 3×3) and the pooling after inception4e 3×3 (torchvision: 2×2).
Every convolution and pooling must agree in size and jump. Then the published values (Araujo et
al., 2019) for the lecture's two plain networks, whose ConvScope forms follow the papers (AlexNet
with its local response normalization): AlexNet 163 at its last convolution and 195 after its
last pooling, VGG-16 196 and 212.

Usage: receptive_field_oracle.py CONVSCOPE
"""
import json
import subprocess
import sys

import torch.fx as fx
import torch.nn as nn
import torchvision

convscope = sys.argv[1]


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def torch_fields(model):
    """{module name: (size, jump)} along the height axis for every convolution and pooling."""
    graph = fx.symbolic_trace(model)
    modules = dict(graph.named_modules())
    fields, out = {}, {}
    for node in graph.graph.nodes:
        inputs = [a for a in node.all_input_nodes if a in fields]
        field = max((fields[a] for a in inputs), key=lambda f: f[0]) if inputs else (1, 1)
        if node.op == "call_module":
            m = modules[node.target]
            if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                k, s = pair(m.kernel_size)[0], pair(m.stride)[0]
                d = pair(m.dilation)[0] if isinstance(m, (nn.Conv2d, nn.MaxPool2d)) else 1
                field = (field[0] + d * (k - 1) * field[1], field[1] * s)
                out[node.target] = field
        fields[node] = field
    return out


def ours(name):
    r = subprocess.run([convscope, "receptive-field", name, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"convscope receptive-field {name}: exit {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)["layers"]


def height(v):
    return v[0] if isinstance(v, list) else v


def googlenet_name(torch_name):
    """torchvision's GoogLeNet module name → ConvScope's."""
    fixed = {"conv1.conv": "conv1", "conv2.conv": "conv2.reduce", "conv3.conv": "conv2"}
    if torch_name in fixed:
        return fixed[torch_name]
    parts = torch_name.split(".")
    if parts[0].startswith("inception") and len(parts) >= 2:
        branch = ".".join(parts[:2])
        rest = ".".join(parts[2:])
        return branch + {"conv": "", "0.conv": ".reduce", "1.conv": "", "0": ".pool"}.get(rest, "?" + rest)
    return torch_name


def paper_googlenet():
    """torchvision's GoogLeNet with each inception's third branch 5×5 (pad 2), as the paper draws it."""
    model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    for m in model.modules():
        if type(m).__name__ == "Inception":
            conv = m.branch3[1].conv
            m.branch3[1].conv = nn.Conv2d(conv.in_channels, conv.out_channels, 5, padding=2, bias=False)
    model.maxpool4 = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # the paper's 3×3/2 (torchvision's: 2×2)
    return model


failures = 0
mine = {}
for name, model, rename in (("resnet50", torchvision.models.resnet50(weights=None), lambda n: n),
                            ("googlenet", paper_googlenet(), googlenet_name)):
    theirs = {rename(k): v for k, v in torch_fields(model.eval()).items()}
    layers = ours(name)
    mine[name] = layers
    by_name = {l["name"]: l for l in layers if l["type"] in ("Conv2D", "Pool2D")}
    compared = 0
    for layer_name, (size, jump) in theirs.items():
        layer = by_name.get(layer_name)
        if layer is None:
            failures += 1
            print(f"{name}: torchvision's {layer_name} has no ConvScope layer of that name")
            continue
        compared += 1
        if (height(layer["size"]), height(layer["jump"])) != (size, jump):
            failures += 1
            print(f"{name} {layer_name}: ConvScope size {layer['size']} jump {layer['jump']}, "
                  f"torchvision's recurrence {size} and {jump}")
    last = max(theirs.values())
    print(f"{name}: {compared} convolutions and poolings agree (the largest field {last[0]}, jump {last[1]})")
for name in ("alexnet", "vgg16"):
    mine[name] = ours(name)

# The published values (Araujo et al., "Computing receptive fields of convolutional neural networks", 2019).
for name, conv, pool in (("alexnet", 163, 195), ("vgg16", 196, 212)):
    layers = mine[name]
    last_conv = [l for l in layers if l["type"] == "Conv2D"][-1]
    last_pool = [l for l in layers if l["type"] == "Pool2D"][-1]
    got = (height(last_conv["size"]), height(last_pool["size"]))
    if got != (conv, pool):
        failures += 1
        print(f"{name}: last convolution {got[0]}, last pooling {got[1]}; published {conv} and {pool}")
    else:
        print(f"{name}: {conv} at its last convolution, {pool} after its last pooling, as published")
sys.exit(1 if failures else 0)
