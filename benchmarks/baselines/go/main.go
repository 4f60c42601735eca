// gochat: the Go baseline that tools/loadgen compares wschat with. A gorilla/websocket chat written
// the way the library's own chat example is (a read goroutine and a write goroutine per connection,
// a buffered send channel, encoding/json), speaking the subset of PROTOCOL.md the loadgen uses.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/gorilla/websocket"
)

var (
	addr         = flag.String("addr", "127.0.0.1:8082", "listen address")
	secret       = flag.String("secret", "", "HS256 JWT secret (at least 32 bytes)")
	anonymous    = flag.Bool("anonymous", false, "accept ?user=NAME without a token (development mode)")
	historySize  = flag.Int("history", 100, "messages kept per room and DM pair")
	queueSize    = flag.Int("queue", 1024, "messages queued per connection before it is dropped as a slow consumer")
	heartbeat    = flag.Duration("heartbeat", 30*time.Second, "ping interval")
	maxMessage   = flag.Int64("max-message", 64*1024, "largest client message")
	roomNameExpr = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	nextSession  int64
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(r *http.Request) bool { return true },
}

func main() {
	flag.Parse()
	if !*anonymous && len(*secret) < 32 {
		log.Fatal("-secret must be at least 32 bytes (or pass -anonymous)")
	}
	h := newHub()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) { serveWs(h, w, r) })
	log.Printf("gochat listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

func authenticate(r *http.Request) (userID, username string, ok bool) {
	q := r.URL.Query()
	if *anonymous && q.Get("user") != "" {
		return q.Get("user"), q.Get("user"), true
	}
	raw := q.Get("token")
	if raw == "" {
		return "", "", false
	}
	claims := jwt.MapClaims{}
	token, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (interface{}, error) {
		return []byte(*secret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	if err != nil || !token.Valid {
		return "", "", false
	}
	// PROTOCOL.md §2 and §5: exp required, nbf optional, 30 s of clock skew either way.
	const skew = 30
	now := time.Now().Unix()
	if !claims.VerifyExpiresAt(now-skew, true) || !claims.VerifyNotBefore(now+skew, false) {
		return "", "", false
	}
	sub, _ := claims["sub"].(string)
	name, _ := claims["name"].(string)
	if name == "" {
		name = sub
	}
	return sub, name, sub != ""
}

func serveWs(h *hub, w http.ResponseWriter, r *http.Request) {
	userID, username, ok := authenticate(r)
	if !ok {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &client{
		hub:      h,
		conn:     conn,
		send:     make(chan []byte, *queueSize),
		session:  atomic.AddInt64(&nextSession, 1),
		userID:   userID,
		username: username,
		rooms:    map[string]*room{},
	}
	h.addUser(c)
	c.sendJSON(welcome{Type: "welcome", UserID: userID, Username: username,
		Session: fmt.Sprintf("c%d", c.session), HeartbeatMs: heartbeat.Milliseconds()})
	go c.writePump()
	c.readPump()
}

type hub struct {
	mu    sync.RWMutex
	rooms map[string]*room
	pairs map[string]*room
	users map[string]map[int64]*client
}

func newHub() *hub {
	return &hub{rooms: map[string]*room{}, pairs: map[string]*room{}, users: map[string]map[int64]*client{}}
}

func (h *hub) room(name string, create bool) *room {
	h.mu.RLock()
	r := h.rooms[name]
	h.mu.RUnlock()
	if r != nil || !create {
		return r
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r = h.rooms[name]; r == nil {
		r = newRoom(name)
		h.rooms[name] = r
	}
	return r
}

func (h *hub) pair(a, b string) *room {
	key := a + "\n" + b
	if b < a {
		key = b + "\n" + a
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.pairs[key]
	if r == nil {
		r = newRoom(key)
		h.pairs[key] = r
	}
	return r
}

func (h *hub) addUser(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users[c.userID] == nil {
		h.users[c.userID] = map[int64]*client{}
	}
	h.users[c.userID][c.session] = c
}

func (h *hub) removeUser(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.users[c.userID], c.session)
	if len(h.users[c.userID]) == 0 {
		delete(h.users, c.userID)
	}
}

func (h *hub) connectionsOf(userID string) []*client {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*client, 0, len(h.users[userID]))
	for _, c := range h.users[userID] {
		out = append(out, c)
	}
	return out
}

type room struct {
	name    string
	mu      sync.Mutex
	lastID  int64
	members map[int64]*client
	history []stored
}

func newRoom(name string) *room { return &room{name: name, members: map[int64]*client{}} }

func (r *room) remember(m stored) {
	r.history = append(r.history, m)
	if len(r.history) > *historySize {
		r.history = append(r.history[:0:0], r.history[len(r.history)-*historySize:]...)
	}
}

// publish assigns the next id and queues the message to every member while holding the room's lock,
// so that every member sees the room's messages in id order.
func (r *room) publish(from *client, text string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastID++
	m := stored{ID: r.lastID, Room: r.name, From: from.username, FromID: from.userID, Text: text, Timestamp: time.Now().UnixMilli()}
	r.remember(m)
	payload, _ := json.Marshal(roomMessage{Type: "message", Room: r.name, ID: m.ID, From: m.From, FromID: m.FromID, Text: text, Timestamp: m.Timestamp})
	for _, c := range r.members {
		c.queue(payload)
	}
	return m.ID
}

func (r *room) broadcastExcept(except *client, v interface{}) {
	payload, _ := json.Marshal(v)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.members {
		if c != except {
			c.queue(payload)
		}
	}
}

type client struct {
	hub      *hub
	conn     *websocket.Conn
	send     chan []byte
	closed   int32
	session  int64
	userID   string
	username string
	rooms    map[string]*room // touched by the read goroutine only
}

// queue never blocks a room: a full send channel means a slow consumer, which is dropped.
func (c *client) queue(payload []byte) {
	if atomic.LoadInt32(&c.closed) != 0 {
		return
	}
	select {
	case c.send <- payload:
	default:
		if atomic.CompareAndSwapInt32(&c.closed, 0, 1) {
			close(c.send)
		}
	}
}

func (c *client) sendJSON(v interface{}) {
	payload, _ := json.Marshal(v)
	c.queue(payload)
}

func (c *client) writePump() {
	ticker := time.NewTicker(*heartbeat)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case payload, ok := <-c.send:
			if !ok {
				c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "slow consumer"))
				return
			}
			w, err := c.conn.NextWriter(websocket.TextMessage)
			if err != nil {
				return
			}
			w.Write(payload)
			if err := w.Close(); err != nil {
				return
			}
		case <-ticker.C:
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

func (c *client) readPump() {
	defer func() {
		for _, r := range c.rooms {
			r.mu.Lock()
			delete(r.members, c.session)
			r.mu.Unlock()
			r.broadcastExcept(c, presence{Type: "presence", Room: r.name, User: c.username, UserID: c.userID, Status: "offline"})
		}
		c.hub.removeUser(c)
		if atomic.CompareAndSwapInt32(&c.closed, 0, 1) {
			close(c.send)
		}
		c.conn.Close()
	}()
	c.conn.SetReadLimit(*maxMessage)
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		if kind != websocket.TextMessage {
			c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseUnsupportedData, "text only"))
			return
		}
		var m clientMessage
		if err := json.Unmarshal(data, &m); err != nil || m.Type == "" {
			c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "not a JSON object with a type", Ref: m.Ref})
			continue
		}
		c.handle(&m)
	}
}

