#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A config change rolls the proxy pods while a load loop runs through the Service, and not one
# request fails: the proxy's shutdown delay keeps a stopping pod serving until the endpoints
# controller and kube-proxy have taken it out, and the surge-first strategy keeps capacity.
#   rollout-under-load.sh NAMESPACE NAME
# The loop is one pod running curl, about 15 requests a second: at most MAX_REQUESTS requests
# (6000) and at most LOAD_SECONDS (300), each with a 10 s limit and a new connection (so kube-proxy
# picks an endpoint per request, as a client would); the script stops it once the rollout is over.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

ns=${1:?usage: rollout-under-load.sh NAMESPACE NAME}
name=${2:?usage: rollout-under-load.sh NAMESPACE NAME}
max_requests=${MAX_REQUESTS:-6000}
load_seconds=${LOAD_SECONDS:-300}
url="http://$name.$ns.svc/"
pod=load-$name

kubectl -n "$ns" wait proxyconfig/"$name" --for=condition=Ready --timeout=5m
checksum() {
  kubectl -n "$ns" get deployment "$name" \
    -o jsonpath='{.spec.template.metadata.annotations.steadyproxy\.io/config-checksum}'
}
before=$(checksum)
timeout=$(kubectl -n "$ns" get proxyconfig "$name" -o jsonpath='{.spec.readTimeoutSeconds}')
new_timeout=$(( ${timeout:-60} == 45 ? 46 : 45 ))

kubectl -n "$ns" delete pod "$pod" --ignore-not-found --wait
# shellcheck disable=SC2016 # expanded by the pod's shell
kubectl -n "$ns" run "$pod" --restart=Never --image="$CURL_IMAGE" --command -- sh -c '
  end=$(( $(date +%s) + '"$load_seconds"' )); i=0
  while [ "$i" -lt '"$max_requests"' ] && [ "$(date +%s)" -lt "$end" ]; do
    curl -s -o /dev/null --max-time 10 -w "%{http_code} %{time_total}\n" '"$url"' || true
    i=$((i + 1))
    if [ -f /tmp/stop ]; then break; fi
    sleep 0.05
  done
  echo "load: done after $i requests"'
kubectl -n "$ns" wait pod/"$pod" --for=condition=Ready --timeout=2m
answering() { kubectl -n "$ns" logs "$pod" | grep -q '^200 '; }
wait_for "the load loop has its first answers" 30 2 answering

log "changing $name's config (readTimeoutSeconds ${timeout:-60} -> $new_timeout) under load"
kubectl -n "$ns" patch proxyconfig "$name" --type merge -p "{\"spec\":{\"readTimeoutSeconds\":$new_timeout}}"
checksum_changed() { [[ "$(checksum)" != "$before" ]]; }
wait_for "the Deployment's config checksum changed" 60 2 checksum_changed
kubectl -n "$ns" rollout status deployment/"$name" --timeout=5m
kubectl -n "$ns" wait proxyconfig/"$name" --for=condition=Ready --timeout=5m
# the old pods have left (their shutdown delay and grace period passed) while the loop still runs
old_pods_gone() {
  [[ $(kubectl -n "$ns" get pods -l app.kubernetes.io/instance="$name" -o name | wc -l) == \
    $(kubectl -n "$ns" get deployment "$name" -o jsonpath='{.spec.replicas}') ]]
}
wait_for "only pods of the new config are left" 30 5 old_pods_gone
sleep 5
phase=$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.phase}')
[[ "$phase" == Running ]] || fail "the load loop ended ($phase) before the rollout was over"
kubectl -n "$ns" exec "$pod" -- touch /tmp/stop
kubectl -n "$ns" wait pod/"$pod" --for=jsonpath='{.status.phase}'=Succeeded --timeout=2m

results=$(kubectl -n "$ns" logs "$pod")
read -r total failed < <(count_failures <<<"$results")
kubectl -n "$ns" delete pod "$pod" --wait=false
log "requests through the rollout: $total, failed: $failed"
if ((failed > 0)); then
  grep -v '^200 ' <<<"$results" | sort | uniq -c | sort -rn | head -20 >&2
  dump_on_failure "$ns" "$name"
  fail "$failed of $total requests failed during the rollout"
fi
((total >= 50)) || fail "only $total requests ran: the loop did not cover the rollout"
