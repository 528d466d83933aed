#!/usr/bin/env bash
# Installs everything and starts Messenger (production build, one port) on SQLite with
# demo data: http://localhost:${PORT:-3000}. Dev mode with hot reload: ./run.sh --dev
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh requirements.txt
source scripts/env.sh
export DATA_DIR="${DATA_DIR:-$PWD/data}"
export DEMO_DATA="${DEMO_DATA:-1}"
PORT="${PORT:-3000}"
export PUBLIC_URL="${PUBLIC_URL:-http://localhost:$PORT}"
if [ "${1:-}" = "--dev" ]; then
  exec reflex run --env dev --frontend-port "$PORT" --backend-port "${BACKEND_PORT:-8000}"
fi
echo "==> Messenger on http://localhost:$PORT  (first admin password: see below or $DATA_DIR/admin-password.txt)"
exec reflex run --env prod --single-port --backend-port "$PORT"
