#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine (packages, Release build) and starts convscope
# with the arguments given: `./scripts/run.sh` opens the app, `./scripts/run.sh conv ...`
# runs the command line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages >&2
configureAndBuild "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >&2
exec "$ROOT/build/release/app/convscope" "$@"
