#!/usr/bin/env bash
# Gets a Debian 12 machine from a fresh clone to a runnable Shouwang: system packages, npm packages, the
# mediasoup worker, the server build (dist/) and the client build (dist/client). Idempotent; every step
# is skipped when its result is already there and up to date, so `npm start` / `npm test` stay fast.
#
# Usage: scripts/setup.sh [--test] [--deps-only]
#   --test        also make sure of what the tests need: chromium and firefox-esr (end-to-end tests),
#                 ffmpeg (fake media), iproute2 (the Firefox test's private address), CJK and emoji fonts
#                 (screenshots of names in any script), docker-compose (validates docker-compose.yml),
#                 janus (the forwarding benchmark's comparison SFU).
#   --deps-only   stop after the dependencies (Debian packages, npm packages, the worker); the Dockerfile
#                 runs this in a layer of its own, so a source change does not rebuild the worker.
#
# Environment:
#   SHOUWANG_SKIP_APT=1   do not check or install Debian packages (e.g. in a Dockerfile that installs
#                         them in its own RUN step, or on a machine that is not Debian).
#   SHOUWANG_CACHE_DIR    where the built mediasoup worker is cached (default ~/.cache/shouwang);
#                         read by scripts/build-worker.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WITH_TEST=0
DEPS_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    --deps-only) DEPS_ONLY=1 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup: unknown argument '$arg' (usage: scripts/setup.sh [--test] [--deps-only])" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }
fail() { echo "setup: $*" >&2; exit 1; }

# Debian packages that build (the -dev ones) and run the mediasoup worker. See scripts/build-worker.sh.
WORKER_PACKAGES=(meson ninja-build pkg-config g++ libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev)
# docker-compose: Debian's (Python) Compose, only to validate docker-compose.yml (test/deploy/compose.test.ts).
# janus: the peer the forwarding benchmark compares against (test/bench/forwarding.test.ts keeps that path working).
# redis-server: cluster tests start their own throwaway instance (test/helpers/redis.ts), never the service.
TEST_PACKAGES=(chromium firefox-esr ffmpeg iproute2 fonts-noto-cjk fonts-noto-color-emoji docker-compose janus redis-server)

ensure_debian_packages() {
  local wanted=("${WORKER_PACKAGES[@]}")
  if (( WITH_TEST )); then wanted+=("${TEST_PACKAGES[@]}"); fi

  if [[ "${SHOUWANG_SKIP_APT:-}" == 1 ]]; then
    say "SHOUWANG_SKIP_APT=1: not checking Debian packages (${wanted[*]})"
    return
  fi
  if ! command -v dpkg-query >/dev/null; then
    say "warning: not a Debian system; make sure these (or their equivalents) are installed: ${wanted[*]}"
    return
  fi

  local missing=() pkg
  for pkg in "${wanted[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  if (( ${#missing[@]} == 0 )); then
    say "Debian packages: all ${#wanted[@]} present"
    return
  fi

  if (( EUID != 0 )); then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them, then run this again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_node() {
  command -v node >/dev/null || fail "Node.js is not installed; Shouwang needs Node >= 20"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  (( major >= 20 )) || fail "Node $(node --version) is too old; Shouwang needs Node >= 20"
  command -v npm >/dev/null || fail "npm is not installed (it comes with Node.js)"
  say "Node $(node --version)"
}

ensure_node_modules() {
  # npm writes node_modules/.package-lock.json on every install: older than package-lock.json means
  # the lock file changed since (a pull, a branch switch).
  if [[ ! -f node_modules/.package-lock.json ]]; then
    say "npm ci (node_modules is missing)"
  elif [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "npm ci (package-lock.json changed since the last install)"
  else
    say "node_modules: up to date"
    return
  fi
  npm ci --no-audit --no-fund
}

# True when no file under the given paths changed since the stamp was written. `find -newer` also
# catches deletions and additions: they update their directory's mtime.
up_to_date() { # stamp, paths...
  local stamp="$1"; shift
  [[ -f "$stamp" ]] && [[ -z "$(find "$@" -newer "$stamp" -print -quit 2>/dev/null)" ]]
}

build_server() {
  local stamp=dist/.server-build-stamp
  if [[ -f dist/server/main.js ]] && up_to_date "$stamp" server protocol tsconfig.json tsconfig.build.json package-lock.json; then
    say "server build: up to date"
    return
  fi
  say "building the server (tsc -> dist/)"
  npx --no-install tsc -p tsconfig.build.json || fail "the server build failed (TypeScript errors above)"
  touch "$stamp"
}

build_client() {
  local stamp=dist/.client-build-stamp
  if [[ ! -f client/vite.config.ts ]]; then
    say "warning: client/vite.config.ts does not exist yet; skipping the client build (the UI will not be served)"
    return
  fi
  if [[ -f dist/client/index.html ]] && up_to_date "$stamp" client protocol package-lock.json; then
    say "client build: up to date"
    return
  fi
  say "building the client (vite -> dist/client)"
  npx --no-install vite build --config client/vite.config.ts --logLevel warn || fail "the client build failed (errors above)"
  mkdir -p dist
  touch "$stamp"
}

START=$SECONDS
ensure_node
ensure_debian_packages
ensure_node_modules
bash scripts/build-worker.sh
if (( DEPS_ONLY )); then
  say "dependencies ready in $((SECONDS - START)) s (--deps-only: no server or client build)"
  exit 0
fi
build_server
build_client
say "ready in $((SECONDS - START)) s"
