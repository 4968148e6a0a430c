#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs the operator chart as the previous release had it, runs a ProxyConfig on it, then
# upgrades to this checkout's chart and checks that the operator and the proxy came through:
#   install-upgrade.sh VERSION
# VERSION is the tag of the images built from this checkout (make image), used by both charts:
# kind has no registry with the previous release's images, so what is tested is the chart's
# upgrade (templates, CRD, values) and the new operator taking over what the old chart's left.
# The previous chart is the newest v* tag, or else charts/ before its last change (lib.sh,
# previous_chart_ref); with no earlier chart it is a plain install. Needs the full git history
# (actions/checkout with fetch-depth: 0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
cd "$here/../.."

version=${1:?usage: install-upgrade.sh VERSION}
chart=charts/steadyproxy-operator

# --set flags for the values a chart knows: an older chart's schema may refuse newer keys.
sets_for() {
  local values=$1/values.yaml
  local flags=(--set "image.tag=$version")
  grep -q '^proxyImage:' "$values" && flags+=(--set "proxyImage.tag=$version")
  # no periodic resync during the steady-state check: its reconciles would count as activity
  grep -q '^resyncSeconds:' "$values" && flags+=(--set "resyncSeconds=3600")
  printf '%s\n' "${flags[@]}"
}

helm_release() { # helm_release install|upgrade CHART_DIR
  local verb=$1 dir=$2 flags
  mapfile -t flags < <(sets_for "$dir")
  helm "$verb" "$RELEASE" "$dir" --namespace "$OPERATOR_NAMESPACE" --create-namespace \
    "${flags[@]}" --wait --timeout 5m
}

edge_serves() {
  local body
  body=$(in_cluster_curl "curl-$1" -fsS --retry 5 --retry-all-errors --max-time 10 http://edge.default.svc/)
  grep -q hello-from-upstream <<<"$body"
}

previous=$(previous_chart_ref)
if [[ -n "$previous" ]]; then
  old=$(mktemp -d)
  git archive "$previous" "$chart" | tar -x -C "$old"
  log "installing the previous chart ($previous, version $(sed -n 's/^version: //p' "$old/$chart/Chart.yaml"))"
  helm_release install "$old/$chart"
else
  log "no earlier chart in the history: a plain install of this one"
  helm_release install "$chart"
fi
kubectl get crd proxyconfigs.steadyproxy.io >/dev/null

"$here/upstreams.sh" "steadyproxy/proxy:$version"
kubectl apply -f "$chart/examples/proxyconfig-minimal.yaml"
kubectl wait proxyconfig/edge --for=condition=Ready --timeout=5m
edge_serves before-upgrade

if [[ -n "$previous" ]]; then
  log "upgrading to this checkout's chart (version $(sed -n 's/^version: //p' "$chart/Chart.yaml"))"
  helm_release upgrade "$chart"
  kubectl -n "$OPERATOR_NAMESPACE" rollout status deployment/"$RELEASE" --timeout=5m
  # the CRD is the new one (the CEL name rule came with it), and the new operator reconciled edge
  kubectl get crd proxyconfigs.steadyproxy.io -o yaml | grep -q 'metadata.name must be a DNS-1035 label' ||
    fail "the upgrade did not install this chart's CRD"
  generation=$(kubectl get proxyconfig edge -o jsonpath='{.metadata.generation}')
  observed() { [[ $(kubectl get proxyconfig edge -o jsonpath='{.status.observedGeneration}') == "$generation" ]]; }
  wait_for "edge's status written for generation $generation after the upgrade" 60 5 observed
  kubectl wait proxyconfig/edge --for=condition=Ready --timeout=5m
  edge_serves after-upgrade
fi

# Two replicas from here on: a PodDisruptionBudget, and a rollout that always keeps a pod serving.
kubectl patch proxyconfig edge --type merge -p '{"spec":{"replicas":2}}'
two_ready() { [[ $(kubectl get proxyconfig edge -o jsonpath='{.status.readyReplicas}') == 2 ]]; }
wait_for "edge has 2 ready replicas" 60 5 two_ready
kubectl wait proxyconfig/edge --for=condition=Ready --timeout=5m
log "operator installed$([[ -n "$previous" ]] && echo " and upgraded from $previous"); edge Ready with 2 replicas"
