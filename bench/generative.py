#!/usr/bin/python3
"""Three generative models on the bundled digits (issue 30), ConvScope beside PyTorch 1.13 in one run:
a variational autoencoder (mini-vae), a generative adversarial network (mini-dcgan) and the GAN
application, super-resolution (mini-srgan).

mini-vae

Quality: `convscope train --model mini-vae --dataset digits --seed 1` with the preset's own recipe
(40 epochs of 64 images, Adam at 0.001, the negative ELBO: each image's Bernoulli reconstruction
of its pixels on the [0, 1] scale from the decoder's logits plus the KL divergence of its 16-number
code from N(0, I), in nats per image; 8,000 training digits, 2,000 test digits the training never
saw), timed wall to wall with the process's CPU time; the last epoch's test loss (the negative
ELBO) with its reconstruction and KL parts, the test loss by epoch, and `convscope eval` of the
saved model beside it (its codes drawn anew, so close to the last epoch's). The bar: within 3
minutes on 2 cores and at most 110 nats per test image. For scale: pytorch/examples' fully
connected VAE (784-400-20, batch 128, Adam 0.001) reaches 106.7 nats on MNIST's test set after 7
epochs, but of MNIST's 60,000 training images; the bundled digits are 8,000, so an epoch here is
under a seventh of one there.

Speed: training images per second of the same network written layer for layer in PyTorch
(the script checks that both have the same parameters): a step is forward (the code drawn as
z = mu + exp(0.5·logvar)·eps, eps ~ N(0, 1) anew each step), the negative ELBO (binary
cross-entropy with logits summed over the pixels plus the KL, both over the batch;
engine/generative/GenerativeLosses.h), backward and Adam's update, on one fixed random batch of 64
1x28x28 images uniform in [0, 1] (a VAE's targets are its input), after a warm-up; ConvScope's
side is `convscope bench train --model mini-vae --batch 64` (engine/training/Throughput.cpp: the
preset's recipe, TrainConfig::vae, and a batch uniform in [0, 1]). Both tools get the same thread
count; each run is its own process; rounds alternate between the tools and the table gives the
medians. Most of the margin is PyTorch's transposed convolutions, not ConvScope's merit: Debian's
PyTorch 1.13 computes an fp32 ConvTranspose2d with slow_conv_transpose2d (its oneDNN path is for
convolutions only, channels-last input or not) through the reference BLAS (BLAS_INFO=generic, as
BENCHMARKS.md notes for ConvNeXt), and deconv1 (64 -> 32, 7x7 -> 14x14) takes about 125 ms of its
155 ms a step of 64 on 2 cores (36 forward, 89 backward); a PyTorch with MKL or OpenBLAS would
narrow it.

mini-dcgan

Quality: `convscope train --model mini-dcgan --dataset digits --seed 1` with the preset's own
recipe (80 epochs of 64 images over the 8,000 training digits on the [0, 1] scale, Adam at 0.003 —
15 times DCGAN's 0.0002 — with β = (0.5, 0.999) for each network, the step below), timed wall to
wall with the process's CPU time (the saved model, generator and discriminator, is part of the
timed run); the last epoch's D(x) and D(G(z)) (the discriminator's mean probability of "real" on the training digits and on the
generator's images over the epoch, and the same on the 2,000 test digits and as many made from a
fixed seed). Then, not timed, `convscope generate` draws 1,000 samples from the saved generator
(noise seed 2) and LeNet-5 (resources/models/lenet5-digits.json) reads them: the fraction it reads
with probability >= 0.9 and how many it reads as each digit (mode collapse shows as a digit that
all but vanishes). The bar: within 10 minutes on 2 cores, at least 70 % of the samples read with
probability >= 0.9 and every digit at least 3 % of them.

Speed: real training images per second of both networks written layer for layer in PyTorch (the
script checks each network's layers and parameter count against `convscope summary` before
timing): a step is pytorch/examples' DCGAN step: z = randn(64, 64) anew each step, fake = G(z);
the discriminator's loss BCE-with-logits(D(real), 1) + BCE-with-logits(D(fake.detach()), 0),
each a mean over the batch, the two halves separate forwards (each its own batch statistics),
backward and D's Adam update; then the generator's loss BCE-with-logits(D(fake), 1) through the
updated D, backward (through D into G) and G's Adam update; both networks in training mode. The
real images are one fixed random batch of 64 1x28x28 images uniform in [0, 1], counted once per
step (64 images a step, though D sees 128 and then 64 again), after a warm-up. ConvScope's side
is `convscope bench train --model mini-dcgan --batch 64` (engine/training/Throughput.cpp: the
trainer's own GanStep, engine/generative/Gan.h, with the preset's recipe, a batch uniform in
[0, 1] and the noise drawn anew each step). Threads, processes, rounds and medians as for the
VAE. The generator holds the VAE decoder's two transposed convolutions, so PyTorch's slow
ConvTranspose2d (above) again weighs on its side.

mini-srgan and mini-srgan-4x

Quality: `convscope train --model mini-srgan --dataset digits --seed 1` twice with the preset's own
recipe (20 epochs of 64 images, Adam at 0.001 with β = (0.5, 0.999) for each network; the
generator is given each training digit averaged over 2×2 blocks, 14×14 — mini-srgan-4x: 4×4
blocks, 7×7 — and learns the mean squared error of its 28×28 image to the real digit plus a
weight times the adversarial loss):
once with the preset's weight (0.01) and once with --adversarial 0 (the plain reconstruction; the
discriminator still trains beside it, so it can say how real the plain model's digits look). Each
run is timed wall to wall. Then, not timed, `convscope upscale` sets both beside bicubic
interpolation on the 2,000 test digits the training never saw: the mean PSNR against the real
digit, the share of midtone pixels (between 0.25 and 0.75: neither ink nor paper), each model's own
discriminator's mean P(real) on its images, and how many LeNet-5 (resources/models/lenet5-digits.json)
reads as their labels. The issue sets no bar here; the lesson is the comparison.

Speed: real training images per second of both networks written layer for layer in PyTorch
(checked against `convscope summary` as for mini-dcgan): a step shrinks the fixed batch of 64
uniform images with avg_pool2d(2) (4 for mini-srgan-4x), makes G's images from it, takes the
discriminator's half as for mini-dcgan and then the generator's, MSE(G(x↓), x) +
0.01·BCE-with-logits(D(G(x↓)), 1) through the updated D; both Adams at the preset's recipe. ConvScope's side is `convscope bench
train --model mini-srgan --batch 64` (the trainer's own GanStep with the preset's weight).

ConvScope finds its data through CONVSCOPE_RESOURCES when it is set (the environment is passed on).

Usage: /usr/bin/python3 bench/generative.py [--convscope PATH]
                                            [--model mini-vae|mini-dcgan|mini-srgan|mini-srgan-4x|all]
                                            [--threads 2] [--rounds 3]
                                            [--speed-only] [--quality-only] [--epochs N]
           --model: which to run (default all: mini-vae's tables, then mini-dcgan's, then mini-srgan's).
           --epochs: fewer epochs than the preset's (40 for mini-vae, 80 for mini-dcgan, 20 for
           mini-srgan), for quick checks of the script only (the bar is then not judged).
       /usr/bin/python3 bench/generative.py train mini-vae|mini-dcgan|mini-srgan|mini-srgan-4x [--images N] [--threads N]
           PyTorch's side alone: for mini-vae {"images_per_second": x, "params": n}, for
           mini-dcgan and mini-srgan {"images_per_second": x, "params": generator's,
           "discriminator_params": d}.
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
MODEL = "mini-vae"
BATCH, SIZE, CODE = 64, 28, 16
IMAGES = 12800  # per timed run of ConvScope (a few seconds); PyTorch times a quarter of them
EPOCHS = 40  # the preset's (engine/network/Presets.cpp's presetRecipe)
BAR_SECONDS, BAR_NATS = 180, 110.0

GAN = "mini-dcgan"
NOISE = 64  # the generator's input: z ~ N(0, I)
GAN_IMAGES = 12800  # real images per timed run of ConvScope; PyTorch times GAN_IMAGES // GAN_PYTORCH_SHARE
GAN_PYTORCH_SHARE = 4
GAN_EPOCHS = 80  # the preset's (presetRecipe)
GAN_BAR_SECONDS, GAN_BAR_CONFIDENT, GAN_BAR_SMALLEST = 600, 0.70, 0.03
SAMPLES, SAMPLE_SEED = 1000, 2  # what `convscope generate` draws for the census
SR, SR4 = "mini-srgan", "mini-srgan-4x"
SR_FACTORS = {SR: 2, SR4: 4}  # 28×28 from 14×14, and from 7×7
SR_WEIGHT, SR_LR = 0.01, 0.001  # the presets' recipe (presetRecipe)
MODELS = (MODEL, GAN, SR, SR4)


def build():
    """The preset (engine/network/Presets.cpp's generativePresets) layer for layer."""
    import torch
    import torch.nn as nn

    class MiniVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.ReLU(),   # 32x14x14
                                         nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),  # 64x7x7
                                         nn.Flatten(),                                          # C, H, W order
                                         nn.Linear(64 * 7 * 7, 2 * CODE))                       # "dense 32 as code"
            self.decoder = nn.Sequential(nn.Linear(CODE, 64 * 7 * 7), nn.ReLU(),
                                         nn.Unflatten(1, (64, 7, 7)),                           # "reshape 64x7x7"
                                         nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),
                                         nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1))     # each pixel's logit

        def forward(self, x):
            code = self.encoder(x)
            mu, logvar = code[:, :CODE], code[:, CODE:]  # [mu | log sigma^2]
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)  # "sample"
            return self.decoder(z), mu, logvar

    return MiniVAE()


