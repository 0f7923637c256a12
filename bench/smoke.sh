#!/usr/bin/env bash
# bench_smoke (ctest): a fresh sfu-server on loopback, then sfu-load with 1 room of 3 for a few
# seconds. Asserts only that the tooling works and media flows to every participant. Runs twice:
# with UDP segmentation offload (the default: a frame's packets to one subscriber must leave as
# one joined message) and with `--udp-gso off` (every datagram sent on its own, none joined).
# Usage: bench/smoke.sh <sfu-server> <sfu-load>
set -euo pipefail
server_bin=$1
load_bin=$2
tmp=$(mktemp -d)
secret=bench-smoke-secret
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    sleep 0.3
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# run <udp-gso on|off> <seconds>: one server, one load run; checks the GSO counter against the mode.
run() {
  local gso=$1 seconds=$2
  local http_port=$((20000 + RANDOM % 20000))
  local rtc_port=$((http_port + 1))
  rm -f "$tmp/sfu.db"
  "$server_bin" --http-port "$http_port" --rtc-port "$rtc_port" --listen-ip 127.0.0.1 \
    --announced-ip 127.0.0.1 --jwt-secret "$secret" --db "$tmp/sfu.db" --workers 1 \
    --udp-gso "$gso" --log-level warn >"$tmp/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null && break
    sleep 0.1
  done
  if ! "$load_bin" --server "127.0.0.1:$http_port" --jwt-secret "$secret" --rooms 1 \
    --participants 3 --duration "$seconds" --warmup 1 --join-timeout 15 \
    --server-pid "$server_pid" --expect-flow >"$tmp/result.json"; then
    cat "$tmp/result.json"
    tail -50 "$tmp/server.log"
    exit 1
  fi
  cat "$tmp/result.json"
  local metrics
  metrics=$(
    exec 3<>"/dev/tcp/127.0.0.1/$http_port"
    printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    cat <&3
  )
  local joined
  joined=$(printf '%s\n' "$metrics" | awk '/^sfu_worker_gso_datagrams_total/ { s += $2 } END { print s + 0 }')
  echo "udp-gso $gso: datagrams sent in joined messages: $joined"
  if [[ $gso == on && $joined == 0 ]]; then
    echo "bench_smoke: no datagram left in a joined (UDP GSO) message"
    exit 1
  fi
  if [[ $gso == off && $joined != 0 ]]; then
    echo "bench_smoke: datagrams were joined although --udp-gso off"
    exit 1
  fi
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

run on 3
run off 2
echo "bench_smoke: ok"
