//! The provider's version: printed by `--version`, logged when Terraform starts the provider, and
//! sent to AWS in the user agent, so a support case, a log and CloudTrail all name the same build.

/// The workspace version (`Cargo.toml`), which `make release` and GoReleaser put in the file names.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit a release was built from, when the build said so: `make release` and GoReleaser set
/// `RDSLINK_GIT_COMMIT`. rustc records the variable, so a different value rebuilds this crate;
/// plain `cargo build` leaves it unset and the commit is simply not shown.
const GIT_COMMIT: Option<&str> = option_env!("RDSLINK_GIT_COMMIT");

/// What `terraform-provider-rdslink --version` prints:
/// `terraform-provider-rdslink 0.1.0 (3a6f181)`, or without the parenthesis when the commit is unknown.
pub fn long_version() -> String {
    match GIT_COMMIT
        .map(str::trim)
        .filter(|commit| !commit.is_empty())
    {
        Some(commit) => format!("terraform-provider-rdslink {VERSION} ({commit})"),
        None => format!("terraform-provider-rdslink {VERSION}"),
    }
}

/// The application name AWS sees in every request's user agent (`app/rdslink-0.1.0`). AWS allows
/// letters, digits and ``!#$%&'*+-.^_`|~`` there, so the version joins with a dash, not a slash.
pub fn aws_app_name() -> aws_types::app_name::AppName {
    aws_types::app_name::AppName::new(format!("rdslink-{VERSION}"))
        .expect("`rdslink-` and a semantic version use only characters AWS allows in an app name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_version_names_the_binary_and_the_workspace_version() {
        let line = long_version();
        assert!(
            line.starts_with(&format!("terraform-provider-rdslink {VERSION}")),
            "{line}"
        );
    }

    #[test]
    fn the_aws_app_name_carries_the_version() {
        assert_eq!(aws_app_name().to_string(), format!("rdslink-{VERSION}"));
    }
}
