#!/usr/bin/env bash
# Install everything the tests need and run them: the README's test command.
#   - a virtual environment in .venv (created if missing) with requirements-dev.txt;
#   - a Chromium for the browser tests: Debian's package where apt-get is available (as root or
#     with sudo), otherwise Playwright's own download;
#   - Fashion-MNIST from $LATENT_ATELIER_DATA_DIR, else ../shared/data/fashion-mnist, else a
#     one-time download into ~/.cache/latent-atelier.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not browser"`).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ -z "${LATENT_ATELIER_DATA_DIR:-}" ] && [ -d ../shared/data/fashion-mnist ]; then
  export LATENT_ATELIER_DATA_DIR="$(cd ../shared/data/fashion-mnist && pwd)"
fi

if [ -z "${LATENT_ATELIER_CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    .venv/bin/python -m playwright install chromium
    export LATENT_ATELIER_CHROMIUM=playwright
  fi
fi

exec .venv/bin/python -m pytest "$@"
