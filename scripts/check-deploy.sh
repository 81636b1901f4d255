#!/usr/bin/env bash
# Checks the deployment templates in deploy/ without touching AWS:
#
#   1. cfn-lint deploy/*.yaml                       (must be clean: no errors, warnings or notes)
#   2. deploy/check_sam_transform.py                (the SAM transform, run offline, and cfn-lint of its output)
#   3. deploy/check_statemachine.py                 (the Step Functions definition: valid ASL, the flow)
#   4. deploy/test_check_policy.py                  (the checkers' own tests, with a fake binary)
#   5. deploy/check_policy.py BINARY                (the IAM policies == `BINARY permissions ...`)
#
#   scripts/check-deploy.sh [BINARY]
#
# BINARY defaults to $CARGO_TARGET_DIR/debug/eksposture, else target/debug/eksposture
# (build it first: cargo build -p eksposture). Installs the pinned cfn-lint and
# aws-sam-translator into the project venv (scripts/setup-moto.sh's,
# ${EKSPOSTURE_VENV:-~/.cache/eksposture/venv}) when they are missing.
set -euo pipefail

CFN_LINT_VERSION="1.58.0"
SAM_TRANSLATOR_VERSION="1.115.0"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

fail() {
    echo "check-deploy: $*" >&2
    exit 1
}

if [[ $# -ge 1 ]]; then
    BINARY="$1"
elif [[ -n "${CARGO_TARGET_DIR:-}" && -x "$CARGO_TARGET_DIR/debug/eksposture" ]]; then
    BINARY="$CARGO_TARGET_DIR/debug/eksposture"
else
    BINARY="$ROOT/target/debug/eksposture"
fi
[[ -x "$BINARY" ]] || fail "no eksposture binary at $BINARY (cargo build -p eksposture, or pass its path)"

PY="$("$ROOT/scripts/setup-moto.sh")" || fail "scripts/setup-moto.sh could not provide the project venv"
VENV_BIN="$(dirname "$PY")"

installed() { "$PY" -c "from importlib.metadata import version; print(version('$1'))" 2>/dev/null || true; }
if [[ "$(installed cfn-lint)" != "$CFN_LINT_VERSION" ]] \
    || [[ "$(installed aws-sam-translator)" != "$SAM_TRANSLATOR_VERSION" ]]; then
    echo "check-deploy: installing cfn-lint==$CFN_LINT_VERSION aws-sam-translator==$SAM_TRANSLATOR_VERSION into $(dirname "$VENV_BIN")" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check \
        "cfn-lint==$CFN_LINT_VERSION" "aws-sam-translator==$SAM_TRANSLATOR_VERSION" >&2 \
        || fail "pip install cfn-lint aws-sam-translator failed (is PyPI reachable?)"
fi

status=0
echo "check-deploy: cfn-lint $CFN_LINT_VERSION deploy/*.yaml" >&2
"$VENV_BIN/cfn-lint" --format parseable deploy/*.yaml || status=1
"$PY" deploy/check_sam_transform.py || status=1
"$PY" deploy/check_statemachine.py || status=1
if ! tests="$("$PY" deploy/test_check_policy.py 2>&1)"; then
    echo "$tests" >&2
    status=1
else
    echo "check-deploy: deploy/test_check_policy.py: $(grep -E '^Ran ' <<<"$tests")" >&2
fi
"$PY" deploy/check_policy.py "$BINARY" || status=1

if [[ $status -ne 0 ]]; then
    fail "deploy/ has problems (above)"
fi
echo "check-deploy: ok" >&2
