#!/usr/bin/env bash
# Builds the Debian package (scripts/package.sh), checks it and installs it into a clean
# root, then runs the installed ConvScope there, away from this source tree:
#  - the control file: name, version, architecture, and dependencies that dpkg-shlibdeps
#    generated (Qt, OpenCV, oneDNN, ...) and that this system's dpkg can satisfy;
#  - the files a lab machine needs: the binary, resources, menu entry, icons, AppStream
#    metadata, file types, man page, copyright;
#  - lintian (Debian's package checker): no errors, no warnings;
#  - desktop-file-validate, appstreamcli validate --no-net, the MIME package through
#    update-mime-database (a lecture file and a model file get ConvScope's types), the man
#    page rendered by man;
#  - `dpkg -x` into an empty folder; from there: convscope --version, convscope conv on an
#    installed lecture example (the slide's feature map), one epoch of LeNet-5 on the
#    installed digits (saved, then evaluated), and the window itself (offscreen) training
#    on them (convscope bench gui).
# Exits non-zero on the first failure, saying which check failed.
#   ./scripts/test-package.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { echo "test-package: FAILED: $*" >&2; exit 1; }
check() { echo "test-package: $*"; }

deb="$("$ROOT/scripts/package.sh" | tail -n 1)"
[ -f "$deb" ] || fail "scripts/package.sh made no package"
version="$(sed -n 's/^project(ConvScope VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")"
[ "$(basename "$deb")" = "convscope_${version}_amd64.deb" ] || fail "package named $(basename "$deb"), expected convscope_${version}_amd64.deb"

check "dpkg -I $(basename "$deb")"
dpkg-deb -I "$deb"
[ "$(dpkg-deb -f "$deb" Package)" = convscope ] || fail "Package field"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version field"
[ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || fail "Architecture field"
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libc6 libqt6widgets6 libqt6svg6 libopencv-core406 libdnnl2 libgvc6 libonnx1 qt6-qpa-plugins; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
# Every dependency is a package this system knows and has installed at a version that fits
# (dpkg's own check, without installing anything).
dpkg --dry-run -i "$deb" >/dev/null || fail "dpkg cannot satisfy the dependencies: $depends"
# Debian's package checker: no errors and no warnings (it warns when run as root, which CI is).
check "lintian"
status=0
report="$(lintian --fail-on error,warning --tag-display-limit 0 "$deb" 2>&1)" || status=$?
grep -v "running with root privileges" <<<"$report" || true
[ "$status" -eq 0 ] || fail "lintian reports errors or warnings (above)"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
check "files in the package"
for f in usr/bin/convscope \
  usr/share/convscope/resources/digits/train-images-idx3-ubyte.gz \
  usr/share/convscope/resources/examples/six.txt \
  usr/share/convscope/resources/models/lenet5-digits.json \
  usr/share/applications/org.convscope.ConvScope.desktop \
  usr/share/metainfo/org.convscope.ConvScope.metainfo.xml \
  usr/share/mime/packages/org.convscope.ConvScope.xml \
  usr/share/icons/hicolor/scalable/apps/org.convscope.ConvScope.svg \
  usr/share/icons/hicolor/16x16/apps/org.convscope.ConvScope.png \
  usr/share/icons/hicolor/48x48/apps/org.convscope.ConvScope.png \
  usr/share/icons/hicolor/256x256/apps/org.convscope.ConvScope.png \
  usr/share/man/man1/convscope.1.gz \
  usr/share/doc/convscope/copyright \
  usr/share/doc/convscope/changelog.gz; do
  [ -s "$root/$f" ] || fail "/$f is missing or empty"
done
if find "$root" -name '*.so*' | grep -q .; then fail "the package carries a shared library"; fi
grep -q "$ROOT" "$root/usr/bin/convscope" && fail "the binary holds this source tree's path ($ROOT)"

check "desktop-file-validate"
desktop-file-validate "$root/usr/share/applications/org.convscope.ConvScope.desktop" || fail "desktop-file-validate"
check "appstreamcli validate --no-net"
appstreamcli validate --no-net "$root/usr/share/metainfo/org.convscope.ConvScope.metainfo.xml" || fail "appstreamcli"
check "shared MIME info"
mime="$root/mime-db/mime"
mkdir -p "$mime/packages"
cp /usr/share/mime/packages/freedesktop.org.xml "$root/usr/share/mime/packages/org.convscope.ConvScope.xml" "$mime/packages/"
update-mime-database "$mime" >/dev/null 2>&1 || fail "update-mime-database"
for type in application/x-convscope-lecture application/x-convscope-model application/x-convscope-layers application/x-onnx; do
  grep -q "$type" "$mime/types" || fail "$type not in the MIME database"
done
grep -q ':application/x-convscope-lecture:\*\.convscope' "$mime/globs2" || fail "*.convscope is not a lecture"
grep -q 'convscope-model' "$mime/magic" || fail "no magic for model files"
# As a file manager sees them (GLib's MIME lookup, given only this database).
if command -v gio >/dev/null; then
  printf '{\n "format": "convscope-lecture",\n "version": 1\n}\n' > "$root/slide.convscope"
  for pair in "$root/slide.convscope=application/x-convscope-lecture" \
    "$root/usr/share/convscope/resources/models/lenet5-digits.json=application/x-convscope-model"; do
    type="$(XDG_DATA_HOME="$root/none" XDG_DATA_DIRS="$root/mime-db" gio info -a standard::content-type "${pair%%=*}" |
      sed -n 's/.*standard::content-type: //p')"
    [ "$type" = "${pair#*=}" ] || fail "${pair%%=*} is $type to GLib, expected ${pair#*=}"
  done
