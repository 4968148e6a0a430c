#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# After Ready, nothing moves: for SECONDS (60) the objects the operator owns for a ProxyConfig keep
# their resourceVersions (no write, no drift fight with the API server's defaults), and the
# leader's reconcile counter stays flat (no event loop). steady-state.sh NAMESPACE NAME [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

ns=${1:?usage: steady-state.sh NAMESPACE NAME [SECONDS]}
name=${2:?usage: steady-state.sh NAMESPACE NAME [SECONDS]}
seconds=${3:-60}
selector="app.kubernetes.io/instance=$name,app.kubernetes.io/managed-by=steadyproxy-operator"
kinds=configmaps,services,deployments,poddisruptionbudgets,horizontalpodautoscalers

kubectl -n "$ns" wait proxyconfig/"$name" --for=condition=Ready --timeout=5m
# let the last status write and its events settle before the baseline
sleep 10
before=$(resource_versions "$ns" "$kinds" -l "$selector")
[[ -n "$before" ]] || fail "no objects labelled $selector"
status_before=$(kubectl -n "$ns" get proxyconfig "$name" -o jsonpath='{.metadata.resourceVersion}')
reconciles_before=$(operator_metrics | sum_metric steadyproxy_operator_reconciles_total)
log "baseline: $before proxyconfig=$status_before reconciles=$reconciles_before"

deadline=$((SECONDS + seconds))
while ((SECONDS < deadline)); do
  sleep 10
  now=$(resource_versions "$ns" "$kinds" -l "$selector")
  [[ "$now" == "$before" ]] || { dump_on_failure "$ns" "$name"; fail "owned objects changed: $before -> $now"; }
done
status_after=$(kubectl -n "$ns" get proxyconfig "$name" -o jsonpath='{.metadata.resourceVersion}')
reconciles_after=$(operator_metrics | sum_metric steadyproxy_operator_reconciles_total)
[[ "$status_after" == "$status_before" ]] ||
  fail "the ProxyConfig was written during the steady state ($status_before -> $status_after)"
[[ "$reconciles_after" == "$reconciles_before" ]] ||
  fail "the operator reconciled during the steady state ($reconciles_before -> $reconciles_after)"
log "steady for ${seconds}s: no owned object, status or reconcile changed"
