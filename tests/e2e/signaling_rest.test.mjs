// The REST API of spec/webrtc-call-guide.md against the real sfu-server binary: the seven
// endpoints with their exact paths and response shapes (DESIGN.md "Wire details"), every error
// status with the error envelope, keep-alive, CORS preflight, a flood of malformed requests,
// /healthz, /readyz and /metrics (checked with Debian's promtool).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { api, makeToken, startServer, JWT_SECRET } from './lib/harness.mjs';

const skip = process.env.SFU_SERVER_BIN ? false : 'SFU_SERVER_BIN not set (run through ctest)';
const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

// Distinct users per test: rate limits and history are per user.
let userSeq = 0;
const uniq = (name) => `${name}_${process.pid}_${++userSeq}`;

function assertError(res, status, what) {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.success, false, what);
  assert.equal(typeof res.body.error?.code, 'string', what);
  assert.equal(typeof res.body.error?.message, 'string', what);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, what);
}

async function initiate(server, caller, others, extra = {}) {
  const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: makeToken(caller),
    body: { type: 'video', participants: others, ...extra },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.call;
}

// One request on a raw TCP connection; resolves with everything the server sent before closing
// (or after `idleMs` of silence).
function rawExchange(port, bytes, { idleMs = 1500 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let timer;
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, idleMs);
    };
    sock.on('connect', () => {
      sock.write(bytes);
      arm();
    });
    sock.on('data', (c) => {
      chunks.push(c);
      arm();
    });
    sock.on('end', done);
    sock.on('error', (e) => (chunks.length ? done() : reject(e)));
  });
}

