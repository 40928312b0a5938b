#!/usr/bin/env bash
# Install everything the tests need and run them: the README's test command.
#   - a virtual environment in .venv (created if missing) with requirements-dev.txt;
#   - a Chromium for the browser tests: Debian's package where apt-get is available (as root or
#     with sudo), otherwise Playwright's own download;
#   - Fashion-MNIST from $LATENT_ATELIER_DATA_DIR, else ../shared/data/fashion-mnist, else a
#     one-time download into ~/.cache/latent-atelier;
#   - a throwaway PostgreSQL server for the board database tests (Debian's package, installed where
#     missing), in a temporary folder on a free port, stopped at the end. The script fails if it
#     cannot start one: the tests must run against both databases. To use a server of your own,
#     set LATENT_ATELIER_TEST_DATABASE_URL (each test makes and drops its own database there).
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not browser"`).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ -z "${LATENT_ATELIER_DATA_DIR:-}" ] && [ -d ../shared/data/fashion-mnist ]; then
  export LATENT_ATELIER_DATA_DIR="$(cd ../shared/data/fashion-mnist && pwd)"
fi

apt_install() {  # apt_install PACKAGE...: as root, or with sudo; fails otherwise
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null
  else
    return 1
  fi
}

if [ -z "${LATENT_ATELIER_CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
  if ! apt_install chromium; then
    .venv/bin/python -m playwright install chromium
    export LATENT_ATELIER_CHROMIUM=playwright
  fi
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true; }

PG_DIR=""
PG_AS=""
stop_postgres() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
    $PG_AS "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

start_postgres() {  # a throwaway cluster; exports LATENT_ATELIER_TEST_DATABASE_URL
  if [ -z "$(pg_bin)" ]; then
    echo "Installing PostgreSQL (Debian's postgresql package) for the database tests..." >&2
    apt_install postgresql || true
  fi
  local bin; bin=$(pg_bin)
  if [ -z "$bin" ] || ! [ -x "$bin/initdb" ]; then
    echo "scripts/test.sh: PostgreSQL is needed for the board database tests and could not be installed:" >&2
    echo "  apt-get install postgresql (as root), or set LATENT_ATELIER_TEST_DATABASE_URL to a server." >&2
    return 1
  fi
  if [ "$(id -u)" = 0 ]; then  # PostgreSQL refuses to run as root: the package's user, else nobody
    PG_DIR=$(mktemp -d /tmp/latent-atelier-pg.XXXXXX)  # a folder that user can reach
    local user=postgres; id -u postgres >/dev/null 2>&1 || user=nobody
    chown "$user" "$PG_DIR"
    PG_AS="runuser -u $user --"
  else
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/latent-atelier-pg.XXXXXX")
  fi
  local port
  port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if ! $PG_AS "$bin/initdb" -D "$PG_DIR/data" -U atelier --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || ! $PG_AS "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
      -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1" >/dev/null; then
    echo "scripts/test.sh: the throwaway PostgreSQL server did not start:" >&2
    tail -n 20 "$PG_DIR/initdb.log" "$PG_DIR/server.log" >&2 2>/dev/null || true
    return 1
  fi
  export LATENT_ATELIER_TEST_DATABASE_URL="postgresql+psycopg://atelier@127.0.0.1:$port/postgres"
}

export LATENT_ATELIER_REQUIRE_POSTGRES=1  # the PostgreSQL tests fail rather than skip
if [ -z "${LATENT_ATELIER_TEST_DATABASE_URL:-}" ]; then
  trap stop_postgres EXIT
  trap 'exit 130' INT TERM
  start_postgres
fi

status=0
.venv/bin/python -m pytest "$@" || status=$?
exit "$status"
