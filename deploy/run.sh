#!/usr/bin/env bash
# One command from a fresh Debian machine to a running server with its embedded defaults
# (SQLite at ./data/sfu.db, demo page at http://localhost:8080/, dev JWT secret).
# Extra arguments go to sfu-server, e.g. deploy/run.sh --http-port 9000.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSFU_BUILD_TESTS=OFF -DSFU_BUILD_BENCH=OFF >/dev/null
cmake --build build --target sfu-server
mkdir -p data
if [[ -z ${SFU_JWT_SECRET:-} ]]; then
  set -- --dev "$@"
fi
exec build/bin/sfu-server "$@"
