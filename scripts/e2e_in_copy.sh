#!/usr/bin/env bash
# For parallel work: run the browser tests from a private copy of the working tree, so
# several people can build the frontend at once (each `reflex run` owns the .web/ folder
# of the tree it runs in). Usage: scripts/e2e_in_copy.sh NAME [pytest args...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NAME="${1:?name}"; shift
DEST="/tmp/e2e-copy-$NAME"
mkdir -p "$DEST"
rsync -a --delete --exclude .venv --exclude node_modules --exclude .web --exclude .states \
  --exclude data --exclude '__pycache__' --exclude screenshots "$ROOT/" "$DEST/"
ln -sfn "$ROOT/.venv" "$DEST/.venv"
ln -sfn "$ROOT/node_modules" "$DEST/node_modules"
for d in tests/e2e/axe tests/servers/webpush; do  # npm tools the tests use (./test.sh installs them)
  [ -d "$ROOT/$d/node_modules" ] && ln -sfn "$ROOT/$d/node_modules" "$DEST/$d/node_modules"
done
mkdir -p "$DEST/screenshots"
cd "$DEST"
source scripts/env.sh
exec python -m pytest "${@:-tests/e2e}"
