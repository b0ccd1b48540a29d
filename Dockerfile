# syntax=docker/dockerfile:1
# The golive image: `golive operator`, `golive webhook` and `golive run` (and every other golive
# command). Build: docker build -t golive:0.1.0 .
#
#   build  npm ci with dev dependencies (TypeScript), compile to dist/
#   deps   npm ci --omit=dev: production dependencies only, without type declarations, source
#          maps and docs (about 100 MB down to 50 MB, most of it @kubernetes/client-node)
#   final  distroless Node.js 20 (no shell, no package manager), non-root (uid 65532), and
#          nothing written to the root filesystem: runs with readOnlyRootFilesystem; the Helm
#          chart mounts /tmp and the audit directory (/var/lib/golive) as volumes.

# The base images are build arguments so that a build with no registry at hand can substitute
# equivalent local images (test/cluster/build-image.sh builds stand-ins from Debian packages and
# the npm registry); the defaults are the public images a normal build uses.
ARG NODE_VERSION=20.19
ARG NODE_IMAGE=node:${NODE_VERSION}-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are here (done below), and no
# dependency needs an install script to compile golive.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY audit ./audit
COPY gates ./gates
COPY images ./images
COPY webhook ./webhook
COPY operator ./operator
COPY cli ./cli
COPY report ./report
COPY settings ./settings
COPY console ./console
RUN npx tsc -p tsconfig.build.json \
 && find dist -name '*.map' -delete

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.md' \) -delete

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="golive" \
      org.opencontainers.image.description="Safe, auditable go-live on Kubernetes: JR/T 0179-2019 as code (admission webhook, operator, CLI)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/golive-dev/golive"
WORKDIR /app
ENV NODE_ENV=production
# package.json carries "type": "module": dist/ is ES modules.
COPY --from=deps --chown=0:0 /src/package.json ./package.json
COPY --from=deps --chown=0:0 /src/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
COPY --chown=0:0 bin/golive.js ./bin/golive.js
COPY --chown=0:0 crds ./crds
COPY --chown=0:0 policies ./policies
# Files are owned by root and read-only to the process; it runs as distroless's nonroot user.
USER 65532:65532
# The webhook (9443), /metrics (8080), /healthz and /readyz (8081).
EXPOSE 9443 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/golive.js"]
CMD ["--help"]
