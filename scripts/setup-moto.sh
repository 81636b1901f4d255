#!/usr/bin/env bash
# Creates (or reuses) a Python virtualenv holding the moto AWS emulator that the
# end-to-end tests and the demo run against, and prints its python's path on
# stdout. A no-op taking well under a second when the pinned version is there.
#
#   scripts/setup-moto.sh            # venv at ${EKSPOSTURE_VENV:-$HOME/.cache/eksposture/venv}
#   EKSPOSTURE_VENV=/tmp/v scripts/setup-moto.sh
set -euo pipefail

MOTO_VERSION="5.2.5"
VENV="${EKSPOSTURE_VENV:-$HOME/.cache/eksposture/venv}"
PY="$VENV/bin/python"

fail() {
    echo "setup-moto: $*" >&2
    exit 1
}

installed_version() {
    "$PY" - <<'PY' 2>/dev/null
from importlib.metadata import version
from importlib.util import find_spec
# moto[server]'s extras must be there too, not only moto itself.
assert all(find_spec(m) for m in ("boto3", "werkzeug", "flask", "flask_cors"))
print(version("moto"))
PY
}

if [[ -x "$PY" ]] && [[ "$(installed_version || true)" == "$MOTO_VERSION" ]]; then
    echo "$PY"
    exit 0
fi

BASE_PY="${PYTHON:-python3}"
command -v "$BASE_PY" >/dev/null 2>&1 || fail "no $BASE_PY on PATH: install Python 3.9+ (or set PYTHON=/path/to/python3)"

if [[ ! -x "$PY" ]]; then
    echo "setup-moto: creating venv at $VENV" >&2
    mkdir -p "$(dirname "$VENV")"
    "$BASE_PY" -m venv "$VENV" >&2 || fail "could not create a venv at $VENV (on Debian: apt-get install python3-venv)"
fi

echo "setup-moto: installing moto[server]==$MOTO_VERSION into $VENV" >&2
"$PY" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2 \
    || fail "pip install 'moto[server]==$MOTO_VERSION' failed (is PyPI reachable?)"

got="$(installed_version || true)"
[[ "$got" == "$MOTO_VERSION" ]] || fail "moto $MOTO_VERSION expected in $VENV, found '${got:-none}'"
echo "$PY"
