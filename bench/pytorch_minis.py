#!/usr/bin/python3
"""Training and inference throughput of the lecture's architectures in small form (the presets
mini-vgg, mini-resnet, mini-inception, mini-densenet and mini-mobilenet, with lenet5 beside them),
ConvScope against PyTorch 1.13 with the same networks, in one run on this machine.

PyTorch's networks are written layer for layer from ConvScope's presets (engine/network/Presets.cpp):
the same convolutions (kernel, stride, padding, groups, bias or not), batch normalization where
the preset has it, ReLU, max or average pooling, the same joins (additions and concatenations,
in the preset's order), flatten and dense layers; digits in, 1x28x28 (lenet5: 1x32x32), ten
classes out. Their parameter counts and multiply-accumulates are compared with
`convscope summary MODEL --json` first, so both tools run the same network.

The work is that of ConvScope's `bench train|infer` (engine/training/Throughput.cpp): synthetic data
(one fixed random batch, labels 0, 1, ..., 9, 0, ...), a warm-up of max(5, batches / 10)
steps, then `batches` timed steps. A training step, batch 64: forward in training mode,
cross-entropy (lenet5's final softmax folded into it), backward, SGD (learning rate 0.01,
momentum 0.9) update. Inference, batch 256: forward in evaluation mode without gradients
(lenet5 ends with its softmax). Both tools get the same thread count; each run is its own
process; the rounds alternate between the two tools and the table gives the medians.

Usage: /usr/bin/python3 bench/pytorch_minis.py [--convscope PATH] [--threads 2] [--rounds 3]
                                               [--models mini-vgg,mini-resnet,...] [--quick]
                                               [--json] [--params-only] [--channels-last]
           --quick: a twentieth of the images (a sanity run, not a measurement);
           --json: a list of per-model objects instead of the Markdown table;
           --params-only: compare the networks (parameters, MACs) without timing.
       /usr/bin/python3 bench/pytorch_minis.py train|infer MODEL [--batch N] [--images N] [--threads N]
           PyTorch's side alone: prints {"images_per_second": x, "params": n, ...}.
       /usr/bin/python3 bench/pytorch_minis.py summary MODEL
           PyTorch's network alone: prints {"params": n, "macs": n, "input": [C, H, W]}.
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
MODELS = ["lenet5", "mini-vgg", "mini-resnet", "mini-inception", "mini-densenet", "mini-mobilenet"]
TRAIN_BATCH, INFER_BATCH = 64, 256
# Images per timed run (multiples of the batch): 1-2 s of ConvScope's time each on 2 cores, 2-10 s of PyTorch's.
TRAIN_IMAGES = {"lenet5": 64000, "mini-vgg": 12800, "mini-resnet": 6400, "mini-inception": 25600,
                "mini-densenet": 19200, "mini-mobilenet": 9600}
INFER_IMAGES = {"lenet5": 128000, "mini-vgg": 38400, "mini-resnet": 25600, "mini-inception": 76800,
                "mini-densenet": 51200, "mini-mobilenet": 25600}


def build(name):
    """PyTorch's network, its one-sample input shape, and whether it ends in a softmax (lenet5)."""
    import torch
    import torch.nn as nn

    def conv(i, o, k, stride=1, pad=0, bias=True, groups=1):  # the preset's "conv O KxK [stride] [pad] [nobias]"
        return nn.Conv2d(i, o, k, stride, pad, groups=groups, bias=bias)

    def relu():
        return nn.ReLU(inplace=True)

    if name == "lenet5":  # engine/network/Presets.cpp lenet5(false): tanh, average pooling, then softmax
        return nn.Sequential(conv(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), conv(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
                             conv(16, 120, 5), nn.Tanh(), nn.Flatten(), nn.Linear(120, 84), nn.Tanh(),
                             nn.Linear(84, 10)), (1, 32, 32), True

    if name == "mini-vgg":  # stacks of 3x3 convolutions, then pooling
        return nn.Sequential(conv(1, 16, 3, pad=1), relu(), conv(16, 16, 3, pad=1), relu(), nn.MaxPool2d(2),
                             conv(16, 32, 3, pad=1), relu(), conv(32, 32, 3, pad=1), relu(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 7 * 7, 64), relu(), nn.Linear(64, 10)), (1, 28, 28), False

    if name == "mini-resnet":
        class MiniResNet(nn.Module):
            def __init__(self):
                super().__init__()
                # conv 16 3x3 pad 1 nobias, batchnorm, relu as stem
                self.stem = nn.Sequential(conv(1, 16, 3, pad=1, bias=False), nn.BatchNorm2d(16), relu())
                # conv, batchnorm, relu, conv, batchnorm; add stem; relu as block1
                self.main1 = nn.Sequential(conv(16, 16, 3, pad=1, bias=False), nn.BatchNorm2d(16), relu(),
                                           conv(16, 16, 3, pad=1, bias=False), nn.BatchNorm2d(16))
                self.relu1 = relu()
                # conv 32 3x3 stride 2 pad 1 nobias, batchnorm, relu, conv 32 3x3 pad 1 nobias, batchnorm as main2
                self.main2 = nn.Sequential(conv(16, 32, 3, stride=2, pad=1, bias=False), nn.BatchNorm2d(32), relu(),
                                           conv(32, 32, 3, pad=1, bias=False), nn.BatchNorm2d(32))
                # conv 32 1x1 stride 2 nobias from block1, batchnorm; add main2
                self.shortcut2 = nn.Sequential(conv(16, 32, 1, stride=2, bias=False), nn.BatchNorm2d(32))
                # relu, maxpool 2x2, flatten, dense 10
                self.tail = nn.Sequential(relu(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))

            def forward(self, x):
                stem = self.stem(x)
                block1 = self.relu1(self.main1(stem) + stem)
                return self.tail(self.shortcut2(block1) + self.main2(block1))

        return MiniResNet(), (1, 28, 28), False

    if name == "mini-inception":
        class MiniInception(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Sequential(conv(1, 16, 3, pad=1), relu(), nn.MaxPool2d(2))  # ... maxpool 2x2 as stem
                self.b1 = conv(16, 8, 1)  # conv 8 1x1 as b1 (no ReLU of its own: the one after the concat)
                self.b2 = nn.Sequential(conv(16, 8, 1), relu(), conv(8, 12, 3, pad=1))  # from stem ... as b2
                self.b3 = nn.Sequential(conv(16, 4, 1), relu(), conv(4, 6, 5, pad=2))  # from stem ... as b3
                self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv(16, 6, 1))  # maxpool 3x3 stride 1 pad 1 from stem
                self.tail = nn.Sequential(relu(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))

            def forward(self, x):
                stem = self.stem(x)
                # concat b2 b3 b4 from b1: the inputs in the order b1, b2, b3, b4
                return self.tail(torch.cat([self.b1(stem), self.b2(stem), self.b3(stem), self.b4(stem)], 1))

        return MiniInception(), (1, 28, 28), False

    if name == "mini-densenet":
        class MiniDenseNet(nn.Module):
            def __init__(self):
                super().__init__()
                # conv 16 3x3 pad 1 (with bias, as the preset), batchnorm, relu, maxpool 2x2 as stem
                self.stem = nn.Sequential(conv(1, 16, 3, pad=1), nn.BatchNorm2d(16), relu(), nn.MaxPool2d(2))
                # three times: conv 8 3x3 pad 1, batchnorm, relu as newK; concat newK from the joined maps
                self.layers = nn.ModuleList(nn.Sequential(conv(c, 8, 3, pad=1), nn.BatchNorm2d(8), relu())
                                            for c in (16, 24, 32))
                # transition: conv 20 1x1, avgpool 2x2; flatten, dense 10
                self.tail = nn.Sequential(conv(40, 20, 1), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(20 * 7 * 7, 10))

            def forward(self, x):
                joined = self.stem(x)
                for layer in self.layers:
                    joined = torch.cat([joined, layer(joined)], 1)  # the earlier maps first, as the preset
                return self.tail(joined)

        return MiniDenseNet(), (1, 28, 28), False

    if name == "mini-mobilenet":  # depthwise 3x3 + pointwise 1x1 pairs, batch norm and ReLU after every convolution
        def cbr(i, o, k, stride=1, groups=1):
            return [conv(i, o, k, stride, k // 2, bias=False, groups=groups), nn.BatchNorm2d(o), relu()]
        return nn.Sequential(*cbr(1, 16, 3), *cbr(16, 16, 3, groups=16), *cbr(16, 32, 1),
                             *cbr(32, 32, 3, stride=2, groups=32), *cbr(32, 64, 1), *cbr(64, 64, 3, groups=64),
                             *cbr(64, 64, 1), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 7 * 7, 10)), \
            (1, 28, 28), False

    sys.exit(f"unknown model '{name}' (models: {', '.join(MODELS)})")


def count_params(model):
    return sum(p.numel() for p in model.parameters())  # batch norm's scale and shift, not its running statistics


def count_macs(model, shape):
    """Multiply-accumulates for one image as `convscope summary` counts them: convolutions and
    dense layers, biases left out."""
    import torch
    import torch.nn as nn
    macs = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs[0] += output.numel() * (module.in_channels // module.groups) * kh * kw
        elif isinstance(module, nn.Linear):
            macs[0] += module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, *shape))
    for h in handles:
        h.remove()
    assert tuple(out.shape) == (1, 10), f"the network gives {tuple(out.shape)}, not 10 class scores"
    return macs[0]


def pytorch_summary(a):
    model, shape, _ = build(a.model)
    print(json.dumps({"params": count_params(model), "macs": count_macs(model, shape), "input": list(shape)}))


def pytorch_bench(a):
    import torch
    import torch.nn as nn
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, shape, softmax = build(a.model)
    batch = a.batch or (TRAIN_BATCH if a.mode == "train" else INFER_BATCH)
    if a.images < batch:
        sys.exit(f"--images {a.images} must be at least the batch {batch}")
    x = torch.randn(batch, *shape)
    y = torch.arange(batch) % 10  # ConvScope's labels: i % classes
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if a.mode == "train":
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)  # Throughput.cpp: rate 0.01, momentum 0.9
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    else:
        model.eval()  # running statistics, as Network::setTraining(false)

        def step():
            with torch.no_grad():
                out = model(x)
                if softmax:
                    torch.softmax(out, dim=1)
    batches = a.images // batch
    for _ in range(max(5, batches // 10)):  # warm-up, as ConvScope's bench
        step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": batches * batch / seconds, "params": count_params(model),
                      "batch": batch, "images": batches * batch, "seconds": seconds, "threads": a.threads,
                      "torch": torch.__version__}))


