#!/usr/bin/env bash
# Regenerates tests/core/data/gpt2_fixture_tokens.json: the GPT-2 token ids of every fixture text by the
# npm package gpt-3-encoder (pinned), run under the machine's Node.js. Needs node and npm.
# usage: tests/core/make_gpt2_reference.sh [FIXTURE_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES=${1:-$HERE/../../../shared/data/fixtures}
VERSION=1.1.4
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "gpt-3-encoder@$VERSION" >/dev/null && tar xzf "gpt-3-encoder-$VERSION.tgz")
node "$HERE/gpt2_reference_tokens.js" "$TMP/package/Encoder.js" "$FIXTURES" "$HERE/data/gpt2_fixture_tokens.json"
