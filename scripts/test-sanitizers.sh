#!/usr/bin/env bash
# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan). Every
# UBSan report aborts (-fno-sanitize-recover=all), every ASan report ends the process, so a
# report is a failing test and its stack is in the log. Called by test.sh; runs alone too.
# Leak checking is on, with the suppressions in scripts/lsan.supp (third-party start-up
# allocations only, each explained there).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages
# -O1: AddressSanitizer's documentation asks for -O1 or more for a reasonable speed, and -O1
# compiles in about two thirds of the time -O2 takes; -g1: line tables are all a report's
# stack needs. clang: the same sanitized engine then serves the libFuzzer targets too
# (scripts/fuzz.sh runs them from this build), instead of a build of their own.
configureAndBuild "$ROOT/build/asan" "${CLANG_FLAGS[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DBUILD_TESTING=ON -DCONVSCOPE_BENCH=OFF -DCONVSCOPE_SANITIZE=ON
export QT_QPA_PLATFORM=offscreen
export CONVSCOPE_SANITIZED=1 # the two full-size giants' ONNX round trip is the plain run's (OnnxTest.cpp)
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
cd "$ROOT/build/asan"
echo "ConvScope: the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
ctest --output-on-failure --timeout 900 -j2 "$@"
