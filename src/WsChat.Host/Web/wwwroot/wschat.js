// wschat.js — the JavaScript client of the wschat protocol (docs/protocol.md), for browser apps.
// An ES module with no dependencies; it runs in any browser with WebSocket, and in node >= 22 (global
// WebSocket) or with any WHATWG-compatible WebSocket class passed as options.WebSocket.
//
//   import { connect } from '/static/wschat.js';
//   const chat = connect('wss://chat.example/ws', { token });
//   chat.on('message', m => console.log(m.room, m.from, m.text));
//   await chat.join('general');
//   await chat.send('general', 'Hello!');
//
// What it does for you (docs/web-client.md has the full API):
// * replies matched to requests by `ref`, as promises (PROTOCOL.md §3);
// * automatic reconnect with exponential backoff and full jitter;
// * recovery: every joined room is joined again with `since` = the last id seen, and DMs are refetched from
//   history, so nothing is missed; events are deduplicated by id, so nothing is delivered twice;
// * messages and DMs not yet acknowledged are sent again after a reconnect with the same `ref`, which the
//   server deduplicates for 2 minutes (PROTOCOL.md §5, idempotent retries).

/** Connection states, in the order a connection normally goes through them. */
export const State = Object.freeze({
  Connecting: 'connecting',       // opening the WebSocket
  Authenticating: 'authenticating', // socket open, waiting for `welcome`
  Open: 'open',                   // `welcome` received: requests flow
  Reconnecting: 'reconnecting',   // lost; waiting out the backoff delay before the next attempt
  Closed: 'closed',               // close() was called, or a failure that retrying cannot fix
});

/** An `error` reply from the server (or a local failure such as a timeout), as a rejected promise's reason. */
export class WsChatError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.name = 'WsChatError';
    this.code = code;                       // PROTOCOL.md §4 error code, or 'timeout' / 'closed' locally
    this.ref = details.ref;
    this.retryAfterMs = details.retry_after_ms;
  }
}

const DEFAULTS = Object.freeze({
  initialDelayMs: 500,     // first retry comes within half a second: most drops are a server restart
  maxDelayMs: 30000,       // cap so that a long outage is still retried twice a minute
  requestTimeoutMs: 15000, // a reply slower than this (while connected) rejects with 'timeout'
  heartbeatMs: 30000,      // replaced by the server's heartbeat_ms from `welcome`
  pongTimeoutMs: 10000,    // an app-level ping unanswered this long means a dead link: reconnect
  dedupeWindow: 5000,      // ids remembered per conversation to drop duplicates
  dmRecoveryLimit: 100,    // DMs refetched per peer after a reconnect (history's maximum, PROTOCOL.md §3)
});

// Commands that the server deduplicates by `ref`, so they can be sent again after a reconnect.
const RETRIABLE = new Set(['message', 'dm']);
// Error codes that say "not now" rather than "no" (PROTOCOL.md §4).
const TRANSIENT = new Set(['rate_limited', 'server_busy', 'internal']);

/** Opens a client; it connects at once and keeps reconnecting until close(). */
export function connect(url, options = {}) {
  return new WsChatClient(url, options);
}

/**
 * A chat connection that survives reconnects. Thread model: the browser's event loop; nothing blocks.
 * Options: token (JWT) | tokenProvider (async () => JWT, called on every connect) | user (development
 * mode only: ?user=NAME); reconnect (bool, default true); initialDelayMs, maxDelayMs, requestTimeoutMs,
 * pongTimeoutMs, dedupeWindow; WebSocket (class, default globalThis.WebSocket); random (() => [0,1)).
 */
