#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine (packages, Release build) and starts convscope
# with the arguments given: `./scripts/run.sh` opens the app, `./scripts/run.sh conv ...`
# runs the command line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages run >&2 # only what building and running need (PyTorch and the test tools are test.sh's)
configureAndBuild "$ROOT/build/release" "${RELEASE_FLAGS[@]}" -DBUILD_TESTING=OFF >&2
exec "$ROOT/build/release/app/convscope" "$@"
