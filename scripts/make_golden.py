#!/usr/bin/python3
"""Golden tensors from an independent oracle (PyTorch) for the engine's tests.

Run with Debian's PyTorch: /usr/bin/python3 scripts/make_golden.py
Writes tests/data/golden.json: a list of cases, each with the op, its configuration and
the src/weights/bias/dst tensors as {"shape": [...], "data": [...]} (float32 values).
Random configurations cover dilation, stride, asymmetric padding and groups; the lecture's
examples are included as PyTorch computes them. Deterministic: fixed seed.
"""
import json
import os
import random

import torch
import torch.nn.functional as F

torch.manual_seed(504)
random.seed(504)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "golden.json")


def t(x):
    x = x.detach().contiguous().float()
    return {"shape": list(x.shape), "data": [float(v) for v in x.flatten().tolist()]}


def conv_case(name, n, c_in, c_out, h, w, kh, kw, stride, pad, dil, groups, bias=True, src=None, weights=None, b=None):
    """pad = (top, bottom, left, right); asymmetric padding is F.pad then an unpadded conv."""
    if src is None:
        src = torch.randn(n, c_in, h, w)
    if weights is None:
        weights = torch.randn(c_out, c_in // groups, kh, kw)
    if bias and b is None:
        b = torch.randn(c_out)
    top, bottom, left, right = pad
    padded = F.pad(src, (left, right, top, bottom))
    dst = F.conv2d(padded, weights, b if bias else None, stride=stride, dilation=dil, groups=groups)
    case = {"op": "conv2d", "name": name,
            "geometry": {"kernel": [kh, kw], "stride": list(stride), "padding": list(pad),
                         "dilation": list(dil), "groups": groups},
            "src": t(src), "weights": t(weights), "dst": t(dst)}
    if bias:
        case["bias"] = t(b)
    return case


def pool_case(name, mode, n, c, h, w, k, stride, pad):
    src = torch.randn(n, c, h, w) * 3
    top, bottom, left, right = pad
    if mode == "max":
        padded = F.pad(src, (left, right, top, bottom), value=float("-inf"))
        dst = F.max_pool2d(padded, k, stride)
    else:
        padded = F.pad(src, (left, right, top, bottom))  # zeros counted, as count_include_pad=True
        if mode == "avg":
            dst = F.avg_pool2d(padded, k, stride)
        else:  # sum: an all-ones depthwise convolution, independent of avg_pool
            ones = torch.ones(c, 1, k[0], k[1])
            dst = F.conv2d(padded, ones, stride=stride, groups=c)
    return {"op": "pool2d", "name": name,
            "geometry": {"mode": mode, "kernel": list(k), "stride": list(stride), "padding": list(pad)},
            "src": t(src), "dst": t(dst)}


cases = []
# Random convolutions: dilation, stride, asymmetric padding, groups (incl. depthwise), batch.
for i in range(16):
    groups_kind = random.choice(["one", "some", "depthwise"])
    if groups_kind == "depthwise":
        c_in = random.randint(2, 5); groups = c_in; c_out = c_in * random.choice([1, 2])
    elif groups_kind == "some":
        groups = random.choice([2, 3]); c_in = groups * random.randint(1, 3); c_out = groups * random.randint(1, 3)
    else:
        groups = 1; c_in = random.randint(1, 4); c_out = random.randint(1, 5)
    kh, kw = random.randint(1, 5), random.randint(1, 5)
    dil = (random.randint(1, 3), random.randint(1, 3))
    stride = (random.randint(1, 3), random.randint(1, 3))
    pad = tuple(random.randint(0, 3) for _ in range(4))
    h = random.randint(dil[0] * (kh - 1) + 1, 17)
    w = random.randint(dil[1] * (kw - 1) + 1, 17)
    cases.append(conv_case(f"random-{i}", random.randint(1, 3), c_in, c_out, h, w, kh, kw, stride, pad, dil,
                           groups, bias=random.random() < 0.8))

for i in range(8):
    mode = ["max", "avg", "sum"][i % 3]
    k = (random.randint(1, 4), random.randint(1, 4))
    stride = (random.randint(1, 3), random.randint(1, 3))
    pad = (random.randint(0, k[0] - 1), random.randint(0, k[0] - 1), random.randint(0, k[1] - 1),
           random.randint(0, k[1] - 1))
    cases.append(pool_case(f"pool-{mode}-{i}", mode, random.randint(1, 3), random.randint(1, 4),
                           random.randint(k[0], 13), random.randint(k[1], 13), k, stride, pad))

x = torch.randn(2, 3, 5, 7) * 2
for name, fn in [("relu", F.relu), ("leaky-relu", lambda v: F.leaky_relu(v, 0.01)), ("tanh", torch.tanh),
                 ("sigmoid", torch.sigmoid)]:
    cases.append({"op": "activation", "name": name, "activation": name, "alpha": 0.01, "src": t(x), "dst": t(fn(x))})
# The activations of the networks after 2015, with their parameter where they have one (a
# wider range, so that hard swish and hard sigmoid meet both their bends at -3 and 3).
MODERN = [("elu", 0.7, lambda v: F.elu(v, 0.7)), ("hard-sigmoid", 1 / 6, F.hardsigmoid),
          ("hard-swish", 0.0, F.hardswish), ("silu", 0.0, F.silu), ("selu", 0.0, F.selu),
          ("gelu", 0.0, F.gelu), ("gelu-tanh", 0.0, lambda v: F.gelu(v, approximate="tanh"))]
# (appended last, each: the cases before them keep their draws)
MODERN_RANDOM = torch.Generator().manual_seed(26)  # its own draws: the cases before and after stay as they were
x_wide = torch.randn(2, 3, 5, 7, generator=MODERN_RANDOM) * 3
for name, alpha, fn in MODERN:
    cases.append({"op": "activation", "name": name, "activation": name, "alpha": alpha, "src": t(x_wide),
                  "dst": t(fn(x_wide))})

src = torch.randn(3, 37)
weights = torch.randn(11, 37)
b = torch.randn(11)
cases.append({"op": "dense", "name": "dense-37-11", "src": t(src), "weights": t(weights), "bias": t(b),
              "dst": t(F.linear(src, weights, b))})
logits = torch.randn(4, 10) * 5
cases.append({"op": "softmax", "name": "softmax-10", "src": t(logits), "dst": t(F.softmax(logits, dim=1))})

# The lecture's examples, as PyTorch computes them.
six = torch.tensor([[1, 0, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 0], [1, 0, 0, 0, 1, 0],
                    [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0]], dtype=torch.float32).view(1, 1, 6, 6)
filter1 = torch.tensor([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=torch.float32).view(1, 1, 3, 3)
filter2 = torch.tensor([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]], dtype=torch.float32).view(1, 1, 3, 3)
bank = torch.cat([filter1, filter2])
cases.append(conv_case("lecture-six-bank", 1, 1, 2, 6, 6, 3, 3, (1, 1), (0, 0, 0, 0), (1, 1), 1, bias=False,
                       src=six, weights=bank))
cases.append(conv_case("lecture-six-filter1-stride2", 1, 1, 1, 6, 6, 3, 3, (2, 2), (0, 0, 0, 0), (1, 1), 1,
                       bias=False, src=six, weights=filter1))
stride_src = torch.tensor([[2, 2, 3, 3, 3], [0, 1, 3, 0, 3], [2, 3, 0, 1, 3], [3, 3, 2, 1, 2], [3, 3, 0, 2, 3]],
                          dtype=torch.float32).view(1, 1, 5, 5)
stride_kernel = torch.tensor([[2, 0, 1], [1, 0, 0], [0, 1, 1]], dtype=torch.float32).view(1, 1, 3, 3)
cases.append(conv_case("lecture-stride-2", 1, 1, 1, 5, 5, 3, 3, (2, 2), (1, 1, 1, 1), (1, 1), 1, bias=False,
                       src=stride_src, weights=stride_kernel))

# ---- backward passes: gradients of sum(dst * diff_dst) by autograd -------------------
def grads(fn, tensors, diff_dst):
    ts = [x.clone().requires_grad_(True) for x in tensors]
    out = fn(*ts)
    out.backward(diff_dst)
    return out, [x.grad for x in ts]


for i in range(6):
    groups = [1, 1, 2, 3, 1, 4][i]
    c_in = groups * random.randint(1, 3)
    c_out = groups * random.randint(1, 3)
    kh, kw = random.randint(1, 4), random.randint(1, 4)
    dil = (random.randint(1, 2), random.randint(1, 3))
    stride = (random.randint(1, 3), random.randint(1, 2))
    pad = tuple(random.randint(0, 2) for _ in range(4))
    h = random.randint(dil[0] * (kh - 1) + 1, 12)
    w = random.randint(dil[1] * (kw - 1) + 1, 12)
    src = torch.randn(random.randint(1, 3), c_in, h, w)
    weights = torch.randn(c_out, c_in // groups, kh, kw)
    b = torch.randn(c_out)
    top, bottom, left, right = pad
    fn = lambda x, wt, bb: F.conv2d(F.pad(x, (left, right, top, bottom)), wt, bb, stride=stride, dilation=dil,
                                    groups=groups)
    dst = fn(src, weights, b)
    diff_dst = torch.randn(dst.shape)
    _, (d_src, d_w, d_b) = grads(fn, [src, weights, b], diff_dst)
    cases.append({"op": "conv2d_backward", "name": f"conv-backward-{i}",
                  "geometry": {"kernel": [kh, kw], "stride": list(stride), "padding": list(pad),
                               "dilation": list(dil), "groups": groups},
                  "src": t(src), "weights": t(weights), "diff_dst": t(diff_dst),
                  "diff_src": t(d_src), "diff_weights": t(d_w), "diff_bias": t(d_b)})

for i, mode in enumerate(["max", "avg", "sum", "max"]):
    k = (2, 2) if i < 3 else (3, 2)
    stride = (2, 2) if i < 3 else (2, 1)
    pad = (0, 0, 0, 0) if i < 3 else (1, 0, 0, 1)
    src = torch.randn(2, 3, 7, 6)
    top, bottom, left, right = pad
    if mode == "max":
        fn = lambda x: F.max_pool2d(F.pad(x, (left, right, top, bottom), value=float("-inf")), k, stride)
    elif mode == "avg":
        fn = lambda x: F.avg_pool2d(F.pad(x, (left, right, top, bottom)), k, stride)
    else:
        fn = lambda x: F.conv2d(F.pad(x, (left, right, top, bottom)), torch.ones(3, 1, *k), stride=stride, groups=3)
    dst = fn(src)
    diff_dst = torch.randn(dst.shape)
    _, (d_src,) = grads(fn, [src], diff_dst)
    cases.append({"op": "pool2d_backward", "name": f"pool-backward-{mode}-{i}",
                  "geometry": {"mode": mode, "kernel": list(k), "stride": list(stride), "padding": list(pad)},
                  "src": t(src), "diff_dst": t(diff_dst), "diff_src": t(d_src)})

x = torch.randn(2, 3, 4, 5) * 2
for name, fn in [("relu", F.relu), ("leaky-relu", lambda v: F.leaky_relu(v, 0.01)), ("tanh", torch.tanh),
                 ("sigmoid", torch.sigmoid)]:
    diff_dst = torch.randn(x.shape)
    dst, (d_src,) = grads(fn, [x], diff_dst)
    cases.append({"op": "activation_backward", "name": name + "-backward", "activation": name, "alpha": 0.01,
                  "src": t(x), "dst": t(dst), "diff_dst": t(diff_dst), "diff_src": t(d_src)})
x_wide = torch.randn(2, 3, 4, 5, generator=MODERN_RANDOM) * 3
for name, alpha, fn in MODERN:
    diff_dst = torch.randn(x_wide.shape, generator=MODERN_RANDOM)
    dst, (d_src,) = grads(fn, [x_wide], diff_dst)
    cases.append({"op": "activation_backward", "name": name + "-backward", "activation": name, "alpha": alpha,
                  "src": t(x_wide), "dst": t(dst), "diff_dst": t(diff_dst), "diff_src": t(d_src)})

src, weights, b = torch.randn(5, 23), torch.randn(7, 23), torch.randn(7)
diff_dst = torch.randn(5, 7)
_, (d_src, d_w, d_b) = grads(F.linear, [src, weights, b], diff_dst)
cases.append({"op": "dense_backward", "name": "dense-backward", "src": t(src), "weights": t(weights),
              "diff_dst": t(diff_dst), "diff_src": t(d_src), "diff_weights": t(d_w), "diff_bias": t(d_b)})
logits = torch.randn(4, 6) * 3
diff_dst = torch.randn(4, 6)
dst, (d_src,) = grads(lambda v: F.softmax(v, dim=1), [logits], diff_dst)
cases.append({"op": "softmax_backward", "name": "softmax-backward", "dst": t(dst), "diff_dst": t(diff_dst),
              "diff_src": t(d_src)})

# ---- losses on logits: mean cross-entropy, and the lecture's ½Σ(t − softmax)² --------
logits = torch.randn(8, 10) * 2
labels = torch.randint(0, 10, (8,))
for loss_name in ["ce", "mse"]:
    z = logits.clone().requires_grad_(True)
    if loss_name == "ce":
        loss = F.cross_entropy(z, labels)
    else:
        loss = (0.5 * (F.one_hot(labels, 10).float() - F.softmax(z, dim=1)) ** 2).sum(dim=1).mean()
    loss.backward()
    cases.append({"op": "loss", "name": "loss-" + loss_name, "loss": loss_name, "logits": t(logits),
                  "labels": labels.tolist(), "value": float(loss), "diff_logits": t(z.grad)})

# ---- optimizers: three steps of SGD (momentum, weight decay) and Adam ---------------
for opt_name in ["sgd", "adam"]:
    w0 = torch.randn(3, 4)
    gs = [torch.randn(3, 4) for _ in range(3)]
    w = w0.clone().requires_grad_(True)
    if opt_name == "sgd":
        opt = torch.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)
    else:
        opt = torch.optim.Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    for g in gs:
        w.grad = g.clone()
        opt.step()
    cases.append({"op": "optimizer", "name": "optimizer-" + opt_name, "optimizer": opt_name, "start": t(w0),
                  "gradients": [t(g) for g in gs], "result": t(w.detach())})

# ---- one convolution and the lecture's error E = ½Σ(target − output)²: all gradients --
# (`convscope gradient`); appended last, so the cases above keep their random draws.
def conv_gradient_case(name, src, weights, b, target, stride, pad, dil, groups=1):
    top, bottom, left, right = pad
    x, w, bb = (v.clone().requires_grad_(True) for v in (src, weights, b))
    out = F.conv2d(F.pad(x, (left, right, top, bottom)), w, bb, stride=stride, dilation=dil, groups=groups)
    loss = 0.5 * ((target - out) ** 2).sum()
    loss.backward()
    kh, kw = weights.shape[2], weights.shape[3]
    return {"op": "conv_gradient", "name": name,
            "geometry": {"kernel": [kh, kw], "stride": list(stride), "padding": list(pad),
                         "dilation": list(dil), "groups": groups},
            "src": t(src), "weights": t(weights), "bias": t(b), "target": t(target), "output": t(out),
            "loss": float(loss), "diff_weights": t(w.grad), "diff_bias": t(bb.grad), "diff_src": t(x.grad)}


for i, (c_in, c_out, kh, kw, stride, pad, dil) in enumerate(
        [(3, 2, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)), (2, 3, 3, 2, (2, 1), (0, 1, 2, 0), (1, 2)),
         (1, 1, 2, 2, (1, 2), (1, 0, 0, 1), (2, 1))]):
    src = torch.randn(1, c_in, 7, 6)
    weights = torch.randn(c_out, c_in, kh, kw)
    b = torch.randn(c_out)
    with torch.no_grad():
        shape = F.conv2d(F.pad(src, (pad[2], pad[3], pad[0], pad[1])), weights, b, stride=stride, dilation=dil).shape
    cases.append(conv_gradient_case(f"conv-gradient-{i}", src, weights, b, torch.randn(shape), stride, pad, dil))
