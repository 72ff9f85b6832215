#!/usr/bin/env bash
# Takes a screenshot of ConvScope under Xvfb: scripts/screenshot.sh OUT.png [SECONDS] [-- convscope args]
# Uses the dev or release build, whichever exists. For README images and for looking at the GUI.
set -euo pipefail
out="$1"; wait="${2:-3}"; shift 2 || true
[ "${1:-}" = "--" ] && shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/release/app/convscope"; [ -x "$bin" ] || bin="$root/build/dev/app/convscope"
xvfb-run -a -s "-screen 0 1600x1000x24" bash -c "\"$bin\" $* & pid=\$!; sleep $wait; import -window root \"$out\"; kill \$pid"
