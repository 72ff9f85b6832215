#!/usr/bin/env bash
# Every figure of the performance section of BENCHMARKS.md in one run, each beside its peer:
# the machine's limits (memory copy, AVX-512 FMA rate), one live update of the lecture view,
# one classic kernel against OpenCV's filter2D, the small architectures against PyTorch
# (training and inference), and VGG-16's peak memory against PyTorch's.
# Usage: ./bench/performance.sh [--quick]   (--quick: fewer rounds, a sanity run)
# Builds the Release binary first (as ./scripts/run.sh does). Takes about 9 minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
installMissingPackages
configureAndBuild "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >&2
bin="$ROOT/build/release/app/convscope"
rounds=3 runs=100
[ "${1:-}" = "--quick" ] && rounds=1 runs=20

echo "## The machine's limits (2 threads)"
"$ROOT/build/release/bench/convscope_bench" --benchmark_filter='limits/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null | python3 -c "$(cat <<'PY'
import json, sys
for b in json.load(sys.stdin)["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    if "memory" in name:
        print(name + ": %.1f GB/s moved (read + write)" % (b["bytes_per_second"] / 1e9))
    else:
        print(name + ": %.0f GFMA/s" % b.get("GFMA/s", 0))
PY
)"

echo; echo "## One live update (bench live, $runs updates a run, 2 threads)"
# The image kept (a slider dragged over it: its stage is reused) and a new image every update.
for size in 1024 512; do
  for i in $(seq "$rounds"); do
    echo "$size, image kept: $("$bin" bench live --size "$size" --filters 8 --runs "$runs" --threads 2 --json)"
  done
  echo "$size, new image: $("$bin" bench live --size "$size" --filters 8 --runs "$runs" --threads 2 --new-image --json)"
done

echo; echo "## One classic kernel (sobel-x, padding 1) against OpenCV's filter2D, 2 threads"
for size in 512 1024; do
  for channels in 1 3; do
    echo "$size, $channels channel(s): $("$bin" bench conv --size "$size" --channels "$channels" --kernel sobel-x \
      --threads 2 --runs "$runs" --json)"
  done
done

echo; echo "## The small architectures against PyTorch (training batch 64, inference batch 256, 2 threads)"
quick=(); [ "$rounds" = 1 ] && quick=(--quick)
/usr/bin/python3 "$ROOT/bench/pytorch_minis.py" --convscope "$bin" --rounds "$rounds" "${quick[@]}"

echo; echo "## Peak memory, batch-1 inference"
/usr/bin/python3 "$ROOT/bench/peak_memory.py" --convscope "$bin" --rounds "$rounds"

echo; echo "## Loading VGG-16's ONNX file (summary, and run with its weights) against onnx.load and PyTorch"
/usr/bin/python3 "$ROOT/bench/onnx_loading.py" --convscope "$bin" --rounds "$rounds"
