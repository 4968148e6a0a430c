#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The watchdog restarts a proxy pod that is pushed above its maximum and stays there: a
# ProxyConfig with the smallest thresholds the CRD allows (max 200 MiB, cleanup at 192 MiB, so
# the heap is 64 MiB and the JVM's own footprint sits just under the maximum) in front of the
# demo upstream, and large uploads echoed back through it. The pod then sheds load, reports it in
# /health, and after restartAfterChecks checks the watchdog evicts it: status.watchdog names the
# pod, a MemoryRestart Event says so, and the ProxyConfig comes back Ready.
#   watchdog-restart.sh NAMESPACE
# The upload loop is bounded: UPLOADS parallel curls (8) of UPLOAD_MB each (512), each at most
# 120 s, repeated at most 5 times; the wait for the restart at most 6 minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

ns=${1:-default}
name=hungry
uploads=${UPLOADS:-8}
upload_mb=${UPLOAD_MB:-512}

kubectl -n "$ns" apply -f - <<EOF2
apiVersion: steadyproxy.io/v1alpha1
kind: ProxyConfig
metadata:
  name: $name
  namespace: $ns
spec:
  upstreamUrl: http://demo.default.svc:8000
  replicas: 2
  maxMemoryUsageMb: 200
  cleanupThresholdMb: 192
  memoryCheckIntervalSeconds: 5
  resources:
    requests: {cpu: 100m, memory: 256Mi}
    limits: {memory: 768Mi}
  watchdog:
    enabled: true
    intervalSeconds: 5
    cleanupMinIntervalSeconds: 10
    restartPods: true
    restartAfterChecks: 2
EOF2
kubectl -n "$ns" wait proxyconfig/"$name" --for=condition=Ready --timeout=5m
kubectl -n "$ns" wait proxyconfig/"$name" --for=condition=WatchdogHealthy --timeout=3m

restarted() {
  [[ -n "$(kubectl -n "$ns" get proxyconfig "$name" -o jsonpath='{.status.watchdog.lastRestartPod}')" ]]
}
pod=upload-$name
for round in 1 2 3 4 5; do
  log "round $round: $uploads uploads of $upload_mb MiB through $name"
  kubectl -n "$ns" delete pod "$pod" --ignore-not-found --wait
  kubectl -n "$ns" run "$pod" --restart=Never --image="$CURL_IMAGE" --command -- sh -c "
    i=0
    while [ \$i -lt $uploads ]; do
      head -c $((upload_mb * 1024 * 1024)) /dev/zero |
        curl -s -o /dev/null --max-time 120 -w '%{http_code}\n' -X POST \
          -H 'Content-Type: application/octet-stream' -T - http://$name.$ns.svc/echo &
      i=\$((i + 1))
    done
    wait"
  kubectl -n "$ns" wait pod/"$pod" --for=jsonpath='{.status.phase}'=Succeeded --timeout=3m || true
  kubectl -n "$ns" logs "$pod" | sort | uniq -c || true
  if wait_for "a watchdog restart of $name" 12 5 restarted; then
    break
  fi
done
restarted || { dump_on_failure "$ns" "$name"; fail "the watchdog never restarted a pod of $name"; }

victim=$(kubectl -n "$ns" get proxyconfig "$name" -o jsonpath='{.status.watchdog.lastRestartPod}')
log "the watchdog restarted $victim"
kubectl -n "$ns" get events --field-selector involvedObject.name="$name",reason=MemoryRestart \
  -o jsonpath='{range .items[*]}{.count} {.message}{"\n"}{end}' | grep -q . ||
  fail "no MemoryRestart Event on $name"
victim_gone() { ! kubectl -n "$ns" get pod "$victim" >/dev/null 2>&1; }
wait_for "$victim is gone" 36 5 victim_gone
kubectl -n "$ns" delete pod "$pod" --ignore-not-found --wait=false
kubectl -n "$ns" wait proxyconfig/"$name" --for=condition=Ready --timeout=5m
kubectl -n "$ns" delete proxyconfig "$name" --wait --timeout=2m
log "the watchdog evicted $victim above its maximum, and $name is Ready again"
