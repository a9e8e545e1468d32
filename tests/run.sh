#!/usr/bin/env bash
# Install what the test suite needs, then run it: `bash tests/run.sh [pytest arguments]`.
#
# - Debian packages, when missing (with root or sudo): chromium and chromium-driver (page and
#   STAC Browser tests), npm (STAC Browser is built from its npm package), postgresql (the store
#   tests run on SQLite and on PostgreSQL), python3-venv.
# - Python packages: a virtual environment in .venv with `pip install -e ".[dev]"`, PyTorch
#   (for the loader tests) pinned first.
# - PostgreSQL: the server at 127.0.0.1:5432 (user postgres, no password), its cluster started
#   if it is down. Where no server there takes user postgres without a password, a throwaway
#   one on a free port, removed afterwards. ASTROBENCH_TEST_POSTGRES names another.
#
# It stops with a message naming what it cannot install; it never skips tests.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'tests/run.sh: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo "$@"
  else
    return 1
  fi
}
postgres_bin() { find /usr/lib/postgresql -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1; }

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "the tests need Python 3.11 or later (stac-api-validator does); python3 is $(python3 -V 2>&1)"

# -- Debian packages ---------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v npm >/dev/null 2>&1 || missing+=(npm) # builds STAC Browser from its npm package
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
if [ -z "${ASTROBENCH_TEST_POSTGRES:-}" ] && [ -z "$(postgres_bin)" ]; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 ||
    die "missing: ${missing[*]}; this is not a Debian system: install them, then run again"
  say "installing ${missing[*]}"
  { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}"; } ||
    die "missing: ${missing[*]}; install them (sudo apt-get install ${missing[*]}), then run again"
fi

# -- Python packages ---------------------------------------------------------------------------
[ -x .venv/bin/python ] || python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
# PyTorch first, pinned, so that the [torch] extra is already met: this release's CPU build lies
# in pip's find-links on the CI machines, where a newer one would be a CUDA build of several GB.
pip install -q "torch==2.13.0"
pip install -q -e ".[dev]"

# -- PostgreSQL --------------------------------------------------------------------------------
accepts() { # does $1 (a libpq URL) let us in?
  python - "$1" <<'EOF' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
EOF
}
DEFAULT_POSTGRES="postgresql://postgres@127.0.0.1:5432/postgres"
if [ -z "${ASTROBENCH_TEST_POSTGRES:-}" ] && ! accepts "$DEFAULT_POSTGRES"; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ] && as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null; then
    for _ in $(seq 30); do accepts "$DEFAULT_POSTGRES" && break || sleep 0.5; done
  fi
fi
if [ -z "${ASTROBENCH_TEST_POSTGRES:-}" ] && ! accepts "$DEFAULT_POSTGRES"; then
  bin=$(postgres_bin)
  [ -n "$bin" ] || die "missing: a PostgreSQL server (Debian package postgresql)"
  pg_dir=$(mktemp -d /tmp/astrobench-postgres.XXXXXX) # /tmp: reachable by the postgres user
  run_as=()
  if [ "$(id -u)" -eq 0 ]; then # the server refuses to run as root
    chown postgres "$pg_dir"
    run_as=(runuser -u postgres --)
  fi
  trap '"${run_as[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
  port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  password=$(python -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$password" >"$pg_dir/password" && chmod 644 "$pg_dir/password"
  "${run_as[@]}" "$bin/initdb" -D "$pg_dir/data" -U postgres --auth=scram-sha-256 \
    --pwfile="$pg_dir/password" -E UTF8 >"$pg_dir/initdb.log" 2>&1 ||
    die "could not create a PostgreSQL cluster: $(cat "$pg_dir/initdb.log")"
  "${run_as[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    die "could not start PostgreSQL: $(cat "$pg_dir/server.log")"
  export ASTROBENCH_TEST_POSTGRES="postgresql://postgres:$password@127.0.0.1:$port/postgres"
  say "PostgreSQL for the tests: a throwaway server at 127.0.0.1:$port"
fi

python -m pytest "$@"
