#!/usr/bin/env bash
# Recompute specs/golden/ollama-auth-vectors.json with an independent Go implementation and compare it with
# the vendored copy.
#
#   specs/golden/regenerate/regenerate.sh [--out DIR] OLLAMA_GIT_DIR
#
# OLLAMA_GIT_DIR: a clone (or bare mirror) of github.com/ollama/ollama that has commit fb30760 (checked, so
# the vectors are tied to the commit they describe; nothing of Ollama's is built or run by this script).
# --out DIR: also write the recomputed data (without provenance) into DIR, e.g. to refresh the vendored
# file after a deliberate change.
#
# The other golden file, ollama-challenge-parsers-observed.json, is an observation of Ollama's own parser
# functions and has no recipe here: this project does not keep or build Ollama's code (see
# specs/golden/README.md for how it was observed and how the repository checks its transcription against it).
#
# Needs: go (GOPATH mode; Debian's golang-go 1.19 works) and golang.org/x/crypto under $GOPATH
# (default /usr/share/gocode, Debian's golang-golang-x-crypto-dev), node, git.
# Exit status: 0 when both recomputed data sets equal the vendored ones, 1 on a difference (printed),
# 2 on a usage or environment error.
set -euo pipefail

OLLAMA_COMMIT=fb3076099
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GOLDEN=$(cd "$HERE/.." && pwd)

usage() { echo "usage: $0 [--out DIR] OLLAMA_GIT_DIR" >&2; exit 2; }

OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) [[ $# -ge 2 ]] || usage; OUT=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) break ;;
  esac
done
[[ $# -eq 1 ]] || usage
OLLAMA_GIT_DIR=$1

for tool in go node git; do
  command -v "$tool" >/dev/null || { echo "regenerate: $tool is not on PATH" >&2; exit 2; }
done
GOPATH_DIR=${GOPATH:-/usr/share/gocode}
[[ -d "$GOPATH_DIR/src/golang.org/x/crypto/ssh" ]] || {
  echo "regenerate: golang.org/x/crypto/ssh not found under $GOPATH_DIR/src (install golang-golang-x-crypto-dev or set GOPATH)" >&2
  exit 2
}
git -C "$OLLAMA_GIT_DIR" cat-file -e "$OLLAMA_COMMIT^{commit}" 2>/dev/null || {
  echo "regenerate: $OLLAMA_GIT_DIR is not a git repository holding ollama/ollama commit $OLLAMA_COMMIT" >&2
  exit 2
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GOPATH="$GOPATH_DIR" GO111MODULE=off GOFLAGS="" GOCACHE="$WORK/gocache"

# 1. Auth vectors: an independent Go implementation (auth-vectors/main.go) over x/crypto/ssh.
mkdir -p "$WORK/auth"
cp "$HERE/auth-vectors/main.go" "$WORK/auth/"
(cd "$WORK/auth" && go run main.go) > "$WORK/ollama-auth-vectors.json"

if [[ -n "$OUT" ]]; then
  mkdir -p "$OUT"
  cp "$WORK/ollama-auth-vectors.json" "$OUT/"
fi

# 3. Compare with the vendored data (the provenance block is ours, not the generator's).
node - "$GOLDEN" "$WORK" <<'EOF'
const { readFileSync } = require('node:fs');
const { isDeepStrictEqual } = require('node:util');
const [golden, work] = process.argv.slice(2);
const read = (dir, name) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'));
const vendoredAuth = read(golden, 'ollama-auth-vectors.json');
delete vendoredAuth.provenance;
const pairs = [
  ['ollama-auth-vectors.json', vendoredAuth, read(work, 'ollama-auth-vectors.json')],
];
let differ = false;
for (const [name, vendored, fresh] of pairs) {
  if (isDeepStrictEqual(vendored, fresh)) {
    console.log(`${name}: recomputed data equals the vendored data`);
    continue;
  }
  differ = true;
  console.log(`${name}: DIFFERS from the vendored data`);
  const keys = Array.isArray(vendored) ? [...Array(Math.max(vendored.length, fresh.length)).keys()] : [...new Set([...Object.keys(vendored), ...Object.keys(fresh)])];
  for (const k of keys) {
    if (!isDeepStrictEqual(vendored[k], fresh[k])) console.log(`  [${k}]\n    vendored:   ${JSON.stringify(vendored[k])}\n    recomputed: ${JSON.stringify(fresh[k])}`);
  }
}
process.exit(differ ? 1 : 0);
EOF
