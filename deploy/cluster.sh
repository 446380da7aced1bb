#!/usr/bin/env bash
# Starts N silos and M frontends on this machine against one database (for load tests and for
# trying fail-over): deploy/cluster.sh [SILOS] [FRONTENDS]
# Silo i listens on 11111+i (gateway 30000+i); frontend j on PORT+j (PORT defaults to 8080).
# Uses DATABASE_URL when set, else the local PostgreSQL of deploy/run.sh. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
SILOS="${1:-2}"
FRONTENDS="${2:-2}"

ensure_prerequisites
mkdir -p "$CML_LOCAL"
PIDS=()
STARTED_PG=""
cleanup() {
  trap - EXIT INT TERM
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
BASE_PORT="${PORT:-8080}"

build_release
SILO_DLL="$CML_ROOT/src/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll"
FRONTEND_DLL="$CML_ROOT/src/WebFrontend/bin/Release/net10.0/ChangemakerLite.WebFrontend.dll"
dotnet "$SILO_DLL" migrate

for i in $(seq 0 $((SILOS - 1))); do
  ORLEANS_SILO_PORT=$((11111 + i)) ORLEANS_GATEWAY_PORT=$((30000 + i)) MIGRATE_ON_START=false dotnet "$SILO_DLL" &
  PIDS+=($!)
  log "silo $i: port $((11111 + i)), gateway $((30000 + i)), pid $!"
done
for j in $(seq 0 $((FRONTENDS - 1))); do
  PORT=$((BASE_PORT + j)) dotnet "$FRONTEND_DLL" &
  PIDS+=($!)
  log "frontend $j: http://localhost:$((BASE_PORT + j)), pid $!"
done
wait -n "${PIDS[@]}" || true
log "a process exited"
