# rdslink developer tasks. GNU make; needs Rust (cargo), Python 3 and, for the acceptance tests,
# terraform on PATH. The Python tools (the moto AWS emulator) live in ./.venv, created on demand.
#
#   make test    run every test against one local moto server (started and stopped here)
#   make demo    run the demo against a local moto server
#   make build / fmt / lint / clean / distclean / venv
#
# The provider embeds the sync Lambda's zip; its build script builds it beside the rest of the
# workspace (crates/rdslink-sync-lambda/lambda.mk; the cross tools come from PyPI on first use).
# cargo honours CARGO_TARGET_DIR when it is set (.ci/run points it at a persistent cache).
# Extra arguments for `cargo test`: make test TEST_ARGS='-p rdslink-testkit -- dns'

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := test

PYTHON ?= python3
CARGO ?= cargo
VENV := $(CURDIR)/.venv
VENV_STAMP := $(VENV)/.rdslink-installed
WITH_MOTO := $(CURDIR)/testkit/scripts/with-moto $(VENV)
TEST_ARGS ?=

.PHONY: venv test test-release release demo docs bench build fmt lint clean distclean check-terraform

## venv: the project's Python environment with moto[server]; reinstalled only when the pins change.
venv: $(VENV_STAMP)

$(VENV_STAMP): requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	PIP_NO_INPUT=1 $(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## test: all workspace tests, sharing one moto server that is stopped afterwards (also on failure).
## The compile comes first, on its own: it builds the zip the provider embeds, and the tests read
## that zip from where `make lambda-zip` writes it (a fresh build by then: seconds).
test: venv check-terraform
	$(CARGO) test --workspace --no-run $(TEST_ARGS)
	$(MAKE) --no-print-directory lambda-zip
	$(WITH_MOTO) $(CARGO) test --workspace $(TEST_ARGS)

## release: the provider's release in the Terraform registry's layout (zips per platform, manifest,
## SHA256SUMS and its GPG signature) in $(RELEASE_DIR), built with cargo-zigbuild as GoReleaser does
## on a tag (.goreleaser.yml). Needs RDSLINK_GPG_KEY_ID (and GNUPGHOME for another keyring);
## RDSLINK_RELEASE_TARGETS picks platforms. See scripts/release.sh.
RELEASE_DIR ?= $(CURDIR)/dist
release:
	$(CURDIR)/scripts/release.sh $(RELEASE_DIR)

## test-release: builds a release signed with a throwaway key and installs it as users do: terraform
## init from a mirror and through the registry protocol, the quickstart applied against moto, the
## arm64 binary's handshake under qemu, tampered files refused (acceptance-tests/tests/release).
test-release: venv check-terraform
	$(WITH_MOTO) $(CURDIR)/scripts/test-release.sh

## demo: the demo (acceptance-tests/src/bin/rdslink-demo.rs) against a local moto server. It drives
## the real terraform CLI with the provider binary found next to its own executable, so both are
## built by one cargo invocation (one feature resolution, no second build by `cargo run`).
demo: venv check-terraform
	$(CARGO) build --workspace --bins
	target_dir=$$($(CARGO) metadata --format-version 1 --no-deps \
	  | $(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'); \
	$(WITH_MOTO) "$$target_dir/debug/rdslink-demo"

## docs: regenerate docs/ from the provider schema and examples/ (the acceptance tests check it, and
## doc_examples that every docs/ page's HCL passes terraform validate; docs/guides/ is written by hand).
docs: venv check-terraform
	$(CARGO) build -p terraform-provider-rdslink
	RDSLINK_UPDATE_DOCS=1 $(WITH_MOTO) $(CARGO) test -p rdslink-acceptance-tests --test acceptance docs::

## bench: every performance figure in one table, next to its baseline and target (medians of
## repeated runs, measured side by side; release builds; see acceptance-tests/src/bench/).
## The provider is built on its own, as a release or `cargo install` builds it: built together with
## the bench, it would get the bench's dependency features too (tracing's `log`, futures' executor)
## and be 0.6 MB larger than what users run.
bench: venv check-terraform
	$(CARGO) build --release -p terraform-provider-rdslink
	$(CARGO) build --release -p rdslink-sync-lambda -p rdslink-acceptance-tests --bins
	target_dir=$$($(CARGO) metadata --format-version 1 --no-deps \
	  | $(PYTHON) -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'); \
	$(WITH_MOTO) "$$target_dir/release/rdslink-bench"

build:
	$(CARGO) build --workspace --all-targets

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## clean: build output only; distclean also removes the Python environment.
clean:
	$(CARGO) clean

distclean: clean
	rm -rf $(VENV)

check-terraform:
	@command -v terraform >/dev/null || { \
	  echo "error: terraform is not on PATH; the acceptance tests run the real terraform CLI." >&2; \
	  echo "       Install Terraform (>= 1.11) and run 'make test' again." >&2; \
	  exit 1; }

include crates/rdslink-sync-lambda/lambda.mk
