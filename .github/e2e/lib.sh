#!/usr/bin/env bash
# Shared helpers of the kind e2e scripts (.github/e2e/*.sh), sourced, never run. Every wait is
# bounded in attempts and in time; a failed check prints what it saw and returns non-zero.
# The pure functions (no kubectl) are unit-tested by .github/e2e/test-lib.sh in `make lint`.

# The namespace of the operator and the release name, as the workflow installs them.
OPERATOR_NAMESPACE=${OPERATOR_NAMESPACE:-steadyproxy-system}
RELEASE=${RELEASE:-steadyproxy-operator}
# curl's image for in-cluster requests.
CURL_IMAGE=${CURL_IMAGE:-curlimages/curl:8.11.1}

log() { printf '%s e2e: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAILED: $*"; return 1; }

# wait_for DESCRIPTION ATTEMPTS SLEEP_SECONDS COMMAND...: runs COMMAND until it succeeds, at most
# ATTEMPTS times with SLEEP_SECONDS between (so at most ATTEMPTS*SLEEP_SECONDS plus the commands).
wait_for() {
  local what=$1 attempts=$2 pause=$3
  shift 3
  local i
  for ((i = 1; i <= attempts; i++)); do
    if "$@"; then
      return 0
    fi
    sleep "$pause"
  done
  fail "$what: not true after $attempts attempts ${pause}s apart"
}

# count_failures: reads the load loop's lines ("<http code> <seconds>" per request, as curl's
# -w '%{http_code} %{time_total}\n' writes them) and prints "<total> <failed>"; a failure is any
# code other than 200, curl's 000 (no answer) included. Lines that are not results are ignored.
count_failures() {
  awk '$1 ~ /^[0-9][0-9][0-9]$/ { total++; if ($1 != "200") failed++ }
       END { printf "%d %d\n", total, failed }'
}

# previous_chart_ref: the git revision whose charts/ is the chart before this one. The newest
# release tag (v*) that is an ancestor of HEAD, if there is one; otherwise the parent of the
# newest commit that changed charts/, so the upgrade goes from the chart as it was before its last
# change to HEAD. Prints nothing when charts/ has no earlier state (its first commit).
previous_chart_ref() {
  local tag last
  tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null || true)
  if [[ -n "$tag" ]]; then
    echo "$tag"
    return 0
  fi
  last=$(git log -n 1 --format=%H HEAD -- charts/)
  if [[ -n "$last" ]] && git rev-parse --verify --quiet "$last^" >/dev/null &&
    [[ -n "$(git ls-tree "$last^" charts/steadyproxy-operator/Chart.yaml)" ]]; then
    git rev-parse "$last^"
  fi
}

# resource_versions NAMESPACE OBJECT...: "kind/name=resourceVersion" per object, sorted, one line.
resource_versions() {
  local ns=$1
  shift
  kubectl -n "$ns" get "$@" --ignore-not-found \
    -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}' |
    sort | tr '\n' ' '
}

# leader_pod: the operator pod holding the leader Lease (its identity is the pod name).
leader_pod() {
  kubectl -n "$OPERATOR_NAMESPACE" get lease "$RELEASE" -o jsonpath='{.spec.holderIdentity}'
}

# operator_metrics: the leader's /metrics, through the API server's pod proxy (no port-forward).
operator_metrics() {
  local pod
  pod=$(leader_pod)
  [[ -n "$pod" ]] || { fail "no operator pod holds the Lease"; return 1; }
  kubectl get --raw "/api/v1/namespaces/$OPERATOR_NAMESPACE/pods/$pod:8080/proxy/metrics"
}

# sum_metric NAME: sums every sample of a metric family read on stdin (Prometheus text format).
sum_metric() {
  awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $NF } END { printf "%d\n", sum }'
}

# in_cluster_curl NAME ARGS...: runs curl once in a throw-away pod and prints its output.
in_cluster_curl() {
  local name=$1
  shift
  kubectl run "$name" --rm -i --restart=Never --quiet --image="$CURL_IMAGE" --command -- curl "$@"
}

# dump_on_failure NAMESPACE NAME...: what the ProxyConfigs, their pods and the operator say.
dump_on_failure() {
  local ns=$1
  shift
  kubectl -n "$ns" get proxyconfigs,deployments,pods,events -o wide || true
  local name
  for name in "$@"; do
    kubectl -n "$ns" describe proxyconfig "$name" || true
  done
  kubectl -n "$OPERATOR_NAMESPACE" logs deployment/"$RELEASE" --all-containers --tail=200 || true
}