# The lecture's 6×6 image and filter 1 with a target of 0 everywhere.
cases.append(conv_gradient_case("lecture-six-filter1-gradient", six, filter1, torch.zeros(1), torch.zeros(1, 1, 4, 4),
                                (1, 1), (0, 0, 0, 0), (1, 1)))

# Graph networks: a residual block with a strided 1x1 projection, an inception module and a
# dense block with its transition, each written as a ConvScope layer list and as the same
# computation in PyTorch. Parameters in ConvScope's order (layer by layer, weights then bias);
# the loss is sum(output * r) for a random r, so diff_dst = r.
def conv(x, w, b, stride=1, pad=0):
    return F.conv2d(x, w, b, stride=stride, padding=pad)


def graph_case(name, layers, src_shape, param_shapes, fn):
    src = torch.randn(*src_shape, requires_grad=True)
    params = [torch.randn(*s) * (0.5 if len(s) == 4 else 0.1) for s in param_shapes]
    for p_ in params:
        p_.requires_grad_(True)
    dst = fn(src, params)
    r = torch.randn(dst.shape)
    (dst * r).sum().backward()
    return {"op": "graph", "name": name, "layers": layers, "src": t(src.detach()),
            "params": [t(p_.detach()) for p_ in params], "r": t(r), "dst": t(dst.detach()),
            "diff_src": t(src.grad), "diff_params": [t(p_.grad) for p_ in params]}


