#!/bin/bash
# Builds limn (release, with Swift's standard library linked in, so the binary
# needs only libvips and oneDNN at run time) and installs it under PREFIX:
#   PREFIX/bin/limn                                the command
#   PREFIX/share/limn/presets/                     the networks (found beside bin/ at run time)
#   PREFIX/share/man/man1/limn*.1                  man pages
#   PREFIX/share/{bash-completion/completions,zsh/site-functions,fish/vendor_completions.d}/
#
#   Scripts/install.sh [PREFIX]        # default /usr/local; DESTDIR is honoured for packaging
set -euo pipefail
PREFIX=${1:-/usr/local}
ROOT=${DESTDIR:-}$PREFIX
cd "$(dirname "$0")/.."
# Its own build folder: SwiftPM does not relink a binary of .build/ when only this flag changes.
build=(swift build -c release --static-swift-stdlib --product limn --scratch-path .build-install)
"${build[@]}"
BIN=$("${build[@]}" --show-bin-path)/limn

install -d "$ROOT/bin" "$ROOT/share/limn/presets" "$ROOT/share/man/man1" \
  "$ROOT/share/bash-completion/completions" "$ROOT/share/zsh/site-functions" "$ROOT/share/fish/vendor_completions.d"
install -m 755 "$BIN" "$ROOT/bin/limn"
install -m 644 Presets/manifest.json Presets/*.safetensors "$ROOT/share/limn/presets/"
"$BIN" --generate-completion-script bash > "$ROOT/share/bash-completion/completions/limn"
"$BIN" --generate-completion-script zsh > "$ROOT/share/zsh/site-functions/_limn"
"$BIN" --generate-completion-script fish > "$ROOT/share/fish/vendor_completions.d/limn.fish"
# Man pages from the command's own help (swift-argument-parser's generate-manual plugin).
swift package generate-manual --multi-page >/dev/null 2>&1
install -m 644 .build/plugins/GenerateManual/outputs/LimnCLI/*.1 "$ROOT/share/man/man1/"
echo "installed limn $("$ROOT/bin/limn" --version) in $ROOT"