def elbo_loss(logits, x, mu, logvar):
    """The negative ELBO in nats per image: Σ over pixels of BCE with logits, plus
    KL = −½ Σ (1 + log σ² − μ² − σ²), both over the batch (GenerativeLosses.h)."""
    import torch
    import torch.nn.functional as F
    n = x.shape[0]
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (reconstruction + kl) / n


def build_generator():
    """mini-dcgan's generator (engine/network/Presets.cpp's generativePresets) layer for layer."""
    import torch.nn as nn
    return nn.Sequential(nn.Linear(NOISE, 64 * 7 * 7),                                     # "dense 3136"
                         nn.Unflatten(1, (64, 7, 7)),                                      # "reshape 64x7x7"
                         nn.BatchNorm2d(64), nn.ReLU(),
                         nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),               # 32x14x14
                         nn.BatchNorm2d(32), nn.ReLU(),
                         nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1), nn.Sigmoid())  # 1x28x28 in [0, 1]


def build_upscaler(name=SR):
    """mini-srgan's (or mini-srgan-4x's) generator (engine/network/Presets.cpp's generativePresets)
    layer for layer."""
    import torch.nn as nn
    layers = [nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(),                                 # 64x14x14 (64x7x7)
              nn.Conv2d(64, 64, 3, padding=1), nn.ReLU()]
    if name == SR4:
        layers += [nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1), nn.ReLU()]        # 64x14x14
    layers += [nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),            # 32x28x28
               nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid()]                             # 1x28x28 in [0, 1]
    return nn.Sequential(*layers)


