#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (ssh-keygen, openssl, Go with x/crypto,
# Python with cryptography, curl, and the reverse proxies `oac probe` is tested against: nginx, Caddy,
# testssl.sh). Idempotent: it only calls apt-get for what is missing, so on a prepared machine it costs
# a few file look-ups. Tests never skip because a tool is absent: if this cannot install something, it
# fails here, loudly.
#
# nginx and Caddy are only used as programs the tests start themselves (on 127.0.0.1, a free port, their
# own temp dir). Their Debian packages would also start a system-wide server on port 80: this script
# keeps that from happening (policy-rc.d without systemd, `systemctl disable --now` with it) and stops
# one if it started anyway.
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
  # Debian 12's `nginx` binary has ssl, auth_basic, map and proxy built in (nginx-light only adds the
  # echo module), so the plain package is all the probe tests need.
  [nginx]=/usr/sbin/nginx
  [caddy]=/usr/bin/caddy
  [testssl.sh]=/usr/bin/testssl
  # htpasswd -B -C 4: a bcrypt hash Caddy verifies like its own, at a cost the tests can afford (caddy
  # hash-password always uses cost 14: about a second of CPU per wrong password on this machine).
  [apache2-utils]=/usr/bin/htpasswd
  # The browser test opens report.html in Debian's Chromium through playwright-core (no browser download).
  [chromium]=/usr/bin/chromium
  # `oac check --intercept` is tested with small providers on the HTTP stacks real providers use.
  [python3-requests]=/usr/lib/python3/dist-packages/requests/__init__.py
  [python3-httpx]=/usr/lib/python3/dist-packages/httpx/__init__.py
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

systemd_running() { [ -d /run/systemd/system ]; }

# Without systemd, a package's postinst starts its service through invoke-rc.d, which asks
# /usr/sbin/policy-rc.d first: exit code 101 means "do not start". Container images often ship one; when
# there is none, put one in place for the duration of the install and take it away afterwards.
temporary_policy=
if ! systemd_running && [ ! -e /usr/sbin/policy-rc.d ]; then
  temporary_policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\n# put here by setup-system.sh for the duration of one apt-get install\nexit 101\n' | $SUDO tee "$temporary_policy" >/dev/null
  $SUDO chmod 755 "$temporary_policy"
  trap '$SUDO rm -f "$temporary_policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { echo "setup-system: apt-get update failed (needed to install: ${missing[*]})" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
  { echo "setup-system: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
for pkg in "${missing[@]}"; do
  [ -e "${wanted[$pkg]}" ] || { echo "setup-system: $pkg installed but ${wanted[$pkg]} is still missing" >&2; exit 1; }
done

# No system-wide proxy may stay behind: it would hold port 80 and serve Debian's default site.
for service in nginx caddy; do
  [ -e "${wanted[$service]}" ] || continue
  if systemd_running; then
    $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
    if systemctl is-active --quiet "$service"; then
      echo "setup-system: could not stop the system-wide $service service (systemctl disable --now $service)" >&2
      exit 1
    fi
  fi
done
# Started through an init script after all (a policy-rc.d that allowed it): stop it by its own pid file.
if [ -s /run/nginx.pid ]; then
  nginx_pid=$(cat /run/nginx.pid)
  if kill -0 "$nginx_pid" 2>/dev/null; then
    echo "setup-system: stopping the system-wide nginx (pid $nginx_pid) that its package started" >&2
    $SUDO kill -QUIT "$nginx_pid"
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$nginx_pid" 2>/dev/null; then
      echo "setup-system: the system-wide nginx (pid $nginx_pid) did not stop" >&2
      exit 1
    fi
  fi
fi
if command -v ss >/dev/null && ss -Hltn 'sport = :80' | grep -q .; then
  echo "setup-system: something listens on port 80 after installing ${missing[*]}:" >&2
  ss -ltnp 'sport = :80' >&2 || true
  exit 1
fi
echo "setup-system: installed ${missing[*]}" >&2
