#!/usr/bin/python3
"""Detection on the composed scenes, ConvScope beside PyTorch 1.13 in one run.

Quality: `convscope train --model mini-ssd --dataset scenes --seed 1` with the preset's own recipe
(12 epochs of 32 scenes, Adam at 0.002, SSD's MultiBox loss; 4,000 training scenes of training
digits, 1 to 3 on a 64x64 canvas, 500 test scenes of test digits the training never saw), timed
wall to wall with the process's CPU time; the last epoch's test mAP at IoU 0.5 (VOC's all-point
AP per digit class, then the mean), and `convscope eval` of the saved model beside it. The bar:
within 5 minutes on 2 cores and a mAP@0.5 of at least 0.80 (for scale: the SSD baseline of
NTNU's TDT4265 on MNIST detection reaches 0.76).

Speed: training images per second of the same network written layer for layer in PyTorch
(the script checks that both have the same parameters): a step is forward, SSD's loss (each
image's anchors matched to its boxes by IoU ≥ 0.5 plus each box's best anchor, the boxes encoded
with variances 0.1 and 0.2; smooth L1 on the matched anchors' offsets plus cross-entropy on them
and on 3 hard negatives per match, over the matches; engine/detection/DetectionLoss.h, matching
and encoding vectorised over the batch), backward and Adam's update, on one fixed random batch
of 32 1x64x64 images, image i holding the boxes [4 + i mod 20, 6, 19 + i mod 20, 26) of class
i mod 10 and [30, 34 + i mod 8, 44, 54 + i mod 8) of class (i + 3) mod 10, after a warm-up;
ConvScope's side is `convscope bench train --model mini-ssd --batch 32` (the same step and boxes:
engine/training/Throughput.cpp). Both tools get the same thread count; each run is its own
process; rounds alternate between the tools and the table gives the medians.

ConvScope finds its data through CONVSCOPE_RESOURCES when it is set (the environment is passed on).

Usage: /usr/bin/python3 bench/detection.py [--convscope PATH] [--threads 2] [--rounds 3]
                                           [--speed-only] [--quality-only]
       /usr/bin/python3 bench/detection.py train MODEL [--images N] [--threads N]
           PyTorch's side alone: {"images_per_second": x, "params": n}.
"""
import argparse
import json
import math
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
MODEL = "mini-ssd"
BATCH, CLASSES, SIZE, VALUES = 32, 10, 64, 15  # VALUES per anchor: 4 offsets, background, 10 classes
IMAGES = 2560  # per timed run of each tool: a few seconds
# engine/network/Presets.cpp's presetDetectorSpec: (stride, sizes, ratios) for head1 (16x16), head2 (8x8).
LEVELS = [(4, (12, 17), (1.0, 0.6)), (8, (22,), (1.0, 0.6))]
CENTRE_VARIANCE, SIZE_VARIANCE, MATCH_IOU, NEGATIVES_PER_POSITIVE = 0.1, 0.2, 0.5, 3


def build():
    """The preset (engine/network/Presets.cpp) layer for layer."""
    import torch
    import torch.nn as nn

    def conv(i, o):  # "conv O 3x3 pad 1"
        return nn.Conv2d(i, o, 3, padding=1)

    class MiniSSD(nn.Module):
        def __init__(self):
            super().__init__()
            self.features1 = nn.Sequential(conv(1, 16), nn.ReLU(), nn.MaxPool2d(2), conv(16, 32), nn.ReLU(),
                                           nn.MaxPool2d(2), conv(32, 64), nn.ReLU(), conv(64, 64), nn.ReLU())
            self.features2 = nn.Sequential(nn.MaxPool2d(2), conv(64, 64), nn.ReLU(), conv(64, 64), nn.ReLU())
            self.head2 = conv(64, 2 * VALUES)
            self.head1 = conv(64, 4 * VALUES)

        def forward(self, x):
            f1 = self.features1(x)                                       # 64x16x16
            flat2 = torch.flatten(self.head2(self.features2(f1)), 1)     # 30x8x8
            flat1 = torch.flatten(self.head1(f1), 1)                     # "from features1": 60x16x16
            return torch.cat([flat1, flat2], 1)                          # "concat flat2": the line before first

    return MiniSSD()


def anchors():
    """Every anchor [x0, y0, x1, y1) in input pixels, level by level, cell by cell, size-major then
    ratio in a cell (engine/detection/Anchors.cpp), and each level's (anchors per cell, map side).
    In double precision, as ConvScope matches: float32's anchors turn a few IoUs of exactly 0.5."""
    import torch
    boxes, maps = [], []
    for stride, sizes, ratios in LEVELS:
        side = SIZE // stride
        for y in range(side):
            for x in range(side):
                cx, cy = (x + 0.5) * stride, (y + 0.5) * stride
                for s in sizes:
                    for r in ratios:
                        w, h = s * math.sqrt(r), s / math.sqrt(r)
                        boxes.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        maps.append((len(sizes) * len(ratios), side))
    return torch.tensor(boxes, dtype=torch.float64), maps


