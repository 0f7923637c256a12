// A group call of 4 through the demo page's UI (issue 7), clicks only: ann ticks ben, cat and dan
// and starts a video call, the others accept from the incoming-call dialog. Checked per page from
// RTCPeerConnection stats of each remote stream (the page's own tiles): every tile decodes video
// (framesDecoded growing); ann's mute silences her audio at the others (totalAudioEnergy stops
// growing); ben's screen share appears as a tile at the others and disappears when he stops;
// dan's hang-up leaves the others connected and decoding; the last hang-ups end the call, which
// shows in history with a duration. Screenshots of the pages during the call are kept in
// $SFU_BUILD_DIR/e2e-artifacts (ctest sets SFU_BUILD_DIR) or the system's temp folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, sleep, startServer, waitFor } from './lib/harness.mjs';

const ARTIFACTS = process.env.SFU_ARTIFACT_DIR
  ?? (process.env.SFU_BUILD_DIR ? path.join(process.env.SFU_BUILD_DIR, 'e2e-artifacts') : path.join(os.tmpdir(), 'sfu-e2e-artifacts'));
const skip = process.env.SFU_SERVER_BIN ? false : 'SFU_SERVER_BIN not set (run through ctest)';
const NAMES = ['ann', 'ben', 'cat', 'dan'];

let server;
let browser;
let audioDir;
const users = {};

// A speech-like microphone for every page: a 220-330 Hz tone in 4 syllables a second, looped by
// Chromium. The default fake microphone beeps 20 ms now and then, which the server's active
// speaker detection (smoothed ssrc-audio-level) rightly takes for silence.
function speechWav(file, seconds = 2, rate = 48000) {
  const n = seconds * rate;
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + 2 * n, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(2 * rate, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(2 * n, 40);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const freq = 220 + 110 * Math.sin(2 * Math.PI * 0.7 * t) ** 2;
    phase += (2 * Math.PI * freq) / rate;
    const envelope = 0.25 + 0.75 * Math.abs(Math.sin(2 * Math.PI * 2 * t));
    buf.writeInt16LE(Math.round(0.5 * 32767 * envelope * Math.sin(phase)), 44 + 2 * i);
  }
  writeFileSync(file, buf);
}

