#!/usr/bin/env bash
# Builds, once, Traefik v3 from the Go module proxy for the real-node Gateway API test
# (test/services/traefik.ts), and caches it outside the repository, keyed by the wrapper
# module's content (test/cluster/go/traefik: its go.mod says what is replaced and why).
#
# stdout: the binary's absolute path (one line). Progress -> stderr.
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/golive/bin/traefik-<version>-<key>/traefik
# About 3 minutes on 2 cores with a warm module cache; under 0.1 s once cached.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
src="$here/go/traefik"
log() { printf '%s\n' "$*" >&2; }
die() { log "build-traefik: $*"; exit 1; }

modver() { awk -v m="$1" '($1 == "require" && $2 == m) { print $3; exit } ($1 == m) { print $2; exit }' "$src/go.mod"; }
version="$(modver github.com/traefik/traefik/v3)"
lego_version="$(modver github.com/go-acme/lego/v5)"
# Upstream go-http-auth, in place of Traefik's fork (not served): the newest commit of upstream.
auth_version="v0.4.1-0.20220112235402-e1cee1c72f2f"

key="$(cd "$src" && find . -type f | LC_ALL=C sort | xargs sha256sum | { cat; echo "$auth_version"; } | sha256sum | cut -c1-12)"
root="${XDG_CACHE_HOME:-$HOME/.cache}/golive/bin"
final="$root/traefik-$version-$key"
if [[ -x "$final/traefik" ]]; then
  echo "$final/traefik"
  exit 0
fi
command -v go >/dev/null || die "go is needed to build Traefik (Go 1.26 or later)"
mkdir -p "$root"
# Built next to the cache and renamed into place: never a half-filled cache dir.
tmp="$(mktemp -d "$root/.tmp-traefik-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

moddir() { # <module@version>: its directory in the module cache, downloaded if need be
  local dir
  dir="$(GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || die "cannot fetch $1 from the Go module proxy"
  echo "$dir"
}

log "building Traefik $version into $final (first run only; about 3 minutes)"
start=$SECONDS
cp -r "$src" "$tmp/src"
cp -r --no-preserve=mode "$(moddir "github.com/go-acme/lego/v5@$lego_version")" "$tmp/src/lego"
cp "$src/patches/lego-dns-providers.go.in" "$tmp/src/lego/providers/dns/zz_gen_dns_providers.go"
rm -f "$tmp/src/lego/providers/dns/"*_test.go
cp -r --no-preserve=mode "$(moddir "github.com/abbot/go-http-auth@$auth_version")" "$tmp/src/go-http-auth"
cp "$src/patches/go-http-auth-stale.go.in" "$tmp/src/go-http-auth/stale.go"
mkdir -p "$tmp/out"
# GOWORK=off and -mod=readonly: exactly what the committed go.mod/go.sum pin.
(cd "$tmp/src" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 \
  go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$version" \
  -o "$tmp/out/traefik" github.com/traefik/traefik/v3/cmd/traefik) >&2
chmod 755 "$tmp/out"
if [[ ! -x "$final/traefik" ]]; then mv "$tmp/out" "$final"; fi
log "built Traefik $version in $((SECONDS - start))s"
echo "$final/traefik"
