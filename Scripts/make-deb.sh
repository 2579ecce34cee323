#!/bin/bash
# Builds a Debian package of limn with the layout of Scripts/install.sh under /usr:
#   /usr/bin/limn, /usr/share/limn/presets/, man pages, shell completions.
# Its Depends come from dpkg-shlibdeps (the shared libraries the binary links:
# libvips42, libdnnl2, ...), so it installs on a clean Debian 12 with apt.
#
#   Scripts/make-deb.sh [OUTDIR]        # default .build-install; prints the .deb's path
# Needs dpkg-dev (dpkg-shlibdeps) and the build dependencies of Scripts/install.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-.build-install}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/limn
DESTDIR=$STAGE Scripts/install.sh /usr >&2

# Debian's places: zsh completions in vendor-completions, man pages compressed.
mv "$STAGE/usr/share/zsh/site-functions" "$STAGE/usr/share/zsh/vendor-completions"
gzip -9n "$STAGE"/usr/share/man/man1/*.1
install -d "$STAGE/usr/share/doc/limn"
# Each preset's source and licence is in its manifest description (`limn presets`);
# the project has not chosen a licence for its code yet.
printf '%s\n' "limn: Copyright the Limn developers; no licence chosen for the code yet." \
  "The networks in /usr/share/limn/presets: each one's source and licence is in its" \
  "description in manifest.json there, which \`limn presets\` prints." \
  > "$STAGE/usr/share/doc/limn/copyright"

VERSION=$("$STAGE/usr/bin/limn" --version)
ARCH=$(dpkg --print-architecture)
# dpkg-shlibdeps reads debian/control from the current folder.
mkdir -p "$WORK/src/debian"
printf 'Source: limn\n\nPackage: limn\nArchitecture: any\n' > "$WORK/src/debian/control"
DEPENDS=$(cd "$WORK/src" && dpkg-shlibdeps -O -e"$STAGE/usr/bin/limn" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d "$STAGE/DEBIAN"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: limn
Version: $VERSION
Architecture: $ARCH
Maintainer: Limn developers <limn@example.invalid>
Depends: $DEPENDS
Section: graphics
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
Description: neural image post-processing: upscale, stylize, enhance
 limn enlarges photos with networks trained for real photos, paints them in
 the style of a painting and removes motion and defocus blur, on any x86-64
 CPU. It streams images of any size through libvips in bounded memory and
 chains in shell pipelines.
CONTROL
mkdir -p "$OUT"
DEB=$OUT/limn_${VERSION}_$ARCH.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >&2
echo "$DEB"
