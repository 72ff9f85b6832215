#!/usr/bin/env bash
# Trains the small models ConvScope ships in resources/models, so that a lecture without
# internet still shows trained networks (feature hierarchy, saliency, the architectures'
# maps): mini VGG and mini ResNet on Fashion-MNIST (Debian's
# dataset-fashion-mnist; LeNet-5 on the bundled digits is lenet5-digits.json), and the
# Applications tab's mini-unet, mini-fcn and mini-ssd on the composed scenes, and its generative
# models on the digits: mini-vae-2d, mini-vae, mini-dcgan and the super-resolution pairs (mini-srgan,
# mini-srgan-4x: plain and adversarial). Fixed seeds; each is scored on its test set, which its training
# never saw, and the figures are printed for BENCHMARKS.md ("The trained models ConvScope ships").
#   ./scripts/train-shipped-models.sh [BUILD_DIR] [NAME...]   (default build/release; run.sh builds it;
#   names: only those models)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$ROOT/build/release}/app/convscope"
[[ -x "$BIN" ]] || { echo "train-shipped-models: $BIN is not built (./scripts/run.sh --version builds it)" >&2; exit 2; }
OUT="$ROOT/resources/models"
shift || true
WANT=" $* "
wanted() { [[ "$WANT" == "  " || "$WANT" == *" $1 "* ]]; }
train() { # NAME MODEL DATASET EPOCHS LR
  local name=$1 model=$2 dataset=$3 epochs=$4 lr=$5 started=$SECONDS
  wanted "$name" || return 0
  "$BIN" train --model "$model" --dataset "$dataset" --epochs "$epochs" --lr "$lr" --optimizer adam --batch 64 \
    --seed 26 --save "$OUT/$name.json" --json >/dev/null
  local seconds=$((SECONDS - started))
  local score
  score=$("$BIN" eval --model "$OUT/$name.json" --dataset "$dataset" --json)
  echo "$name: $model on $dataset, $epochs epochs in ${seconds} s; test set: $score; $(du -h "$OUT/$name.json" | cut -f1)"
}
train mini-vgg-fashion mini-vgg fashion-mnist 5 0.001
train mini-resnet-fashion mini-resnet fashion-mnist 5 0.001
# The Applications tab's segmenters: each preset's own recipe (8 epochs, Adam 0.003, batch 32,
# ce+dice; Presets.cpp), seed 1, scored on the 500 composed test scenes of test digits.
segmenter() { # NAME MODEL
  local name=$1 model=$2 started=$SECONDS
  wanted "$name" || return 0
  "$BIN" train --model "$model" --dataset scenes --seed 1 --save "$OUT/$name.json" --json >/dev/null
  local seconds=$((SECONDS - started))
  echo "$name: $model on scenes (its recipe) in ${seconds} s; test scenes: $("$BIN" eval --model "$OUT/$name.json" \
    --dataset scenes --json); $(du -h "$OUT/$name.json" | cut -f1)"
}
segmenter mini-unet-scenes mini-unet
segmenter mini-fcn-scenes mini-fcn
# The Applications tab's detector: the preset's own recipe (12 epochs, Adam 0.002, batch 32, SSD's
# loss; Presets.cpp), seed 1, scored by mAP@0.5 on the 500 composed test scenes.
segmenter mini-ssd-scenes mini-ssd
# The Generation page's models on the bundled digits, each preset's own recipe (Presets.cpp), seed 1:
# the VAEs scored by their negative ELBO on the 2,000 test digits, the GAN by how the bundled LeNet-5
# reads 1,000 of its samples (the fraction read with p >= 0.9, the rarest digit's share), an upscaler
# by `convscope upscale` on the 2,000 test digits (PSNR, its discriminator's P(real), LeNet-5's accuracy).
generative() { # NAME MODEL [TRAIN OPTION...]
  local name=$1 model=$2 started=$SECONDS score
  shift 2
  wanted "$name" || return 0
  "$BIN" train --model "$model" --dataset digits --seed 1 --save "$OUT/$name.json" --json "$@" >/dev/null
  local seconds=$((SECONDS - started))
  if [[ "$model" == mini-srgan* ]]; then
    score=$("$BIN" upscale --model "$OUT/$name.json" --classifier "$OUT/lenet5-digits.json" --json)
  elif [[ "$model" == mini-dcgan ]]; then
    score=$("$BIN" generate --model "$OUT/$name.json" --count 1000 --seed 2 --census "$OUT/lenet5-digits.json" --json |
      /usr/bin/python3 -c 'import json,sys; c=json.load(sys.stdin)["census"]; print(json.dumps({k: c[k] for k in ("confident", "smallest_class", "counts")}))')
  else
    score=$("$BIN" eval --model "$OUT/$name.json" --dataset digits --json)
  fi
  echo "$name: $model on the digits (its recipe) in ${seconds} s; $score; $(du -h "$OUT/$name.json" | cut -f1)"
}
generative mini-vae-2d-digits mini-vae-2d
generative mini-vae-digits mini-vae
generative mini-dcgan-digits mini-dcgan
generative mini-srgan-digits mini-srgan
generative mini-srgan-plain-digits mini-srgan --adversarial 0
generative mini-srgan-4x-digits mini-srgan-4x
generative mini-srgan-4x-plain-digits mini-srgan-4x --adversarial 0
