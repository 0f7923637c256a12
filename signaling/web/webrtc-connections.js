// webrtc-connections.js: the RTCPeerConnection side of webrtc-service.js (imported by it; copy
// both files together). P2PPeer: one 1-on-1 connection with perfect negotiation and ICE restarts.
// SfuSession: the publish + subscribe connections of a group call with the SFU. Also the media
// constants, the layer choice for tile sizes and the `localStorage.debug` logger.

export const AUDIO_CONSTRAINTS = Object.freeze({
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  sampleRate: { ideal: 48000 },
});

// The guide's "Recommended Settings".
export const VIDEO_PRESETS = Object.freeze({
  desktop: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
  mobile: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } },
  low: { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } },
});

// Simulcast layers of the camera in group calls: rid, downscale, bitrate cap.
export const SIMULCAST_ENCODINGS = Object.freeze([
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
]);

export const SFU = 'sfu';
export const kAuthTimeoutMs = 10_000;
const kAnswerTimeoutMs = 15_000;
const kDisconnectedRestartMs = 3_000;
export const kStatsIntervalMs = 1_000;
export const kSpeakerThreshold = 0.02;

// ------------------------------------------------------------------------------------------------
// Debug logging, enabled by localStorage.debug patterns in the style of the `debug` package.

function debugEnabled(namespace) {
  let spec = '';
  try {
    spec = globalThis.localStorage?.getItem('debug') || '';
  } catch {
    return false;
  }
  return spec
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((pattern) => {
      const re = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return new RegExp(`^${re}$`).test(namespace);
    });
}

function makeLogger(namespace) {
  return (...args) => {
    if (debugEnabled(namespace)) console.debug(`[${namespace}]`, ...args);
  };
}

export const log = {
  signal: makeLogger('webrtc:signal'),
  pc: makeLogger('webrtc:pc'),
  media: makeLogger('webrtc:media'),
  stats: makeLogger('webrtc:stats'),
};

export function toDescription(value, type) {
  if (typeof value === 'string') return { type, sdp: value };
  return { type: value.type || type, sdp: value.sdp };
}

export function callMode(call) {
  if (call.mode) return call.mode;
  return call.participants?.length === 2 && !call.group_id ? 'p2p' : 'sfu';
}

export function isMobile() {
  const ua = globalThis.navigator?.userAgent || '';
  return /Mobi|Android|iPhone|iPad/i.test(ua);
}

// Which simulcast layer a tile of this size needs: 0 = q (1/4), 1 = h (1/2), 2 = f (full).
export function layerForSize(width, height) {
  const side = Math.max(width, height * (16 / 9));
  if (side <= 320) return 0;
  if (side <= 720) return 1;
  return 2;
}

// ------------------------------------------------------------------------------------------------
// One peer-to-peer connection with another user (1-on-1 calls).

export class P2PPeer {
  constructor(service, callId, peerId, { polite }) {
    this.service = service;
    this.callId = callId;
    this.peerId = peerId;
    this.polite = polite;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.localAttached = false;
    this.pendingCandidates = [];
    this.restartTimer = null;
    const pc = new RTCPeerConnection(service.rtcConfiguration);
    this.pc = pc;
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      service._emit('webrtc_ice_candidate', {
        call_id: callId,
        candidate: candidate.toJSON(),
        to_user_id: peerId,
      });
    };
    pc.onnegotiationneeded = () => this._offer();
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      service._addRemoteStream(peerId, stream, 'camera');
    };
    pc.oniceconnectionstatechange = () => this._onIceState();
    pc.onconnectionstatechange = () => {
      log.pc(`p2p ${peerId} connection`, pc.connectionState);
      service._notify('onConnectionStateChange', {
        kind: 'media',
        userId: peerId,
        state: pc.connectionState,
      });
    };
  }

  // Adds the local tracks once; addTrack reuses the transceivers a remote offer created.
  attachLocal(stream) {
    if (this.localAttached || !stream) return;
    this.localAttached = true;
    const screen = this.service.screenStream?.getVideoTracks()[0];
    for (const track of stream.getTracks()) {
      // A screen share started before the peer answered replaces the camera from the start.
      const send = track.kind === 'video' && screen ? screen : track;
      this.pc.addTrack(send, stream);
    }
  }

  async _offer() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      log.signal(`p2p offer → ${this.peerId}`);
      this.service._emit('webrtc_offer', {
        call_id: this.callId,
        offer: this.pc.localDescription.toJSON(),
        to_user_id: this.peerId,
      });
    } catch (err) {
      this.service._reportError('Could not create an offer', err);
    } finally {
      this.makingOffer = false;
    }
  }

  // Perfect negotiation (JSEP glare handling): the impolite side ignores a colliding offer, the
  // polite side rolls back its own (setRemoteDescription does the rollback implicitly).
  async onDescription(desc) {
    const pc = this.pc;
    const collision = desc.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) {
      log.signal(`p2p ignoring colliding offer from ${this.peerId}`);
      return;
    }
    if (desc.type === 'answer' && pc.signalingState !== 'have-local-offer') {
      log.signal(`p2p stale answer from ${this.peerId} in ${pc.signalingState}`);
      return;
    }
    await pc.setRemoteDescription(desc);
    for (const c of this.pendingCandidates.splice(0)) await this._addCandidate(c);
    if (desc.type === 'offer') {
      this.attachLocal(this.service.localStream);
      await pc.setLocalDescription();
      log.signal(`p2p answer → ${this.peerId}`);
      this.service._emit('webrtc_answer', {
        call_id: this.callId,
        answer: pc.localDescription.toJSON(),
        to_user_id: this.peerId,
      });
    }
  }

  async onCandidate(candidate) {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    await this._addCandidate(candidate);
  }

  async _addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) log.pc('addIceCandidate failed', err);
    }
  }

  // ICE restart (RFC 8445 §9; JSEP restartIce): at once on "failed", after a grace on
  // "disconnected" (which often heals by itself). restartIce() fires negotiationneeded.
  _onIceState() {
    const state = this.pc.iceConnectionState;
    log.pc(`p2p ${this.peerId} ice`, state);
    clearTimeout(this.restartTimer);
    if (state === 'failed') {
      this.pc.restartIce();
    } else if (state === 'disconnected') {
      this.restartTimer = setTimeout(() => {
        const now = this.pc.iceConnectionState;
        if (now === 'disconnected' || now === 'failed') this.pc.restartIce();
      }, kDisconnectedRestartMs);
    }
  }

  close() {
    clearTimeout(this.restartTimer);
    this.pc.close();
  }
}

