#!/usr/bin/env bash
# Refreshes the README's screenshots (screenshots/): runs the browser tests that take them
# with SCREENSHOTS_DIR pointed at the tracked folder. A plain test run writes them to a
# temporary folder instead, so it never leaves the checkout dirty.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
SCREENSHOTS_DIR="$PWD/screenshots" exec python -m pytest -q tests/e2e/test_zz_pages.py "$@"
