#!/usr/bin/python3
"""Segmentation on the composed scenes (issue 28), ConvScope beside PyTorch 1.13 in one run.

Quality: `convscope train --model PRESET --dataset scenes --seed 1` with the preset's own recipe
(8 epochs of 32 scenes, Adam at 0.003, per-pixel cross-entropy plus Dice; 4,000 training scenes
of training digits, 500 test scenes of test digits the training never saw), timed wall to wall
with the process's CPU time; the last epoch's test mean IoU (over the background and the digit
classes the test masks hold) and pixel accuracy. mini-unet, and mini-fcn (the same encoder, no
skips, its scores upsampled 4x at the end) on the same budget beside it.

Speed: training images per second of the same networks written layer for layer in PyTorch
(the script checks that both have the same parameters): a step is forward, cross-entropy plus
Dice over the batch's pixels, backward and Adam's update, on one fixed random batch of 32
1x64x64 images with pixel classes 0, 1, ..., 10 in turn, after a warm-up; ConvScope's side is
`convscope bench train --model PRESET --batch 32` (the same step: engine/training/Throughput.cpp).
Both tools get the same thread count; each run is its own process; rounds alternate between the
tools and the table gives the medians.

Usage: /usr/bin/python3 bench/segmentation.py [--convscope PATH] [--threads 2] [--rounds 3]
                                              [--models mini-unet,mini-fcn] [--speed-only] [--quality-only]
       /usr/bin/python3 bench/segmentation.py train MODEL [--images N] [--threads N]
           PyTorch's side alone: {"images_per_second": x, "params": n}.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"  # Debian's PyTorch lives here
MODELS = ["mini-unet", "mini-fcn"]
BATCH, CLASSES, SIZE = 32, 11, 64
IMAGES = {"mini-unet": 1280, "mini-fcn": 1920}  # per timed run: a few seconds of ConvScope's time


def build(name):
    """The preset (engine/network/Presets.cpp) layer for layer."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def block(i, o):  # "conv O 3x3 pad 1", relu, twice
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.ReLU())

    class MiniUNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.e1, self.e2, self.e3 = block(1, 16), block(16, 32), block(32, 64)
            self.up2, self.d2 = nn.ConvTranspose2d(64, 32, 2, 2), block(64, 32)
            self.up1, self.d1 = nn.ConvTranspose2d(32, 16, 2, 2), block(32, 16)
            self.out = nn.Conv2d(16, CLASSES, 1)

        def forward(self, x):
            s1 = self.e1(x)
            s2 = self.e2(F.max_pool2d(s1, 2))
            b = self.e3(F.max_pool2d(s2, 2))
            d2 = self.d2(torch.cat([self.up2(b), s2], 1))  # "concat skip2": the line before first
            d1 = self.d1(torch.cat([self.up1(d2), s1], 1))
            return self.out(d1)

    class MiniFCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.e1, self.e2, self.e3 = block(1, 16), block(16, 32), block(32, 64)
            self.out = nn.Conv2d(64, CLASSES, 1)

        def forward(self, x):
            h = self.e3(F.max_pool2d(self.e2(F.max_pool2d(self.e1(x), 2)), 2))
            return F.interpolate(self.out(h), scale_factor=4, mode="bilinear", align_corners=False)

    return {"mini-unet": MiniUNet, "mini-fcn": MiniFCN}[name]()


def dice_loss(z, y):
    """1 − mean over the classes of (2·Σp·t + 1) / (Σp + Σt + 1), sums over the batch (engine/training/Segmentation.h)."""
    import torch.nn.functional as F
    p = F.softmax(z, dim=1)
    t = F.one_hot(y, CLASSES).permute(0, 3, 1, 2).float()
    inter, sums = (p * t).sum(dim=(0, 2, 3)), p.sum(dim=(0, 2, 3)) + t.sum(dim=(0, 2, 3)) + 1
    return 1 - ((2 * inter + 1) / sums).mean()


