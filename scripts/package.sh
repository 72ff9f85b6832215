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
configureAndBuild "$ROOT/build/package" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DCONVSCOPE_PACKAGE=ON
rm -f "$ROOT"/build/package/convscope_*.deb
(cd "$ROOT/build/package" && cpack -G DEB >&2)
ls "$ROOT"/build/package/convscope_*_amd64.deb
