// Demo page of sfu-server: sign in with a dev token, see who is online, call, answer, look at
// call quality and history. Everything call-related goes through webrtc-service.js.
import { WebRTCService } from './webrtc-service.js';

const $ = (sel) => document.querySelector(sel);
const service = new WebRTCService();
const ui = {
  userId: null,
  online: [],
  presence: true, // false when the server has no /api/dev/online (not in --dev)
  contacts: new Set(JSON.parse(localStorage.getItem('demo.contacts') || '[]')),
  selected: new Set(),
  tiles: new Map(), // key → {el, video, userId}
  speaker: null, // user id of the active speaker (highlighted tiles)
  left: new Set(), // who left the current group call
  incoming: null,
  callStartedAt: null,
  lastCallId: null,
  timer: null,
  presenceTimer: null,
  unwatch: new Map(),
};
window.demo = { service, ui }; // for the browser console and tests

// ------------------------------------------------------------------------------------------------
// Small helpers

function toast(text, kind = 'info') {
  const el = document.createElement('div');
  el.className = `toast ${kind}`;
  el.textContent = text;
  $('#toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

function fmtDuration(seconds) {
  const s = Math.round(seconds || 0);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function setStatus(text) {
  $('#call-status').textContent = text;
}

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

function tokenUser(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.sub || payload.user_id || null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------
// Sign in

function showSigninError(text) {
  const el = $('#signin-error');
  el.textContent = text;
  el.hidden = !text;
}

async function signInWithName(name) {
  showSigninError('');
  const { status, json } = await post('/api/dev/token', { user_id: name });
  if (status === 404) {
    showSigninError(
      'This server is not running in development mode, so it cannot issue demo tokens. ' +
        'Start it with --dev (deploy/run.sh does when SFU_JWT_SECRET is unset), ' +
        'or sign in with a JWT from your own auth service below.',
    );
    $('#jwt-box').open = true;
    return;
  }
  if (!json?.token) {
    showSigninError(json?.error?.message || `Sign-in failed (HTTP ${status})`);
    return;
  }
  await startSession(json.token, json.user_id || name);
}

async function startSession(token, userId) {
  try {
    await service.connect({ token, userId });
  } catch (err) {
    showSigninError(`Could not connect: ${err.message}`);
    return;
  }
  ui.userId = service.userId;
  sessionStorage.setItem('demo.session', JSON.stringify({ token, userId: ui.userId }));
  $('#me').textContent = ui.userId;
  $('#whoami').hidden = false;
  $('#signin').hidden = true;
  $('#app').hidden = false;
  pollPresence();
  ui.presenceTimer = setInterval(pollPresence, 3000);
  loadHistory();
}

function signOut() {
  service.disconnect();
  clearInterval(ui.presenceTimer);
  sessionStorage.removeItem('demo.session');
  location.reload();
}

// ------------------------------------------------------------------------------------------------
// People

async function pollPresence() {
  if (!ui.presence) return;
  try {
    const res = await fetch('/api/dev/online', {
      headers: { Authorization: `Bearer ${service.token}` },
    });
    if (res.status === 404) {
      ui.presence = false;
      $('#presence-note').textContent = 'No presence list on this server: add people by name.';
      renderPeople();
      return;
    }
    const json = await res.json();
    ui.online = (json.users || []).filter((u) => u !== ui.userId);
  } catch {
    // keep the previous list
  }
  renderPeople();
}

function renderPeople() {
  const names = [...new Set([...ui.online, ...ui.contacts])].filter((n) => n !== ui.userId).sort();
  const list = $('#people');
  list.replaceChildren();
  if (!names.length) {
    const li = document.createElement('li');
    li.className = 'muted small';
    li.textContent = 'Nobody else here yet.';
    list.append(li);
  }
  for (const name of names) {
    const li = document.createElement('li');
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = name;
    box.dataset.user = name;
    box.checked = ui.selected.has(name);
    box.addEventListener('change', () => {
      if (box.checked) ui.selected.add(name);
      else ui.selected.delete(name);
    });
    const dot = document.createElement('span');
    const on = ui.online.includes(name);
    dot.className = `dot ${on ? 'on' : ''}`;
    dot.title = on ? 'online' : ui.presence ? 'offline' : 'unknown';
    label.append(box, dot, document.createTextNode(name));
    li.append(label);
    list.append(li);
  }
}

function addContact(name) {
  name = name.trim();
  if (!name || name === ui.userId) return;
  ui.contacts.add(name);
  ui.selected.add(name);
  localStorage.setItem('demo.contacts', JSON.stringify([...ui.contacts]));
  renderPeople();
}

// ------------------------------------------------------------------------------------------------
// Tiles

function addTile(key, userId, stream, { local = false, label = userId } = {}) {
  let tile = ui.tiles.get(key);
  if (!tile) {
    const el = document.createElement('figure');
    const screen = key.endsWith(':screen');
    el.className = `tile${local ? ' local' : ''}${screen ? ' screen' : ''}`;
    // The active speaker may be named before its tile exists (a late joiner is told at once).
    el.classList.toggle('speaking', userId === ui.speaker);
    el.dataset.user = userId;
    el.dataset.key = key;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = local;
    const avatar = document.createElement('div');
    avatar.className = 'avatar';
    avatar.textContent = (userId[0] || '?').toUpperCase();
    const caption = document.createElement('figcaption');
    caption.textContent = label;
    el.append(video, avatar, caption);
    $('#tiles').append(el);
    tile = { el, video, userId };
    ui.tiles.set(key, tile);
    if (!local && service.sfu) {
      const source = key.endsWith(':screen') ? 'screen' : 'camera';
      ui.unwatch.set(key, service.watchTile(userId, video, source));
    }
  }
  tile.video.srcObject = stream;
  const refresh = () => tile.el.classList.toggle('no-video', stream.getVideoTracks().length === 0);
  stream.addEventListener('addtrack', refresh);
  stream.addEventListener('removetrack', refresh);
  refresh();
  layoutTiles();
}

function removeTile(key) {
  const tile = ui.tiles.get(key);
  if (!tile) return;
  ui.unwatch.get(key)?.();
  ui.unwatch.delete(key);
  tile.el.remove();
  ui.tiles.delete(key);
  layoutTiles();
}

function clearTiles() {
  for (const key of [...ui.tiles.keys()]) removeTile(key);
}

function layoutTiles() {
  const n = ui.tiles.size;
  // A screen share takes two grid cells (wide, first), so it counts twice for the column choice.
  const screens = [...ui.tiles.values()].filter((t) => t.el.classList.contains('screen')).length;
  $('#tiles').dataset.count = String(Math.min(n + screens, 9));
  $('#idle-hint').hidden = n > 0 || Boolean(service.currentCall);
}

function highlightSpeaker(userId) {
  ui.speaker = userId;
  for (const tile of ui.tiles.values()) {
    tile.el.classList.toggle('speaking', tile.userId === userId);
  }
}

// ------------------------------------------------------------------------------------------------
// Calls

function inCallUi(call, text) {
  ui.left.clear();
  ui.lastCallId = call.call_id;
  $('#controls').hidden = false;
  $('#quality-form').hidden = true;
  $('#quality-result').hidden = true;
  $('#btn-mute').textContent = 'Mute';
  $('#btn-camera').textContent = 'Camera off';
  $('#btn-camera').disabled = call.type !== 'video';
  $('#btn-screen').textContent = 'Share screen';
  addTile('local', ui.userId, service.localStream, { local: true, label: `${ui.userId} (you)` });
  setStatus(text);
}

function others(call) {
  return (call.participants || []).filter((p) => p !== ui.userId).join(', ');
}

// The status line of a live call: without those who left a group call.
function stillInCall(call) {
  const names = (call.participants || []).filter((p) => p !== ui.userId && !ui.left.has(p));
  return names.join(', ') || 'nobody';
}

function startTimer() {
  ui.callStartedAt = Date.now();
  clearInterval(ui.timer);
  ui.timer = setInterval(() => {
    const call = service.currentCall;
    if (!call) return;
    setStatus(`In call with ${stillInCall(call)} · ${fmtDuration((Date.now() - ui.callStartedAt) / 1000)}`);
  }, 1000);
}

async function startCall(type) {
  const participants = [...ui.selected];
  if (!participants.length) {
    toast('Tick at least one person first', 'warn');
    return;
  }
  service.configure({ mediaPreset: $('#video-preset').value });
  try {
    const call = await service.initiateCall({ type, participants });
    inCallUi(call, `Calling ${others(call)}…`);
    if (call.mode === 'sfu') startTimer();
  } catch (err) {
    toast(`Call failed: ${err.message}`, 'error');
  }
}

function callOver(text) {
  clearInterval(ui.timer);
  ui.speaker = null;
  clearTiles();
  $('#controls').hidden = true;
  $('#call-stats').textContent = '';
  delete $('#call-stats').dataset.quality;
  setStatus(text);
  layoutTiles();
  if (ui.lastCallId) {
    $('#quality-form').hidden = false;
    $('#quality-form').dataset.callId = ui.lastCallId;
  }
  setTimeout(loadHistory, 300);
}

function showIncoming(data) {
  ui.incoming = data;
  $('#incoming-caller').textContent = data.caller_id;
  const group = data.participants?.length > 2 ? ` with ${data.participants.length - 1} others` : '';
  $('#incoming-type').textContent = `(${data.type}${group})`;
  $('#incoming').hidden = false;
}

function hideIncoming() {
  ui.incoming = null;
  $('#incoming').hidden = true;
}

async function answer(accept) {
  const data = ui.incoming;
  hideIncoming();
  if (!data) return;
  try {
    service.configure({ mediaPreset: $('#video-preset').value });
    const call = await service.answerCall(data.call_id, accept);
    if (accept) {
      inCallUi(call, `In call with ${others(call)}`);
      startTimer();
    } else {
      toast(`Rejected the call from ${data.caller_id}`);
      setTimeout(loadHistory, 300);
    }
  } catch (err) {
    toast(`Could not answer: ${err.message}`, 'error');
  }
}

service.onIncomingCall = (data) => {
  if (service.currentCall || ui.incoming) {
    toast(`${data.caller_id} is calling (you are busy)`, 'warn');
    return;
  }
  showIncoming(data);
};
service.onCallAccepted = (data) => {
  toast(`${data.user_id} accepted`);
  if (!ui.callStartedAt || service.currentCall?.mode !== 'sfu') startTimer();
};
service.onCallRejected = (data) => {
  toast(`${data.user_id} rejected the call`, 'warn');
  setStatus(`${data.user_id} rejected the call`);
};
service.onCallEnded = (data) => {
  if (ui.incoming && ui.incoming.call_id === data.call_id) {
    hideIncoming();
    toast(data.reason === 'answered_elsewhere' ? 'Answered on another device' : 'Missed call');
    return;
  }
  const by = data.local ? 'you' : data.ended_by;
  const why = data.reason === 'rejected' ? `${data.ended_by} rejected the call` : `Call ended by ${by || 'the server'}`;
  callOver(why);
};
service.onCallAnsweredElsewhere = () => hideIncoming();
service.onRemoteStream = ({ userId, stream, source }) => {
  const label = source === 'screen' ? `${userId} (screen)` : userId;
  addTile(stream.id, userId, stream, { label });
};
service.onRemoteStreamRemoved = ({ stream }) => removeTile(stream.id);
service.onParticipantJoined = ({ userId }) => {
  ui.left.delete(userId);
  toast(`${userId} joined`);
};
service.onParticipantLeft = ({ userId, reason }) => {
  ui.left.add(userId);
  toast(`${userId} left${reason ? ` (${reason})` : ''}`);
};
service.onActiveSpeaker = ({ userId }) => highlightSpeaker(userId);
service.onQualityStats = (s) => {
  if (!service.currentCall) return;
  const rtt = s.rttMs === null ? '–' : `${s.rttMs} ms`;
  const el = $('#call-stats');
  el.textContent = `↑ ${s.sendKbps} kbps  ↓ ${s.recvKbps} kbps  loss ${s.lossPct.toFixed(1)}%  rtt ${rtt}`;
  el.dataset.quality = s.quality;
};
service.onConnectionStateChange = ({ kind, state }) => {
  if (kind === 'socket') $('#socket-dot').className = `dot ${state === 'connected' ? 'on' : 'warn'}`;
  if (kind === 'media' && state === 'failed') toast('Media connection failed, retrying…', 'warn');
};
service.onError = ({ message }) => toast(message, 'error');

// ------------------------------------------------------------------------------------------------
// History and quality reports

async function loadHistory() {
  if (!service.token) return;
  let res;
  try {
    res = await service.getCallHistory({ limit: 10 });
  } catch {
    return;
  }
  const body = $('#history tbody');
  body.replaceChildren();
  for (const call of res.calls || []) {
    const tr = document.createElement('tr');
    tr.dataset.callId = call.call_id;
    const when = new Date(call.started_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
    const cells = [when, others(call), call.type, call.status, fmtDuration(call.duration)];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      td.title = text;
      tr.append(td);
    }
    tr.children[1].className = 'with';
    tr.lastChild.className = 'duration';
    body.append(tr);
  }
  if (!body.children.length) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td colspan="5" class="muted small">No calls yet.</td>';
    body.append(tr);
  }
}

async function submitQuality(ev) {
  ev.preventDefault();
  const form = $('#quality-form');
  const data = new FormData(form);
  const report = {
    video_quality: data.get('video_quality'),
    audio_quality: data.get('audio_quality'),
    connection_quality: data.get('connection_quality'),
    issues: data.getAll('issues'),
  };
  try {
    await service.reportCallQuality(form.dataset.callId, report);
    form.hidden = true;
    $('#quality-result').textContent = 'Thanks, your report was saved.';
    $('#quality-result').hidden = false;
  } catch (err) {
    toast(`Report failed: ${err.message}`, 'error');
  }
}

// ------------------------------------------------------------------------------------------------
// Wiring

$('#signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  signInWithName($('#signin-name').value.trim());
});
$('#jwt-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('#jwt-token').value.trim();
  const user = tokenUser(token);
  if (!user) return showSigninError('That does not look like a JWT with a sub or user_id claim.');
  startSession(token, user);
});
$('#btn-signout').addEventListener('click', signOut);
$('#add-person').addEventListener('submit', (ev) => {
  ev.preventDefault();
  addContact($('#add-person-name').value);
  $('#add-person-name').value = '';
});
$('#btn-audio-call').addEventListener('click', () => startCall('audio'));
$('#btn-video-call').addEventListener('click', () => startCall('video'));
$('#btn-accept').addEventListener('click', () => answer(true));
$('#btn-reject').addEventListener('click', () => answer(false));
$('#btn-hangup').addEventListener('click', () => service.endCall());
$('#btn-mute').addEventListener('click', (ev) => {
  ev.target.textContent = service.toggleAudio() ? 'Unmute' : 'Mute';
});
$('#btn-camera').addEventListener('click', (ev) => {
  ev.target.textContent = service.toggleVideo() ? 'Camera off' : 'Camera on';
});
$('#btn-screen').addEventListener('click', async (ev) => {
  try {
    if (service.screenStream) {
      await service.stopScreenShare();
      ev.target.textContent = 'Share screen';
    } else {
      await service.startScreenShare();
      ev.target.textContent = 'Stop sharing';
      service.screenStream?.getVideoTracks()[0]?.addEventListener('ended', () => {
        ev.target.textContent = 'Share screen';
      });
    }
  } catch (err) {
    toast(`Screen share: ${err.message}`, 'error');
  }
});
$('#btn-history-refresh').addEventListener('click', loadHistory);
$('#quality-form').addEventListener('submit', submitQuality);
$('#btn-quality-skip').addEventListener('click', () => {
  $('#quality-form').hidden = true;
});

const saved = JSON.parse(sessionStorage.getItem('demo.session') || 'null');
if (saved?.token) startSession(saved.token, saved.userId);
