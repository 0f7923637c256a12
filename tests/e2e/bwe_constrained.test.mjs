// Adaptive bitrate with real Chromium: a call of 3 pages (lib/group_client.js, 320x240 fake
// camera in three simulcast layers as in group_call.test.mjs). "carol" runs in her own network
// namespace behind a veth pair whose host end gets a tbf rate limit (TESTING.md: netem is not
// available); "alice" and "bob" run unconstrained. With the limit, the server's send-side
// estimate for carol's subscribe transport drops and she receives a lower simulcast layer of
// alice's camera while bob keeps the top one, and carol keeps decoding; lifting the limit brings
// the top layer back (after the allocator's stable period and a probe). Per-page received widths
// are printed once a second, with the time to adapt down and to recover.
// Skips (with a message) when network namespaces cannot be created here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, CHROMIUM_ARGS, launchChromium, makeToken, startServer, waitFor } from './lib/harness.mjs';
import { openGroupPage } from './lib/group_page.mjs';

const VIDEO = { width: 320, height: 240, fps: 15 };
const FIELD_TRIAL = '--force-fieldtrials=WebRTC-LegacySimulcastLayerLimit/Disabled/';
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/lib/chromium/chromium';

// Downlink towards carol while limited. The layers of a 320x240 camera measure ≈ 70 / 115 / 200
// kbps (q/h/f, printed below); carol receives alice's and bob's cameras and two audio streams
// (≈ 40 kbps each): both top layers need ≈ 480 kbps, both middle ones ≈ 310, so 380 kbit/s fits
// the middle layers and not even one top layer beside a middle one.
const LIMIT = process.env.BWE_E2E_RATE || '380kbit';

