// Parent side of lib/wrtc_clients.mjs: forks the child process that runs synthetic group-call
// participants (@roamhq/wrtc) and talks to it through request/response messages.
//   const synth = startSynthetic();
//   await synth.call({ cmd: 'connect', url, users: [{ userId, token }] });
//   await synth.call({ cmd: 'join', callId, width, height, fps });
//   synth.kill();
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function startSynthetic() {
  const child = fork(path.join(here, 'wrtc_clients.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const waiting = new Map();
  child.on('message', (m) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(m.error));
  });
  child.on('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`wrtc clients exited (${code ?? signal})`));
    waiting.clear();
  });
  const call = (msg, timeoutMs = 60000) => new Promise((resolve, reject) => {
    const id = next++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`wrtc clients: ${msg.cmd} timed out`));
    }, timeoutMs);
    waiting.set(id, {
      resolve: (v) => { clearTimeout(timer); resolve(v); },
      reject: (e) => { clearTimeout(timer); reject(e); },
    });
    child.send({ ...msg, id });
  });
  return { call, kill: () => child.kill('SIGKILL') };
}
