// Graceful shutdown of a running sfu-server with a live call:
//   SIGTERM: /readyz 503, initiate 503 {code: "draining"}, every socket gets server_shutdown
//            {drain_seconds}; the process waits for the call to end, exits 0, and the call is in
//            the history after a restart (same SQLite file).
//   SIGINT:  the same, with the drain period running out: the call is ended by the server
//            (webrtc_call_ended {reason: "server_shutdown"}) and saved.
//   A second signal during the drain stops the server at once.
// The SIGTERM run logs JSON (--log-format json): every stderr line must parse.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeToken, api, waitFor } from './lib/harness.mjs';
import { connectSocket, nextEvent, withTimeout } from './lib/ops.mjs';

const alice = makeToken('alice');
const bob = makeToken('bob');
const carol = makeToken('carol');
const cleanups = [];

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

async function serverWithCall(args) {
  const server = await startServer({ args });
  cleanups.push(async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await server.exited;
  });
  const a = await connectSocket(server, alice);
  const b = await connectSocket(server, bob);
  cleanups.push(async () => {
    a.disconnect();
    b.disconnect();
  });
  const ringing = nextEvent(b, 'webrtc_call_ringing');
  const r = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: alice,
    body: { type: 'audio', participants: ['bob'] },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await ringing;
  const callId = r.body.call.call_id;
  const ans = await api(server, 'POST', `/api/webrtc/call/${callId}/answer`, {
    token: bob,
    body: { answer: true },
  });
  assert.equal(ans.status, 200);
  return { server, a, b, callId };
}

async function expectDraining(server) {
  await waitFor('readyz 503', async () => (await fetch(`${server.base}/readyz`)).status === 503, {
    timeoutMs: 5000,
    intervalMs: 50,
  });
  assert.equal((await fetch(`${server.base}/healthz`)).status, 200);  // alive, just not ready
  const r = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: carol,
    body: { type: 'audio', participants: ['alice'] },
  });
  assert.equal(r.status, 503, JSON.stringify(r.body));
  assert.equal(r.body.success, false);
  assert.equal(r.body.error.code, 'draining');
}

async function exitOf(server, timeoutMs) {
  return withTimeout(server.exited, timeoutMs, 'server exit');
}

// Restarts on the same folder and returns the call as alice's history shows it.
async function callAfterRestart(server, callId) {
  const again = await startServer({ dir: server.dir });
  cleanups.push(async () => {
    await again.stop();
    again.cleanup();
  });
  const h = await api(again, 'GET', '/api/webrtc/calls/history', { token: alice });
  assert.equal(h.status, 200, JSON.stringify(h.body));
  await again.stop();
  return h.body.calls.find((c) => c.call_id === callId);
}

function logLines(server) {
  return server.logs.join('').split('\n').filter((l) => l.length > 0);
}

test('SIGTERM drains: not ready, no new calls, sockets told, exit 0 once the call ended', { timeout: 60000 }, async () => {
  const { server, a, b, callId } = await serverWithCall(['--drain', '30', '--log-format', 'json']);
  const shutA = nextEvent(a, 'server_shutdown');
  const shutB = nextEvent(b, 'server_shutdown');
  server.proc.kill('SIGTERM');
  assert.deepEqual(await shutA, { drain_seconds: 30 });
  assert.deepEqual(await shutB, { drain_seconds: 30 });
  await expectDraining(server);
  // The call goes on during the drain; the server is still running.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(server.proc.exitCode, null);
  const get = await api(server, 'GET', `/api/webrtc/call/${callId}`, { token: alice });
  assert.equal(get.body.call.status, 'active');
  const ended = nextEvent(b, 'webrtc_call_ended');
  const end = await api(server, 'POST', `/api/webrtc/call/${callId}/end`, { token: alice });
  assert.equal(end.status, 200, JSON.stringify(end.body));
  await ended;
  const exit = await exitOf(server, 5000);
  assert.deepEqual(exit, { code: 0, signal: null });

  // One JSON object per line, with the shutdown story in it.
  const lines = logLines(server);
  const records = lines.map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      assert.fail(`not JSON: ${l}`);
    }
  });
  for (const r of records) {
    assert.equal(typeof r.ts, 'string');
    assert.equal(typeof r.level, 'string');
    assert.equal(typeof r.msg, 'string');
  }
  const requested = records.find((r) => r.msg === 'shutdown requested');
  assert.equal(requested?.signal, 'SIGTERM');
  assert.ok(records.some((r) => r.msg === 'drained: no live calls'), lines.join('\n'));
  assert.ok(records.some((r) => r.msg === 'stopped'), lines.join('\n'));

  const call = await callAfterRestart(server, callId);
  assert.equal(call?.status, 'ended');
  assert.ok(call.ended_at, JSON.stringify(call));
  server.cleanup();
});

test('SIGINT drains too; calls still live when the drain period ends are ended and saved', { timeout: 60000 }, async () => {
  const { server, a, b, callId } = await serverWithCall(['--drain', '2']);
  const shut = nextEvent(a, 'server_shutdown');
  const endedA = nextEvent(a, 'webrtc_call_ended', 10000);
  const endedB = nextEvent(b, 'webrtc_call_ended', 10000);
  const t0 = Date.now();
  server.proc.kill('SIGINT');
  assert.deepEqual(await shut, { drain_seconds: 2 });
  await expectDraining(server);
  const [ea, eb] = await Promise.all([endedA, endedB]);
  assert.equal(ea.reason, 'server_shutdown');
  assert.equal(eb.call_id, callId);
  const exit = await exitOf(server, 8000);
  assert.deepEqual(exit, { code: 0, signal: null });
  const took = Date.now() - t0;
  assert.ok(took >= 1800 && took < 6000, `exit after ${took} ms with a 2 s drain`);
  const call = await callAfterRestart(server, callId);
  assert.equal(call?.status, 'ended');
  assert.ok(call.duration >= 1, JSON.stringify(call));
  server.cleanup();
});

test('a second signal stops at once', { timeout: 60000 }, async () => {
  const { server, a, callId } = await serverWithCall(['--drain', '60']);
  const shut = nextEvent(a, 'server_shutdown');
  server.proc.kill('SIGTERM');
  await shut;
  await expectDraining(server);
  const t0 = Date.now();
  server.proc.kill('SIGTERM');
  const exit = await exitOf(server, 3000);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  const call = await callAfterRestart(server, callId);
  assert.equal(call?.status, 'ended');
  server.cleanup();
});

test('SIGTERM without calls exits right away', { timeout: 30000 }, async () => {
  const server = await startServer({ args: ['--drain', '30'] });
  cleanups.push(() => server.cleanup());
  const t0 = Date.now();
  server.proc.kill('SIGTERM');
  const exit = await exitOf(server, 5000);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 2000);
});
