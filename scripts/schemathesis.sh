#!/usr/bin/env bash
# A bounded schemathesis run: the real `kakunin serve` on a fresh data directory, over
# TLS, fuzzed through its own OpenAPI document (GET /api/v1/openapi.json). Any 5xx, and
# any status, content type, header or body the document does not describe, fails it; so
# does a method a path does not list that is not answered 405 with `Allow`.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]        (default 25 per operation, ~1-2 min)
#
# Installs schemathesis with pip into a venv under target/ when it is missing. The binary
# is $KAKUNIN_BIN, else target/debug/kakunin (built here when missing). The rate limits
# of the instance under test are raised so the fuzzer reaches the handlers instead of
# the 429 in front of them (both are documented; only the handlers are interesting).
set -euo pipefail
cd "$(dirname "$0")/.."
max_examples="${1:-25}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target_dir/schemathesis-venv"
schemathesis_version='schemathesis>=4.32,<5'

if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  echo "== installing $schemathesis_version into $venv"
  # Exit 77 (the test suite reads it as "tool missing") when it cannot be installed.
  python3 -m venv "$venv" || exit 77
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$schemathesis_version" || exit 77
fi

bin="${KAKUNIN_BIN:-$target_dir/debug/kakunin}"
if [ ! -x "$bin" ]; then
  cargo build --quiet -p intake-api
fi

data="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

"$bin" init --data-dir "$data" >/dev/null
cat >>"$data/kakunin.toml" <<'EOF'

[rate_limits.general]
per_minute = 100000
burst = 10000

[rate_limits.sign_in]
per_minute = 100000
burst = 10000

[rate_limits.upload]
per_minute = 100000
burst = 10000
EOF
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
"$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server_pid=$!
base="https://localhost:$port"
for _ in $(seq 1 100); do
  if python3 - "$base" "$data/tls/cert.pem" <<'EOF' 2>/dev/null; then break; fi
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
urllib.request.urlopen(sys.argv[1] + "/healthz", context=ctx, timeout=2)
EOF
  sleep 0.2
done

echo "== schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}') against $base, $max_examples examples per operation"
status=0
"$venv/bin/schemathesis" --no-color run "$base/api/v1/openapi.json" \
  --tls-verify "$data/tls/cert.pem" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$max_examples" \
  --seed 20261130 \
  --workers 2 \
  --request-timeout 30 \
  --suppress-health-check all \
  --warnings off || status=$?
if [ "$status" -ne 0 ]; then
  echo "== schemathesis failed ($status); the server's log:"
  tail -n 50 "$data/serve.log"
fi
exit "$status"
