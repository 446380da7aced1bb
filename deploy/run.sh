#!/usr/bin/env bash
# Runs the whole system on this machine: one silo and one frontend.
#   deploy/run.sh                         local PostgreSQL in .local/pg (created on first run)
#   DATABASE_URL=postgresql://… deploy/run.sh   use that database instead
# Settings (environment): PORT (8080), ADMIN_EMAIL / ADMIN_PASSWORD (the first SUPER_ADMIN, made only
# when no user exists; a password is generated and printed once if none is given), SMTP_HOST/PORT/USER/
# PASS/FROM (default: the local SMTP sink), ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID, JWT_SIGNING_KEY.
# Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

ensure_prerequisites
mkdir -p "$CML_LOCAL"

PIDS=()
STARTED_PG=""
cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$STARTED_PG" ] && stop_local_postgres "$STARTED_PG"
  exit 0
}
trap cleanup EXIT INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  PG_PORT="${CML_PG_PORT:-54320}"
  start_local_postgres "$CML_LOCAL/pg/data" "$PG_PORT" "$CML_LOCAL/pg/password"
  STARTED_PG="$CML_LOCAL/pg/data"
  create_database "$PG_PORT" "$(cat "$CML_LOCAL/pg/password")" changemaker
  export DATABASE_URL="postgresql://postgres:$(cat "$CML_LOCAL/pg/password")@127.0.0.1:$PG_PORT/changemaker"
fi
export JWT_SIGNING_KEY="${JWT_SIGNING_KEY:-$(ensure_secret "$CML_LOCAL/secrets/jwt-signing-key")}"
export PORT="${PORT:-8080}"

if [ -z "${SMTP_HOST:-}" ]; then
  # Without a real SMTP server, mail goes to the local sink (kept in .local/mail, listed at /messages).
  export SMTP_HOST=127.0.0.1 SMTP_PORT="${SMTP_SINK_PORT:-2525}"
  SINK_HTTP_PORT="${SMTP_SINK_HTTP_PORT:-8025}"
  START_SINK=1
fi

build_release
BIN="$CML_ROOT/src"

if [ "${START_SINK:-}" = 1 ] && [ -f "$BIN/SmtpSink/bin/Release/net10.0/ChangemakerLite.SmtpSink.dll" ]; then
  SMTP_SINK_PORT="$SMTP_PORT" SMTP_SINK_HTTP_PORT="$SINK_HTTP_PORT" SMTP_SINK_DIR="$CML_LOCAL/mail" \
    dotnet "$BIN/SmtpSink/bin/Release/net10.0/ChangemakerLite.SmtpSink.dll" &
  PIDS+=($!)
  log "SMTP sink on 127.0.0.1:$SMTP_PORT, received mail at http://127.0.0.1:$SINK_HTTP_PORT/messages"
fi

log "migrating the schema"
dotnet "$BIN/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll" migrate
dotnet "$BIN/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll" bootstrap-admin

log "starting silo"
dotnet "$BIN/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll" &
PIDS+=($!)
log "starting frontend"
dotnet "$BIN/WebFrontend/bin/Release/net10.0/ChangemakerLite.WebFrontend.dll" &
PIDS+=($!)

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then
    log "Changemaker Lite is running at http://localhost:$PORT  (API under /api, OpenAPI at /openapi/v1.json; Ctrl-C stops)"
    break
  fi
  sleep 1
done
wait -n "${PIDS[@]}" || true
log "a process exited"
