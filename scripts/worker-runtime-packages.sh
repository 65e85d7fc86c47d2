#!/usr/bin/env bash
# Prints, one per line, the Debian packages that hold the shared libraries the built mediasoup worker
# links against (libssl3, libuv1, libsrtp2-1, ...). The Dockerfile's run-time stage installs exactly
# these, so it never carries a hand-kept list that drifts from what scripts/build-worker.sh linked.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKER="${1:-$ROOT/node_modules/mediasoup/worker/out/Release/mediasoup-worker}"
[[ -x "$WORKER" ]] || { echo "worker-runtime-packages: $WORKER is missing (run scripts/setup.sh)" >&2; exit 1; }

if ldd "$WORKER" | grep -q 'not found'; then
  echo "worker-runtime-packages: $WORKER has unresolved libraries:" >&2
  ldd "$WORKER" | grep 'not found' >&2
  exit 1
fi
# By multiarch directory and file name: with merged /usr, ldd's path and the path dpkg registered can
# differ (/lib vs /usr/lib); the directory keeps out copies bundled elsewhere (e.g. firefox's libnss3).
ldd "$WORKER" | awk '/=> \// { print $3 }' | while read -r lib; do
  real="$(realpath "$lib")"
  dpkg-query -S "*/$(basename "$(dirname "$real")")/$(basename "$real")" | cut -d: -f1 | head -n 1
done | sort -u
