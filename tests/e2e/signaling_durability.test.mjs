// Durability and start-up checks of the real sfu-server binary: call history survives a clean
// restart (SIGTERM) and kill -9 right after a call ends; with --db-key the SQLite file (and its
// WAL) holds no plaintext user ids; a wrong key refuses to start; configuration errors exit 2
// with a clear message.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, makeToken, runServerToExit, startServer, JWT_SECRET } from './lib/harness.mjs';

const skip = process.env.SFU_SERVER_BIN ? false : 'SFU_SERVER_BIN not set (run through ctest)';
const dirs = [];
function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfu-e2e-dur-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let userSeq = 0;
const uniq = (name) => `${name}_${process.pid}_${++userSeq}`;

async function initiate(server, caller, others, extra = {}) {
  const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: makeToken(caller),
    body: { type: 'audio', participants: others, ...extra },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.call;
}

async function history(server, user) {
  const res = await api(server, 'GET', '/api/webrtc/calls/history', { token: makeToken(user) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

// A call that rings, is answered and ends; returns the ended call object.
async function completedCall(server, a, b) {
  const call = await initiate(server, a, [b]);
  const ans = await api(server, 'POST', `/api/webrtc/call/${call.call_id}/answer`, {
    token: makeToken(b),
    body: { answer: true },
  });
  assert.equal(ans.status, 200);
  const end = await api(server, 'POST', `/api/webrtc/call/${call.call_id}/end`, { token: makeToken(a) });
  assert.equal(end.status, 200);
  assert.equal(end.body.call.status, 'ended');
  return end.body.call;
}

describe('call history durability', { skip }, () => {
  test('history survives a clean restart (SIGTERM)', async () => {
    const db = path.join(tempDir(), 'calls.db');
    const [a, b] = [uniq('alice'), uniq('bob')];
    let server = await startServer({ db });
    let ended;
    try {
      ended = await completedCall(server, a, b);
      const q = await api(server, 'POST', `/api/webrtc/call/${ended.call_id}/quality`, {
        token: makeToken(b),
        body: { audio_quality: 'good', issues: ['audio_lag'] },
      });
      assert.equal(q.status, 200);
    } finally {
      const result = await server.stop('SIGTERM');
      assert.equal(result?.code, 0, `exit ${JSON.stringify(result)}\n${server.logs.join('')}`);
    }
    server = await startServer({ db });
    try {
      for (const user of [a, b]) {
        const h = await history(server, user);
        assert.equal(h.total, 1);
        assert.equal(h.calls[0].call_id, ended.call_id);
        assert.equal(h.calls[0].status, 'ended');
        assert.equal(h.calls[0].duration, ended.duration);
        assert.equal(h.calls[0].ended_at, ended.ended_at);
        assert.deepEqual(h.calls[0].participants, [a, b]);
      }
      const got = await api(server, 'GET', `/api/webrtc/call/${ended.call_id}`, { token: makeToken(a) });
      assert.equal(got.body.call.status, 'ended');
    } finally {
      await server.stop();
    }
  });

  test('history survives kill -9 right after a call ends; live calls are closed out', async () => {
    const db = path.join(tempDir(), 'calls.db');
    const [a, b, c] = [uniq('alice'), uniq('bob'), uniq('carol')];
    let server = await startServer({ db });
    const ringing = await initiate(server, c, [a]);
    const ended = await completedCall(server, a, b);
    server.proc.kill('SIGKILL');
    const result = await server.exited;
    assert.equal(result.signal, 'SIGKILL');

    server = await startServer({ db });
    try {
      const h = await history(server, a);
      assert.equal(h.total, 2);
      const byId = Object.fromEntries(h.calls.map((x) => [x.call_id, x]));
      assert.equal(byId[ended.call_id]?.status, 'ended');
      assert.equal(byId[ended.call_id].duration, ended.duration);
      assert.equal(byId[ended.call_id].ended_at, ended.ended_at);
      // The call that was still ringing when the process died is no longer live.
      assert.equal(byId[ringing.call_id]?.status, 'missed');
      assert.match(byId[ringing.call_id].ended_at, /Z$/);
      const active = await api(server, 'GET', '/api/webrtc/calls/active', { token: makeToken(a) });
      assert.deepEqual(active.body.calls, []);
    } finally {
      await server.stop();
    }
  });
});

describe('encryption at rest (--db-key)', { skip }, () => {
  test('the SQLite file and its WAL hold no plaintext user ids; a wrong key refuses to start', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'calls.db');
    const key = 'correct horse battery staple';
    const a = `plainAlice${process.pid}zq`;
    const b = `plainBob${process.pid}zq`;
    const g = `plainGroup${process.pid}zq`;
    const needles = [a, b, g];
    const files = () => [db, `${db}-wal`, `${db}-journal`].filter((f) => existsSync(f));
    const assertNoPlaintext = (when) => {
      const found = files();
      assert.ok(found.includes(db), 'database file exists');
      for (const f of found) {
        const bytes = readFileSync(f);
        for (const n of needles) {
          assert.equal(bytes.includes(Buffer.from(n)), false, `${n} in ${path.basename(f)} ${when}`);
          assert.equal(bytes.includes(Buffer.from(n, 'utf16le')), false, `${n} (UTF-16) in ${f}`);
        }
      }
    };

    let server = await startServer({ db, args: ['--db-key', key] });
    try {
      const done = await completedCall(server, a, b);
      await api(server, 'POST', `/api/webrtc/call/${done.call_id}/quality`, {
        token: makeToken(b),
        body: { video_quality: 'poor', issues: ['video_freeze'] },
      });
      await initiate(server, a, [b], { group_id: g });  // left live: in the WAL only
      assert.ok(existsSync(`${db}-wal`), 'WAL file exists while running');
      assertNoPlaintext('while running');
    } finally {
      await server.stop();
    }
    assertNoPlaintext('after stop');

    // The same key reads the history back.
    server = await startServer({ db, args: ['--db-key', key] });
    try {
      const h = await history(server, a);
      assert.equal(h.total, 2);
      assert.ok(h.calls.every((c) => c.participants.includes(b)));
      assert.ok(h.calls.some((c) => c.group_id === g));
    } finally {
      await server.stop();
    }

    const base = ['--http-port', '1', '--jwt-secret', JWT_SECRET, '--db', db, '--listen-ip', '127.0.0.1'];
    const wrong = await runServerToExit([...base, '--db-key', 'not the right key']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout + wrong.stderr, /wrong --db-key/);
    const missing = await runServerToExit(base);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /encrypted.*--db-key/);

    // A plaintext database refuses a key instead of mixing.
    const plainDb = path.join(dir, 'plain.db');
    const plain = await startServer({ db: plainDb });
    await plain.stop();
    const mixed = await runServerToExit([
      '--http-port', '1', '--jwt-secret', JWT_SECRET, '--db', plainDb, '--db-key', key,
    ]);
    assert.notEqual(mixed.code, 0);
    assert.match(mixed.stdout + mixed.stderr, /without encryption/);
  });
});

