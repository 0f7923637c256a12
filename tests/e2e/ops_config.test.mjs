// Configuration errors of the real binary: exit code 2 and one line on stderr naming the flag and
// its environment twin, before anything is opened or bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, run } from './lib/ops.mjs';

const BIN = process.env.SFU_SERVER_BIN;
const skip = BIN ? false : 'SFU_SERVER_BIN not set (run through ctest)';
const CERT = path.join(REPO_ROOT, 'tests/data/tls/cert.pem');

// The environment without any SFU_* variable of the caller.
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SFU_')) env[k] = v;
  return { ...env, ...extra };
}

const CASES = [
  { name: 'bad port', args: ['--dev', '--http-port', '70000'], want: ['--http-port', 'SFU_HTTP_PORT'] },
  { name: 'bad port from env', args: ['--dev'], env: { SFU_HTTP_PORT: 'eighty' }, want: ['--http-port', 'SFU_HTTP_PORT'] },
  { name: 'missing secret', args: [], want: ['--jwt-secret', 'SFU_JWT_SECRET'] },
  { name: 'tls cert without key', args: ['--dev', '--tls-cert', CERT], want: ['--tls-key', 'SFU_TLS_KEY'] },
  {
    name: 'unreadable key file',
    args: ['--dev', '--tls-cert', CERT, '--tls-key', '/nonexistent/tls.key'],
    want: ['--tls-key', 'SFU_TLS_KEY', '/nonexistent/tls.key'],
  },
  { name: 'bad workers', args: ['--dev', '--workers', 'lots'], want: ['--workers', 'SFU_WORKERS'] },
  { name: 'bad workers from env', args: ['--dev'], env: { SFU_WORKERS: '999' }, want: ['--workers', 'SFU_WORKERS'] },
  { name: 'bad drain', args: ['--dev', '--drain', '-1'], want: ['--drain', 'SFU_DRAIN_SECONDS'] },
];

for (const c of CASES) {
  test(`config error: ${c.name}`, { skip, timeout: 15000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sfu-cfg-'));
    try {
      const r = await run(BIN, [...c.args, '--db', path.join(dir, 'sfu.db')], {
        env: cleanEnv(c.env),
        timeoutMs: 10000,
      });
      assert.equal(r.code, 2, `exit ${r.code} signal ${r.signal}\n${r.stderr}`);
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
      assert.match(lines[0], /^error: /);
      for (const w of c.want) assert.ok(lines[0].includes(w), `${w} not in: ${lines[0]}`);
      assert.equal(r.stdout, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('--help exits 0 and lists the drain and TURN settings', { skip }, async () => {
  const r = await run(BIN, ['--help'], { env: cleanEnv() });
  assert.equal(r.code, 0);
  for (const flag of ['--drain', '--turn-ttl', '--log-format']) assert.ok(r.stdout.includes(flag), flag);
});
