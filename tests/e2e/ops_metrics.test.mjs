// /metrics of a running sfu-server during a live call: the scrape passes `promtool check metrics`,
// carries the call, participant, Socket.IO and quality series under the names and labels of
// tests/deploy/metric-names.txt, and a real Prometheus (Debian prometheus, 1 s scrape interval,
// temp storage) scrapes it, answers queries through its HTTP API and evaluates the alert rules of
// deploy/prometheus/alerts.yml without errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, makeToken, api } from './lib/harness.mjs';
import {
  REPO_ROOT, connectSocket, nextEvent, run, startPrometheus, waitForTargetUp, promApi,
  waitForSeries, loadMetricNames, parseExposition,
} from './lib/ops.mjs';

let server;
const sockets = [];
let callId;
const alice = makeToken('alice');
const bob = makeToken('bob');

// Series this server exports from the start (the media path's at zero until a call carries media;
// ops_media_metrics.test.mjs checks them during a group call). The BWE series (layer switches,
// subscriber estimates) appear with the first subscriber.
const EXPORTED_NOW = [
  'sfu_rooms', 'sfu_room_participants', 'sfu_rtp_packets_total', 'sfu_rtp_bytes_total',
  'sfu_rtcp_packets_total', 'sfu_packet_drops_total', 'sfu_nacks_total',
  'sfu_retransmissions_total', 'sfu_plis_total', 'sfu_firs_total',
  'sfu_forwarding_latency_seconds', 'sfu_receiver_loss_ratio', 'sfu_ice_handshake_seconds',
  'sfu_dtls_handshake_seconds', 'sfu_handshake_failures_total', 'sfu_worker_utilization_ratio',
  'sfu_calls', 'sfu_call_participants', 'sfu_calls_started_total', 'sfu_quality_reports_total',
  'sfu_quality_issues_total', 'sfu_http_requests_total', 'sfu_http_request_duration_seconds',
  'sfu_http_connections', 'sfu_socketio_connections', 'sfu_socketio_events_total',
  'sfu_socketio_emits_total', 'sfu_socketio_connect_errors_total',
  'sfu_socketio_protocol_errors_total', 'sfu_engineio_sessions', 'process_cpu_seconds_total',
  'process_resident_memory_bytes', 'process_open_fds', 'process_max_fds',
  'process_virtual_memory_bytes', 'process_start_time_seconds',
];

