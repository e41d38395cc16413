#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Coplan: installs what is missing,
# builds server and web client, creates ./var/coplan.db with the demo partnership on first
# start, and serves on http://localhost:8080. Extra arguments go to `coplan serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/release/coplan serve --port "${PORT:-8080}" --data-dir var --web-root web/dist --templates templates --demo "$@"
