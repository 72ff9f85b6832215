#!/usr/bin/env bash
# Builds ConvScope's Debian package: a Release build in build/package configured for a
# package (resources read only where installed, never from this source tree), then CPack:
# build/package/convscope_<version>_amd64.deb, its library dependencies from dpkg-shlibdeps.
# Prints the package's path last. scripts/test-package.sh installs it into a clean root and
# runs it there.
#   ./scripts/package.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
installMissingPackages
# The test build's flags (common.sh): its cached objects serve this build, but for the one file
# that finds the resources.
configureAndBuild "$ROOT/build/package" "${RELEASE_FLAGS[@]}" -DBUILD_TESTING=OFF -DCONVSCOPE_PACKAGE=ON >&2
rm -f "$ROOT"/build/package/convscope_*.deb
(cd "$ROOT/build/package" && cpack -G DEB >&2)
ls "$ROOT"/build/package/convscope_*_amd64.deb