def residual(x, p):
    h = F.relu(conv(x, p[0], p[1], stride=2, pad=1))
    h = conv(h, p[2], p[3], pad=1)
    shortcut = conv(x, p[4], p[5], stride=2)
    return F.relu(shortcut + h)


cases.append(graph_case("residual-block-projection", """input 4x8x8
conv 8 3x3 stride 2 pad 1
relu
conv 8 3x3 pad 1 as main
conv 8 1x1 stride 2 from input as shortcut
add main
relu
""", (2, 4, 8, 8), [(8, 4, 3, 3), (8,), (8, 8, 3, 3), (8,), (8, 4, 1, 1), (8,)], residual))


def inception(x, p):
    b1 = conv(x, p[0], p[1])
    b2 = conv(F.relu(conv(x, p[2], p[3])), p[4], p[5], pad=1)
    b3 = conv(F.relu(conv(x, p[6], p[7])), p[8], p[9], pad=2)
    b4 = conv(F.max_pool2d(x, 3, stride=1, padding=1), p[10], p[11])
    return F.relu(torch.cat([b1, b2, b3, b4], dim=1))


cases.append(graph_case("inception-module", """input 6x8x8
conv 4 1x1 as b1
conv 3 1x1 from input
relu
conv 4 3x3 pad 1 as b2
conv 2 1x1 from input
relu
conv 3 5x5 pad 2 as b3
maxpool 3x3 stride 1 pad 1 from input
conv 2 1x1 as b4
concat b2 b3 b4 from b1
relu
""", (2, 6, 8, 8), [(4, 6, 1, 1), (4,), (3, 6, 1, 1), (3,), (4, 3, 3, 3), (4,), (2, 6, 1, 1), (2,), (3, 2, 5, 5),
                     (3,), (2, 6, 1, 1), (2,)], inception))


