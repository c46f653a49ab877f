# syntax=docker/dockerfile:1
# One image for the four services; the command picks the service (docs/deployment.md):
#   node dist/apps/<registry|verifier|ledger|token-issuer>/src/main.js
# Build:  docker build -t registry.example.com/settle/offline-settlement:<version> .
# NODE_IMAGE: Node.js 24, an LTS line supported until April 2028, on Debian 13 (trixie), the current
# Debian stable; test/architecture/deployment.spec.ts fails once the line is out of support. The code
# also runs on Node 20, the development machines' version. Pin the digest in the release pipeline.
ARG NODE_IMAGE=node:24-trixie-slim

# Build: every dependency, compile apps/ and libs/ with swc into dist/ (scripts/build.mjs also copies
# each project's migrations/*.sql next to the compiled code), then drop the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime: the compiled code (migrations included) and the production node_modules, owned by root
# and read-only to the non-root user that runs them.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SETTLE_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The official image's "node" user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 3001 3002 3003 3004
# No default service: say how to choose one.
CMD ["node", "-e", "console.error('Choose a service: node dist/apps/<registry|verifier|ledger|token-issuer>/src/main.js'); process.exit(64)"]
