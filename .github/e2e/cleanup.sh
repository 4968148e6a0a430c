#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Deleting a ProxyConfig removes everything it owned (the garbage collector follows the owner
# references): ConfigMap, Deployment, Service, PodDisruptionBudget and the pods.
#   cleanup.sh NAMESPACE NAME
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

ns=${1:?usage: cleanup.sh NAMESPACE NAME}
name=${2:?usage: cleanup.sh NAMESPACE NAME}
kubectl -n "$ns" delete proxyconfig "$name" --wait --timeout=2m
left() {
  kubectl -n "$ns" get deployment/"$name" service/"$name" configmap/"$name"-config \
    poddisruptionbudget/"$name" --ignore-not-found -o name
  kubectl -n "$ns" get pods -l app.kubernetes.io/instance="$name" -o name
}
nothing_left() { [[ -z "$(left)" ]]; }
wait_for "everything $name owned is gone" 90 2 nothing_left || { log "left: $(left)"; exit 1; }
log "nothing of $name is left"
