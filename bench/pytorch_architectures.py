#!/usr/bin/python3
"""Batch-1 inference of the lecture's architectures at their native input size, ConvScope
against PyTorch 1.13 with the same definitions, in one run on this machine.

PyTorch's side uses torchvision's definitions where ConvScope's presets follow them (vgg16,
resnet18, resnet50, densenet121) and the same few lines ConvScope's presets are written from
where torchvision has none or a different one (the lecture's single-tower AlexNet; GoogLeNet
as its paper's Table 1 defines it: real 5x5 branches, no batch normalization, no auxiliary
classifiers; MobileNet v1). Random weights, evaluation mode, no gradients, the same thread
count, a warm-up, then timed; the rounds alternate between the two tools. The parameter
counts of both sides are compared first, so both run the same network.

Usage: /usr/bin/python3 bench/pytorch_architectures.py [--convscope PATH] [--threads 2] [--rounds 3]
                                                       [--models vgg16,resnet50,...]
       /usr/bin/python3 bench/pytorch_architectures.py infer MODEL [--images N] [--threads N]
           PyTorch's side alone: prints {"images_per_second": x, "params": n}.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"  # Debian's PyTorch lives here
MODELS = ["lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "densenet121", "mobilenet"]
IMAGES = {"vgg16": 20, "alexnet": 60, "resnet50": 40, "densenet121": 40, "googlenet": 60, "resnet18": 60,
          "mobilenet": 100, "lenet5": 20000}


def build(name):
    import torch.nn as nn
    import torchvision

    def conv_relu(i, o, k, s=1, p=0):
        return [nn.Conv2d(i, o, k, s, p), nn.ReLU(inplace=True)]

    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(),
                             nn.AvgPool2d(2), nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(), nn.Linear(120, 84),
                             nn.Tanh(), nn.Linear(84, 10)), (1, 32, 32)
    if name == "alexnet":  # the lecture's table: one tower, 96-256-384-384-256, the paper's LRN
        def lrn():
            return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)
        return nn.Sequential(*conv_relu(3, 96, 11, 4), lrn(), nn.MaxPool2d(3, 2), *conv_relu(96, 256, 5, 1, 2), lrn(),
                             nn.MaxPool2d(3, 2), *conv_relu(256, 384, 3, 1, 1), *conv_relu(384, 384, 3, 1, 1),
                             *conv_relu(384, 256, 3, 1, 1), nn.MaxPool2d(3, 2), nn.Flatten(), nn.Dropout(),
                             nn.Linear(9216, 4096), nn.ReLU(inplace=True), nn.Dropout(), nn.Linear(4096, 4096),
                             nn.ReLU(inplace=True), nn.Linear(4096, 1000)), (3, 227, 227)
    if name == "googlenet":
        import torch

        class Inception(nn.Module):
            def __init__(self, i, c1, r3, c3, r5, c5, proj):
                super().__init__()
                self.b1 = nn.Sequential(*conv_relu(i, c1, 1))
                self.b2 = nn.Sequential(*conv_relu(i, r3, 1), *conv_relu(r3, c3, 3, 1, 1))
                self.b3 = nn.Sequential(*conv_relu(i, r5, 1), *conv_relu(r5, c5, 5, 1, 2))
                self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), *conv_relu(i, proj, 1))

            def forward(self, x):
                return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)

        table = [(192, 64, 96, 128, 16, 32, 32), (256, 128, 128, 192, 32, 96, 64), "pool",
                 (480, 192, 96, 208, 16, 48, 64), (512, 160, 112, 224, 24, 64, 64), (512, 128, 128, 256, 24, 64, 64),
                 (512, 112, 144, 288, 32, 64, 64), (528, 256, 160, 320, 32, 128, 128), "pool",
                 (832, 256, 160, 320, 32, 128, 128), (832, 384, 192, 384, 48, 128, 128)]
        body = [Inception(*m) if m != "pool" else nn.MaxPool2d(3, 2, ceil_mode=True) for m in table]
        return nn.Sequential(*conv_relu(3, 64, 7, 2, 3), nn.MaxPool2d(3, 2, ceil_mode=True), *conv_relu(64, 64, 1),
                             *conv_relu(64, 192, 3, 1, 1), nn.MaxPool2d(3, 2, ceil_mode=True), *body,
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4), nn.Linear(1024, 1000)), (3, 224, 224)
    if name == "mobilenet":  # v1, width 1.0: depthwise + pointwise, batch norm after every convolution
        def cbr(i, o, k, s, groups=1):
            return [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]
        layers, c = cbr(3, 32, 3, 2), 32
        for o, s in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
                     (512, 1), (512, 1), (1024, 2), (1024, 1)]:
            layers += cbr(c, c, 3, s, groups=c) + cbr(c, o, 1, 1)
            c = o
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 1000)), (3, 224, 224)
    return getattr(torchvision.models, name)(), (3, 224, 224)


def pytorch_infer(a):
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, shape = build(a.model)
    model.eval()
    x = torch.randn(1, *shape)
    with torch.no_grad():
        for _ in range(max(5, a.images // 10)):  # warm-up, as ConvScope's bench
            model(x)
        start = time.perf_counter()
        for _ in range(a.images):
            model(x)
        seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": a.images / seconds, "params": sum(p.numel() for p in model.parameters())}))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]


def compare(a):
    models = a.models.split(",") if a.models else MODELS
    print(f"Batch-1 inference, {a.threads} threads, median of {a.rounds} alternating rounds (images/s)\n")
    print("| model | input | parameters (both) | ConvScope | PyTorch 1.13 | ConvScope / PyTorch |")
    print("|---|---|---:|---:|---:|---:|")
    for name in models:
        images = str(IMAGES.get(name, 40))
        summary = run_json([a.convscope, "summary", name, "--json"])
        cs, pt, params = [], [], None
        for _ in range(a.rounds):
            cs.append(run_json([a.convscope, "bench", "infer", "--model", name, "--batch", "1", "--images", images,
                                "--threads", str(a.threads), "--json"])["images_per_second"])
            result = run_json([PYTHON, __file__, "infer", name, "--images", images, "--threads", str(a.threads)])
            pt.append(result["images_per_second"])
            params = result["params"]
        if params != summary["total_params"]:
            sys.exit(f"{name}: PyTorch's network has {params} parameters, ConvScope's {summary['total_params']}")

        c, p = statistics.median(cs), statistics.median(pt)
        size = {"lenet5": "1×32×32", "alexnet": "3×227×227"}.get(name, "3×224×224")
        print(f"| {name} | {size} | {params:,} | {c:,.1f} | {p:,.1f} | **{c / p:.2f}×** |", flush=True)



def main():
    if len(sys.argv) > 1 and sys.argv[1] == "infer":
        p = argparse.ArgumentParser()
        p.add_argument("mode")
        p.add_argument("model")
        p.add_argument("--images", type=int, default=40)
        p.add_argument("--threads", type=int, default=2)
        pytorch_infer(p.parse_args())
        return
    p = argparse.ArgumentParser()
    p.add_argument("--convscope", default=os.path.join(ROOT, "build", "release", "app", "convscope"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default="")
    compare(p.parse_args())


if __name__ == "__main__":
    main()
