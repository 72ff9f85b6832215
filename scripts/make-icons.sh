#!/usr/bin/env bash
# Renders the application icon app/share/org.convscope.ConvScope.svg to the PNG sizes of the
# hicolor theme: app/share/icons/hicolor/NxN/apps/org.convscope.ConvScope.png for
# N = 16 24 32 48 64 128 256 (the SVG itself is installed as the scalable size).
# Run it after changing the SVG, and commit the PNGs: the build does not render them, so it
# needs no librsvg. Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
svg="$root/app/share/org.convscope.ConvScope.svg"
command -v rsvg-convert >/dev/null || { echo "make-icons.sh: rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 1; }

for n in 16 24 32 48 64 128 256; do
  dir="$root/app/share/icons/hicolor/${n}x${n}/apps"
  mkdir -p "$dir"
  rsvg-convert --width "$n" --height "$n" --format png --output "$dir/org.convscope.ConvScope.png" "$svg"
  echo "$dir/org.convscope.ConvScope.png"
done
