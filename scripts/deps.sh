#!/usr/bin/env bash
# Installs the Debian packages parley needs to build and test, if any is missing.
# Idempotent and quiet when everything is present; called by `make` before building.
set -euo pipefail

packages=(
  build-essential pkg-config clang
  libsodium-dev libssl-dev libjansson-dev libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev zlib1g-dev
  libsystemd-dev                      # sd_notify: readiness and watchdog under systemd (Type=notify)
  libseccomp-dev                      # the seccomp filter of the node, witness, keeper and desk (src/sys/sandbox.c)
  golang-go golang-golang-x-mod-dev   # the independent tlog/note checker (tests/go)
  age                                 # the independent age implementation (interop tests)
  nodejs npm                          # ajv, the independent STIX schema validator
  curl jq sqlite3                     # the shell tests' HTTP client, JSON and database checks
  chromium                            # the desk's browser tests and inbox benchmark (tests/browser/)
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(nginx-light wrk)         # reference servers and load generator for `make bench`
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian on some machines; accept any working npm.
if command -v npm >/dev/null 2>&1; then
  keep=(); for p in "${missing[@]}"; do case "$p" in nodejs|npm) ;; *) keep+=("$p");; esac; done
  missing=("${keep[@]+"${keep[@]}"}")
fi
# The page's build tools (web/) and the browser tests' driver (tests/browser/) come from
# their committed lockfiles with `npm ci`, run by web/build.sh and tests/browser/setup.sh
# once per lockfile; nothing is installed from npm here, and nothing at run time.
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
