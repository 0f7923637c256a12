// The Socket.IO events of spec/webrtc-call-guide.md against the real sfu-server binary with the
// real npm socket.io-client@4, in the client's default mode (polling, then upgrade to WebSocket)
// and WebSocket only: connection auth, the field clients' `authenticate` flow, the seven
// client→server and seven server→client events with their documented payloads, the REST+socket
// pairs arriving once, two devices of one user, refusals as `error` events, ring timeout, group
// calls (participant_joined/left, end = leave) and a socket event flood.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  api,
  connectSocket,
  countEvents,
  makeToken,
  nextEvent,
  openSocket,
  sleep,
  startServer,
  waitFor,
} from './lib/harness.mjs';

const skip = process.env.SFU_SERVER_BIN ? false : 'SFU_SERVER_BIN not set (run through ctest)';

const MODES = [
  { name: 'default (polling, then upgrade)', opts: {} },
  { name: 'websocket only', opts: { transports: ['websocket'] } },
];
const FIELD = { transports: ['websocket', 'polling'] };

let userSeq = 0;
const uniq = (name) => `${name}_${++userSeq}`;

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

const sockets = [];

async function initiate(server, caller, others, extra = {}) {
  const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: makeToken(caller),
    body: { type: 'video', participants: others, ...extra },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.call;
}

function answerRest(server, user, callId, answer) {
  return api(server, 'POST', `/api/webrtc/call/${callId}/answer`, {
    token: makeToken(user),
    body: { answer },
  });
}

function endRest(server, user, callId) {
  return api(server, 'POST', `/api/webrtc/call/${callId}/end`, { token: makeToken(user) });
}

// An emit whose acknowledgement proves the server handled it (and queued whatever it sent).
function emitAck(socket, event, data) {
  return socket.timeout(5000).emitWithAck(event, data);
}

// Everything the server queued for `socket` before now has arrived once this resolves:
// `authenticate` is answered in order on the same session.
async function flush(socket) {
  const res = await emitAck(socket, 'authenticate', {});
  assert.equal(res.success, true);
}

function disconnectAll() {
  while (sockets.length) sockets.pop().disconnect();
}

