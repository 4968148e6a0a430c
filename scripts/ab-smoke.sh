#!/usr/bin/env bash
# ApacheBench (HTTP/1.0) against a built proxy in front of its demo upstream: without keep-alive,
# with keep-alive (-k), a POST, and a streamed (chunked upstream) body that HTTP/1.0 gets delimited
# by the close. Not part of `make test` (needs Debian's apache2-utils); run after `make build`:
#   scripts/ab-smoke.sh
# Exits 1 naming the first check that failed. Everything is bounded: ab's own timeout (-s) and a
# request count, and the proxy it started is stopped by its PID.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
command -v ab >/dev/null || { echo "ab-smoke: ab not found (apt-get install apache2-utils)" >&2; exit 2; }
port=${AB_SMOKE_PORT:-18099}
log=$(mktemp)
"$here/bin/start-proxy" --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log" "$log.body"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { echo "ab-smoke: proxy did not start" >&2; cat "$log" >&2; exit 1; }

fail() { echo "ab-smoke: FAILED: $1" >&2; echo "$2" >&2; exit 1; }
check() { # name, ab output, expected keep-alive count (or -)
  local out=$2
  grep -q '^Failed requests: *0$' <<<"$out" || fail "$1: failed requests" "$out"
  if grep -q '^Non-2xx responses' <<<"$out"; then fail "$1: non-2xx responses" "$out"; fi
  grep -q "^Complete requests: *$n$" <<<"$out" || fail "$1: not all requests completed" "$out"
  if [[ $3 != - ]]; then grep -q "^Keep-Alive requests: *$3$" <<<"$out" || fail "$1: keep-alive not kept" "$out"; fi
  echo "ab-smoke: ok: $1 ($(grep '^Requests per second' <<<"$out" | awk '{print $4}') req/s)"
}
n=2000
url="http://127.0.0.1:$port/echo"
check "GET, no keep-alive" "$(ab -q -s 10 -n $n -c 8 "$url" 2>&1)" -
check "GET, keep-alive (-k)" "$(ab -q -s 10 -k -n $n -c 8 "$url" 2>&1)" $n
printf 'hello from ab' >"$log.body"
check "POST, keep-alive" "$(ab -q -s 10 -k -n $n -c 8 -p "$log.body" -T text/plain "$url" 2>&1)" $n
# /sse streams without a length: each answer is delimited by the close, so no keep-alive
n=50
check "stream without length (close-delimited)" \
  "$(ab -q -s 10 -k -n $n -c 4 "http://127.0.0.1:$port/sse?count=3&interval_ms=1" 2>&1)" 0
