// The wschat web page: sign-in, rooms, DMs, members, typing, history, connection state.
// All protocol work is in wschat.js; this file only keeps the screen in step with it.
// Every piece of user data reaches the DOM through textContent (el() below), never as HTML.
import { connect, State, decodeJwt } from './wschat.js';

const $ = id => document.getElementById(id);
const HISTORY_PAGE = 50;        // messages per history request (PROTOCOL.md §3 allows 1..100)
const TYPING_SEND_EVERY = 3000; // while typing, tell the room at most this often
const TYPING_IDLE = 4000;       // no key for this long: tell the room we stopped
const TYPING_SHOW = 6000;       // someone's "typing" expires if not repeated within this
const ROOM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

let config = { development: false, tokenUrl: null };
let app = null; // the signed-in session, or null on the sign-in screen

// Creates an element. Strings become text nodes and 'text' sets textContent: user data is never parsed as HTML.
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// ---- sign-in ---------------------------------------------------------------------------------------------

async function loadConfig() {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (response.ok) return { ...config, ...(await response.json()) };
  } catch { /* an older server without /config.json: token sign-in only */ }
  return config;
}

async function fetchToken(url, init) {
  const response = await fetch(url, { cache: 'no-store', ...init });
  if (!response.ok) throw new Error(`token endpoint answered HTTP ${response.status}`);
  const type = response.headers.get('content-type') || '';
  const token = type.includes('json') ? (await response.json()).token : (await response.text()).trim();
  if (!token) throw new Error('token endpoint returned no token');
  return token;
}

const devTokenUrl = name => '/dev/token?user=' + encodeURIComponent(name);

function showSignIn(error) {
  $('app').hidden = true;
  $('signin').hidden = false;
  const dev = !!config.development;
  $('signin-dev').hidden = !dev;
  $('signin-name').required = dev;
  $('signin-token').hidden = dev || !!config.tokenUrl;
  $('signin-hint').textContent = dev ? 'Pick a name to start chatting.'
    : config.tokenUrl ? 'Sign in with your account.' : 'Sign in with an access token.';
  $('signin-error').hidden = !error;
  $('signin-error').textContent = error || '';
  $('signin-submit').disabled = false;
  (dev ? $('signin-name') : $('signin-token-input')).focus();
}

async function onSignInSubmit(event) {
  event.preventDefault();
  $('signin-submit').disabled = true;
  $('signin-error').hidden = true;
  let session;
  if (config.development) session = { mode: 'dev', name: $('signin-name').value.trim() };
  else if (config.tokenUrl) session = { mode: 'url' };
  else session = { mode: 'token', token: $('signin-token-input').value.trim() };
  try { await signIn(session); }
  catch (e) { showSignIn(e.message || String(e)); }
}

// Turns a session into a token source; the first token is fetched now so that a bad name or token fails here.
async function tokenSource(session) {
  if (session.mode === 'token') {
    if (!decodeJwt(session.token)) throw new Error('That does not look like a token (a JWT has three dot-separated parts).');
    return { token: session.token };
  }
  const fetchOne = session.mode === 'dev'
    ? () => fetchToken(devTokenUrl(session.name), { method: 'GET' })
    : () => fetchToken(config.tokenUrl, { credentials: 'include' });
  let first = await fetchOne();
  return { tokenProvider: async () => { if (first) { const t = first; first = null; return t; } return fetchOne(); } };
}

async function signIn(session) {
  const source = await tokenSource(session);
  localStorage.setItem('wschat.session', JSON.stringify(session));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = connect(config.wsUrl || `${scheme}//${location.host}/ws`, source);
  app = {
    client, session, me: null, convs: new Map(), active: null, started: false,
    typingSentAt: 0, typingIdle: null, stateTicker: null,
  };
  wire(client);
  $('signin').hidden = true;
  $('app').hidden = false;
  renderConn();
}

function signOut() {
  localStorage.removeItem('wschat.session');
  teardown();
  showSignIn();
}

function teardown() {
  const current = app;
  if (!current) return;
  app = null; // first, so that the close below is not taken for a failed sign-in
  current.client.close();
  clearInterval(current.stateTicker);
  clearTimeout(current.typingIdle);
  $('panes').replaceChildren();
  $('room-list').replaceChildren();
  $('dm-list').replaceChildren();
  $('member-list').replaceChildren();
  $('typing').textContent = '';
  document.title = 'wschat';
}

// ---- client events ---------------------------------------------------------------------------------------