const tag = String(process.pid % 100000);
const NS = `sfubwe${tag}`;
const VETH_HOST = `sbh${tag}`;
const VETH_NS = `sbn${tag}`;
const HOST_IP = `10.${200 + (process.pid % 50)}.${process.pid % 250}.1`;
const NS_IP = HOST_IP.replace(/\.1$/, '.2');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const tc = (...args) => execFileSync('tc', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

let skipReason = null;
let server;
let browser;
let nsBrowser;
let workDir;

function setupNetwork() {
  try {
    ip('netns', 'add', NS);
  } catch (e) {
    return `ip netns not permitted here (${String(e.stderr || e.message).trim()})`;
  }
  try {
    ip('link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_NS);
    ip('link', 'set', VETH_NS, 'netns', NS);
    ip('addr', 'add', `${HOST_IP}/30`, 'dev', VETH_HOST);
    ip('link', 'set', VETH_HOST, 'up');
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', VETH_NS);
    ip('netns', 'exec', NS, 'ip', 'link', 'set', VETH_NS, 'up');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    tc('qdisc', 'show', 'dev', VETH_HOST);
  } catch (e) {
    teardownNetwork();
    return `veth/tc setup failed (${String(e.stderr || e.message).trim()})`;
  }
  return null;
}

function teardownNetwork() {
  try { ip('link', 'del', VETH_HOST); } catch {}
  try { ip('netns', 'del', NS); } catch {}
}

function limit(rate) {
  // Egress of the host end = carol's downlink: a bucket of one packet (a larger one lets probe
  // bursts through at line rate and fools the probe), up to 150 ms of queue.
  tc('qdisc', 'replace', 'dev', VETH_HOST, 'root', 'tbf', 'rate', rate, 'burst', '1600', 'latency', '150ms');
}
function unlimit() {
  try { tc('qdisc', 'del', 'dev', VETH_HOST, 'root'); } catch {}
}

before(async () => {
  skipReason = setupNetwork();
  if (skipReason) return;
  workDir = mkdtempSync(path.join(tmpdir(), 'sfu-bwe-e2e-'));
  const wrapper = path.join(workDir, 'chromium-in-ns.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  server = await startServer({
    listenIp: '0.0.0.0', announcedIp: HOST_IP, args: ['--log-level', 'debug'],
  });
  browser = await launchChromium([FIELD_TRIAL]);
  const { chromium } = await import('playwright-core');
  nsBrowser = await chromium.launch({
    executablePath: wrapper,
    headless: true,
    args: [
      ...CHROMIUM_ARGS, FIELD_TRIAL,
      `--unsafely-treat-insecure-origin-as-secure=http://${HOST_IP}:${server.httpPort}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  await nsBrowser?.close();
  await server?.stop();
  server?.cleanup();
  unlimit();
  teardownNetwork();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const openPage = (b, base, userId) => openGroupPage(b, base, userId, { video: VIDEO });

// What a page receives of `from`'s camera: frame width and frames decoded.
function rx(stats, from) {
  const t = stats.inbound.find((x) => x.stream === from && x.kind === 'video');
  return t ? { width: t.width ?? 0, frames: t.framesDecoded } : { width: 0, frames: 0 };
}

test('a constrained subscriber gets a lower layer and keeps decoding; the top layer returns', { timeout: 120000 }, async (t) => {
  if (skipReason) {
    console.log(`SKIP: ${skipReason}`);
    t.skip(skipReason);
    return;
  }
  const t0 = Date.now();
  const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: makeToken('alice'), body: { type: 'video', participants: ['bob', 'carol'] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const callId = res.body.call.call_id;
  for (const u of ['bob', 'carol']) {
    const a = await api(server, 'POST', `/api/webrtc/call/${callId}/answer`, { token: makeToken(u), body: { answer: true } });
    assert.equal(a.status, 200);
  }
  const pages = [
    await openPage(browser, server.base, 'alice'),
    await openPage(browser, server.base, 'bob'),
    await openPage(nsBrowser, `http://${HOST_IP}:${server.httpPort}`, 'carol'),
  ];
  const [, bob, carol] = pages;
  await Promise.all(pages.map((p) => p.join(callId)));

  const timeline = [];
  const sample = async (phase) => {
    const [sb, sc] = await Promise.all([bob.stats(), carol.stats()]);
    const row = { t: Date.now() - t0, phase, bob: rx(sb, 'alice'), carol: rx(sc, 'alice'), carolBob: rx(sc, 'bob'), sb, sc };
    timeline.push(row);
    console.log(`t=${String(row.t).padStart(6)}ms ${phase.padEnd(9)} bob<-alice ${row.bob.width}w ${row.bob.frames}f | ` +
      `carol<-alice ${row.carol.width}w ${row.carol.frames}f | carol<-bob ${row.carolBob.width}w ${row.carolBob.frames}f`);
    return row;
  };
  let logShown = 0;
  const printBweLog = () => {
    // The server's debug lines about carol's subscribe transport (switches with reasons, probes).
    const lines = server.logs.join('').split('\n').filter((l) => l.includes('comp=bwe') && l.includes('user=carol'));
    for (const l of lines.slice(logShown)) console.log('  ' + l.replace(/^.*comp=bwe /, ''));
    logShown = lines.length;
  };
  const metrics = async () => {
    const text = await (await fetch(`${server.base}/metrics`)).text();
    return text.split('\n').filter((l) => /^sfu_(layer_switches_total|bwe_estimate_changes_total|bwe_probes_total)\{/.test(l) && !/ 0$/.test(l)).join(' ');
  };

  // 1. Everyone up; both subscribers on alice's top layer (320 wide).
  let row;
  await waitFor('carol and bob on alice\'s top layer', async () => {
    row = await sample('start');
    return row.bob.width === 320 && row.carol.width === 320;
  }, { timeoutMs: 40000, intervalMs: 1000 });
  const alicePub = (await pages[0].stats()).outbound.filter((o) => o.kind === 'video');
  await sleep(1000);
  const alicePub2 = (await pages[0].stats()).outbound.filter((o) => o.kind === 'video');
  console.log('alice layers (kbps over 1 s): ' + alicePub2.map((o) => {
    const prev = alicePub.find((p) => p.rid === o.rid);
    return `${o.rid}:${Math.round(((o.bytesSent - (prev?.bytesSent ?? 0)) * 8) / 1000)}@${o.width ?? '?'}w`;
  }).join(' '));

  // 2. Limit carol's downlink.
  limit(LIMIT);
  const limitedAt = Date.now();
  console.log(`limit ${LIMIT} on carol's downlink at t=${limitedAt - t0}ms`);
  let downMs = null;
  // Carol's decoded frames over both remote cameras: the allocator may pause the lower-priority
  // one when the link cannot carry two lowest layers beside a better one (priority order).
  const carolFrames = (r) => r.carol.frames + r.carolBob.frames;
  const framesAtLimit = carolFrames(row);
  const aliceFramesAtLimit = row.carol.frames;
  let lastFrames = framesAtLimit;
  let stalls = 0;
  while (Date.now() - limitedAt < 30000) {
    await sleep(1000);
    row = await sample('limited');
    if (carolFrames(row) <= lastFrames) stalls++;
    lastFrames = carolFrames(row);
    if (downMs === null && row.carol.width > 0 && row.carol.width < 320) downMs = Date.now() - limitedAt;
    if (downMs !== null && Date.now() - limitedAt - downMs > 8000) break;  // 8 s on the lower layer
  }
  console.log(`bwe switches so far: ${await metrics()}`);
  printBweLog();
  assert.ok(downMs !== null, `carol never left alice's top layer under ${LIMIT}`);
  // Bob (unconstrained) gets more of alice than carol does. (Bob's own width can drop too when
  // Chrome's CPU adaptation stops alice's upper layers on a loaded 2-core machine: compare.)
  const limitedRows = timeline.filter((r) => r.phase === 'limited');
  assert.ok(limitedRows.some((r) => r.bob.width > r.carol.width), 'carol never received a lower layer than bob');
  assert.ok(carolFrames(row) > framesAtLimit + 60, `carol decoded ${carolFrames(row) - framesAtLimit} frames while limited`);

  // 3. Lift the limit: the top layer returns.
  unlimit();
  const liftedAt = Date.now();
  let upMs = null;
  while (Date.now() - liftedAt < 40000) {
    await sleep(1000);
    row = await sample('lifted');
    if (carolFrames(row) <= lastFrames) stalls++;
    lastFrames = carolFrames(row);
    if (row.carol.width === 320) {
      upMs = Date.now() - liftedAt;
      break;
    }
  }
  console.log(`bwe switches: ${await metrics()}`);
  printBweLog();
  console.log(`figures: adapted down ${downMs} ms after the limit, top layer back ${upMs} ms after lifting it; ` +
    `carol decoded ${carolFrames(row) - framesAtLimit} frames (${row.carol.frames - aliceFramesAtLimit} of alice) since the limit, ${stalls} one-second samples without a new frame; total ${Date.now() - t0} ms`);
  assert.ok(upMs !== null, 'alice\'s top layer did not come back to carol within 40 s');
  // Known weakness (see the report): the switch down waits for congestion to be detected and for
  // a key frame of the lower layer, and the tbf queue drops meanwhile; a few seconds of frozen
  // video are tolerated, a frozen call is not.
  assert.ok(stalls <= 3, `carol stalled in ${stalls} samples`);
  for (const p of pages) await p.close();
});