// ------------------------------------------------------------------------------------------------
// The two connections of a group call with the SFU.

export class SfuSession {
  constructor(service, callId) {
    this.service = service;
    this.callId = callId;
    this.pub = null;
    this.sub = null;
    this.sources = new Map(); // publish transceiver → source
    this.publishBusy = false;
    this.publishAgain = false;
    this.answerWaiter = null;
    this.subQueue = Promise.resolve();
    this.closed = false;
    this.restartTimer = null;
  }

  _config() {
    return { ...this.service.rtcConfiguration, bundlePolicy: 'max-bundle' };
  }

  async startPublishing(stream) {
    const pub = new RTCPeerConnection(this._config());
    this.pub = pub;
    pub.oniceconnectionstatechange = () => this._onPublishIce();
    pub.onconnectionstatechange = () => {
      log.pc('publish connection', pub.connectionState);
      this.service._notify('onConnectionStateChange', {
        kind: 'media',
        userId: SFU,
        role: 'publish',
        state: pub.connectionState,
      });
    };
    for (const track of stream?.getAudioTracks() || []) {
      const t = pub.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      this.sources.set(t, 'microphone');
    }
    for (const track of stream?.getVideoTracks() || []) {
      const t = pub.addTransceiver(track, {
        direction: 'sendonly',
        streams: [stream],
        sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })),
      });
      this.sources.set(t, 'camera');
    }
    await this.negotiate();
  }

  // Serialized publish negotiation: one offer in flight; changes meanwhile re-offer afterwards.
  async negotiate({ iceRestart = false } = {}) {
    if (!this.pub || this.closed) return;
    if (this.publishBusy) {
      this.publishAgain = true;
      return;
    }
    this.publishBusy = true;
    try {
      do {
        this.publishAgain = false;
        await this._publishOnce(iceRestart);
        iceRestart = false;
      } while (this.publishAgain && !this.closed);
    } catch (err) {
      if (!this.closed) this.service._reportError('Publishing to the SFU failed', err);
    } finally {
      this.publishBusy = false;
    }
  }

  async _publishOnce(iceRestart) {
    const pub = this.pub;
    const offer = await pub.createOffer({ iceRestart });
    await pub.setLocalDescription(offer);
    const tracks = [];
    for (const t of pub.getTransceivers()) {
      if (t.mid === null || t.direction !== 'sendonly' || !t.sender.track) continue;
      tracks.push({ mid: t.mid, source: this.sources.get(t) || t.sender.track.kind });
    }
    const answered = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the SFU')), kAnswerTimeoutMs);
      this.answerWaiter = (desc) => {
        clearTimeout(timer);
        resolve(desc);
      };
    });
    log.signal('publish offer → sfu', tracks);
    this.service._emit('webrtc_offer', {
      call_id: this.callId,
      offer: pub.localDescription.toJSON(),
      to_user_id: SFU,
      tracks,
    });
    const answer = await answered;
    if (this.closed || pub.signalingState !== 'have-local-offer') return;
    await pub.setRemoteDescription(answer);
  }

  onPublishAnswer(desc) {
    const waiter = this.answerWaiter;
    this.answerWaiter = null;
    if (waiter) waiter(desc);
    else log.signal('unexpected answer from sfu');
  }

  _onPublishIce() {
    const state = this.pub.iceConnectionState;
    log.pc('publish ice', state);
    clearTimeout(this.restartTimer);
    if (state === 'failed') {
      this.negotiate({ iceRestart: true });
    } else if (state === 'disconnected') {
      this.restartTimer = setTimeout(() => {
        const now = this.pub?.iceConnectionState;
        if (now === 'disconnected' || now === 'failed') this.negotiate({ iceRestart: true });
      }, kDisconnectedRestartMs);
    }
  }

  // Offers from "sfu" are for the subscribe PC; answered in order.
  onSubscribeOffer(desc) {
    this.subQueue = this.subQueue
      .then(() => this._answerSubscribe(desc))
      .catch((err) => {
        if (!this.closed) this.service._reportError('Subscribing from the SFU failed', err);
      });
    return this.subQueue;
  }

  async _answerSubscribe(desc) {
    if (this.closed) return;
    if (!this.sub) {
      const sub = new RTCPeerConnection(this._config());
      this.sub = sub;
      sub.ontrack = (ev) => this._onSubscribeTrack(ev);
      sub.onconnectionstatechange = () => {
        log.pc('subscribe connection', sub.connectionState);
        this.service._notify('onConnectionStateChange', {
          kind: 'media',
          userId: SFU,
          role: 'subscribe',
          state: sub.connectionState,
        });
      };
    }
    await this.sub.setRemoteDescription(desc);
    await this.sub.setLocalDescription();
    log.signal('subscribe answer → sfu');
    this.service._emit('webrtc_answer', {
      call_id: this.callId,
      answer: this.sub.localDescription.toJSON(),
      to_user_id: SFU,
    });
  }

  // msid stream id "<user_id>" (camera + microphone) or "<user_id>:screen".
  _onSubscribeTrack(ev) {
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    const id = ev.streams[0]?.id || '';
    const screen = id.endsWith(':screen');
    const userId = screen ? id.slice(0, -':screen'.length) : id || `mid:${ev.transceiver?.mid}`;
    this.service._addRemoteStream(userId, stream, screen ? 'screen' : 'camera');
    const onRemove = () => {
      if (stream.getTracks().length === 0) this.service._removeRemoteStream(stream.id);
    };
    stream.addEventListener('removetrack', onRemove);
  }

  // Screen share: a new sendonly transceiver (or a recycled inactive one) declared as "screen".
  async addScreen(track, stream) {
    let t = [...this.sources.entries()].find(
      ([tr, src]) => src === 'screen' && tr.direction === 'inactive' && !tr.sender.track,
    )?.[0];
    if (t) {
      await t.sender.replaceTrack(track);
      t.sender.setStreams(stream);
      t.direction = 'sendonly';
    } else {
      t = this.pub.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      this.sources.set(t, 'screen');
    }
    await this.negotiate();
  }

  async removeScreen() {
    for (const [t, src] of this.sources) {
      if (src !== 'screen' || !t.sender.track) continue;
      await t.sender.replaceTrack(null);
      t.direction = 'inactive';
    }
    await this.negotiate();
  }

  // Dynacast guidance from the server (`webrtc_layers` {mid, source, active, inactive}): encode
  // only the simulcast layers some subscriber takes. Optional: without it every layer is sent.
  async applyLayers({ mid, source, active = [], inactive = [] }) {
    for (const [t, src] of this.sources) {
      if (!t.sender.track || (mid ? t.mid !== mid : src !== source)) continue;
      const params = t.sender.getParameters();
      if (!params.encodings || params.encodings.length < 2) continue;
      let changed = false;
      for (const e of params.encodings) {
        const want = active.includes(e.rid) ? true : inactive.includes(e.rid) ? false : e.active;
        if (e.active !== want) {
          e.active = want;
          changed = true;
        }
      }
      if (!changed) continue;
      try {
        await t.sender.setParameters(params);
        log.pc('simulcast layers', src, 'active', active.join(','));
      } catch (e) {
        log.pc('setParameters failed', String(e));
      }
    }
  }

  connections() {
    const out = [];
    if (this.pub) out.push({ userId: SFU, role: 'publish', pc: this.pub });
    if (this.sub) out.push({ userId: SFU, role: 'subscribe', pc: this.sub });
    return out;
  }

  close() {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.pub?.close();
    this.sub?.close();
    this.answerWaiter = null;
  }
}

// ------------------------------------------------------------------------------------------------