async function scrape() {
  const res = await fetch(`${server.base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return res.text();
}

function sample(samples, name, labels = {}) {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

before(async () => {
  server = await startServer({ args: ['--drain', '0'] });
  const a = await connectSocket(server, alice);
  const b = await connectSocket(server, bob);
  sockets.push(a, b);
  const ringing = nextEvent(b, 'webrtc_call_ringing');
  const r = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: alice,
    body: { type: 'video', participants: ['bob'] },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  callId = r.body.call.call_id;
  await ringing;
  const accepted = nextEvent(a, 'webrtc_call_accepted');
  const ans = await api(server, 'POST', `/api/webrtc/call/${callId}/answer`, {
    token: bob,
    body: { answer: true },
  });
  assert.equal(ans.status, 200, JSON.stringify(ans.body));
  await accepted;
  const q = await api(server, 'POST', `/api/webrtc/call/${callId}/quality`, {
    token: alice,
    body: {
      video_quality: 'poor', audio_quality: 'good', connection_quality: 'fair',
      issues: ['video_freeze', 'a made-up issue'],
    },
  });
  assert.equal(q.status, 200, JSON.stringify(q.body));
});

after(async () => {
  for (const s of sockets) s.disconnect();
  if (server) {
    await server.stop();
    server.cleanup();
  }
});

test('live scrape during a call passes promtool check metrics', async () => {
  const text = await scrape();
  const r = await run('promtool', ['check', 'metrics'], { input: text });
  assert.equal(r.code, 0, `promtool check metrics exit ${r.code}:\n${r.stdout}${r.stderr}`);
});

test('call, participant, socket and quality series reflect the live call', async () => {
  const s = parseExposition(await scrape());
  assert.equal(sample(s, 'sfu_calls', { mode: 'p2p', state: 'active' })?.value, 1);
  assert.equal(sample(s, 'sfu_calls', { mode: 'p2p', state: 'ringing' })?.value, 0);
  assert.equal(sample(s, 'sfu_calls', { mode: 'sfu', state: 'active' })?.value, 0);
  assert.equal(sample(s, 'sfu_call_participants')?.value, 2);
  assert.equal(sample(s, 'sfu_socketio_connections')?.value, 2);
  assert.equal(sample(s, 'sfu_calls_started_total', { mode: 'p2p' })?.value, 1);
  assert.equal(sample(s, 'sfu_quality_reports_total', { metric: 'video', rating: 'poor' })?.value, 1);
  assert.equal(sample(s, 'sfu_quality_reports_total', { metric: 'audio', rating: 'good' })?.value, 1);
  assert.equal(sample(s, 'sfu_quality_issues_total', { issue: 'video_freeze' })?.value, 1);
  assert.equal(sample(s, 'sfu_quality_issues_total', { issue: 'other' })?.value, 1);
  assert.ok(sample(s, 'sfu_socketio_emits_total', { event: 'webrtc_call_ringing' })?.value >= 1);
  assert.ok(
    sample(s, 'sfu_http_requests_total', { route: '/api/webrtc/call/initiate', code: '201' })
      ?.value >= 1,
  );
  // No ids as label values.
  for (const x of s) {
    for (const v of Object.values(x.labels)) {
      assert.ok(!v.includes(callId) && v !== 'alice' && v !== 'bob', `${x.name} ${v}`);
    }
  }
});

test('exported names and labels match tests/deploy/metric-names.txt', async () => {
  const names = loadMetricNames();
  const samples = parseExposition(await scrape());
  const base = (n) => n.replace(/_(bucket|sum|count)$/, '');
  for (const name of EXPORTED_NOW) {
    assert.ok(names.has(name), `${name} missing from metric-names.txt`);
    assert.ok(samples.some((x) => base(x.name) === name || x.name === name), `${name} not exported`);
  }
  for (const x of samples) {
    const entry = names.get(x.name) ?? names.get(base(x.name));
    if (!entry) continue;
    const extra = Object.keys(x.labels).filter((l) => l !== 'le' && !entry.labels.has(l));
    assert.deepEqual(extra, [], `${x.name}: labels not in metric-names.txt`);
  }
});

test('a fresh server exports the call and socket series as zeros', async () => {
  const fresh = await startServer();
  try {
    const text = await (await fetch(`${fresh.base}/metrics`)).text();
    const r = await run('promtool', ['check', 'metrics'], { input: text });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const s = parseExposition(text);
    for (const mode of ['p2p', 'sfu']) {
      for (const state of ['ringing', 'active']) {
        assert.equal(sample(s, 'sfu_calls', { mode, state })?.value, 0, `${mode} ${state}`);
      }
    }
    assert.equal(sample(s, 'sfu_call_participants')?.value, 0);
    assert.equal(sample(s, 'sfu_socketio_connections')?.value, 0);
    assert.equal(sample(s, 'sfu_quality_reports_total', { metric: 'audio', rating: 'poor' })?.value, 0);
    assert.equal(sample(s, 'sfu_quality_issues_total', { issue: 'other' })?.value, 0);
  } finally {
    await fresh.stop();
    fresh.cleanup();
  }
});

// The series queried through Prometheus (a 1-on-1 call carries no media through the server: the
// forwarded-packets query with media flowing is in ops_media_metrics.test.mjs).
function prometheusQueries() {
  return [
    ['process_resident_memory_bytes{job="sfu-server"}', (v) => v > 1e6],
    ['sum(sfu_http_requests_total{job="sfu-server"})', (v) => v > 0],
    ['sfu_calls{job="sfu-server",mode="p2p",state="active"}', (v) => v === 1],
    ['sum(sfu_rtp_packets_total{job="sfu-server",direction="out"})', (v) => v === 0],
    ['sfu_rooms{job="sfu-server",worker="0"}', (v) => v === 0],
  ];
}

test('a real Prometheus scrapes the server and evaluates the alert rules', { timeout: 90000 }, async () => {
  const prom = await startPrometheus({
    target: `127.0.0.1:${server.httpPort}`,
    ruleFiles: [path.join(REPO_ROOT, 'deploy/prometheus/alerts.yml')],
  });
  try {
    const target = await waitForTargetUp(prom);
    assert.equal(target.scrapeUrl, `http://127.0.0.1:${server.httpPort}/metrics`);
    for (const [expr, accept] of prometheusQueries()) {
      const r = await waitForSeries(prom, expr, accept);
      assert.ok(r, expr);
    }
    // Every alert rule has been evaluated against real data without an error.
    const groups = await waitForRulesEvaluated(prom);
    for (const rule of groups.flatMap((g) => g.rules)) {
      assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
    }
  } finally {
    await prom.stop();
  }
});

async function waitForRulesEvaluated(prom) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const data = await promApi(prom, 'rules');
    const rules = data.groups.flatMap((g) => g.rules);
    if (rules.length > 0 && rules.every((r) => r.health !== 'unknown')) return data.groups;
    if (Date.now() > deadline) throw new Error(`rules not evaluated: ${JSON.stringify(rules)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
