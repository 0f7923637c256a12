// The Socket.IO layer of sfu-server against the real npm socket.io-client@4, through
// sio-test-server (the real HttpServer + SocketHub with a fake call logic that accepts tokens
// "good-<user>"). Each scenario runs in the client's default mode (polling, then upgrade to
// WebSocket), WebSocket only, the field clients' mode (WebSocket first, polling fallback,
// userId query) and polling only.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { io } from 'socket.io-client';

const BIN = process.env.SIO_TEST_SERVER_BIN;
const skip = BIN ? false : 'SIO_TEST_SERVER_BIN not set (run through ctest)';

function startServer(args = []) {
  const child = spawn(BIN, ['--port', '0', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('sio-test-server did not start')), 10000);
    child.on('exit', (code) => reject(new Error(`sio-test-server exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/LISTENING (\d+)/);
      if (!m) return;
      clearTimeout(timer);
      const url = `http://127.0.0.1:${m[1]}`;
      resolve({
        url,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

const MODES = [
  { name: 'default (polling, then upgrade)', opts: {} },
  { name: 'websocket only', opts: { transports: ['websocket'] } },
  { name: 'field clients (websocket first)', opts: { transports: ['websocket', 'polling'] } },
  { name: 'polling only', opts: { transports: ['polling'] } },
];

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function once(socket, event, ms = 5000) {
  return withTimeout(new Promise((resolve) => socket.once(event, resolve)), ms, event);
}

const sockets = [];
function open(url, mode, token, extra = {}) {
  const socket = io(url, {
    forceNew: true,
    reconnection: false,
    auth: token === undefined ? undefined : { token },
    query: { userId: token ? token.replace(/^good-/, '') : '' },
    ...mode.opts,
    ...extra,
  });
  sockets.push(socket);
  return socket;
}

async function connect(url, mode, token, extra) {
  const socket = open(url, mode, token, extra);
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }),
    5000,
    'connect',
  );
  return socket;
}

function closeAll() {
  while (sockets.length) sockets.pop().disconnect();
}

for (const mode of MODES) {
  describe(`socket.io-client, ${mode.name}`, { skip }, () => {
    let server;
    before(async () => {
      server = await startServer();
    });
    after(async () => {
      closeAll();
      await server?.stop();
    });

    test('connects with an auth token; bad or missing token → connect_error', async () => {
      const socket = await connect(server.url, mode, 'good-alice');
      assert.equal(socket.connected, true);
      assert.match(socket.id, /^[A-Za-z0-9_-]{20}$/);

      const bad = open(server.url, mode, 'forged');
      const err = await once(bad, 'connect_error');
      assert.equal(err.message, 'Invalid token');
      assert.equal(err.data?.code, 'unauthorized');

      const none = open(server.url, mode, undefined);
      const err2 = await once(none, 'connect_error');
      assert.equal(err2.message, 'Authentication required');
    });

    test('token from the query string works too', async () => {
      const socket = await connect(server.url, mode, undefined, { query: { token: 'good-quinn' } });
      socket.emit('authenticate', {});
      assert.deepEqual(await once(socket, 'authenticated'), { user_id: 'quinn' });
    });

    test('authenticate → authenticated; a foreign user_id → error', async () => {
      const socket = await connect(server.url, mode, 'good-alice');
      socket.emit('authenticate', { token: 'good-alice' });
      assert.deepEqual(await once(socket, 'authenticated'), { user_id: 'alice' });
      socket.emit('authenticate', { user_id: 'alice' });
      assert.deepEqual(await once(socket, 'authenticated'), { user_id: 'alice' });
      socket.emit('authenticate', { user_id: 'mallory' });
      const error = await once(socket, 'error');
      assert.match(error.message, /does not match/);
    });

    test('event round trip, emitWithAck, errors', async () => {
      const socket = await connect(server.url, mode, 'good-alice');
      const echoed = once(socket, 'echo');
      socket.emit('echo', { call_id: 'c1', n: 42, text: 'héllo ✓' });
      assert.deepEqual(await echoed, { call_id: 'c1', n: 42, text: 'héllo ✓' });

      assert.deepEqual(await socket.timeout(5000).emitWithAck('ack_me', { x: [1, 2] }), {
        got: { x: [1, 2] },
      });
      assert.deepEqual(await socket.timeout(5000).emitWithAck('webrtc_ice_candidate', {}), {
        success: true,
      });
      const errorEvent = once(socket, 'error');
      const failed = await socket.timeout(5000).emitWithAck('fail', {});
      assert.deepEqual(failed, {
        success: false,
        error: { code: 'bad_request', message: 'Missing required fields' },
      });
      assert.deepEqual(await errorEvent, { message: 'Missing required fields' });
    });

    test('server emit reaches every socket of a user', async () => {
      const a1 = await connect(server.url, mode, 'good-ann');
      const a2 = await connect(server.url, mode, 'good-ann');
      const bob = await connect(server.url, mode, 'good-bob');
      const got1 = once(a1, 'notified');
      const got2 = once(a2, 'notified');
      const ack = await bob.timeout(5000).emitWithAck('notify_user', { to: 'ann', msg: 'ring' });
      assert.deepEqual(ack, { delivered: true });
      assert.deepEqual(await got1, { to: 'ann', msg: 'ring' });
      assert.deepEqual(await got2, { to: 'ann', msg: 'ring' });

      // After both disconnect, ann is offline.
      a1.disconnect();
      a2.disconnect();
      let delivered = true;
      for (let i = 0; i < 50 && delivered; i++) {
        await new Promise((r) => setTimeout(r, 20));
        ({ delivered } = await bob.timeout(5000).emitWithAck('notify_user', { to: 'ann' }));
      }
      assert.equal(delivered, false);
    });

    if (mode.opts.transports === undefined) {
      test('upgrades from polling to websocket', async () => {
        const socket = open(server.url, mode, 'good-uma');
        const upgraded = once(socket.io, 'open').then(() => once(socket.io.engine, 'upgrade'));
        await once(socket, 'connect');
        const transport = await upgraded;
        assert.equal(transport.name, 'websocket');
        assert.equal(socket.io.engine.transport.name, 'websocket');
        assert.deepEqual(await socket.timeout(5000).emitWithAck('ack_me', 'after upgrade'), {
          got: 'after upgrade',
        });
      });
    }
  });

  describe(`socket.io-client heartbeat, ${mode.name}`, { skip }, () => {
    let server;
    before(async () => {
      server = await startServer(['--ping-interval', '300', '--ping-timeout', '300']);
    });
    after(async () => {
      closeAll();
      await server?.stop();
    });

    test('ping/pong keeps the connection over more than two ping intervals', async () => {
      const socket = await connect(server.url, mode, 'good-pat');
      let pings = 0;
      socket.io.engine.on('ping', () => pings++);
      let disconnected = null;
      socket.on('disconnect', (reason) => (disconnected = reason));
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(disconnected, null);
      assert.ok(pings >= 3, `pings: ${pings}`);
      assert.deepEqual(await socket.timeout(3000).emitWithAck('ack_me', 1), { got: 1 });
    });

    test('client disconnect is seen by the server', async () => {
      const socket = await connect(server.url, mode, 'good-dan');
      const peer = await connect(server.url, mode, 'good-eve');
      assert.deepEqual(await peer.timeout(3000).emitWithAck('notify_user', { to: 'dan' }), {
        delivered: true,
      });
      const reason = once(socket, 'disconnect');
      socket.disconnect();
      assert.equal(await reason, 'io client disconnect');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await peer.timeout(3000).emitWithAck('notify_user', { to: 'dan' }), {
        delivered: false,
      });
    });
  });
}

test('serves the socket.io client bundle', { skip }, async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/socket.io/socket.io.js`);
    if (res.status === 200) {
      assert.match(res.headers.get('content-type'), /javascript/);
      assert.match(await res.text(), /Socket\.IO/);
    } else {
      assert.equal(res.status, 404);  // signaling/web/vendor not installed
    }
  } finally {
    await server.stop();
  }
});
