#!/usr/bin/env bash
# Builds the mediasoup worker offline from the npm package's own C++ sources, against Debian 12's
# libraries, and installs it where mediasoup looks for it. mediasoup's own installer downloads a prebuilt
# binary from GitHub and then meson subprojects from wrapdb/PyPI, none of which is reachable here.
#
# The binary is cached per mediasoup version outside node_modules (SHOUWANG_CACHE_DIR, default
# ~/.cache/shouwang), so `npm ci` wiping node_modules never costs a rebuild.
# Facts behind every step: shared notes "mediasoup-offline-build.md".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/node_modules/mediasoup"
if [[ ! -f "$PKG/package.json" ]]; then
  echo "build-worker: $PKG is missing; run 'npm ci' first" >&2
  exit 1
fi
VERSION="$(node -p "require('$PKG/package.json').version")"
CACHE_DIR="${SHOUWANG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shouwang}"
CACHED="$CACHE_DIR/mediasoup-worker-$VERSION/mediasoup-worker"
TARGET="$PKG/worker/out/Release/mediasoup-worker"

install_cached() {
  mkdir -p "$(dirname "$TARGET")"
  cp -f "$CACHED" "$TARGET"
  chmod 755 "$TARGET"
}

if [[ -x "$CACHED" && "${1:-}" != "--force" ]]; then
  if ! cmp -s "$CACHED" "$TARGET" 2>/dev/null; then install_cached; fi
  echo "build-worker: using cached mediasoup-worker $VERSION ($CACHED)"
  exit 0
fi

for tool in meson ninja pkg-config g++; do
  command -v "$tool" >/dev/null || { echo "build-worker: '$tool' is missing (run scripts/setup.sh)" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp -r "$PKG/worker" "$WORK/worker"
W="$WORK/worker"
SUB="$W/subprojects"

# Debian 12 ships meson 1.0.1; the worker builds fine with it.
sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$W/meson.build"

# Each wrap's directory name is where meson looks first; a directory that exists is used as is and
# nothing is downloaded. Each one below wraps a Debian library and exports the variable names the
# worker's meson.build reads.
wrap_dir() { sed -n 's/^directory *= *//p' "$SUB/$1.wrap"; }

subproject() { # name, meson.build body, [meson_options.txt body]
  local dir="$SUB/$(wrap_dir "$1")"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf "project('%s', ['c', 'cpp'])\n%s\n" "$1" "$2" > "$dir/meson.build"
  if [[ -n "${3:-}" ]]; then printf '%s\n' "$3" > "$dir/meson_options.txt"; fi
}

subproject openssl "
openssl_dep = dependency('openssl')
libcrypto_lib = []
libssl_lib = []"

subproject nlohmann_json "
nlohmann_json_dep = dependency('nlohmann_json')"

subproject libuv "
libuv_dep = dependency('libuv')
libuv = []" "option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)"

# Debian installs srtp.h under <includedir>/srtp2/ while the worker includes <srtp.h>.
subproject libsrtp2 "
srtp = dependency('libsrtp2')
libsrtp2_dep = declare_dependency(dependencies: srtp,
  compile_args: ['-I' + srtp.get_variable(pkgconfig: 'includedir') + '/srtp2'])
libsrtp2 = []" "option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')"

subproject usrsctp "
usrsctp_dep = dependency('usrsctp')
usrsctp = []" "option('sctp_build_programs', type: 'boolean', value: false)"

subproject abseil-cpp "
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'),
  dependency('absl_node_hash_map'), dependency('absl_btree'), dependency('absl_inlined_vector')])
absl_container_lib = []
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [
  dependency('absl_optional'), dependency('absl_variant'), dependency('absl_span')])"

# Only the unit-test target uses Catch2, and it is never built here.
subproject catch2 "
catch2_dep = declare_dependency()"

echo "build-worker: building mediasoup-worker $VERSION against Debian libraries (takes a few minutes)"
cd "$W"
meson setup --wrap-mode=nodownload --buildtype=release -Db_ndebug=true out/Release >"$WORK/setup.log" 2>&1 \
  || { cat "$WORK/setup.log" >&2; exit 1; }
ninja -C out/Release -j "$(nproc)" mediasoup-worker

mkdir -p "$(dirname "$CACHED")"
cp -f out/Release/mediasoup-worker "$CACHED.tmp"
mv -f "$CACHED.tmp" "$CACHED"
install_cached
echo "build-worker: built and cached $CACHED"