function wire(client) {
  client.on('state', () => { renderConn(); renderComposer(); renderOutbox(); });
  client.on('welcome', onWelcome);
  client.on('joined', onJoined);
  client.on('message', m => onChatMessage(roomConv(m.room), m));
  client.on('dm', m => onChatMessage(dmConv(m.peer, m.from_id === app.me?.user_id ? null : m.from), m));
  client.on('presence', onPresence);
  client.on('typing', onTyping);
  client.on('error', e => toast(describeError(e)));
  client.on('reset', r => {
    // The server lost its history (it restarted without storage) and ids start again: forget the old ones,
    // or new messages that reuse them would be taken for duplicates.
    const conv = app.convs.get(r.room != null ? 'room:' + r.room : 'dm:' + r.dm);
    if (!conv) return;
    conv.items.clear();
    conv.ids = [];
    addNotice(conv, 'The server restarted without its history.');
  });
  // wschat.js retries everything except a refused token: that is the only way it closes by itself.
  client.on('state', s => { if (s.state === State.Closed && app?.client === client) failSignIn(s.reason); });
}

function failSignIn(reason) {
  localStorage.removeItem('wschat.session');
  teardown();
  showSignIn(reason || 'Could not sign in.');
}

function onWelcome(welcome) {
  app.me = { user_id: welcome.user_id, username: welcome.username };
  $('me-name').textContent = welcome.username;
  paintAvatar($('me-avatar'), welcome.username, welcome.user_id);
  if (app.started) return; // a reconnect: wschat.js rejoins the rooms and recovers what was missed
  app.started = true;
  const saved = loadSaved();
  for (const dm of saved.dms) dmConv(dm.peer, dm.name);
  const rooms = saved.rooms.length ? saved.rooms : ['general'];
  for (const room of rooms) joinRoom(room, { activate: room === (saved.active || rooms[0]) });
}

function onJoined(joined) {
  const conv = roomConv(joined.room);
  conv.joined = true;
  conv.members = new Map(joined.users.map(u => [u.user_id, { username: u.username, online: true }]));
  if (!joined.reset && conv.historyLoaded && joined.recovered === false) {
    addNotice(conv, 'Some messages sent while you were away could not be recovered. Scroll up for history.');
  }
  if (!conv.historyLoaded) loadOlder(conv);
  if (conv === app.active) { renderMembers(); renderHeader(); }
  renderComposer();
}

function onChatMessage(conv, m) {
  if (!renderMessage(conv, m)) return;
  if (m.from_id === app.me?.user_id) {
    // Our own message is back from the server: its outbox copy can go (its ack may still be on the way).
    const pending = [...conv.outbox.values()].find(p => p.text === m.text && !p.failed);
    if (pending) dropOutbox(conv, pending);
  } else if (conv !== app.active || document.hidden) {
    conv.unread++;
    renderConvItem(conv);
    renderTitle();
  }
  if (conv.typing.delete(m.from_id) && conv === app.active) renderTyping();
}

function onPresence(p) {
  const conv = app.convs.get('room:' + p.room);
  if (!conv) return;
  conv.members.set(p.user_id, { username: p.user, online: p.status === 'online' });
  if (p.status !== 'online') conv.typing.delete(p.user_id);
  if (conv === app.active) { renderMembers(); renderTyping(); renderHeader(); }
}

function onTyping(t) {
  const conv = app.convs.get('room:' + t.room);
  if (!conv || t.user_id === app.me?.user_id) return;
  if (t.status) conv.typing.set(t.user_id, { name: t.user, until: Date.now() + TYPING_SHOW });
  else conv.typing.delete(t.user_id);
  if (conv === app.active) renderTyping();
}

function describeError(e) {
  switch (e.code) {
    case 'rate_limited': return 'Slow down: too many messages. Try again in a moment.';
    case 'too_large': return 'That message is too long.';
    case 'not_member': return 'You are not in that room any more.';
    case 'user_not_found': return 'That user is not online.';
    case 'server_busy': return 'The server is busy; try again shortly.';
    case 'too_many_rooms': return 'You are in too many rooms.';
    default: return e.message || e.code || 'Something went wrong.';
  }
}

// ---- conversations ---------------------------------------------------------------------------------------

