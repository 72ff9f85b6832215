#!/usr/bin/python3
"""ConvScope against PyTorch in one run, on this machine: LeNet-5 training and inference
throughput (same network, batch, thread count, synthetic data, after a warm-up), the time
to 97 % test accuracy on the bundled digits with the same recipe, and ConvScope's peak
memory training on the full Fashion-MNIST. Prints a Markdown table of figures and ratios.

Usage: /usr/bin/python3 bench/compare_pytorch.py [--convscope PATH] [--threads 2] [--rounds 3]
(./bench/run_benchmarks.sh builds ConvScope and runs this after the convolution benchmark.)
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


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def throughput(args, mode, batch, images):
    cs, pt = [], []
    for _ in range(args.rounds):  # alternate, so both see the same machine state
        cs.append(run_json([args.convscope, "bench", mode, "--model", "lenet5", "--batch", str(batch), "--images",
                            str(images), "--threads", str(args.threads), "--json"])[0]["images_per_second"])
        pt.append(run_json([PYTHON, os.path.join(HERE, "pytorch_lenet.py"), mode, "--batch", str(batch), "--images",
                            str(images), "--threads", str(args.threads)])[0]["images_per_second"])
    return statistics.median(cs), statistics.median(pt)


def time_to(lines, target, key="test_accuracy"):
    """Seconds of training (epochs' own times, evaluation included) until the target accuracy."""
    total = 0.0
    for line in lines:
        total += line["seconds"]
        if line[key] >= target:
            return total, line["epoch"]
    return None, None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--convscope", default=os.path.join(ROOT, "build", "release", "app", "convscope"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--skip-memory", action="store_true")
    args = p.parse_args()
    env = os.environ.copy()

    rows = []
    cs, pt = throughput(args, "train", 64, 64000)
    rows.append(("LeNet-5 training, batch 64 (images/s)", cs, pt))
    cs, pt = throughput(args, "infer", 256, 128000)
    rows.append(("LeNet-5 inference, batch 256 (images/s)", cs, pt))
    print(f"| measurement ({args.threads} threads) | ConvScope | PyTorch {PYTORCH_VERSION()} | ConvScope / PyTorch |")
    print("|---|---:|---:|---:|")
    for name, c, t in rows:
        print(f"| {name} | {c:,.0f} | {t:,.0f} | {c / t:.2f}x |")

    # Time to 97 % on digits, same recipe (SGD lr 0.05 momentum 0.9 batch 64, seed 1).
    start = time.perf_counter()
    cs_lines = run_json([args.convscope, "train", "--model", "lenet5", "--dataset", "digits", "--epochs", "15",
                         "--seed", "1", "--threads", str(args.threads), "--json"])
    cs_wall = time.perf_counter() - start
    start = time.perf_counter()
    pt_lines = run_json([PYTHON, os.path.join(HERE, "pytorch_lenet.py"), "digits", "--epochs", "15", "--threads",
                         str(args.threads), "--seed", "1"])
    pt_wall = time.perf_counter() - start
    cs_t, cs_e = time_to(cs_lines, 0.97)
    pt_t, pt_e = time_to(pt_lines, 0.97)
    fmt = lambda t, e: f"{t:.2f} s (epoch {e})" if t is not None else "not reached in 15 epochs"
    ratio = f"{pt_t / cs_t:.2f}x faster" if cs_t and pt_t else "n/a"
    print(f"| time to 97 % test accuracy on digits | {fmt(cs_t, cs_e)} | {fmt(pt_t, pt_e)} | {ratio} |")
    print(f"| 15 epochs on digits, whole process (s) | {cs_wall:.2f} | {pt_wall:.2f} | {pt_wall / cs_wall:.2f}x faster |")
    print(f"| test accuracy after 10 epochs | {cs_lines[9]['test_accuracy']:.4f} | {pt_lines[9]['test_accuracy']:.4f} | |")

    if not args.skip_memory and os.path.isdir("/usr/share/datasets/fashion-mnist"):
        # os.wait4 gives this one child's peak resident set size (KiB on Linux).
        child = subprocess.Popen([args.convscope, "train", "--model", "lenet5", "--dataset", "fashion-mnist", "--epochs",
                                  "1", "--threads", str(args.threads), "--json"], stdout=subprocess.PIPE, text=True)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        if status != 0:
            raise SystemExit("convscope train on fashion-mnist failed")
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        peak = usage.ru_maxrss
        print(f"\nPeak memory (max RSS) training LeNet-5 on the full Fashion-MNIST (60,000 + 10,000), 1 epoch: "
              f"{peak / 1024:.0f} MiB (test accuracy {lines[0]['test_accuracy']:.4f}, "
              f"{lines[0]['images_per_second']:,.0f} images/s)")


def PYTORCH_VERSION():
    return subprocess.run([PYTHON, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                          text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
