// /metrics while a group call carries media: three synthetic participants (libwebrtc in Node,
// lib/wrtc_clients.mjs, one child process) publish audio + a small VP8 video through the SFU and
// receive each other. The media-path series grow (forwarded RTP, RTCP by type, forwarding
// latency, handshakes, rooms per worker), the live scrape passes `promtool check metrics` with the
// names and labels of tests/deploy/metric-names.txt, and a real Prometheus scraping the server
// returns a non-zero forwarded-packets series through its HTTP API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeToken, api, waitFor, sleep } from './lib/harness.mjs';
import {
  run, startPrometheus, waitForTargetUp, waitForSeries, loadMetricNames, parseExposition,
} from './lib/ops.mjs';
import { startSynthetic } from './lib/synthetic.mjs';

const USERS = ['mm-ann', 'mm-ben', 'mm-cat'];
let server;
let synth;
let callId;

async function scrape() {
  const res = await fetch(`${server.base}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

const sum = (samples, name, labels = {}) => samples
  .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) =>
    (v instanceof RegExp ? v.test(s.labels[k] ?? '') : s.labels[k] === v)))
  .reduce((n, s) => n + s.value, 0);

const FORWARDED = { direction: 'out', kind: /^(audio|video)$/ };

before(async () => {
  server = await startServer({ args: ['--drain', '0'] });
  synth = startSynthetic();
  await synth.call({
    cmd: 'connect', url: server.base, users: USERS.map((u) => ({ userId: u, token: makeToken(u) })),
  });
  const r = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: makeToken(USERS[0]),
    body: { type: 'video', participants: USERS.slice(1) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.call.mode, 'sfu');
  callId = r.body.call.call_id;
  for (const u of USERS.slice(1)) {
    const a = await api(server, 'POST', `/api/webrtc/call/${callId}/answer`, {
      token: makeToken(u), body: { answer: true },
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
  }
  await synth.call({ cmd: 'join', callId, width: 160, height: 120, fps: 10 });
});

after(async () => {
  synth?.kill();
  if (server) {
    await server.stop();
    server.cleanup();
  }
});

test('forwarded packets, RTCP, latency and handshakes grow while media flows', { timeout: 40000 }, async () => {
  let s;
  await waitFor('forwarded RTP in /metrics', async () => {
    s = parseExposition(await scrape());
    return sum(s, 'sfu_rtp_packets_total', FORWARDED) > 50;
  }, { timeoutMs: 25000, intervalMs: 500 });
  const before1 = sum(s, 'sfu_rtp_packets_total', FORWARDED);
  const bytes1 = sum(s, 'sfu_rtp_bytes_total', FORWARDED);
  await sleep(2500); // two folds
  s = parseExposition(await scrape());
  assert.ok(sum(s, 'sfu_rtp_packets_total', FORWARDED) > before1, 'forwarded packets grow');
  assert.ok(sum(s, 'sfu_rtp_bytes_total', FORWARDED) > bytes1, 'forwarded bytes grow');
  assert.ok(sum(s, 'sfu_rtp_packets_total', { direction: 'in', kind: 'video' }) > 0);
  assert.ok(sum(s, 'sfu_rtp_packets_total', { direction: 'in', kind: 'audio' }) > 0);
  // Each forwarded packet is a latency sample.
  assert.ok(sum(s, 'sfu_forwarding_latency_seconds_count') > 0);
  assert.ok(sum(s, 'sfu_forwarding_latency_seconds_bucket', { le: '+Inf' }) > 0);
  // Publish + subscribe PC per participant: 6 ICE and DTLS handshakes, none failed.
  assert.ok(sum(s, 'sfu_ice_handshake_seconds_count') >= 6);
  assert.ok(sum(s, 'sfu_dtls_handshake_seconds_count') >= 6);
  assert.equal(sum(s, 'sfu_handshake_failures_total'), 0);
  assert.equal(sum(s, 'sfu_rooms', { worker: '0' }), 1);
  assert.equal(sum(s, 'sfu_room_participants', { worker: '0' }), 3);
  assert.ok(sum(s, 'sfu_worker_utilization_ratio', { worker: '0' }) > 0, 'worker busy');
  // RTCP both ways: our SRs/RRs/REMB out, the clients' reports and feedback in.
  assert.ok(sum(s, 'sfu_rtcp_packets_total', { direction: 'out', type: 'sr' }) > 0);
  assert.ok(sum(s, 'sfu_rtcp_packets_total', { direction: 'in' }) > 0);
  // Subscribers' receiver reports about our streams: one loss sample per report block.
  await waitFor('receiver loss samples', async () => {
    s = parseExposition(await scrape());
    return sum(s, 'sfu_receiver_loss_ratio_count') > 0;
  }, { timeoutMs: 10000, intervalMs: 500 });
  const sample = (name, labels) => s.find((x) => x.name === name &&
    Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  for (const d of ['in', 'out']) {
    for (const name of ['sfu_nacks_total', 'sfu_plis_total', 'sfu_firs_total']) {
      assert.ok(sample(name, { direction: d }), `${name}{direction="${d}"} exported`);
    }
  }
  assert.ok(sample('sfu_retransmissions_total', {}), 'sfu_retransmissions_total exported');
  assert.ok(sample('sfu_packet_drops_total', { reason: 'unknown_ssrc' }));
  const figures = {
    forwarded: sum(s, 'sfu_rtp_packets_total', FORWARDED),
    latency_mean_us: Math.round((sum(s, 'sfu_forwarding_latency_seconds_sum') /
      sum(s, 'sfu_forwarding_latency_seconds_count')) * 1e6),
    rtcp_in: sum(s, 'sfu_rtcp_packets_total', { direction: 'in' }),
    nacks_in: sum(s, 'sfu_nacks_total', { direction: 'in' }),
    plis_out: sum(s, 'sfu_plis_total', { direction: 'out' }),
    drops: Object.fromEntries(s.filter((x) => x.name === 'sfu_packet_drops_total' && x.value > 0)
      .map((x) => [x.labels.reason, x.value])),
  };
  console.log(`media metrics: ${JSON.stringify(figures)}`);
});

test('a live scrape during the call passes promtool and metric-names.txt', async () => {
  const text = await scrape();
  const r = await run('promtool', ['check', 'metrics'], { input: text });
  assert.equal(r.code, 0, `promtool check metrics exit ${r.code}:\n${r.stdout}${r.stderr}`);
  const names = loadMetricNames();
  const samples = parseExposition(text);
  const base = (n) => n.replace(/_(bucket|sum|count)$/, '');
  const media = [
    'sfu_rooms', 'sfu_room_participants', 'sfu_rtp_packets_total', 'sfu_rtp_bytes_total',
    'sfu_rtcp_packets_total', 'sfu_packet_drops_total', 'sfu_nacks_total',
    'sfu_retransmissions_total', 'sfu_plis_total', 'sfu_firs_total',
    'sfu_forwarding_latency_seconds', 'sfu_receiver_loss_ratio', 'sfu_ice_handshake_seconds',
    'sfu_dtls_handshake_seconds', 'sfu_handshake_failures_total', 'sfu_worker_utilization_ratio',
  ];
  for (const name of media) {
    assert.ok(names.has(name), `${name} missing from metric-names.txt`);
    assert.ok(samples.some((x) => base(x.name) === name || x.name === name), `${name} not exported`);
  }
  for (const x of samples) {
    const entry = names.get(x.name) ?? names.get(base(x.name));
    if (entry) {
      const extra = Object.keys(x.labels).filter((l) => l !== 'le' && !entry.labels.has(l));
      assert.deepEqual(extra, [], `${x.name}: labels not in metric-names.txt`);
    }
    for (const v of Object.values(x.labels)) {
      assert.ok(!v.includes(callId) && !USERS.includes(v), `${x.name} carries an id: ${v}`);
    }
  }
});

test('a real Prometheus returns the forwarded-packets series', { timeout: 60000 }, async () => {
  const prom = await startPrometheus({ target: `127.0.0.1:${server.httpPort}` });
  try {
    await waitForTargetUp(prom);
    const queries = [
      ['sum(sfu_rtp_packets_total{job="sfu-server",direction="out",kind=~"audio|video"})', (v) => v > 0],
      ['sum(sfu_forwarding_latency_seconds_count{job="sfu-server"})', (v) => v > 0],
      ['sfu_rooms{job="sfu-server",worker="0"}', (v) => v === 1],
    ];
    for (const [expr, accept] of queries) {
      const r = await waitForSeries(prom, expr, accept);
      assert.ok(r, expr);
      console.log(`prometheus: ${expr} = ${r.value[1]}`);
    }
  } finally {
    await prom.stop();
  }
});