async function openUser(name) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${name}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${name}] pageerror: ${e.message}`));
  await page.goto(`${server.base}/`);
  await page.fill('#signin-name', name);
  await page.click('#btn-signin');
  await page.waitForSelector('#app', { state: 'visible', timeout: 15000 });
  await page.selectOption('#video-preset', 'low');
  users[name] = { name, context, page, logs };
  return users[name];
}

function dumpLogs() {
  return Object.values(users).flatMap((u) => u.logs).slice(-60).join('\n');
}

// What a page shows: its tiles, and per remote stream (= tile) the receive stats of its tracks.
function view(page) {
  return page.evaluate(async () => {
    const svc = window.demo.service;
    const sub = svc.sfu?.sub;
    const streams = {};
    for (const [id, { userId, stream, source }] of svc.remoteStreams) {
      const e = { userId, source, frames: 0, width: 0, energy: 0, audioSec: 0, audioLevel: null };
      for (const track of sub ? stream.getTracks() : []) {
        (await sub.getStats(track)).forEach((s) => {
          if (s.type !== 'inbound-rtp') return;
          if (s.kind === 'video') {
            e.frames += s.framesDecoded || 0;
            e.width = s.frameWidth || e.width;
          } else {
            e.energy += s.totalAudioEnergy || 0;
            e.audioSec += s.totalSamplesDuration || 0;
            e.audioLevel = s.audioLevel ?? null;
          }
        });
      }
      streams[id] = e;
    }
    const tiles = [...document.querySelectorAll('#tiles .tile')].map((t) => ({
      key: t.dataset.key,
      user: t.dataset.user,
      caption: t.querySelector('figcaption')?.textContent,
      speaking: t.classList.contains('speaking'),
      noVideo: t.classList.contains('no-video'),
    }));
    return { user: svc.userId, inCall: Boolean(svc.currentCall), streams, tiles };
  });
}

const remoteKeys = (v) => v.tiles.filter((t) => t.key !== 'local').map((t) => t.key).sort();

function printViews(title, views) {
  console.log(`--- ${title}`);
  for (const v of views) {
    const rx = Object.entries(v.streams)
      .map(([id, s]) => `${id}:${s.frames}f@${s.width}w,E=${s.energy.toFixed(3)}`)
      .join(' ');
    const speaking = v.tiles.filter((t) => t.speaking).map((t) => t.key).join(',');
    console.log(`${v.user} inCall=${v.inCall} tiles=[${v.tiles.map((t) => t.key).join(',')}] speaking=${speaking || '-'} ${rx}`);
  }
}

async function shoot(u, label) {
  const file = path.join(ARTIFACTS, `web_group_${label}_${u.name}.png`);
  await u.page.screenshot({ path: file });
  return file;
}

before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({ args: ['--dev'] });
  audioDir = mkdtempSync(path.join(os.tmpdir(), 'sfu-e2e-audio-'));
  const wav = path.join(audioDir, 'speech.wav');
  speechWav(wav);
  // Chrome caps simulcast layers by resolution (one at 320x240); the field trial lifts the cap so
  // the page's three layers flow at this small size.
  browser = await launchChromium([
    '--autoplay-policy=no-user-gesture-required',
    '--force-fieldtrials=WebRTC-LegacySimulcastLayerLimit/Disabled/',
    `--use-file-for-fake-audio-capture=${wav}`,
  ]);
  for (const n of NAMES) await openUser(n);
}, { timeout: 120000 });

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  if (audioDir) rmSync(audioDir, { recursive: true, force: true });
}, { timeout: 60000 });

test('group call of 4 through the UI: video tiles, mute, screen share, hang-ups, history', { skip, timeout: 240000 }, async () => {
  const [ann, ben, cat, dan] = NAMES.map((n) => users[n]);
  const everyone = [ann, ben, cat, dan];
  const views = (list = everyone) => Promise.all(list.map((u) => view(u.page)));
  try {
    // ann calls the three others (presence list ticks), they accept from the dialog.
    for (const n of ['ben', 'cat', 'dan']) {
      await ann.page.waitForSelector(`#people input[data-user="${n}"]`, { timeout: 10000 });
      await ann.page.check(`#people input[data-user="${n}"]`);
    }
    await ann.page.click('#btn-video-call');
    for (const u of [ben, cat, dan]) {
      await u.page.waitForSelector('#incoming', { state: 'visible', timeout: 10000 });
      assert.match(await u.page.textContent('#incoming-type'), /video with 3 others/);
      await u.page.click('#btn-accept');
    }
    const callId = await ann.page.evaluate(() => window.demo.ui.lastCallId);
    assert.ok(callId);

    // Every page: a tile per other participant, each decoding video (frames growing).
    let all;
    const t0 = Date.now();
    await waitFor('every tile decoding video', async () => {
      all = await views();
      return all.every((v) => {
        const others = NAMES.filter((n) => n !== v.user);
        return others.every((n) => v.streams[n]?.frames > 0) && remoteKeys(v).join() === others.join();
      });
    }, { timeoutMs: 60000, intervalMs: 1000 }).catch((e) => {
      printViews('4-call (not every tile decoding)', all ?? []);
      throw new Error(`${e.message}\n${dumpLogs()}`);
    });
    console.log(`every tile decodes after ${Date.now() - t0} ms`);
    const before = all;
    await sleep(3000);
    all = await views();
    printViews('4-call: everyone in', all);
    all.forEach((v, i) => {
      for (const n of NAMES.filter((x) => x !== v.user)) {
        assert.ok(v.streams[n].frames > before[i].streams[n].frames + 10, `${v.user}: ${n}'s tile not decoding`);
        assert.ok(v.streams[n].energy > before[i].streams[n].energy, `${v.user}: ${n}'s audio silent before mute`);
      }
      const captions = v.tiles.map((t) => t.caption).sort();
      assert.deepEqual(captions, [...NAMES.filter((n) => n !== v.user), `${v.user} (you)`].sort());
    });
    // ben, cat and dan mute: they go silent at ann, and ann, the only one talking, becomes the
    // server's active speaker, highlighted on every page. (All pages play the same audio: with
    // four equal voices the room's dominance hysteresis rightly names nobody.)
    for (const u of [ben, cat, dan]) {
      await u.page.click('#btn-mute');
      assert.equal(await u.page.textContent('#btn-mute'), 'Unmute');
    }
    await sleep(1500);
    const q0 = await views([ann]);
    await sleep(3000);
    const q1 = await views([ann]);
    for (const n of ['ben', 'cat', 'dan']) {
      const grow = q1[0].streams[n].energy - q0[0].streams[n].energy;
      assert.ok(grow < 1e-4, `ann still hears ${n} after the mute (energy +${grow})`);
    }
    await ann.page.waitForSelector('.tile.local.speaking', { timeout: 15000 });
    for (const u of [ben, cat, dan]) {
      await u.page.waitForSelector('.tile.speaking[data-user="ann"]', { timeout: 15000 });
      assert.equal(await u.page.$$eval('.tile.speaking', (t) => t.length), 1);
    }
    await waitFor('live stats in the header', async () => /kbps/.test(await ann.page.textContent('#call-stats')));
    const shots = [];
    for (const u of everyone) shots.push(await shoot(u, 'call'));

    // They unmute, ann mutes: her audio goes silent at the others (energy stops growing), the
    // others' does not.
    for (const u of [ben, cat, dan]) await u.page.click('#btn-mute');
    await ann.page.click('#btn-mute');
    assert.equal(await ann.page.textContent('#btn-mute'), 'Unmute');
    await sleep(1500); // frames in flight
    const m0 = await views([ben, cat, dan]);
    await sleep(3000);
    const m1 = await views([ben, cat, dan]);
    m1.forEach((v, i) => {
      const grow = (n) => v.streams[n].energy - m0[i].streams[n].energy;
      console.log(`${v.user}: audio energy over 3 s after ann muted: ann ${grow('ann').toExponential(2)}, ` +
        NAMES.filter((n) => n !== v.user && n !== 'ann').map((n) => `${n} ${grow(n).toExponential(2)}`).join(', '));
      assert.ok(grow('ann') < 1e-4, `${v.user} still hears ann (energy +${grow('ann')})`);
      assert.ok((v.streams.ann.audioLevel ?? 0) < 0.001, `${v.user}: ann's audio level ${v.streams.ann.audioLevel}`);
      for (const n of NAMES.filter((x) => x !== v.user && x !== 'ann')) {
        assert.ok(grow(n) > 1e-3, `${v.user} no longer hears ${n}`);
      }
    });
    await ann.page.click('#btn-mute');
    assert.equal(await ann.page.textContent('#btn-mute'), 'Mute');
    await waitFor('ann heard again', async () => {
      const v = await views([ben]);
      const prev = m1[0].streams.ann.energy;
      return v[0].streams.ann.energy > prev + 1e-3;
    }, { timeoutMs: 10000, intervalMs: 500 });

    // ben shares his screen: a "ben (screen)" tile decoding at the others; it goes when he stops.
    await ben.page.click('#btn-screen');
    await waitFor('ben sharing', async () => (await ben.page.textContent('#btn-screen')) === 'Stop sharing');
    await waitFor('ben\'s screen decoded by the others', async () => {
      all = await views([ann, cat, dan]);
      return all.every((v) => v.streams['ben:screen']?.frames > 0);
    }, { timeoutMs: 30000, intervalMs: 1000 }).catch((e) => {
      printViews('4-call (screen share missing)', all ?? []);
      throw new Error(`${e.message}\n${dumpLogs()}`);
    });
    for (const v of all) {
      assert.ok(v.tiles.some((t) => t.key === 'ben:screen' && t.caption === 'ben (screen)'), `${v.user}: no screen tile`);
    }
    printViews('4-call: ben sharing his screen', all);
    for (const u of everyone) shots.push(await shoot(u, 'screen'));
    await ben.page.click('#btn-screen');
    await waitFor('ben stopped sharing', async () => (await ben.page.textContent('#btn-screen')) === 'Share screen');
    await waitFor('screen tile gone at the others', async () => {
      all = await views([ann, cat, dan]);
      return all.every((v) => !v.tiles.some((t) => t.key === 'ben:screen') && !v.streams['ben:screen']);
    }, { timeoutMs: 20000, intervalMs: 500 }).catch((e) => {
      printViews('4-call (screen tile still there)', all ?? []);
      throw e;
    });

    // dan hangs up: the others stay in the call, lose dan's tile and keep decoding each other.
    await dan.page.click('#btn-hangup');
    await waitFor('dan out of the call', async () => /Call ended by you/.test(await dan.page.textContent('#call-status')));
    const stayers = [ann, ben, cat];
    await waitFor('dan\'s tile gone at the others', async () => {
      all = await views(stayers);
      return all.every((v) => !v.tiles.some((t) => t.user === 'dan'));
    }, { timeoutMs: 15000, intervalMs: 500 });
    const s0 = await views(stayers);
    await sleep(3000);
    all = await views(stayers);
    all.forEach((v, i) => {
      assert.ok(v.inCall, `${v.user} dropped out with dan`);
      for (const n of ['ann', 'ben', 'cat'].filter((x) => x !== v.user)) {
        assert.ok(v.streams[n].frames > s0[i].streams[n].frames + 10, `${v.user} stopped decoding ${n} after dan left`);
      }
    });
    for (const u of stayers) {
      await waitFor(`${u.name}'s status without dan`, async () => {
        const text = await u.page.textContent('#call-status');
        return /^In call with /.test(text) && !/dan/.test(text);
      }, { timeoutMs: 5000 });
    }
    printViews('4-call: after dan hung up', all);
    for (const u of stayers) shots.push(await shoot(u, 'after_dan'));

    // cat, then ben hang up: with ann alone the call ends for her too.
    await cat.page.click('#btn-hangup');
    await waitFor('cat\'s tile gone', async () => {
      all = await views([ann, ben]);
      return all.every((v) => v.inCall && !v.tiles.some((t) => t.user === 'cat'));
    }, { timeoutMs: 15000, intervalMs: 500 });
    await ben.page.click('#btn-hangup');
    await waitFor('the call ends for ann', async () => /Call ended/.test(await ann.page.textContent('#call-status')), { timeoutMs: 15000 });
    assert.equal(await ann.page.$$eval('.tile', (t) => t.length), 0);
    assert.equal(await ann.page.evaluate(() => window.demo.service.peerConnections().length), 0);

    // History: the call, ended, with a duration, on every participant's page.
    for (const u of everyone) {
      await u.page.click('#btn-history-refresh');
      const row = `#history tr[data-call-id="${callId}"]`;
      await u.page.waitForSelector(row, { timeout: 10000 });
      const cells = await u.page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
      assert.equal(cells[2], 'video');
      assert.equal(cells[3], 'ended', `${u.name}: ${cells}`);
      assert.match(cells[4], /^\d+:\d\d$/);
      assert.notEqual(cells[4], '0:00');
      for (const n of NAMES.filter((x) => x !== u.name)) assert.match(cells[1], new RegExp(n));
    }
    shots.push(await shoot(ann, 'history'));
    console.log(`screenshots:\n  ${shots.join('\n  ')}`);
  } catch (e) {
    for (const u of everyone) await shoot(u, 'failure').catch(() => {});
    throw e;
  }
});
