# idlescope reflector image. Build and run (needs a docker daemon):
#   docker build -t idlescope-reflector .
#   docker run -d --name idlescope -p 7000:7000 --ulimit nofile=65536:65536 idlescope-reflector
# The reflector answers GET /healthz (200 ok, 503 while draining) and GET /metrics on its own port.
# `docker stop` sends SIGTERM: the reflector tells every client, drains and exits 0 within seconds.

# Build stage: dev dependencies (TypeScript) compile client/, reflector/ and protocol/ to dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are in.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY client ./client
COPY protocol ./protocol
COPY reflector ./reflector
RUN npm run build

# Runtime stage: production dependencies and the compiled code only, run as the image's `node` user.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER node
EXPOSE 7000
# Node's own fetch, so the slim image needs no curl. 503 while draining counts as unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7000/healthz').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 with no shell in between, so SIGTERM from `docker stop` reaches it (the CLI
# handles SIGTERM and SIGINT itself, which PID 1 needs: it gets no default signal actions).
# The token comes from the environment (docker run -e IDLESCOPE_TOKEN=...): without one the
# reflector refuses to listen on 0.0.0.0 and exits 2.
ENTRYPOINT ["node", "bin/idlescope.js", "reflector"]
CMD ["--listen", "0.0.0.0:7000"]
