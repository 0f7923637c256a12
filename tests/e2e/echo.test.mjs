// Echo test with a real browser: Chromium offers audio + video + a data channel, POSTs the offer
// to /api/webrtc/echo (WHIP-style), and must get its own media back (frames decoded), over UDP and
// over ICE-TCP only; a wrong DTLS fingerprint in the offer must make the session fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, makeToken, startServer } from './lib/harness.mjs';

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

// Runs one echo session in a fresh page. Returns what the page saw.
async function runEcho({ tcpOnly = false, badFingerprint = false, waitMs = 15000 } = {}) {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.base}/healthz`); // a secure 127.0.0.1 origin for getUserMedia
    return await page.evaluate(
      async ({ token, tcpOnly, badFingerprint, waitMs }) => {
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
        const res = await fetch('/api/webrtc/echo', {
          method: 'POST',
          headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
          body: offer,
        });
        const out = { status: res.status, location: res.headers.get('Location') };
        let answer = await res.text();
        if (res.status !== 201) return { ...out, error: answer };
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
        pc.close();
        stream.getTracks().forEach((t) => t.stop());
        return out;
      },
      { token: makeToken('echo-user'), tcpOnly, badFingerprint, waitMs },
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
  const r = await runEcho();
  assert.equal(r.status, 201, JSON.stringify(r));
  assert.match(r.location, /^\/api\/webrtc\/echo\/[0-9a-f]+$/);
  assert.equal(r.connectionState, 'connected', JSON.stringify(r));
  assert.ok(r.framesDecoded > 0, `no video frames decoded: ${JSON.stringify(r)}`);
  assert.ok(r.audioPackets > 0, `no audio received: ${JSON.stringify(r)}`);
  assert.equal(r.dcEcho, 'ping-echo');
  assert.equal(r.protocol, 'udp');
  assert.equal(r.deleteStatus, 204);
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
