// Manual check that Chromium accepts our SDP: a live Chrome publish offer (audio + 3-rid
// simulcast video + data channel) is answered by createAnswer() and applied with
// setRemoteDescription; our subscribe offer is applied and Chrome's answer read back with
// applySubscribeAnswer(). Produced chrome_subscribe_answer.sdp.
//   W=<worktree>; g++ -std=c++20 -I$W $W/tests/data/sdp/tools/sdp_tool.cpp $W/build/lib/libsfu.a \
//     $W/build/lib/librtp.a -lssl -lcrypto -lfmt -o /tmp/sdptool/sdptool
//   node validate_with_chromium.mjs   (needs playwright-core from tests/e2e/node_modules)
import http from 'http';
import { execFileSync } from 'child_process';
import fs from 'fs';
import { chromium } from '/work/main/tests/e2e/node_modules/playwright-core/index.mjs';
const tool = '/tmp/sdptool/sdptool';
const browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium',
  args: ['--no-sandbox','--disable-gpu','--use-fake-device-for-media-stream','--use-fake-ui-for-media-stream'] });
const srv = http.createServer((q,r)=>{r.end('<html></html>')}).listen(0);
await new Promise(r=>srv.on('listening',r));
const page = await browser.newPage();
await page.goto('http://localhost:'+srv.address().port+'/');
await page.evaluate(async () => {
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 1280, height: 720}});
  const pc = new RTCPeerConnection(); window.pc = pc;
  pc.addTransceiver(s.getAudioTracks()[0], {direction: 'sendonly', streams: [s]});
  pc.addTransceiver(s.getVideoTracks()[0], {direction: 'sendonly', streams: [s], sendEncodings: [
    {rid: 'q', scaleResolutionDownBy: 4}, {rid: 'h', scaleResolutionDownBy: 2}, {rid: 'f'}]});
  pc.createDataChannel('chat');
  await pc.setLocalDescription(await pc.createOffer());
});
const offer = await page.evaluate(() => pc.localDescription.sdp);
const answer = execFileSync(tool, ['answer'], {input: offer}).toString();
const res = await page.evaluate(async (sdp) => {
  try { await pc.setRemoteDescription({type: 'answer', sdp}); } catch (e) { return 'ERR ' + e.message; }
  const p = pc.getTransceivers()[1].sender.getParameters();
  return 'OK encodings=' + p.encodings.map(e => e.rid).join(',') + ' codecs=' + p.codecs.map(c=>c.mimeType).join(',') + ' hdr=' + p.headerExtensions.map(h=>h.id).join(',');
}, answer);
console.log('publish answer:', res);
const suboffer = execFileSync(tool, ['suboffer']).toString();
fs.writeFileSync('/tmp/sdptool/suboffer.sdp', suboffer);
const subans = await page.evaluate(async (sdp) => {
  const pc2 = new RTCPeerConnection();
  try { await pc2.setRemoteDescription({type: 'offer', sdp}); } catch (e) { return 'ERR ' + e.message; }
  const a = await pc2.createAnswer(); await pc2.setLocalDescription(a);
  return a.sdp;
}, suboffer);
if (subans.startsWith('ERR')) { console.log('subscribe offer:', subans); }
else {
  fs.writeFileSync('/tmp/sdptool/subanswer.sdp', subans);
  console.log('subscribe answer applied:\n' + execFileSync(tool, ['apply', '/tmp/sdptool/suboffer.sdp'], {input: subans}).toString());
}
await browser.close(); srv.close();