def dense_block(x, p):
    h1 = F.relu(conv(x, p[0], p[1], pad=1))
    c1 = torch.cat([x, h1], dim=1)
    h2 = F.relu(conv(c1, p[2], p[3], pad=1))
    c2 = torch.cat([c1, h2], dim=1)
    return F.avg_pool2d(conv(c2, p[4], p[5]), 2)


cases.append(graph_case("dense-block-transition", """input 4x8x8
conv 3 3x3 pad 1
relu as new1
concat new1 from input as cat1
conv 3 3x3 pad 1
relu as new2
concat new2 from cat1
conv 5 1x1
avgpool 2x2
""", (2, 4, 8, 8), [(3, 4, 3, 3), (3,), (3, 7, 3, 3), (3,), (5, 10, 1, 1), (5,)], dense_block))

def gap_head(x, p):
    h = F.relu(conv(x, p[0], p[1]))
    h = F.adaptive_avg_pool2d(h, 1).flatten(1)  # dropout in evaluation: the identity
    return F.linear(h, p[2], p[3])


cases.append(graph_case("global-average-pooling-head", """input 3x7x7
conv 5 3x3
relu
globalavgpool
flatten
dropout 0.5
dense 4
""", (2, 3, 7, 7), [(5, 3, 3, 3), (5,), (4, 5), (4,)], gap_head))

# A ResNet basic block with batch normalization and a projection shortcut, in training mode
# (batch statistics; the running statistics updated, momentum 0.1) and in evaluation mode
# (given running statistics). "running_in" are the running mean and variance of each
# BatchNorm before the forward pass, "running_out" after it.
def bn_full_case(name, training):
    torch.manual_seed(200 + int(training))
    shapes = [(6, 4, 3, 3), (6,), (6,), (6,), (6, 6, 3, 3), (6,), (6,), (6,), (6, 4, 1, 1), (6,), (6,), (6,)]
    src = torch.randn(3, 4, 8, 8, requires_grad=True)
    params = []
    for s_ in shapes:
        v = torch.randn(*s_) * (0.5 if len(s_) == 4 else 0.1)
        params.append(v)
    for k in (2, 6, 10):
        params[k] = 1.0 + params[k]
    for p_ in params:
        p_.requires_grad_(True)
    running_in = [(torch.randn(6) * 0.1, torch.rand(6) + 0.5) for _ in range(3)]
    running = [(m.clone(), v.clone()) for m, v in running_in]

    def bn(h, k, g, b):
        return F.batch_norm(h, running[k][0], running[k][1], g, b, training=training, momentum=0.1, eps=1e-5)
    h = F.relu(bn(conv(src, params[0], params[1], stride=2, pad=1), 0, params[2], params[3]))
    h = bn(conv(h, params[4], params[5], pad=1), 1, params[6], params[7])
    shortcut = bn(conv(src, params[8], params[9], stride=2), 2, params[10], params[11])
    dst = F.relu(shortcut + h)
    r = torch.randn(dst.shape)
    (dst * r).sum().backward()
    return {"op": "graph", "name": name, "training": training, "layers": """input 4x8x8
conv 6 3x3 stride 2 pad 1
batchnorm
relu
conv 6 3x3 pad 1
batchnorm as main
conv 6 1x1 stride 2 from input
batchnorm
add main
relu
""", "src": t(src.detach()), "params": [t(p_.detach()) for p_ in params], "r": t(r), "dst": t(dst.detach()),
            "diff_src": t(src.grad), "diff_params": [t(p_.grad) for p_ in params],
            "running_in": [[t(m), t(v)] for m, v in running_in], "running_out": [[t(m), t(v)] for m, v in running]}


def ceil_pool(x, p):
    h = F.max_pool2d(F.relu(conv(x, p[0], p[1], pad=1)), 3, stride=2, ceil_mode=True)  # 8 -> 4 (floor: 3)
    return F.linear(h.flatten(1), p[2], p[3])


cases.append(graph_case("max-pooling-ceil-mode", """input 2x8x8
conv 3 3x3 pad 1
relu
maxpool 3x3 stride 2 ceil
flatten
dense 2
""", (2, 2, 8, 8), [(3, 2, 3, 3), (3,), (2, 48), (2,)], ceil_pool))

cases.append(bn_full_case("resnet-basic-block-batchnorm-training", True))
cases.append(bn_full_case("resnet-basic-block-batchnorm-evaluation", False))

# Local response normalization as AlexNet placed it (after the first convolutions' ReLU,
# before pooling), once with the paper's numbers and once strong enough to matter.
def lrn_net(x, p):
    h = F.relu(conv(x, p[0], p[1], pad=1))
    h = F.local_response_norm(h, 5, alpha=1e-4, beta=0.75, k=2.0)
    h = F.max_pool2d(h, 3, stride=2)
    h = F.local_response_norm(F.relu(conv(h, p[2], p[3], pad=1)), 3, alpha=2.0, beta=0.75, k=1.0)
    return h


torch.manual_seed(300)
cases.append(graph_case("local-response-normalization", """input 3x9x9
conv 7 3x3 pad 1
relu
lrn 5 alpha 0.0001 beta 0.75 k 2
maxpool 3x3 stride 2
conv 6 3x3 pad 1
relu
lrn 3 alpha 2 beta 0.75 k 1
""", (2, 3, 9, 9), [(7, 3, 3, 3), (7,), (6, 7, 3, 3), (6,)], lrn_net))

# ReLU6 (MobileNet v2's, ONNX's Clip 0..6) and average pooling that leaves padding out of its
# divisor (count_include_pad=False), also in ceil mode: what ONNX files from PyTorch hold.
def relu6_exclude_pad(x, p):
    h = F.relu6(conv(x, p[0], p[1], pad=1))
    h = F.avg_pool2d(h, 3, stride=2, padding=1, count_include_pad=False)
    h = F.avg_pool2d(h, 2, stride=2, ceil_mode=True, count_include_pad=False)
    return F.linear(h.flatten(1), p[2], p[3])


torch.manual_seed(301)
cases.append(graph_case("relu6-average-pooling-excluding-padding", """input 3x9x9
conv 6 3x3 pad 1
relu6
avgpool 3x3 stride 2 pad 1 exclude-pad
avgpool 2x2 ceil exclude-pad
flatten
dense 2
""", (2, 3, 9, 9), [(6, 3, 3, 3), (6,), (2, 54), (2,)], relu6_exclude_pad))

