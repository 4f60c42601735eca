package main

// Wire messages of PROTOCOL.md §3 and §4 (the subset the loadgen uses).

type clientMessage struct {
	Type   string `json:"type"`
	Ref    string `json:"ref"`
	Room   string `json:"room"`
	Text   string `json:"text"`
	To     string `json:"to"`
	Dm     string `json:"dm"`
	Before *int64 `json:"before"`
	Limit  *int   `json:"limit"`
}

type userInfo struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
}

type stored struct {
	ID        int64  `json:"id"`
	Room      string `json:"room,omitempty"`
	From      string `json:"from"`
	FromID    string `json:"from_id"`
	To        string `json:"to,omitempty"`
	Text      string `json:"text"`
	Timestamp int64  `json:"timestamp"`
}

type welcome struct {
	Type        string `json:"type"`
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	Session     string `json:"session"`
	HeartbeatMs int64  `json:"heartbeat_ms"`
}

type joined struct {
	Type      string     `json:"type"`
	Room      string     `json:"room"`
	Users     []userInfo `json:"users"`
	LastID    int64      `json:"last_id"`
	Recovered bool       `json:"recovered"`
	Ref       string     `json:"ref,omitempty"`
}

type left struct {
	Type string `json:"type"`
	Room string `json:"room"`
	Ref  string `json:"ref,omitempty"`
}

type presence struct {
	Type   string `json:"type"`
	Room   string `json:"room"`
	User   string `json:"user"`
	UserID string `json:"user_id"`
	Status string `json:"status"`
}

type roomMessage struct {
	Type      string `json:"type"`
	Room      string `json:"room"`
	ID        int64  `json:"id"`
	From      string `json:"from"`
	FromID    string `json:"from_id"`
	Text      string `json:"text"`
	Timestamp int64  `json:"timestamp"`
}

type directMessage struct {
	Type      string `json:"type"`
	ID        int64  `json:"id"`
	From      string `json:"from"`
	FromID    string `json:"from_id"`
	To        string `json:"to"`
	Text      string `json:"text"`
	Timestamp int64  `json:"timestamp"`
}

type history struct {
	Type     string   `json:"type"`
	Room     string   `json:"room,omitempty"`
	Dm       string   `json:"dm,omitempty"`
	Messages []stored `json:"messages"`
	HasMore  bool     `json:"has_more"`
	Ref      string   `json:"ref,omitempty"`
}

type ack struct {
	Type string `json:"type"`
	Ref  string `json:"ref"`
	ID   int64  `json:"id"`
	Room string `json:"room,omitempty"`
}

type errorMessage struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty"`
}

type pong struct {
	Type string `json:"type"`
	Ref  string `json:"ref,omitempty"`
}
