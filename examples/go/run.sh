#!/usr/bin/env bash
# Exec-contract entry point of the Go example client: `run.sh <action> <target>`.
# Builds ./.build/client on first use (and again whenever a .go file is newer than it), then execs it.
# GOPATH mode with Debian's golang-go + golang-golang-x-crypto-dev, no module download:
#   GOPATH=/usr/share/gocode GO111MODULE=off go build
# The build cache lives next to the binary, not under $HOME: the harness gives every run a fresh HOME.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$here/.build"
bin="$build/client"

needs_build() {
  [[ -x "$bin" ]] || return 0
  local f
  for f in "$here"/*.go; do
    [[ "$f" -nt "$bin" ]] && return 0
  done
  return 1
}

if needs_build; then
  command -v go >/dev/null 2>&1 || { echo "go client: 'go' is not installed (Debian: apt-get install golang-go golang-golang-x-crypto-dev)" >&2; exit 1; }
  mkdir -p "$build"
  tmp="$bin.tmp.$$"
  # Build into a private name, then rename: concurrent first runs never exec a half-written binary.
  if ! (cd "$here" && GOPATH="${OAC_GOPATH:-/usr/share/gocode}" GO111MODULE=off GOFLAGS= GOCACHE="$build/cache" \
        go build -o "$tmp" . ) >"$build/build.log" 2>&1; then
    rm -f "$tmp"
    echo "go client: build failed: $(head -n 3 "$build/build.log" | tr '\n' ' ') (full log: $build/build.log)" >&2
    exit 1
  fi
  mv -f "$tmp" "$bin"
fi

exec "$bin" "$@"