# Transposed convolutions (segmentation's upsampling): stride 2 with output padding; stride 3,
# dilation 2, two groups and output padding; stride 1 without bias (issue 28's golden cases).
def transposed(x, p):
    h = F.relu(F.conv_transpose2d(x, p[0], p[1], stride=2, padding=1, output_padding=1))  # 4 -> 8
    h = F.conv_transpose2d(h, p[2], p[3], stride=3, padding=2, output_padding=2, groups=2, dilation=2)  # 8 -> 24
    return F.conv_transpose2d(h, p[4], None)  # 24 -> 25


torch.manual_seed(302)
cases.append(graph_case("transposed-convolutions", """input 4x4x4
deconv 6 3x3 stride 2 pad 1 outpad 1
relu
deconv 4 3x3 stride 3 pad 2 outpad 2 dilation 2 groups 2
deconv 2 2x2 nobias
""", (2, 4, 4, 4), [(4, 6, 3, 3), (6,), (6, 2, 3, 3), (4,), (4, 2, 2, 2)], transposed))


# ConvNeXt's block: depthwise 7x7, layer normalization over each position's channels, an
# inverted bottleneck of 1x1 convolutions (its nn.Linear layers) with GELU, the layer scale,
# the residual addition.
def convnext_block(x, p):
    h = F.conv2d(x, p[0], p[1], padding=3, groups=8)
    h = F.layer_norm(h.permute(0, 2, 3, 1), (8,), p[2], p[3], eps=1e-6).permute(0, 3, 1, 2)
    h = conv(F.gelu(conv(h, p[4], p[5])), p[6], p[7])
    return x + h * p[8].view(1, -1, 1, 1)


torch.manual_seed(303)
cases.append(graph_case("convnext-block", """input 8x5x5
conv 8 7x7 pad 3 groups 8
layernorm eps 1e-06
conv 16 1x1
gelu
conv 8 1x1
scale
add input
""", (2, 8, 5, 5), [(8, 1, 7, 7), (8,), (8,), (8,), (16, 8, 1, 1), (16,), (8, 16, 1, 1), (8,), (8,)],
    convnext_block))


