#!/usr/bin/python3
"""Batch-1 inference of torchvision networks a student brings as ONNX files, ConvScope against
PyTorch 1.13 on the same weights, in one run on this machine (issue 27).

Each network (random weights, seed 504) is exported once by torch.onnx.export at opset 13 into a
cache folder (FIXTURES, default ~/.cache/convscope/bench). ConvScope's side is
`convscope bench infer --model FILE.onnx --batch 1` (the imported network: its forward pass with
softmax on synthetic 224x224 images, after a warm-up); PyTorch's side the same network from
torchvision in evaluation mode, no gradients, batch 1, the same thread count, a warm-up, then
timed. Rounds alternate between the two; medians.

Usage: /usr/bin/python3 bench/onnx_inference.py [--convscope PATH] [--threads 2] [--rounds 3]
                                               [--models resnet50,mobilenet_v3_large,...]
       /usr/bin/python3 bench/onnx_inference.py pytorch MODEL IMAGES THREADS
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
MODELS = ["resnet50", "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny"]
IMAGES = {"resnet50": 40, "mobilenet_v3_large": 200, "efficientnet_b0": 100, "convnext_tiny": 40}


def network(name):
    import torch
    import torchvision
    torch.manual_seed(504)
    return getattr(torchvision.models, name)(weights=None).eval()


def exported(name, folder):
    path = os.path.join(folder, name + ".onnx")
    if not os.path.exists(path):
        import torch
        os.makedirs(folder, exist_ok=True)
        torch.onnx.export(network(name), torch.rand(1, 3, 224, 224), path + ".part", opset_version=13)
        os.rename(path + ".part", path)
    return path


def pytorch(name, images, threads):
    import torch
    torch.set_num_threads(threads)
    model = network(name)
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        for _ in range(3):
            torch.softmax(model(x), 1)
        start = time.perf_counter()
        for _ in range(images):
            torch.softmax(model(x), 1)
    print(json.dumps({"images_per_second": images / (time.perf_counter() - start)}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "pytorch":
        return pytorch(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("fixtures", nargs="?", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "convscope", "bench"))
    a = p.parse_args()
    print(f"batch 1, 224x224, {a.threads} threads, medians of {a.rounds} alternating rounds\n")
    print("| network (ONNX, opset 13) | ConvScope images/s | PyTorch images/s | ConvScope / PyTorch |")
    print("|---|---:|---:|---:|")
    for name in a.models.split(","):
        path = exported(name, a.fixtures)
        images = IMAGES.get(name, 40)
        ours, theirs, refused = [], [], ""
        for _ in range(a.rounds):
            r = subprocess.run([a.convscope, "bench", "infer", "--model", path, "--batch", "1", "--images",
                                str(images), "--threads", str(a.threads), "--json"], capture_output=True, text=True)
            if r.returncode != 0:
                refused = r.stderr.strip().split("all listed here: ")[-1][:160]
                break
            ours.append(json.loads(r.stdout.strip().splitlines()[-1])["images_per_second"])
            r = subprocess.run([PYTHON, __file__, "pytorch", name, str(images), str(a.threads)], capture_output=True,
                               text=True, check=True)
            theirs.append(json.loads(r.stdout.strip().splitlines()[-1])["images_per_second"])
        if refused:
            print(f"| {name} | refused: {refused} | | |", flush=True)
            continue
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"| {name} | {o:.1f} | {t:.1f} | {o / t:.2f} |", flush=True)


if __name__ == "__main__":
    main()
