#!/usr/bin/python3
"""Adversarial examples on the bundled LeNet-5 and the bundled test digits (issue 31), ConvScope
beside PyTorch 1.13 in one run, on the same model: ConvScope's resources/models/lenet5-digits.json
exported with `convscope export` to ONNX, its graph (Conv, Tanh, AveragePool, Flatten, Gemm,
Softmax) run by PyTorch operator for operator with the ONNX file's own weights, so both attack the
same numbers.

The attack, both sides alike: each of the 2,000 test digits (28×28, /255) zero-padded to 32×32 as
the model's preprocessing does, normalized by its mean and deviation inside the model; FGSM —
x' = clip(x + ε·sign(∇ₓ CE(scores(x), label)), 0, 1) on the [0, 1] scale of the padded image —
and PGD (10 steps of 2.5·ε/10, each projected into the L∞ ball and [0, 1]); the result put on
the 8-bit grid a PNG holds, the perturbation rounded towards zero (ConvScope's rule,
engine/inspection/Adversarial.h). Reported: accuracy before and after, the largest change, and
the wall time of the whole attack over the 2,000 digits (ConvScope: `convscope attack --json`, one
process, the model and digits read in the timed run; PyTorch: the attack alone, after loading).
The issue's bar: FGSM at ε = 0.25 leaves under 20 % accuracy; PGD is stronger than FGSM.

Usage: /usr/bin/python3 bench/attack.py [--convscope PATH] [--threads 2] [--epsilon 0.25]
"""
import argparse
import gzip
import json
import os
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL = os.path.join(ROOT, "resources", "models", "lenet5-digits.json")


def digits():
    import numpy as np
    folder = os.path.join(ROOT, "resources", "digits")
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels


class OnnxLeNet:
    """The exported graph run by PyTorch: the scores (the Softmax's input) of a [0, 1] batch."""

    def __init__(self, path, mean, std):
        import onnx
        from onnx import numpy_helper
        import torch
        model = onnx.load(path)
        self.weights = {i.name: torch.tensor(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
        self.nodes = [n for n in model.graph.node]
        self.input = model.graph.input[0].name
        self.mean, self.std = mean, std

    def scores(self, x):
        import torch
        import torch.nn.functional as F
        from onnx import helper
        values = {self.input: (x - self.mean) / self.std}
        for n in self.nodes:
            a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
            ins = [values[i] if i in values else self.weights[i] for i in n.input]
            if n.op_type == "Softmax":
                return ins[0]
            if n.op_type == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                out = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=a.get("strides", [1, 1]),
                               padding=(pads[0], pads[1]), dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
            elif n.op_type == "Tanh":
                out = torch.tanh(ins[0])
            elif n.op_type == "AveragePool":
                out = F.avg_pool2d(ins[0], a["kernel_shape"], a.get("strides"))
            elif n.op_type == "Flatten":
                out = torch.flatten(ins[0], 1)
            elif n.op_type == "Gemm":
                w = ins[1].t() if a.get("transB", 0) else ins[1]
                out = ins[0] @ w + ins[2]
            else:
                raise SystemExit(f"bench/attack.py: the export holds {n.op_type}, which this runner does not know")
            values[n.output[0]] = out
        return values[self.nodes[-1].output[0]]


def on_grid(x, adv, epsilon):
    import torch
    base = torch.round(x * 255)
    steps = torch.trunc((adv * 255 - base) * (1 + 1e-9))
    limit = float(int(epsilon * 255 + 1e-9))
    return torch.clamp(base + torch.clamp(steps, -limit, limit), 0, 255) / 255


def pytorch_attack(net, x, labels, method, epsilon):
    import torch
    import torch.nn.functional as F
    steps, alpha = (1, epsilon) if method == "fgsm" else (10, 2.5 * epsilon / 10)
    adv = x.clone()
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = F.cross_entropy(net.scores(adv), labels)
        grad, = torch.autograd.grad(loss, adv)
        with torch.no_grad():
            adv = torch.max(torch.min(adv + alpha * grad.sign(), torch.clamp(x + epsilon, max=1)),
                            torch.clamp(x - epsilon, min=0))
    return on_grid(x, adv.detach(), epsilon)


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--epsilon", type=float, default=0.25)
    args = a.parse_args()
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    pre = json.load(open(MODEL))["preprocess"]
    images, labels = digits()
    x = torch.tensor(images, dtype=torch.float32).div(255).unsqueeze(1)
    x = F.pad(x, (2, 2, 2, 2))  # 28 → 32, centred, as the model's preprocessing
    y = torch.tensor(labels, dtype=torch.long)
    with tempfile.TemporaryDirectory() as folder:
        onnx_path = os.path.join(folder, "lenet5.onnx")
        subprocess.run([args.convscope, "export", "--model", MODEL, "--output", onnx_path], check=True,
                       capture_output=True)
        net = OnnxLeNet(onnx_path, pre["mean"][0], pre["std"][0])
    with torch.no_grad():
        clean = (net.scores(x).argmax(1) == y).float().mean().item()
    print(f"| attack | ε | ConvScope: accuracy before → after | largest change | time | PyTorch (the ONNX export): "
          f"accuracy before → after | largest change | time | time ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    for method in ("fgsm", "pgd"):
        start = time.perf_counter()
        out = subprocess.run([args.convscope, "attack", "--model", MODEL, "--method", method, "--epsilon",
                              str(args.epsilon), "--json"], check=True, capture_output=True, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS=str(args.threads))).stdout
        ours_seconds = time.perf_counter() - start
        ours = json.loads(out)
        start = time.perf_counter()
        adv = pytorch_attack(net, x, y, method, args.epsilon)
        with torch.no_grad():
            after = (net.scores(adv).argmax(1) == y).float().mean().item()
        theirs_seconds = time.perf_counter() - start
        linf = (adv - x).abs().max().item()
        results[method] = (ours["attacked_accuracy"], after)
        print(f"| {method.upper()} | {args.epsilon} | {100 * ours['accuracy']:.2f} % → **{100 * ours['attacked_accuracy']:.2f} %** | "
              f"{ours['linf']:.4f} | {ours_seconds:.2f} s | {100 * clean:.2f} % → **{100 * after:.2f} %** | {linf:.4f} | "
              f"{theirs_seconds:.2f} s | {theirs_seconds / ours_seconds:.2f}× |", flush=True)
    print()
    fgsm, pgd = results["fgsm"][0], results["pgd"][0]
    print(f"The bar (ε 0.25): FGSM under 20 % — {'met' if fgsm < 0.2 else 'not met'} ({100 * fgsm:.2f} %); PGD "
          f"stronger than FGSM — {'met' if pgd < fgsm else 'not met'} ({100 * pgd:.2f} % against {100 * fgsm:.2f} %).")


if __name__ == "__main__":
    main()
