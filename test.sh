#!/usr/bin/env bash
# Installs what the tests need (Debian chromium, redis-server, PostgreSQL, Dovecot, the venv, bun,
# web-push-testing)
# and runs the whole suite: unit, state, browser (real Chromium). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/redis-server ] || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
# the e-mail tests run against a real IMAP server (tests/services.py DovecotServer)
{ [ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ]; } || need+=(dovecot-imapd)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
scripts/setup.sh requirements-dev.txt
# axe-core for the accessibility browser test, at the version pinned in tests/e2e/axe/package.json
AXE=tests/e2e/axe
want_axe="$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' "$AXE/package.json")"
have_axe="$( (sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$AXE/node_modules/axe-core/package.json" 2>/dev/null || true) | head -1)"
if [ "$have_axe" != "$want_axe" ]; then
  echo "==> installing axe-core $want_axe from npm"
  npm install --prefix "$AXE" --no-audit --no-fund --no-package-lock --loglevel=error
fi
# web-push-testing (a push service checking VAPID + aes128gcm) for the push tests, pinned in
# tests/servers/webpush/package.json
WPT=tests/servers/webpush
want_wpt="$(sed -n 's/.*"web-push-testing": *"\([^"]*\)".*/\1/p' "$WPT/package.json")"
have_wpt="$( (sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$WPT/node_modules/web-push-testing/package.json" 2>/dev/null || true) | head -1)"
if [ "$have_wpt" != "$want_wpt" ]; then
  echo "==> installing web-push-testing $want_wpt from npm"
  npm install --prefix "$WPT" --no-audit --no-fund --no-package-lock --loglevel=error
fi
source scripts/env.sh
echo "==> lint-imports (layers: .importlinter)"
lint-imports --no-cache
exec python -m pytest -q "$@"
