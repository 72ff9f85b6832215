#!/usr/bin/python3
"""PyTorch's side of the LeNet-5 benchmark: the lecture's LeNet-5 (tanh, average pooling),
same batch size and thread count as ConvScope's `bench train` / `bench infer`.

Usage: /usr/bin/python3 bench/pytorch_lenet.py train|infer [--batch N] [--images N] [--threads N] [--relu]
Prints one JSON object: {"images_per_second": x}. Synthetic data, timed after a warm-up.
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def lenet5(relu=False):
    act = nn.ReLU if relu else nn.Tanh
    pool = (lambda: nn.MaxPool2d(2, 2)) if relu else (lambda: nn.AvgPool2d(2, 2))
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), act(), pool(),
        nn.Conv2d(6, 16, 5), act(), pool(),
        nn.Conv2d(16, 120, 5), act(), nn.Flatten(),
        nn.Linear(120, 84), act(), nn.Linear(84, 10))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "infer"])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--images", type=int, default=64000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--relu", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = lenet5(a.relu)
    x = torch.randn(a.batch, 1, 32, 32)
    y = torch.randint(0, 10, (a.batch,))
    batches = max(1, a.images // a.batch)
    if a.mode == "train":
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                torch.softmax(model(x), dim=1)
    for _ in range(max(5, batches // 10)):  # warm-up
        step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": batches * a.batch / seconds, "seconds": seconds,
                      "batch": a.batch, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
