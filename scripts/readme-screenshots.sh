#!/usr/bin/env bash
# Retakes the README's screenshots (docs/screenshots/*.png; the exports *.svg and *.gif)
# from the real app as a lecture hall sees it: Xvfb at 1280x800 (a projector) with a
# window manager (openbox: real full screen for presenter mode), fresh settings. The
# training and layer-editor shots drive the mouse and keyboard with xdotool.
# Usage: scripts/readme-screenshots.sh [NAME ...]
# CONVSCOPE_BIN picks the executable (default: build/release, then build/test).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for t in Xvfb openbox xdotool import; do
  command -v $t >/dev/null || { echo "needs xvfb, openbox, xdotool and imagemagick (apt-get install ...)" >&2; exit 2; }
done
bin="${CONVSCOPE_BIN:-}"
[ -n "$bin" ] || for b in "$root/build/release/app/convscope" "$root/build/test/app/convscope"; do
  [ -x "$b" ] && { bin="$b"; break; }
done
[ -x "$bin" ] || { echo "build first: ./scripts/run.sh --help" >&2; exit 2; }
out="$root/docs/screenshots"
export CONVSCOPE_NO_PROMPTS=1

# shoot NAME SECONDS [ACTIONS] -- ARGS: start the app on a fresh 1280x800 screen, wait,
# run the xdotool actions, screenshot the screen.
shoot() {
  local name="$1" wait="$2" actions="$3"; shift 4
  local display=":$((300 + RANDOM % 400))" cfg
  cfg="$(mktemp -d)"
  Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 & local xp=$!
  sleep 1
  DISPLAY="$display" openbox >/dev/null 2>&1 & local wp=$!
  sleep 1
  DISPLAY="$display" XDG_CONFIG_HOME="$cfg" "$bin" "$@" >/dev/null 2>&1 & local ap=$!
  sleep "$wait"
  DISPLAY="$display" bash -c "$actions"
  DISPLAY="$display" import -window root "$out/$name.png"
  kill "$ap" 2>/dev/null || true
  sleep 0.5
  kill "$wp" "$xp" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$cfg"
  echo "docs/screenshots/$name.png"
}
want() { [ -z "$names" ] || [[ " $names " == *" $1 "* ]]; }
names="$*"

want main-window && shoot main-window 4 "" -- resources/samples/cat.png
want stepper && shoot stepper 4 "" -- resources/examples/rgb5.txt --kernel resources/examples/rgb-kernel.txt \
  --bias 1 --padding 1 --stepper
# Presenter mode: the 6x6 example, and the RGB example with its whole arithmetic.
want presenter && shoot presenter 4 "" -- resources/examples/six.txt --kernel resources/examples/filter1.txt \
  --kernel resources/examples/filter2.txt --stepper --cell 5 --presenter
want presenter-rgb && shoot presenter-rgb 4 "" -- resources/examples/rgb5.txt \
  --kernel resources/examples/rgb-kernel.txt --bias 1 --padding 1 --stepper --presenter
want presenter-settings && shoot presenter-settings 4 "xdotool key F9; sleep 1" -- resources/examples/stride5.txt \
  --kernel resources/examples/stride-kernel.txt --padding 1 --stride 2 --stepper --cell 4 --presenter
want pooling && shoot pooling 4 "" -- resources/examples/pool-avg.txt --step pooling --pooling average --cell 0
want model && shoot model 4 "" -- resources/examples/digit.png --model resources/models/lenet5-digits.json
want fully-connected && shoot fully-connected 4 "" -- resources/examples/six.txt \
  --kernel resources/examples/filter1.txt --kernel resources/examples/filter2.txt --step fc --cell 3
# The transposed convolution, presenting: scattering x(1, 1); the zero-inserted view with the
# overlaps of kernel 3 and of upsample-then-convolve.
want deconv && shoot deconv 4 "" -- --deconv k3s2p1op1 --cell 4 --presenter
want deconv-zero-inserted && shoot deconv-zero-inserted 4 "xdotool key z u Right Right; sleep 1" -- \
  --deconv k3s2p1op1 --presenter
# The Applications tab's segmentation page, presenting: a test scene, U-Net against FCN.
want applications && shoot applications 6 "" -- --tab applications --presenter
# The detection page, presenting: NMS two steps in on a test scene, the anchors of a cell on the 6.
want detection && shoot detection 6 "xdotool key n n; xdotool mousemove 225 392 click 1; sleep 1" -- --tab detection --presenter
# The generation page, presenting: the VAE's latent plane with a point decoded and a walk from a 7
# towards a 0; the GAN's samples with D's verdicts and the census of 1,000 samples.
want generation && shoot generation 6 "xdotool mousemove 150 450 click 1; sleep 0.5; xdotool mousemove 360 330 click 1; sleep 0.5; xdotool mousemove 300 300; sleep 0.3; xdotool mousemove 1200 775; sleep 1" -- --tab generation --presenter
want gan && shoot gan 6 "" -- --tab gan --presenter
# Super-resolution ×4, presenting: 7×7 digits made 28×28, bicubic, the plain model and the adversarial.
want super-resolution && shoot super-resolution 6 "" -- --tab super-resolution-4x --presenter
# Looking inside a trained network (the Inspect tab), presenting: what LeNet-5's conv2 units want
# to see beside their top test digits; PGD fooling it at ε 26/255; the receptive field of a conv2
# unit under the mouse (its window and effective field on the pinned input); a video through the maps.
want probe && shoot probe 12 "" -- --model resources/models/lenet5-digits.json --tab probe --presenter
want fool && shoot fool 6 "xdotool mousemove 290 181 click 1; sleep 0.5; xdotool key Down Return; sleep 2; xdotool mousemove 1000 300; sleep 1" -- \
  --model resources/models/lenet5-digits.json --tab fool --presenter
