#!/usr/bin/env bash
# Runs the whole test suite, end-to-end tests against moto included.
#
#   scripts/test.sh                     # cargo test --workspace
#   scripts/test.sh -- --nocapture      # extra arguments go to cargo test
#
# Installs moto into the venv of scripts/setup-moto.sh when it is missing and
# hands its python to the tests as EKSPOSTURE_PYTHON. Installs headless
# Chromium (scripts/setup-chromium.sh) for the HTML report tests when it is
# missing and this runs as root; otherwise the rest of the suite still runs
# and those tests fail with how to install it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EKSPOSTURE_PYTHON="$("$ROOT/scripts/setup-moto.sh")"
export EKSPOSTURE_PYTHON
if EKSPOSTURE_CHROMIUM="$("$ROOT/scripts/setup-chromium.sh")"; then
    export EKSPOSTURE_CHROMIUM
fi
cd "$ROOT"
exec cargo test --workspace "$@"
