#!/usr/bin/env bash
# Builds, once, the real binaries the integration tests run, from the pinned
# wrapper modules in test/cluster/go/ (the Go module proxy is the only network
# this needs), and caches them outside the repository.
#
# Usage: build-binaries.sh [control-plane|cosign|helm|registry|node|all]   (default: control-plane)
#   control-plane  etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok
#   cosign         cosign
#   helm           helm
#   registry       oci-registry (test/cluster/go/registry/main.go: in-memory OCI
#                  registry with the referrers API)
#   all            the four sets above, in that order
#   node           kubelet and kube-proxy, for the opt-in real node (test/cluster/real-node.ts);
#                  not part of `all`: only runs that start a real node need them
#
# stdout: only the absolute directory holding each requested set, one line per
# set (so for a single set, the last line is its directory). Progress -> stderr.
#
# GOLIVE_BIN_DIR=<dir>  use prebuilt binaries from <dir>; never build.
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/golive/bin/<versions>/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
mods="$here/go"

log() { printf '%s\n' "$*" >&2; }
die() { log "build-binaries: $*"; exit 1; }

# The version of a module required by a wrapper go.mod (single source of truth).
modver() { # <wrapper dir> <module path>
  awk -v m="$2" '($1 == "require" && $2 == m) { print $3; exit } ($1 == m) { print $2; exit }' \
    "$mods/$1/go.mod"
}

set_binaries() {
  case "$1" in
    control-plane) echo "etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok" ;;
    cosign) echo "cosign" ;;
    helm) echo "helm" ;;
    registry) echo "oci-registry" ;;
    node) echo "kubelet kube-proxy" ;;
  esac
}

k8s_version="$(modver kubernetes k8s.io/kubernetes)"
etcd_version="$(modver etcd go.etcd.io/etcd/server/v3)"
kwok_version="$(modver kwok sigs.k8s.io/kwok)"
cosign_version="$(modver cosign github.com/sigstore/cosign/v3)"
helm_version="$(modver helm helm.sh/helm/v3)"
ociregistry_version="$(modver registry cuelabs.dev/go/oci/ociregistry)"

set_key() {
  case "$1" in
    control-plane) echo "k8s-${k8s_version}_etcd-${etcd_version}_kwok-${kwok_version}" ;;
    node) echo "node-k8s-${k8s_version}" ;;
    cosign) echo "cosign-${cosign_version}" ;;
    helm) echo "helm-${helm_version}" ;;
    registry)
      # The main package is ours: key on its source too, so an edit rebuilds.
      local src
      src="$(cat "$mods/registry/main.go" "$mods/registry/go.mod" "$mods/registry/go.sum" | sha256sum)"
      echo "registry-ociregistry-${ociregistry_version##*-}-${src:0:12}"
      ;;
  esac
}

has_all() { # <dir> <binaries...>
  local dir="$1" b
  shift
  for b in "$@"; do [[ -x "$dir/$b" ]] || return 1; done
}

# Reads `go build -v` output: counts compiled packages and downloaded modules,
# prints a status line at least every 30s (CI treats silence as a hang), and
# passes anything else (compiler errors) through.
progress() { # <name> <start seconds>
  local name="$1" start="$2" pkgs=0 dls=0 last=$SECONDS line rc
  while :; do
    rc=0
    IFS= read -r -t 30 line || rc=$?
    if ((rc > 128)); then # timeout, no output for 30s (e.g. linking)
      log "  ... $name: $pkgs packages compiled, $((SECONDS - start))s elapsed"
      last=$SECONDS
      continue
    fi
    ((rc == 0)) || [[ -n "$line" ]] || break
    if [[ "$line" == "go: downloading "* ]]; then
      dls=$((dls + 1))
    elif [[ "$line" =~ ^[A-Za-z0-9._~/+-]+$ ]]; then
      pkgs=$((pkgs + 1))
    else
      log "$line"
    fi
    if ((SECONDS - last >= 30)); then
      log "  ... $name: $pkgs packages compiled, $dls modules downloaded, $((SECONDS - start))s elapsed"
      last=$SECONDS
    fi
    ((rc == 0)) || break
  done
}

