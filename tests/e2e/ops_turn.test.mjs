// TURN REST credentials from GET /api/webrtc/ice-servers against a real coturn (Debian coturn,
// `turnserver --use-auth-secret`, loopback): the server's credentials allocate relays with
// turnutils_uclient; expired ones (made here with the same HMAC scheme, or handed out with
// --turn-ttl 1 and left to expire) and ones signed with another secret are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeToken, api, waitFor } from './lib/harness.mjs';
import { startCoturn, turnAllocate, turnCredential } from './lib/ops.mjs';

const SECRET = 'turn-e2e-shared-secret';
let turn;
const servers = [];

before(async () => {
  turn = await startCoturn({ secret: SECRET });
});

after(async () => {
  for (const s of servers) {
    await s.stop();
    s.cleanup();
  }
  if (turn) await turn.stop();
});

async function iceServers(extraArgs = []) {
  const server = await startServer({
    args: ['--turn-secret', SECRET, '--turn-url', `turn:127.0.0.1:${turn.port}`, ...extraArgs],
  });
  servers.push(server);
  const r = await api(server, 'GET', '/api/webrtc/ice-servers', { token: makeToken('alice') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const entry = r.body.ice_servers.find((s) => s.urls.some((u) => u.startsWith('turn:')));
  assert.ok(entry, JSON.stringify(r.body));
  return { entry, body: r.body };
}

test('ice-servers needs a token', async () => {
  const server = await startServer({
    args: ['--turn-secret', SECRET, '--turn-url', `turn:127.0.0.1:${turn.port}`],
  });
  servers.push(server);
  const r = await api(server, 'GET', '/api/webrtc/ice-servers');
  assert.equal(r.status, 401);
});

test('credentials from ice-servers allocate a relay on coturn', { timeout: 60000 }, async () => {
  const { entry, body } = await iceServers();
  assert.deepEqual(entry.urls, [`turn:127.0.0.1:${turn.port}`]);
  assert.equal(body.ttl, 12 * 3600);
  const [expiry, user] = entry.username.split(':');
  assert.equal(user, 'alice');
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Number(expiry) > now + 12 * 3600 - 60 && Number(expiry) <= now + 12 * 3600 + 5);
  // The same scheme computed here gives the same credential.
  assert.equal(entry.credential, turnCredential(SECRET, 'alice', Number(expiry)).credential);
  const r = await turnAllocate({ port: turn.port, username: entry.username, credential: entry.credential });
  assert.ok(r.ok, `allocation failed (exit ${r.code}):\n${r.output}`);
});

test('expired credentials are refused', { timeout: 60000 }, async () => {
  const past = Math.floor(Date.now() / 1000) - 60;
  const cred = turnCredential(SECRET, 'alice', past);
  const r = await turnAllocate({ port: turn.port, ...cred });
  assert.equal(r.ok, false, `expired credential allocated:\n${r.output}`);
  assert.match(r.output, /Cannot complete Allocation/);
  // Refused by coturn's credential check (not by something else on the way).
  await waitFor('coturn auth refusal in its log', () =>
    turn.logs.join('').includes(`Cannot find credentials of user <${cred.username}>`),
    { timeoutMs: 3000, intervalMs: 50 });
});

test('credentials signed with another secret are refused', { timeout: 60000 }, async () => {
  const cred = turnCredential('not-the-secret', 'alice', Math.floor(Date.now() / 1000) + 600);
  const r = await turnAllocate({ port: turn.port, ...cred });
  assert.equal(r.ok, false, `forged credential allocated:\n${r.output}`);
});

test('--turn-ttl: handed-out credentials stop working after their lifetime', { timeout: 60000 }, async () => {
  const { entry, body } = await iceServers(['--turn-ttl', '1']);
  assert.equal(body.ttl, 1);
  const expiry = Number(entry.username.split(':')[0]);
  // Wait until the expiry is strictly in the past (coturn compares whole seconds).
  const waitMs = (expiry + 1) * 1000 - Date.now() + 200;
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  const r = await turnAllocate({ port: turn.port, username: entry.username, credential: entry.credential });
  assert.equal(r.ok, false, `expired server credential allocated:\n${r.output}`);
});