def anchor_values(z, maps):
    """The network's output (N, D) as (N, anchors, 15): value j of anchor a at cell (y, x) of a level
    sits at level offset + ((a·15 + j)·H + y)·W + x."""
    import torch
    parts, offset = [], 0
    for per_cell, side in maps:
        n = per_cell * VALUES * side * side
        level = z[:, offset:offset + n].view(-1, per_cell, VALUES, side, side)
        parts.append(level.permute(0, 3, 4, 1, 2).reshape(z.shape[0], -1, VALUES))
        offset += n
    return torch.cat(parts, 1)


def box_iou(a, b):
    """IoU of every anchor a (A, 4) with every box b (N, T, 4): (N, A, T), boxes [x0, y0, x1, y1)
    (torchvision's box_iou, over a batch)."""
    import torch
    lt = torch.maximum(a[None, :, None, :2], b[:, None, :, :2])
    rb = torch.minimum(a[None, :, None, 2:], b[:, None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = ((b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])).clamp(min=0)
    union = area_a[None, :, None] + area_b[:, None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))


def ssd_loss(z, anchor_boxes, maps, truths, labels, valid):
    """SSD's MultiBox loss as engine/detection/DetectionLoss.cpp computes it. z (N, D) the network's
    output; truths (N, T, 4) each image's boxes, labels (N, T) their classes, valid (N, T) which of
    the T slots hold a box. Returns the loss (box + class) / matched anchors."""
    import torch
    import torch.nn.functional as F
    values = anchor_values(z, maps)                                   # (N, A, 15)
    n, a = values.shape[0], values.shape[1]
    with torch.no_grad():
        # Matching: every anchor whose best IoU is ≥ 0.5 takes that box; then each box takes its best
        # anchor whatever the IoU (a later box wins an anchor two want; a box no anchor touches none).
        iou = box_iou(anchor_boxes, truths).masked_fill(~valid[:, None, :], -1.0)  # (N, A, T)
        best_iou, best_truth = iou.max(2)
        truth = torch.where(best_iou >= MATCH_IOU, best_truth, torch.full_like(best_truth, -1))
        box_best_iou, box_best_anchor = iou.max(1)                    # (N, T)
        rows = torch.arange(n)
        for t in range(truths.shape[1]):  # the box slots (at most 3 a scene), each over the whole batch
            take = valid[:, t] & (box_best_iou[:, t] > 0)
            current = truth[rows, box_best_anchor[:, t]]
            truth[rows, box_best_anchor[:, t]] = torch.where(take, torch.full_like(current, t), current)
        positive = truth >= 0                                         # (N, A)
        matched = truth.clamp(min=0)
        target_boxes = torch.gather(truths, 1, matched[..., None].expand(n, a, 4))  # (N, A, 4)
        aw, ah = anchor_boxes[:, 2] - anchor_boxes[:, 0], anchor_boxes[:, 3] - anchor_boxes[:, 1]
        acx, acy = anchor_boxes[:, 0] + aw / 2, anchor_boxes[:, 1] + ah / 2
        tw = (target_boxes[..., 2] - target_boxes[..., 0]).clamp(min=1e-6)
        th = (target_boxes[..., 3] - target_boxes[..., 1]).clamp(min=1e-6)
        encoded = torch.stack([((target_boxes[..., 0] + tw / 2) - acx) / (CENTRE_VARIANCE * aw),
                               ((target_boxes[..., 1] + th / 2) - acy) / (CENTRE_VARIANCE * ah),
                               torch.log(tw / aw) / SIZE_VARIANCE, torch.log(th / ah) / SIZE_VARIANCE], -1)
        classes = torch.where(positive, torch.gather(labels, 1, matched) + 1, torch.zeros_like(matched))
        positives = int(positive.sum())
    box_loss = F.smooth_l1_loss(values[..., :4][positive], encoded[positive].to(values.dtype), reduction="sum",
                                beta=1.0)
    ce = F.cross_entropy(values[..., 4:].reshape(-1, CLASSES + 1), classes.reshape(-1), reduction="none").view(n, a)
    with torch.no_grad():
        # Hard negatives: per image the unmatched anchors of the highest background loss, 3 per match
        # (ties: the lower index first, as ConvScope's sort).
        negative_loss = ce.detach().masked_fill(positive, -math.inf)
        order = negative_loss.sort(dim=1, descending=True, stable=True).indices
        rank = torch.empty_like(order)
        rank.scatter_(1, order, torch.arange(a).expand(n, a).contiguous())
        take = positive.sum(1, keepdim=True) * NEGATIVES_PER_POSITIVE
        counted = positive | ((rank < take) & ~positive)
    class_loss = ce[counted].sum()
    return (box_loss + class_loss) / max(1, positives)