# ShuffleNet v2's unit at stride 1: half the channels pass by, half through the branch, then
# the channel shuffle.
def shuffle_unit(x, p):
    kept, rest = x.chunk(2, dim=1)
    h = F.relu(conv(rest, p[0], p[1]))
    h = F.relu(conv(F.conv2d(h, p[2], p[3], padding=1, groups=4), p[4], p[5]))
    out = torch.cat((kept, h), dim=1)
    n, c, hh, ww = out.shape
    return out.view(n, 2, c // 2, hh, ww).transpose(1, 2).reshape(n, c, hh, ww)


torch.manual_seed(304)
cases.append(graph_case("shufflenet-unit", """input 8x6x6
slice 0 4 as kept
slice 4 8 from input
conv 4 1x1
relu
conv 4 3x3 pad 1 groups 4
conv 4 1x1
relu as computed
concat computed from kept
shuffle 2
""", (2, 8, 6, 6), [(4, 4, 1, 1), (4,), (4, 1, 3, 3), (4,), (4, 4, 1, 1), (4,)], shuffle_unit))

# Upsampling: nearest by 2, bilinear (align_corners=False) by 2 and to a size that is no
# whole factor, each between convolutions (a decoder's "resize, then convolve").
def upsampling(x, p):
    h = F.interpolate(F.relu(conv(x, p[0], p[1], pad=1)), scale_factor=2, mode="nearest")
    h = F.interpolate(conv(h, p[2], p[3], pad=1), scale_factor=2, mode="bilinear", align_corners=False)
    return F.interpolate(h, size=(13, 11), mode="bilinear", align_corners=False)


torch.manual_seed(305)
cases.append(graph_case("upsampling", """input 3x4x5
conv 4 3x3 pad 1
relu
upsample 2
conv 3 3x3 pad 1
upsample 2 bilinear
upsample to 13x11 bilinear
""", (2, 3, 4, 5), [(4, 3, 3, 3), (4,), (3, 4, 3, 3), (3,)], upsampling))

# PReLU: one slope per channel of maps, one shared, one per feature of a vector.
def prelus(x, p):
    h = F.prelu(conv(x, p[0], p[1], pad=1), p[2])
    h = F.prelu(conv(h, p[3], p[4]), p[5])
    return F.prelu(F.linear(h.flatten(1), p[6], p[7]), p[8])


torch.manual_seed(306)
cases.append(graph_case("prelu", """input 3x6x6
conv 4 3x3 pad 1
prelu channels
conv 2 3x3
prelu
flatten
dense 5
prelu channels
""", (2, 3, 6, 6), [(4, 3, 3, 3), (4,), (4,), (2, 4, 3, 3), (2,), (1,), (5, 32), (5,), (5,)], prelus))

# Clamping to other bounds than ReLU6's: [−1, 1] (nn.Hardtanh), below only, above only.
def clamps(x, p):
    h = torch.clamp(conv(x, p[0], p[1], pad=1), -1.0, 1.0)
    h = torch.clamp(conv(h, p[2], p[3]), min=-0.5)
    return torch.clamp(h, max=0.25)


torch.manual_seed(307)
cases.append(graph_case("clamp", """input 3x6x6
conv 4 3x3 pad 1
clamp -1 1
conv 2 3x3
clamp -0.5 none
clamp none 0.25
""", (2, 3, 6, 6), [(4, 3, 3, 3), (4,), (2, 4, 3, 3), (2,)], clamps))

# Padding as its own layer: reflect, edge, a constant.
def pads(x, p):
    h = conv(F.pad(x, (2, 2, 2, 2), mode="reflect"), p[0], p[1])
    h = F.pad(torch.tanh(h), (1, 1, 1, 1), mode="replicate")
    return conv(F.pad(h, (1, 1, 2, 2), value=0.5), p[2], p[3])


torch.manual_seed(308)
cases.append(graph_case("padding", """input 3x5x6
pad 2 reflect
conv 4 3x3
tanh
pad 1 edge
pad 2x1 value 0.5
conv 2 3x3
""", (2, 3, 5, 6), [(4, 3, 3, 3), (4,), (2, 4, 3, 3), (2,)], pads))

# Element-wise arithmetic of two network values with numpy's broadcasting: a spatial attention
# (N, 1, H, W) times the maps, minus their row means (N, C, H, 1), divided by a per-channel
# gate (N, C, 1, 1), plus the row means, a row by a column mean (both broadcast), a column
# minus the maps (the broadcast input first), and a sum of one shape.
def broadcasting(x, p):
    maps = conv(x, p[0], p[1], pad=1)
    attended = maps * torch.sigmoid(conv(maps, p[2], p[3]))
    rows = F.avg_pool2d(attended, (1, 5))
    scale = torch.sigmoid(F.adaptive_avg_pool2d(maps, 1))
    h = (attended - rows) / scale + rows
    cols = F.avg_pool2d(h, (6, 1))
    return (cols - h) + rows * cols


torch.manual_seed(309)
cases.append(graph_case("broadcasting-arithmetic", """input 3x6x5
conv 4 3x3 pad 1 as maps
conv 1 1x1
sigmoid
multiply maps as attended
avgpool 1x5 as rows
subtract rows from attended as centred
globalavgpool from maps
sigmoid as scale
divide scale from centred
add rows as h
avgpool 6x1 as cols
multiply cols from rows as outer
subtract h from cols
add outer
""", (2, 3, 6, 5), [(4, 3, 3, 3), (4,), (1, 4, 1, 1), (1,)], broadcasting))

# Per-pixel losses for segmentation (engine/training/Segmentation.h): cross-entropy with an
# ignored class (F.cross_entropy's ignore_index), Dice over the batch with + 1 smoothing, and
# their sum; the logits of 4 classes at 2×5×6 pixels, some pixels labelled 255 (ignored).
def dice_loss(z, y, ignore, k):
    valid = (y != ignore).unsqueeze(1).float()
    t = F.one_hot(torch.where(y == ignore, torch.zeros_like(y), y), k).permute(0, 3, 1, 2).float() * valid
    p = F.softmax(z, dim=1) * valid
    inter, sums = (p * t).sum(dim=(0, 2, 3)), p.sum(dim=(0, 2, 3)) + t.sum(dim=(0, 2, 3)) + 1
    return 1 - ((2 * inter + 1) / sums).mean()


torch.manual_seed(310)
pixel_logits = torch.randn(2, 4, 5, 6) * 2
pixel_classes = torch.randint(0, 4, (2, 5, 6))
pixel_classes[0, 1, 2:5] = 255
pixel_classes[1, 4, 0] = 255
for loss_name in ["ce", "dice", "ce+dice"]:
    z = pixel_logits.clone().requires_grad_(True)
    loss = 0
    if loss_name in ("ce", "ce+dice"):
        loss = loss + F.cross_entropy(z, pixel_classes, ignore_index=255)
    if loss_name in ("dice", "ce+dice"):
        loss = loss + dice_loss(z, pixel_classes, 255, 4)
    loss.backward()
    cases.append({"op": "pixel_loss", "name": "pixel-loss-" + loss_name, "loss": loss_name, "ignore": 255,
                  "logits": t(pixel_logits), "classes": pixel_classes.flatten().tolist(), "value": float(loss),
                  "diff_logits": t(z.grad)})

# `convscope deconv` and the transposed-convolution lesson (engine/lessons/TransposedConvolution.h):
# conv_transpose2d of one input with a bank of kernels (each an output channel, a block per
# input channel; groups: one block per input channel on its own), a bias, and the gradients of
# sum(output · r) for `gradient --transposed`.
torch.manual_seed(311)
for name, c_in, c_out, h, w, k, stride, pad, outpad, dil, groups in [
        ("deconv-stride2", 2, 2, 4, 5, 3, 2, 1, 1, 1, 1),
        ("deconv-stride3-dilated", 2, 3, 3, 3, 3, 3, 2, 2, 2, 1),
        ("deconv-k2s2", 1, 1, 3, 3, 2, 2, 0, 0, 1, 1),
        ("deconv-k4s2p1", 1, 1, 4, 4, 4, 2, 1, 0, 1, 1),
        ("deconv-groups", 3, 3, 3, 4, 3, 2, 0, 1, 1, 3)]:
    x = torch.randn(1, c_in, h, w, requires_grad=True)
    wt = torch.randn(c_in, c_out // groups, k, k, requires_grad=True)
    b = torch.full((c_out,), 0.25, requires_grad=True)
    y = F.conv_transpose2d(x, wt, b, stride=stride, padding=pad, output_padding=outpad, dilation=dil, groups=groups)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    cases.append({"op": "deconv", "name": name, "src": t(x.detach()), "weights": t(wt.detach()), "bias": 0.25,
                  "stride": stride, "padding": pad, "output_padding": outpad, "dilation": dil, "groups": groups,
                  "dst": t(y.detach()), "r": t(r), "diff_src": t(x.grad), "diff_weights": t(wt.grad),
                  "diff_bias": t(b.grad)})

# Detection (engine/detection/): torchvision's box_iou and nms (batched_nms for classes) on boxes
# with ties, touching and nested boxes and empty inputs; average precision by a plain VOC
# all-point computation written here; SSD's MultiBox loss and its gradient by autograd on a
# small grid of anchors.
import torchvision.ops as tvops

iou_a = torch.tensor([[0, 0, 10, 10], [2, 2, 8, 8], [10, 0, 20, 10], [0, 0, 10, 10], [3.5, 1.25, 9.75, 12]],
                     dtype=torch.float64)
iou_b = torch.tensor([[0, 0, 10, 10], [5, 5, 15, 15], [10, 10, 12, 12], [1, 1, 4, 30]], dtype=torch.float64)
cases.append({"op": "box_iou", "name": "box-iou-nested-touching", "a": iou_a.tolist(), "b": iou_b.tolist(),
              "iou": tvops.box_iou(iou_a, iou_b).tolist()})
cases.append({"op": "box_iou", "name": "box-iou-empty", "a": [], "b": iou_b.tolist(),
              "iou": tvops.box_iou(torch.zeros(0, 4, dtype=torch.float64), iou_b).tolist()})

torch.manual_seed(312)
nms_boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [20, 20, 30, 30], [10, 0, 20, 10],
                          [2, 2, 8, 8], [21, 19, 31, 29], [0, 0, 10, 10], [40, 40, 50, 52], [41, 40, 50, 52]],
                         dtype=torch.float64)
nms_scores = torch.tensor([0.9, 0.8, 0.9, 0.7, 0.85, 0.6, 0.7, 0.3, 0.5, 0.5], dtype=torch.float64)
nms_classes = torch.tensor([0, 0, 1, 0, 0, 0, 0, 1, 2, 2])
for threshold in [0.0, 0.3, 0.5, 0.7, 1.0]:
    cases.append({"op": "nms", "name": f"nms-ties-{threshold}", "boxes": nms_boxes.tolist(),
                  "scores": nms_scores.tolist(), "iou": threshold,
                  "keep": tvops.nms(nms_boxes, nms_scores, threshold).tolist(),
                  "classes": nms_classes.tolist(),
                  "keep_per_class": tvops.batched_nms(nms_boxes, nms_scores, nms_classes, threshold).tolist()})