# Prints: <wrapper dir> <package> <extra ldflags...>
recipe() {
  local k8s_date
  case "$1" in
    etcd) echo "etcd go.etcd.io/etcd/server/v3" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy)
      # What hack/lib/version.sh stamps; buildDate is the tag's time so builds
      # are reproducible. gitCommit is unknown from the module proxy.
      local major="${k8s_version#v}" minor
      minor="${major#*.}"
      major="${major%%.*}"
      minor="${minor%%.*}"
      k8s_date="$(cd "$mods/kubernetes" && GOWORK=off GOFLAGS=-mod=readonly \
        go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
      local flags="" p
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        flags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=$major -X $p.gitMinor=$minor"
        flags+=" -X $p.gitTreeState=clean -X $p.buildDate=$k8s_date"
      done
      echo "kubernetes k8s.io/kubernetes/cmd/$1$flags"
      ;;
    kwok) echo "kwok sigs.k8s.io/kwok/cmd/kwok" ;; # version is a constant in the source
    cosign)
      local p=sigs.k8s.io/release-utils/version
      echo "cosign github.com/sigstore/cosign/v3/cmd/cosign -X $p.gitVersion=$cosign_version -X $p.gitTreeState=clean"
      ;;
    helm)
      # As helm's Makefile: the default capabilities' Kubernetes version
      # follows the client-go it was built with (v0.X.Y -> 1.X).
      local cg minor p=helm.sh/helm/v3
      cg="$(modver helm k8s.io/client-go)"
      minor="${cg#v0.}"
      minor="${minor%%.*}"
      echo "helm $p/cmd/helm -X $p/internal/version.version=$helm_version -X $p/internal/version.metadata= -X $p/internal/version.gitTreeState=clean" \
        "-X $p/pkg/lint/rules.k8sVersionMajor=1 -X $p/pkg/lint/rules.k8sVersionMinor=$minor" \
        "-X $p/pkg/chartutil.k8sVersionMajor=1 -X $p/pkg/chartutil.k8sVersionMinor=$minor"
      ;;
    oci-registry) echo "registry golive.test/cluster/registry" ;;
    *) die "no recipe for $1" ;;
  esac
}

build_one() { # <name> <index> <total> <out dir>
  local name="$1" idx="$2" total="$3" out="$4" r dir pkg ldflags start size
  r="$(recipe "$name")"
  read -r dir pkg ldflags <<<"$r"
  log "building $name ($idx/$total)..."
  start=$SECONDS
  # GOWORK=off and -mod=readonly: build exactly what the committed go.mod/go.sum pin.
  (cd "$mods/$dir" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 \
    go build -v -trimpath -buildvcs=false -ldflags "-s -w ${ldflags:-}" -o "$out/$name" "$pkg") 2>&1 |
    progress "$name" "$start"
  size=$(($(wc -c <"$out/$name") / 1024 / 1024))
  log "built $name in $((SECONDS - start))s (${size} MiB)"
}

tmp=""
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

resolve_set() { # <set>; prints the directory holding the set's binaries
  local set="$1" bins key root final i=0 total name
  read -r -a bins <<<"$(set_binaries "$set")"

  if [[ -n "${GOLIVE_BIN_DIR:-}" ]]; then
    local dir
    dir="$(cd "$GOLIVE_BIN_DIR" 2>/dev/null && pwd -P)" || die "GOLIVE_BIN_DIR=$GOLIVE_BIN_DIR is not a directory"
    has_all "$dir" "${bins[@]}" || die "GOLIVE_BIN_DIR=$dir lacks one of: ${bins[*]}"
    log "using $set binaries from GOLIVE_BIN_DIR=$dir"
    echo "$dir"
    return
  fi

  key="$(set_key "$set")"
  root="${XDG_CACHE_HOME:-$HOME/.cache}/golive/bin"
  final="$root/$key"
  if has_all "$final" "${bins[@]}"; then
    log "using cached $set binaries in $final"
    echo "$final"
    return
  fi

  command -v go >/dev/null || die "go is needed to build the $set binaries (see test/cluster/go/)"
  mkdir -p "$root"
  # Build next to the cache dir and rename it into place: an interrupted build
  # never leaves a half-filled cache dir behind.
  tmp="$(mktemp -d "$root/.tmp-$key.XXXXXX")"
  total=${#bins[@]}
  log "building $set binaries into $final (first run only; slow)"
  local set_start=$SECONDS
  for name in "${bins[@]}"; do
    i=$((i + 1))
    build_one "$name" "$i" "$total" "$tmp"
  done
  chmod 755 "$tmp"
  if has_all "$final" "${bins[@]}"; then
    log "a concurrent build filled $final first; using it"
  else
    rm -rf "$final" # incomplete leftover, e.g. a binary deleted by hand
    mv "$tmp" "$final"
  fi
  tmp=""
  log "built $set binaries in $((SECONDS - set_start))s"
  echo "$final"
}

what="${1:-control-plane}"
case "$what" in
  control-plane | cosign | helm | registry | node) resolve_set "$what" ;;
  all) for s in control-plane cosign helm registry; do resolve_set "$s"; done ;;
  -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2 ;;
  *) die "unknown set '$what' (want control-plane, cosign, helm, registry, node or all)" ;;
esac
