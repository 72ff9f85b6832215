#!/bin/sh
# run_and_match.sh REGEX COMMAND [ARGS...]: runs the command, shows what it printed, and passes
# only when it exited 0 and a line of its output matches REGEX (grep -E). A test that only
# matched the output would pass with a sanitizer's report printed after the expected line.
regex="$1"
shift
out="${TMPDIR:-/tmp}/run_and_match.$$"
"$@" > "$out" 2>&1
status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  echo "run_and_match: the command exited with status $status" >&2
  rm -f "$out"
  exit 1
fi
if ! grep -Eq "$regex" "$out"; then
  echo "run_and_match: no line matches $regex" >&2
  rm -f "$out"
  exit 1
fi
rm -f "$out"
