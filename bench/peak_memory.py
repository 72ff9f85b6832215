#!/usr/bin/python3
"""Peak resident memory of batch-1 inference, ConvScope against PyTorch 1.13, in one run: each
tool in its own process (`convscope bench infer --model M --batch 1` and
`bench/pytorch_architectures.py infer M`, the same network and a few images), its maximum
resident set size read with os.wait4. Rounds alternate; medians.

Usage: /usr/bin/python3 bench/peak_memory.py [--convscope PATH] [--models vgg16] [--rounds 3] [--threads 2]
"""
import argparse
import json
import os
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"  # Debian's PyTorch lives here


def peak(command):
    """(peak resident MiB, the JSON line the command printed)"""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return usage.ru_maxrss / 1024, json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    p.add_argument("--models", default="vgg16")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--images", default="3")
    a = p.parse_args()
    print("| model | ConvScope peak (MiB) | PyTorch 1.13 peak (MiB) | ConvScope / PyTorch |")
    print("|---|---:|---:|---:|")
    for model in a.models.split(","):
        ours, theirs = [], []
        for _ in range(a.rounds):
            ours.append(peak([a.convscope, "bench", "infer", "--model", model, "--batch", "1", "--images", a.images,
                              "--threads", str(a.threads), "--json"])[0])
            theirs.append(peak([PYTHON, os.path.join(HERE, "pytorch_architectures.py"), "infer", model, "--images",
                                a.images, "--threads", str(a.threads)])[0])
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"| {model} | {o:,.0f} | {t:,.0f} | {o / t:.2f} |")


if __name__ == "__main__":
    main()
