#!/usr/bin/env bash
# The lecture's architectures in small form on the bundled digits, beside LeNet-5: parameters
# and multiply-accumulates (convscope summary), then 3 epochs of training with seed 1 at each
# preset's own learning rate (convscope train). Prints one line per model for BENCHMARKS.md.
# Usage: bench/minis.sh [path/to/convscope]
set -euo pipefail
bin="${1:-build/release/app/convscope}"
[ -x "$bin" ] || bin=build/test/app/convscope
for m in lenet5 mini-vgg mini-resnet mini-inception mini-densenet mini-mobilenet; do
  sizes=$("$bin" summary "$m" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["total_params"], j["total_macs"])')
  last=$("$bin" train --model "$m" --dataset digits --epochs 3 --seed 1 --json | tail -1)
  echo "$m $sizes $last"
done
