#!/usr/bin/env bash
# GoReleaser's `tool` for the rust builder (.goreleaser.yml): cargo-zigbuild with the profile that
# ships (`release-dist`, the same as `make release`), leaving the binary where and as GoReleaser
# looks for it.
#
# GoReleaser runs `<tool> zigbuild --target=<triple> --release <flags>` and then copies
# target/<triple>/release/<binary name> into dist/; it knows only the `release` profile and cargo's
# own file name. So `--release` becomes `--profile=release-dist`, and the result is copied to
# target/<triple>/release/$GORELEASER_BINARY_NAME (terraform-provider-rdslink_v<version>[.exe],
# the registry's name for the file inside the zip; set by .goreleaser.yml from `{{ .Name }}`).
set -euo pipefail

[[ -n "${GORELEASER_BINARY_NAME:-}" ]] || { echo "goreleaser-cargo: GORELEASER_BINARY_NAME is not set" >&2; exit 1; }
profile=release-dist
package=terraform-provider-rdslink

args=()
triple=""
for arg in "$@"; do
  case "$arg" in
    --release) args+=("--profile=$profile") ;;
    --target=*) triple="${arg#--target=}"; args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
done
[[ -n "$triple" ]] || { echo "goreleaser-cargo: no --target=<triple> among: $*" >&2; exit 1; }

cargo "${args[@]}"

exe=""
[[ "$triple" == *windows* ]] && exe=.exe
# cargo-zigbuild accepts a glibc suffix (x86_64-unknown-linux-gnu.2.17) but builds into the plain triple.
dir="target/${triple%%.*}"
mkdir -p "$dir/release"
cp "$dir/$profile/$package$exe" "$dir/release/$GORELEASER_BINARY_NAME"
