#!/usr/bin/env bash
# A bounded schemathesis run: the real `kakunin serve` on a fresh data directory, over
# TLS, fuzzed through its own OpenAPI document (GET /api/v1/openapi.json). Any 5xx, and
# any status, content type, header or body the document does not describe, fails it; so
# does a method a path does not list that is not answered 405 with `Allow`.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]     (default 100 per operation: about 30 s here)
#
# Installs schemathesis with pip into a venv under target/ when it is missing. The binary
# is $KAKUNIN_BIN, else target/debug/kakunin (built here when missing). The rate limits
# of the instance under test are raised so the fuzzer reaches the handlers instead of
# the 429 in front of them (both are documented; only the handlers are interesting).
set -euo pipefail
cd "$(dirname "$0")/.."
max_examples="${1:-100}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target_dir/schemathesis-venv"
schemathesis_version='schemathesis>=4.32,<5'

if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  echo "== installing $schemathesis_version into $venv"
  # Exit 77 (the test suite reads it as "tool missing") when it cannot be installed.
  # The system's Python where there is one: this machine's pyenv CPython 3.11.7 crashed
  # inside schemathesis under load ("SystemError: AST constructor recursion depth
  # mismatch", a CPython bug, gh-106905), Debian's 3.11.2 has not.
  python=python3
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3
  "$python" -m venv "$venv" || exit 77
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

[rate_limits.upload_per_invitation]
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

# A signed-in provider (cookie and CSRF token) and a payroll client (bearer token), so
# the fuzzer reaches past the session checks into the handlers. Signing out is left out:
# it would end the session the rest of the run uses (the tests cover it).
token="$("$bin" invite --data-dir "$data" --kind employee --name '山田 太郎' --json \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
read -r cookie csrf < <(python3 - "$base" "$data/tls/cert.pem" "$token" <<'EOF'
import json, ssl, sys, urllib.request
base, cafile, token = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=cafile)
request = urllib.request.Request(base + "/api/v1/provider/session", method="POST",
    data=json.dumps({"token": token}).encode(), headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, context=ctx, timeout=10) as response:
    cookie = next(c.split(";")[0] for c in response.headers.get_all("Set-Cookie")
                  if c.startswith("__Host-kakunin_provider="))
    print(cookie, json.load(response)["csrf_token"])
EOF
)
bearer="$("$bin" payroll-client add --data-dir "$data" --name schemathesis \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

echo "== schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}') against $base, $max_examples examples per operation"
status=0
"$venv/bin/schemathesis" --no-color run "$base/api/v1/openapi.json" \
  --tls-verify "$data/tls/cert.pem" \
  --header "Cookie: $cookie" \
  --header "X-CSRF-Token: $csrf" \
  --header "Authorization: Bearer $bearer" \
  --exclude-operation-id sign_out \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$max_examples" \
  --seed 20261130 \
  --workers 2 \
  --request-timeout 30 \
  --suppress-health-check all \
  --warnings off || status=$?
# How deep the run reached: the server's answers by method, path and status.
echo "== answers (count, request, status):"
sed -E 's/\x1b\[[0-9;]*m//g' "$data/serve.log" \
  | grep -oE '"[A-Z]+ /api/v1/[^"]*" [0-9]{3}' \
  | sed -E 's#/[0-9A-Za-z%._~-]{20,}#/{id}#g' | sort | uniq -c | sort -rn \
  | awk 'NR <= 40' # reads to the end: `head` would close the pipe early, and under
                    # pipefail the SIGPIPE of `sort` would fail a run that passed
if [ "$status" -ne 0 ]; then
  echo "== schemathesis failed ($status); the server's log:"
  tail -n 50 "$data/serve.log"
fi
exit "$status"