fi
check "man page"
man -l "$root/usr/share/man/man1/convscope.1.gz" 2>/dev/null | col -b > "$root/man.txt"
for text in "convscope conv" "convscope train" "--kernel" "CONVSCOPE_RESOURCES" "Exit status"; do
  grep -qF -- "$text" "$root/man.txt" || fail "the man page lacks \"$text\""
done

# The installed program, run from an unrelated folder with only the installed files.
bin="$root/usr/bin/convscope"
res="$root/usr/share/convscope/resources"
cd "$root"
unset CONVSCOPE_RESOURCES
check "convscope --version"
[ "$("$bin" --version)" = "convscope $version" ] || fail "--version says $("$bin" --version)"
check "convscope conv on the installed six.txt with filter 1"
"$bin" conv --input "$res/examples/six.txt" --kernel "$res/examples/filter1.txt" | tee conv.txt
printf '%s\n' "shape 1x4x4 (channels x rows x columns)" "3 -1 -3 -1" "-3 1 0 -3" "-3 -3 0 1" "3 -2 -2 -1" |
  diff - conv.txt || fail "the lecture's feature map differs"
check "convscope train --model lenet5 --dataset digits --epochs 1"
"$bin" train --model lenet5 --dataset digits --epochs 1 --save lenet5.json --json | tee train.json
accuracy="$(sed -n 's/.*"test_accuracy":\([0-9.]*\).*/\1/p' train.json)"
awk -v a="$accuracy" 'BEGIN { exit !(a > 0.8) }' || fail "one epoch reached test accuracy $accuracy (expected > 0.8)"
"$bin" eval --model lenet5.json --dataset digits || fail "eval of the saved model"
check "the window, offscreen, training on the installed digits"
QT_QPA_PLATFORM=offscreen CONVSCOPE_NO_PROMPTS=1 XDG_CONFIG_HOME="$root/config" XDG_RUNTIME_DIR="$root" \
  timeout 120 "$bin" bench gui --rounds 1 --epochs 1 --images 640 > gui.txt || fail "the window did not run (bench gui)"
cat gui.txt
check "passed: $(basename "$deb") installs into a clean root and runs there"
