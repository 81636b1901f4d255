#!/usr/bin/env bash
# Audits a fake AWS account: starts a local moto server, seeds it with two EKS
# clusters (`risky`, with every risk the checks look for, and `hardened`, with
# them fixed), runs `eksposture audit` against it and stops the server.
#
#   scripts/demo.sh                    # the table
#   scripts/demo.sh --output json      # extra arguments go to `eksposture audit`
#
# The server is mocks/moto_server.py: moto with the wire-shape layer
# (mocks/wire_layer.py) in front, which serves in AWS's own wire shapes what
# moto lacks (EKS access entries, add-ons, Pod Identity, cluster versions,
# Inspector coverage, ...), so the scan is complete: no gaps, and the audit
# exits 3 for the risky cluster's failures.
#
# The demo clusters have no Kubernetes API of their own (moto makes up their
# endpoints), so the audit runs with --no-kubernetes: the Kubernetes checks
# are listed as skipped. Against a real account, leave the option out and
# give the scanner's role read access in each cluster (README, "Kubernetes
# access").
#
# Exits 0 when the audit exits 0, 3 (failing findings) or 4 (incomplete scan),
# else with the audit's exit code. Nothing reaches AWS: the credentials are
# dummies and the AWS config files are not read.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REGION="us-east-1"

say() { echo "demo: $*" >&2; }

PY="$("$ROOT/scripts/setup-moto.sh")"

say "building eksposture"
BIN="$(cargo build -p eksposture --manifest-path "$ROOT/Cargo.toml" \
        --message-format=json-render-diagnostics \
    | "$PY" -c '
import json, sys
exe = None
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "eksposture" and msg.get("executable"):
        exe = msg["executable"]
print(exe or "")
')"
[[ -x "$BIN" ]] || { say "cargo build did not produce the eksposture binary"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/eksposture-demo.XXXXXX")"
MOTO_PID=""
cleanup() {
    if [[ -n "$MOTO_PID" ]]; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ENDPOINT="http://127.0.0.1:$PORT"
say "starting moto (with the wire-shape layer) on $ENDPOINT"
(
    cd "$WORK"
    MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false \
        EKSPOSTURE_MOTO_PARENT_PID=$$ \
        exec "$PY" "$ROOT/mocks/moto_server.py" -H 127.0.0.1 -p "$PORT"
) >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!

if ! "$PY" - "$ENDPOINT" "$MOTO_PID" <<'PY'
import os, sys, time, urllib.request
endpoint, pid = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 60
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("moto exited")
    try:
        with urllib.request.urlopen(endpoint + "/moto-api/", timeout=2):
            sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("moto did not answer within 60 s")
PY
then
    say "moto did not start; its log:"
    tail -n 30 "$WORK/moto.log" >&2
    exit 1
fi

say "seeding clusters risky and hardened"
if ! "$PY" "$ROOT/mocks/seed.py" --endpoint "$ENDPOINT" --account demo --region "$REGION" >"$WORK/seed.json"; then
    say "seeding failed; moto's log:"
    tail -n 30 "$WORK/moto.log" >&2
    exit 1
fi

say "eksposture audit --endpoint-url $ENDPOINT --region $REGION --no-kubernetes $*"
set +e
env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION="$REGION" \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    "$BIN" audit --endpoint-url "$ENDPOINT" --region "$REGION" --no-kubernetes "$@"
code=$?
set -e

case "$code" in
    0) say "exit 0: nothing fails at or above --fail-on and the scan is complete" ;;
    3) say "exit 3: findings fail at or above --fail-on (the risky cluster's, as intended)" ;;
    4) say "exit 4: nothing fails at or above --fail-on, but the scan is incomplete (see the gaps)" ;;
    *) say "eksposture audit exited $code"; exit "$code" ;;
esac
exit 0
