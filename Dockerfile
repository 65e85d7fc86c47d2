# Shouwang's image: the web app, the signaling server and the mediasoup workers in one Node process.
# Build: `docker build -t shouwang .`; run it with docker-compose.yml (README, "Hosting").
#
# The build runs scripts/setup.sh, the same script CI and `npm start` run: it installs the Debian
# packages (as root, here), runs `npm ci`, builds the mediasoup worker offline, then the server and the
# client. It runs twice: first with --deps-only in a layer that depends only on the lock file and the
# scripts, so a source change rebuilds the app in seconds and never the worker (about 3.5 min). The
# worker binary and npm's downloads are also kept in build caches (BuildKit / buildah cache mounts):
# a change to the scripts or the lock file reruns that layer, but does not build the worker again.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# build-worker.sh caches the binary here (a cache mount in both setup.sh steps).
ENV SHOUWANG_CACHE_DIR=/build-cache
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY scripts/setup.sh scripts/build-worker.sh scripts/worker-runtime-packages.sh scripts/
RUN --mount=type=cache,id=shouwang-worker,target=/build-cache \
    --mount=type=cache,id=shouwang-npm,target=/root/.npm \
    bash scripts/setup.sh --deps-only \
 && bash scripts/worker-runtime-packages.sh >/worker-runtime-packages.txt
COPY . .
# Then only what runs: production npm packages, and of the worker only its binary (not its C++ sources).
RUN --mount=type=cache,id=shouwang-worker,target=/build-cache \
    bash scripts/setup.sh \
 && npm prune --omit=dev --no-audit --no-fund \
 && find node_modules/mediasoup/worker -mindepth 1 -maxdepth 1 ! -name out -exec rm -rf {} + \
 && find node_modules/mediasoup/worker/out/Release -mindepth 1 -maxdepth 1 ! -name mediasoup-worker -exec rm -rf {} +

FROM ${NODE_IMAGE}
# The shared libraries the worker links against (libssl3, libuv1, libsrtp2-1, ...), as found by ldd
# in the build stage: no hand-kept list to drift.
COPY --from=build /worker-runtime-packages.txt /tmp/
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(cat /tmp/worker-runtime-packages.txt) \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/worker-runtime-packages.txt \
 && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home shouwang
WORKDIR /app
# Owned by root and read-only to the app user: a compromised process cannot rewrite the code it runs.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
USER shouwang
ENV NODE_ENV=production PORT=3000 RTC_PORT=40000
# HTTP and WebSocket; then one UDP and one TCP media port per worker (RTC_PORT + i).
EXPOSE 3000/tcp 40000-40001/udp 40000-40001/tcp
# main.ts drains on SIGTERM (clients are told, workers closed) and exits within 10 s.
STOPSIGNAL SIGTERM
# For Docker (podman's default OCI image format ignores it): readiness from /healthz, HTTP or HTTPS.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD ["node", "-e", "const m = require(process.env.TLS_CERT_FILE ? 'node:https' : 'node:http'); m.get({ host: '127.0.0.1', port: process.env.PORT || 3000, path: '/healthz', rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["node", "dist/server/main.js"]