// Node http request through `agent` (keep-alive checks): {status, body, reused}.
function agentRequest(server, agent, method, route, { token, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.httpPort,
        path: route,
        method,
        agent,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        timeout: 10000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text, reused: req.reusedSocket }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('REST endpoints of the call guide', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({ args: ['--cors-origin', 'https://app.example'] });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test('initiate → 201 {success, call} with the documented fields', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
      token: makeToken(alice),
      body: { type: 'video', participants: [bob] },
    });
    assert.equal(res.status, 201);
    assert.match(res.headers.get('content-type'), /application\/json/);
    assert.equal(res.body.success, true);
    const call = res.body.call;
    assert.match(call.call_id, /^call_\d+/);
    assert.equal(call.type, 'video');
    assert.equal(call.caller_id, alice);
    assert.deepEqual(call.participants, [alice, bob]);
    assert.equal(call.status, 'ringing');
    assert.match(call.started_at, ISO_Z);
    assert.ok(Math.abs(Date.parse(call.started_at) - Date.now()) < 60000);
    assert.equal(call.mode, 'p2p');
    assert.equal(call.group_id, null);
    assert.equal(call.duration, 0);
    assert.ok(Array.isArray(call.participant_states));
    assert.deepEqual(
      call.participant_states.map((p) => [p.user_id, p.status]),
      [[alice, 'joined'], [bob, 'invited']],
    );

    // A group (several invitees, or a group_id) is an SFU call; the caller listed twice counts once.
    const carol = uniq('carol');
    const audio = await api(server, 'POST', '/api/webrtc/call/initiate', {
      token: makeToken(alice),
      body: { type: 'audio', participants: [alice, bob, carol] },
    });
    assert.equal(audio.status, 201);
    assert.equal(audio.body.call.type, 'audio');
    assert.equal(audio.body.call.mode, 'sfu');
    assert.deepEqual(audio.body.call.participants, [alice, bob, carol]);
    const grouped = await initiate(server, alice, [bob], { group_id: 'g-42' });
    assert.equal(grouped.mode, 'sfu');
    assert.equal(grouped.group_id, 'g-42');

    // A token carrying the user in `user_id` instead of `sub` works as well.
    const dave = uniq('dave');
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ user_id: dave, exp: now + 600 })).toString(
      'base64url',
    );
    const sig = createHmac('sha256', JWT_SECRET).update(`${header}.${payload}`).digest('base64url');
    const viaUserId = await api(server, 'POST', '/api/webrtc/call/initiate', {
      token: `${header}.${payload}.${sig}`,
      body: { type: 'audio', participants: [bob] },
    });
    assert.equal(viaUserId.status, 201);
    assert.equal(viaUserId.body.call.caller_id, dave);
  });

  test('answer, get, active, end, then history and quality', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const call = await initiate(server, alice, [bob]);
    const id = call.call_id;

    const active1 = await api(server, 'GET', '/api/webrtc/calls/active', { token: makeToken(bob) });
    assert.equal(active1.status, 200);
    assert.equal(active1.body.success, true);
    assert.deepEqual(active1.body.calls.map((c) => c.call_id), [id]);
    assert.equal(active1.body.calls[0].status, 'ringing');

    const ans = await api(server, 'POST', `/api/webrtc/call/${id}/answer`, {
      token: makeToken(bob),
      body: { answer: true },
    });
    assert.equal(ans.status, 200);
    assert.equal(ans.body.success, true);
    assert.equal(ans.body.call.call_id, id);
    assert.equal(ans.body.call.status, 'active');
    assert.match(ans.body.call.answered_at, ISO_Z);

    const got = await api(server, 'GET', `/api/webrtc/call/${id}`, { token: makeToken(alice) });
    assert.equal(got.status, 200);
    assert.equal(got.body.success, true);
    assert.equal(got.body.call.call_id, id);
    assert.equal(got.body.call.status, 'active');
    assert.equal(got.body.call.caller_id, alice);
    assert.deepEqual(got.body.call.participants, [alice, bob]);

    const ended = await api(server, 'POST', `/api/webrtc/call/${id}/end`, { token: makeToken(alice) });
    assert.equal(ended.status, 200);
    assert.equal(ended.body.success, true);
    assert.equal(ended.body.call.call_id, id);
    assert.equal(ended.body.call.status, 'ended');
    assert.equal(typeof ended.body.call.duration, 'number');
    assert.ok(ended.body.call.duration >= 0 && ended.body.call.duration < 60);
    assert.match(ended.body.call.ended_at, ISO_Z);

    const active2 = await api(server, 'GET', '/api/webrtc/calls/active', { token: makeToken(bob) });
    assert.deepEqual(active2.body, { success: true, calls: [] });

    const after = await api(server, 'GET', `/api/webrtc/call/${id}`, { token: makeToken(bob) });
    assert.equal(after.body.call.status, 'ended');

    const q = await api(server, 'POST', `/api/webrtc/call/${id}/quality`, {
      token: makeToken(bob),
      body: {
        video_quality: 'good',
        audio_quality: 'fair',
        connection_quality: 'poor',
        issues: ['audio_lag', 'video_freeze', 'connection_drop'],
      },
    });
    assert.equal(q.status, 200);
    assert.equal(q.body.success, true);
    assert.equal(typeof q.body.message, 'string');
    assert.equal(q.body.report.call_id, id);
    assert.equal(q.body.report.user_id, bob);
    assert.equal(q.body.report.video_quality, 'good');
    assert.equal(q.body.report.audio_quality, 'fair');
    assert.equal(q.body.report.connection_quality, 'poor');
    assert.deepEqual(q.body.report.issues, ['audio_lag', 'video_freeze', 'connection_drop']);
    assert.match(q.body.report.created_at, ISO_Z);

    // Rejecting: status rejected, reported to the caller's history too.
    const carol = uniq('carol');
    const call2 = await initiate(server, alice, [carol]);
    const rej = await api(server, 'POST', `/api/webrtc/call/${call2.call_id}/answer`, {
      token: makeToken(carol),
      body: { answer: false },
    });
    assert.equal(rej.status, 200);
    assert.equal(rej.body.call.status, 'rejected');
  });

  test('history: newest first, total, limit/offset paging', async () => {
    const alice = uniq('alice');
    const ids = [];
    for (let i = 0; i < 4; i++) {
      const c = await initiate(server, alice, [uniq('peer')]);
      await api(server, 'POST', `/api/webrtc/call/${c.call_id}/end`, { token: makeToken(alice) });
      ids.push(c.call_id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const newestFirst = [...ids].reverse();
    const token = makeToken(alice);

    const all = await api(server, 'GET', '/api/webrtc/calls/history', { token });
    assert.equal(all.status, 200);
    assert.deepEqual(Object.keys(all.body).sort(), ['calls', 'limit', 'offset', 'success', 'total']);
    assert.equal(all.body.success, true);
    assert.equal(all.body.total, 4);
    assert.equal(all.body.limit, 20);
    assert.equal(all.body.offset, 0);
    assert.deepEqual(all.body.calls.map((c) => c.call_id), newestFirst);
    for (const c of all.body.calls) {
      assert.ok(['ended', 'missed', 'rejected'].includes(c.status), c.status);
      assert.match(c.ended_at, ISO_Z);
    }

    const page1 = await api(server, 'GET', '/api/webrtc/calls/history?limit=2&offset=0', { token });
    assert.equal(page1.body.limit, 2);
    assert.equal(page1.body.offset, 0);
    assert.equal(page1.body.total, 4);
    assert.deepEqual(page1.body.calls.map((c) => c.call_id), newestFirst.slice(0, 2));
    const page2 = await api(server, 'GET', '/api/webrtc/calls/history?limit=2&offset=2', { token });
    assert.deepEqual(page2.body.calls.map((c) => c.call_id), newestFirst.slice(2, 4));
    const page3 = await api(server, 'GET', '/api/webrtc/calls/history?limit=2&offset=4', { token });
    assert.deepEqual(page3.body.calls, []);
    assert.equal(page3.body.total, 4);

    // A live call appears in history too, with its live status.
    const live = await initiate(server, alice, [uniq('peer')]);
    const withLive = await api(server, 'GET', '/api/webrtc/calls/history?limit=1', { token });
    assert.equal(withLive.body.calls[0].call_id, live.call_id);
    assert.equal(withLive.body.calls[0].status, 'ringing');

    for (const bad of ['limit=abc', 'limit=0', 'offset=-1', 'limit=1.5']) {
      assertError(await api(server, 'GET', `/api/webrtc/calls/history?${bad}`, { token }), 400, bad);
    }
  });

  test('400: malformed JSON, wrong types, bad enums, too many participants', async () => {
    const alice = uniq('alice');
    const token = makeToken(alice);
    const bob = uniq('bob');
    const init = (body) => api(server, 'POST', '/api/webrtc/call/initiate', { token, body });

    assertError(await init('{"type": "video", "participants": ['), 400, 'truncated JSON');
    assertError(await init('not json'), 400, 'not JSON');
    assertError(await init('[1,2]'), 400, 'array body');
    assertError(await init({ type: 'hologram', participants: [bob] }), 400, 'bad type enum');
    assertError(await init({ type: 7, participants: [bob] }), 400, 'type number');
    assertError(await init({ type: 'video', participants: bob }), 400, 'participants string');
    assertError(await init({ type: 'video', participants: [{ id: bob }] }), 400, 'participant obj');
    assertError(await init({ type: 'video', participants: [] }), 400, 'no participants');
    assertError(await init({ type: 'video', participants: ['sfu'] }), 400, 'reserved id');
    assertError(await init({ type: 'video', participants: [bob], group_id: {} }), 400, 'group_id');
    const eight = Array.from({ length: 8 }, (_, i) => `${bob}_${i}`);
    const tooMany = await api(server, 'POST', '/api/webrtc/call/initiate', {
      token: makeToken(uniq('alice')),
      body: { type: 'video', participants: eight },
    });
    assertError(tooMany, 400, 'caller + 8 > 8');
    assert.match(tooMany.body.error.message, /[Tt]oo many participants/);
    // Exactly at the limit (caller + 7) is fine.
    const atLimit = await api(server, 'POST', '/api/webrtc/call/initiate', {
      token: makeToken(uniq('alice')),
      body: { type: 'video', participants: eight.slice(0, 7) },
    });
    assert.equal(atLimit.status, 201);

    const call = await initiate(server, uniq('alice'), [bob]);
    const bobToken = makeToken(bob);
    const answer = (body) =>
      api(server, 'POST', `/api/webrtc/call/${call.call_id}/answer`, { token: bobToken, body });
    assertError(await answer({ answer: 'yes' }), 400, 'answer string');
    assertError(await answer({}), 400, 'answer missing');
    assertError(await answer('{"answer": tru'), 400, 'answer malformed');
    const quality = (body) =>
      api(server, 'POST', `/api/webrtc/call/${call.call_id}/quality`, { token: bobToken, body });
    assertError(await quality({ video_quality: 'excellent' }), 400, 'quality enum');
    assertError(await quality({ audio_quality: 3 }), 400, 'quality type');
    assertError(await quality({ issues: 'audio_lag' }), 400, 'issues not array');
    assertError(await quality({ issues: [1] }), 400, 'issue not string');
    assertError(await quality({}), 400, 'empty report');
  });

  test('401: no token, bad signature, expired, alg none, garbage', async () => {
    const bob = uniq('bob');
    const routes = [
      ['POST', '/api/webrtc/call/initiate', { type: 'audio', participants: [bob] }],
      ['POST', '/api/webrtc/call/call_1_x/answer', { answer: true }],
      ['POST', '/api/webrtc/call/call_1_x/end', undefined],
      ['GET', '/api/webrtc/call/call_1_x', undefined],
      ['GET', '/api/webrtc/calls/active', undefined],
      ['GET', '/api/webrtc/calls/history', undefined],
      ['POST', '/api/webrtc/call/call_1_x/quality', { audio_quality: 'good' }],
      ['GET', '/api/webrtc/ice-servers', undefined],
    ];
    const user = uniq('mallory');
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user, exp: now + 600 })}.`;
    const tokens = {
      'bad signature': makeToken(user, {}, 'some-other-secret'),
      expired: makeToken(user, { iat: now - 7200, exp: now - 3600 }),
      'alg none': algNone,
      garbage: 'not-a-jwt',
    };
    for (const [method, route, body] of routes) {
      assertError(await api(server, method, route, { body }), 401, `${route} without token`);
      for (const [what, token] of Object.entries(tokens)) {
        assertError(await api(server, method, route, { token, body }), 401, `${route} ${what}`);
      }
    }
    const basic = await api(server, 'GET', '/api/webrtc/calls/active', {
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    });
    assertError(basic, 401, 'basic auth');
  });

  test('403 not a participant, 404 unknown call, 409 wrong state', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const eve = makeToken(uniq('eve'));
    const call = await initiate(server, alice, [bob]);
    const id = call.call_id;
    assertError(await api(server, 'GET', `/api/webrtc/call/${id}`, { token: eve }), 403, 'get');
    assertError(
      await api(server, 'POST', `/api/webrtc/call/${id}/answer`, { token: eve, body: { answer: true } }),
      403,
      'answer',
    );
    assertError(await api(server, 'POST', `/api/webrtc/call/${id}/end`, { token: eve }), 403, 'end');
    assertError(
      await api(server, 'POST', `/api/webrtc/call/${id}/quality`, {
        token: eve,
        body: { audio_quality: 'good' },
      }),
      403,
      'quality',
    );

    const token = makeToken(alice);
    for (const [method, route, body] of [
      ['GET', '/api/webrtc/call/call_0_unknown', undefined],
      ['POST', '/api/webrtc/call/call_0_unknown/answer', { answer: true }],
      ['POST', '/api/webrtc/call/call_0_unknown/end', undefined],
      ['POST', '/api/webrtc/call/call_0_unknown/quality', { audio_quality: 'good' }],
    ]) {
      assertError(await api(server, method, route, { token, body }), 404, `${method} ${route}`);
    }
    assertError(await api(server, 'GET', '/api/webrtc/nothing-here', { token }), 404, 'unknown path');

    // Answering twice, then answering / ending an ended call.
    const bobToken = makeToken(bob);
    const ok = await api(server, 'POST', `/api/webrtc/call/${id}/answer`, {
      token: bobToken,
      body: { answer: true },
    });
    assert.equal(ok.status, 200);
    assertError(
      await api(server, 'POST', `/api/webrtc/call/${id}/answer`, { token: bobToken, body: { answer: true } }),
      409,
      'answer twice',
    );
    assert.equal((await api(server, 'POST', `/api/webrtc/call/${id}/end`, { token })).status, 200);
    const late = await api(server, 'POST', `/api/webrtc/call/${id}/answer`, {
      token: bobToken,
      body: { answer: true },
    });
    assertError(late, 409, 'answer an ended call');
    assertError(await api(server, 'POST', `/api/webrtc/call/${id}/end`, { token }), 409, 'end twice');
  });

  test('413 for a 2 MB body, 405 for a wrong method', async () => {
    const token = makeToken(uniq('alice'));
    const big = JSON.stringify({ type: 'video', participants: ['x'], pad: 'a'.repeat(2 * 1024 * 1024) });
    const agent = new http.Agent({ keepAlive: false });
    const res = await agentRequest(server, agent, 'POST', '/api/webrtc/call/initiate', {
      token,
      body: big,
    }).catch((e) => ({ error: e }));
    agent.destroy();
    if (res.error) {
      // The server may close while the client is still writing; read the status off a raw socket.
      const head = `POST /api/webrtc/call/initiate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`;
      const raw = await rawExchange(server.httpPort, head);
      assert.match(raw, /^HTTP\/1\.1 413 /);
    } else {
      assert.equal(res.status, 413);
      const body = JSON.parse(res.text);
      assert.equal(body.success, false);
      assert.equal(typeof body.error.code, 'string');
    }
    const wrong = await api(server, 'DELETE', '/api/webrtc/calls/active', { token });
    assertError(wrong, 405, 'DELETE');
    assert.match(wrong.headers.get('allow'), /GET/);
  });

  test('429 with Retry-After on an initiate flood', async () => {
    const alice = uniq('flooder');
    const token = makeToken(alice);
    const statuses = [];
    let limited;
    for (let i = 0; i < 12 && !limited; i++) {
      const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
        token,
        body: { type: 'audio', participants: [uniq('peer')] },
      });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    assert.ok(limited, `no 429 in ${statuses.join(',')}`);
    assert.ok(statuses.filter((s) => s === 201).length >= 1);
    assertError(limited, 429, 'flood');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1, `Retry-After ${limited.headers.get('retry-after')}`);
    // Other users are not affected.
    await initiate(server, uniq('alice'), [uniq('bob')]);
  });

  test('keep-alive: several requests on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const token = makeToken(uniq('alice'));
      const results = [];
      for (let i = 0; i < 5; i++) {
        results.push(await agentRequest(server, agent, 'GET', '/api/webrtc/calls/active', { token }));
      }
      // An error response keeps the connection too.
      results.push(await agentRequest(server, agent, 'GET', '/api/webrtc/call/call_0_x', { token }));
      results.push(await agentRequest(server, agent, 'GET', '/healthz'));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 404, 200]);
      assert.deepEqual(results.map((r) => r.reused), [false, true, true, true, true, true, true]);
    } finally {
      agent.destroy();
    }
    // Pipelined raw requests on one socket get answers in order.
    const raw = await rawExchange(
      server.httpPort,
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.equal(raw.match(/HTTP\/1\.1 200 /g)?.length, 2, raw);
  });

  test('CORS: preflight 204 without a token; allowed origins echoed, others not', async () => {
    const preflight = (origin) =>
      fetch(`${server.base}/api/webrtc/call/initiate`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      });
    const ok = await preflight('https://app.example');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(ok.headers.get('access-control-allow-methods'), /POST/);
    assert.match(ok.headers.get('access-control-allow-headers'), /authorization/i);
    const other = await preflight('https://evil.example');
    assert.equal(other.status, 204);
    assert.equal(other.headers.get('access-control-allow-origin'), null);

    const token = makeToken(uniq('alice'));
    const res = await api(server, 'GET', '/api/webrtc/calls/active', {
      token,
      headers: { Origin: 'https://app.example' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(res.headers.get('access-control-expose-headers'), /Retry-After/);
    const foreign = await api(server, 'GET', '/api/webrtc/calls/active', {
      token,
      headers: { Origin: 'https://evil.example' },
    });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  test('a flood of 2000 malformed requests, then the server still answers correctly', async () => {
    const token = makeToken(uniq('alice'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const garbage = [
      'GARBAGE\r\n\r\n',
      'GET /healthz HTTP/9.9\r\n\r\n',
      'POST /api/webrtc/call/initiate HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      'POST /api/webrtc/call/initiate HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET /api/webrtc/calls/active HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00\x01\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
      `GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\nHost: x\r\n\r\n',
    ];
    const jsonBodies = ['{', '{"type":', '[]]', 'null', '{"type":"video","participants":[1.5]}', '\u00ff\u00fe'];
    let sent = 0;
    const statuses = new Map();
    const worker = async (w) => {
      while (sent < 2000) {
        const n = sent++;
        if (n % 2 === 0) {
          await rawExchange(server.httpPort, garbage[n % garbage.length], { idleMs: 500 }).catch(() => '');
        } else {
          const body = jsonBodies[n % jsonBodies.length];
          const res = await agentRequest(server, agent, 'POST', '/api/webrtc/call/initiate', {
            token: n % 3 === 0 ? 'x.y.z' : token,
            body,
          }).catch((e) => ({ status: e.code }));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    agent.destroy();
    for (const status of statuses.keys()) assert.ok([400, 401].includes(status), `status ${status}`);

    const health = await fetch(`${server.base}/healthz`);
    assert.equal(health.status, 200);
    const call = await initiate(server, uniq('alice'), [uniq('bob')]);
    assert.equal(call.status, 'ringing');
    assert.equal(server.proc.exitCode, null);
  });

  test('/healthz, /readyz and /metrics (promtool check metrics)', async (t) => {
    const health = await fetch(`${server.base}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${server.base}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await fetch(`${server.base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type'), /text\/plain/);
    const text = await metrics.text();
    assert.match(text, /^# (HELP|TYPE) /m);
    assert.match(text, /429|rate_limited/);  // the flood above was counted

    const promtool = spawnSync('promtool', ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      timeout: 30000,
    });
    if (promtool.error?.code === 'ENOENT') {
      t.skip('promtool not installed');
      return;
    }
    assert.equal(promtool.status, 0, `promtool: ${promtool.stdout}${promtool.stderr}`);
  });
});

describe('readiness during drain', { skip }, () => {
  test('/readyz turns 503 after SIGTERM while a call is live, /healthz stays 200', async () => {
    const server = await startServer({ args: ['--drain', '5'] });
    try {
      await initiate(server, uniq('alice'), [uniq('bob')]);
      server.proc.kill('SIGTERM');
      let ready;
      for (let i = 0; i < 50; i++) {
        ready = await fetch(`${server.base}/readyz`).catch(() => null);
        if (ready?.status === 503) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(ready?.status, 503);
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});

describe('extension endpoints: ice-servers and the dev token', { skip }, () => {
  test('GET /api/webrtc/ice-servers: default STUN on the RTC port, no TURN without a secret', async () => {
    const server = await startServer();
    try {
      const user = uniq('alice');
      const res = await api(server, 'GET', '/api/webrtc/ice-servers', { token: makeToken(user) });
      assert.equal(res.status, 200);
      assert.equal(res.body.success, true);
      assert.deepEqual(res.body.ice_servers, [{ urls: [`stun:127.0.0.1:${server.rtcPort}`] }]);
      assert.equal(typeof res.body.ttl, 'number');
      // Development routes exist only with --dev.
      assertError(await api(server, 'POST', '/api/dev/token', { body: { user_id: user } }), 404, 'no --dev');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('TURN REST credentials and POST /api/dev/token with --dev', async () => {
    const secret = 'turn-shared-secret';
    const server = await startServer({
      args: ['--dev', '--turn-secret', secret, '--turn-url', 'turn:127.0.0.1:3478?transport=udp',
        '--turn-url', 'turn:127.0.0.1:3478?transport=tcp', '--stun-url', 'stun:stun.example.org:3478'],
    });
    try {
      const user = uniq('dana');
      const dev = await api(server, 'POST', '/api/dev/token', { body: { user_id: user } });
      assert.equal(dev.status, 200);
      assert.equal(dev.body.success, true);
      assert.equal(dev.body.user_id, user);
      assert.equal(typeof dev.body.token, 'string');
      for (const bad of [{}, { user_id: '' }, { user_id: 5 }, { user_id: 'sfu' }, { user_id: 'echo' }]) {
        assertError(await api(server, 'POST', '/api/dev/token', { body: bad }), 400, JSON.stringify(bad));
      }

      // The dev token works on the REST API (and names the user).
      const res = await api(server, 'GET', '/api/webrtc/ice-servers', { token: dev.body.token });
      assert.equal(res.status, 200);
      const [stun, turn] = res.body.ice_servers;
      assert.deepEqual(stun, { urls: ['stun:stun.example.org:3478'] });
      assert.deepEqual(turn.urls, ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
      const [expiry, name] = turn.username.split(':');
      assert.equal(name, user);
      const now = Date.now() / 1000;
      assert.ok(Number(expiry) > now && Number(expiry) <= now + res.body.ttl + 5, turn.username);
      const want = createHmac('sha1', secret).update(turn.username).digest('base64');
      assert.equal(turn.credential, want);

      const call = await api(server, 'POST', '/api/webrtc/call/initiate', {
        token: dev.body.token,
        body: { type: 'audio', participants: [uniq('erin')] },
      });
      assert.equal(call.status, 201);
      assert.equal(call.body.call.caller_id, user);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