export class WsChatClient {
  constructor(url, options = {}) {
    this.url = url;
    this.options = { ...DEFAULTS, reconnect: true, ...options };
    this.state = State.Connecting;
    this.user = null;           // { user_id, username, session } from the last `welcome`
    this.attempt = 0;           // failed attempts since the last `welcome`; drives the backoff
    this.nextRetryAt = 0;       // epoch ms of the next attempt while Reconnecting
    this.lastCloseCode = 0;
    this._listeners = new Map();
    this._ws = null;
    this._refPrefix = randomId() + '-';
    this._refCounter = 0;
    this._pending = new Map();  // ref -> { cmd, resolve, reject, timer, sent }
    this._pings = [];           // pending pings: `pong` carries no ref, so they resolve in order
    this._rooms = new Map();    // room -> { lastId, joined }: rooms to (re)join and the last id seen
    this._dmPeers = new Map();  // peer user id -> last DM id seen
    this._seen = new Map();     // conversation key -> { set, order } of delivered ids
    this._retryTimer = null;
    this._heartbeatTimer = null;
    this._refreshTimer = null;
    this._authFailed = false;
    this._lastReceiveAt = 0;
    this._stopReason = null;
    this._onOnline = () => { if (this.state === State.Reconnecting) this.reconnectNow(); };
    globalThis.addEventListener?.('online', this._onOnline);
    this._open();
  }

  // ---- events -------------------------------------------------------------------------------------------

