#!/usr/bin/env bash
# Runs every test against real parts: installs what is missing, starts a throwaway PostgreSQL cluster
# (removed afterwards), builds, and runs all test projects. Each test class gets its own database and cluster,
# shared by its tests (docs/testing.md).
# Extra arguments go to `dotnet test` (e.g. --filter Shifts).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

ensure_prerequisites
ensure_test_browser
WORK="$(mktemp -d /tmp/changemaker-test.XXXXXX)"
chmod 755 "$WORK"
PG_PORT="${CML_TEST_PG_PORT:-$(free_port)}"
cleanup() {
  stop_local_postgres "$WORK/pg/data"
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/pg"
# Durability settings are relaxed only for this throwaway cluster: tests create and drop many databases.
CML_PG_FSYNC=off CML_PG_SYNC_COMMIT=off start_local_postgres "$WORK/pg/data" "$PG_PORT" "$WORK/pg/password"
export TEST_DATABASE_URL="postgresql://postgres:$(cat "$WORK/pg/password")@127.0.0.1:$PG_PORT/postgres"

started=$(date +%s)
log "building"
# The projects the tests run (tests/Tests.slnf: src and tests, not the benchmarks under bench/).
dotnet build "$CML_ROOT/tests/Tests.slnf" -c Release -nologo -v quiet -clp:ErrorsOnly
log "testing"
# One project at a time: each runs its classes two at a time, each class with its own cluster, which
# is what two cores carry without starving the timing-sensitive tests (live events, reminders).
build_done=$(date +%s)
status=0
for project in "$CML_ROOT"/tests/*.Tests/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" \
    2>&1 | tee "$WORK/$name.log" || status=1
done
log "tests finished in $(( $(date +%s) - started ))s (build $(( build_done - started ))s, tests $(( $(date +%s) - build_done ))s)"
# The summary comes last so that the end of a long log says which project and which tests failed.
for project_log in "$WORK"/*.Tests.log; do
  name="$(basename "$project_log" .log)"
  log "$name: $(grep -E '^\s*(Total tests|Passed|Failed|Skipped):' "$project_log" | tr -s ' \n' ' ')"
  grep -E '^\s*Failed [A-Za-z]' "$project_log" | sed "s/^/  [$name] /" || true
done
# Each failure's message (its first lines), so that the tail of the log says why, not only which.
for project_log in "$WORK"/*.Tests.log; do
  grep -A4 -E '^\s*Error Message:' "$project_log" | grep -v -E '^\s*(Stack Trace:|at )' | cut -c1-400 | head -60 || true
done
exit $status
