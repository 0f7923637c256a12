// Shared helpers for end-to-end tests: start a real sfu-server on free ports with its own SQLite
// file, mint JWTs, launch Debian's chromium through playwright-core, and wait with timeouts.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const JWT_SECRET = 'e2e-test-secret';

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

// HS256 token for `userId`; `claims` are merged in (e.g. {exp} or {user_id} instead of sub).
export function makeToken(userId, claims = {}, secret = JWT_SECRET) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(JSON.stringify({ sub: userId, iat: now, exp: now + 3600, ...claims }));
  const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

export async function freePort(kind = 'tcp') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A block of `count` consecutive TCP ports that are free now (for rtc_port + worker index).
export async function freePortBlock(count) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    const ok = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        new Promise((resolve) => {
          const srv = net.createServer();
          srv.once('error', () => resolve(false));
          srv.listen(base + i, '127.0.0.1', () => srv.close(() => resolve(true)));
        }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free port block');
}

export async function waitFor(what, fn, { timeoutMs = 15000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

// Starts build/bin/sfu-server (SFU_SERVER_BIN) and resolves once /healthz answers.
// `db`: reuse an SQLite file (restart tests; its folder is then not removed by cleanup()).
// `dir`: reuse the folder (and SQLite file) of an earlier server, e.g. to restart it.
// `netns` + `ip`: run it inside that network namespace (`ip netns exec`), listening on `ip`.
// `listenIp` / `announcedIp`: other than `ip` (e.g. a veth address a network namespace reaches).
export async function startServer({
  args = [], env = {}, workers = 1, db: dbPath, dir: reuseDir, netns, ip = '127.0.0.1',
  listenIp = ip, announcedIp = ip,
} = {}) {
  const bin = process.env.SFU_SERVER_BIN;
  if (!bin) throw new Error('SFU_SERVER_BIN is not set (run through ctest)');
  const dir = reuseDir ?? mkdtempSync(path.join(tmpdir(), 'sfu-e2e-'));
  const httpPort = await freePort();
  const rtcPort = await freePortBlock(workers);
  const db = dbPath ?? path.join(dir, 'sfu.db');
  const fullArgs = [
    '--http-port', String(httpPort), '--rtc-port', String(rtcPort),
    '--listen-ip', listenIp, '--announced-ip', announcedIp,
    '--jwt-secret', JWT_SECRET, '--db', db, '--workers', String(workers),
    ...args,
  ];
  // `ip netns exec` execs the server in place: the child's PID is the server's.
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, bin, ...fullArgs]] : [bin, fullArgs];
  const proc = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const keep = (chunk) => {
    logs.push(chunk.toString());
    if (process.env.SFU_E2E_VERBOSE) process.stderr.write(chunk);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://${ip}:${httpPort}`;
  try {
    await Promise.race([
      waitFor('server /healthz', async () => (await fetch(`${base}/healthz`)).ok, { timeoutMs: 20000 }),
      exited.then(({ code, signal }) => {
        throw new Error(`server exited early (code ${code}, signal ${signal})`);
      }),
    ]);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\nserver log:\n${logs.join('')}`);
  }
  return {
    proc, base, httpPort, rtcPort, db, dir, logs, exited,
    async stop(signal = 'SIGTERM') {
      const running = () => proc.exitCode === null && proc.signalCode === null;
      if (running()) proc.kill(signal);
      // SIGTERM starts the drain (live calls may go on for --drain seconds); a second SIGTERM
      // stops at once, as it does for an operator.
      const again = signal === 'SIGTERM' ? setTimeout(() => running() && proc.kill('SIGTERM'), 1000) : null;
      let timer;
      const result = await Promise.race([
        exited,
        new Promise((r) => {
          timer = setTimeout(() => r(null), 10000);
        }),
      ]);
      clearTimeout(timer);  // a pending timer would keep the test process alive for 10 s
      clearTimeout(again);
      if (!result) {
        proc.kill('SIGKILL');
        await exited;
      }
      return result;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// REST helper: returns {status, body, headers}.
export async function api(server, method, route, { token, body, headers = {} } = {}) {
  const res = await fetch(`${server.base}${route}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

// Launches Debian's chromium headless (playwright-core downloads no browser).
export async function launchChromium(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/lib/chromium/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

// Runs sfu-server with exactly `args` (no defaults) and waits for it to exit:
// {code, signal, stdout, stderr}. For configuration errors; killed after `timeoutMs`. The
// environment's SFU_* variables (flag twins) are dropped so only `args` and `env` count.
export async function runServerToExit(args, { env = {}, timeoutMs = 15000 } = {}) {
  const bin = process.env.SFU_SERVER_BIN;
  if (!bin) throw new Error('SFU_SERVER_BIN is not set (run through ctest)');
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SFU_')));
  const proc = spawn(bin, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c) => (stdout += c));
  proc.stderr.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await new Promise((resolve) =>
    proc.once('exit', (c, s) => resolve({ code: c, signal: s })),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

// Rejects with `what` after `ms`.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Socket.IO clients (npm socket.io-client@4) for a server from startServer().
export async function openSocket(server, token, opts = {}) {
  const { io } = await import('socket.io-client');
  return io(server.base, {
    forceNew: true,
    reconnection: false,
    auth: token === undefined ? undefined : { token },
    ...opts,
  });
}

// Connects and resolves once connected (rejects on connect_error or after `timeoutMs`).
// Every received event is recorded in socket.received ([{event, data}]) for "not twice" checks.
export async function connectSocket(server, token, opts = {}, timeoutMs = 8000) {
  const socket = await openSocket(server, token, opts);
  socket.received = [];
  socket.onAny((event, data) => socket.received.push({ event, data }));
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

// Next `event` on `socket` (whose data satisfies `filter`), with a timeout.
export function nextEvent(socket, event, { timeoutMs = 5000, filter = () => true } = {}) {
  let handler;
  return withTimeout(
    new Promise((resolve) => {
      handler = (data) => {
        if (!filter(data)) return;
        socket.off(event, handler);
        resolve(data);
      };
      socket.on(event, handler);
    }),
    timeoutMs,
    `event ${event}`,
  ).finally(() => socket.off(event, handler));
}

// How many `event`s (optionally for `callId`) the socket has received so far.
export function countEvents(socket, event, callId) {
  return socket.received.filter(
    (r) => r.event === event && (callId === undefined || r.data?.call_id === callId),
  ).length;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
