module wschat.local/baselines/gochat

go 1.19

require (
	github.com/golang-jwt/jwt/v4 v4.0.0
	github.com/gorilla/websocket v1.5.0
)

// Built offline from Debian's packages (golang-github-gorilla-websocket-dev,
// golang-github-golang-jwt-jwt-dev), which install the sources under /usr/share/gocode.
replace github.com/gorilla/websocket => /usr/share/gocode/src/github.com/gorilla/websocket

replace github.com/golang-jwt/jwt/v4 => /usr/share/gocode/src/github.com/golang-jwt/jwt
