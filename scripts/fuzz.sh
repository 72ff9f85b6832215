#!/usr/bin/env bash
# Fuzzes ConvScope's parsers of untrusted input with libFuzzer (Debian's clang), each for a
# bounded time (as many at once as there are cores), with AddressSanitizer and UndefinedBehaviorSanitizer: the matrix and kernel
# text, layer lists, model files, lecture files, the ONNX importer, image decoding, IDX and
# CIFAR-10.
#   ./scripts/fuzz.sh            60 seconds per target
#   ./scripts/fuzz.sh 10         10 seconds per target (what test.sh runs in CI)
#   ./scripts/fuzz.sh 600 onnx   one target, ten minutes
# Each starts from its seed corpus in tests/fuzz/corpus/TARGET (and the regressions). A
# crash, a sanitizer report, an exception other than std::invalid_argument, a hang (10 s
# on one input) or more than 2 GB of memory stops it; the input is saved in
# build/fuzz/artifacts/ and the script fails. Make it a regression test: copy the file to
# tests/fuzz/regressions/TARGET/ (the corpus tests run it in every test run), then fix.
#
# CONVSCOPE_FUZZ_SEED=N makes a run repeatable: libFuzzer's seed N, starting from the
# repository's corpora only (not this machine's earlier findings). test.sh uses seed 1, so
# CI tries the same inputs every run (a slower machine a prefix of a faster one's) and
# never fails on a finding nobody can reproduce; without a seed, each run explores anew.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages
SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(matrix_text layer_list model_file onnx image idx cifar lecture)

# The fuzz targets: those of the sanitizer build (scripts/test-sanitizers.sh builds them beside
# the suite, and test.sh passes CONVSCOPE_FUZZ_BUILD=build/asan), or a build of the engine and
# the targets only, with clang and libFuzzer (CLANG_FLAGS: scripts/common.sh).
BINARIES="${CONVSCOPE_FUZZ_BUILD:-}"
if [ -z "$BINARIES" ]; then
  BINARIES="$ROOT/build/fuzz"
  configureAndBuild "$BINARIES" "${CLANG_FLAGS[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVSCOPE_FUZZ=ON
fi
mkdir -p "$ROOT/build/fuzz"
[ -x "$BINARIES/tests/fuzz/fuzz_matrix_text" ] || {
  echo "ConvScope: $BINARIES holds no fuzz targets (a sanitizer build made with GCC before they moved there? remove it and run again)" >&2
  exit 1
}

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
export OMP_NUM_THREADS=1
ARTIFACTS="$ROOT/build/fuzz/artifacts"
rm -rf "$ARTIFACTS" # this run's findings only (earlier ones belong in tests/fuzz/regressions)
mkdir -p "$ARTIFACTS"
# fuzzOne TARGET: one target for SECONDS_EACH seconds; its log in build/fuzz/TARGET.log and,
# when it found a problem, a file build/fuzz/TARGET.failed.
fuzzOne() {
  local t="$1"
  local work="$ROOT/build/fuzz/corpus/$t" # what this machine's runs found, kept between runs
  local seedOption=()
  if [ -n "${CONVSCOPE_FUZZ_SEED:-}" ]; then
    work="$ROOT/build/fuzz/seeded/$t" # a repeatable run starts from the repository's corpus
    rm -rf "$work"
    seedOption=(-seed="$CONVSCOPE_FUZZ_SEED")
  fi
  mkdir -p "$work"
  local seeds=("$ROOT/tests/fuzz/corpus/$t")
  [ -d "$ROOT/tests/fuzz/regressions/$t" ] && seeds+=("$ROOT/tests/fuzz/regressions/$t")
  rm -f "$ROOT/build/fuzz/$t.failed"
  "$BINARIES/tests/fuzz/fuzz_$t" "$work" "${seeds[@]}" "${seedOption[@]}" -max_total_time="$SECONDS_EACH" \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/$t-" 2> "$ROOT/build/fuzz/$t.log" || touch "$ROOT/build/fuzz/$t.failed"
}
# A fuzzer is one process on one core: as many run at once as there are cores.
jobs="$(getconf _NPROCESSORS_ONLN)" # not nproc: it follows OMP_NUM_THREADS, set to 1 above
for ((i = 0; i < ${#TARGETS[@]}; i += jobs)); do
  for t in "${TARGETS[@]:i:jobs}"; do
    echo "ConvScope: fuzzing $t for ${SECONDS_EACH}s" >&2
    fuzzOne "$t" &
  done
  wait
done
failed=()
for t in "${TARGETS[@]}"; do
  if [ -e "$ROOT/build/fuzz/$t.failed" ]; then
    failed+=("$t")
    tail -60 "$ROOT/build/fuzz/$t.log" >&2
  else
    echo "ConvScope: $t: $(grep -E "stat::number_of_executed_units|stat::new_units_added" "$ROOT/build/fuzz/$t.log" | tr -s ' ' | tr '\n' ' ')" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "ConvScope: the fuzzer found a problem in: ${failed[*]} (inputs in $ARTIFACTS)" >&2
  exit 1
fi
echo "ConvScope: ${#TARGETS[@]} fuzz target(s), ${SECONDS_EACH}s each, no problem found" >&2
