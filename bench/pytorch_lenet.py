#!/usr/bin/python3
"""PyTorch's side of the LeNet-5 benchmark: the lecture's LeNet-5 (tanh, average pooling),
same batch size and thread count as ConvScope's `bench train` / `bench infer`.

Usage: /usr/bin/python3 bench/pytorch_lenet.py train|infer [--batch N] [--images N] [--threads N] [--relu]
    Prints one JSON object: {"images_per_second": x}. Synthetic data, timed after a warm-up.
       /usr/bin/python3 bench/pytorch_lenet.py digits --folder resources/digits [--epochs N] [--threads N]
    Trains on the bundled digits with ConvScope's recipe (SGD lr 0.05, momentum 0.9, batch 64,
    28x28 zero-padded to 32x32, normalized by the training set's mean and deviation) and prints
    one JSON object per epoch like `convscope train --json`.
"""
import gzip
import os
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


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic == 0x803:
        n, h, w = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
        return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).view(n, 1, h, w)
    return torch.frombuffer(bytearray(data[8:]), dtype=torch.uint8).long()


def train_digits(a):
    start = time.perf_counter()
    torch.manual_seed(a.seed)
    folder = a.folder
    x_train = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).float() / 255
    y_train = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    x_test = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz")).float() / 255
    y_test = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    mean, std = x_train.mean(), x_train.std()
    prep = lambda x: torch.nn.functional.pad((x - mean) / std, (2, 2, 2, 2), value=float(-mean / std))
    x_train, x_test = prep(x_train), prep(x_test)
    model = lenet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(a.epochs):
        epoch_start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(x_test)
            accuracy = (logits.argmax(1) == y_test).float().mean().item()
        print(json.dumps({"epoch": epoch + 1, "test_accuracy": accuracy,
                          "seconds": time.perf_counter() - epoch_start,
                          "since_start": time.perf_counter() - start}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "infer", "digits"])
    p.add_argument("--folder", default=os.path.join(os.path.dirname(__file__), "..", "resources", "digits"))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--images", type=int, default=64000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--relu", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.mode == "digits":
        return train_digits(a)
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