for (const mode of MODES) {
  describe(`Socket.IO events, ${mode.name}`, { skip }, () => {
    let server;
    const connect = async (user, opts = {}) => {
      const s = await connectSocket(server, makeToken(user), { ...mode.opts, ...opts });
      sockets.push(s);
      return s;
    };

    before(async () => {
      server = await startServer();
    });
    after(async () => {
      disconnectAll();
      await server?.stop();
      server?.cleanup();
    });

    test('connects with auth {token}; a bad or missing token → connect_error', async () => {
      const alice = await connect(uniq('alice'));
      assert.equal(alice.connected, true);

      for (const [what, token] of [
        ['bad signature', makeToken('alice', {}, 'wrong-secret')],
        ['expired', makeToken('alice', { exp: Math.floor(Date.now() / 1000) - 3600 })],
        ['garbage', 'not-a-token'],
        ['missing', undefined],
      ]) {
        const s = await openSocket(server, token, mode.opts);
        sockets.push(s);
        const err = await nextEvent(s, 'connect_error');
        assert.equal(typeof err.message, 'string', what);
        assert.match(err.message, /[Ii]nvalid token|[Aa]uthentication required/, what);
        assert.equal(s.connected, false, what);
      }
    });

    test('1:1 call: ringing, accepted, offer/answer/candidates, ended; REST+socket pairs once', async () => {
      const [a, b] = [uniq('alice'), uniq('bob')];
      const alice = await connect(a);
      const bob = await connect(b);

      const ringing = nextEvent(bob, 'webrtc_call_ringing');
      const call = await initiate(server, a, [b]);
      const ring = await ringing;
      assert.equal(ring.call_id, call.call_id);
      assert.equal(ring.caller_id, a);
      assert.equal(ring.type, 'video');
      assert.deepEqual(ring.participants, [a, b]);
      assert.equal(ring.mode, 'p2p');
      // The field client's own webrtc_call_ringing after the REST initiate does not ring twice.
      const ack = await emitAck(alice, 'webrtc_call_ringing', {
        call_id: call.call_id,
        participants: [a, b],
        type: 'video',
      });
      assert.equal(ack.success, true);
      await flush(bob);
      assert.equal(countEvents(bob, 'webrtc_call_ringing', call.call_id), 1);
      assert.equal(countEvents(alice, 'webrtc_call_ringing', call.call_id), 0);

      // REST answer, then the client's own webrtc_call_accepted: the caller hears it once.
      const accepted = nextEvent(alice, 'webrtc_call_accepted');
      assert.equal((await answerRest(server, b, call.call_id, true)).status, 200);
      assert.deepEqual(await accepted, { call_id: call.call_id, user_id: b });
      const ack2 = await emitAck(bob, 'webrtc_call_accepted', { call_id: call.call_id, caller_id: a });
      assert.equal(ack2.success, true);
      await flush(alice);
      assert.equal(countEvents(alice, 'webrtc_call_accepted', call.call_id), 1);
      assert.equal(countEvents(bob, 'webrtc_call_accepted', call.call_id), 0);

      // Offer / answer / candidates relayed 1:1; from_user_id is the authenticated sender.
      const offer = nextEvent(bob, 'webrtc_offer');
      alice.emit('webrtc_offer', { call_id: call.call_id, offer: OFFER, to_user_id: b, from_user_id: 'mallory' });
      assert.deepEqual(await offer, { call_id: call.call_id, offer: OFFER, from_user_id: a });
      const answer = nextEvent(alice, 'webrtc_answer');
      bob.emit('webrtc_answer', { call_id: call.call_id, answer: ANSWER, to_user_id: a });
      assert.deepEqual(await answer, { call_id: call.call_id, answer: ANSWER, from_user_id: b });
      const cand1 = nextEvent(bob, 'webrtc_ice_candidate');
      alice.emit('webrtc_ice_candidate', { call_id: call.call_id, candidate: CANDIDATE, to_user_id: b });
      assert.deepEqual(await cand1, { call_id: call.call_id, candidate: CANDIDATE, from_user_id: a });
      const cand2 = nextEvent(alice, 'webrtc_ice_candidate');
      bob.emit('webrtc_ice_candidate', {
        call_id: call.call_id,
        candidate: CANDIDATE,
        to_user_id: a,
        from_user_id: a,
      });
      assert.deepEqual(await cand2, { call_id: call.call_id, candidate: CANDIDATE, from_user_id: b });
      // A large SDP (many candidates / codecs) is relayed intact.
      const bigSdp = { type: 'offer', sdp: `v=0\r\n${'a=x-filler:0123456789abcdef\r\n'.repeat(8000)}` };
      const big = nextEvent(bob, 'webrtc_offer');
      alice.emit('webrtc_offer', { call_id: call.call_id, offer: bigSdp, to_user_id: b });
      assert.equal((await big).offer.sdp, bigSdp.sdp);
      // A bare SDP string is relayed as is.
      const bare = nextEvent(bob, 'webrtc_offer');
      assert.equal(
        (await emitAck(alice, 'webrtc_offer', { call_id: call.call_id, offer: OFFER.sdp, to_user_id: b })).success,
        true,
      );
      assert.equal((await bare).offer, OFFER.sdp);
      await flush(alice);
      await flush(bob);
      assert.equal(countEvents(bob, 'webrtc_offer'), 3);
      assert.equal(countEvents(alice, 'webrtc_offer'), 0);
      assert.equal(countEvents(alice, 'webrtc_answer'), 1);

      // REST end, then the client's own webrtc_call_ended: the other side hears it once.
      const ended = nextEvent(bob, 'webrtc_call_ended');
      const endRes = await endRest(server, a, call.call_id);
      assert.equal(endRes.status, 200);
      const ev = await ended;
      assert.equal(ev.call_id, call.call_id);
      assert.equal(ev.ended_by, a);
      const ack3 = await emitAck(alice, 'webrtc_call_ended', { call_id: call.call_id, participants: [a, b] });
      assert.equal(ack3.success, true);
      await flush(bob);
      await flush(alice);
      assert.equal(countEvents(bob, 'webrtc_call_ended', call.call_id), 1);
      assert.equal(countEvents(alice, 'webrtc_call_ended', call.call_id), 0);
    });

    test('socket-only flow: accepted and ended by client events alone', async () => {
      const [a, b] = [uniq('alice'), uniq('bob')];
      const alice = await connect(a);
      const bob = await connect(b);
      const ringing = nextEvent(bob, 'webrtc_call_ringing');
      const call = await initiate(server, a, [b], { type: 'audio' });
      assert.equal((await ringing).type, 'audio');

      const accepted = nextEvent(alice, 'webrtc_call_accepted');
      const ack = await emitAck(bob, 'webrtc_call_accepted', { call_id: call.call_id, caller_id: a });
      assert.equal(ack.success, true);
      assert.equal(ack.call.status, 'active');
      assert.deepEqual(await accepted, { call_id: call.call_id, user_id: b });

      const ended = nextEvent(alice, 'webrtc_call_ended');
      await emitAck(bob, 'webrtc_call_ended', { call_id: call.call_id, participants: [a, b] });
      const ev = await ended;
      assert.equal(ev.call_id, call.call_id);
      assert.equal(ev.ended_by, b);
      const got = await api(server, 'GET', `/api/webrtc/call/${call.call_id}`, { token: makeToken(a) });
      assert.equal(got.body.call.status, 'ended');
      assert.equal(typeof got.body.call.duration, 'number');
    });

    test('rejected: REST answer false + client emit reach the caller once', async () => {
      const [a, b, c] = [uniq('alice'), uniq('bob'), uniq('carol')];
      const alice = await connect(a);
      const bob = await connect(b);
      await connect(c);

      const call = await initiate(server, a, [b]);
      const rejected = nextEvent(alice, 'webrtc_call_rejected');
      assert.equal((await answerRest(server, b, call.call_id, false)).status, 200);
      assert.deepEqual(await rejected, { call_id: call.call_id, user_id: b });
      await emitAck(bob, 'webrtc_call_rejected', { call_id: call.call_id, caller_id: a });
      await flush(alice);
      assert.equal(countEvents(alice, 'webrtc_call_rejected', call.call_id), 1);
      assert.equal(countEvents(alice, 'webrtc_call_ended', call.call_id), 0);

      // Socket-only rejection.
      const call2 = await initiate(server, a, [c]);
      const rejected2 = nextEvent(alice, 'webrtc_call_rejected', { filter: (d) => d.call_id === call2.call_id });
      const carol = sockets[sockets.length - 1];
      await emitAck(carol, 'webrtc_call_rejected', { call_id: call2.call_id, caller_id: a });
      assert.deepEqual(await rejected2, { call_id: call2.call_id, user_id: c });
      const got = await api(server, 'GET', `/api/webrtc/call/${call2.call_id}`, { token: makeToken(a) });
      assert.equal(got.body.call.status, 'rejected');
    });

    test('two devices of one user: both ring, answering on one stops the other', async () => {
      const [a, b] = [uniq('alice'), uniq('bob')];
      const alice = await connect(a);
      const bob1 = await connect(b);
      const bob2 = await connect(b);

      // REST answer, then the answering device's socket event (what field clients do).
      let r1 = nextEvent(bob1, 'webrtc_call_ringing');
      let r2 = nextEvent(bob2, 'webrtc_call_ringing');
      const call = await initiate(server, a, [b]);
      assert.equal((await r1).call_id, call.call_id);
      assert.equal((await r2).call_id, call.call_id);
      const stop2 = nextEvent(bob2, 'webrtc_call_ended', { filter: (d) => d.call_id === call.call_id });
      assert.equal((await answerRest(server, b, call.call_id, true)).status, 200);
      await emitAck(bob1, 'webrtc_call_accepted', { call_id: call.call_id, caller_id: a });
      const stopped = await stop2;
      assert.equal(stopped.reason, 'answered_elsewhere');
      await flush(bob1);
      await flush(alice);
      assert.equal(countEvents(bob1, 'webrtc_call_ended', call.call_id), 0);
      assert.equal(countEvents(alice, 'webrtc_call_accepted', call.call_id), 1);
      // Signalling now goes to the device that answered.
      const offer = nextEvent(bob1, 'webrtc_offer');
      await emitAck(alice, 'webrtc_offer', { call_id: call.call_id, offer: OFFER, to_user_id: b });
      assert.equal((await offer).from_user_id, a);
      await flush(bob2);
      assert.equal(countEvents(bob2, 'webrtc_offer', call.call_id), 0);
      await endRest(server, a, call.call_id);

      // Socket-only answer on the second device.
      r1 = nextEvent(bob1, 'webrtc_call_ringing');
      r2 = nextEvent(bob2, 'webrtc_call_ringing');
      const callB = await initiate(server, a, [b]);
      await r1;
      await r2;
      const elsewhere = nextEvent(bob1, 'webrtc_call_answered_elsewhere');
      const stop1 = nextEvent(bob1, 'webrtc_call_ended', { filter: (d) => d.call_id === callB.call_id });
      await emitAck(bob2, 'webrtc_call_accepted', { call_id: callB.call_id, caller_id: a });
      assert.deepEqual(await elsewhere, { call_id: callB.call_id, user_id: b, answer: true });
      assert.equal((await stop1).reason, 'answered_elsewhere');
      await flush(bob2);
      assert.equal(countEvents(bob2, 'webrtc_call_ended', callB.call_id), 0);
      assert.equal(countEvents(bob2, 'webrtc_call_answered_elsewhere', callB.call_id), 0);
      await endRest(server, a, callB.call_id);
    });

    test('refusals come back as `error` events: foreign call, offline recipient, missing fields', async () => {
      const [a, b, e] = [uniq('alice'), uniq('bob'), uniq('eve')];
      const alice = await connect(a);
      const eve = await connect(e);
      const call = await initiate(server, a, [b]);  // bob is not online

      for (const event of ['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate']) {
        const key = { webrtc_offer: 'offer', webrtc_answer: 'answer', webrtc_ice_candidate: 'candidate' }[event];
        const err = nextEvent(eve, 'error');
        eve.emit(event, { call_id: call.call_id, [key]: OFFER, to_user_id: a });
        assert.match((await err).message, /[Nn]ot a participant/, event);
      }
      for (const event of ['webrtc_call_accepted', 'webrtc_call_rejected', 'webrtc_call_ended', 'webrtc_call_ringing']) {
        const err = nextEvent(eve, 'error');
        const ack = await emitAck(eve, event, { call_id: call.call_id, caller_id: a, participants: [a, e] });
        assert.equal(ack.success, false, event);
        assert.equal(ack.error.code, 'forbidden', event);
        assert.equal(typeof (await err).message, 'string', event);
      }
      await flush(alice);
      assert.equal(countEvents(alice, 'webrtc_offer'), 0);
      assert.equal(countEvents(alice, 'webrtc_call_accepted'), 0);
      assert.equal(countEvents(alice, 'webrtc_call_ended'), 0);

      const unknown = nextEvent(eve, 'error');
      eve.emit('webrtc_offer', { call_id: 'call_0_nope', offer: OFFER, to_user_id: a });
      assert.match((await unknown).message, /not found/i);

      const offline = nextEvent(alice, 'error');
      alice.emit('webrtc_offer', { call_id: call.call_id, offer: OFFER, to_user_id: b });
      assert.deepEqual(await offline, { message: 'Recipient not online' });

      for (const data of [
        {},
        { call_id: call.call_id, to_user_id: b },
        { call_id: call.call_id, offer: OFFER },
        { offer: OFFER, to_user_id: b },
        'just a string',
      ]) {
        const missing = nextEvent(alice, 'error');
        alice.emit('webrtc_offer', data);
        assert.deepEqual(await missing, { message: 'Missing required fields' }, JSON.stringify(data));
      }
      const missing2 = nextEvent(alice, 'error');
      alice.emit('webrtc_call_accepted', {});
      assert.deepEqual(await missing2, { message: 'Missing required fields' });

      // Media-server targets are for SFU calls only (extension); preferences too.
      const p2pSfu = await emitAck(alice, 'webrtc_offer', { call_id: call.call_id, offer: OFFER, to_user_id: 'sfu' });
      assert.equal(p2pSfu.success, false);
      assert.equal(p2pSfu.error.message, 'Not an SFU call');
      const prefs = await emitAck(alice, 'webrtc_set_preferences', { call_id: call.call_id, max_layer: 1 });
      assert.equal(prefs.success, false);
      assert.equal(prefs.error.message, 'Not an SFU call');
      await endRest(server, a, call.call_id);

      // In a group call, an invitee must answer before talking to the SFU.
      const group = await initiate(server, a, [e, b]);
      const early = await emitAck(eve, 'webrtc_offer', { call_id: group.call_id, offer: OFFER, to_user_id: 'sfu' });
      assert.equal(early.success, false);
      assert.equal(early.error.code, 'conflict');
      const badLayer = await emitAck(alice, 'webrtc_set_preferences', { call_id: group.call_id, max_layer: 7 });
      assert.equal(badLayer.success, false);
      assert.equal(badLayer.error.code, 'bad_request');
      await endRest(server, a, group.call_id);
    });

    test('group call of 3: accepted, participant_joined, end = leave, ends below two', async () => {
      const [a, b, c] = [uniq('alice'), uniq('bob'), uniq('carol')];
      const alice = await connect(a);
      const bob = await connect(b);
      const carol = await connect(c);

      const rb = nextEvent(bob, 'webrtc_call_ringing');
      const rc = nextEvent(carol, 'webrtc_call_ringing');
      const call = await initiate(server, a, [b, c]);
      assert.equal(call.mode, 'sfu');
      assert.deepEqual((await rb).participants, [a, b, c]);
      assert.equal((await rc).mode, 'sfu');
      const id = call.call_id;
      const isCall = { filter: (d) => d.call_id === id };

      let acc = nextEvent(alice, 'webrtc_call_accepted', isCall);
      let joined = nextEvent(alice, 'webrtc_participant_joined', isCall);
      assert.equal((await answerRest(server, b, id, true)).status, 200);
      assert.deepEqual(await acc, { call_id: id, user_id: b });
      assert.deepEqual(await joined, { call_id: id, user_id: b });

      const accA = nextEvent(alice, 'webrtc_call_accepted', { filter: (d) => d.user_id === c });
      const accB = nextEvent(bob, 'webrtc_call_accepted', isCall);
      const joinedB = nextEvent(bob, 'webrtc_participant_joined', isCall);
      await emitAck(carol, 'webrtc_call_accepted', { call_id: id, caller_id: a });
      assert.deepEqual(await accA, { call_id: id, user_id: c });
      assert.deepEqual(await accB, { call_id: id, user_id: c });
      assert.deepEqual(await joinedB, { call_id: id, user_id: c });

      // Carol leaves (REST end + her socket event): the others get participant_left once.
      const leftA = nextEvent(alice, 'webrtc_participant_left', isCall);
      const leftB = nextEvent(bob, 'webrtc_participant_left', isCall);
      assert.equal((await endRest(server, c, id)).body.call.status, 'active');
      await emitAck(carol, 'webrtc_call_ended', { call_id: id, participants: [a, b, c] });
      assert.equal((await leftA).user_id, c);
      assert.equal((await leftB).user_id, c);
      await flush(alice);
      await flush(bob);
      assert.equal(countEvents(alice, 'webrtc_participant_left', id), 1);
      assert.equal(countEvents(bob, 'webrtc_participant_left', id), 1);
      assert.equal(countEvents(alice, 'webrtc_call_ended', id), 0);
      const mid = await api(server, 'GET', `/api/webrtc/call/${id}`, { token: makeToken(a) });
      assert.equal(mid.body.call.status, 'active');
      assert.deepEqual(
        mid.body.call.participant_states.map((p) => [p.user_id, p.status]),
        [[a, 'joined'], [b, 'joined'], [c, 'left']],
      );

      // Bob leaves: one remains, the call ends.
      const left2 = nextEvent(alice, 'webrtc_participant_left', isCall);
      const ended = nextEvent(alice, 'webrtc_call_ended', isCall);
      const res = await endRest(server, b, id);
      assert.equal(res.body.call.status, 'ended');
      assert.equal(typeof res.body.call.duration, 'number');
      assert.equal((await left2).user_id, b);
      const ev = await ended;
      assert.equal(ev.ended_by, b);
      await flush(carol);
      assert.equal(countEvents(carol, 'webrtc_call_ended', id), 0);
    });

    test('socket event flood → rate limited `error`, and the server keeps serving', async () => {
      const [a, b] = [uniq('flooder'), uniq('bob')];
      const flooder = await connect(a);
      const call = await initiate(server, a, [b]);
      const errors = [];
      flooder.on('error', (e) => errors.push(e));
      for (let i = 0; i < 400; i++) {
        flooder.emit('webrtc_call_ringing', { call_id: call.call_id, participants: [a, b], type: 'video' });
      }
      await waitFor('rate-limit error', () => errors.some((e) => /too many/i.test(e.message)), {
        timeoutMs: 10000,
      });
      assert.ok(flooder.connected);
      // A fresh socket and REST still work at once; the flooder again after its bucket refills.
      const other = await connect(uniq('carol'));
      assert.equal((await emitAck(other, 'authenticate', {})).success, true);
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
      await sleep(2500);
      const ack = await emitAck(flooder, 'webrtc_call_ringing', { call_id: call.call_id });
      assert.equal(ack.success, true);
      await endRest(server, a, call.call_id);
    });
  });
}