def run_json(cmd):
    try:
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as e:
        sys.exit(f"{' '.join(cmd)} failed (exit {e.returncode}):\n{e.stderr.strip()}")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"{' '.join(cmd)} printed no JSON:\n{done.stdout}{done.stderr}")
    return lines[-1]


def check_network(a, name):
    """Both tools' parameter counts and MACs, or exit with what differs."""
    cs = run_json([a.convscope, "summary", name, "--json"])
    pt = run_json([PYTHON, __file__, "summary", name])
    if pt["params"] != cs["total_params"]:
        sys.exit(f"{name}: PyTorch's network has {pt['params']:,} parameters, ConvScope's {cs['total_params']:,}: "
                 "they are not the same network")
    if pt["macs"] != cs["total_macs"]:
        sys.exit(f"{name}: PyTorch's network does {pt['macs']:,} multiply-accumulates per image, ConvScope's "
                 f"{cs['total_macs']:,}: they are not the same network")
    return pt


def images_for(table, name, batch, quick):
    n = table[name]
    return max(batch, n // 20 // batch * batch) if quick else n


def measure(a, name, mode, params):
    batch = TRAIN_BATCH if mode == "train" else INFER_BATCH
    images = str(images_for(TRAIN_IMAGES if mode == "train" else INFER_IMAGES, name, batch, a.quick))
    cs, pt = [], []
    for _ in range(a.rounds):  # alternate, so both see the same machine state
        cs.append(run_json([a.convscope, "bench", mode, "--model", name, "--batch", str(batch), "--images", images,
                            "--threads", str(a.threads), "--json"])["images_per_second"])
        result = run_json([PYTHON, __file__, mode, name, "--batch", str(batch), "--images", images, "--threads",
                           str(a.threads)] + (["--channels-last"] if a.channels_last else []))
        if result["params"] != params:
            sys.exit(f"{name}: PyTorch's {mode} run has {result['params']:,} parameters, ConvScope's {params:,}")
        pt.append(result["images_per_second"])
    c, p = statistics.median(cs), statistics.median(pt)
    return {"batch": batch, "images": int(images), "convscope": c, "pytorch": p, "ratio": c / p,
            "convscope_rounds": cs, "pytorch_rounds": pt}


def compare(a):
    if not os.access(a.convscope, os.X_OK):
        sys.exit(f"no ConvScope binary at {a.convscope} (build it, or give --convscope PATH)")
    models = a.models.split(",") if a.models else MODELS
    for name in models:
        if name not in MODELS:
            sys.exit(f"unknown model '{name}' (models: {', '.join(MODELS)})")
    torch_version = subprocess.run([PYTHON, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                                   text=True).stdout.strip()
    nets = {name: check_network(a, name) for name in models}  # all the networks first: a mismatch stops before timing
    out = sys.stderr if a.json else sys.stdout  # with --json, the table goes to stderr as progress
    if a.params_only:
        print("| model | input | parameters (both) | MACs per image (both) |\n|---|---|---:|---:|", file=out)
    else:
        print(f"The lecture's architectures in small form: training (batch {TRAIN_BATCH}) and inference (batch "
              f"{INFER_BATCH}), {a.threads} threads, median of {a.rounds} alternating rounds, images/s"
              f"{' (--quick: a sanity run, not a measurement)' if a.quick else ''}\n", file=out)
        print(f"| model | input | parameters (both) | train ConvScope | train PyTorch {torch_version} | "
              f"ConvScope / PyTorch | infer ConvScope | infer PyTorch {torch_version} | ConvScope / PyTorch |",
              file=out)
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|", file=out)
    results = []
    for name in models:
        net = nets[name]
        params, size = net["params"], "×".join(map(str, net["input"]))
        row = {"model": name, "input": net["input"], "params": params, "convscope_params": params,
               "pytorch_params": params, "macs": net["macs"], "threads": a.threads, "torch": torch_version}
        if a.params_only:
            print(f"| {name} | {size} | {params:,} | {net['macs']:,} |", file=out, flush=True)
        else:
            row["train"] = measure(a, name, "train", params)
            row["infer"] = measure(a, name, "infer", params)
            t, i = row["train"], row["infer"]
            print(f"| {name} | {size} | {params:,} | {t['convscope']:,.0f} | {t['pytorch']:,.0f} | "
                  f"**{t['ratio']:.2f}×** | {i['convscope']:,.0f} | {i['pytorch']:,.0f} | **{i['ratio']:.2f}×** |",
                  file=out, flush=True)
        results.append(row)
    if a.json:
        print(json.dumps(results, indent=1))


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("train", "infer", "summary"):
        p = argparse.ArgumentParser(description="PyTorch's side alone")
        p.add_argument("mode", choices=["train", "infer", "summary"])
        p.add_argument("model", choices=MODELS)
        p.add_argument("--batch", type=int, default=0, help=f"default {TRAIN_BATCH} (train), {INFER_BATCH} (infer)")
        p.add_argument("--images", type=int, default=6400)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--channels-last", action="store_true", help="NHWC tensors and weights")
        a = p.parse_args()
        return pytorch_summary(a) if a.mode == "summary" else pytorch_bench(a)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--convscope", default=os.path.join(ROOT, "build", "release", "app", "convscope"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default="", help="comma-separated, of: " + ",".join(MODELS))
    p.add_argument("--quick", action="store_true", help="a twentieth of the images: a sanity run")
    p.add_argument("--json", action="store_true", help="a list of per-model objects on stdout")
    p.add_argument("--params-only", action="store_true", help="compare the networks, no timing")
    p.add_argument("--channels-last", action="store_true", help="PyTorch in NHWC (channels_last)")
    compare(p.parse_args())


if __name__ == "__main__":
    main()
