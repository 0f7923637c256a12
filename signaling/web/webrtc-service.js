// webrtc-service.js: browser client for sfu-server (ES modules, no build step; it imports
// ./webrtc-connections.js, so copy or serve the two files together).
//
// The API of spec/webrtc-call-guide.md ("WebRTCService"): initiateCall, answerCall, endCall,
// toggleAudio, toggleVideo, startScreenShare, stopScreenShare and the on* callbacks.
//
//   import webrtcService from '/webrtc-service.js';          // the default singleton
//   webrtcService.configure({ serverUrl, token, userId });
//   await webrtcService.connect();
//   webrtcService.onIncomingCall = (call) => webrtcService.answerCall(call.call_id, true);
//
// Or one instance per identity: `new WebRTCService({ serverUrl, token, userId })`.
//
// Media paths (DESIGN.md):
//   1-on-1 (mode "p2p"): one RTCPeerConnection with the other user; the caller offers once the
//     callee accepted; "perfect negotiation" (the callee is the polite side) makes later
//     renegotiations and ICE restarts glare-safe; candidates trickle through signaling.
//   group (mode "sfu"): a publish PC offered by us to "sfu" (audio + simulcast camera q/h/f, a
//     screen share as an extra sendonly transceiver, declared with `tracks: [{mid, source}]`), and
//     a subscribe PC that answers the offers "sfu" sends; remote streams map to users through
//     their msid stream id (`<user_id>`, screen: `<user_id>:screen`).
//
// Debug logs: localStorage.setItem('debug', 'webrtc:*') (or e.g. 'webrtc:signal,webrtc:pc').

import {
  AUDIO_CONSTRAINTS,
  P2PPeer,
  SFU,
  SfuSession,
  VIDEO_PRESETS,
  callMode,
  isMobile,
  kAuthTimeoutMs,
  kSpeakerThreshold,
  kStatsIntervalMs,
  layerForSize,
  log,
  toDescription,
} from './webrtc-connections.js';

export {
  AUDIO_CONSTRAINTS,
  SIMULCAST_ENCODINGS,
  VIDEO_PRESETS,
  layerForSize,
} from './webrtc-connections.js';

export class WebRTCService {
  constructor(options = {}) {
    this.serverUrl = '';
    this.token = null;
    this.userId = null;
    this.io = null; // a socket.io-client `io` function; loaded from the server when absent
    this.mediaPreset = 'auto'; // auto | desktop | mobile | low
    this.videoConstraints = null; // overrides the preset
    this.iceServers = null; // overrides GET /api/webrtc/ice-servers
    this.rtcConfiguration = { iceServers: [] };

    this.socket = null;
    this.currentCall = null;
    this.localStream = null;
    this.screenStream = null;
    this.peers = new Map(); // P2P: user id → P2PPeer
    this.sfu = null;
    this.remoteStreams = new Map(); // stream id → {userId, stream, source}
    this.incomingCalls = new Map(); // call id → ringing payload
    this._early = null; // events that arrived while initiate was in flight
    this._statsTimer = null;
    this._lastStats = null;
    this._speaker = null;
    this._layerPrefs = new Map();

    // Callbacks (assign functions). All receive one object.
    this.onIncomingCall = null; // {call_id, caller_id, type, participants, mode}
    this.onCallAccepted = null; // {call_id, user_id}
    this.onCallRejected = null; // {call_id, user_id}
    this.onCallEnded = null; // {call_id, ended_by, reason?, local?}
    this.onCallAnsweredElsewhere = null; // {call_id, user_id, answer}
    this.onRemoteStream = null; // {userId, stream, source}
    this.onRemoteStreamRemoved = null; // {userId, stream, source}
    this.onParticipantJoined = null; // {call_id, user_id, userId}
    this.onParticipantLeft = null; // {call_id, user_id, userId, reason?}
    this.onActiveSpeaker = null; // {call_id, userId}
    this.onQualityStats = null; // see getQualityStats()
    this.onConnectionStateChange = null; // {kind: 'socket'|'media', state, userId?, role?}
    this.onError = null; // {message, call_id?, error?}
    this.configure(options);
  }

  configure(options = {}) {
    const keys = ['serverUrl', 'token', 'userId', 'io', 'mediaPreset', 'videoConstraints'];
    for (const k of [...keys, 'iceServers']) if (options[k] !== undefined) this[k] = options[k];
    if (!this.serverUrl) this.serverUrl = globalThis.location?.origin || '';
    this.serverUrl = this.serverUrl.replace(/\/+$/, '');
    if (this.iceServers) this.rtcConfiguration = { iceServers: this.iceServers };
    return this;
  }

