#!/usr/bin/env bash
# Builds the provider's release in the Terraform registry's layout, as GoReleaser does on a tag
# (.goreleaser.yml), but here, with the project's own cargo-zigbuild:
#
#   terraform-provider-rdslink_<version>_<os>_<arch>.zip   one per platform, holding
#                                                          terraform-provider-rdslink_v<version>[.exe]
#   terraform-provider-rdslink_<version>_manifest.json     terraform-registry-manifest.json, copied
#   terraform-provider-rdslink_<version>_SHA256SUMS        `<sha256>  <file>` lines, sorted by file
#   terraform-provider-rdslink_<version>_SHA256SUMS.sig    detached binary GPG signature of it
#
# Usage: scripts/release.sh [OUT_DIR]        (default: <repo>/dist; `make release` runs this)
#
# Environment:
#   RDSLINK_GPG_KEY_ID       required: the key (fingerprint or id) in GnuPG's keyring (GNUPGHOME)
#                            that signs SHA256SUMS; its public half is what the registry holds
#   RDSLINK_LAMBDA_ZIP       required: the sync Lambda's zip, built once (`make lambda-zip`) and
#                            embedded in every platform's binary
#   RDSLINK_RELEASE_TARGETS  platforms to build (default: linux_amd64 linux_arm64 windows_amd64;
#                            darwin_amd64 and darwin_arm64 only on macOS: linking for Apple needs
#                            its SDK, which GoReleaser's macOS runner has and this Linux machine lacks)
#   CARGO_ZIGBUILD           cargo-zigbuild (default: <repo>/.cache/lambda-tools/bin, `make lambda-tools`)
#
# The version is the workspace's (Cargo.toml), the commit is `git rev-parse --short HEAD`; the binary
# prints both (`terraform-provider-rdslink --version`). Binaries use the `release-dist` profile
# (Cargo.toml): linux_amd64 measured 15.9 MB stripped with the Lambda embedded (zip 8.2 MB),
# against 19.7 MB from `cargo build --release` (thin LTO; 38.7 MB before it was size-optimised); a
# cold build of it took 87 min on a busy 2-core box.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/dist}"
targets="${RDSLINK_RELEASE_TARGETS:-linux_amd64 linux_arm64 windows_amd64}"
# RDSLINK_RELEASE_PROFILE: `make test-release` builds with a cheaper profile (see test-release.sh).
profile="${RDSLINK_RELEASE_PROFILE:-release-dist}"
project=terraform-provider-rdslink

fail() { echo "release: $*" >&2; exit 1; }

[[ -n "${RDSLINK_GPG_KEY_ID:-}" ]] ||
  fail "RDSLINK_GPG_KEY_ID is not set: name the GPG key that signs SHA256SUMS (GNUPGHOME picks the keyring)"
gpg --batch --list-secret-keys "$RDSLINK_GPG_KEY_ID" >/dev/null 2>&1 ||
  fail "no secret key '$RDSLINK_GPG_KEY_ID' in GnuPG's keyring (${GNUPGHOME:-~/.gnupg})"
[[ -n "${RDSLINK_LAMBDA_ZIP:-}" && -f "$RDSLINK_LAMBDA_ZIP" ]] ||
  fail "RDSLINK_LAMBDA_ZIP='${RDSLINK_LAMBDA_ZIP:-}' is not a file: run \`make lambda-zip\` (or \`make release\`)"

zigbuild="${CARGO_ZIGBUILD:-$repo/.cache/lambda-tools/bin/cargo-zigbuild}"
[[ -x "$zigbuild" ]] || fail "cargo-zigbuild not found at $zigbuild: run \`make lambda-tools\`"
# cargo-zigbuild runs zig from PATH or from the `ziglang` Python package beside it.
export PATH="$(dirname "$zigbuild"):$PATH"

cd "$repo"
metadata="$(cargo metadata --locked --format-version 1 --no-deps)"
version="$(python3 -c 'import json, sys
packages = json.load(sys.stdin)["packages"]
print(next(p["version"] for p in packages if p["name"] == sys.argv[1]))' "$project" <<<"$metadata")"
target_dir="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' <<<"$metadata")"
# Shown by --version; a tarball without .git simply has no commit.
RDSLINK_GIT_COMMIT="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || true)"
export RDSLINK_GIT_COMMIT

rust_target_of() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-musl ;;   # static, like Go providers: any distribution
    linux_arm64) echo aarch64-unknown-linux-musl ;;
    windows_amd64) echo x86_64-pc-windows-gnu ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    *) fail "unknown platform '$1' (known: linux_amd64 linux_arm64 windows_amd64 darwin_amd64 darwin_arm64)" ;;
  esac
}

# One cargo invocation for all platforms: cargo schedules both targets' crates together and builds
# the shared build scripts and proc macros once.
rust_targets=()
for platform in $targets; do
  rust_target="$(rust_target_of "$platform")"
  if [[ "$platform" == darwin_* && "$(uname -s)" != Darwin ]]; then
    fail "$platform is built on macOS (GoReleaser's macos runner, .goreleaser.yml): linking for Apple needs its SDK"
  fi
  rustup target list --installed | grep -qx "$rust_target" || rustup target add "$rust_target"
  rust_targets+=(--target "$rust_target")
done
echo "release: building $targets (profile $profile, version $version, commit ${RDSLINK_GIT_COMMIT:-unknown})" >&2
started=$SECONDS
"$zigbuild" zigbuild --locked --package "$project" --bin "$project" --profile "$profile" "${rust_targets[@]}"
echo "release: built in $((SECONDS - started)) s" >&2

mkdir -p "$out"
# Only this project's artifacts are replaced: OUT_DIR may hold other files.
rm -f "$out/${project}"_*
for platform in $targets; do
  rust_target="$(rust_target_of "$platform")"
  exe=""
  [[ "$platform" == windows_* ]] && exe=.exe
  binary="$target_dir/$rust_target/$profile/$project$exe"
  zip="$out/${project}_${version}_${platform}.zip"
  python3 "$repo/scripts/provider_zip.py" "$binary" "${project}_v${version}${exe}" "$zip"
  echo "release: $platform: binary $(stat -c %s "$binary") bytes, zip $(stat -c %s "$zip") bytes" >&2
done

cp "$repo/terraform-registry-manifest.json" "$out/${project}_${version}_manifest.json"
sums="${project}_${version}_SHA256SUMS"
(
  cd "$out"
  # GoReleaser's format and order: `<sha256>  <file>`, sorted by file name, archives and manifest.
  LC_ALL=C ls -1 "${project}_${version}"_*.zip "${project}_${version}_manifest.json" | LC_ALL=C sort |
    xargs sha256sum >"$sums"
  gpg --batch --yes --local-user "$RDSLINK_GPG_KEY_ID" --output "$sums.sig" --detach-sign "$sums"
)
echo "release: $out" >&2
(cd "$out" && ls -l) >&2
