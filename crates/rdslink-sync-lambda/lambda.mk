# The sync Lambda's package: a static arm64 `bootstrap` in a deterministic zip for provided.al2023.
# Included by the root Makefile.
#
#   make lambda-zip      build $(LAMBDA_ZIP) (default target/dist/rdslink-sync.zip)
#   make lambda-tools    cargo-zigbuild and zig (PyPI, into .cache/lambda-tools) and the Rust target
#   make lambda-qemu     qemu-aarch64-static (Debian qemu-user-static) for the arm64 smoke test
#
# The cross C compiler is zig, through cargo-zigbuild: the AWS SDK's TLS stack compiles C
# (aws-lc-sys), and zig ships musl headers and libc for aarch64, so no system cross toolchain is
# needed and PyPI wheels pin it exactly.

PYTHON ?= python3
ZIGLANG_VERSION := 0.17.1
CARGO_ZIGBUILD_VERSION := 0.24.1
LAMBDA_RUST_TARGET := aarch64-unknown-linux-musl
LAMBDA_TOOLS := $(CURDIR)/.cache/lambda-tools
LAMBDA_TOOLS_STAMP := $(LAMBDA_TOOLS)/.installed-ziglang-$(ZIGLANG_VERSION)-zigbuild-$(CARGO_ZIGBUILD_VERSION)
# The artifact (not under target/lambda/: that is cargo's output directory of the `lambda` profile).
# RDSLINK_LAMBDA_ZIP in the environment picks another path.
LAMBDA_ZIP := $(or $(RDSLINK_LAMBDA_ZIP),$(CURDIR)/target/dist/rdslink-sync.zip)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: lambda-zip lambda-tools lambda-rust-target lambda-qemu lambda-distclean

## lambda-zip: the Lambda package (cargo decides what to rebuild; the zip is byte-identical when
## nothing changed).
lambda-zip: lambda-tools
	CARGO_ZIGBUILD=$(LAMBDA_TOOLS)/bin/cargo-zigbuild $(CURDIR)/crates/rdslink-sync-lambda/scripts/build-zip.sh $(LAMBDA_ZIP)

lambda-tools: $(LAMBDA_TOOLS_STAMP) lambda-rust-target

$(LAMBDA_TOOLS_STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3" >&2; exit 1; }
	rm -rf $(LAMBDA_TOOLS)
	$(PYTHON) -m venv $(LAMBDA_TOOLS)
	PIP_NO_INPUT=1 $(LAMBDA_TOOLS)/bin/pip install --quiet --disable-pip-version-check \
	  'ziglang==$(ZIGLANG_VERSION)' 'cargo-zigbuild==$(CARGO_ZIGBUILD_VERSION)'
	@touch $@

lambda-rust-target:
	@rustup target list --installed | grep -qx '$(LAMBDA_RUST_TARGET)' || rustup target add $(LAMBDA_RUST_TARGET)

lambda-qemu:
	@command -v qemu-aarch64-static >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends qemu-user-static; }

lambda-distclean:
	rm -rf $(LAMBDA_TOOLS)

# The provider embeds the zip (provider/build.rs). Development builds leave RDSLINK_LAMBDA_ZIP unset,
# so the provider's build script builds the zip itself (build-zip.sh, into the one lambda-build
# directory) while cargo compiles the rest of the workspace, the two sharing cargo's jobserver: the
# Lambda's whole-program LTO, single-threaded, then runs beside the workspace's crates instead of
# before them (a cold two-core build: 9.4 minutes for the zip, then 8.0 for the workspace's tests,
# became 15.6 minutes for both). One case is slower: with the workspace's crates already built
# and only the Lambda's dependencies not, the nested build ran on one core (20 minutes measured,
# against 9.4 for `make lambda-zip` on its own, which uses both; run that first then).
# They need only the cross tools; `make lambda-zip` afterwards finds the build fresh and
# writes the same bytes. With RDSLINK_LAMBDA_ZIP set in the environment, that zip is built first
# and copied instead. Release builds compile the provider for several targets and embed one
# prebuilt zip.
EMBEDDED_ZIP := $(if $(RDSLINK_LAMBDA_ZIP),lambda-zip,lambda-tools)
DEV_PROVIDER_BUILDS := test demo docs bench build lint
$(DEV_PROVIDER_BUILDS): $(EMBEDDED_ZIP)
RELEASE_BUILDS := test-release release
$(RELEASE_BUILDS): lambda-zip
$(RELEASE_BUILDS): export RDSLINK_LAMBDA_ZIP = $(LAMBDA_ZIP)
# The packaged-binary tests read the zip and run its arm64 binary under qemu.
test test-release: lambda-qemu
distclean: lambda-distclean
