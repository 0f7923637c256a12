#!/usr/bin/env bash
# Installs what sfu-server needs from Debian bookworm (and npm for the JavaScript test clients).
# Idempotent and non-interactive: packages already present are skipped.
#   deploy/install-deps.sh           build and run dependencies (npm vendors the browser's
#                                    socket.io-client bundle the demo page loads)
#   deploy/install-deps.sh --test    plus what the test suite needs (chromium, prometheus, coturn, npm clients)
#   deploy/install-deps.sh --bench   plus what the benchmarks need (janus)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-url1.81-dev libssl-dev libsrtp2-dev libusrsctp-dev
  nlohmann-json3-dev libsqlite3-dev prometheus-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm
)
test_pkgs=(
  clang libclang-rt-14-dev clang-format chromium prometheus coturn
  iproute2 nftables sqlite3 procps python3-yaml
)
bench_pkgs=(janus)

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  # nodejs may come from elsewhere on a developer machine; a working node+npm is enough.
  if [[ $p == nodejs || $p == npm ]] && command -v node >/dev/null && command -v npm >/dev/null; then
    continue
  fi
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  echo "install-deps: all Debian packages present"
fi

# Browser bundle served at /socket.io/socket.io.js: npm socket.io-client, vendored at install
# time into signaling/web/vendor (the server answers 404 with a log line when it is missing).
if command -v npm >/dev/null; then
  lock=signaling/web/vendor/package-lock.json
  stamp=signaling/web/vendor/node_modules/.installed-lock
  if [[ ! -f $stamp ]] || ! cmp -s "$lock" "$stamp"; then
    (cd signaling/web/vendor && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
  fi
else
  echo "install-deps: npm not found; /socket.io/socket.io.js will not be served" >&2
fi

if [[ " $* " == *" --test "* || " $* " == *" --bench "* ]]; then
  # JavaScript test clients: socket.io-client, playwright-core (drives Debian's chromium; it downloads no browser).
  lock=tests/e2e/package-lock.json
  stamp=tests/e2e/node_modules/.installed-lock
  if [[ ! -f $stamp ]] || ! cmp -s "$lock" "$stamp"; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
  fi
fi
