#!/usr/bin/python3
"""Students' own PyTorch models, end to end: torchvision's architectures (random weights from
a seed) exported by torch.onnx.export at opset 13, opened by `convscope run`, compute what
PyTorch computes for the same 224x224 input (within 1e-4 of the largest output; batch
normalization given random statistics so that every path carries signal).
MobileNet v3, EfficientNet-B0 and RegNetY (hard swish, SiLU, squeeze-and-excitation) and
ShuffleNet v2 (its channel shuffle: a 5-D Reshape, a Transpose and a Reshape back; its split:
two Slices) match. (Refusals are tested on small files: tests/engine/io/OnnxTest.cpp.)

The exports and PyTorch's outputs are made once and kept in a cache folder outside the build
(FIXTURES, default ~/.cache/convscope/fixtures), under a key of this script and the installed
PyTorch and torchvision: the sanitizer run and later runs on the machine reuse them without
starting PyTorch.

Usage: onnx_torchvision.py CONVSCOPE [FIXTURES]   (with Debian's /usr/bin/python3: PyTorch 1.13)
"""
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
convscope = sys.argv[1]
MATCH = ["resnet18", "mobilenet_v2", "squeezenet1_0", "googlenet", "densenet121", "alexnet", "mnasnet0_5",
         # after 2018: hard swish and squeeze-and-excitation; SiLU; squeeze-and-excitation with ReLU
         "mobilenet_v3_small", "efficientnet_b0", "regnet_y_400mf",
         # channel shuffle and split
         "shufflenet_v2_x0_5"]


def fixtures_key():
    """This script and the installed PyTorch and torchvision, read without importing them."""
    h = hashlib.sha256(open(__file__, "rb").read())
    for package in ("torch", "torchvision"):
        spec = importlib.util.find_spec(package)
        version = os.path.join(os.path.dirname(spec.origin), "version.py") if spec and spec.origin else None
        h.update(open(version, "rb").read() if version and os.path.exists(version) else package.encode())
    return h.hexdigest()[:16]


def make_fixtures(folder):
    """Exports every model at opset 13 with PyTorch's output for the input, into `folder`."""
    import torch
    import torchvision
    torch.manual_seed(504)
    x = torch.rand(1, 3, 224, 224)
    with open(os.path.join(folder, "input.txt"), "w") as f:  # a matrix text file: channels separated by a blank line
        for c in range(3):
            if c:
                f.write("\n")
            for r in range(224):
                f.write(" ".join(repr(v) for v in x[0, c, r].tolist()) + "\n")
    for name in MATCH:
        kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
        model = getattr(torchvision.models, name)(**kwargs).eval()
        for m in model.modules():  # batch normalization that is not the identity, so that every path carries signal
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1), m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5), m.bias.data.uniform_(-0.1, 0.1)
        with torch.no_grad():
            expected = model(x).flatten().tolist()
        torch.onnx.export(model, x, os.path.join(folder, name + ".onnx"), opset_version=13)
        with open(os.path.join(folder, name + ".json"), "w") as f:
            json.dump(expected, f)


cache = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "convscope", "fixtures")
work = os.path.join(cache, "onnx-torchvision-" + fixtures_key())
if not os.path.isdir(work):  # made in a folder of its own, then renamed: a parallel run sees all or nothing
    os.makedirs(cache, exist_ok=True)
    building = tempfile.mkdtemp(dir=cache, prefix=".making-")
    make_fixtures(building)
    try:
        os.rename(building, work)
    except OSError:  # another run finished first
        shutil.rmtree(building)
    print(f"made the fixtures in {work}")
else:
    print(f"the fixtures from {work}")
matrix = os.path.join(work, "input.txt")

failures = 0
for name in MATCH:
    path = os.path.join(work, name + ".onnx")
    expected = json.load(open(os.path.join(work, name + ".json")))
    r = subprocess.run([convscope, "run", "--model", path, "--input", matrix, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL {name}: exit {r.returncode}: {r.stderr.strip()[:300]}")
        failures += 1
    else:
        def flat(v):
            return [a for b in v for a in flat(b)] if isinstance(v, list) else [v]
        actual = flat(json.loads(r.stdout)["output"])
        scale = max(abs(v) for v in expected)
        worst = max(abs(a - b) for a, b in zip(actual, expected)) if len(actual) == len(expected) else float("inf")
        ok = scale > 0 and worst <= 1e-4 * scale
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(actual)} outputs, largest difference {worst:.3g} "
              f"(output scale {scale:.3g})")
        failures += not ok
sys.exit(1 if failures else 0)
