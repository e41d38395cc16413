#!/usr/bin/env bash
# Installs what Coplan needs on Debian 12 when it is missing (apt packages, then the npm packages
# pinned by package-lock.json). Safe to run again: it installs only what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config gzip sqlite3
          libboost1.81-dev libboost-program-options1.81-dev libsqlite3-dev nlohmann-json3-dev libsimdjson-dev
          libsodium-dev libssl-dev openssl libmimalloc-dev libgtest-dev clang libclang-rt-14-dev chromium fonts-liberation poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Coplan's web build needs Node.js 20 or newer (found $(node --version))." >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> Installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
