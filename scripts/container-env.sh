# Sourced (not run) by the container scripts: where their cache lives and how podman must be configured
# to work on the project's machines. Facts: shared notes "containers.md".
#
#   CONTAINER_CACHE   base-image tarballs and podman's configuration (under SHOUWANG_CACHE_DIR)
#   CONTAINERS_CONF   exported: podman reads it on every call
#
# Without this configuration crun fails ("cgroups in hybrid mode not supported") and podman's default
# ulimits fail ("setrlimit: Operation not permitted"); runc with no default ulimits works.

CONTAINER_CACHE="${SHOUWANG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shouwang}/containers"
mkdir -p "$CONTAINER_CACHE"

if [[ -z "${CONTAINERS_CONF:-}" ]]; then
  CONTAINERS_CONF="$CONTAINER_CACHE/containers.conf"
  cat >"$CONTAINERS_CONF.tmp" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF
  mv -f "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
  export CONTAINERS_CONF
fi

# Debian packages the container scripts need on the host.
CONTAINER_HOST_PACKAGES=(podman runc podman-compose debootstrap)

# Installs what is missing (as root), or says what to install.
ensure_container_host_packages() {
  local missing=() pkg
  for pkg in "${CONTAINER_HOST_PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then missing+=("$pkg"); fi
  done
  (( ${#missing[@]} == 0 )) && return 0
  if (( EUID != 0 )); then
    echo "containers: missing Debian packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
    return 1
  fi
  echo "containers: installing ${missing[*]}"
  # With recommends: podman needs its network plugins and helpers (containernetworking-plugins, ...).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
}