function newConv(key, kind, name, peer) {
  const list = el('div', { class: 'messages', role: 'log', 'aria-label': 'Messages' });
  const outboxList = el('div', { class: 'outbox', 'aria-label': 'Sending' });
  const pane = el('div', { class: 'conv-pane', dataset: { conv: key }, hidden: '' }, list, outboxList);
  $('panes').append(pane);
  const conv = {
    key, kind, name, peer, pane, list, outboxList, joined: false,
    items: new Map(), ids: [],  // message id -> element, and the ids in order: each message shows once
    outbox: new Map(),          // local id -> { text, node, failed }: sent, not yet confirmed
    members: new Map(), typing: new Map(),
    hasMore: null, loading: false, historyLoaded: false, unread: 0, scrollTop: null, item: null,
  };
  app.convs.set(key, conv);
  conv.item = el('li', { class: 'conv-item', dataset: { conv: key }, onclick: () => setActive(conv) });
  (kind === 'room' ? $('room-list') : $('dm-list')).append(conv.item);
  renderConvItem(conv);
  return conv;
}

function roomConv(room) { return app.convs.get('room:' + room) || newConv('room:' + room, 'room', room, null); }

function dmConv(peer, name) {
  const conv = app.convs.get('dm:' + peer);
  if (conv) {
    if (name && conv.name !== name) { conv.name = name; renderConvItem(conv); if (conv === app.active) renderHeader(); }
    return conv;
  }
  const created = newConv('dm:' + peer, 'dm', name || knownName(peer) || peer, peer);
  save();
  return created;
}

function knownName(userId) {
  for (const conv of app.convs.values()) { const m = conv.members.get(userId); if (m) return m.username; }
  return null;
}

function isOnline(userId) {
  for (const conv of app.convs.values()) if (conv.kind === 'room' && conv.members.get(userId)?.online) return true;
  return false;
}

async function joinRoom(room, { activate = true } = {}) {
  const conv = roomConv(room);
  if (activate) setActive(conv);
  save();
  try { await app.client.join(room); }
  catch (e) {
    if (!app || e.code === 'closed') return;
    toast(`Could not join ${room}: ${describeError(e)}`);
    removeConv(conv);
  }
}

async function leaveRoom(conv) {
  removeConv(conv);
  try { await app.client.leave(conv.name); } catch { /* gone either way */ }
}

function removeConv(conv) {
  app.convs.delete(conv.key);
  conv.pane.remove();
  conv.item.remove();
  if (app.active === conv) {
    app.active = null;
    const next = [...app.convs.values()][0];
    if (next) setActive(next); else { renderHeader(); renderMembers(); renderComposer(); renderOlder(); }
  }
  save();
}

function setActive(conv) {
  const previous = app.active;
  if (previous === conv) return;
  if (previous) { previous.scrollTop = atBottom() ? null : $('scroller').scrollTop; previous.pane.hidden = true; previous.item.classList.remove('active'); }
  app.active = conv;
  conv.pane.hidden = false;
  conv.item.classList.add('active');
  conv.unread = 0;
  renderConvItem(conv);
  renderTitle();
  renderHeader(); renderMembers(); renderTyping(); renderComposer(); renderOlder();
  if (conv.scrollTop == null) scrollToBottom(); else $('scroller').scrollTop = conv.scrollTop;
  if (conv.kind === 'dm' && !conv.historyLoaded) loadOlder(conv);
  save();
  $('composer-input').focus();
}

// ---- messages --------------------------------------------------------------------------------------------

// Inserts a message in id order; false when it is already shown (replays and history overlap live traffic).
function renderMessage(conv, m, { history = false } = {}) {
  if (conv.items.has(m.id)) return false;
  const stick = conv === app.active && !history && atBottom();
  const node = messageNode(m, m.from_id === app.me?.user_id);
  node.dataset.id = String(m.id);
  let lo = 0, hi = conv.ids.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (conv.ids[mid] < m.id) lo = mid + 1; else hi = mid; }
  const after = conv.ids[lo];
  if (after !== undefined) conv.list.insertBefore(node, conv.items.get(after));
  else conv.list.append(node);
  conv.ids.splice(lo, 0, m.id);
  conv.items.set(m.id, node);
  if (conv === app.active) { $('empty').hidden = true; if (stick) scrollToBottom(); }
  return true;
}

