#!/usr/bin/env bash
# Builds gochat offline from Debian's Go packages; installs them when missing.
# Usage: benchmarks/baselines/go/build.sh [OUTPUT]   (default: benchmarks/baselines/go/bin/gochat)
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-bin/gochat}"
pkgs=(golang-go golang-github-gorilla-websocket-dev golang-github-golang-jwt-jwt-dev)
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/gorilla/websocket ] \
   || [ ! -d /usr/share/gocode/src/github.com/golang-jwt/jwt ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
# GOPROXY=off: nothing is downloaded; go.mod's replace lines point at /usr/share/gocode.
GOPROXY=off GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-/tmp/gochat-gocache}" GOPATH="${GOPATH:-/tmp/gochat-gopath}" \
  go build -trimpath -o "$out" .
echo "$out"
