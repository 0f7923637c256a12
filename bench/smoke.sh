#!/usr/bin/env bash
# bench_smoke (ctest): a fresh sfu-server on loopback, then sfu-load with 1 room of 3 for a few
# seconds. Asserts only that the tooling works and media flows to every participant.
# Usage: bench/smoke.sh <sfu-server> <sfu-load>
set -euo pipefail
server_bin=$1
load_bin=$2
tmp=$(mktemp -d)
http_port=$((20000 + RANDOM % 20000))
rtc_port=$((http_port + 1))
secret=bench-smoke-secret
"$server_bin" --http-port "$http_port" --rtc-port "$rtc_port" --listen-ip 127.0.0.1 \
  --announced-ip 127.0.0.1 --jwt-secret "$secret" --db "$tmp/sfu.db" --workers 1 \
  --log-level warn >"$tmp/server.log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  sleep 0.3
  kill -9 "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null && break
  sleep 0.1
done
if ! "$load_bin" --server "127.0.0.1:$http_port" --jwt-secret "$secret" --rooms 1 \
  --participants 3 --duration 3 --warmup 1 --join-timeout 15 --server-pid "$server_pid" \
  --expect-flow >"$tmp/result.json"; then
  cat "$tmp/result.json"
  tail -50 "$tmp/server.log"
  exit 1
fi
cat "$tmp/result.json"
# A frame's packets to one subscriber leave as one joined message (UDP GSO, UdpSocket): the
# server's counter of datagrams sent that way must have moved.
metrics=$(
  exec 3<>"/dev/tcp/127.0.0.1/$http_port"
  printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  cat <&3
)
if ! printf '%s\n' "$metrics" |
  awk '/^sfu_worker_gso_datagrams_total/ { s += $2 } END { print "gso datagrams: " s + 0; exit !(s > 0) }'; then
  echo "bench_smoke: no datagram left in a joined (UDP GSO) message"
  exit 1
fi
echo "bench_smoke: ok"
