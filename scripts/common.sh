#!/usr/bin/env bash
# Shared set-up for run.sh, test.sh and the scripts they call: installs the Debian packages
# ConvScope needs (only those missing), then configures and builds with CMake and Ninja
# through a compiler cache.
# Not for: running anything; the callers decide what to start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# What building and running ConvScope needs (./scripts/run.sh installs only these): compiler,
# CMake, Ninja, the mold linker and the compiler cache, the libraries, Fashion-MNIST for the
# Training tab.
RUN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache mold
  qt6-base-dev libxkbcommon-dev libgl-dev qt6-svg-dev
  libopencv-dev libtiff-dev libwebp-dev
  libdnnl-dev ocl-icd-opencl-dev opencl-headers
  libqcustomplot-dev
  nlohmann-json3-dev
  libonnx-dev libprotobuf-dev
  libgraphviz-dev libgif-dev
  dataset-fashion-mnist
)
# What testing adds (./scripts/test.sh): GoogleTest and Google Benchmark, clang with its
# sanitizer runtimes for the fuzzers, PyTorch as the oracle and peer, ONNX's checker, Xvfb
# and ImageMagick for screenshots and GIFs; the package's tools and checkers (help2man for
# the man page, dpkg-dev for dpkg-shlibdeps, lintian, the freedesktop.org validators,
# poppler-utils to render exported PDFs).
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3-torch python3-torchvision python3-numpy python3-onnx
  help2man dpkg-dev desktop-file-utils appstream shared-mime-info libxml2-utils poppler-utils man-db lintian
  xvfb xauth imagemagick
)

# installMissingPackages [run|all]: run installs RUN_PACKAGES, all (the default) both lists.
installMissingPackages() {
  local wanted=("${RUN_PACKAGES[@]}")
  [ "${1:-all}" = run ] || wanted+=("${TEST_PACKAGES[@]}")
  local missing=()
  for p in "${wanted[@]}"; do
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

# The compiler cache lives outside the clone (~/.cache/convscope-ccache, or $CCACHE_DIR), so
# every clone on this machine shares it, CI's included. Paths are hashed relative to the
# clone (base_dir, no working directory), so a clone in another folder hits too; the one
# test file that names the checkout is tests/common/TestPaths.cpp. Sloppiness as ccache's
# manual asks for precompiled headers.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/convscope-ccache}"
export CCACHE_BASEDIR="$ROOT"
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-10G}"
# Qt Test defines its test's build and source folders on every QtTest file's command line, for
# QFINDTESTDATA, which ConvScope's tests do not use (tests/common/TestPaths.h): left out of
# the hash, so that those files hit in another clone too.
export CCACHE_IGNOREOPTIONS="-DQT_TESTCASE_BUILDDIR=* -DQT_TESTCASE_SOURCEDIR=*"

# configureAndBuild BUILD_DIR [CMAKE ARGS...] [-- NINJA TARGETS...]: configures once (with the
# compiler cache and the mold linker when they are installed), then builds.
configureAndBuild() {
  local dir="$1"; shift
  local args=() targets=()
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; targets=("$@"); break; fi
    args+=("$1"); shift
  done
  if [ ! -f "$dir/build.ninja" ]; then
    local tools=()
    command -v ccache >/dev/null && tools+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    command -v mold >/dev/null && tools+=(-DCMAKE_EXE_LINKER_FLAGS_INIT=-fuse-ld=mold)
    cmake -S "$ROOT" -B "$dir" -G Ninja "${tools[@]}" "${args[@]}"
  fi
  cmake --build "$dir" --parallel "$(getconf _NPROCESSORS_ONLN)" ${targets[@]+--target "${targets[@]}"}
}

# The flags the test build, the package and run.sh's build share, so that one build's cached
# objects serve the others (only the package's resources path differs, on one file).
RELEASE_FLAGS=(-DCMAKE_BUILD_TYPE=Release)
# clang (the sanitizer build and the fuzzers: libFuzzer is clang's), with OpenMP from GCC's
# libgomp, the runtime oneDNN and OpenCV already use (two OpenMP runtimes in one process do
# not mix).
CLANG_FLAGS=(-DCMAKE_CXX_COMPILER=clang++ -DOpenMP_CXX_FLAGS=-fopenmp=libgomp -DOpenMP_CXX_LIB_NAMES=gomp
             "-DOpenMP_gomp_LIBRARY=$(g++ -print-file-name=libgomp.so)")
