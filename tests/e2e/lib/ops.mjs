// Helpers for the operations tests: Socket.IO clients, one-shot commands, a real Prometheus and
// a real coturn started on loopback (each with its own temp dir, stopped by pid), TURN REST
// credentials, and the metric-name list of tests/deploy/.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { freePort, waitFor } from './harness.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// A connected socket.io-client socket (WebSocket only, no reconnection) for `token`.
export async function connectSocket(server, token, { timeoutMs = 5000 } = {}) {
  const socket = io(server.base, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    auth: { token },
  });
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }),
    timeoutMs,
    'socket connect',
  );
  return socket;
}

// Resolves with the first `event` payload on `socket`.
export function nextEvent(socket, event, timeoutMs = 5000) {
  return withTimeout(new Promise((resolve) => socket.once(event, resolve)), timeoutMs, event);
}

// Runs a command to completion: {code, signal, stdout, stderr}; killed after timeoutMs.
export function run(cmd, args, { input, env, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits at once (config errors) may close its stdin before we write: EPIPE
    // there is not a failure of the command.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// SIGTERM to `pid`, then SIGKILL if it is still there after timeoutMs.
export async function stopPid(pid, timeoutMs = 5000) {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(`pid ${pid} to exit`, () => !alive(pid), { timeoutMs, intervalMs: 50 });
  } catch {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

// Spawns a long-running child with its output kept (shown on SFU_E2E_VERBOSE).
function spawnLogged(cmd, args, name) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const keep = (chunk) => {
    logs.push(chunk.toString());
    if (process.env.SFU_E2E_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, logs, exited };
}

// ---------------------------------------------------------------------------------------------
// Prometheus

// Starts Debian's prometheus on 127.0.0.1 scraping `target` ("127.0.0.1:port", job sfu-server)
// every second, with `ruleFiles` evaluated every second. Resolves once its HTTP API answers.
export async function startPrometheus({ target, ruleFiles = [] }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfu-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    ...(ruleFiles.length ? ['rule_files:', ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    '  - job_name: sfu-server',
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const proc = spawnLogged(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    'prometheus',
  );
  const prom = {
    base: `http://127.0.0.1:${port}`,
    dir,
    logs: proc.logs,
    async stop() {
      await stopPid(proc.child.pid, 10000);
      await withTimeout(proc.exited, 5000, 'prometheus exit').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor('prometheus /-/ready', async () => (await fetch(`${prom.base}/-/ready`)).ok, {
      timeoutMs: 30000,
      intervalMs: 200,
    });
  } catch (e) {
    await prom.stop();
    throw new Error(`${e.message}\nprometheus log:\n${proc.logs.join('')}`);
  }
  return prom;
}

export async function promApi(prom, route, params = {}) {
  const url = new URL(`${prom.base}/api/v1/${route}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`prometheus ${route}: ${JSON.stringify(body)}`);
  return body.data;
}

// Waits until the sfu-server target has been scraped successfully (health "up").
export async function waitForTargetUp(prom, timeoutMs = 30000) {
  return waitFor(
    'prometheus target sfu-server up',
    async () => {
      const data = await promApi(prom, 'targets');
      const t = data.activeTargets.find((x) => x.labels.job === 'sfu-server');
      if (t && t.health === 'down') throw new Error(`target down: ${t.lastError}`);
      return t && t.health === 'up' ? t : null;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

// Instant query; resolves with the vector result (array of {metric, value: [ts, "v"]}).
export async function promQuery(prom, expr) {
  const data = await promApi(prom, 'query', { query: expr });
  return data.result;
}

// Waits until `expr` returns at least one sample for which `accept(value)` holds.
export async function waitForSeries(prom, expr, accept = () => true, timeoutMs = 20000) {
  return waitFor(
    `series ${expr}`,
    async () => {
      const result = await promQuery(prom, expr);
      return result.find((r) => accept(Number(r.value[1]))) ?? null;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

// ---------------------------------------------------------------------------------------------
// coturn (Debian coturn 4.6)

// TURN REST API credentials (what coturn's use-auth-secret checks):
// username "<expiry unix seconds>:<user>", credential base64(HMAC-SHA1(secret, username)).
export function turnCredential(secret, user, expiryUnix) {
  const username = `${expiryUnix}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

// Starts turnserver on 127.0.0.1 with the TURN REST shared secret; stopped through its pidfile.
export async function startCoturn({ secret, realm = 'sfu-test' }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfu-turn-'));
  const port = await freePort();
  const minPort = 49300 + Math.floor(Math.random() * 100) * 20;
  const pidfile = path.join(dir, 'turnserver.pid');
  const proc = spawnLogged(
    'turnserver',
    [
      '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      `--min-port=${minPort}`, `--max-port=${minPort + 19}`, '--use-auth-secret',
      `--static-auth-secret=${secret}`, `--realm=${realm}`, '--no-cli', '--no-tls', '--no-dtls',
      '--allow-loopback-peers', `--pidfile=${pidfile}`, '--log-file=stdout', '--simple-log',
    ],
    'turnserver',
  );
  const readPid = () => {
    if (!existsSync(pidfile)) return 0;
    return Number(readFileSync(pidfile, 'utf8').trim()) || 0;
  };
  const turn = {
    port,
    dir,
    logs: proc.logs,
    async stop() {
      await stopPid(readPid(), 5000);
      await stopPid(proc.child.pid, 2000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor('turnserver pidfile and STUN answer', async () => {
      if (proc.child.exitCode !== null) throw new Error(`turnserver exited ${proc.child.exitCode}`);
      return readPid() > 0 && (await stunPing(port));
    }, { timeoutMs: 15000, intervalMs: 100 });
  } catch (e) {
    await turn.stop();
    throw new Error(`${e.message}\nturnserver log:\n${proc.logs.join('')}`);
  }
  return turn;
}

// True when a STUN binding request to 127.0.0.1:port (UDP) is answered within timeoutMs.
export function stunPing(port, timeoutMs = 300) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const txid = randomBytes(12);
    // RFC 8489 section 5: type 0x0001 (Binding request), length 0, magic cookie, transaction id.
    const req = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txid]);
    const done = (ok) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('error', () => done(false));
    sock.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(txid)) done(true);
    });
    sock.send(req, port, '127.0.0.1');
  });
}

// Allocates relays with turnutils_uclient (two clients relaying to each other through the TURN
// server, 2 messages each): {ok, code, output}. ok means allocation and relaying worked.
export async function turnAllocate({ port, username, credential, timeoutMs = 20000 }) {
  const r = await run(
    'turnutils_uclient',
    ['-y', '-c', '-n', '2', '-m', '1', '-u', username, '-w', credential, '-p', String(port), '127.0.0.1'],
    { timeoutMs },
  );
  const output = r.stdout + r.stderr;
  // The summary line comes last: "start_mclient: tot_send_msgs=4, tot_recv_msgs=4".
  const received = [...output.matchAll(/tot_recv_msgs=(\d+)/g)].at(-1);
  const ok = r.code === 0 && !/ERROR/.test(output) && received !== undefined && Number(received[1]) > 0;
  return { ok, code: r.code, output };
}

// ---------------------------------------------------------------------------------------------
// Metric names (tests/deploy/metric-names.txt): name -> {type, labels: Set}

export function loadMetricNames() {
  const text = readFileSync(path.join(REPO_ROOT, 'tests/deploy/metric-names.txt'), 'utf8');
  const out = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.split('#')[0].trim();
    if (!line) continue;
    const [name, type, labels] = line.split(/\s+/);
    out.set(name, { type, labels: new Set(labels === '-' ? [] : labels.split(',')) });
  }
  return out;
}

// Parses Prometheus text exposition into [{name, labels: {k: v}, value}] (samples only).
export function parseExposition(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      for (const lm of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[lm[1]] = lm[2];
      }
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}