describe('field clients (websocket first, auth token + userId query, authenticate)', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    disconnectAll();
    await server?.stop();
    server?.cleanup();
  });

  test('authenticate → authenticated {user_id}; a mismatched user_id is refused', async () => {
    const user = uniq('fiona');
    const token = makeToken(user);
    const s = await connectSocket(server, token, { ...FIELD, query: { userId: user } });
    sockets.push(s);
    assert.equal(s.io.engine.transport.name, 'websocket');

    let got = nextEvent(s, 'authenticated');
    s.emit('authenticate', { token });
    assert.deepEqual(await got, { user_id: user });
    got = nextEvent(s, 'authenticated');
    s.emit('authenticate', { user_id: user });
    assert.deepEqual(await got, { user_id: user });

    const err = nextEvent(s, 'error');
    s.emit('authenticate', { user_id: 'someone_else' });
    assert.equal(typeof (await err).message, 'string');
    const err2 = nextEvent(s, 'error');
    s.emit('authenticate', { token: makeToken('someone_else') });
    assert.equal(typeof (await err2).message, 'string');
    const err3 = nextEvent(s, 'error');
    s.emit('authenticate', { token: 'forged.token.here' });
    assert.equal(typeof (await err3).message, 'string');
    await flush(s);
    assert.equal(countEvents(s, 'authenticated'), 3);  // the two above and flush()'s
  });

  test('numeric user ids (as integer-keyed backends issue them) work end to end', async () => {
    const now = Math.floor(Date.now() / 1000);
    const [a, b] = [900000 + ++userSeq, 900000 + ++userSeq];
    const tokenA = makeToken(undefined, { sub: undefined, user_id: a });
    const tokenB = makeToken(undefined, { sub: undefined, user_id: b, exp: now + 600 });
    const alice = await connectSocket(server, tokenA, { ...FIELD, query: { userId: String(a) } });
    const bob = await connectSocket(server, tokenB, { ...FIELD, query: { userId: String(b) } });
    sockets.push(alice, bob);
    const got = nextEvent(alice, 'authenticated');
    alice.emit('authenticate', { user_id: a });
    assert.deepEqual(await got, { user_id: String(a) });

    const ringing = nextEvent(bob, 'webrtc_call_ringing');
    const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
      token: tokenA,
      body: { type: 'audio', participants: [b] },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.call.participants, [String(a), String(b)]);
    const ring = await ringing;
    assert.equal(ring.caller_id, String(a));
    const accepted = nextEvent(alice, 'webrtc_call_accepted');
    await emitAck(bob, 'webrtc_call_accepted', { call_id: ring.call_id, caller_id: a });
    assert.deepEqual(await accepted, { call_id: ring.call_id, user_id: String(b) });
    const offer = nextEvent(bob, 'webrtc_offer');
    alice.emit('webrtc_offer', { call_id: ring.call_id, offer: OFFER, to_user_id: b });
    assert.equal((await offer).from_user_id, String(a));
    await emitAck(alice, 'webrtc_call_ended', { call_id: ring.call_id, participants: [a, b] });
  });

  test('a whole call with the field clients\' sequence of REST calls and socket events', async () => {
    const [a, b] = [uniq('alice'), uniq('bob')];
    const alice = await connectSocket(server, makeToken(a), { ...FIELD, query: { userId: a } });
    const bob = await connectSocket(server, makeToken(b), { ...FIELD, query: { userId: b } });
    sockets.push(alice, bob);
    for (const [s, u] of [[alice, a], [bob, b]]) {
      const got = nextEvent(s, 'authenticated');
      s.emit('authenticate', { user_id: u });
      await got;
    }
    const ringing = nextEvent(bob, 'webrtc_call_ringing');
    const call = await initiate(server, a, [b]);
    alice.emit('webrtc_call_ringing', { call_id: call.call_id, participants: call.participants, type: 'video' });
    await ringing;
    const accepted = nextEvent(alice, 'webrtc_call_accepted');
    await answerRest(server, b, call.call_id, true);
    bob.emit('webrtc_call_accepted', { call_id: call.call_id, caller_id: a });
    await accepted;
    const offer = nextEvent(bob, 'webrtc_offer');
    alice.emit('webrtc_offer', { call_id: call.call_id, offer: OFFER, to_user_id: b });
    await offer;
    const ended = nextEvent(bob, 'webrtc_call_ended');
    await endRest(server, a, call.call_id);
    alice.emit('webrtc_call_ended', { call_id: call.call_id, participants: call.participants });
    await ended;
    await flush(alice);
    await flush(bob);
    assert.equal(countEvents(bob, 'webrtc_call_ringing', call.call_id), 1);
    assert.equal(countEvents(alice, 'webrtc_call_accepted', call.call_id), 1);
    assert.equal(countEvents(bob, 'webrtc_call_ended', call.call_id), 1);
    assert.equal(countEvents(alice, 'error'), 0);
    assert.equal(countEvents(bob, 'error'), 0);
  });
});

