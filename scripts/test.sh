#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine, builds with tests and runs every test through CTest
# (two at a time; Qt tests offscreen), builds the Debian package and runs it installed in a
# clean root (scripts/test-package.sh), then builds again with AddressSanitizer + Undefined-
# BehaviorSanitizer and runs the whole suite once more (scripts/test-sanitizers.sh), then the
# tests of ConvScope's threads under ThreadSanitizer (scripts/test-tsan.sh); a sanitizer
# report fails its test; then fuzzes each parser for 10 seconds (scripts/fuzz.sh). Exits
# non-zero on any failure. Each stage's time is printed as it ends.
#   ./scripts/test.sh                 everything
#   ./scripts/test.sh -R ui_tests     CTest arguments go to both runs
#   CONVSCOPE_NO_SANITIZERS=1 CONVSCOPE_NO_FUZZ=1 CONVSCOPE_NO_PACKAGE=1 ./scripts/test.sh   the plain run only
#   CONVSCOPE_FUZZ_SECONDS=60 ./scripts/test.sh   fuzz longer (CONVSCOPE_FUZZ_SEED=N: another seed than 1)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
started=$SECONDS
stage() { echo "ConvScope: $1 done at $((SECONDS - started)) s" >&2; }
installMissingPackages
stage "set-up"
configureAndBuild "$ROOT/build/test" "${RELEASE_FLAGS[@]}" -DBUILD_TESTING=ON -DCONVSCOPE_BENCH=OFF
stage "the test build"
export QT_QPA_PLATFORM=offscreen
(cd "$ROOT/build/test" && ctest --output-on-failure --timeout 900 -j2 "$@")
stage "the test suite"
# The Debian package: built, validated, installed into a clean root and run there
# (scripts/test-package.sh; CONVSCOPE_NO_PACKAGE=1 skips it).
if [ -z "${CONVSCOPE_NO_PACKAGE:-}" ] && [ $# -eq 0 ]; then
  "$ROOT/scripts/test-package.sh"
  stage "the package"
fi
if [ -z "${CONVSCOPE_NO_SANITIZERS:-}" ]; then
  "$ROOT/scripts/test-sanitizers.sh" "$@"
  stage "AddressSanitizer + UndefinedBehaviorSanitizer"
  if [ $# -eq 0 ]; then # its own selection of tests (CTest arguments do not apply)
    "$ROOT/scripts/test-tsan.sh"
    stage "ThreadSanitizer"
  fi
fi
# Each libFuzzer target for a few seconds (scripts/fuzz.sh; its corpora and regressions
# already ran once above, in fuzz_corpus_TARGET), with a fixed seed so that every run tries
# the same inputs: exploring is scripts/fuzz.sh's job, run without a seed.
if [ -z "${CONVSCOPE_NO_FUZZ:-}" ]; then
  # The sanitizer build holds the fuzz targets (scripts/test-sanitizers.sh); without it,
  # fuzz.sh builds its own.
  [ -z "${CONVSCOPE_NO_SANITIZERS:-}" ] && export CONVSCOPE_FUZZ_BUILD="$ROOT/build/asan"
  CONVSCOPE_FUZZ_SEED="${CONVSCOPE_FUZZ_SEED:-1}" "$ROOT/scripts/fuzz.sh" "${CONVSCOPE_FUZZ_SECONDS:-10}"
  stage "fuzzing"
fi
command -v ccache >/dev/null && ccache --show-stats 2>/dev/null | grep -E "Hits|Misses|hit rate|Cache size" >&2 || true
