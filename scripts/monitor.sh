#!/usr/bin/env bash
# The seed's monitor loop, done properly: poll /health, print memory and pool state, and ask for a
# cleanup when memory_usage_mb passes a threshold. Bounded by --count; exits non-zero if the proxy
# never answered.
#
#   scripts/monitor.sh [--url http://localhost:8000] [--interval 60] [--threshold 400] [--count N] [--token T]
#
# The token may also come from PROXY_ADMIN_TOKEN. Needs curl and jq.
set -euo pipefail

url=${PROXY_URL:-http://localhost:8000}
interval=60
threshold=400
count=0 # 0: run until stopped
token=${PROXY_ADMIN_TOKEN:-}

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "monitor.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url=${2:?--url needs a value}; shift 2 ;;
    --interval) interval=${2:?--interval needs a value}; shift 2 ;;
    --threshold) threshold=${2:?--threshold needs a value}; shift 2 ;;
    --count) count=${2:?--count needs a value}; shift 2 ;;
    --token) token=${2:?--token needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$interval" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--interval must be a number of seconds, got '$interval'"
[[ "$threshold" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--threshold must be a number of MB, got '$threshold'"
[[ "$count" =~ ^[0-9]+$ ]] || die "--count must be a whole number, got '$count'"
command -v curl >/dev/null || die "needs curl (apt-get install curl)"
command -v jq >/dev/null || die "needs jq (apt-get install jq)"

auth=()
[[ -n "$token" ]] && auth=(-H "Authorization: Bearer $token")

answered=0 i=0
while (( count == 0 || i < count )); do
  i=$((i + 1))
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if health=$(curl -fsS --max-time 5 "$url/health" 2>/dev/null); then
    answered=$((answered + 1))
    mem=$(jq -r '.memory_usage_mb' <<<"$health")
    echo "$now memory_usage_mb=$mem heap_used_mb=$(jq -r '.heap_used_mb' <<<"$health")" \
         "pool_in_use=$(jq -r '.pool.in_use' <<<"$health") pool_open=$(jq -r '.pool.open' <<<"$health")" \
         "status=$(jq -r '.status' <<<"$health")"
    if jq -e --argjson t "$threshold" '.memory_usage_mb > $t' <<<"$health" >/dev/null; then
      if result=$(curl -fsS --max-time 30 -X POST "${auth[@]}" "$url/admin/cleanup" 2>&1); then
        echo "$now cleanup above ${threshold} MB: $(jq -c '{before_mb, after_mb, connections_closed}' <<<"$result")"
      else
        echo "$now cleanup failed: $result" >&2
      fi
    fi
  else
    echo "$now no answer from $url/health" >&2
  fi
  (( count != 0 && i >= count )) || sleep "$interval"
done
(( answered > 0 ))