rand_xy = torch.rand(40, 2) * 50
rand_wh = torch.rand(40, 2) * 20 + 2
rand_boxes = torch.cat([rand_xy, rand_xy + rand_wh], 1).double()
rand_scores = torch.rand(40).double()
rand_classes = torch.randint(0, 3, (40,))
cases.append({"op": "nms", "name": "nms-random-40", "boxes": rand_boxes.tolist(), "scores": rand_scores.tolist(),
              "iou": 0.3, "keep": tvops.nms(rand_boxes, rand_scores, 0.3).tolist(), "classes": rand_classes.tolist(),
              "keep_per_class": tvops.batched_nms(rand_boxes, rand_scores, rand_classes, 0.3).tolist()})
cases.append({"op": "nms", "name": "nms-empty", "boxes": [], "scores": [], "iou": 0.5, "keep": [], "classes": [],
              "keep_per_class": []})


def voc_ap(detections, truths, k, threshold=0.5):
    """Plain VOC 2010+ AP of class k: detections [(image, score, box, class)] in the order given,
    truths [[(class, box)] per image]; None when the class has no true box."""
    mine = [d for d in detections if d[3] == k]
    order = sorted(range(len(mine)), key=lambda i: -mine[i][1])  # Python's sort is stable: ties keep order
    total = sum(1 for image in truths for c, _ in image if c == k)
    if total == 0:
        return None, []
    taken = set()
    tp = fp = 0
    rec, prec = [], []
    for i in order:
        image, score, box, _ = mine[i]
        best, which = 0.0, None
        for j, (c, truth) in enumerate(truths[image]):
            if c != k:
                continue
            o = float(tvops.box_iou(torch.tensor([box], dtype=torch.float64),
                                    torch.tensor([truth], dtype=torch.float64))[0, 0])
            if o > best:
                best, which = o, j
        if which is not None and best >= threshold and (image, which) not in taken:
            taken.add((image, which))
            tp += 1
        else:
            fp += 1
        rec.append(tp / total)
        prec.append(tp / (tp + fp))
    mrec = [0.0] + rec + [1.0]
    mpre = [0.0] + prec + [0.0]
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    ap = sum((mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1) if mrec[i + 1] != mrec[i])
    return ap, list(zip(prec, rec))


ap_truths = [[(0, [0, 0, 10, 10]), (1, [20, 20, 30, 34])],
             [(0, [5, 5, 15, 15]), (0, [30, 30, 40, 40])],
             [(1, [0, 0, 8, 8])],
             []]
ap_detections = [(0, 0.9, [1, 0, 10, 11], 0), (0, 0.8, [0, 0, 10, 10], 0),      # a duplicate: false positive
                 (1, 0.9, [5, 5, 15, 14], 0), (1, 0.4, [31, 30, 41, 40], 0),
                 (1, 0.7, [50, 50, 60, 60], 0),                                     # nothing there
                 (2, 0.6, [0, 0, 8, 8], 0),                                         # the wrong class
                 (0, 0.6, [20, 21, 30, 34], 1), (2, 0.6, [1, 1, 8, 9], 1),          # a tie in score
                 (3, 0.95, [0, 0, 5, 5], 2),                                        # class 2 has no true box
                 (0, 0.3, [40, 40, 50, 50], 1)]
per_class = []
for k in range(4):  # class 3: neither true boxes nor detections
    ap, curve = voc_ap(ap_detections, ap_truths, k)
    per_class.append({"ap": ap, "curve": [[p, r] for p, r in curve]})
counted = [c["ap"] for c in per_class if c["ap"] is not None]
cases.append({"op": "average_precision", "name": "ap-voc-small", "classes": 4, "iou": 0.5,
              "truths": [[{"class": c, "box": b} for c, b in image] for image in ap_truths],
              "detections": [{"image": i, "score": s, "box": b, "class": c} for i, s, b, c in ap_detections],
              "per_class": per_class, "map": sum(counted) / len(counted)})
cases.append({"op": "average_precision", "name": "ap-empty", "classes": 2, "iou": 0.5, "truths": [[], []],
              "detections": [], "per_class": [{"ap": None, "curve": []}, {"ap": None, "curve": []}], "map": 0.0})


def ssd_loss(output, anchors, truths, k, levels, match_iou=0.5, neg_ratio=3, vc=0.1, vs=0.2):
    """SSD's MultiBox loss as torchvision's ssd.py computes it, for one level list of (H, W, A)."""
    n = output.shape[0]
    per_anchor = []  # (N, anchors, 5 + k) from the flattened heads
    offset = 0
    for h, w, a in levels:
        size = h * w * a * (5 + k)
        block = output[:, offset:offset + size].reshape(n, a, 5 + k, h, w).permute(0, 3, 4, 1, 2)
        per_anchor.append(block.reshape(n, h * w * a, 5 + k))
        offset += size
    z = torch.cat(per_anchor, 1)
    box_sum = torch.zeros((), dtype=torch.float64)
    cls_sum = torch.zeros((), dtype=torch.float64)
    positives = 0
    for i in range(n):
        boxes = torch.tensor([b for _, b in truths[i]], dtype=torch.float64).reshape(-1, 4)
        labels = torch.tensor([c for c, _ in truths[i]], dtype=torch.long)
        matched = torch.full((anchors.shape[0],), -1, dtype=torch.long)
        if boxes.shape[0]:
            q = tvops.box_iou(boxes, anchors)  # (truths, anchors)
            best, idx = q.max(0)
            matched = torch.where(best >= match_iou, idx, matched)
            for t in range(boxes.shape[0]):
                matched[q[t].argmax()] = t
        fg = matched >= 0
        positives += int(fg.sum())
        target_cls = torch.zeros(anchors.shape[0], dtype=torch.long)
        target_cls[fg] = labels[matched[fg]] + 1
        if fg.any():
            a = anchors[fg]
            g = boxes[matched[fg]]
            aw, ah = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
            acx, acy = a[:, 0] + aw / 2, a[:, 1] + ah / 2
            gw, gh = g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]
            gcx, gcy = g[:, 0] + gw / 2, g[:, 1] + gh / 2
            t_ = torch.stack([(gcx - acx) / (vc * aw), (gcy - acy) / (vc * ah),
                              torch.log(gw / aw) / vs, torch.log(gh / ah) / vs], 1)
            box_sum = box_sum + F.smooth_l1_loss(z[i, fg, :4], t_, reduction="sum", beta=1.0)
        ce = F.cross_entropy(z[i, :, 4:], target_cls, reduction="none")
        neg_loss = ce.detach().clone()
        neg_loss[fg] = -float("inf")
        order = neg_loss.sort(descending=True)[1]
        hard = torch.zeros_like(fg)
        hard[order[:neg_ratio * int(fg.sum())]] = True
        cls_sum = cls_sum + ce[fg].sum() + ce[hard].sum()
    count = max(1, positives)
    return (box_sum + cls_sum) / count