func (c *client) handle(m *clientMessage) {
	switch m.Type {
	case "join":
		if !roomNameExpr.MatchString(m.Room) {
			c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "invalid room", Ref: m.Ref})
			return
		}
		r := c.hub.room(m.Room, true)
		r.mu.Lock()
		_, already := r.members[c.session]
		r.members[c.session] = c
		seen := map[string]bool{}
		users := make([]userInfo, 0, len(r.members))
		for _, member := range r.members {
			if !seen[member.userID] {
				seen[member.userID] = true
				users = append(users, userInfo{UserID: member.userID, Username: member.username})
			}
		}
		lastID := r.lastID
		r.mu.Unlock()
		c.rooms[r.name] = r
		c.sendJSON(joined{Type: "joined", Room: r.name, Users: users, LastID: lastID, Recovered: false, Ref: m.Ref})
		if !already {
			r.broadcastExcept(c, presence{Type: "presence", Room: r.name, User: c.username, UserID: c.userID, Status: "online"})
		}
	case "leave":
		r := c.rooms[m.Room]
		if r == nil {
			c.sendJSON(errorMessage{Type: "error", Code: "not_member", Message: "not in that room", Ref: m.Ref})
			return
		}
		delete(c.rooms, m.Room)
		r.mu.Lock()
		delete(r.members, c.session)
		r.mu.Unlock()
		c.sendJSON(left{Type: "left", Room: r.name, Ref: m.Ref})
		r.broadcastExcept(c, presence{Type: "presence", Room: r.name, User: c.username, UserID: c.userID, Status: "offline"})
	case "message":
		if m.Text == "" || m.Room == "" {
			c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "room and text are required", Ref: m.Ref})
			return
		}
		r := c.rooms[m.Room]
		if r == nil {
			c.sendJSON(errorMessage{Type: "error", Code: "not_member", Message: "join the room first", Ref: m.Ref})
			return
		}
		id := r.publish(c, m.Text)
		if m.Ref != "" {
			c.sendJSON(ack{Type: "ack", Ref: m.Ref, ID: id, Room: r.name})
		}
	case "dm":
		if m.Text == "" || m.To == "" {
			c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "to and text are required", Ref: m.Ref})
			return
		}
		recipients := c.hub.connectionsOf(m.To)
		if len(recipients) == 0 {
			c.sendJSON(errorMessage{Type: "error", Code: "user_not_found", Message: "no such user online", Ref: m.Ref})
			return
		}
		if m.To != c.userID {
			recipients = append(recipients, c.hub.connectionsOf(c.userID)...)
		}
		p := c.hub.pair(c.userID, m.To)
		p.mu.Lock()
		p.lastID++
		s := stored{ID: p.lastID, From: c.username, FromID: c.userID, To: m.To, Text: m.Text, Timestamp: time.Now().UnixMilli()}
		p.remember(s)
		payload, _ := json.Marshal(directMessage{Type: "dm", ID: s.ID, From: s.From, FromID: s.FromID, To: s.To, Text: s.Text, Timestamp: s.Timestamp})
		for _, r := range recipients {
			r.queue(payload)
		}
		p.mu.Unlock()
		if m.Ref != "" {
			c.sendJSON(ack{Type: "ack", Ref: m.Ref, ID: s.ID})
		}
	case "history":
		limit := 50
		if m.Limit != nil {
			limit = *m.Limit
		}
		if limit < 1 || limit > 100 {
			c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "limit must be 1..100", Ref: m.Ref})
			return
		}
		var source *room
		switch {
		case m.Room != "":
			if source = c.rooms[m.Room]; source == nil {
				c.sendJSON(errorMessage{Type: "error", Code: "not_member", Message: "join the room first", Ref: m.Ref})
				return
			}
		case m.Dm != "":
			source = c.hub.pair(c.userID, m.Dm)
		default:
			c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "room or dm is required", Ref: m.Ref})
			return
		}
		source.mu.Lock()
		older := make([]stored, 0, limit)
		for _, s := range source.history {
			if m.Before == nil || s.ID < *m.Before {
				older = append(older, s)
			}
		}
		source.mu.Unlock()
		hasMore := len(older) > limit
		if hasMore {
			older = older[len(older)-limit:]
		}
		c.sendJSON(history{Type: "history", Room: m.Room, Dm: m.Dm, Messages: older, HasMore: hasMore, Ref: m.Ref})
	case "ping":
		c.sendJSON(pong{Type: "pong", Ref: m.Ref})
	default:
		c.sendJSON(errorMessage{Type: "error", Code: "bad_request", Message: "unknown type", Ref: m.Ref})
	}
}
