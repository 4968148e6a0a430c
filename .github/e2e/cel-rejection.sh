#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The API server refuses a ProxyConfig whose name cannot name a Service (CEL on metadata.name in
# the CRD), with the rule's message, and stores nothing. cel-rejection.sh [NAMESPACE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

ns=${1:-default}
bad=edge.v2
manifest="apiVersion: steadyproxy.io/v1alpha1
kind: ProxyConfig
metadata:
  name: $bad
  namespace: $ns
spec:
  upstreamUrl: http://echo.default.svc:8080"

if output=$(kubectl apply -f - <<<"$manifest" 2>&1); then
  kubectl -n "$ns" delete proxyconfig "$bad" --ignore-not-found
  fail "kubectl apply accepted a ProxyConfig named $bad: $output"
fi
log "kubectl apply refused $bad: $output"
grep -q 'metadata.name must be a DNS-1035 label' <<<"$output" ||
  fail "the refusal does not carry the CEL rule's message"
if kubectl -n "$ns" get proxyconfig "$bad" >/dev/null 2>&1; then
  fail "$bad was stored anyway"
fi
log "CEL refused $bad with the rule's message"