describe('ring timeout', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({ args: ['--ring-timeout', '2'] });
  });
  after(async () => {
    disconnectAll();
    await server?.stop();
    server?.cleanup();
  });

  test('group: an invitee who never answers is missed, the call goes on', async () => {
    const [a, b, c] = [uniq('alice'), uniq('bob'), uniq('carol')];
    const alice = await connectSocket(server, makeToken(a));
    const bob = await connectSocket(server, makeToken(b));
    const carol = await connectSocket(server, makeToken(c));
    sockets.push(alice, bob, carol);
    const rc = nextEvent(carol, 'webrtc_call_ringing');
    const call = await initiate(server, a, [b, c]);
    await rc;
    const isCall = { filter: (d) => d.call_id === call.call_id, timeoutMs: 10000 };
    await emitAck(bob, 'webrtc_call_accepted', { call_id: call.call_id, caller_id: a });
    const leftA = nextEvent(alice, 'webrtc_participant_left', isCall);
    const leftB = nextEvent(bob, 'webrtc_participant_left', isCall);
    const endC = nextEvent(carol, 'webrtc_call_ended', isCall);
    assert.deepEqual(await leftA, { call_id: call.call_id, user_id: c, reason: 'missed' });
    assert.deepEqual(await leftB, { call_id: call.call_id, user_id: c, reason: 'missed' });
    assert.equal((await endC).reason, 'missed');
    const got = await api(server, 'GET', `/api/webrtc/call/${call.call_id}`, { token: makeToken(a) });
    assert.equal(got.body.call.status, 'active');
    assert.equal(got.body.call.participant_states.find((p) => p.user_id === c).status, 'missed');
    assert.equal(countEvents(alice, 'webrtc_call_ended', call.call_id), 0);
    await endRest(server, a, call.call_id);

    // Nobody answers: the whole group call is missed.
    const nobody = await initiate(server, a, [b, c]);
    const ended = await nextEvent(alice, 'webrtc_call_ended', {
      filter: (d) => d.call_id === nobody.call_id,
      timeoutMs: 10000,
    });
    assert.equal(ended.status, 'missed');
    const after = await api(server, 'GET', `/api/webrtc/call/${nobody.call_id}`, { token: makeToken(a) });
    assert.equal(after.body.call.status, 'missed');
  });

  for (const mode of MODES) {
    test(`an unanswered 1:1 ring becomes missed (${mode.name})`, async () => {
      const [a, b] = [uniq('alice'), uniq('bob')];
      const alice = await connectSocket(server, makeToken(a), mode.opts);
      const bob = await connectSocket(server, makeToken(b), mode.opts);
      sockets.push(alice, bob);
      const ringing = nextEvent(bob, 'webrtc_call_ringing');
      const call = await initiate(server, a, [b]);
      await ringing;
      const started = Date.now();
      const endA = nextEvent(alice, 'webrtc_call_ended', { timeoutMs: 10000 });
      const endB = nextEvent(bob, 'webrtc_call_ended', { timeoutMs: 10000 });
      const [ea, eb] = await Promise.all([endA, endB]);
      assert.ok(Date.now() - started > 1000, 'ended too early');
      for (const ev of [ea, eb]) {
        assert.equal(ev.call_id, call.call_id);
        assert.equal(ev.reason, 'missed');
        assert.equal(ev.status, 'missed');
      }
      const got = await api(server, 'GET', `/api/webrtc/call/${call.call_id}`, { token: makeToken(b) });
      assert.equal(got.body.call.status, 'missed');
      const late = await answerRest(server, b, call.call_id, true);
      assert.equal(late.status, 409);
    });
  }
});
