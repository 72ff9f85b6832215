#!/usr/bin/env bash
# ConvScope's threads under ThreadSanitizer (build/tsan): the trainer driven from another
# thread and two networks computing at once (tests/threads), the whole window suite
# (ui_tests: training with live maps, pause, step, resume, checkpoints, closing mid-run),
# and the Architectures tab's compute-thread jobs (a subset of architecture_tests: the full
# one opens every architecture, minutes under TSan). Every report fails the run
# (halt_on_error). Called by test.sh after the ASan + UBSan run; runs alone too.
#
# What TSan can and cannot see here, and why each suppression in scripts/tsan.supp exists:
# - OpenMP: Debian's libgomp and oneDNN are not built with TSan, so it cannot see the
#   synchronization inside their thread pools and would report their workers' accesses as
#   races. The runs use one OpenMP thread (OMP_NUM_THREADS=1: a parallel region runs on the
#   thread that meets it); the races looked for are between ConvScope's threads (the GUI
#   thread, the compute thread, a test's std::thread), which are instrumented.
# - Qt's queued calls synchronize inside Debian's uninstrumented QtCore; ui/core/ThreadSanitizer.h
#   declares those edges to TSan (a ThreadSanitizer build wraps QtCore's two entry points).
# - Qt's and GLib's own threads and file descriptors: scripts/tsan.supp, one reason each.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages
dir="$ROOT/build/tsan"
# -O1 (ThreadSanitizer's documentation asks for -O1 or -O2): it compiles faster; -g1: line
# tables are all a report needs, and the build is a third shorter.
configureAndBuild "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DBUILD_TESTING=ON -DCONVSCOPE_BENCH=OFF -DCONVSCOPE_SANITIZE_THREAD=ON -- thread_tests ui_tests architecture_tests \
  inspection_tests
export QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=1
export CONVSCOPE_SANITIZED=1 # tests skip their timing assertions
# die_after_fork=0: the window tests check exported PDFs and GIFs with pdftoppm and
# ImageMagick through QProcess, which forks the multi-threaded test (the child only execs).
export TSAN_OPTIONS="halt_on_error=1:history_size=7:second_deadlock_stack=1:die_after_fork=0:suppressions=$ROOT/scripts/tsan.supp"
export XDG_CONFIG_HOME="$dir/config" # the tests' remembered settings stay in the build
echo "ConvScope: its threads under ThreadSanitizer" >&2
cd "$dir"
./tests/thread_tests
# The window suites two at a time (each runs one OpenMP thread: a core each), each with its own
# settings folder; each one's output is printed when both have ended.
run() { # run NAME COMMAND...: COMMAND's output in NAME.log, its status in NAME.status
  local name=$1
  shift
  ("$@" > "$dir/$name.log" 2>&1; echo $? > "$dir/$name.status") &
}
XDG_CONFIG_HOME="$dir/config/ui" run ui_tests ./tests/ui_tests
XDG_CONFIG_HOME="$dir/config/architecture" run architecture_tests ./tests/architecture_tests \
  blocksCloseAndOpenAndTheTableFollowsTheGraph anOnnxFileOpensAndABadFileIsRefused \
  standardDepthwiseAndPointwiseCountWhatTheFormulaSays compareShowsTwoNetworksSideBySideAndTheirTraining
wait -n
# The live video's reader thread, the Probe's chunks, attacks and hovered fields on the compute thread.
XDG_CONFIG_HOME="$dir/config/inspection" QT_QPA_PLATFORM="offscreen:configfile=$ROOT/tests/ui/projector-1280x800.json" \
  run inspection_tests ./tests/inspection_tests
wait
failed=0
for name in ui_tests architecture_tests inspection_tests; do
  cat "$dir/$name.log"
  [ "$(cat "$dir/$name.status")" = 0 ] || { echo "ConvScope: $name failed under ThreadSanitizer" >&2; failed=1; }
done
[ $failed = 0 ]
echo "ConvScope: ThreadSanitizer found nothing" >&2
