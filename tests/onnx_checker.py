#!/usr/bin/python3
"""onnx.checker (the ONNX project's Python package, Debian's python3-onnx) accepts ConvScope's
exports: every small preset, four of the lecture's full-size architectures, a folded export,
and every PyTorch fixture imported and exported again. full_check also runs ONNX's shape
inference, which must agree with the shapes ConvScope wrote on every edge.

(Every export also passes the C++ onnx::checker inside ConvScope before it is written, the
full-size AlexNet, VGG-16 and ResNet-50 included: tests/engine/OnnxTest.cpp exports them.)

Usage: onnx_checker.py CONVSCOPE FIXTURES_DIR WORK_DIR
"""
import glob
import os
import subprocess
import sys

import onnx

convscope, fixtures, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
models = ["lenet5", "lenet5-relu", "mini-vgg", "mini-resnet", "mini-inception", "mini-densenet", "mini-mobilenet",
          "googlenet", "resnet18", "densenet121", "mobilenet"]
models += sorted(f for f in glob.glob(os.path.join(fixtures, "*.onnx")) if "refused" not in f)
failures = 0
for k, model in enumerate(models):
    for fold in ([False, True] if model == "mini-resnet" else [False]):
        out = os.path.join(work, f"export-{k}{'-folded' if fold else ''}.onnx")
        args = [convscope, "export", "--model", model, "--output", out] + (["--fold-batchnorm"] if fold else [])
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL {model}: export exited {r.returncode}: {r.stderr.strip()}")
            failures += 1
            continue
        try:
            onnx.checker.check_model(out, full_check=True)
            m = onnx.load(out)
            assert m.opset_import[0].version == 13, "opset"
            assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch", "symbolic batch"
            print(f"ok   {os.path.basename(model)}{' (folded)' if fold else ''}: {len(m.graph.node)} nodes")
        except Exception as e:  # noqa: BLE001 - report every failure, then fail
            print(f"FAIL {model}: {e}")
            failures += 1
        os.remove(out)
sys.exit(1 if failures else 0)
