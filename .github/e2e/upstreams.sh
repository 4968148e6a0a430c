#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The e2e upstreams (manifests/upstreams.yaml) in namespace default, with the proxy image the
# workflow built as the demo upstream: upstreams.sh PROXY_IMAGE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

image=${1:?usage: upstreams.sh PROXY_IMAGE}
sed "s|PROXY_IMAGE|$image|" "$here/manifests/upstreams.yaml" | kubectl apply -f -
kubectl rollout status deployment/echo --timeout=3m
kubectl rollout status deployment/demo --timeout=3m
log "upstreams echo and demo are ready"