def bench_boxes():
    """ConvScope's `bench train` boxes (engine/training/Throughput.cpp): truths (N, 2, 4), labels (N, 2)."""
    import torch
    truths = [[[4 + i % 20, 6, 19 + i % 20, 26], [30, 34 + i % 8, 44, 54 + i % 8]] for i in range(BATCH)]
    labels = [[i % 10, (i + 3) % 10] for i in range(BATCH)]
    return (torch.tensor(truths, dtype=torch.float64), torch.tensor(labels),
            torch.ones(BATCH, 2, dtype=torch.bool))


def pytorch_train(name, images, threads):
    import torch
    if name != MODEL:
        sys.exit(f"only {MODEL} is written in PyTorch here, not {name}")
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = build()
    params = sum(p.numel() for p in net.parameters())
    anchor_boxes, maps = anchors()
    x = torch.randn(BATCH, 1, SIZE, SIZE)
    truths, labels, valid = bench_boxes()
    opt = torch.optim.Adam(net.parameters(), lr=0.002)
    batches = images // BATCH

    def step():
        opt.zero_grad()
        loss = ssd_loss(net(x), anchor_boxes, maps, truths, labels, valid)  # matching included, every step
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
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ).stdout
    return json.loads(out.strip().splitlines()[-1])


def quality(convscope, name, threads):
    """The preset's own recipe on the scenes: wall seconds, CPU seconds, the last epoch's figures,
    then `convscope eval` of the saved model (not timed)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name + ".json")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()  # the saved model is part of the timed run
        out = subprocess.run([convscope, "train", "--model", name, "--dataset", "scenes", "--seed", "1", "--threads",
                              str(threads), "--json", "--save", path], check=True, capture_output=True, text=True,
                             env=os.environ).stdout
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        evaluation = run_json([convscope, "eval", "--model", path, "--dataset", "scenes", "--json"])
    epochs = [json.loads(line) for line in out.strip().splitlines()]
    last = epochs[-1]
    return {"model": name, "wall_seconds": wall, "cpu_seconds": (after.ru_utime - before.ru_utime) +
            (after.ru_stime - before.ru_stime), "epochs": len(epochs), "test_map50": last["test_map50"],
            "map50_by_epoch": [e["test_map50"] for e in epochs], "class_ap50": last["test_class_ap50"],
            "eval": evaluation}


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
    a.add_argument("--speed-only", action="store_true")
    a.add_argument("--quality-only", action="store_true")
    args = a.parse_args()
    m = MODEL
    if not args.speed_only:
        q = quality(args.convscope, m, args.threads)
        e = q["eval"]
        bar = q["wall_seconds"] <= 300 and q["test_map50"] >= 0.80
        print("| model | epochs | wall time | CPU time | test mAP@0.5 | eval mAP@0.5 | anchor accuracy | "
              "within 5 min and ≥ 0.80 | mAP@0.5 by epoch |")
        print("|---|---:|---:|---:|---:|---:|---:|---|---|")
        print(f"| {m} | {q['epochs']} | {q['wall_seconds']:.0f} s | {q['cpu_seconds']:.0f} s | "
              f"**{q['test_map50']:.3f}** | {e['map50']:.3f} | {100 * e['anchor_accuracy']:.2f} % | "
              f"{'yes' if bar else 'no'} | {', '.join(f'{v:.2f}' for v in q['map50_by_epoch'])} |", flush=True)
        aps = e["class_ap50"]
        print()
        print("AP@0.5 per class (eval): " + ", ".join(
            f"{k} {'absent' if aps[k] is None else f'{aps[k]:.3f}'}" for k in sorted(aps, key=int)), flush=True)
    if args.quality_only:
        return
    print()
    print("| model | parameters (both) | training: ConvScope | PyTorch | ratio |")
    print("|---|---:|---:|---:|---:|")
    summary = run_json([args.convscope, "summary", m, "--json"])
    ours, theirs = [], []
    params = None
    for _ in range(args.rounds):
        c = run_json([args.convscope, "bench", "train", "--model", m, "--batch", str(BATCH), "--images",
                      str(IMAGES), "--threads", str(args.threads), "--json"])
        t = run_json([PYTHON, __file__, "train", m, "--images", str(IMAGES), "--threads", str(args.threads)])
        ours.append(c["images_per_second"])
        theirs.append(t["images_per_second"])
        params = t["params"]
    if params != summary["total_params"]:
        sys.exit(f"{m}: PyTorch's network has {params} parameters, ConvScope's {summary['total_params']}")
    o, p = statistics.median(ours), statistics.median(theirs)
    print(f"| {m} | {params:,} | {o:,.0f} | {p:,.0f} | **{o / p:.2f}×** |", flush=True)


if __name__ == "__main__":
    main()
