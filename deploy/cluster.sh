#!/usr/bin/env bash
# Starts a cluster on this machine against one database (for load tests and for trying fail-over).
#   deploy/cluster.sh [NODES]                                N nodes, each a silo serving HTTP itself (default 2)
#   FRONTEND_IN_SILO=false deploy/cluster.sh [SILOS] [FRONTENDS]   N silos and M separate frontend processes (2, 2)
# Silo i listens on 11111+i (gateway 30000+i); node or frontend j serves HTTP on PORT+j (PORT defaults to 8080).
# Uses DATABASE_URL when set, else the local PostgreSQL of deploy/run.sh. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
SILOS="${1:-2}"
FRONTENDS="${2:-2}"

ensure_prerequisites
trap stop_everything EXIT INT TERM
use_database_and_secrets
BASE_PORT="${PORT:-8080}"
# Every silo and frontend shares the one media library directory.
export MEDIA_ROOT="${MEDIA_ROOT:-$CML_LOCAL/media}"

build_release
dotnet "$SILO_DLL" migrate
dotnet "$SILO_DLL" bootstrap-admin

export FRONTEND_IN_SILO="${FRONTEND_IN_SILO:-true}"
if [ "$FRONTEND_IN_SILO" = true ]; then
  for i in $(seq 0 $((SILOS - 1))); do
    PORT=$((BASE_PORT + i)) ORLEANS_SILO_PORT=$((11111 + i)) ORLEANS_GATEWAY_PORT=$((30000 + i)) MIGRATE_ON_START=false dotnet "$SILO_DLL" &
    CML_PIDS+=($!)
    log "node $i: http://localhost:$((BASE_PORT + i)), silo port $((11111 + i)), gateway $((30000 + i)), pid $!"
  done
  FRONTENDS=0
fi
for i in $(seq 0 $((SILOS - 1))); do
  [ "$FRONTEND_IN_SILO" = true ] && break
  ORLEANS_SILO_PORT=$((11111 + i)) ORLEANS_GATEWAY_PORT=$((30000 + i)) MIGRATE_ON_START=false dotnet "$SILO_DLL" &
  CML_PIDS+=($!)
  log "silo $i: port $((11111 + i)), gateway $((30000 + i)), pid $!"
done
for j in $(seq 0 $((FRONTENDS - 1))); do
  PORT=$((BASE_PORT + j)) dotnet "$FRONTEND_DLL" &
  CML_PIDS+=($!)
  log "frontend $j: http://localhost:$((BASE_PORT + j)), pid $!"
done
wait -n "${CML_PIDS[@]}" || true
log "a process exited"
