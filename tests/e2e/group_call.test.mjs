// Group calls through the SFU with real clients: Chromium pages (one browser context per
// participant, fake camera and microphone) run lib/group_client.js over our Socket.IO signaling,
// publishing audio + simulcast video (rids q/h/f) on one PeerConnection and receiving everyone
// else on a second one that the server offers.
//   - a call of 4: every page decodes every other's video and audio; each publisher's top layer
//     flows (needs our transport-cc feedback); a screen share added mid-call reaches the others as
//     "<user>:screen"; data channel messages reach the others through the relay channel; a
//     participant leaving stops its streams while the others keep decoding each other.
//   - a call of 8 Chromium pages, and a call of 8 with 3 Chromium pages + 5 synthetic participants
//     (@roamhq/wrtc in a child process, asking for the lowest layer through
//     webrtc_set_preferences): everyone decodes the video and receives the audio of all 7 others.
// Per-page figures are printed (frames decoded, bytes, layers).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, launchChromium, makeToken, startServer, waitFor } from './lib/harness.mjs';
import { openGroupPage } from './lib/group_page.mjs';
import { startSynthetic } from './lib/synthetic.mjs';

const VIDEO = { width: 320, height: 240, fps: 15 };

let server;
let browser;

before(async () => {
  server = await startServer();
  // Chrome caps simulcast layers by resolution (one layer at 320x240); the field trial lifts the
  // cap so three small layers (80x60, 160x120, 320x240) keep 2 cores free enough for 4-8 pages.
  browser = await launchChromium(['--force-fieldtrials=WebRTC-LegacySimulcastLayerLimit/Disabled/']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One participant in its own browser context.
const openPage = (userId) => openGroupPage(browser, server.base, userId, { video: VIDEO });

// Starts a call from users[0] with everyone else, all answering through REST.
async function startCall(users) {
  const res = await api(server, 'POST', '/api/webrtc/call/initiate', {
    token: makeToken(users[0]),
    body: { type: 'video', participants: users.slice(1) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.call.mode, 'sfu');
  const callId = res.body.call.call_id;
  for (const u of users.slice(1)) {
    const a = await api(server, 'POST', `/api/webrtc/call/${callId}/answer`, {
      token: makeToken(u), body: { answer: true },
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
  }
  return callId;
}

// The remote tracks a participant's stats show for `stream`, by kind.
function remote(stats, stream, kind) {
  return stats.inbound.filter((t) => t.stream === stream && t.kind === kind);
}
const frames = (stats, stream) => remote(stats, stream, 'video').reduce((n, t) => n + t.framesDecoded, 0);
const audioPackets = (stats, stream) =>
  remote(stats, stream, 'audio').reduce((n, t) => n + t.packetsReceived, 0);
const layerBytes = (stats, rid) =>
  stats.outbound.filter((o) => o.kind === 'video' && o.rid === rid).reduce((n, o) => n + o.bytesSent, 0);

function printFigures(title, all) {
  console.log(`--- ${title}`);
  for (const s of all) {
    const rx = s.inbound
      .filter((t) => t.direction !== 'inactive')
      .map((t) => `${t.stream}/${t.kind[0]}:${t.kind === 'video' ? `${t.framesDecoded}f@${t.width ?? '-'}w` : `${t.packetsReceived}p`}`)
      .join(' ');
    const tx = s.outbound
      .filter((o) => o.kind === 'video')
      .map((o) => `${o.rid ?? o.mid}:${Math.round(o.bytesSent / 1024)}KiB${o.width ? `@${o.width}w` : ''}${o.limit && o.limit !== 'none' ? `(${o.limit})` : ''}`)
      .join(' ');
    console.log(`${s.user.padEnd(4)} rx[${rx}] tx[${tx}] relay=${s.relay.length} offers=${s.subOffers}`);
  }
}

test('call of 4 Chromium pages: media, simulcast top layer, screen share, data, leave', { timeout: 180000 }, async () => {
  const users = ['g4a', 'g4b', 'g4c', 'g4d'];
  const pages = await Promise.all(users.map(openPage));
  try {
    const callId = await startCall(users);
    const t0 = Date.now();
    await Promise.all(pages.map((p) => p.join(callId)));
    console.log(`all 4 published in ${Date.now() - t0} ms`);

    // Every page decodes video and receives audio from each of the 3 others.
    let all;
    await waitFor('every page receiving the 3 others', async () => {
      all = await Promise.all(pages.map((p) => p.stats()));
      return all.every((s) => users.filter((u) => u !== s.user)
        .every((u) => frames(s, u) > 0 && audioPackets(s, u) > 0));
    }, { timeoutMs: 60000, intervalMs: 1000 }).catch((e) => {
      printFigures('4-call (failed to receive)', all);
      throw e;
    });
    console.log(`all 4 receive the others after ${Date.now() - t0} ms`);
    for (const s of all) {
      assert.deepEqual(s.errors, [], `${s.user} errors`);
      assert.equal(s.pub, 'connected');
      assert.equal(s.sub, 'connected');
    }

    // Each publisher's top simulcast layer flows, and keeps flowing.
    await waitFor('top layer (rid f) flowing on every publisher', async () => {
      all = await Promise.all(pages.map((p) => p.stats()));
      return all.every((s) => layerBytes(s, 'f') > 0);
    }, { timeoutMs: 45000, intervalMs: 1000 }).catch((e) => {
      printFigures('4-call (top layer missing)', all);
      throw e;
    });
    // Keeps flowing: grows again on every publisher (within 20 s: on a loaded machine Chrome may
    // pause its top layer for a moment when it runs short of CPU).
    const before = all;
    await waitFor('rid f growing on every publisher', async () => {
      all = await Promise.all(pages.map((p) => p.stats()));
      return all.every((s, i) => layerBytes(s, 'f') > layerBytes(before[i], 'f'));
    }, { timeoutMs: 20000, intervalMs: 1000 }).catch((e) => {
      printFigures('4-call (top layer stopped)', all);
      throw e;
    });
    printFigures('4-call: everyone in', all);

    // Data: a message on each page's own channel reaches the 3 others on their relay channel.
    await waitFor('data channels open', async () => {
      all = await Promise.all(pages.map((p) => p.stats()));
      return all.every((s) => s.relayOpen && s.chatOpen);
    }, { timeoutMs: 20000, intervalMs: 250 });
    for (const p of pages) assert.ok(await p.sendChat(`hello from ${p.userId}`));
    await waitFor('relayed chat messages', async () => {
      all = await Promise.all(pages.map((p) => p.stats()));
      return all.every((s) => s.relay.length >= 3);
    }, { timeoutMs: 15000, intervalMs: 250 });
    for (const s of all) {
      const got = s.relay.map((m) => `${m.from}|${m.label}|${m.data}`).sort();
      const want = users.filter((u) => u !== s.user).map((u) => `${u}|chat|hello from ${u}`).sort();
      assert.deepEqual(got, want, `${s.user} relay`);
    }

    // Screen share mid-call: the others decode "<user>:screen".
    const sharer = pages[0];
    await sharer.shareScreen();
    const screenId = `${sharer.userId}:screen`;
    await waitFor('screen share decoded by the others', async () => {
      all = await Promise.all(pages.map((p) => p.stats()));
      return all.filter((s) => s.user !== sharer.userId).every((s) => frames(s, screenId) > 0);
    }, { timeoutMs: 45000, intervalMs: 1000 }).catch((e) => {
      printFigures('4-call (screen share missing)', all);
      throw e;
    });
    printFigures('4-call: with screen share', all);

    // A participant leaves (REST end): its streams stop, the others go on.
    const leaver = pages[3];
    const stayers = pages.slice(0, 3);
    const offersBefore = all.slice(0, 3).map((s) => s.subOffers);
    const end = await api(server, 'POST', `/api/webrtc/call/${callId}/end`, { token: makeToken(leaver.userId) });
    assert.equal(end.status, 200, JSON.stringify(end.body));
    assert.equal(end.body.call.status, 'active');
    await leaver.close();
    pages.pop();
    await waitFor('the others re-negotiated without the leaver', async () => {
      all = await Promise.all(stayers.map((p) => p.stats()));
      return all.every((s, i) => s.left.includes(leaver.userId) && s.subOffers > offersBefore[i]);
    }, { timeoutMs: 20000, intervalMs: 250 });
    await sleep(1000);
    const mid = await Promise.all(stayers.map((p) => p.stats()));
    await sleep(3000);
    all = await Promise.all(stayers.map((p) => p.stats()));
    all.forEach((s, i) => {
      assert.equal(frames(s, leaver.userId), frames(mid[i], leaver.userId), `${s.user} still decodes ${leaver.userId}`);
      for (const u of stayers.map((p) => p.userId).filter((u) => u !== s.user)) {
        assert.ok(frames(s, u) > frames(mid[i], u), `${s.user} stopped decoding ${u}`);
        assert.ok(audioPackets(s, u) > audioPackets(mid[i], u), `${s.user} stopped receiving ${u}'s audio`);
      }
      assert.deepEqual(s.errors, [], `${s.user} errors`);
    });
    printFigures('4-call: after one left', all);

    const stats = await api(server, 'GET', `/api/webrtc/call/${callId}`, { token: makeToken(users[0]) });
    assert.equal(stats.body.call.status, 'active');
    // Extension: the SFU's quality statistics per participant and direction (polled every 2 s).
    const media = stats.body.call.media_stats;
    assert.ok(media && Array.isArray(media.participants), JSON.stringify(stats.body.call));
    const seen = media.participants.map((p) => p.user);
    for (const u of stayers.map((p) => p.userId)) assert.ok(seen.includes(u), `media_stats lists ${u}`);
    for (const p of media.participants.filter((x) => seen.includes(x.user) && x.user !== leaver.userId)) {
      assert.ok(p.subscribe.streams.some((st) => st.packets_sent > 0), `${p.user} receives packets`);
    }
  } finally {
    await Promise.all(pages.map((p) => p.close()));
  }
});

// A call of 8: `browsers` Chromium pages, the rest synthetic (taking the lowest simulcast layer).
async function runEightCall(browsers) {
  const users = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((x) => `g8${browsers}${x}`);
  const browserUsers = users.slice(0, browsers);
  const synthUsers = users.slice(browsers);
  const synth = synthUsers.length > 0 ? startSynthetic() : null;
  const pages = await Promise.all(browserUsers.map(openPage));
  try {
    await synth?.call({
      cmd: 'connect', url: server.base, users: synthUsers.map((u) => ({ userId: u, token: makeToken(u) })),
    });
    const callId = await startCall(users);
    const t0 = Date.now();
    await Promise.all([
      ...pages.map((p) => p.join(callId, { width: 320, height: 240, fps: 10 })),
      synth?.call({ cmd: 'join', callId, width: 160, height: 120, fps: 10 }),
    ]);
    console.log(`all 8 published in ${Date.now() - t0} ms`);
    // Subscriber preferences: synthetic clients ask for the lowest simulcast layer only.
    await synth?.call({ cmd: 'prefs', prefs: { max_layer: 0 } });

    let all;
    const snapshot = async () => [
      ...(await Promise.all(pages.map((p) => p.stats()))),
      ...(synth ? await synth.call({ cmd: 'stats' }) : []),
    ];
    await waitFor('all 8 receiving the 7 others', async () => {
      all = await snapshot();
      return all.every((s) => users.filter((u) => u !== s.user)
        .every((u) => audioPackets(s, u) > 0 && frames(s, u) > 0));
    }, { timeoutMs: 90000, intervalMs: 1500 }).catch((e) => {
      printFigures('8-call (failed to receive)', all ?? []);
      throw e;
    });
    console.log(`all 8 receive the 7 others after ${Date.now() - t0} ms`);
    if (synth) {
      // max_layer 0 reached the SFU: the browsers' video arrives at the q layer's 80 px.
      await waitFor('synthetic clients on the lowest layer', async () => {
        all = await snapshot();
        return all.filter((s) => synthUsers.includes(s.user)).every((s) =>
          browserUsers.every((u) => remote(s, u, 'video').every((t) => t.width === 80)));
      }, { timeoutMs: 20000, intervalMs: 1000 });
    }
    printFigures(`8-call (${browsers} Chromium, ${8 - browsers} synthetic)`, all);
    for (const s of all) assert.deepEqual(s.errors, [], `${s.user} errors`);
  } finally {
    synth?.kill();
    await Promise.all(pages.map((p) => p.close()));
  }
}

test('call of 8 Chromium pages: everyone decodes the 7 others', { timeout: 180000 }, async () => {
  await runEightCall(8);
});

test('call of 8 with 5 synthetic participants (libwebrtc in Node): everyone decodes the 7 others',
  { timeout: 180000 }, async () => {
    await runEightCall(3);
  });