function messageNode(m, mine) {
  const when = new Date(m.timestamp ?? Date.now());
  const time = el('time', { class: 'msg-time', datetime: when.toISOString(), title: when.toLocaleString(), text: formatTime(when) });
  return el('div', { class: 'msg' + (mine ? ' mine' : ''), dataset: { from: m.from_id } },
    paintAvatar(el('span', { class: 'avatar', 'aria-hidden': 'true' }), m.from, m.from_id),
    el('div', { class: 'msg-body' },
      el('div', { class: 'msg-head' }, el('span', { class: 'msg-author', text: m.from }), time),
      el('div', { class: 'msg-text', text: m.text })));
}

function addNotice(conv, text) {
  conv.list.append(el('div', { class: 'notice', text }));
  if (conv === app.active) scrollToBottom();
}

async function loadOlder(conv) {
  if (conv.loading || conv.hasMore === false || !app) return;
  conv.loading = true;
  renderOlder();
  const before = conv.ids.length ? conv.ids[0] : undefined;
  const query = conv.kind === 'room' ? { room: conv.name, before, limit: HISTORY_PAGE } : { dm: conv.peer, before, limit: HISTORY_PAGE };
  try {
    const page = await app.client.history(query);
    const scroller = $('scroller');
    const keepBottom = !conv.historyLoaded || atBottom();
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    for (const m of page.messages) renderMessage(conv, m, { history: true });
    conv.hasMore = !!page.has_more;
    conv.historyLoaded = true;
    if (conv === app.active) {
      // Older messages went in above: keep what the reader was looking at where it was.
      if (keepBottom) scrollToBottom(); else scroller.scrollTop = scroller.scrollHeight - fromBottom;
    }
  } catch (e) {
    if (e.code !== 'closed') toast('Could not load history: ' + describeError(e));
  } finally {
    conv.loading = false;
    if (app && conv === app.active) renderOlder();
  }
}

// ---- sending ---------------------------------------------------------------------------------------------

let outboxCounter = 0;

function send(conv, text) {
  const entry = { id: ++outboxCounter, text, failed: false, node: null };
  entry.node = messageNode({ from: app.me?.username || '…', from_id: app.me?.user_id, text }, true);
  entry.node.classList.add('pending');
  conv.outbox.set(entry.id, entry);
  conv.outboxList.append(entry.node);
  renderOutboxEntry(entry);
  scrollToBottom();
  const promise = conv.kind === 'room' ? app.client.send(conv.name, text) : app.client.dm(conv.peer, text);
  promise.then(() => dropOutbox(conv, entry), error => {
    if (!conv.outbox.has(entry.id)) return;
    entry.failed = true;
    entry.error = describeError(error);
    renderOutboxEntry(entry, conv);
  });
}

function dropOutbox(conv, entry) {
  conv.outbox.delete(entry.id);
  entry.node.remove();
}

function renderOutbox() {
  if (!app) return;
  for (const conv of app.convs.values()) for (const entry of conv.outbox.values()) renderOutboxEntry(entry, conv);
}

function renderOutboxEntry(entry, conv) {
  const time = entry.node.querySelector('.msg-time');
  entry.node.classList.toggle('failed', entry.failed);
  entry.node.querySelector('.msg-actions')?.remove();
  if (!entry.failed) {
    time.textContent = app.client.state === State.Open ? 'sending…' : 'waiting for connection…';
    return;
  }
  time.textContent = 'not sent: ' + entry.error;
  const actions = el('span', { class: 'msg-actions' },
    el('button', { type: 'button', class: 'link', text: 'Retry', onclick: () => { dropOutbox(conv, entry); send(conv, entry.text); } }),
    el('button', { type: 'button', class: 'link', text: 'Discard', onclick: () => dropOutbox(conv, entry) }));
  time.after(actions);
}

function onComposerSubmit(event) {
  event.preventDefault();
  const input = $('composer-input');
  const text = input.value;
  if (!app?.active || !text.trim()) return;
  input.value = '';
  autosize();
  stopTyping();
  send(app.active, text);
}

function onComposerKey(event) {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); $('composer').requestSubmit(); }
}

function onComposerInput() {
  autosize();
  const conv = app?.active;
  if (!conv || conv.kind !== 'room') return;
  if (!$('composer-input').value) { stopTyping(); return; }
  const now = Date.now();
  if (now - app.typingSentAt > TYPING_SEND_EVERY && app.client.typing(conv.name, true)) { app.typingSentAt = now; app.typingRoom = conv.name; }
  clearTimeout(app.typingIdle);
  app.typingIdle = setTimeout(stopTyping, TYPING_IDLE);
}

