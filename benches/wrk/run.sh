#!/usr/bin/env bash
# The vote path under wrk, as issue 15 measured it: starts BINARY (a release
# build of goldarena) on a fresh database with integrity off and the demo
# set, makes four voters, warms up 2 s, then runs wrk with 2 threads.
#   benches/wrk/run.sh BINARY sqlite|postgres [CONNECTIONS=32] [SECONDS=10]
# PostgreSQL: a database is made and dropped on the server at PG_URL
# (postgres://postgres@127.0.0.1:5432/postgres); PGQ adds URL parameters
# (PGQ='?sslmode=require'). PORT (18080) is where the server listens.
set -euo pipefail
BIN=$1 DB=$2 CONNS=${3:-32} SECS=${4:-10}
PORT=${PORT:-18080}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
HERE=$(cd "$(dirname "$0")" && pwd)
D=$(mktemp -d)
printf 'load_demo = true\n[integrity]\nenabled = false\n' > "$D/goldarena.toml"
NAME=""
if [ "$DB" = postgres ]; then
  NAME="wrk_$$"
  psql -q "$PG_URL" -c "CREATE DATABASE $NAME"
  URL="${PG_URL%/*}/$NAME${PGQ:-}"
else
  URL="sqlite://$D/arena.db?mode=rwc"
fi
cleanup() {
  [ -n "${SP:-}" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null || true
  [ -n "$NAME" ] && psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" || true
  rm -rf "$D"
}
trap cleanup EXIT
GOLDARENA_JWT_SECRET="wrk-$(head -c 24 /dev/urandom | base64)" RUST_LOG=warn \
  "$BIN" --config "$D/goldarena.toml" serve --bind "127.0.0.1:$PORT" --database "$URL" \
  > "${SERVER_LOG:-$D/server.log}" 2>&1 &
SP=$!
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/v1/health" && break; sleep 0.2; done
: > "$D/cookies.txt"
for i in 1 2 3 4; do
  curl -s -o /dev/null -c "$D/jar$i" -X POST -H 'content-type: application/json' -d '{}' \
    "http://127.0.0.1:$PORT/api/v1/battles"
  awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s=%s", $6, $7 }' "$D/jar$i" >> "$D/cookies.txt"
  echo >> "$D/cookies.txt"
done
COOKIES="$D/cookies.txt" wrk -t2 -c"$CONNS" -d2s -s "$HERE/alternate.lua" "http://127.0.0.1:$PORT" > /dev/null
COOKIES="$D/cookies.txt" wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$HERE/alternate.lua" --latency \
  "http://127.0.0.1:$PORT" | grep -E "^ +(50|90|99)%|votes/s"
