#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine, builds with tests and runs every test through
# CTest (Qt tests offscreen). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages
configureAndBuild "$ROOT/build/test" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
export QT_QPA_PLATFORM=offscreen
cd "$ROOT/build/test"
ctest --output-on-failure --timeout 600 "$@"
