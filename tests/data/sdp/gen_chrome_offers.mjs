// Regenerates chrome_*_offer.sdp from Debian's headless chromium (fake devices).
import http from 'http';
import { chromium } from '/work/main/tests/e2e/node_modules/playwright-core/index.mjs';
const browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium',
  args: ['--no-sandbox','--disable-gpu','--use-fake-device-for-media-stream','--use-fake-ui-for-media-stream'] });
const page = await browser.newPage();
const srv = http.createServer((q,r)=>{r.end('<html></html>')}).listen(0);
await new Promise(r=>srv.on('listening',r));
await page.goto('http://localhost:'+srv.address().port+'/');
const sdp = await page.evaluate(async () => {
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 1280, height: 720}});
  const pc = new RTCPeerConnection();
  pc.addTransceiver(s.getAudioTracks()[0], {direction: 'sendonly', streams: [s]});
  pc.addTransceiver(s.getVideoTracks()[0], {direction: 'sendonly', streams: [s], sendEncodings: [
    {rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000},
    {rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000},
    {rid: 'f', maxBitrate: 1500000}]});
  pc.createDataChannel('chat');
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await new Promise(r => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); }; setTimeout(r, 3000); });
  // plain (non-simulcast) sendrecv offer too
  const pc2 = new RTCPeerConnection();
  pc2.addTrack(s.getAudioTracks()[0], s); pc2.addTrack(s.getVideoTracks()[0], s);
  const o2 = await pc2.createOffer();
  return {simulcast: pc.localDescription.sdp, plain: o2.sdp, ua: navigator.userAgent};
});
import fs from 'fs';
fs.writeFileSync('chrome_simulcast_offer.sdp', sdp.simulcast);
fs.writeFileSync('chrome_plain_offer.sdp', sdp.plain);
console.log(sdp.ua);
await browser.close(); srv.close();
