// Echo test with a real browser: Chromium offers audio + video + a data channel, POSTs the offer
// to /api/webrtc/echo (WHIP-style), and must get its own media back (frames decoded), over UDP and
// over ICE-TCP only, and through Socket.IO (`to_user_id: "echo"`); a wrong DTLS fingerprint in the
// offer must make the session fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, makeToken, startServer, waitFor } from './lib/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

// Runs one echo session in a fresh page. Returns what the page saw. `viaSocket`: the offer goes
// over Socket.IO as `webrtc_offer {to_user_id: "echo"}` instead of the WHIP-style POST.
async function runEcho({ tcpOnly = false, badFingerprint = false, waitMs = 15000, viaSocket = false } = {}) {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.base}/healthz`); // a secure 127.0.0.1 origin for getUserMedia
    if (viaSocket) await page.addScriptTag({ url: `${server.base}/socket.io/socket.io.js` });
    return await page.evaluate(
      async ({ token, tcpOnly, badFingerprint, waitMs, viaSocket }) => {
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        const stream = await navigator.mediaDevices.getUserMedia({
          audio: true,
          video: { width: 320, height: 240, frameRate: 15 },
        });
        const pc = new RTCPeerConnection();
        for (const t of stream.getTracks()) pc.addTrack(t, stream);
        const dc = pc.createDataChannel('echo');
        let dcEcho = null;
        dc.onopen = () => dc.send('ping-echo');
        dc.onmessage = (e) => { dcEcho = e.data; };
        await pc.setLocalDescription(await pc.createOffer());
        let offer = pc.localDescription.sdp;
        if (badFingerprint) {
          // Same format, another certificate's digest: the server must refuse the handshake.
          offer = offer.replace(/a=fingerprint:sha-256 ([0-9A-F]{2})/g, (m, b) =>
            `a=fingerprint:sha-256 ${b === '00' ? '11' : '00'}`);
        }
        let out;
        let answer;
        let socket = null;
        if (viaSocket) {
          // eslint-disable-next-line no-undef
          socket = io({ auth: { token }, transports: ['websocket'] });
          await new Promise((resolve, reject) => {
            socket.on('connect', resolve);
            socket.on('connect_error', reject);
          });
          const got = new Promise((resolve) => socket.on('webrtc_answer', resolve));
          socket.emit('webrtc_offer', {
            call_id: 'echo-check', to_user_id: 'echo', offer: { type: 'offer', sdp: offer },
          });
          const ev = await Promise.race([got, sleep(10000).then(() => null)]);
          if (!ev) return { error: 'no webrtc_answer from echo' };
          out = { status: 201, from: ev.from_user_id, callId: ev.call_id };
          answer = ev.answer.sdp;
        } else {
          const res = await fetch('/api/webrtc/echo', {
            method: 'POST',
            headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
            body: offer,
          });
          out = { status: res.status, location: res.headers.get('Location') };
          answer = await res.text();
          if (res.status !== 201) return { ...out, error: answer };
        }
        if (tcpOnly) {
          answer = answer.split('\r\n')
            .filter((l) => !(l.startsWith('a=candidate') && / udp /i.test(l)))
            .join('\r\n');
        }
        out.answerHasTcp = / tcp .* tcptype passive/.test(answer);
        await pc.setRemoteDescription({ type: 'answer', sdp: answer });
        const deadline = Date.now() + waitMs;
        let video = {};
        let audio = {};
        let pair = {};
        while (Date.now() < deadline) {
          const stats = await pc.getStats();
          stats.forEach((s) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') video = s;
            if (s.type === 'inbound-rtp' && s.kind === 'audio') audio = s;
            if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
          });
          if (pc.connectionState === 'failed') break;
          if ((video.framesDecoded ?? 0) > 0 && (audio.packetsReceived ?? 0) > 0 && dcEcho) break;
          await sleep(250);
        }
        out.connectionState = pc.connectionState;
        out.framesDecoded = video.framesDecoded ?? 0;
        out.audioPackets = audio.packetsReceived ?? 0;
        out.dcEcho = dcEcho;
        if (pair.localCandidateId) {
          const stats = await pc.getStats();
          out.protocol = stats.get(pair.localCandidateId)?.protocol;
        }
        if (out.location) {
          const del = await fetch(out.location, {
            method: 'DELETE',
            headers: { Authorization: `Bearer ${token}` },
          });
          out.deleteStatus = del.status;
        }
        if (socket) {
          out.endAck = await socket.timeout(5000).emitWithAck('webrtc_call_ended', { call_id: 'echo-check' })
            .catch((e) => ({ error: String(e) }));
          socket.close();
        }
        pc.close();
        stream.getTracks().forEach((t) => t.stop());
        return out;
      },
      { token: makeToken('echo-user'), tcpOnly, badFingerprint, waitMs, viaSocket },
    );
  } finally {
    await page.close();
  }
}

test('ice-servers lists our own STUN port', async () => {
  const res = await fetch(`${server.base}/api/webrtc/ice-servers`, {
    headers: { Authorization: `Bearer ${makeToken('alice')}` },
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  const urls = body.ice_servers.flatMap((s) => s.urls);
  assert.ok(urls.includes(`stun:127.0.0.1:${server.rtcPort}`), JSON.stringify(body));
});

test('echo endpoint refuses bad requests', async () => {
  const offer = 'v=0\r\n';
  let res = await fetch(`${server.base}/api/webrtc/echo`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer,
  });
  assert.equal(res.status, 401);
  res = await fetch(`${server.base}/api/webrtc/echo`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${makeToken('bob')}` },
    body: '{}',
  });
  assert.equal(res.status, 415);
  res = await fetch(`${server.base}/api/webrtc/echo`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${makeToken('bob')}` },
    body: 'not sdp',
  });
  assert.equal(res.status, 400);
  res = await fetch(`${server.base}/api/webrtc/echo/nope`, {
    method: 'DELETE', headers: { Authorization: `Bearer ${makeToken('bob')}` },
  });
  assert.equal(res.status, 404);
});

test('browser gets its own audio, video and data channel back over UDP', async () => {
  const logStart = server.logs.join('').length;
  const r = await runEcho();
  assert.equal(r.status, 201, JSON.stringify(r));
  assert.match(r.location, /^\/api\/webrtc\/echo\/[0-9a-f]+$/);
  assert.equal(r.connectionState, 'connected', JSON.stringify(r));
  assert.ok(r.framesDecoded > 0, `no video frames decoded: ${JSON.stringify(r)}`);
  assert.ok(r.audioPackets > 0, `no audio received: ${JSON.stringify(r)}`);
  assert.equal(r.dcEcho, 'ping-echo');
  assert.equal(r.protocol, 'udp');
  assert.equal(r.deleteStatus, 204);
  // Chromium offers AEAD-GCM (RFC 7714) and we prefer it: media went through our own GCM SRTP.
  assert.match(server.logs.join('').slice(logStart), /comp=dtls msg=connected .*profile=SRTP_AEAD_AES_128_GCM/);
});

test('echo over Socket.IO: webrtc_offer to "echo" is answered from "echo" and media comes back', async () => {
  const logStart = server.logs.join('').length;
  const r = await runEcho({ viaSocket: true });
  assert.equal(r.status, 201, JSON.stringify(r));
  assert.equal(r.from, 'echo');
  assert.equal(r.callId, 'echo-check');
  assert.equal(r.connectionState, 'connected', JSON.stringify(r));
  assert.ok(r.framesDecoded > 0, `no video frames decoded: ${JSON.stringify(r)}`);
  assert.ok(r.audioPackets > 0, `no audio received: ${JSON.stringify(r)}`);
  assert.equal(r.dcEcho, 'ping-echo');
  assert.equal(r.endAck?.success, true, JSON.stringify(r.endAck));
  // webrtc_call_ended stopped this session on the server (its socket closing would too: wait).
  await waitFor('echo session stopped', () => /echo.*stopped session=/.test(server.logs.join('').slice(logStart)));
});

test('echo works with only the ICE-TCP candidate', async () => {
  const r = await runEcho({ tcpOnly: true });
  assert.equal(r.status, 201, JSON.stringify(r));
  assert.ok(r.answerHasTcp);
  assert.equal(r.connectionState, 'connected', JSON.stringify(r));
  assert.ok(r.framesDecoded > 0, `no video frames decoded: ${JSON.stringify(r)}`);
  assert.ok(r.audioPackets > 0, `no audio received: ${JSON.stringify(r)}`);
  assert.equal(r.protocol, 'tcp');
});

test('a wrong DTLS fingerprint in the offer fails the session', async () => {
  const r = await runEcho({ badFingerprint: true, waitMs: 6000 });
  assert.equal(r.status, 201, JSON.stringify(r));
  assert.equal(r.framesDecoded, 0, JSON.stringify(r));
  assert.notEqual(r.connectionState === 'connected' && r.dcEcho, 'ping-echo');
  const log = server.logs.join('');
  assert.match(log, /fingerprint_mismatch/);
});
