#!/usr/bin/env bash
# Installs the Debian 12 packages zhijian needs to build, test and benchmark.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail
packages=(build-essential cmake pkg-config
          libpcre2-dev libyaml-dev libsqlite3-dev libutf8proc-dev libjansson-dev
          libcmocka-dev libhyperscan-dev libopencc-dev sqlite3 valgrind ripgrep
          python3-jsonschema python3-distributed
          clang libclang-rt-dev
          libmicrohttpd-dev libsodium-dev   # zhijian serve
          libpq-dev postgresql postgresql-client   # the PostgreSQL store and its tests
          chromium fonts-noto-cjk chromium-driver python3-selenium)  # browser checks, screenshots
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "zhijian: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# libhyperscan-dev exists only on x86_64; elsewhere the PCRE2 backend is used.
if ! apt-cache show libhyperscan-dev >/dev/null 2>&1; then
  missing=("${missing[@]/libhyperscan-dev}")
fi
$sudo apt-get install -y -qq --no-install-recommends ${missing[@]} >/dev/null