def pytorch_train(name, images, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = build(name)
    params = sum(p.numel() for p in net.parameters())
    x = torch.randn(BATCH, 1, SIZE, SIZE)
    y = (torch.arange(BATCH * SIZE * SIZE) % CLASSES).view(BATCH, SIZE, SIZE)
    opt = torch.optim.Adam(net.parameters(), lr=0.003)
    batches = images // BATCH

    def step():
        opt.zero_grad()
        z = net(x)
        loss = F.cross_entropy(z, y) + dice_loss(z, y)
        loss.backward()
        opt.step()

    for _ in range(max(5, batches // 10)):
        step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    seconds = time.perf_counter() - start
    return {"images_per_second": batches * BATCH / seconds, "params": params}


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def quality(convscope, name, threads):
    """The preset's own recipe on the scenes: wall seconds, CPU seconds, the last epoch's figures."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:  # the saved model is part of the timed run
        out = subprocess.run([convscope, "train", "--model", name, "--dataset", "scenes", "--seed", "1", "--threads",
                              str(threads), "--json", "--save", os.path.join(folder, name + ".json")], check=True,
                             capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    epochs = [json.loads(line) for line in out.strip().splitlines()]
    last = epochs[-1]
    return {"model": name, "wall_seconds": wall, "cpu_seconds": (after.ru_utime - before.ru_utime) +
            (after.ru_stime - before.ru_stime), "epochs": len(epochs), "test_miou": last["test_miou"],
            "test_pixel_accuracy": last["test_pixel_accuracy"], "miou_by_epoch": [e["test_miou"] for e in epochs],
            "class_iou": last["test_class_iou"]}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "train":
        a = argparse.ArgumentParser()
        a.add_argument("what")
        a.add_argument("model")
        a.add_argument("--images", type=int, default=640)
        a.add_argument("--threads", type=int, default=2)
        args = a.parse_args()
        print(json.dumps(pytorch_train(args.model, args.images, args.threads)))
        return
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--models", default=",".join(MODELS))
    a.add_argument("--speed-only", action="store_true")
    a.add_argument("--quality-only", action="store_true")
    args = a.parse_args()
    models = args.models.split(",")
    if not args.speed_only:
        print("| model | epochs | wall time | CPU time | test mean IoU | test pixel accuracy | mean IoU by epoch |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for m in models:
            q = quality(args.convscope, m, args.threads)
            print(f"| {m} | {q['epochs']} | {q['wall_seconds']:.0f} s | {q['cpu_seconds']:.0f} s | "
                  f"**{q['test_miou']:.3f}** | {100 * q['test_pixel_accuracy']:.2f} % | "
                  f"{', '.join(f'{v:.2f}' for v in q['miou_by_epoch'])} |", flush=True)
    if args.quality_only:
        return
    print()
    print("| model | parameters (both) | training: ConvScope | PyTorch | ratio |")
    print("|---|---:|---:|---:|---:|")
    for m in models:
        summary = run_json([args.convscope, "summary", m, "--json"])
        ours, theirs = [], []
        params = None
        for _ in range(args.rounds):
            c = run_json([args.convscope, "bench", "train", "--model", m, "--batch", str(BATCH), "--images",
                          str(IMAGES[m]), "--threads", str(args.threads), "--json"])
            t = run_json([PYTHON, __file__, "train", m, "--images", str(IMAGES[m] // 4), "--threads",
                          str(args.threads)])
            ours.append(c["images_per_second"])
            theirs.append(t["images_per_second"])
            params = t["params"]
        if params != summary["total_params"]:
            sys.exit(f"{m}: PyTorch's network has {params} parameters, ConvScope's {summary['total_params']}")
        o, p = statistics.median(ours), statistics.median(theirs)
        print(f"| {m} | {params:,} | {o:,.0f} | {p:,.0f} | **{o / p:.2f}×** |", flush=True)


if __name__ == "__main__":
    main()
