#!/usr/bin/env bash
# Builds the eksposture Lambda package: an arm64 (Graviton) `bootstrap` for the
# provided.al2023 runtime, cross-compiled with cargo-lambda (Zig as the C
# compiler and linker, so no aarch64 gcc or sysroot is needed).
#
#   scripts/build-lambda.sh            # -> $TARGET/lambda/eksposture/bootstrap
#   scripts/build-lambda.sh --zip      # and  $TARGET/lambda/eksposture.zip (for
#                                      #      aws lambda update-function-code --zip-file)
#
# $TARGET is $CARGO_TARGET_DIR when set, else ./target. deploy/template.yaml's
# CodeUri is ../target/lambda/eksposture/ (relative to deploy/), so with a custom
# CARGO_TARGET_DIR either copy the directory there or pass --lambda-dir:
#
#   scripts/build-lambda.sh --lambda-dir target/lambda   # copy the result into ./target/lambda
#
# --profile NAME builds with another cargo profile than `release`. CI uses
# `ci-lambda` (no optimisation, no debug info: it proves the cross build and
# the packaging in a third of the time); a deployed package is a release build.
#
# Installs the pinned cargo-lambda and ziglang (both from PyPI) into the project
# venv (the one scripts/setup-moto.sh creates, ${EKSPOSTURE_VENV:-~/.cache/eksposture/venv})
# when they are missing, and the aarch64-unknown-linux-gnu Rust target with rustup.
# A cold release build compiles the AWS SDK for arm64: 38 minutes measured on 2
# cores shared with another build (nice -n 19); incremental builds are quick.
set -euo pipefail

CARGO_LAMBDA_VERSION="1.9.2"
ZIGLANG_VERSION="0.14.1"
RUST_TARGET="aarch64-unknown-linux-gnu"
BIN="eksposture"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

fail() {
    echo "build-lambda: $*" >&2
    exit 1
}

ZIP=0
COPY_TO=""
PROFILE="release"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --zip) ZIP=1 ;;
        --lambda-dir)
            [[ $# -ge 2 ]] || fail "--lambda-dir needs a directory"
            COPY_TO="$2"
            shift
            ;;
        --profile)
            [[ $# -ge 2 ]] || fail "--profile needs a cargo profile name"
            PROFILE="$2"
            shift
            ;;
        -h | --help)
            sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) fail "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

PY="$("$ROOT/scripts/setup-moto.sh")" || fail "scripts/setup-moto.sh could not provide the project venv"
VENV_BIN="$(dirname "$PY")"

pinned() { # prints "ok" when package $1 is installed at version $2
    "$PY" - "$1" "$2" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
print("ok" if version(sys.argv[1]) == sys.argv[2] else "no")
PY
}

if [[ "$(pinned cargo-lambda "$CARGO_LAMBDA_VERSION" || true)" != ok ]] \
    || [[ "$(pinned ziglang "$ZIGLANG_VERSION" || true)" != ok ]]; then
    echo "build-lambda: installing cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION into $(dirname "$VENV_BIN")" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check \
        "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION" >&2 \
        || fail "pip install cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION failed (is PyPI reachable?)"
fi
[[ -x "$VENV_BIN/cargo-lambda" ]] || fail "no cargo-lambda in $VENV_BIN after the install"

# cargo finds the `cargo-lambda` subcommand on PATH; cargo-lambda finds Zig as
# `python -m ziglang` through the venv's python, first on PATH.
export PATH="$VENV_BIN:$PATH"

if command -v rustup >/dev/null 2>&1; then
    rustup target list --installed 2>/dev/null | grep -qx "$RUST_TARGET" \
        || rustup target add "$RUST_TARGET" >&2 \
        || fail "rustup target add $RUST_TARGET failed"
else
    echo "build-lambda: no rustup; assuming the $RUST_TARGET standard library is installed" >&2
fi

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT_DIR="$TARGET_DIR/lambda/$BIN"

# Always the plain binary: the template's CodeUri is the directory holding
# `bootstrap`, and `--output-format zip` would leave only bootstrap.zip there
# (which sam would zip again). --zip writes the zip beside the directory.
if [[ "$PROFILE" == release ]]; then
    args=(lambda build --release --arm64 --bin "$BIN")
else
    args=(lambda build --profile "$PROFILE" --arm64 --bin "$BIN")
fi

echo "build-lambda: cargo ${args[*]} (target dir $TARGET_DIR)" >&2
start=$(date +%s)
cargo "${args[@]}" >&2 || fail "cargo lambda build failed"
echo "build-lambda: built in $(($(date +%s) - start)) s" >&2

ARTEFACT="$OUT_DIR/bootstrap"
[[ -f "$ARTEFACT" ]] || fail "expected $ARTEFACT after the build, it is not there"
# sam deploy zips the whole directory: leave `bootstrap` alone in it (an earlier
# `cargo lambda build --output-format zip` leaves a bootstrap.zip there).
rm -f "$OUT_DIR/bootstrap.zip"
others="$(find "$OUT_DIR" -mindepth 1 ! -name bootstrap -print)"
[[ -z "$others" ]] || echo "build-lambda: warning: $OUT_DIR holds more than bootstrap, all of it would be deployed: $others" >&2

# An ELF64, little-endian, e_machine 0xB7 (EM_AARCH64): what provided.al2023 on
# arm64 executes. Read the header directly: `file` is not always installed.
check_elf() {
    "$PY" - "$1" <<'PY' || fail "$1 is not an aarch64 ELF executable"
import io, os, struct, sys, zipfile
path = sys.argv[1]
if path.endswith(".zip"):
    with zipfile.ZipFile(path) as z:
        mode = z.getinfo("bootstrap").external_attr >> 16
        data = z.read("bootstrap")
else:
    mode = os.stat(path).st_mode
    data = open(path, "rb").read()
if mode & 0o111 == 0:
    sys.exit(f"{path}: bootstrap is not executable")
if data[:4] != b"\x7fELF":
    sys.exit(f"{path}: not an ELF file")
ei_class, ei_data = data[4], data[5]
e_type, e_machine = struct.unpack_from("<HH", data, 16)
if ei_class != 2 or ei_data != 1 or e_machine != 0xB7 or e_type not in (2, 3):
    sys.exit(f"{path}: ELF class={ei_class} data={ei_data} type={e_type} machine={e_machine:#x}, want ELF64 LE EXEC/DYN aarch64 (0xb7)")
print(f"build-lambda: {path}: ELF64 little-endian aarch64 executable, {len(data) / 1e6:.1f} MB", file=sys.stderr)
PY
}
check_elf "$ARTEFACT"

if [[ -n "$COPY_TO" ]]; then
    mkdir -p "$COPY_TO"
    dest="$(cd "$COPY_TO" && pwd)/$BIN"
    if [[ "$dest" != "$(cd "$OUT_DIR" && pwd)" ]]; then
        rm -rf "$dest"
        cp -r "$OUT_DIR" "$dest"
        OUT_DIR="$dest"
        ARTEFACT="$dest/bootstrap"
    fi
fi

if [[ "$ZIP" == 1 ]]; then
    "$PY" - "$ARTEFACT" "$OUT_DIR.zip" <<'PY' || fail "could not write $OUT_DIR.zip"
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16  # a regular file, executable: Lambda runs it as is
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, f.read())
PY
    check_elf "$OUT_DIR.zip"
    echo "build-lambda: zip for aws lambda update-function-code: $OUT_DIR.zip" >&2
fi

echo "build-lambda: Lambda package in $OUT_DIR (the template's CodeUri is ../target/lambda/$BIN/)" >&2
echo "$ARTEFACT"
