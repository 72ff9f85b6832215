#!/usr/bin/python3
"""A torchvision classifier exported by scripts/export-torchvision.py (random weights from a
seed: nothing can be downloaded here) opens in ConvScope with its metadata: the 1000 ImageNet
class names torchvision ships and its normalization (mean/std) applied. Checked against
PyTorch on the same 224x224 photo: `convscope run` gives PyTorch's logits for the normalized
image (within 1e-4 of the largest), `convscope predict` names PyTorch's top 5 classes in order.
A file whose metadata is wrong is refused with exit status 2, naming the key.

The export and PyTorch's output are made once per machine and kept in the fixtures cache
(as tests/onnx_torchvision.py does).

Usage: onnx_metadata.py CONVSCOPE EXPORT_SCRIPT [FIXTURES]
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
convscope, export_script = sys.argv[1], sys.argv[2]
SEED = 26


def make_fixtures(folder):
    import numpy as np
    import torch
    import torchvision
    from PIL import Image
    from torchvision.models import _meta

    subprocess.run([sys.executable, export_script, "--random", "--seed", str(SEED), "--out", folder, "resnet18"],
                   check=True, stdout=subprocess.DEVNULL)
    rng = np.random.default_rng(SEED)  # a photo-like image: smooth colour gradients and noise
    yy, xx = np.mgrid[0:224, 0:224] / 224.0
    rgb = np.stack([xx, yy, 1 - xx * yy], axis=-1) * 200 + rng.normal(0, 25, (224, 224, 3))
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(os.path.join(folder, "photo.png"))
    pixels = np.asarray(Image.open(os.path.join(folder, "photo.png")), dtype=np.float32) / 255.0
    mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
    x = torch.from_numpy(((pixels - mean) / std).transpose(2, 0, 1).copy()).unsqueeze(0)
    torch.manual_seed(SEED)  # as the export script builds it
    model = torchvision.models.resnet18(weights=None).eval()
    with torch.no_grad():
        logits = model(x)[0]
    top = torch.topk(torch.softmax(logits, 0), 5)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"logits": logits.tolist(),
                   "top": [_meta._IMAGENET_CATEGORIES[i] for i in top.indices.tolist()],
                   "top_probabilities": top.values.tolist()}, f)
    import onnx  # a copy with a wrong normalization: two numbers for three channels
    bad = onnx.load(os.path.join(folder, "resnet18.onnx"))
    for entry in bad.metadata_props:
        if entry.key == "mean":
            entry.value = "[0.5, 0.5]"
    onnx.save(bad, os.path.join(folder, "bad-mean.onnx"))


def key():
    h = hashlib.sha256(open(__file__, "rb").read())
    h.update(open(export_script, "rb").read())
    import importlib.util
    for package in ("torch", "torchvision"):
        spec = importlib.util.find_spec(package)
        version = os.path.join(os.path.dirname(spec.origin), "version.py") if spec and spec.origin else None
        h.update(open(version, "rb").read() if version and os.path.exists(version) else package.encode())
    return h.hexdigest()[:16]


cache = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
    os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "convscope", "fixtures")
work = os.path.join(cache, "onnx-metadata-" + key())
if not os.path.isdir(work):
    os.makedirs(cache, exist_ok=True)
    building = tempfile.mkdtemp(dir=cache, prefix=".making-")
    make_fixtures(building)
    try:
        os.rename(building, work)
    except OSError:
        shutil.rmtree(building)
expected = json.load(open(os.path.join(work, "expected.json")))
model, photo = os.path.join(work, "resnet18.onnx"), os.path.join(work, "photo.png")
failures = 0


def check(ok, what):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    failures += not ok


r = subprocess.run([convscope, "run", "--model", model, "--input", photo, "--json"], capture_output=True, text=True)
if r.returncode != 0:
    check(False, f"run: exit {r.returncode}: {r.stderr.strip()[:300]}")
else:
    actual = json.loads(r.stdout)["output"]
    scale = max(abs(v) for v in expected["logits"])
    worst = max(abs(a - b) for a, b in zip(actual, expected["logits"]))
    check(len(actual) == 1000 and worst <= 1e-4 * scale,
          f"run: the normalized photo gives PyTorch's logits (largest difference {worst:.3g} of {scale:.3g})")
r = subprocess.run([convscope, "predict", "--model", model, "--input", photo, "--json"], capture_output=True, text=True)
if r.returncode != 0:
    check(False, f"predict: exit {r.returncode}: {r.stderr.strip()[:300]}")
else:
    top = json.loads(r.stdout)["top"]
    check([t["label"] for t in top] == expected["top"], f"predict: top 5 {[t['label'] for t in top]} "
          f"(PyTorch: {expected['top']})")
r = subprocess.run([convscope, "predict", "--model", model, "--input", photo], capture_output=True, text=True)
check(r.returncode == 0 and "the 5 most probable of 1000" in r.stdout and expected["top"][0] in r.stdout,
      "predict: the text names the 5 most probable of 1000")
r = subprocess.run([convscope, "summary", "--model", os.path.join(work, "bad-mean.onnx")], capture_output=True, text=True)
check(r.returncode == 2 and "'mean'" in r.stderr and "one number per input channel (3)" in r.stderr,
      f"a wrong 'mean' is refused: exit {r.returncode}: {r.stderr.strip()[:160]}")
sys.exit(1 if failures else 0)
