// A group-call participant in its own Chromium browser context, running lib/group_client.js over
// our Socket.IO signaling (two PeerConnections: publish offered to "sfu", subscribe answered).
//   const p = await openGroupPage(browser, server.base, 'alice');
//   await p.join(callId);  ...  await p.stats();  await p.close();
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeToken } from './harness.mjs';

const CLIENT_JS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'group_client.js');

// `video`: the default camera constraints of join().
export async function openGroupPage(browser, base, userId, { video = { width: 320, height: 240, fps: 15 } } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/healthz`); // a secure origin for getUserMedia
  await page.addScriptTag({ url: `${base}/socket.io/socket.io.js` });
  await page.addScriptTag({ path: CLIENT_JS });
  await page.evaluate(async ({ token, userId }) => {
    window.gc = createGroupClient({ io: window.io, RTCPeerConnection, url: location.origin, token, userId });
    await window.gc.connect();
  }, { token: makeToken(userId), userId });
  return {
    userId,
    consoleErrors,
    join: (callId, v = video) => page.evaluate(async ({ callId, v }) => {
      const s = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: v.width, height: v.height, frameRate: v.fps },
      });
      await window.gc.join(callId, [
        { track: s.getAudioTracks()[0], stream: s, source: 'microphone' },
        { track: s.getVideoTracks()[0], stream: s, source: 'camera', simulcast: true },
      ]);
    }, { callId, v }),
    shareScreen: () => page.evaluate(async () => {
      const s = await navigator.mediaDevices.getDisplayMedia({
        video: { width: 320, height: 240, frameRate: 5 },
      });
      await window.gc.addAndPublish({ track: s.getVideoTracks()[0], stream: s, source: 'screen' });
    }),
    sendChat: (text) => page.evaluate((text) => window.gc.sendChat(text), text),
    setPreferences: (prefs) => page.evaluate((prefs) => window.gc.setPreferences(prefs), prefs),
    stats: () => page.evaluate(() => window.gc.stats()),
    close: async () => {
      await page.evaluate(() => window.gc.close()).catch(() => {});
      await context.close();
    },
  };
}
