// Synthetic group-call participants in a child process (fork): Google's libwebrtc inside Node
// (@roamhq/wrtc) running lib/group_client.js, each publishing a small generated video (VP8, one
// layer) and a tone, and receiving everyone else. A separate process because the addon may crash
// at exit; the parent kills it with SIGKILL when done.
//
// Messages from the parent: {id, cmd: 'connect', url, users: [{userId, token}]},
// {id, cmd: 'join', callId, width, height, fps}, {id, cmd: 'stats'}, {id, cmd: 'prefs', prefs};
// each is answered with {id, ok, result | error}.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wrtc from '@roamhq/wrtc';
import { io } from 'socket.io-client';

const here = path.dirname(fileURLToPath(import.meta.url));
// eslint-disable-next-line no-new-func
const createGroupClient = new Function(
  `${readFileSync(path.join(here, 'group_client.js'), 'utf8')}\nreturn createGroupClient;`,
)();

const { RTCVideoSource, RTCAudioSource } = wrtc.nonstandard;
const clients = [];
const timers = [];

function startMedia(width, height, fps) {
  const video = new RTCVideoSource();
  const audio = new RTCAudioSource();
  const frame = { width, height, data: new Uint8ClampedArray((width * height * 3) / 2) };
  let n = 0;
  timers.push(setInterval(() => {
    // A moving gradient, so every frame differs.
    const { data } = frame;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[y * width + x] = (x + y + n * 4) & 0xff;
    }
    data.fill(128, width * height);
    n++;
    video.onFrame(frame);
  }, Math.round(1000 / fps)));
  const samples = new Int16Array(480);
  let phase = 0;
  timers.push(setInterval(() => {
    for (let i = 0; i < samples.length; i++) {
      samples[i] = Math.round(6000 * Math.sin(phase));
      phase += (2 * Math.PI * 440) / 48000;
    }
    audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
  }, 10));
  return { video: video.createTrack(), audio: audio.createTrack() };
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'connect':
      for (const u of msg.users) {
        const c = createGroupClient({
          io, RTCPeerConnection: wrtc.RTCPeerConnection, url: msg.url, token: u.token, userId: u.userId,
        });
        clients.push(c);
      }
      await Promise.all(clients.map((c) => c.connect()));
      return clients.length;
    case 'join': {
      const media = startMedia(msg.width, msg.height, msg.fps);
      const stream = new wrtc.MediaStream([media.audio, media.video]);
      await Promise.all(clients.map((c) => c.join(msg.callId, [
        { track: media.audio, stream, source: 'microphone' },
        { track: media.video, stream, source: 'camera' },
      ])));
      return true;
    }
    case 'prefs':
      clients.forEach((c) => c.setPreferences(msg.prefs));
      return true;
    case 'stats':
      return Promise.all(clients.map((c) => c.stats()));
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

process.on('message', (msg) => {
  handle(msg).then(
    (result) => process.send({ id: msg.id, ok: true, result }),
    (e) => process.send({ id: msg.id, ok: false, error: String(e && e.stack ? e.stack : e) }),
  );
});
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
