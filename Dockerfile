# pgsiem: one image for `siem start` (worker, API, web UI) and for agents (`siem ingest`).
#   docker build -t pgsiem .
# The PostgreSQL client tools 15 (pg_dump, pg_restore, pg_basebackup) are included for
# `siem backup` against the postgres:15 service; use the matching version for another server.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies (lint, tests) stay out of the image; vite and its React plugin are dependencies.
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-15 gzip tar ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production \
    SIEM_HOST=0.0.0.0 \
    SIEM_METRICS_HOST=0.0.0.0 \
    SIEM_DATA_DIR=/data \
    SIEM_BACKUP_DIR=/backups \
    SIEM_ARCHIVE_DIR=/archive
RUN mkdir -p /data /backups /archive && chown node:node /data /backups /archive
USER node
EXPOSE 4000 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/siem.ts", "start"]