function stopTyping() {
  if (!app) return;
  clearTimeout(app.typingIdle);
  if (app.typingSentAt && app.typingRoom) app.client.typing(app.typingRoom, false);
  app.typingSentAt = 0;
  app.typingRoom = null;
}

function autosize() {
  const input = $('composer-input');
  input.style.height = 'auto';
  input.style.height = Math.min(input.scrollHeight + 2, 144) + 'px';
}

// ---- rendering -------------------------------------------------------------------------------------------

function renderConn() {
  if (!app) return;
  const client = app.client;
  const box = $('conn');
  box.dataset.state = client.state;
  $('conn-retry').hidden = client.state !== State.Reconnecting;
  clearInterval(app.stateTicker);
  const text = {
    [State.Connecting]: 'Connecting…',
    [State.Authenticating]: 'Signing in…',
    [State.Open]: 'Connected',
    [State.Closed]: 'Disconnected',
  }[client.state];
  if (client.state !== State.Reconnecting) { $('conn-text').textContent = text; return; }
  const tick = () => {
    const seconds = Math.max(0, Math.ceil((client.nextRetryAt - Date.now()) / 1000));
    $('conn-text').textContent = seconds > 0 ? `Reconnecting in ${seconds} s…` : 'Reconnecting…';
  };
  tick();
  app.stateTicker = setInterval(tick, 500);
}

function renderConvItem(conv) {
  const sigil = conv.kind === 'room' ? '#' : '@';
  const parts = [
    el('span', { class: 'sigil', 'aria-hidden': 'true', text: sigil }),
    el('span', { class: 'conv-name', text: conv.name })];
  if (conv.unread) parts.push(el('span', { class: 'badge', 'aria-label': `${conv.unread} unread`, text: String(conv.unread) }));
  conv.item.replaceChildren(...parts);
  conv.item.title = (conv.kind === 'room' ? 'Room ' : 'Direct messages with ') + conv.name;
}

function renderHeader() {
  const conv = app.active;
  $('leave').hidden = !conv || conv.kind !== 'room';
  if (!conv) { $('conv-title').textContent = 'No conversation'; $('conv-subtitle').textContent = 'Join a room to start.'; return; }
  $('conv-title').textContent = (conv.kind === 'room' ? '# ' : '@ ') + conv.name;
  if (conv.kind === 'room') {
    const online = [...conv.members.values()].filter(m => m.online).length;
    $('conv-subtitle').textContent = conv.joined ? `${online} online` : 'joining…';
  } else {
    $('conv-subtitle').textContent = 'Direct messages' + (isOnline(conv.peer) ? ' · online' : '');
  }
  $('composer-input').placeholder = `Message ${conv.kind === 'room' ? '#' : '@'}${conv.name}`;
}

function renderMembers() {
  const list = $('member-list');
  const conv = app.active;
  let members = [];
  if (conv?.kind === 'room') members = [...conv.members].map(([id, m]) => ({ id, name: m.username, online: m.online }));
  else if (conv?.kind === 'dm') {
    members = [{ id: conv.peer, name: conv.name, online: isOnline(conv.peer) }];
    if (app.me && app.me.user_id !== conv.peer) members.push({ id: app.me.user_id, name: app.me.username, online: true });
  }
  members.sort((a, b) => (b.online - a.online) || a.name.localeCompare(b.name));
  $('member-count').textContent = members.length ? String(members.filter(m => m.online).length) : '';
  list.replaceChildren(...members.map(m => {
    const self = m.id === app.me?.user_id;
    return el('li', {
      class: 'member' + (self ? ' self' : ''), dataset: { userId: m.id, status: m.online ? 'online' : 'offline' },
      title: self ? 'You' : `Message ${m.name}`, onclick: self ? null : () => setActive(dmConv(m.id, m.name)),
    },
    el('span', { class: 'presence', 'aria-label': m.online ? 'online' : 'offline' }),
    el('span', { class: 'member-name', text: m.name }),
    self ? el('span', { class: 'you muted small', text: 'you' }) : undefined);
  }));
}

function renderTyping() {
  const conv = app?.active;
  const now = Date.now();
  const names = [];
  if (conv) for (const [id, t] of conv.typing) { if (t.until < now) conv.typing.delete(id); else names.push(t.name); }
  $('typing').textContent =
    names.length === 0 ? '' :
    names.length === 1 ? `${names[0]} is typing…` :
    names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
}

function renderComposer() {
  if (!app) return;
  const usable = !!app.active && app.client.state !== State.Closed;
  $('composer-input').disabled = !usable;
  $('composer-send').disabled = !usable;
}

