# syntax=docker/dockerfile:1
# Herald's image: the npm package (exactly what `npm pack` makes) installed on
# the official Node.js image, run by a non-root user, with Node itself as PID 1
# so SIGTERM from `docker stop` reaches Herald (docs/operations.md, "Container").
# test/e2e/package.test.ts runs this file's install and start commands.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
# npm ci builds dist/ (the prepare script); pack it without building it twice.
RUN npm ci --no-audit --no-fund && npm pack --ignore-scripts && mv herald-*.tgz herald.tgz

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HERALD_HOST=0.0.0.0 HERALD_DATA_DIR=/var/lib/herald
WORKDIR /app
COPY --from=build /src/herald.tgz ./
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --no-audit --no-fund ./herald.tgz && rm herald.tgz
RUN mkdir -p /var/lib/herald && chown node:node /var/lib/herald
USER node
VOLUME /var/lib/herald
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || process.env.HERALD_PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run IMAGE keys create`, `... migrate --status` run the other commands.
ENTRYPOINT ["node", "--max-semi-space-size=8", "node_modules/herald/dist/cli/main.js"]
CMD ["serve"]
