#!/usr/bin/env bash
# Builds a Release build and runs the convolution benchmark, then prints each peer's time
# relative to the oneDNN backend. Usage: ./bench/run_benchmarks.sh [extra benchmark flags]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
installMissingPackages
configureAndBuild "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >&2
out="$ROOT/build/release/bench-conv.json"
"$ROOT/build/release/bench/convscope_bench" --benchmark_filter=conv3x3 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json "$@" >&2
python3 - "$out" <<'PY'
import json, sys
runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("aggregate_name") == "median"]
times = {}
for b in runs:
    name, *args = b["run_name"].split("/")[0:1] + b["run_name"].split("/")[1:]
    impl = b["run_name"].split("/")[1]
    params = "/".join(p for p in b["run_name"].split("/")[2:] if not p.startswith("real_time"))
    times[(params, impl)] = b["real_time"]
print(f"{'configuration':28} {'onednn ms':>10} {'reference ms':>13} {'filter2D ms':>12} {'ref/onednn':>11} {'filter2D/onednn':>16}")
for params in sorted({p for p, _ in times}):
    o, r, f = times[(params, "onednn")], times[(params, "reference")], times[(params, "opencv-filter2D")]
    print(f"{params:28} {o:10.2f} {r:13.2f} {f:12.2f} {r/o:11.1f} {f/o:16.2f}")
PY

# ConvScope against PyTorch (Debian's python3-torch): LeNet-5 training and inference,
# time to 97 % on digits, peak memory on Fashion-MNIST.
echo
/usr/bin/python3 "$ROOT/bench/compare_pytorch.py" --convscope "$ROOT/build/release/app/convscope"

# The full-size architectures: batch-1 inference against PyTorch with the same definitions.
echo
/usr/bin/python3 "$ROOT/bench/pytorch_architectures.py" --convscope "$ROOT/build/release/app/convscope"
