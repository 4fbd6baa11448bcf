#!/usr/bin/env bash
# `make test-release`: builds the release with a throwaway signing key, then installs it the way
# users do (acceptance-tests/tests/release: terraform init from a mirror and through the registry
# protocol, the quickstart applied against the local AWS, the arm64 binary under qemu, tampered
# files refused).
#
# Runs inside testkit/scripts/with-moto (the Makefile does that). Environment:
#   RDSLINK_LAMBDA_ZIP       the sync Lambda's zip (make sets it)
#   RDSLINK_RELEASE_TARGETS  platforms to build (default: the two Linux ones the tests install and
#                            run; `make release` also builds windows_amd64)
#   TEST_ARGS                extra arguments for `cargo test` (a filter, `--nocapture`)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/rdslink-release-test.XXXXXX")"
export GNUPGHOME="$scratch/gnupg"
cleanup() {
  # The agent gpg started for this keyring only.
  gpgconf --kill gpg-agent 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"

# RSA, as the Terraform registry accepts (it takes RSA and DSA keys, not ECC); valid for a day.
gpg --batch --quiet --passphrase '' \
  --quick-gen-key "rdslink release test <release-test@rdslink.invalid>" rsa3072 sign 1d
RDSLINK_GPG_KEY_ID="$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')"
export RDSLINK_GPG_KEY_ID

# What ships is built with the `release-dist` profile (size-optimised, whole-program LTO), whose
# cold build takes the better part of an hour per platform on two cores. The tests check the
# release's packaging, signature, installation and the binaries' behaviour, none of which depends
# on the optimiser, so they build the same script's artifacts with `release-test` (Cargo.toml), a
# debug-free unoptimised profile whose compiled dependencies CI's cache keeps.
export RDSLINK_RELEASE_PROFILE="${RDSLINK_RELEASE_PROFILE:-release-test}"
export RDSLINK_RELEASE_DIR="$scratch/release"
RDSLINK_RELEASE_TARGETS="${RDSLINK_RELEASE_TARGETS:-linux_amd64 linux_arm64}" \
  "$repo/scripts/release.sh" "$RDSLINK_RELEASE_DIR"

cd "$repo"
# --workspace: the same feature resolution as `make test`, so its compiled dependencies are reused.
# shellcheck disable=SC2086 # TEST_ARGS is a list of arguments
cargo test --locked --workspace --test release ${TEST_ARGS:-}
