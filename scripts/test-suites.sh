#!/usr/bin/env bash
# The whole suite on SQLite and on PostgreSQL at the same time: each run keeps one core
# busy (the PostgreSQL run waits on its server, both wait on Chromium), so together they
# take about as long as the longer one. SQLite's output streams; PostgreSQL's is kept in
# a file and printed when both are done. Fails when either fails.
# Usage: scripts/test-suites.sh PYTHON [pytest arguments...]
set -uo pipefail
python=$1
shift
log=$(mktemp "${TMPDIR:-/tmp}/test-postgresql.XXXXXX")
# Its own cache folder: two runs must not write one .pytest_cache at once.
TEST_DATABASE=postgresql "$python" -m pytest -p no:cacheprovider "$@" >"$log" 2>&1 &
postgresql=$!
trap 'kill "$postgresql" 2>/dev/null; rm -f "$log"' EXIT
trap 'exit 130' INT TERM

echo "== SQLite (PostgreSQL runs beside it; its output follows)"
"$python" -m pytest "$@"
sqlite_status=$?
wait "$postgresql"
postgresql_status=$?
echo
echo "== PostgreSQL"
cat "$log"
echo
echo "== SQLite: $([ $sqlite_status -eq 0 ] && echo passed || echo "FAILED ($sqlite_status)")," \
    "PostgreSQL: $([ $postgresql_status -eq 0 ] && echo passed || echo "FAILED ($postgresql_status)")"
[ $sqlite_status -eq 0 ] && [ $postgresql_status -eq 0 ]
