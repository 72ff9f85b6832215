#!/usr/bin/env bash
# Shared set-up for run.sh and test.sh: installs the Debian packages ConvScope needs
# (only those missing), then configures and builds with CMake + Ninja.
# Not for: running anything; the two callers decide what to start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# One list for both commands. Build: compiler, CMake, Ninja and the libraries.
# Run/test: Xvfb and ImageMagick for screenshots, PyTorch as the oracle and peer. Package
# (scripts/package.sh) and its checks: help2man for the man page, dpkg-dev for
# dpkg-shlibdeps, the freedesktop.org validators, poppler-utils to render exported PDFs.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev libxkbcommon-dev libgl-dev
  libopencv-dev
  libdnnl-dev ocl-icd-opencl-dev opencl-headers
  libqcustomplot-dev
  nlohmann-json3-dev
  libonnx-dev libprotobuf-dev python3-onnx
  libgraphviz-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3-torch python3-torchvision python3-numpy
  dataset-fashion-mnist
  qt6-svg-dev libgif-dev
  help2man dpkg-dev desktop-file-utils appstream shared-mime-info libxml2-utils poppler-utils man-db
  xvfb xauth imagemagick
)

installMissingPackages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ConvScope: installing missing packages: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "ConvScope: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# configureAndBuild BUILD_DIR [CMAKE ARGS...]
configureAndBuild() {
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ROOT" -B "$dir" -G Ninja "$@"
  fi
  cmake --build "$dir" --parallel "$(nproc)"
}