def ssd_anchors(levels_spec, maps):
    out = []
    for (stride, sizes, ratios), (h, w) in zip(levels_spec, maps):
        for y in range(h):
            for x in range(w):
                for s in sizes:
                    for r in ratios:
                        cx, cy = (x + 0.5) * stride, (y + 0.5) * stride
                        aw, ah = s * r ** 0.5, s / r ** 0.5
                        out.append([cx - aw / 2, cy - ah / 2, cx + aw / 2, cy + ah / 2])
    return torch.tensor(out, dtype=torch.float64)


torch.manual_seed(313)
ssd_spec = [(8, [10.0], [1.0, 0.5]), (16, [20.0], [1.0])]  # stride, sizes, ratios
ssd_maps = [(4, 4), (2, 2)]
ssd_classes = 3
ssd_levels = [(4, 4, 2), (2, 2, 1)]
ssd_truths = [[(0, [2, 3, 12, 14]), (2, [17, 16, 31, 32])], [(1, [0, 10, 22, 30])], []]
ssd_out = (torch.randn(3, sum(h * w * a * (5 + ssd_classes) for h, w, a in ssd_levels), dtype=torch.float64)
           .requires_grad_(True))
ssd_value = ssd_loss(ssd_out, ssd_anchors(ssd_spec, ssd_maps), ssd_truths, ssd_classes, ssd_levels)
ssd_value.backward()
cases.append({"op": "ssd_loss", "name": "ssd-loss-two-levels", "image": [32, 32], "classes": ssd_classes,
              "levels": [{"stride": st, "sizes": sz, "ratios": ra, "map": list(m)}
                         for (st, sz, ra), m in zip(ssd_spec, ssd_maps)],
              "truths": [[{"class": c, "box": b} for c, b in image] for image in ssd_truths],
              "output": t(ssd_out.detach()), "value": float(ssd_value), "diff_output": t(ssd_out.grad)})

# Generative models (engine/layers/Reshape.h, Sample.h; engine/generative/GenerativeLosses.h):
# reshape forward and backward; the reparameterization z = mu + exp(logvar / 2) * eps with a given
# eps and its gradients; binary cross-entropy on logits summed over pixels and averaged over the
# batch; the KL divergence of N(mu, sigma^2) to N(0, I), both by autograd.
torch.manual_seed(314)
for name, src_shape, target in [("reshape-flat-to-image", (2, 12), (3, 2, 2)), ("reshape-image-to-flat", (2, 3, 2, 2), (12,)),
                                ("reshape-image-to-image", (2, 4, 3, 3), (9, 2, 2))]:
    x = torch.randn(*src_shape, requires_grad=True)
    y = x.reshape(src_shape[0], *target)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    cases.append({"op": "reshape", "name": name, "target": list(target), "src": t(x.detach()), "dst": t(y.detach()),
                  "r": t(r), "diff_src": t(x.grad)})
mean_logvar = torch.randn(3, 8) * torch.tensor([1.0] * 4 + [1.5] * 4)
mean_logvar = mean_logvar.clone().requires_grad_(True)
eps = torch.randn(3, 4)
mu, logvar = mean_logvar[:, :4], mean_logvar[:, 4:]
z = mu + torch.exp(0.5 * logvar) * eps
r = torch.randn(z.shape)
(z * r).sum().backward()
cases.append({"op": "sample", "name": "sample-reparameterization", "src": t(mean_logvar.detach()), "noise": t(eps),
              "dst": t(z.detach()), "r": t(r), "diff_src": t(mean_logvar.grad)})
logits = (torch.randn(2, 1, 4, 5) * 6).requires_grad_(True)
logits.data[0, 0, 0, :3] = torch.tensor([40.0, -40.0, 0.0])  # saturated both ways, and the middle
targets = torch.rand(2, 1, 4, 5)
targets[0, 0, 0, :2] = torch.tensor([1.0, 0.0])
targets[1, 0, 3, :] = (targets[1, 0, 3, :] > 0.5).float()  # exact 0s and 1s as binarized digits
bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum") / 2
bce.backward()
cases.append({"op": "bernoulli_loss", "name": "bernoulli-loss", "logits": t(logits.detach()), "targets": t(targets),
              "value": float(bce), "diff_logits": t(logits.grad)})
kl_input = (torch.randn(3, 8) * 1.3).requires_grad_(True)
kl_mu, kl_logvar = kl_input[:, :4], kl_input[:, 4:]
kl = -0.5 * torch.sum(1 + kl_logvar - kl_mu.pow(2) - kl_logvar.exp()) / 3
kl.backward()
cases.append({"op": "gaussian_kl", "name": "gaussian-kl", "src": t(kl_input.detach()), "value": float(kl),
              "diff_src": t(kl_input.grad)})

# Small banks (engine/lessons/FusedStages.h: the live view's direct loop), with their own draws
# (the cases before keep theirs): 3 channels through 8 filters 3x3 on an odd width (blocks of 32
# columns, then single columns), 4 channels through 5 filters 5x7 with asymmetric padding.
SMALL_BANK = torch.Generator().manual_seed(2612)
for name, c_in, c_out, h, w, kh, kw, pad in [("small-bank-rgb-8", 3, 8, 11, 37, 3, 3, (1, 1, 1, 1)),
                                             ("small-bank-4-5x7", 4, 5, 9, 21, 5, 7, (2, 1, 3, 0))]:
    cases.append(conv_case(name, 1, c_in, c_out, h, w, kh, kw, (1, 1), pad, (1, 1), 1,
                           src=torch.randn(1, c_in, h, w, generator=SMALL_BANK),
                           weights=torch.randn(c_out, c_in, kh, kw, generator=SMALL_BANK),
                           b=torch.randn(c_out, generator=SMALL_BANK)))

with open(OUT, "w") as f:
    json.dump({"generator": "scripts/make_golden.py", "torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")
