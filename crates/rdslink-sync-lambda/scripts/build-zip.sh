#!/usr/bin/env bash
# Builds the sync Lambda (`bootstrap`) as a static arm64 binary and packages it as a
# deterministic zip for the provided.al2023 runtime.
#
# Usage: crates/rdslink-sync-lambda/scripts/build-zip.sh [OUT.zip]     (default: <repo>/target/dist/rdslink-sync.zip)
#
# Environment:
#   RDSLINK_LAMBDA_TARGET_DIR  cargo target dir of this nested build (default:
#                              ${CARGO_TARGET_DIR:-<repo>/target}/lambda-build). It must differ from
#                              the target dir of any cargo that runs this script (a provider
#                              build.rs): sharing it deadlocks on cargo's build-directory lock.
#   CARGO_ZIGBUILD             cargo-zigbuild to use (default: <repo>/.cache/lambda-tools/bin,
#                              installed by `make lambda-tools`, then PATH)
#
# Safe to call from a build.rs: the cargo/rustc variables a parent cargo exports (CARGO_*,
# RUSTFLAGS, RUSTC_WRAPPER, TARGET, PROFILE, ...) are cleared, except CARGO_HOME and
# CARGO_MAKEFLAGS (the jobserver), so the nested build is the same as a standalone one.
set -euo pipefail

# Lower case: TARGET and PROFILE are among the parent cargo's variables cleared below.
rust_target=aarch64-unknown-linux-musl
profile=lambda

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="${1:-$repo/target/dist/rdslink-sync.zip}"
target_dir="${RDSLINK_LAMBDA_TARGET_DIR:-${CARGO_TARGET_DIR:-$repo/target}/lambda-build}"
tools_bin="$repo/.cache/lambda-tools/bin"

zigbuild="${CARGO_ZIGBUILD:-}"
if [[ -z "$zigbuild" ]]; then
  if [[ -x "$tools_bin/cargo-zigbuild" ]]; then
    zigbuild="$tools_bin/cargo-zigbuild"
  else
    zigbuild="$(command -v cargo-zigbuild || true)"
  fi
fi
if [[ -z "$zigbuild" || ! -x "$zigbuild" ]]; then
  echo "build-zip: cargo-zigbuild not found; run \`make lambda-tools\` or set CARGO_ZIGBUILD" >&2
  exit 1
fi
# cargo-zigbuild runs zig from PATH or from the `ziglang` Python package beside it.
export PATH="$(dirname "$zigbuild"):$PATH"

# Forget the parent cargo's build (build.rs environment), keep the cache and the jobserver.
while IFS= read -r name; do
  case "$name" in
    CARGO_HOME | CARGO_MAKEFLAGS) ;;
    CARGO | CARGO_* | RUSTC | RUSTC_* | RUSTDOC | RUSTDOC_* | RUSTFLAGS | \
      TARGET | HOST | PROFILE | OUT_DIR | OPT_LEVEL | DEBUG | NUM_JOBS | DEP_*)
      unset "$name" ;;
  esac
done < <(compgen -e)

started=$SECONDS
(
  cd "$repo"
  CARGO_TARGET_DIR="$target_dir" "$zigbuild" zigbuild --locked --quiet \
    --package rdslink-sync-lambda --bin bootstrap --features runtime \
    --profile "$profile" --target "$rust_target"
)
binary="$target_dir/$rust_target/$profile/bootstrap"
python3 "$repo/crates/rdslink-sync-lambda/scripts/deterministic_zip.py" "$binary" "$out"

echo "build-zip: $out ($(stat -c %s "$out") bytes zipped, $(stat -c %s "$binary") bytes binary, $((SECONDS - started)) s)" >&2
