# Shared by run.sh, cluster.sh and test.sh: installs what is missing and runs a project-local PostgreSQL.
# Sourced, not executed.

CML_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CML_LOCAL="${CML_LOCAL:-$CML_ROOT/.local}"

log() { printf '\033[1;34m[changemaker]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[changemaker]\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

apt_install() {
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# PostgreSQL server binaries, ffmpeg/ffprobe (media library) and the .NET SDK.
ensure_prerequisites() {
  local missing=()
  pg_bindir >/dev/null || missing+=(postgresql)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v mkdocs >/dev/null 2>&1 || missing+=(mkdocs)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # ip (network namespaces) for the multi-host cluster tests, and for deploy/node.sh to find a host's address.
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install $(printf '%s\n' "${missing[@]}" | sort -u)
  fi
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://dot.net); dotnet is not on PATH"
  # A package-managed cluster may have been started by the install; ours is separate, so leave it be.
}

# Headless Chromium and its chromedriver for the web UI's browser tests (tests/WebFrontend.Tests/Web), from Debian's
# packages: nothing is downloaded besides them.
ensure_test_browser() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# start_local_postgres DATA_DIR PORT PASSWORD_FILE
# Creates (once) and starts a PostgreSQL cluster owned by the project, listening on 127.0.0.1:PORT.
# initdb refuses to run as root, so as root the cluster belongs to the postgres user.
start_local_postgres() {
  local data_dir="$1" port="$2" password_file="$3"
  local bin; bin="$(pg_bindir)" || die "PostgreSQL server binaries not found"
  local base; base="$(dirname "$data_dir")"
  mkdir -p "$base/run"
  local runner=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || as_root useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$base" "$base/run"
    runner=(su postgres -s /bin/sh -c)
    if ! su postgres -s /bin/sh -c "test -w '$base'"; then
      die "the postgres user cannot write $base; set CML_LOCAL to a folder it can reach"
    fi
  else
    runner=(sh -c)
  fi
  if [ ! -s "$password_file" ]; then
    umask 077; openssl rand -hex 24 > "$password_file"
  fi
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $data_dir"
    local pwcopy="$base/run/pw.$$"
    cp "$password_file" "$pwcopy"; [ "$(id -u)" = 0 ] && chown postgres "$pwcopy"
    "${runner[@]}" "'$bin/initdb' -D '$data_dir' -U postgres --auth=scram-sha-256 --pwfile='$pwcopy' -E UTF8 --locale=C.UTF-8" >/dev/null \
      || { rm -f "$pwcopy"; die "initdb failed"; }
    rm -f "$pwcopy"
  fi
  if "${runner[@]}" "'$bin/pg_ctl' -D '$data_dir' status" >/dev/null 2>&1; then
    log "PostgreSQL already running on port $port"
    return 0
  fi
  log "starting PostgreSQL on 127.0.0.1:$port"
  "${runner[@]}" "'$bin/pg_ctl' -D '$data_dir' -l '$base/postgres.log' -w -t 60 start -o \"-p $port -k '$base/run' -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB -c fsync=${CML_PG_FSYNC:-on} -c synchronous_commit=${CML_PG_SYNC_COMMIT:-on}\"" >/dev/null \
    || { tail -n 20 "$base/postgres.log" >&2; die "PostgreSQL did not start"; }
}

# stop_local_postgres DATA_DIR
stop_local_postgres() {
  local data_dir="$1"
  local bin; bin="$(pg_bindir)" || return 0
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$data_dir' -m fast -w stop" >/dev/null 2>&1 || true
  else
    "$bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# ensure_database URL_WITHOUT_DB_PASSWORD... : create_database PORT PASSWORD DBNAME
create_database() {
  local port="$1" password="$2" name="$3"
  if ! PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1; then
    PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

# A secret kept in .local so restarts keep the same JWT key (tokens survive a restart).
ensure_secret() {
  local file="$1"
  mkdir -p "$(dirname "$file")"
  if [ ! -s "$file" ]; then (umask 077; openssl rand -base64 48 | tr -d '\n' > "$file"); fi
  cat "$file"
}

build_release() {
  log "building (Release)"
  dotnet build "$CML_ROOT/ChangemakerLite.sln" -c Release -nologo -v quiet -clp:ErrorsOnly >&2 || die "build failed"
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Processes started by run.sh/cluster.sh, stopped (with the local PostgreSQL they started) on exit or Ctrl-C.
CML_PIDS=()
CML_STARTED_PG=""
stop_everything() {
  trap - EXIT INT TERM
  log "stopping"
  local pid
  for pid in "${CML_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${CML_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$CML_STARTED_PG" ] && stop_local_postgres "$CML_STARTED_PG"
  exit 0
}

# Exports DATABASE_URL (the project-local PostgreSQL unless one is given), JWT_SIGNING_KEY and SETTINGS_ENCRYPTION_KEY.
use_database_and_secrets() {
  mkdir -p "$CML_LOCAL"
  if [ -z "${DATABASE_URL:-}" ]; then
    local port="${CML_PG_PORT:-54320}"
    start_local_postgres "$CML_LOCAL/pg/data" "$port" "$CML_LOCAL/pg/password"
    CML_STARTED_PG="$CML_LOCAL/pg/data"
    create_database "$port" "$(cat "$CML_LOCAL/pg/password")" changemaker
    export DATABASE_URL="postgresql://postgres:$(cat "$CML_LOCAL/pg/password")@127.0.0.1:$port/changemaker"
  fi
  export JWT_SIGNING_KEY="${JWT_SIGNING_KEY:-$(ensure_secret "$CML_LOCAL/secrets/jwt-signing-key")}"
  # Encrypts the SMTP password kept in the site settings; losing it means entering that password again.
  export SETTINGS_ENCRYPTION_KEY="${SETTINGS_ENCRYPTION_KEY:-$(ensure_secret "$CML_LOCAL/secrets/settings-encryption-key")}"
}

SILO_DLL="$CML_ROOT/src/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll"
FRONTEND_DLL="$CML_ROOT/src/WebFrontend/bin/Release/net10.0/ChangemakerLite.WebFrontend.dll"
SINK_DLL="$CML_ROOT/src/SmtpSink/bin/Release/net10.0/ChangemakerLite.SmtpSink.dll"