describe('configuration validation', { skip }, () => {
  const db = () => path.join(tempDir(), 'x.db');
  const cases = [
    { name: 'port out of range', args: ['--http-port', '70000', '--jwt-secret', 's'], want: /http-port/ },
    { name: 'port not a number', args: ['--http-port', 'abc', '--jwt-secret', 's'], want: /http-port/ },
    { name: 'port zero', args: ['--http-port', '0', '--jwt-secret', 's'], want: /http-port/ },
    { name: 'rtc port zero', args: ['--rtc-port', '0', '--jwt-secret', 's'], want: /rtc-port/ },
    { name: 'missing secret without --dev', args: [], want: /JWT secret/ },
    { name: 'unknown flag', args: ['--jwt-secret', 's', '--no-such-flag'], want: /no-such-flag/ },
    { name: 'bad log level', args: ['--jwt-secret', 's', '--log-level', 'loud'], want: /log-level/ },
    { name: 'participant limit', args: ['--jwt-secret', 's', '--max-participants', '1'], want: /max-participants/ },
    { name: 'tls cert without key', args: ['--jwt-secret', 's', '--tls-cert', '/dev/null'], want: /tls-key/ },
    { name: 'bad port via env', args: ['--jwt-secret', 's'], env: { SFU_HTTP_PORT: 'eighty' }, want: /http-port|SFU_HTTP_PORT/ },
    { name: 'missing secret via env only', args: [], env: { SFU_HTTP_PORT: '8080' }, want: /JWT secret/ },
  ];
  for (const c of cases) {
    test(`${c.name}: exit code 2 and a clear message`, async () => {
      const r = await runServerToExit([...c.args, '--db', db()], { env: c.env });
      assert.equal(r.code, 2, `exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.want);
      assert.match(r.stderr, /error|[Ii]nvalid|[Cc]ould not|must|not|requires|[Ee]xpected/i);
    });
  }

  test('--help lists the flags and exits 0', async () => {
    const r = await runServerToExit(['--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--http-port', '--jwt-secret', '--db-key', '--ring-timeout', '--dev']) {
      assert.ok(r.stdout.includes(flag), flag);
    }
  });

  test('an HTTP port already in use: exit code 1 and a clear message', async () => {
    const server = await startServer();
    try {
      const r = await runServerToExit([
        '--http-port', String(server.httpPort), '--listen-ip', '127.0.0.1',
        '--jwt-secret', 's', '--db', db(),
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /cannot listen|in use/i);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
