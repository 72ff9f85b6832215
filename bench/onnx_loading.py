#!/usr/bin/python3
"""Loading a large ONNX file, ConvScope against PyTorch 1.13 and the onnx package, in one run.

VGG-16 (torchvision, random weights from seed 504) exported at opset 13: a 528 MiB file, made
once into a cache folder (FIXTURES, default ~/.cache/convscope/bench) with the same weights as
PyTorch's own state_dict file beside it. Each step runs in a process of its own, its peak
resident memory read with os.wait4; rounds alternate; medians.

- summary: `convscope summary vgg16.onnx --json` (the whole process: start, the file opened,
  every layer's shape, parameters and multiply-adds) against `onnx.load` of the same file and
  the parameter count of its initializers (what a Python user does to read a model's numbers;
  its time measured inside the process, after `import onnx`; the initializers alone hold
  138,350,184 of VGG-16's 138,357,544 parameters: the exporter writes a few as Constant nodes).
- run: `convscope run --model vgg16.onnx --input cat.png --json` (the whole process: the weights
  read, the photo prepared, one forward pass) against torchvision's `vgg16()` with the same
  weights from `torch.load` of the state_dict and one forward pass (timed inside the process,
  after `import torch`).

Usage: /usr/bin/python3 bench/onnx_loading.py [--convscope PATH] [--rounds 3] [FIXTURES]
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


def make_files(folder):
    """vgg16.onnx and vgg16.pt (the same weights) in folder, made once."""
    onnx_path, pt_path = os.path.join(folder, "vgg16.onnx"), os.path.join(folder, "vgg16.pt")
    if os.path.exists(onnx_path) and os.path.exists(pt_path):
        return onnx_path, pt_path
    import torch
    import torchvision
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(504)
    model = torchvision.models.vgg16(weights=None).eval()
    torch.save(model.state_dict(), pt_path + ".part")
    torch.onnx.export(model, torch.rand(1, 3, 224, 224), onnx_path + ".part", opset_version=13)
    os.rename(pt_path + ".part", pt_path)
    os.rename(onnx_path + ".part", onnx_path)
    return onnx_path, pt_path


def measured(command):
    """(wall seconds of the process, peak resident MiB, its last JSON line)"""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return wall, usage.ru_maxrss / 1024, json.loads(out.strip().splitlines()[-1])


def pytorch_summary(path):
    import onnx
    import numpy
    start = time.perf_counter()
    model = onnx.load(path)
    params = sum(int(numpy.prod(t.dims)) for t in model.graph.initializer)
    print(json.dumps({"seconds": time.perf_counter() - start, "params": params}))


def pytorch_run(pt_path, image):
    import torch
    import torchvision
    from PIL import Image
    torch.set_num_threads(2)
    start = time.perf_counter()
    model = torchvision.models.vgg16(weights=None)
    model.load_state_dict(torch.load(pt_path))
    model.eval()
    x = torchvision.transforms.functional.to_tensor(Image.open(image).convert("RGB").resize((224, 224)))
    with torch.no_grad():
        y = model(x.unsqueeze(0))
    print(json.dumps({"seconds": time.perf_counter() - start, "outputs": int(y.numel())}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "pytorch-summary":
        return pytorch_summary(sys.argv[2])
    if len(sys.argv) > 1 and sys.argv[1] == "pytorch-run":
        return pytorch_run(sys.argv[2], sys.argv[3])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("fixtures", nargs="?", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "convscope", "bench"))
    a = p.parse_args()
    onnx_path, pt_path = make_files(a.fixtures)
    image = os.path.join(ROOT, "resources", "samples", "cat.png")
    file_mib = os.path.getsize(onnx_path) / 2**20
    rows = {"summary": ([], [], [], []), "run": ([], [], [], [])}
    for _ in range(a.rounds):
        wall, peak, out = measured([a.convscope, "summary", onnx_path, "--json"])
        assert out["total_params"] == 138357544, out["total_params"]
        _, theirs_peak, theirs = measured([PYTHON, __file__, "pytorch-summary", onnx_path])
        # (the initializers hold 138,350,184 of them: the exporter writes a few biases as Constant nodes)
        for column, v in zip(rows["summary"], (wall, peak, theirs["seconds"], theirs_peak)):
            column.append(v)
        wall, peak, out = measured([a.convscope, "run", "--model", onnx_path, "--input", image, "--json"])
        _, theirs_peak, theirs = measured([PYTHON, __file__, "pytorch-run", pt_path, image])
        for column, v in zip(rows["run"], (wall, peak, theirs["seconds"], theirs_peak)):
            column.append(v)
    print(f"VGG-16, opset 13: {file_mib:,.0f} MiB file; medians of {a.rounds} rounds\n")
    print("| step | ConvScope (process) | ConvScope peak | PyTorch side (in process) | PyTorch side peak | "
          "time ratio | peak / file |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for step, (ours, ours_peak, theirs, theirs_peak) in rows.items():
        o, op, t, tp = (statistics.median(v) for v in (ours, ours_peak, theirs, theirs_peak))
        print(f"| {step} | {o:.2f} s | {op:,.0f} MiB | {t:.2f} s | {tp:,.0f} MiB | {o / t:.2f} | {op / file_mib:.2f} |")


if __name__ == "__main__":
    main()
