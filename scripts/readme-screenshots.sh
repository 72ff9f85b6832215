#!/usr/bin/env bash
# Retakes the README's screenshots (docs/screenshots/*.png) from the real app under Xvfb at
# 1600x1000, with a fresh settings folder. The training and layer-editor shots drive the
# mouse and keyboard with xdotool. Usage: scripts/readme-screenshots.sh [NAME ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v xdotool >/dev/null || { echo "needs xdotool (apt-get install xdotool)" >&2; exit 2; }
bin="$root/build/release/app/convscope"
[ -x "$bin" ] || { echo "build first: ./scripts/run.sh --help" >&2; exit 2; }
out="$root/docs/screenshots"
export XDG_CONFIG_HOME="$(mktemp -d)" CONVSCOPE_NO_PROMPTS=1 # default window size and panels
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT

# shoot NAME SECONDS [ACTIONS] -- ARGS: start the app, wait, run the xdotool actions, screenshot.
shoot() {
  local name="$1" wait="$2" actions="$3"; shift 4
  xvfb-run -a -s "-screen 0 1600x1000x24" bash -c "
    \"$bin\" $* >/dev/null 2>&1 & pid=\$!
    sleep $wait
    $actions
    import -window root \"$out/$name.png\"
    kill \$pid" 2>/dev/null
  echo "docs/screenshots/$name.png"
}
want() { [ -z "$names" ] || [[ " $names " == *" $1 "* ]]; }
names="$*"

want main-window && shoot main-window 3 "" -- resources/samples/cat.png --kernel sobel-x --kernel sobel-y \
  --kernel laplacian-8 --padding same
want stepper && shoot stepper 3 "" -- resources/examples/rgb5.txt --kernel resources/examples/rgb-kernel.txt \
  --bias 1 --padding 1 --stepper
want presenter && shoot presenter 3 "" -- resources/examples/six.txt --kernel resources/examples/filter1.txt \
  --stepper --cell 5 --presenter
want model && shoot model 3 "" -- resources/examples/digit.png --model resources/models/lenet5-digits.json
want fully-connected && shoot fully-connected 3 "" -- resources/examples/digit.png \
  --model resources/models/lenet5-digits.json --step fc --cell 10
# Training mid-run, with a 7 drawn on the pad.
want training && shoot training 1.6 "
    xdotool mousemove 1070 400 mousedown 1
    for x in \$(seq 1070 10 1220); do xdotool mousemove \$x 400; done
    for i in \$(seq 0 10); do xdotool mousemove \$((1220 - i*9)) \$((400 + i*16)); done
    xdotool mouseup 1
    sleep 0.9" -- --train
# The layer editor with a line that does not fit.
want layer-editor && shoot layer-editor 2 "
    xdotool mousemove 264 68 click 1
    sleep 1
    xdotool key ctrl+End
    xdotool type --delay 20 'conv 8 3x3'
    sleep 0.5" -- --tab training
