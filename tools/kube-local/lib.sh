# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file
# Shared settings for tools/kube-local/{build,start,stop}. Sourced, never executed.

KUBE_LOCAL_VERSION="v1.20.2"
# The Debian source package that carries the Kubernetes v1.20.2 tree (with vendored deps).
KUBE_LOCAL_DEB_SOURCE="kubernetes"
KUBE_LOCAL_DEB_VERSION="1.20.5+really1.20.2"

# Per-user cache outside the checkout, so repeated CI runs on one machine reuse the binaries.
KUBE_LOCAL_CACHE="${CW_KUBE_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/contextweaver/kube-local}"
KUBE_LOCAL_BIN="${KUBE_LOCAL_CACHE}/${KUBE_LOCAL_VERSION}/bin"
KUBE_LOCAL_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)

# Prints a script's leading comment block (its usage text).
kl_usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }

kl_log() { printf 'kube-local: %s\n' "$*" >&2; }
kl_die() {
  printf 'kube-local: error: %s\n' "$*" >&2
  exit 1
}

# Prints the etcd binary to use: $ETCD, the cache's bin dir, then PATH.
kl_etcd() {
  if [[ -n "${ETCD:-}" ]]; then
    printf '%s\n' "$ETCD"
  elif [[ -x "${KUBE_LOCAL_BIN}/etcd" ]]; then
    printf '%s\n' "${KUBE_LOCAL_BIN}/etcd"
  else
    command -v etcd || true
  fi
}

# True when all three binaries exist and answer --version with the expected version.
kl_binaries_ok() {
  local b out
  for b in "${KUBE_LOCAL_BINARIES[@]}"; do
    [[ -x "${KUBE_LOCAL_BIN}/${b}" ]] || return 1
    out="$("${KUBE_LOCAL_BIN}/${b}" --version 2>/dev/null)" || return 1
    [[ "$out" == *"${KUBE_LOCAL_VERSION}"* ]] || return 1
  done
  [[ -n "$(kl_etcd)" ]]
}

KUBE_LOCAL_NO_BUILD_HELP="To run the Kubernetes tests against an existing cluster instead (kind, k3d, a dev cluster),
set TEST_KUBECONFIG=/path/to/kubeconfig; the tests then use that cluster and never start one."
