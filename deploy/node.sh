#!/usr/bin/env bash
# Starts one node of a Changemaker Lite cluster from environment variables, in the foreground (exec, so the node
# gets the signals). It is the container image's entrypoint and what the multi-host tests run on each "host".
#
#   NODE_ROLE (or the first argument): node | silo | frontend | migrate | bootstrap-admin   (default: node)
#                                        node: a silo serving HTTP and the live hub itself (one process per node);
#                                        silo: grains only (FRONTEND_IN_SILO=false), for separate frontend processes
#   DATABASE_URL                       : required; every node of a cluster points at the same database
#   ORLEANS_ADVERTISED_IP              : the address other silos and the frontends reach this silo on; when unset,
#                                        POD_IP, else the first global IPv4 address of this host, else 127.0.0.1
#   CML_APP_DIR                        : where the published nodes live (/app in the image: /app/silo, /app/frontend);
#                                        default: this checkout's Release build output
# Every other setting (ports, cluster id, JWT_SIGNING_KEY, METRICS_*, ...) is read by the node itself; see README.
set -euo pipefail

role="${1:-${NODE_ROLE:-node}}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${CML_APP_DIR:-}" ]; then
  silo_dll="$CML_APP_DIR/silo/ChangemakerLite.Silo.dll"
  frontend_dll="$CML_APP_DIR/frontend/ChangemakerLite.WebFrontend.dll"
else
  silo_dll="$here/../src/Silo/bin/Release/net10.0/ChangemakerLite.Silo.dll"
  frontend_dll="$here/../src/WebFrontend/bin/Release/net10.0/ChangemakerLite.WebFrontend.dll"
fi

fail() { echo "node.sh: $*" >&2; exit 64; }
[ -n "${DATABASE_URL:-}" ] || fail "DATABASE_URL must be set (postgresql://user:pass@host:port/db)"

advertised_ip() {
  if [ -n "${ORLEANS_ADVERTISED_IP:-}" ]; then echo "$ORLEANS_ADVERTISED_IP"; return; fi
  if [ -n "${POD_IP:-}" ]; then echo "$POD_IP"; return; fi
  local ip=""
  if command -v ip >/dev/null 2>&1; then
    ip="$(ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')"
  fi
  echo "${ip:-127.0.0.1}"
}

case "$role" in
  node | silo)
    if [ "$role" = silo ]; then export FRONTEND_IN_SILO=false; else export FRONTEND_IN_SILO=true; fi
    export ORLEANS_ADVERTISED_IP; ORLEANS_ADVERTISED_IP="$(advertised_ip)"
    # A silo must accept connections on the address it advertises; listening on all addresses covers containers
    # whose advertised address is NATed.
    export ORLEANS_LISTEN_ANY="${ORLEANS_LISTEN_ANY:-true}"
    echo "node.sh: $role advertising $ORLEANS_ADVERTISED_IP:${ORLEANS_SILO_PORT:-11111} (gateway ${ORLEANS_GATEWAY_PORT:-30000})" >&2
    exec dotnet "$silo_dll"
    ;;
  frontend)
    exec dotnet "$frontend_dll"
    ;;
  migrate | bootstrap-admin)
    exec dotnet "$silo_dll" "$role"
    ;;
  *)
    fail "unknown role '$role' (node, silo, frontend, migrate, bootstrap-admin)"
    ;;
esac