  get connected() {
    return Boolean(this.socket?.connected && this._authenticated);
  }

  // Opens the Socket.IO connection the way the field clients do and waits for `authenticated`.
  async connect(options) {
    if (options) this.configure(options);
    if (!this.token) throw new Error('WebRTCService: a token is required');
    if (this.socket) this.disconnect();
    const io = await this._loadIo();
    const socket = io(this.serverUrl, {
      transports: ['websocket', 'polling'],
      auth: { token: this.token },
      query: this.userId ? { userId: this.userId } : {},
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    this._authenticated = false;
    this._bindSocket(socket);
    const authed = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('authentication timed out')), kAuthTimeoutMs);
      socket.once('authenticated', (data) => {
        clearTimeout(timer);
        resolve(data);
      });
      socket.on('connect_error', (err) => {
        if (socket.active) return; // transient: socket.io retries by itself
        clearTimeout(timer);
        reject(new Error(`connection refused: ${err.message}`));
      });
    });
    const [auth] = await Promise.all([authed, this._loadIceServers()]);
    return auth;
  }

  disconnect() {
    if (this.currentCall) this._cleanupCall();
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this._authenticated = false;
  }

  async _loadIo() {
    if (this.io) return this.io;
    if (typeof globalThis.io === 'function') return globalThis.io;
    const src = `${this.serverUrl}/socket.io/socket.io.js`;
    await new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`cannot load the Socket.IO client from ${src}`));
      document.head.appendChild(script);
    });
    return globalThis.io;
  }

  async _loadIceServers() {
    if (this.iceServers) return;
    try {
      const res = await this._api('GET', '/api/webrtc/ice-servers');
      this.rtcConfiguration = { iceServers: res.ice_servers || [] };
    } catch (err) {
      log.pc('no ICE servers from the server, using none', err.message);
      this.rtcConfiguration = { iceServers: [] };
    }
  }

  _bindSocket(socket) {
    socket.on('connect', () => {
      log.signal('socket connected', socket.id);
      // The token already went in `auth`: {user_id} is enough (DESIGN.md Compatibility).
      socket.emit('authenticate', this.userId ? { user_id: this.userId } : { token: this.token });
      this._notify('onConnectionStateChange', { kind: 'socket', state: 'connected' });
    });
    socket.on('authenticated', (data) => {
      this._authenticated = true;
      if (data?.user_id) this.userId = data.user_id;
      log.signal('authenticated', data);
    });
    socket.on('disconnect', (reason) => {
      this._authenticated = false;
      log.signal('socket disconnected', reason);
      const state = socket.active ? 'reconnecting' : 'disconnected';
      this._notify('onConnectionStateChange', { kind: 'socket', state, reason });
    });
    socket.on('error', (data) => {
      log.signal('server error', data);
      this._notify('onError', { message: data?.message || 'Server error', call_id: data?.call_id });
    });
    const handlers = {
      webrtc_call_ringing: (d) => this._onRinging(d),
      webrtc_call_accepted: (d) => this._onAccepted(d),
      webrtc_call_rejected: (d) => this._onRejected(d),
      webrtc_call_ended: (d) => this._onEnded(d),
      webrtc_call_answered_elsewhere: (d) => this._onAnsweredElsewhere(d),
      webrtc_participant_joined: (d) => this._onParticipantJoined(d),
      webrtc_participant_left: (d) => this._onParticipantLeft(d),
      webrtc_active_speaker: (d) => this._setSpeaker(d.user_id, d.call_id),
      webrtc_layers: (d) => (this.sfu && this._isCurrent(d.call_id) ? this.sfu.applyLayers(d) : undefined),
      webrtc_offer: (d) => this._onOffer(d),
      webrtc_answer: (d) => this._onAnswer(d),
      webrtc_ice_candidate: (d) => this._onCandidate(d),
    };
    for (const [event, fn] of Object.entries(handlers)) {
      socket.on(event, (data) => {
        log.signal(`← ${event}`, data);
        if (!data || typeof data !== 'object') return;
        // Events for a call we are still initiating are replayed once it is known.
        if (this._early && data.call_id && !this._isCurrent(data.call_id)) {
          if (event !== 'webrtc_call_ringing') {
            this._early.push([fn, data]);
            return;
          }
        }
        Promise.resolve()
          .then(() => fn(data))
          .catch((err) => this._reportError(`Handling ${event} failed`, err, data.call_id));
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  async initiateCall({ type = 'audio', participants, group_id, groupId } = {}) {
    if (this.currentCall) throw new Error('Already in a call: end it first');
    if (!Array.isArray(participants) || participants.length === 0) {
      throw new Error('participants must be a non-empty array of user ids');
    }
    this._requireSocket();
    const stream = await this.getLocalStream(type === 'video');
    this.localStream = stream;
    this._early = [];
    let call;
    try {
      const gid = group_id ?? groupId;
      const body = { type, participants, ...(gid ? { group_id: gid } : {}) };
      call = (await this._api('POST', '/api/webrtc/call/initiate', body)).call;
    } catch (err) {
      this._early = null;
      this._stopLocal();
      throw err;
    }
    this.currentCall = { ...call, role: 'caller' };
    this._emit('webrtc_call_ringing', {
      call_id: call.call_id,
      participants: call.participants,
      type: call.type,
    });
    this._startCallMedia();
    const early = this._early;
    this._early = null;
    for (const [fn, data] of early) {
      try {
        await fn(data); // the handlers check the call id themselves
      } catch (err) {
        this._reportError('Handling an early event failed', err, data.call_id);
      }
    }
    return call;
  }

  async answerCall(callId, accept = true) {
    const ring = this.incomingCalls.get(callId);
    this.incomingCalls.delete(callId);
    if (!accept) {
      const res = await this._api('POST', `/api/webrtc/call/${encodeURIComponent(callId)}/answer`, {
        answer: false,
      });
      this._emit('webrtc_call_rejected', { call_id: callId, caller_id: res.call?.caller_id });
      return res.call;
    }
    this._requireSocket();
    if (this.currentCall && this.currentCall.call_id !== callId) await this.endCall();
    const type = ring?.type || (await this.getCall(callId)).type;
    this.localStream = await this.getLocalStream(type === 'video');
    let call;
    try {
      call = (
        await this._api('POST', `/api/webrtc/call/${encodeURIComponent(callId)}/answer`, {
          answer: true,
        })
      ).call;
    } catch (err) {
      this._stopLocal();
      throw err;
    }
    this.currentCall = { ...call, role: 'callee' };
    this._emit('webrtc_call_accepted', { call_id: callId, caller_id: call.caller_id });
    if (callMode(call) === 'p2p') {
      // The caller offers; our peer is ready for its offer and candidates.
      this._peerFor(call.caller_id, { polite: true });
    }
    this._startCallMedia();
    return call;
  }

  async endCall() {
    const call = this.currentCall;
    if (!call) return null;
    let ended = null;
    try {
      const res = await this._api('POST', `/api/webrtc/call/${encodeURIComponent(call.call_id)}/end`);
      ended = res.call;
      this._emit('webrtc_call_ended', { call_id: call.call_id, participants: call.participants });
    } catch (err) {
      log.signal('end failed (call already over?)', err.message);
    }
    if (this.currentCall?.call_id === call.call_id) {
      this._cleanupCall();
      this._notify('onCallEnded', {
        call_id: call.call_id,
        ended_by: this.userId,
        duration: ended?.duration,
        local: true,
      });
    }
    return ended;
  }

  // Guide semantics: returns true when the microphone is now muted.
  toggleAudio() {
    const track = this.localStream?.getAudioTracks()[0];
    if (!track) return false;
    track.enabled = !track.enabled;
    return !track.enabled;
  }

  // Guide semantics: returns true when the camera is now enabled.
  toggleVideo() {
    const track = this.localStream?.getVideoTracks()[0];
    if (!track) return false;
    track.enabled = !track.enabled;
    return track.enabled;
  }

  get isAudioMuted() {
    const track = this.localStream?.getAudioTracks()[0];
    return track ? !track.enabled : true;
  }

  get isVideoEnabled() {
    const track = this.localStream?.getVideoTracks()[0];
    return track ? track.enabled : false;
  }

  async startScreenShare() {
    if (!this.currentCall) throw new Error('Not in a call');
    if (this.screenStream) return this.screenStream;
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = stream.getVideoTracks()[0];
    this.screenStream = stream;
    track.addEventListener('ended', () => this.stopScreenShare());
    if (this.sfu) {
      await this.sfu.addScreen(track, stream);
    } else {
      for (const peer of this.peers.values()) {
        const sender = peer.pc.getSenders().find((s) => s.track?.kind === 'video');
        if (sender) await sender.replaceTrack(track);
        else peer.pc.addTrack(track, stream); // audio call: renegotiates
      }
    }
    log.media('screen share started');
    return stream;
  }

  async stopScreenShare() {
    const stream = this.screenStream;
    if (!stream) return;
    this.screenStream = null;
    const screenTrack = stream.getVideoTracks()[0];
    stream.getTracks().forEach((t) => t.stop());
    if (this.sfu) {
      await this.sfu.removeScreen();
    } else {
      const camera = this.localStream?.getVideoTracks()[0] || null;
      for (const peer of this.peers.values()) {
        for (const sender of peer.pc.getSenders()) {
          if (sender.track !== screenTrack) continue;
          if (camera) await sender.replaceTrack(camera);
          else peer.pc.removeTrack(sender);
        }
      }
    }
    log.media('screen share stopped');
  }

  // Group calls: the largest simulcast layer we want of `userId`'s video (0 = q, 1 = h, 2 = f).
  // Sent as `webrtc_set_preferences {call_id, user_id, source, max_layer}` when it changes.
  setVideoPreference(userId, maxLayer, source = 'camera') {
    if (!this.sfu || !this.currentCall) return;
    const key = `${userId}/${source}`;
    if (this._layerPrefs.get(key) === maxLayer) return;
    this._layerPrefs.set(key, maxLayer);
    this._emit('webrtc_set_preferences', {
      call_id: this.currentCall.call_id,
      user_id: userId,
      source,
      max_layer: maxLayer,
    });
  }

  // Follows a <video> tile's size and requests the layer it needs. Returns a stop function.
  watchTile(userId, element, source = 'camera') {
    if (typeof ResizeObserver !== 'function') return () => {};
    const ro = new ResizeObserver(() => {
      const { width, height } = element.getBoundingClientRect();
      if (width > 0) this.setVideoPreference(userId, layerForSize(width, height), source);
    });
    ro.observe(element);
    return () => ro.disconnect();
  }

  // ---------------------------------------------------------------------------------------------
  // REST helpers (all of the guide's endpoints)

  getCall(callId) {
    return this._api('GET', `/api/webrtc/call/${encodeURIComponent(callId)}`).then((r) => r.call);
  }

  getActiveCalls() {
    return this._api('GET', '/api/webrtc/calls/active').then((r) => r.calls);
  }

  getCallHistory({ limit = 20, offset = 0 } = {}) {
    return this._api('GET', `/api/webrtc/calls/history?limit=${limit}&offset=${offset}`);
  }

  reportCallQuality(callId, quality) {
    return this._api('POST', `/api/webrtc/call/${encodeURIComponent(callId)}/quality`, quality);
  }

  async _api(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.serverUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = null;
    try {
      json = await res.json();
    } catch {
      // not JSON
    }
    if (!res.ok || json?.success === false) {
      const err = new Error(json?.error?.message || `HTTP ${res.status}`);
      err.status = res.status;
      err.code = json?.error?.code;
      throw err;
    }
    return json;
  }

  // ---------------------------------------------------------------------------------------------
  // Media

  videoConstraintsFor() {
    if (this.videoConstraints) return this.videoConstraints;
    let preset = this.mediaPreset;
    if (preset === 'auto' || !VIDEO_PRESETS[preset]) preset = isMobile() ? 'mobile' : 'desktop';
    return { ...VIDEO_PRESETS[preset], facingMode: 'user' };
  }

  async getLocalStream(video = false) {
    if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
      throw new Error('Camera and microphone need a secure context: use HTTPS or localhost');
    }
    const audio = { ...AUDIO_CONSTRAINTS };
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio,
        video: video ? this.videoConstraintsFor() : false,
      });
    } catch (err) {
      if (!video || err.name !== 'NotFoundError') throw err;
      log.media('no camera: audio only');
      return navigator.mediaDevices.getUserMedia({ audio, video: false });
    }
  }

  // [{userId, role, pc}] of the current call (for stats and debugging).
  peerConnections() {
    const out = [];
    for (const [userId, peer] of this.peers) out.push({ userId, role: 'p2p', pc: peer.pc });
    if (this.sfu) out.push(...this.sfu.connections());
    return out;
  }

  // Quality summary since the previous call: {sendKbps, recvKbps, lossPct, rttMs,
  // framesDecoded, connections}. The service calls it every second during a call and passes the
  // result to onQualityStats.
  async getQualityStats() {
    const now = performance.now();
    const totals = { sent: 0, recv: 0, lost: 0, received: 0, frames: 0, rtts: [] };
    const levels = new Map();
    for (const { userId, pc } of this.peerConnections()) {
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.type === 'outbound-rtp') totals.sent += s.bytesSent || 0;
        if (s.type === 'inbound-rtp') {
          totals.recv += s.bytesReceived || 0;
          totals.lost += Math.max(0, s.packetsLost || 0);
          totals.received += s.packetsReceived || 0;
          totals.frames += s.framesDecoded || 0;
          if (s.kind === 'audio' && userId !== SFU && typeof s.audioLevel === 'number') {
            levels.set(userId, Math.max(levels.get(userId) || 0, s.audioLevel));
          }
        }
        if (s.type === 'media-source' && s.kind === 'audio' && typeof s.audioLevel === 'number') {
          if (!this.isAudioMuted) levels.set(this.userId, s.audioLevel);
        }
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = report.get(s.selectedCandidatePairId);
          if (pair?.currentRoundTripTime !== undefined) totals.rtts.push(pair.currentRoundTripTime);
        }
      });
    }
    const prev = this._lastStats;
    this._lastStats = { at: now, ...totals };
    const secs = prev ? (now - prev.at) / 1000 : 0;
    const rate = (a, b) => (secs > 0 ? Math.max(0, ((a - b) * 8) / 1000 / secs) : 0);
    const dLost = prev ? totals.lost - prev.lost : totals.lost;
    const dRecv = prev ? totals.received - prev.received : totals.received;
    const summary = {
      sendKbps: prev ? Math.round(rate(totals.sent, prev.sent)) : 0,
      recvKbps: prev ? Math.round(rate(totals.recv, prev.recv)) : 0,
      lossPct: dLost + dRecv > 0 ? (100 * Math.max(0, dLost)) / (dLost + dRecv) : 0,
      rttMs: totals.rtts.length ? Math.round(1000 * Math.max(...totals.rtts)) : null,
      framesDecoded: totals.frames,
      connections: this.peerConnections().length,
    };
    summary.quality =
      summary.lossPct > 5 || (summary.rttMs ?? 0) > 400
        ? 'poor'
        : summary.lossPct > 1 || (summary.rttMs ?? 0) > 200
          ? 'fair'
          : 'good';
    // Peer-to-peer calls have no server-side speaker detection: use the audio levels.
    if (!this.sfu && levels.size) {
      const [loudest, level] = [...levels].sort((a, b) => b[1] - a[1])[0];
      if (level >= kSpeakerThreshold) this._setSpeaker(loudest, this.currentCall?.call_id);
    }
    log.stats(summary);
    return summary;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  _requireSocket() {
    if (!this.socket) throw new Error('Not connected: call connect() first');
  }

  _isCurrent(callId) {
    return this.currentCall?.call_id === callId;
  }

  _emit(event, data) {
    log.signal(`→ ${event}`, data);
    this.socket?.emit(event, data);
  }

  _notify(name, data) {
    const fn = this[name];
    if (typeof fn !== 'function') return;
    try {
      fn(data);
    } catch (err) {
      console.error(`WebRTCService ${name} callback threw`, err);
    }
  }

  _reportError(message, err, callId) {
    log.pc(message, err);
    const detail = err?.message ? `${message}: ${err.message}` : message;
    this._notify('onError', { message: detail, call_id: callId, error: err });
  }

  _startCallMedia() {
    const call = this.currentCall;
    if (callMode(call) === 'sfu') {
      this.sfu = new SfuSession(this, call.call_id);
      this.sfu.startPublishing(this.localStream);
    }
    this._lastStats = null;
    this._statsTimer = setInterval(async () => {
      if (!this.currentCall) return;
      try {
        const summary = await this.getQualityStats();
        if (this.currentCall) this._notify('onQualityStats', summary);
      } catch (err) {
        log.stats('getStats failed', err);
      }
    }, kStatsIntervalMs);
  }

  _peerFor(userId, { polite }) {
    let peer = this.peers.get(userId);
    if (!peer) {
      peer = new P2PPeer(this, this.currentCall.call_id, userId, { polite });
      this.peers.set(userId, peer);
    }
    return peer;
  }

  _addRemoteStream(userId, stream, source) {
    if (this.remoteStreams.has(stream.id)) return;
    this.remoteStreams.set(stream.id, { userId, stream, source });
    log.media('remote stream', userId, source, stream.id);
    this._notify('onRemoteStream', { userId, stream, source });
  }

  _removeRemoteStream(streamId) {
    const entry = this.remoteStreams.get(streamId);
    if (!entry) return;
    this.remoteStreams.delete(streamId);
    this._notify('onRemoteStreamRemoved', entry);
  }

  _setSpeaker(userId, callId) {
    if (!userId || userId === this._speaker) return;
    this._speaker = userId;
    this._notify('onActiveSpeaker', { call_id: callId, userId });
  }

  _stopLocal() {
    this.localStream?.getTracks().forEach((t) => t.stop());
    this.localStream = null;
    this.screenStream?.getTracks().forEach((t) => t.stop());
    this.screenStream = null;
  }

  _cleanupCall() {
    clearInterval(this._statsTimer);
    this._statsTimer = null;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.sfu?.close();
    this.sfu = null;
    this._stopLocal();
    this.remoteStreams.clear();
    this._layerPrefs.clear();
    this._speaker = null;
    this.currentCall = null;
  }

  // --- socket event handlers

  _onRinging(data) {
    if (data.caller_id === this.userId) return; // our own call, echoed to another device
    if (this._isCurrent(data.call_id) || this.incomingCalls.has(data.call_id)) return;
    this.incomingCalls.set(data.call_id, data);
    this._notify('onIncomingCall', data);
  }

  _onAccepted(data) {
    if (!this._isCurrent(data.call_id)) return;
    this._notify('onCallAccepted', data);
    const call = this.currentCall;
    if (callMode(call) === 'p2p' && call.role === 'caller' && data.user_id !== this.userId) {
      const peer = this._peerFor(data.user_id, { polite: false });
      peer.attachLocal(this.localStream); // fires negotiationneeded → our offer
    }
  }

  _onRejected(data) {
    if (!this._isCurrent(data.call_id)) return;
    this._notify('onCallRejected', data);
    if (callMode(this.currentCall) === 'p2p') {
      // A refused 1:1 call is over; the server sends no webrtc_call_ended on top.
      this._cleanupCall();
      this._notify('onCallEnded', { ...data, ended_by: data.user_id, reason: 'rejected' });
    }
  }

  _onEnded(data) {
    if (this.incomingCalls.delete(data.call_id)) {
      this._notify('onCallEnded', data);
      return;
    }
    if (!this._isCurrent(data.call_id)) return;
    this._cleanupCall();
    this._notify('onCallEnded', data);
  }

  _onAnsweredElsewhere(data) {
    if (this._isCurrent(data.call_id)) return; // we are the device that answered
    this.incomingCalls.delete(data.call_id);
    this._notify('onCallAnsweredElsewhere', data);
  }

  _onParticipantJoined(data) {
    if (!this._isCurrent(data.call_id)) return;
    this._notify('onParticipantJoined', { ...data, userId: data.user_id });
  }

  _onParticipantLeft(data) {
    if (!this._isCurrent(data.call_id)) return;
    const peer = this.peers.get(data.user_id);
    if (peer) {
      peer.close();
      this.peers.delete(data.user_id);
    }
    for (const [id, entry] of [...this.remoteStreams]) {
      if (entry.userId === data.user_id) this._removeRemoteStream(id);
    }
    this._notify('onParticipantLeft', { ...data, userId: data.user_id });
  }

  async _onOffer(data) {
    if (!this._isCurrent(data.call_id)) return;
    const desc = toDescription(data.offer, 'offer');
    if (data.from_user_id === SFU) {
      if (this.sfu) await this.sfu.onSubscribeOffer(desc);
      return;
    }
    const polite = this.currentCall.role !== 'caller';
    await this._peerFor(data.from_user_id, { polite }).onDescription(desc);
  }

  async _onAnswer(data) {
    if (!this._isCurrent(data.call_id)) return;
    const desc = toDescription(data.answer, 'answer');
    if (data.from_user_id === SFU) {
      this.sfu?.onPublishAnswer(desc);
      return;
    }
    await this.peers.get(data.from_user_id)?.onDescription(desc);
  }

  async _onCandidate(data) {
    if (!this._isCurrent(data.call_id) || data.from_user_id === SFU) return;
    await this.peers.get(data.from_user_id)?.onCandidate(data.candidate);
  }
}

// The guide's `import webrtcService from './services/WebRTCService'`: one shared instance,
// configured with configure({serverUrl, token, userId}) and started with connect().
const webrtcService = new WebRTCService();
export default webrtcService;
