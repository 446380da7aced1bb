#!/usr/bin/env bash
# Runs the whole system on this machine: one node, a silo serving HTTP and the live hub itself.
#   FRONTEND_IN_SILO=false deploy/run.sh  a silo and a separate frontend process instead (the web tier apart)
#   deploy/run.sh                         local PostgreSQL in .local/pg (created on first run)
#   DATABASE_URL=postgresql://… deploy/run.sh   use that database instead
# Settings (environment): PORT (8080), ADMIN_EMAIL / ADMIN_PASSWORD (the first SUPER_ADMIN, made only
# when no user exists; a password is generated and printed once if none is given), SMTP_HOST/PORT/USER/
# PASS/FROM (default: the local SMTP sink), ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID, JWT_SIGNING_KEY,
# SETTINGS_ENCRYPTION_KEY (both generated into .local/secrets when not given).
# Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

ensure_prerequisites
trap stop_everything EXIT INT TERM
use_database_and_secrets
export PORT="${PORT:-8080}"
# The media library: one directory the silo and the frontend share (uploads land here, ffmpeg reads here).
export MEDIA_ROOT="${MEDIA_ROOT:-$CML_LOCAL/media}"

if [ -z "${SMTP_HOST:-}" ]; then
  # Without a real SMTP server, mail goes to the local sink (kept in .local/mail, listed at /messages).
  # The sink speaks plain SMTP on loopback and takes no sign-in; SMTP_SECURE=false says so (TLS is the default).
  export SMTP_HOST=127.0.0.1 SMTP_PORT="${SMTP_SINK_PORT:-2525}" SMTP_SECURE=false
  SINK_HTTP_PORT="${SMTP_SINK_HTTP_PORT:-8025}"
  START_SINK=1
fi

build_release

if [ "${START_SINK:-}" = 1 ]; then
  SMTP_SINK_PORT="$SMTP_PORT" SMTP_SINK_HTTP_PORT="$SINK_HTTP_PORT" SMTP_SINK_DIR="$CML_LOCAL/mail" dotnet "$SINK_DLL" &
  CML_PIDS+=($!)
  log "SMTP sink on 127.0.0.1:$SMTP_PORT, received mail at http://127.0.0.1:$SINK_HTTP_PORT/messages"
fi

log "migrating the schema"
dotnet "$SILO_DLL" migrate
dotnet "$SILO_DLL" bootstrap-admin

export FRONTEND_IN_SILO="${FRONTEND_IN_SILO:-true}"
if [ "$FRONTEND_IN_SILO" = true ]; then
  log "starting the node (silo and web tier in one process)"
  dotnet "$SILO_DLL" &
  CML_PIDS+=($!)
else
  log "starting silo"
  dotnet "$SILO_DLL" &
  CML_PIDS+=($!)
  log "starting frontend"
  dotnet "$FRONTEND_DLL" &
  CML_PIDS+=($!)
fi

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then
    log "Changemaker Lite is running at http://localhost:$PORT  (API under /api, OpenAPI at /openapi/v1.json; Ctrl-C stops)"
    log "web UI: http://localhost:$PORT/ (public), /volunteer (canvassers), /app (admin console)"
    break
  fi
  sleep 1
done
wait -n "${CML_PIDS[@]}" || true
log "a process exited"
