#!/usr/bin/env bash
# Makes sure headless Chromium is there for the HTML report tests and prints
# its path on stdout. A no-op when it is installed; otherwise installs
# Debian's `chromium` package (quietly) when run as root with apt-get, and
# fails with a one-line hint when it cannot.
#
#   scripts/setup-chromium.sh        # checks ${EKSPOSTURE_CHROMIUM:-/usr/bin/chromium}
set -euo pipefail

BIN="${EKSPOSTURE_CHROMIUM:-/usr/bin/chromium}"

if [[ -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi
if [[ -n "${EKSPOSTURE_CHROMIUM:-}" ]]; then
    echo "setup-chromium: EKSPOSTURE_CHROMIUM=$BIN is not an executable" >&2
    exit 1
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "setup-chromium: Chromium is missing: install it with 'sudo apt-get install --no-install-recommends chromium' (or set EKSPOSTURE_CHROMIUM)" >&2
    exit 1
fi
echo "setup-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >/dev/null
[[ -x "$BIN" ]] || { echo "setup-chromium: apt-get installed chromium but $BIN is missing" >&2; exit 1; }
echo "$BIN"
