#!/usr/bin/env bash
# Installs what the app needs, idempotently: a venv with the pinned requirements and bun
# from npm (Reflex's own bun download needs the open internet). Source it, or run it.
# Usage: scripts/setup.sh [requirements file]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQ="${1:-requirements.txt}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
stamp=".venv/.installed-$(basename "$REQ")"
want="$(cat requirements.txt "$REQ" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing $REQ"
  .venv/bin/pip install -q -r "$REQ"
  echo "$want" > "$stamp"
fi
# The pins are what the app is tested with: a package upgraded by hand (or by another
# project's install into this venv) is reported with the command that puts it back.
.venv/bin/python scripts/check_packages.py "$REQ"
if [ ! -x node_modules/.bin/bun ]; then
  echo "==> installing bun from npm"
  npm install --no-audit --no-fund --no-save --loglevel=error bun@1.4.5
fi
