// A group-call client over our signaling (DESIGN.md "Negotiation model for group calls"), written
// against the standard WebRTC API so that it runs in Chromium pages (injected as a classic script)
// and in Node with @roamhq/wrtc (lib/wrtc_clients.mjs evaluates this file). Two PeerConnections:
//   publish   we offer: webrtc_offer {to_user_id: "sfu", tracks: [{mid, source}]} → webrtc_answer
//             from "sfu"; re-offered when we add a track (screen share).
//   subscribe "sfu" offers: webrtc_offer from "sfu" → we answer webrtc_answer {to_user_id: "sfu"};
//             each remote track's stream id is its publisher's user id ("<user>:screen" for screens).
// Data: a "chat" channel on the publish PC; what others send on theirs arrives on the "sfu-relay"
// channel the server opens on our subscribe PC, as JSON {from, label, data}.
/* exported createGroupClient */
// eslint-disable-next-line no-unused-vars
function createGroupClient({ io, RTCPeerConnection, url, token, userId }) {
  const st = {
    userId,
    subOffers: 0,
    pubAnswers: 0,
    midToStream: {},
    relay: [],
    relayOpen: false,
    chatOpen: false,
    left: [],
    errors: [],
  };
  let socket = null;
  let pub = null;
  let sub = null;
  let chat = null;
  let callId = null;
  let pendingAnswer = null;
  let subChain = Promise.resolve();
  const sources = new Map(); // publish transceiver → declared source

  function withTimeout(promise, ms, what) {
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${userId}: timed out waiting for ${what}`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async function answerSubscribe(offer) {
    await sub.setRemoteDescription(offer);
    await sub.setLocalDescription(await sub.createAnswer());
    socket.emit('webrtc_answer', {
      call_id: callId,
      answer: { type: 'answer', sdp: sub.localDescription.sdp },
      to_user_id: 'sfu',
    });
    st.subOffers++;
  }

  async function connect() {
    socket = io(url, { transports: ['websocket'], auth: { token }, query: { userId }, forceNew: true });
    await withTimeout(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }), 15000, 'socket connect');
    const authed = new Promise((resolve) => socket.once('authenticated', resolve));
    socket.emit('authenticate', { token });
    await withTimeout(authed, 15000, 'authenticated');
    socket.on('error', (e) => st.errors.push(e && e.message ? e.message : String(e)));
    socket.on('webrtc_answer', (m) => {
      if (m.from_user_id !== 'sfu' || m.call_id !== callId || !pendingAnswer) return;
      const p = pendingAnswer;
      pendingAnswer = null;
      pub.setRemoteDescription(m.answer).then(() => {
        st.pubAnswers++;
        p.resolve();
      }, p.reject);
    });
    socket.on('webrtc_offer', (m) => {
      if (m.from_user_id !== 'sfu' || m.call_id !== callId || !sub) return;
      subChain = subChain.then(() => answerSubscribe(m.offer))
        .catch((e) => st.errors.push(`subscribe: ${e}`));
    });
    socket.on('webrtc_participant_left', (m) => st.left.push(m.user_id));
  }

  function addTrack({ track, stream, source, simulcast }) {
    const init = { direction: 'sendonly', streams: stream ? [stream] : [] };
    if (simulcast) {
      init.sendEncodings = [
        { rid: 'q', scaleResolutionDownBy: 4 },
        { rid: 'h', scaleResolutionDownBy: 2 },
        { rid: 'f' },
      ];
    }
    const tx = pub.addTransceiver(track, init);
    sources.set(tx, source);
    return tx;
  }

  async function publish() {
    await pub.setLocalDescription(await pub.createOffer());
    const tracks = pub.getTransceivers()
      .filter((t) => sources.has(t) && t.mid !== null)
      .map((t) => ({ mid: t.mid, source: sources.get(t) }));
    const answered = new Promise((resolve, reject) => { pendingAnswer = { resolve, reject }; });
    socket.emit('webrtc_offer', {
      call_id: callId,
      offer: { type: 'offer', sdp: pub.localDescription.sdp },
      to_user_id: 'sfu',
      tracks,
    });
    await withTimeout(answered, 30000, 'publish answer');
  }

  // Joins call `id` publishing `tracks` ([{track, stream, source, simulcast}]).
  async function join(id, tracks) {
    callId = id;
    pub = new RTCPeerConnection();
    sub = new RTCPeerConnection();
    sub.ontrack = (e) => {
      st.midToStream[e.transceiver.mid] = e.streams && e.streams[0] ? e.streams[0].id : null;
    };
    sub.ondatachannel = (e) => {
      const ch = e.channel;
      const opened = () => { st.relayOpen = true; };
      if (ch.readyState === 'open') opened();
      ch.onopen = opened;
      ch.onmessage = (m) => {
        try {
          st.relay.push(JSON.parse(m.data));
        } catch {
          st.relay.push({ raw: String(m.data) });
        }
      };
    };
    chat = pub.createDataChannel('chat');
    chat.onopen = () => { st.chatOpen = true; };
    for (const t of tracks) addTrack(t);
    await publish();
  }

  async function addAndPublish(track) {
    addTrack(track);
    await publish();
  }

  function sendChat(text) {
    if (!chat || chat.readyState !== 'open') return false;
    chat.send(text);
    return true;
  }

  // Per remote track (by subscribe m-line): publisher stream id, kind and receive counters; per
  // local encoding: rid and bytes sent.
  async function stats() {
    // By subscribe m-line: inbound-rtp carries its mid (receiver.getStats() is missing in wrtc).
    const inbound = [];
    const directions = {};
    for (const t of sub ? sub.getTransceivers() : []) directions[t.mid] = t.currentDirection;
    if (sub) {
      (await sub.getStats()).forEach((r) => {
        if (r.type !== 'inbound-rtp' || st.midToStream[r.mid] === undefined) return;
        inbound.push({
          mid: r.mid,
          stream: st.midToStream[r.mid],
          kind: r.kind,
          direction: directions[r.mid],
          framesDecoded: r.framesDecoded || 0,
          packetsReceived: r.packetsReceived || 0,
          bytesReceived: r.bytesReceived || 0,
          width: r.frameWidth,
          packetsLost: r.packetsLost || 0,
          nackCount: r.nackCount || 0,
          rtxReceived: r.retransmittedPacketsReceived || 0,
          freezeCount: r.freezeCount || 0,
          totalFreezesDuration: r.totalFreezesDuration || 0,
          keyFramesDecoded: r.keyFramesDecoded || 0,
          pliCount: r.pliCount || 0,
        });
      });
    }
    const outbound = [];
    let sendBwe = null;
    if (pub) {
      (await pub.getStats()).forEach((r) => {
        if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate !== undefined) {
          sendBwe = r.availableOutgoingBitrate;
        }
        if (r.type !== 'outbound-rtp') return;
        outbound.push({
          kind: r.kind,
          mid: r.mid,
          rid: r.rid || null,
          bytesSent: r.bytesSent || 0,
          width: r.frameWidth,
          limit: r.qualityLimitationReason,
          packetsSent: r.packetsSent || 0,
          retransmittedPacketsSent: r.retransmittedPacketsSent || 0,
          nackCount: r.nackCount || 0,
        });
      });
    }
    return {
      user: userId,
      pub: pub && pub.connectionState,
      sub: sub && sub.connectionState,
      subOffers: st.subOffers,
      relay: st.relay,
      relayOpen: st.relayOpen,
      chatOpen: st.chatOpen,
      left: st.left,
      errors: st.errors,
      inbound,
      outbound,
      sendBwe,
    };
  }

  function setPreferences(prefs) {
    socket.emit('webrtc_set_preferences', { call_id: callId, ...prefs });
  }

  function close() {
    if (pub) pub.close();
    if (sub) sub.close();
    if (socket) socket.close();
  }

  return { st, connect, join, addAndPublish, sendChat, stats, setPreferences, close };
}
