#!/usr/bin/env bash
# The full benchmark of issue 9, one command (root: it creates a network namespace):
#   sudo bench/run.sh [--rooms "1 2 3 4"] [--participants 8] [--duration 15] [--no-janus]
#                     [--repeat 3] [--janus-max-rooms 4] [--targets "relay sfu"] [--no-pin]
#                     [--generator-sleeps] [--aligned-media]
# Builds sfu-server, sfu-load, relay-baseline and the allocation counter if needed, creates the
# namespace "sfubench" joined to the host by a veth pair (host 10.77.0.1, namespace 10.77.0.2),
# and for each room count runs the same load against relay-baseline, our server and Janus
# (VideoRoom, --ice-lite), each in the namespace, the generator on the host side. Results:
# bench/results/<timestamp>/{relay,sfu,janus}-r<R>.json, summary.json, summary.md (printed).
# --targets "sfu janus" runs a subset. --repeat N runs every room count N times, the targets
# taking turns (relay, sfu, janus, relay, sfu, ...), and the report takes each target's median CPU
# per forwarded packet: this VM's speed drifts by ±10 % within minutes, and alternating repeats
# keep the ratios from depending on which target happened to run in a slow minute.
# --janus-max-rooms N stops running Janus above N rooms. With 2+ cores the server under test is pinned to the last
# core and the generator to the others (--no-pin: let the scheduler place them), so every target
# gets the same single core and none is preempted by the generator it is serving. Server logs are kept next to the results. Without --rooms, the room count grows 1, 2, 3, ... until our server loses > 2 % of packets or
# forwards < 90 % of what the same run sends through the relay baseline.
# The generator's media thread polls its sockets instead of sleeping (sfu-load --busy-poll): over
# the veth pair the server's send path runs the generator's receive on the server's core, and
# waking a sleeping generator thread there (an IPI, a VM exit in this guest) is a cost no server
# pays toward remote clients, and the noisiest part of the measurement. --generator-sleeps
# restores the 1 ms sleeping poll.
# Each simulated participant sends audio and video frames on its own phase, fixed per participant
# index, so every target gets the same packet timing whatever order its transports connect in
# (before, a participant's media clock started when its transport connected: the relay baseline's
# all connect in one tick, so it received every participant's packets in step, larger batches
# than any server whose joins are spread over time). --aligned-media puts every participant on
# the same phase instead, for every target.
set -euo pipefail
args="$*"
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
rooms_list=""
participants=8
duration=15
warmup=5
busy_poll=1
aligned_media=0
janus=1
max_rooms=32
only_targets=""
pin=1
repeat=1
janus_max_rooms=1000
while [[ $# -gt 0 ]]; do
  case $1 in
    --rooms) rooms_list=$2; shift 2 ;;
    --participants) participants=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --no-janus) janus=0; shift ;;
    --targets) only_targets=$2; shift 2 ;;
    --max-rooms) max_rooms=$2; shift 2 ;;
    --no-pin) pin=0; shift ;;
    --repeat) repeat=$2; shift 2 ;;
    --janus-max-rooms) janus_max_rooms=$2; shift 2 ;;
    --generator-sleeps) busy_poll=0; shift ;;
    --aligned-media) aligned_media=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "run.sh needs root (network namespaces)" >&2; exit 2; }
if [[ $janus == 1 ]] && ! command -v janus >/dev/null; then
  echo "janus not installed (apt-get install janus): running without it" >&2
  janus=0
fi

if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j2 --target sfu-server sfu-load relay-baseline alloc-counter
bin=$build/bin
server_cpu=()
gen_cpu=()
cores=$(nproc)
if [[ $pin == 1 && $cores -ge 2 ]]; then
  server_cpu=(taskset -c $((cores - 1)))
  gen_cpu=(taskset -c 0-$((cores - 2)))
fi

ns=sfubench
host_ip=10.77.0.1
ns_ip=10.77.0.2
out=$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
tmp=$(mktemp -d)
server_pid=""

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  ip link del sfub0 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns del "$ns" 2>/dev/null || true
ip link del sfub0 2>/dev/null || true
ip netns add "$ns"
ip link add sfub0 type veth peer name sfub1
ip link set sfub1 netns "$ns"
ip addr add "$host_ip/24" dev sfub0
ip link set sfub0 up
ip netns exec "$ns" ip addr add "$ns_ip/24" dev sfub1
ip netns exec "$ns" ip link set sfub1 up
ip netns exec "$ns" ip link set lo up