  /** Subscribes to an event; returns a function that unsubscribes. Events: state, welcome, joined, left,
   *  message, dm, presence, typing, users, error, reset ({ room } or { dm }: the server lost that
   *  conversation's history and reuses its ids). '*' receives every server message. */
  on(type, listener) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) { this._listeners.get(type)?.delete(listener); }

  /** Resolves at the next `welcome` (at once when already open); rejects if the client closes first. */
  ready() {
    if (this.state === State.Open) return Promise.resolve(this.user);
    if (this.state === State.Closed) return Promise.reject(new WsChatError('closed', this._stopReason || 'client closed'));
    return new Promise((resolve, reject) => {
      const offWelcome = this.on('welcome', w => { offWelcome(); offState(); resolve(w); });
      const offState = this.on('state', s => {
        if (s.state === State.Closed) { offWelcome(); offState(); reject(new WsChatError('closed', this._stopReason || 'client closed')); }
      });
    });
  }

  // ---- commands (PROTOCOL.md §3) ------------------------------------------------------------------------

  /** Joins a room (kept joined across reconnects). Resolves with the `joined` reply. */
  join(room, { since } = {}) {
    let entry = this._rooms.get(room);
    if (!entry) { entry = { lastId: since ?? null, joined: false }; this._rooms.set(room, entry); }
    else if (since != null && (entry.lastId == null || since < entry.lastId)) entry.lastId = since;
    const cmd = { type: 'join', room };
    if (entry.lastId != null) cmd.since = entry.lastId;
    return this._request(cmd);
  }

  /** Leaves a room; it is no longer rejoined. Resolves with the `left` reply. */
  leave(room) {
    this._rooms.delete(room);
    this._seen.delete('r:' + room);
    if (this.state !== State.Open) {
      // Not connected: the reconnect will simply not rejoin it, which is leaving.
      this._dropPendingFor(room);
      return Promise.resolve({ type: 'left', room });
    }
    this._dropPendingFor(room);
    return this._request({ type: 'leave', room });
  }

  /** Sends a room message. Resolves with the `ack` ({ ref, id, room }); survives reconnects. */
  send(room, text) { return this._request({ type: 'message', room, text }); }

  /** Sends a direct message to a user id. Resolves with the `ack`; survives reconnects. */
  dm(to, text) { return this._request({ type: 'dm', to, text }); }

  /** Tells the room's other members that we are (or stopped) typing. Fire and forget: returns whether it was sent. */
  typing(room, status = true) {
    if (this.state !== State.Open || !this._rooms.get(room)?.joined) return false;
    return this._sendRaw({ type: 'typing', room, status: !!status });
  }

  /** Resolves with the `users` reply for a room. */
  listUsers(room) { return this._request({ type: 'list_users', room }); }

  /** Resolves with a `history` reply: { room | dm, messages (oldest first), has_more }.
   *  Pass { room } or { dm: userId }, optional before (message id) and limit (1..100). */
  history({ room, dm, before, limit } = {}) {
    const cmd = { type: 'history' };
    if (dm != null) cmd.dm = dm; else cmd.room = room;
    if (before != null) cmd.before = before;
    if (limit != null) cmd.limit = limit;
    return this._request(cmd);
  }

  /** Round trip to the server. Resolves with the `pong`. */
  ping() {
    if (this.state !== State.Open) return Promise.reject(new WsChatError('closed', 'not connected'));
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, timer: null };
      entry.timer = setTimeout(() => {
        this._pings = this._pings.filter(p => p !== entry);
        reject(new WsChatError('timeout', 'no pong'));
      }, this.options.pongTimeoutMs);
      this._pings.push(entry);
      this._sendRaw({ type: 'ping' });
    });
  }

  /** Sends a fresh token for the current connection (PROTOCOL.md §2). Resolves with the `ack`. */
  refreshToken(token) {
    this.options.token = token;
    return this._request({ type: 'auth', token });
  }

  /** Closes for good: no more reconnects; pending requests reject with 'closed'. */
  close(code = 1000, reason = 'bye') {
    this._stop('client closed');
    if (this._ws) { try { this._ws.close(code, reason); } catch { /* already closing */ } }
  }

  /** Drops the current connection as a network failure would, and reconnects through the usual backoff
   *  (queued messages are kept and sent again). For a "reconnect" button, and for tests. */
  reconnect() {
    const ws = this._ws;
    if (!ws) { this.reconnectNow(); return; }
    this._onSocketClosed(4000, 'reconnect requested');
    try { ws.close(4000, 'reconnect'); } catch { /* already closing */ }
  }

  /** Skips the rest of the backoff delay and tries to connect now. */
  reconnectNow() {
    if (this.state !== State.Reconnecting) return;
    clearTimeout(this._retryTimer);
    this._open();
  }

  /** The rooms this client keeps joined, with the last message id seen in each. */
  get rooms() { return [...this._rooms].map(([room, e]) => ({ room, lastId: e.lastId, joined: e.joined })); }

  /** Requests sent or queued whose reply has not come yet (messages waiting for their ack included). */
  get pendingCount() { return this._pending.size; }

  // ---- connection lifecycle -----------------------------------------------------------------------------

  async _open() {
    this._setState(State.Connecting);
    let token = this.options.token;
    if (this.options.tokenProvider) {
      try { token = await this.options.tokenProvider(); this.options.token = token; }
      catch (e) { this._scheduleReconnect(undefined, 'no token: ' + (e?.message || e)); return; } // e.g. the server is down too
      if (this.state === State.Closed) return;
    }
    let url = this.url;
    if (this.options.user && !token) url += (url.includes('?') ? '&' : '?') + 'user=' + encodeURIComponent(this.options.user);
    const Ws = this.options.WebSocket || globalThis.WebSocket;
    let ws;
    try { ws = new Ws(url); }
    catch (e) { this._emit('error', new WsChatError('connect_failed', String(e?.message || e))); this._scheduleReconnect(); return; }
    this._ws = ws;
    ws.onopen = () => {
      if (this._ws !== ws) return;
      this._setState(State.Authenticating);
      // The token goes in the first message, not the URL, so that it stays out of access logs (PROTOCOL.md §2.3).
      if (token) ws.send(JSON.stringify({ type: 'auth', token }));
    };
    ws.onmessage = ev => { if (this._ws === ws) this._onFrame(ev.data); };
    ws.onclose = ev => { if (this._ws === ws) this._onSocketClosed(ev.code, ev.reason); };
    ws.onerror = () => { /* always followed by close */ };
  }

  _onSocketClosed(code, reason) {
    this._ws = null;
    this.lastCloseCode = code;
    clearInterval(this._heartbeatTimer);
    clearTimeout(this._refreshTimer);
    for (const room of this._rooms.values()) room.joined = false;
    for (const p of this._pings) { clearTimeout(p.timer); p.reject(new WsChatError('closed', 'connection lost')); }
    this._pings = [];
    // Requests that cannot be retried safely fail now; messages and DMs wait for the next connection.
    for (const [ref, p] of this._pending) {
      clearTimeout(p.timer); p.timer = null; p.sent = false;
      if (!RETRIABLE.has(p.cmd.type) && p.cmd.type !== 'join') {
        this._pending.delete(ref);
        p.reject(new WsChatError('closed', 'connection lost'));
      }
    }
    if (this.state === State.Closed) return;
    if (code === 1008 && this._authFailed && !this.options.tokenProvider) {
      // A bad token stays bad: retrying would only hammer the server.
      this._stop('authentication failed: ' + (reason || 'unauthenticated'));
      return;
    }
    this._scheduleReconnect(code, reason);
  }

  _scheduleReconnect(code, reason) {
    if (!this.options.reconnect) { this._stop('connection closed' + (reason ? ': ' + reason : '')); return; }
    const delay = backoffDelay(this.attempt, this.options.initialDelayMs, this.options.maxDelayMs, this.options.random);
    this.attempt++;
    this.nextRetryAt = Date.now() + delay;
    this._setState(State.Reconnecting, { code, reason, delayMs: delay });
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => this._open(), delay);
  }

  _stop(reason) {
    if (this.state === State.Closed) return;
    this._stopReason = reason;
    clearTimeout(this._retryTimer);
    clearInterval(this._heartbeatTimer);
    clearTimeout(this._refreshTimer);
    globalThis.removeEventListener?.('online', this._onOnline);
    for (const p of this._pending.values()) { clearTimeout(p.timer); p.reject(new WsChatError('closed', reason)); }
    this._pending.clear();
    for (const p of this._pings) { clearTimeout(p.timer); p.reject(new WsChatError('closed', reason)); }
    this._pings = [];
    this._setState(State.Closed, { reason });
  }

  _setState(state, details = {}) {
    if (this.state === state && state !== State.Reconnecting) return;
    const previous = this.state;
    this.state = state;
    this._emit('state', { state, previous, attempt: this.attempt, ...details });
  }

  _onWelcome(msg) {
    this.user = { user_id: msg.user_id, username: msg.username, session: msg.session };
    this.attempt = 0;
    this._authFailed = false;
    this._setState(State.Open);
    this._startHeartbeat(msg.heartbeat_ms);
    this._scheduleTokenRefresh();
    this._emit('welcome', msg);
    // Recovery: rejoin every room from the last id seen; each room's queued commands follow its `joined`.
    for (const [room, entry] of this._rooms) this._rejoin(room, entry);
    // DMs have no `since`: refetch each conversation's newest page and deliver what was missed.
    for (const peer of this._dmPeers.keys()) this._recoverDms(peer);
    this._flushPending(null);
  }

  // Joins again with `since`, under the ref of a join the app is still waiting for, if any.
  _rejoin(room, entry) {
    const cmd = { type: 'join', room };
    if (entry.lastId != null) cmd.since = entry.lastId;
    for (const [ref, p] of this._pending) {
      if (p.cmd.type === 'join' && p.cmd.room === room) { p.cmd = cmd; this._transmit(ref, p); return; }
    }
    this._request(cmd, { internal: true }).catch(() => { /* reported through the 'error' event */ });
  }

  // The server closes at the token's exp (PROTOCOL.md §5); with a token provider, a fresh token is sent a
  // minute before, so a long session never drops for that.
  _scheduleTokenRefresh() {
    clearTimeout(this._refreshTimer);
    const exp = this.options.tokenProvider ? decodeJwt(this.options.token)?.exp : null;
    if (!exp) return;
    const delay = Math.max(5000, exp * 1000 - Date.now() - 60000);
    this._refreshTimer = setTimeout(async () => {
      if (this.state !== State.Open) return;
      try { await this.refreshToken(await this.options.tokenProvider()); this._scheduleTokenRefresh(); }
      catch (e) { this._emit('error', e instanceof WsChatError ? e : new WsChatError('unauthenticated', 'token refresh failed: ' + (e?.message || e))); }
    }, delay);
  }

  _startHeartbeat(serverMs) {
    clearInterval(this._heartbeatTimer);
    const every = Math.max(1000, Math.min(serverMs || this.options.heartbeatMs, this.options.heartbeatMs));
    this._lastReceiveAt = Date.now();
    // The server's pings are WebSocket control frames that a page never sees, so a silent dead link (a
    // sleeping laptop, a dropped NAT entry) is found by our own `ping` when nothing arrived for a while.
    this._heartbeatTimer = setInterval(() => {
      if (this.state !== State.Open || Date.now() - this._lastReceiveAt < every) return;
      this.ping().catch(() => { if (this._ws && this.state === State.Open) this._ws.close(4000, 'no pong'); });
    }, every);
  }

  async _recoverDms(peer) {
    try {
      const h = await this.history({ dm: peer, limit: this.options.dmRecoveryLimit });
      const messages = h.messages || [];
      const newest = messages.length ? messages[messages.length - 1].id : 0;
      if (newest < (this._dmPeers.get(peer) ?? 0)) {
        // The server has less than we saw: it lost its history (no persistence) and its ids start again.
        this._seen.delete('d:' + peer);
        this._dmPeers.set(peer, newest);
        this._emit('reset', { dm: peer });
      }
      for (const m of messages) this._deliver('dm', { type: 'dm', ...m });
    } catch { /* best effort: the DM conversation stays as it was */ }
  }

  // ---- requests -----------------------------------------------------------------------------------------

  _request(cmd, { internal = false } = {}) {
    const ref = this._refPrefix + (++this._refCounter);
    return new Promise((resolve, reject) => {
      const p = { cmd, resolve, reject, timer: null, sent: false, internal };
      this._pending.set(ref, p);
      if (this.state === State.Closed) { this._pending.delete(ref); reject(new WsChatError('closed', this._stopReason || 'client closed')); return; }
      if (this._canTransmit(cmd)) this._transmit(ref, p);
    });
  }

  // A room command waits until the room is joined on this connection (else the server says not_member).
  _canTransmit(cmd) {
    if (this.state !== State.Open) return false;
    if (cmd.type === 'join' || cmd.type === 'leave' || cmd.type === 'auth' || cmd.room == null) return true;
    const room = this._rooms.get(cmd.room);
    return !room || room.joined;
  }

  _transmit(ref, p) {
    if (!this._sendRaw({ ...p.cmd, ref })) return;
    p.sent = true;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (!this._pending.has(ref)) return;
      this._pending.delete(ref);
      p.reject(new WsChatError('timeout', `no reply to ${p.cmd.type} within ${this.options.requestTimeoutMs} ms`, { ref }));
    }, this.options.requestTimeoutMs);
  }

  _flushPending(room) {
    for (const [ref, p] of this._pending) {
      if (p.sent || p.cmd.type === 'join') continue;
      const r = p.cmd.room;
      // null: what needs no joined room (DMs, auth, commands about rooms we do not keep joined).
      const match = room === null ? (r == null || !this._rooms.has(r)) : r === room;
      if (match && this._canTransmit(p.cmd)) this._transmit(ref, p);
    }
  }

  _dropPendingFor(room) {
    for (const [ref, p] of this._pending) {
      if (p.cmd.room === room && p.cmd.type !== 'leave') {
        clearTimeout(p.timer); this._pending.delete(ref);
        p.reject(new WsChatError('not_member', `left ${room}`, { ref }));
      }
    }
  }

  _sendRaw(obj) {
    const ws = this._ws;
    if (!ws || ws.readyState !== 1) return false;
    try { ws.send(JSON.stringify(obj)); return true; } catch { return false; }
  }

  _settle(msg, ok) {
    if (msg.ref == null) return false;
    const p = this._pending.get(msg.ref);
    if (!p) return false;
    clearTimeout(p.timer);
    this._pending.delete(msg.ref);
    if (ok) p.resolve(msg);
    else p.reject(new WsChatError(msg.code, msg.message, msg));
    return !p.internal;
  }

  // ---- incoming (PROTOCOL.md §4) ------------------------------------------------------------------------

  _onFrame(data) {
    this._lastReceiveAt = Date.now();
    let msg;
    try { msg = JSON.parse(data); } catch { this._emit('error', new WsChatError('bad_frame', 'unparsable server message')); return; }
    if (!msg || typeof msg !== 'object') return;
    this._emit('*', msg);
    switch (msg.type) {
      case 'welcome': this._onWelcome(msg); break;
      case 'joined': this._onJoined(msg); break;
      case 'left': this._settle(msg, true); this._emit('left', msg); break;
      case 'message': this._deliver('message', msg); break;
      case 'dm': this._deliver('dm', msg); break;
      case 'presence': this._emit('presence', msg); break;
      case 'typing': this._emit('typing', msg); break;
      case 'users': this._settle(msg, true); this._emit('users', msg); break;
      case 'history': this._settle(msg, true); break;
      case 'ack': this._settle(msg, true); break;
      case 'pong': { const p = this._pings.shift(); if (p) { clearTimeout(p.timer); p.resolve(msg); } break; }
      case 'error': this._onError(msg); break;
      default: break; // newer servers may add types: ignore them
    }
  }

  _onJoined(msg) {
    const entry = this._rooms.get(msg.room);
    if (entry) {
      entry.joined = true;
      if (entry.lastId == null) entry.lastId = msg.last_id;      // first join: start after what exists now
      else if (msg.last_id < entry.lastId) {
        // The server's ids went backwards: it lost its history (no persistence) and started again. Forget
        // what we saw, or new messages reusing old ids would be dropped as duplicates.
        this._seen.delete('r:' + msg.room);
        entry.lastId = msg.last_id;
        msg = { ...msg, reset: true };
      }
    }
    this._settle(msg, true);
    if (msg.reset) this._emit('reset', { room: msg.room });
    this._emit('joined', msg);
    this._flushPending(msg.room);
  }

  _onError(msg) {
    if (msg.code === 'unauthenticated' && this.state !== State.Open) this._authFailed = true;
    const p = msg.ref != null ? this._pending.get(msg.ref) : null;
    if (p && p.cmd.type === 'join') this._onJoinRefused(p, msg);
    const handled = this._settle(msg, false);
    if (!handled) this._emit('error', new WsChatError(msg.code, msg.message, msg));
  }

  // A rejoin refused for a passing reason (rate limit, storage down) is tried again; any other refusal,
  // or a join the app asked for, gives the room up along with its queued messages.
  _onJoinRefused(p, msg) {
    const room = p.cmd.room;
    if (p.internal && TRANSIENT.has(msg.code)) {
      setTimeout(() => {
        const entry = this._rooms.get(room);
        if (entry && !entry.joined && this.state === State.Open) this._rejoin(room, entry);
      }, msg.retry_after_ms || this.options.initialDelayMs);
      return;
    }
    this._rooms.delete(room);
    queueMicrotask(() => this._dropPendingFor(room));
  }

  // Delivers a room message or DM once: the dedupe window drops ids already delivered (replays after a
  // reconnect overlap with what arrived live), and the last id feeds the next `since`.
  _deliver(kind, msg) {
    let key;
    if (kind === 'message') {
      key = 'r:' + msg.room;
      const entry = this._rooms.get(msg.room);
      if (!entry) return; // a late message of a room we left
      if (entry.lastId == null || msg.id > entry.lastId) entry.lastId = msg.id;
    } else {
      const peer = this.user && msg.from_id === this.user.user_id ? msg.to : msg.from_id;
      key = 'd:' + peer;
      const last = this._dmPeers.get(peer);
      if (last == null || msg.id > last) this._dmPeers.set(peer, msg.id);
      msg = { ...msg, peer };
    }
    if (!this._markSeen(key, msg.id)) return;
    this._emit(kind, msg);
  }

  _markSeen(key, id) {
    let seen = this._seen.get(key);
    if (!seen) { seen = { set: new Set(), order: [] }; this._seen.set(key, seen); }
    if (seen.set.has(id)) return false;
    seen.set.add(id); seen.order.push(id);
    if (seen.order.length > this.options.dedupeWindow) seen.set.delete(seen.order.shift());
    return true;
  }

  _emit(type, payload) {
    const set = this._listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try { fn(payload); } catch (e) { setTimeout(() => { throw e; }); } // a listener's bug must not break the client
    }
  }
}

/** Full-jitter exponential backoff: a uniform delay in [0, min(max, initial * 2^attempt)). */
export function backoffDelay(attempt, initialDelayMs = DEFAULTS.initialDelayMs, maxDelayMs = DEFAULTS.maxDelayMs, random = Math.random) {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor((random || Math.random)() * ceiling);
}

/** Reads a JWT's claims without checking it (the server checks); null when it is not a JWT. */
export function decodeJwt(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent([...atob(part)].map(c => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch { return null; }
}

function randomId() {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID().slice(0, 13).replace('-', '');
  return Math.random().toString(36).slice(2, 14);
}
