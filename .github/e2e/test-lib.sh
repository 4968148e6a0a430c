#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Unit tests of lib.sh's pure functions (no cluster): run by `make lint` (.github/scripts/lint).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

failed=0
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [[ "$2" != "$3" ]]; then
    echo "test-lib: $1: expected '$2', got '$3'" >&2
    failed=1
  fi
}

check "all 200" "3 0" "$(printf '200 0.01\n200 0.02\n200 0.01\n' | count_failures)"
check "503 and no answer count" "4 2" "$(printf '200 0.1\n503 0.1\n000 5.0\n200 0.1\n' | count_failures)"
check "noise lines ignored" "1 0" "$(printf 'pod default/load created\n200 0.1\n\n' | count_failures)"
check "nothing" "0 0" "$(printf '' | count_failures)"

metrics='# HELP steadyproxy_operator_reconciles_total x
# TYPE steadyproxy_operator_reconciles_total counter
steadyproxy_operator_reconciles_total{result="error"} 2
steadyproxy_operator_reconciles_total{result="success"} 40
steadyproxy_operator_reconciles_totalx 7
steadyproxy_operator_queue_depth 0'
check "sum over labels, not a longer name" "42" "$(sum_metric steadyproxy_operator_reconciles_total <<<"$metrics")"
check "unlabelled" "0" "$(sum_metric steadyproxy_operator_queue_depth <<<"$metrics")"

# previous_chart_ref in a scratch repository: no earlier chart, then the parent of its last change.
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
(
  cd "$repo"
  git init -q
  git config user.email e2e@example.com
  git config user.name e2e
  mkdir -p charts/steadyproxy-operator
  echo 'version: 0.1.0' >charts/steadyproxy-operator/Chart.yaml
  git add -A && git commit -qm one
  check "first chart: nothing earlier" "" "$(previous_chart_ref)"
  first=$(git rev-parse HEAD)
  echo 'version: 0.2.0' >charts/steadyproxy-operator/Chart.yaml
  git commit -qam two
  echo readme >README.md && git add README.md && git commit -qm three
  check "parent of the last chart change" "$first" "$(previous_chart_ref)"
  git tag v0.1.0 "$first"
  check "a release tag wins" "v0.1.0" "$(previous_chart_ref)"
  exit "$failed"
) || failed=1

if ((failed)); then
  exit 1
fi
echo "test-lib: 9 checks passed"