want receptive-field && shoot receptive-field 6 "xdotool mousemove 600 400; for i in \$(seq 34); do xdotool click 5; done; sleep 1; xdotool mousemove 400 300; sleep 0.3; xdotool mousemove 403 303; sleep 2" -- \
  resources/examples/digit.png --model resources/models/lenet5-digits.json --presenter
if want camera; then # no camera here: a video made from the cat photo, panned (ImageMagick)
  pan="$(mktemp -d)"
  for i in $(seq 0 47); do
    convert resources/samples/cat.png -crop "320x240+$((i * 2))+$((30 + i))" +repage "$pan/f$(printf %03d "$i").png"
  done
  convert -delay 4 -loop 0 "$pan"/f*.png "$pan/pan.gif"
  shoot camera 5 "" -- --video "$pan/pan.gif" --model resources/models/mini-vgg-fashion.json --presenter
  rm -rf "$pan"
fi
# The backward stepper: mid-way back through ReLU; presenting, the kernel's gradient.
want backward && shoot backward 4 "" -- resources/examples/six.txt --kernel resources/examples/filter1.txt \
  --step backward --cell 95
want backward-presenter && shoot backward-presenter 4 "" -- resources/examples/six.txt \
  --kernel resources/examples/filter1.txt --step backward --cell 103 --presenter
# Why did it say 7? The open model's saliency on a digit (View → Why This Class?).
want saliency && shoot saliency 4 "xdotool key ctrl+shift+y; sleep 1.5" -- resources/examples/digit.png \
  --model resources/models/lenet5-digits.json
# The lecture hall's second pass (issue 26), presenting: a digit stepped whole with the lens
# beside it, a photo's three channels, tanh with its plot, convolution as a matrix, pooling
# after a shift (M and S), the trained LeNet-5's fully connected stage.
want stepper-digit && shoot stepper-digit 4 "" -- resources/examples/digit.png --kernel sobel-x --stepper \
  --presenter --cell 300
want stepper-photo && shoot stepper-photo 4 "" -- resources/samples/cat.png --kernel sobel-x --stepper --presenter
want activation && shoot activation 4 "" -- resources/examples/six.txt --kernel resources/examples/filter1.txt \
  --activation tanh --step activation --presenter --cell 5
want matrix && shoot matrix 4 "xdotool key m; sleep 1" -- resources/examples/six.txt \
  --kernel resources/examples/filter1.txt --stepper --presenter --cell 5
want shift && shoot shift 4 "xdotool key s; sleep 1" -- resources/examples/six.txt \
  --kernel resources/examples/filter1.txt --stepper --presenter
want fully-connected-presenter && shoot fully-connected-presenter 4 "" -- resources/examples/digit.png \
  --model resources/models/lenet5-digits.json --step fc --cell 9 --presenter
# Training mid-run, with a 7 drawn on the pad.
want training && shoot training 2.2 "
    xdotool mousemove 950 395 mousedown 1
    for x in \$(seq 950 10 1060); do xdotool mousemove \$x 395; done
    for i in \$(seq 0 10); do xdotool mousemove \$((1060 - i*6)) \$((395 + i*14)); done
    xdotool mouseup 1
    sleep 0.5" -- --train
# Gradient flow: each layer's gradient norm while LeNet-5 trains.
want gradient-flow && shoot gradient-flow 2.5 "xdotool mousemove 533 318 click 1; sleep 1" -- --train
want training-presenter && shoot training-presenter 1.2 "xdotool key F11; sleep 1.2" -- --train
# The layer editor with a line that does not fit.
want layer-editor && shoot layer-editor 3 "
    xdotool mousemove 270 88 click 1
    sleep 1
    xdotool key ctrl+End
    xdotool type --delay 20 'conv 8 3x3'
    sleep 0.5" -- --tab training
# The Architectures tab: GoogLeNet with its first inception module open, ResNet-18 with a
# residual block open (its shortcut around it), and standard/depthwise/pointwise on a photo.
want architectures-googlenet && shoot architectures-googlenet 5 "" -- resources/samples/cat.png --model googlenet \
  --select inception3a.concat
want architectures-resnet18 && shoot architectures-resnet18 5 "" -- resources/samples/cat.png --model resnet18 \
  --select layer2.0.add
want architectures-depthwise && shoot architectures-depthwise 4 "" -- resources/samples/coffee.png --tab depthwise
want architectures-presenter && shoot architectures-presenter 8 "" -- \
  resources/samples/cat.png --model googlenet --select inception4a --presenter
# Exports for slides, made by the same executable (offscreen): the stepper's figure as SVG
# (its text stays text), the sliding window as a GIF, and four of its frames side by side
# (ImageMagick) to show in print.
exported() { QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$(mktemp -d)" "$bin" "$@" >/dev/null 2>&1; }
if want export-stepper; then
  exported resources/examples/six.txt --kernel resources/examples/filter1.txt --step convolution --cell 9 \
    --export "$out/export-stepper.svg"
  echo "docs/screenshots/export-stepper.svg"
fi
if want stepper-animation; then
  exported resources/examples/six.txt --kernel resources/examples/filter1.txt --step convolution \
    --export-animation "$out/stepper-animation.gif" --fps 2
  montage "$out/stepper-animation.gif[0]" "$out/stepper-animation.gif[1]" "$out/stepper-animation.gif[4]" \
    "$out/stepper-animation.gif[15]" -tile 4x1 -geometry +6+0 "$out/stepper-animation-frames.png"
  echo "docs/screenshots/stepper-animation.gif docs/screenshots/stepper-animation-frames.png"
fi
