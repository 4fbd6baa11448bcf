//! Release tests: the files `make release` wrote (RDSLINK_RELEASE_DIR), installed the way users
//! install a provider — `terraform init` from a filesystem mirror or through the registry protocol,
//! with no `dev_overrides` — then applied against the local AWS; the linux arm64 binary run under
//! qemu; tampered files refused.
//!
//! `make test-release` builds the release with a throwaway GPG key (GNUPGHOME, RDSLINK_GPG_KEY_ID)
//! and runs these; they are not part of `cargo test --workspace` (`test = false` in Cargo.toml),
//! because they need the release builds.

mod artifacts;
mod install;
mod layout;
mod qemu;
mod registry;
