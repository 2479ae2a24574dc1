#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (ssh-keygen, openssl, Go with x/crypto,
# Python with cryptography, curl). Idempotent: it only calls apt-get for what is missing, so on a
# prepared machine it costs a few dpkg look-ups. Tests never skip because a tool is absent: if this
# cannot install something, it fails here, loudly.
set -euo pipefail

# package → a file that proves it is installed (dpkg -s alone misses half-removed packages)
declare -A wanted=(
  [openssh-client]=/usr/bin/ssh-keygen
  [openssl]=/usr/bin/openssl
  [curl]=/usr/bin/curl
  [golang-go]=/usr/bin/go
  [golang-golang-x-crypto-dev]=/usr/share/gocode/src/golang.org/x/crypto/ssh/keys.go
  [python3]=/usr/bin/python3
  [python3-cryptography]=/usr/lib/python3/dist-packages/cryptography/__init__.py
)

missing=()
for pkg in "${!wanted[@]}"; do
  [ -e "${wanted[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup-system: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null || { echo "setup-system: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
for pkg in "${missing[@]}"; do
  [ -e "${wanted[$pkg]}" ] || { echo "setup-system: $pkg installed but ${wanted[$pkg]} is still missing" >&2; exit 1; }
done
