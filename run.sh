#!/usr/bin/env bash
# Installs everything and starts Messenger (production build, one port) on SQLite with
# demo data: http://localhost:${PORT:-3000}. Dev mode with hot reload: ./run.sh --dev
# With DATABASE_URL set (PostgreSQL) there is no demo data unless DEMO_DATA=1.
# Backend processes: GRANIAN_WORKERS (1 without REDIS_URL; with it, the core count, at most 4:
# settings.backend_workers(), applied in rxconfig.py).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh requirements.txt
source scripts/env.sh
export DATA_DIR="${DATA_DIR:-$PWD/data}"
if [ -n "${DATABASE_URL:-}" ]; then
  export DEMO_DATA="${DEMO_DATA:-0}"  # a real database: never fill it with demo clients
else
  export DEMO_DATA="${DEMO_DATA:-1}"
fi
PORT="${PORT:-3000}"
export PUBLIC_URL="${PUBLIC_URL:-http://localhost:$PORT}"
if [ "${1:-}" = "--dev" ]; then
  exec reflex run --env dev --frontend-port "$PORT" --backend-port "${BACKEND_PORT:-8000}"
fi
export REFLEX_CHECK_LATEST_VERSION="${REFLEX_CHECK_LATEST_VERSION:-false}"  # no PyPI call at start
echo "==> Messenger on http://localhost:$PORT  (first admin password: see below or $DATA_DIR/admin-password.txt)"
# Builds the frontend only when its sources changed since the last build (FORCE_BUILD=1: always)
exec python scripts/serve.py "$PORT"