function renderOlder() {
  const conv = app?.active;
  const older = $('older');
  const empty = $('empty');
  if (!conv) { older.hidden = true; empty.hidden = true; return; }
  older.hidden = !conv.loading && conv.hasMore !== true && !(conv.hasMore === false && conv.ids.length);
  const button = $('older-button');
  button.disabled = conv.loading || conv.hasMore === false;
  button.textContent = conv.loading ? 'Loading…' : conv.hasMore ? 'Load older messages' : `This is the beginning of ${conv.kind === 'room' ? '#' : '@'}${conv.name}.`;
  button.classList.toggle('muted', conv.hasMore === false);
  empty.hidden = !(conv.historyLoaded && conv.ids.length === 0 && conv.outbox.size === 0);
}

function renderTitle() {
  let unread = 0;
  for (const conv of app.convs.values()) unread += conv.unread;
  document.title = unread ? `(${unread}) wschat` : 'wschat';
}

let toastTimer = null;
function toast(text) {
  const box = $('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

function paintAvatar(node, name, id) {
  node.textContent = (name || '?').trim().charAt(0) || '?';
  let hash = 0;
  for (const ch of String(id ?? name)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  node.style.background = `hsl(${hash % 360} 52% 46%)`;
  return node;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
function formatTime(date) {
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

function atBottom() {
  const s = $('scroller');
  return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
}

function scrollToBottom() { const s = $('scroller'); s.scrollTop = s.scrollHeight; }

// ---- saved state (rooms and DMs survive a reload) -------------------------------------------------------

function storageKey() { return 'wschat.convs.' + (app.session.name || app.me?.user_id || 'token'); }

function loadSaved() {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey()) || 'null');
    if (saved && Array.isArray(saved.rooms) && Array.isArray(saved.dms)) {
      return { rooms: saved.rooms.filter(r => ROOM_NAME.test(r)), dms: saved.dms.filter(d => d && d.peer), active: saved.active };
    }
  } catch { /* unreadable: start afresh */ }
  return { rooms: [], dms: [], active: null };
}

function save() {
  if (!app?.started) return;
  const rooms = [], dms = [];
  for (const conv of app.convs.values()) {
    if (conv.kind === 'room') rooms.push(conv.name); else dms.push({ peer: conv.peer, name: conv.name });
  }
  localStorage.setItem(storageKey(), JSON.stringify({ rooms, dms, active: app.active?.kind === 'room' ? app.active.name : null }));
}

// ---- start -----------------------------------------------------------------------------------------------

function bindUi() {
  $('signin-form').addEventListener('submit', onSignInSubmit);
  $('signout').addEventListener('click', signOut);
  $('conn-retry').addEventListener('click', () => app?.client.reconnectNow());
  $('composer').addEventListener('submit', onComposerSubmit);
  $('composer-input').addEventListener('keydown', onComposerKey);
  $('composer-input').addEventListener('input', onComposerInput);
  $('leave').addEventListener('click', () => { if (app?.active?.kind === 'room') leaveRoom(app.active); });
  $('older-button').addEventListener('click', () => app?.active && loadOlder(app.active));
  $('scroller').addEventListener('scroll', () => {
    const conv = app?.active;
    if (conv && conv.hasMore && !conv.loading && $('scroller').scrollTop < 60) loadOlder(conv);
  });
  $('join-form').addEventListener('submit', event => {
    event.preventDefault();
    const input = $('join-room-input');
    const room = input.value.trim();
    if (!ROOM_NAME.test(room) || !app) return;
    input.value = '';
    const existing = app.convs.get('room:' + room);
    if (existing) setActive(existing); else joinRoom(room);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && app?.active) { app.active.unread = 0; renderConvItem(app.active); renderTitle(); }
  });
  setInterval(() => { if (app?.active?.typing.size) renderTyping(); }, 1000);
}

async function main() {
  bindUi();
  config = await loadConfig();
  let session = null;
  try { session = JSON.parse(localStorage.getItem('wschat.session') || 'null'); } catch { /* start afresh */ }
  if (session?.name) $('signin-name').value = session.name;
  if (session && (session.mode !== 'dev' || config.development)) {
    try { await signIn(session); return; }
    catch (e) { showSignIn(e.message); return; }
  }
  showSignIn();
}

// For the console and tests: the live client of the signed-in session.
globalThis.wschatPage = { get client() { return app?.client ?? null; } };

main();
