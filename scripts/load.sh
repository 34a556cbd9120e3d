#!/usr/bin/env bash
# Load figures for BENCHMARKS.md ("Load"): 12-megapixel photo uploads over TLS at
# concurrency 16 against a release build, on SQLite and (if reachable) PostgreSQL; peak
# RSS from /proc/PID/status (VmHWM); /healthz requests/s with wrk; and, for comparison,
# exiftool + age per file on the same photo. Loopback only; every loop is bounded.
#
# usage: scripts/load.sh [UPLOADS=160] [SECONDS=120]
# KAKUNIN_LOAD_PERF=DIR: also record a system-wide cpu-clock profile (perf) of each upload
# run into DIR/<backend>.perf.data and print where the CPU went, by process and by symbol.
# KAKUNIN_LOAD_BACKENDS="sqlite postgres" (default both): which backends to run.
# KAKUNIN_LOAD_BIN=PATH: measure that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
UPLOADS=${1:-160}
SECONDS_MAX=${2:-120}
CONCURRENCY=${CONCURRENCY:-16}
PG_URL=${KAKUNIN_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

# KAKUNIN_LOAD_BIN=PATH: measure that binary (e.g. an older build, for an A/B on one machine).
if [ -n "${KAKUNIN_LOAD_BIN:-}" ]; then
  BIN=$KAKUNIN_LOAD_BIN
else
  cargo build --release -p intake-api --bin kakunin
  BIN=target/release/kakunin
fi
PHOTO=tests/fixtures/images/bench/phone-12mp.jpg
[ -f "$PHOTO" ] || python3 ../shared/tools/mkphoto.py "$PHOTO"
WORK=$(mktemp -d)
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

run_backend() { # name, database-url-or-empty
  local name=$1 url=$2 data="$WORK/$1" port
  echo pw > "$WORK/pw"
  local db=(); [ -n "$url" ] && db=(--database-url "$url")
  $BIN init --data-dir "$data" --admin admin --admin-password-file "$WORK/pw" "${db[@]}" >/dev/null
  printf '\n[rate_limits.general]\nper_minute = 1000000\nburst = 100000\n[rate_limits.sign_in]\nper_minute = 10000\nburst = 1000\n[rate_limits.upload]\nper_minute = 1000000\nburst = 100000\n[rate_limits.upload_per_invitation]\nper_minute = 1000000\nburst = 100000\n' >> "$data/kakunin.toml"
  port=$((20000 + RANDOM % 20000))
  $BIN serve --data-dir "$data" --listen "127.0.0.1:$port" "${db[@]}" > "$WORK/$name.out" 2> "$WORK/$name.log" &
  PID=$!
  for _ in $(seq 1 100); do grep -q listening "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  echo "== $name: uploads (concurrency $CONCURRENCY, at most $UPLOADS uploads / $SECONDS_MAX s)"
  local client=(python3 scripts/load_client.py --port "$port" --cert "$data/tls/cert.pem"
    --kakunin "$BIN" --data-dir "$data" ${url:+--database-url "$url"} --photo "$PHOTO"
    --concurrency "$CONCURRENCY" --uploads "$UPLOADS" --seconds "$SECONDS_MAX")
  if [ -n "${KAKUNIN_LOAD_PERF:-}" ]; then
    mkdir -p "$KAKUNIN_LOAD_PERF"
    local profile="$KAKUNIN_LOAD_PERF/$name.perf.data"
    perf record -q -a -g -e cpu-clock -F 997 -o "$profile" -- "${client[@]}"
    echo "-- where the CPU went, by process (all of the run, sign-ins included)"
    perf report -i "$profile" --stdio --sort comm 2>/dev/null | grep -E '^ +[0-9]' | head -8
    echo "-- by process and symbol (self time)"
    perf report -i "$profile" --stdio --no-children --sort comm,dso,sym 2>/dev/null \
      | grep -E '^ +[0-9]' | head -40
  else
    "${client[@]}"
  fi
  echo "peak RSS: $(grep VmHWM /proc/$PID/status)"
  if command -v wrk >/dev/null; then
    echo "== $name: GET /healthz (wrk, 2 threads, 64 connections, 10 s)"
    wrk -t2 -c64 -d10s "https://localhost:$port/healthz" | grep -E "Requests/sec|Latency|Non-2xx"
  fi
  kill -TERM $PID; wait $PID || true
}

BACKENDS=${KAKUNIN_LOAD_BACKENDS:-sqlite postgres}
[[ " $BACKENDS " == *" sqlite "* ]] && run_backend sqlite ""
if [[ " $BACKENDS " == *" postgres "* ]] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  DB="kakunin_bench_$$"
  psql "$PG_URL" -qc "CREATE DATABASE $DB" >/dev/null
  run_backend postgres "${PG_URL%/*}/$DB"
  psql "$PG_URL" -qc "DROP DATABASE $DB" >/dev/null || true
fi

if command -v exiftool >/dev/null && command -v age >/dev/null; then
  echo "== exiftool -all= + age per file (sequential, 10 files)"
  age-keygen -o "$WORK/id.txt" 2>/dev/null
  R=$(age-keygen -y "$WORK/id.txt")
  start=$(date +%s.%N)
  for i in $(seq 1 10); do
    exiftool -q -all= -o "$WORK/clean$i.jpg" "$PHOTO"
    age -r "$R" -o "$WORK/clean$i.age" "$WORK/clean$i.jpg"
    rm -f "$WORK/clean$i.jpg"
  done
  end=$(date +%s.%N)
  python3 -c "print(f'exiftool+age: {10/($end-$start):.2f} photos/s, {($end-$start)/10:.3f} s per photo (one at a time)')"
fi