# ---- mini-dcgan's (and mini-srgan's) DISCRIMINATOR: keep in step with ganDiscriminatorPresets() in engine/network/Presets.cpp.
# ---- Edit here when it changes (e.g. nn.Dropout(0.3) after each leaky ReLU);
# ---- gan_check() compares it layer by layer with `convscope summary` and stops at a mismatch.
def build_discriminator():
    import torch.nn as nn
    return nn.Sequential(nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),   # 32x14x14
                         nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # 64x7x7
                         nn.Flatten(),                                                  # C, H, W order
                         nn.Linear(64 * 7 * 7, 1))                                      # one logit, no sigmoid
# ---- end of the discriminator


def pytorch_train(name, images, threads):
    if name in (GAN, SR, SR4):
        return pytorch_train_gan(images, threads, name if name in SR_FACTORS else None)
    import torch
    if name != MODEL:
        sys.exit(f"only {' and '.join(MODELS)} are written in PyTorch here, not {name}")
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = build()
    params = sum(p.numel() for p in net.parameters())
    x = torch.rand(BATCH, 1, SIZE, SIZE)  # uniform in [0, 1]: the input is its own target
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    batches = images // BATCH

    def step():
        opt.zero_grad()
        logits, mu, logvar = net(x)
        loss = elbo_loss(logits, x, mu, logvar)
        loss.backward()
        opt.step()

    for _ in range(max(5, batches // 10)):
        step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    seconds = time.perf_counter() - start
    return {"images_per_second": batches * BATCH / seconds, "params": params}


def pytorch_train_gan(images, threads, upscaler=None):
    """pytorch/examples' DCGAN step on a fixed batch of real images uniform in [0, 1]; images per
    second counts each step's real images once. `upscaler` (mini-srgan or mini-srgan-4x): its step —
    the generator is given the batch shrunk 2×2 (4×4) and learns MSE + SR_WEIGHT × its adversarial loss."""
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    g, d = (build_upscaler(upscaler) if upscaler else build_generator()), build_discriminator()
    g.train(), d.train()  # batch statistics
    real = torch.rand(BATCH, 1, SIZE, SIZE)
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
    rate = SR_LR if upscaler else 0.003  # the preset's recipe
    opt_g = torch.optim.Adam(g.parameters(), lr=rate, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=rate, betas=(0.5, 0.999))
    batches = images // BATCH

    def step():
        fake = g(F.avg_pool2d(real, SR_FACTORS[upscaler]) if upscaler else torch.randn(BATCH, NOISE))
        opt_d.zero_grad()  # the discriminator: real labelled 1, made labelled 0, each half its own forward
        loss_d = (F.binary_cross_entropy_with_logits(d(real), ones) +
                  F.binary_cross_entropy_with_logits(d(fake.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()  # the generator: the same images through the updated discriminator, labelled real
        loss_g = F.binary_cross_entropy_with_logits(d(fake), ones)
        if upscaler:
            loss_g = F.mse_loss(fake, real) + SR_WEIGHT * loss_g
        loss_g.backward()
        opt_g.step()

    for _ in range(max(5, batches // 10)):
        step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    seconds = time.perf_counter() - start
    return {"images_per_second": batches * BATCH / seconds, "params": sum(p.numel() for p in g.parameters()),
            "discriminator_params": sum(p.numel() for p in d.parameters())}


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ).stdout
    return json.loads(out.strip().splitlines()[-1])


def timed_train(convscope, name, threads, epochs, folder, extra=(), file=None):
    """`convscope train --model NAME --dataset digits --seed 1` with the preset's recipe (`epochs`:
    fewer, for quick checks; `extra`: more options), the saved model (`file`, else NAME.json) part of
    the timed run: (saved path, each epoch's JSON, wall seconds, CPU seconds)."""
    path = os.path.join(folder, file or name + ".json")
    cmd = [convscope, "train", "--model", name, "--dataset", "digits", "--seed", "1", "--threads", str(threads),
           "--json", "--save", path, *extra]
    if epochs is not None:
        cmd += ["--epochs", str(epochs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return path, [json.loads(line) for line in out.strip().splitlines()], wall, cpu


def quality(convscope, name, threads, epochs=None):
    """The preset's own recipe on the digits: wall seconds, CPU seconds, each epoch's figures,
    then `convscope eval` of the saved model (not timed). `epochs`: fewer, for quick checks."""
    with tempfile.TemporaryDirectory() as folder:
        path, epochs_run, wall, cpu = timed_train(convscope, name, threads, epochs, folder)
        evaluation = run_json([convscope, "eval", "--model", path, "--dataset", "digits", "--json"])
    last = epochs_run[-1]
    return {"model": name, "wall_seconds": wall, "cpu_seconds": cpu, "epochs": len(epochs_run),
            "test_loss": last["test_loss"], "test_reconstruction": last["test_reconstruction"],
            "test_kl": last["test_kl"], "loss_by_epoch": [(e["epoch"], e["test_loss"]) for e in epochs_run],
            "eval": evaluation}


def resources_dir():
    return os.environ.get("CONVSCOPE_RESOURCES") or os.path.join(ROOT, "resources")


def gan_quality(convscope, threads, epochs=None):
    """mini-dcgan's own recipe on the digits: wall seconds, CPU seconds, each epoch's figures, then
    (not timed) SAMPLES samples from the saved generator read by LeNet-5. `epochs`: fewer, for quick checks."""
    classifier = os.path.join(resources_dir(), "models", "lenet5-digits.json")
    if not os.path.isfile(classifier):
        sys.exit(f"{GAN}: no LeNet-5 for the census at {classifier} (set CONVSCOPE_RESOURCES)")
    with tempfile.TemporaryDirectory() as folder:
        path, epochs_run, wall, cpu = timed_train(convscope, GAN, threads, epochs, folder)
        census = run_json([convscope, "generate", "--model", path, "--count", str(SAMPLES), "--seed",
                           str(SAMPLE_SEED), "--census", classifier, "--json"])["census"]
    return {"wall_seconds": wall, "cpu_seconds": cpu, "epochs": len(epochs_run), "last": epochs_run[-1],
            "census": census}


def every_fifth(by_epoch):
    """The first epoch, every 5th and the last, as 'epoch: nats'."""
    last = by_epoch[-1][0]
    return ", ".join(f"{e}: {v:.1f}" for e, v in by_epoch if e == 1 or e % 5 == 0 or e == last)


def vae_tables(args):
    """mini-vae's quality table, then its speed table."""
    m = MODEL
    if not args.speed_only:
        q = quality(args.convscope, m, args.threads, args.epochs)
        e = q["eval"]
        if args.epochs is None or args.epochs == EPOCHS:
            bar = "yes" if q["wall_seconds"] <= BAR_SECONDS and q["test_loss"] <= BAR_NATS else "no"
        else:
            bar = f"not judged ({q['epochs']} epochs)"
        print("| model | epochs | wall time | CPU time | test loss (−ELBO) | reconstruction + KL | eval loss | "
              "eval reconstruction + KL | within 3 min and ≤ 110 nats | test loss by epoch |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        print(f"| {m} | {q['epochs']} | {q['wall_seconds']:.0f} s | {q['cpu_seconds']:.0f} s | "
              f"**{q['test_loss']:.1f}** | {q['test_reconstruction']:.1f} + {q['test_kl']:.1f} | {e['loss']:.1f} | "
              f"{e['reconstruction']:.1f} + {e['kl']:.1f} | {bar} | {every_fifth(q['loss_by_epoch'])} |", flush=True)
        print()
        print(f"Nats per test image ({e['images']} images); eval draws its codes anew.", flush=True)
    if args.quality_only:
        return
    print()
    print("| model | parameters (both) | training: ConvScope | PyTorch | ratio |")
    print("|---|---:|---:|---:|---:|")
    summary = run_json([args.convscope, "summary", "--model", m, "--json"])
    ours, theirs = [], []
    params = None
    for _ in range(args.rounds):
        c = run_json([args.convscope, "bench", "train", "--model", m, "--batch", str(BATCH), "--images",
                      str(IMAGES), "--threads", str(args.threads), "--json"])
        t = run_json([PYTHON, __file__, "train", m, "--images", str(IMAGES // 4), "--threads",
                      str(args.threads)])
        ours.append(c["images_per_second"])
        theirs.append(t["images_per_second"])
        params = t["params"]
    if params != summary["total_params"]:
        sys.exit(f"{m}: PyTorch's network has {params} parameters, ConvScope's {summary['total_params']}")
    o, p = statistics.median(ours), statistics.median(theirs)
    print(f"| {m} | {params:,} | {o:,.0f} | {p:,.0f} | **{o / p:.2f}×** |", flush=True)


# ConvScope's layer types (`convscope summary`) for PyTorch's modules.
KINDS = {"Linear": "Dense", "Conv2d": "Conv2D", "ConvTranspose2d": "ConvTranspose2D", "BatchNorm2d": "BatchNorm",
         "ReLU": "Activation", "LeakyReLU": "Activation", "Sigmoid": "Activation", "Tanh": "Activation",
         "Flatten": "Flatten", "Unflatten": "Reshape", "Dropout": "Dropout", "Dropout2d": "Dropout"}


def torch_layers(net):
    """[(ConvScope's type, parameters)] for each module of an nn.Sequential."""
    return [(KINDS.get(type(m).__name__, type(m).__name__), sum(p.numel() for p in m.parameters())) for m in net]


def gan_check(summary, name=GAN):
    """Stops with a message naming the network when PyTorch's generator or discriminator differs
    from ConvScope's (`convscope summary --model NAME --json`) in parameters or layers."""
    networks = (("generator", build_upscaler(name) if name in SR_FACTORS else build_generator(), summary),
                ("discriminator", build_discriminator(), summary["discriminator"]))
    for which, net, ours in networks:
        theirs = torch_layers(net)
        params = sum(p for _, p in theirs)
        if params != ours["total_params"]:
            sys.exit(f"{name}: PyTorch's {which} has {params} parameters, ConvScope's {ours['total_params']} "
                     f"(edit build_{which}() in {os.path.relpath(__file__, ROOT)})")
        layers = [(layer["type"], layer["params"]) for layer in ours["layers"]]
        if theirs != layers:
            def show(ls):
                return ", ".join(f"{t} {p}" if p else t for t, p in ls)
            sys.exit(f"{name}: PyTorch's {which} has the layers [{show(theirs)}], ConvScope's [{show(layers)}] "
                     f"(edit build_{which}() in {os.path.relpath(__file__, ROOT)})")


def gan_tables(args):
    """mini-dcgan's quality table, then its speed table."""
    m = GAN
    if not args.speed_only:
        q = gan_quality(args.convscope, args.threads, args.epochs)
        c, last = q["census"], q["last"]
        counts = c["counts"]
        rarest = ", ".join(str(k) for k, n in enumerate(counts) if n == min(counts))  # ties: each of them
        if args.epochs is None or args.epochs == GAN_EPOCHS:
            bar = "yes" if (q["wall_seconds"] <= GAN_BAR_SECONDS and c["confident"] >= GAN_BAR_CONFIDENT and
                            c["smallest_class"] >= GAN_BAR_SMALLEST) else "no"
        else:
            bar = f"not judged ({q['epochs']} epochs)"
        print("| model | epochs | wall time | CPU time | confident (p ≥ 0.9) | rarest digit(s) | samples per digit 0–9 | "
              "within 10 min, ≥ 70 % and every digit ≥ 3 % | D(x) / D(G(z)), last epoch (test) |")
        print("|---|---:|---:|---:|---:|---:|---|---|---|")
        print(f"| {m} | {q['epochs']} | {q['wall_seconds']:.0f} s | {q['cpu_seconds']:.0f} s | "
              f"**{100 * c['confident']:.1f} %** | {rarest}: **{100 * c['smallest_class']:.1f} %** | "
              f"{', '.join(str(k) for k in counts)} | {bar} | {last['real_score']:.2f} / {last['fake_score']:.2f} "
              f"({last['test_real_score']:.2f} / {last['test_fake_score']:.2f}) |", flush=True)
        print()
        print(f"{sum(counts)} samples from the saved generator (noise seed {SAMPLE_SEED}) read by LeNet-5 "
              "(resources/models/lenet5-digits.json); confident: its probability ≥ 0.9. D(x) and D(G(z)): the "
              "discriminator's mean probability of real over the last epoch (test: the test digits and as many "
              "made from a fixed seed).", flush=True)
    if args.quality_only:
        return
    if not args.speed_only:
        print()
    gan_speed(args, m)


def gan_speed(args, m):
    """Both players' training speed, ConvScope beside PyTorch: the table and its note."""
    summary = run_json([args.convscope, "summary", "--model", m, "--json"])
    gan_check(summary, m)  # before anything is timed
    print("| model | parameters (G + D) | training: ConvScope | PyTorch | ratio |")
    print("|---|---:|---:|---:|---:|")
    ours, theirs = [], []
    for _ in range(args.rounds):
        c = run_json([args.convscope, "bench", "train", "--model", m, "--batch", str(BATCH), "--images",
                      str(GAN_IMAGES), "--threads", str(args.threads), "--json"])
        t = run_json([PYTHON, __file__, "train", m, "--images", str(GAN_IMAGES // GAN_PYTORCH_SHARE), "--threads",
                      str(args.threads)])
        ours.append(c["images_per_second"])
        theirs.append(t["images_per_second"])
        params, d_params = t["params"], t["discriminator_params"]
        for which, n, o in (("generator", params, summary["total_params"]),
                            ("discriminator", d_params, summary["discriminator"]["total_params"])):
            if n != o:
                sys.exit(f"{m}: PyTorch's {which} has {n} parameters, ConvScope's {o}")
    o, p = statistics.median(ours), statistics.median(theirs)
    print(f"| {m} | {params:,} + {d_params:,} | {o:,.0f} | {p:,.0f} | **{o / p:.2f}×** |", flush=True)
    print()
    print("Images per second: real images, one batch of 64 a step (the generator makes as many, the discriminator "
          "judges both halves, then the made half again).", flush=True)


def sr_tables(args, m):
    """mini-srgan's (or mini-srgan-4x's) comparison (the plain reconstruction against the adversarial
    one), then its speed."""
    side = SIZE // SR_FACTORS[m]
    if not args.speed_only:
        classifier = os.path.join(resources_dir(), "models", "lenet5-digits.json")
        if not os.path.isfile(classifier):
            sys.exit(f"{m}: no LeNet-5 to read the upscaled digits at {classifier} (set CONVSCOPE_RESOURCES)")
        runs = []
        with tempfile.TemporaryDirectory() as folder:
            for label, weight in (("MSE + GAN", SR_WEIGHT), ("plain (MSE)", 0)):
                path, epochs_run, wall, cpu = timed_train(args.convscope, m, args.threads, args.epochs, folder,
                                                          ("--adversarial", str(weight)), f"sr-{weight}.json")
                runs.append((label, weight, path, epochs_run, wall, cpu))
            up = run_json([args.convscope, "upscale", "--model", ",".join(r[2] for r in runs), "--classifier",
                           classifier, "--json"])
        print("| model | adversarial weight | epochs | wall time | test PSNR | midtone pixels | "
              "its D's P(real) | LeNet-5 reads right |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        b, r = up["bicubic"], up["real"]
        print(f"| bicubic (learns nothing) | – | – | – | {b['psnr']:.2f} dB | {100 * b['midtones']:.1f} % | – | "
              f"{100 * b['accuracy']:.1f} % |")
        for (label, weight, _, epochs_run, wall, _), res in zip(runs, up["models"]):
            print(f"| {m}, {label} | {weight} | {len(epochs_run)} | {wall:.0f} s | **{res['psnr']:.2f} dB** | "
                  f"{100 * res['midtones']:.1f} % | **{res['real_score']:.2f}** | {100 * res['accuracy']:.1f} % |")
        print(f"| the real digits | – | – | – | – | {100 * r['midtones']:.1f} % | – | {100 * r['accuracy']:.1f} % |")
        print()
        print(f"{up['images']} test digits, each averaged over {SR_FACTORS[m]}×{SR_FACTORS[m]} blocks to {side}×{side} "
              "and made 28×28 again "
              "(`convscope upscale`); PSNR: the mean over the digits against the real one; midtones: pixels between "
              "0.25 and 0.75; P(real): the model's own discriminator on its images.", flush=True)
    if args.quality_only:
        return
    if not args.speed_only:
        print()
    gan_speed(args, m)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "train":
        a = argparse.ArgumentParser()
        a.add_argument("what")
        a.add_argument("model", choices=MODELS)
        a.add_argument("--images", type=int, default=640)
        a.add_argument("--threads", type=int, default=2)
        args = a.parse_args()
        print(json.dumps(pytorch_train(args.model, args.images, args.threads)))
        return
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    a.add_argument("--model", choices=MODELS + ("all",), default="all",
                   help="which to run (default all: mini-vae's tables, then mini-dcgan's, mini-srgan's and "
                        "mini-srgan-4x's)")
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--speed-only", action="store_true")
    a.add_argument("--quality-only", action="store_true")
    a.add_argument("--epochs", type=int, default=None,
                   help="quick checks of the script only: fewer epochs than the preset's (40 for mini-vae, 80 for "
                        "mini-dcgan, 20 for mini-srgan; the bar is not judged)")
    args = a.parse_args()
    if args.model in (MODEL, "all"):
        vae_tables(args)
    if args.model == "all":
        print(flush=True)
    if args.model in (GAN, "all"):
        gan_tables(args)
    if args.model == "all":
        print(flush=True)
    for m in (SR, SR4):
        if args.model in (m, "all"):
            if args.model == "all" and m == SR4:
                print(flush=True)
            sr_tables(args, m)


if __name__ == "__main__":
    main()