wait_tcp() {  # host port
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Janus configuration: only the VideoRoom plugin and the HTTP transport, ICE-lite.
jdir=$tmp/janus
mkdir -p "$jdir/plugins" "$jdir/transports" "$jdir/events" "$jdir/loggers"
libdir=$(dirname "$(find /usr/lib -path '*janus/plugins/libjanus_videoroom.so' 2>/dev/null | head -1)")/..
ln -sf "$libdir/plugins/libjanus_videoroom.so" "$jdir/plugins/"
ln -sf "$libdir/transports/libjanus_http.so" "$jdir/transports/"
cat >"$jdir/janus.jcfg" <<JCFG
general: {
  configs_folder = "$jdir"
  plugins_folder = "$jdir/plugins"
  transports_folder = "$jdir/transports"
  events_folder = "$jdir/events"
  loggers_folder = "$jdir/loggers"
  debug_level = 3
  session_timeout = 120
}
media: { rtp_port_range = "20000-40000" }
nat: { ice_lite = true, ignore_mdns = true }
JCFG
cat >"$jdir/janus.transport.http.jcfg" <<JCFG
general: { json = "plain", base_path = "/janus", http = true, port = 8088, ip = "$ns_ip", https = false }
admin: { admin_http = false }
JCFG
echo 'general: { }' >"$jdir/janus.plugin.videoroom.jcfg"

start_target() {  # target
  case $1 in
    relay)
      ip netns exec "$ns" "${server_cpu[@]}" "$bin/relay-baseline" "$ns_ip" 41000 >"$tmp/relay.log" 2>&1 &
      server_pid=$!
      sleep 0.3
      addr=$ns_ip:41000 ;;
    sfu)
      rm -f "$tmp/sfu.db"
      ip netns exec "$ns" "${server_cpu[@]}" env LD_PRELOAD="$build/lib/liballoc-counter.so" "$bin/sfu-server" \
        --http-port 8080 --rtc-port 40000 --listen-ip "$ns_ip" --announced-ip "$ns_ip" \
        --jwt-secret bench-secret --db "$tmp/sfu.db" --max-participants 64 \
        --log-level warn >"$tmp/sfu.log" 2>&1 &
      server_pid=$!
      wait_tcp "$ns_ip" 8080
      addr=$ns_ip:8080 ;;
    janus)
      ip netns exec "$ns" "${server_cpu[@]}" janus -F "$jdir" -C "$jdir/janus.jcfg" -i "$ns_ip" -d "${JANUS_DEBUG:-3}" -o -L "$tmp/janus.log" \
        >/dev/null 2>&1 &
      server_pid=$!
      wait_tcp "$ns_ip" 8088
      addr=$ns_ip:8088 ;;
  esac
}

run_one() {  # target rooms [repeat]
  local target=$1 rooms=$2 rep=${3:-1} extra=() name
  # Janus past its saturation point only repeats what the first saturated count showed.
  [[ $target == janus && $rooms -gt $janus_max_rooms ]] && return 0
  name=$target-r$rooms
  [[ $rep -gt 1 ]] && name=$name-$rep
  [[ $target == sfu ]] && extra=(--count-allocs)
  [[ $busy_poll == 1 ]] && extra+=(--busy-poll)
  [[ $aligned_media == 1 ]] && extra+=(--aligned-media)
  start_target "$target"
  sleep 0.5
  "${gen_cpu[@]}" "$bin/sfu-load" --target "$target" --server "$addr" --bind-ip "$host_ip" \
    --rooms "$rooms" --participants "$participants" --duration "$duration" --warmup "$warmup" \
    --server-pid "$server_pid" --json "$out/$name.json" "${extra[@]}" >/dev/null \
    || echo "sfu-load --target $target --rooms $rooms failed" >&2
  stop_server
  cp "$tmp/$target.log" "$out/$name.log" 2>/dev/null || true
}

targets=(relay sfu)
[[ $janus == 1 ]] && targets+=(janus)
[[ -n $only_targets ]] && read -r -a targets <<<"$only_targets"
if [[ -n $rooms_list ]]; then
  for r in $rooms_list; do
    for k in $(seq "$repeat"); do
      for t in "${targets[@]}"; do run_one "$t" "$r" "$k"; done
    done
  done
else
  r=1
  while [[ $r -le $max_rooms ]]; do
    for k in $(seq "$repeat"); do
      for t in "${targets[@]}"; do run_one "$t" "$r" "$k"; done
    done
    if ! python3 "$root/bench/report.py" --check-capacity "$out" "$r"; then break; fi
    r=$((r + 1))
  done
fi

{
  echo "command: bench/run.sh $args"
  echo "participants per room: $participants, duration: ${duration}s, warmup: ${warmup}s, repeats: $repeat, generator: $([[ $busy_poll == 1 ]] && echo busy-polling || echo sleeping), media phases: $([[ $aligned_media == 1 ]] && echo aligned || echo per participant)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
  echo "kernel: $(uname -r)"
  echo "pinning: server ${server_cpu[*]:-none}, generator ${gen_cpu[*]:-none}"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "janus: $(janus --version 2>/dev/null | head -1 || true)"
} >"$out/machine.txt"
python3 "$root/bench/report.py" "$out"
