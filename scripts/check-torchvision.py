#!/usr/bin/python3
"""Every CNN classifier of the installed torchvision, as a student exports it, through ConvScope.

For each network (random weights from a seed, batch normalization given random statistics so
that every path carries signal) and each opset (11, 13, 17): torch.onnx.export, then
`convscope run` on one 224x224 input (a matrix text file: the network's input exactly as
written), compared with PyTorch's output within 1e-4 of the largest output. At opset 13 also:
exported with TrainingMode.PRESERVE (batch normalization kept), `convscope summary --json`'s
parameter count against sum(p.numel()); and `convscope export` of the imported network passes
onnx.checker and `convscope run` on it gives the same output. A refused file is reported with
ConvScope's list of the operators it lacks.

Too heavy for every test run (VGG-16 alone is a 528 MB file per export): the test suite runs
ten of these networks at opset 13 (tests/onnx_torchvision.py); this is the whole survey, for
issue 27 and docs/onnx.md. Prints a Markdown table; exit status 1 when a network that opens
does not match.

Usage: /usr/bin/python3 scripts/check-torchvision.py [--convscope PATH] [--opsets 11,13,17]
       [--models alexnet,vgg11,...] [--work DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CNNS = ["alexnet", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "resnet18", "resnet50", "resnext50_32x4d",
        "wide_resnet50_2", "squeezenet1_0", "squeezenet1_1", "densenet121", "inception_v3", "googlenet",
        "shufflenet_v2_x1_0", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet1_0",
        "efficientnet_b0", "efficientnet_v2_s", "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny"]


def flat(v):
    return [a for b in v for a in flat(b)] if isinstance(v, list) else [v]


def convscope(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True)


def compare(binary, model_path, matrix, expected):
    """('ok', worst) or ('mismatch', worst) or ('refused', message)"""
    r = convscope(binary, "run", "--model", model_path, "--input", matrix, "--json")
    if r.returncode != 0:
        return "refused", r.stderr.strip().replace("convscope run: ", "").replace(model_path + ": ", "")
    actual = flat(json.loads(r.stdout)["output"])
    scale = max(abs(v) for v in expected)
    worst = max(abs(a - b) for a, b in zip(actual, expected)) if len(actual) == len(expected) else float("inf")
    return ("ok" if scale > 0 and worst <= 1e-4 * scale else "mismatch"), worst / scale if scale else worst


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--convscope", default=os.path.join(ROOT, "build/release/app/convscope"))
    p.add_argument("--opsets", default="11,13,17")
    p.add_argument("--models", default=",".join(CNNS))
    p.add_argument("--work", default=None, help="a folder for the exports (default: a temporary one, removed)")
    a = p.parse_args()
    import onnx
    import torch
    import torchvision
    work = a.work or tempfile.mkdtemp(prefix="convscope-torchvision-")
    os.makedirs(work, exist_ok=True)
    torch.manual_seed(504)
    x = torch.rand(1, 3, 224, 224)
    matrix = os.path.join(work, "input.txt")
    with open(matrix, "w") as f:  # channels separated by a blank line
        for c in range(3):
            if c:
                f.write("\n")
            for r in range(224):
                f.write(" ".join(repr(v) for v in x[0, c, r].tolist()) + "\n")
    opsets = [int(o) for o in a.opsets.split(",")]
    print("| network | " + " | ".join(f"opset {o}" for o in opsets) + " | parameters (summary, PRESERVE) | "
          "export back |")
    print("|---|" + "---|" * len(opsets) + "---|---|")
    failures, refusals = 0, {}
    for name in a.models.split(","):
        kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
        torch.manual_seed(504)
        model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
        for m in model.modules():  # batch normalization that is not the identity
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1), m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5), m.bias.data.uniform_(-0.1, 0.1)
        with torch.no_grad():
            expected = model(x).flatten().tolist()
        cells = []
        for opset in opsets:
            path = os.path.join(work, f"{name}-{opset}.onnx")
            try:
                torch.onnx.export(model, x, path, opset_version=opset)
            except Exception as e:  # PyTorch cannot write it at this opset
                cells.append(f"PyTorch cannot export: {str(e).splitlines()[0][:60]}")
                continue
            verdict, detail = compare(a.convscope, path, matrix, expected)
            if verdict == "ok":
                cells.append(f"matches ({detail:.1e})")
            elif verdict == "mismatch":
                cells.append(f"**differs** ({detail:.1e})")
                failures += 1
            else:
                refusals[name] = detail
                listed = detail.split("all listed here: " if "all listed here: " in detail else "of its operators: ")[-1]
                listed = listed.split(". ConvScope reads")[0]
                cells.append("refused: " + "; ".join(part.split(" (first")[0] for part in listed.split("; ")))
            if opset != 13 or verdict != "ok":
                os.remove(path)
        params, back = "", ""
        if 13 in opsets and os.path.exists(os.path.join(work, f"{name}-13.onnx")):
            preserved = os.path.join(work, f"{name}-preserve.onnx")
            torch.onnx.export(model, x, preserved, opset_version=13, training=torch.onnx.TrainingMode.PRESERVE)
            r = convscope(a.convscope, "summary", preserved, "--json")
            want = sum(p.numel() for p in model.parameters())
            if r.returncode == 0:
                got = json.loads(r.stdout)["total_params"]
                params = f"{got:,} {'=' if got == want else '**≠**'} {want:,}"
                failures += got != want
            else:
                params = "refused (PRESERVE)"
            os.remove(preserved)
            exported = os.path.join(work, f"{name}-back.onnx")
            r = convscope(a.convscope, "export", "--model", os.path.join(work, f"{name}-13.onnx"), "--output", exported)
            if r.returncode != 0:
                back = "export refused: " + r.stderr.strip()[:80]
                failures += 1
            else:
                try:
                    onnx.checker.check_model(exported)
                    verdict, detail = compare(a.convscope, exported, matrix, expected)
                    back = "checker passes, " + ("same output" if verdict == "ok" else f"**{verdict}**")
                    failures += verdict != "ok"
                except Exception as e:
                    back = f"**checker refuses**: {str(e)[:80]}"
                    failures += 1
                os.remove(exported)
            os.remove(os.path.join(work, f"{name}-13.onnx"))
        print(f"| {name} | " + " | ".join(cells) + f" | {params} | {back} |", flush=True)
    for name, message in refusals.items():
        print(f"\n{name}: {message[:600]}")
    if not a.work:
        shutil.rmtree(work)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
