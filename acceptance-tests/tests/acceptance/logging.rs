//! The provider's logs reach Terraform's log at their own level.

use crate::{World, database_configuration};

#[tokio::test]
async fn tf_log_debug_shows_provider_lines_at_their_level() {
    let mut world = World::new(&database_configuration("  endpoint = \"db.logs.internal\"")).await;
    world
        .dns
        .set_a("db.logs.internal", &["10.3.3.3".parse().unwrap()]);
    world.workspace.env("TF_LOG", "DEBUG");
    let run = world
        .workspace
        .terraform(&["plan", "-no-color"])
        .await
        .unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);

    let provider_lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("provider.terraform-provider-rdslink"))
        .collect();
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("[INFO]") && l.contains("configured AWS access")),
        "no INFO line from configure in:\n{}",
        provider_lines.join("\n")
    );
    assert!(
        provider_lines.iter().any(|l| l.contains("[INFO]")
            && l.contains("Starting terraform-provider-rdslink")
            && l.contains(&format!("version={}", env!("CARGO_PKG_VERSION")))),
        "no INFO line with the version at startup in:\n{}",
        provider_lines.join("\n")
    );
    assert!(
        provider_lines.iter().any(|l| l.contains("[DEBUG]")),
        "no DEBUG line from the provider in:\n{}",
        provider_lines.join("\n")
    );
    // Secrets never reach the log: the assumed role's session credentials are not printed.
    assert!(
        !run.stderr.contains("aws_secret_access_key"),
        "secret in logs"
    );
    assert!(
        !run.stderr.contains("\"testing\""),
        "base credentials in logs"
    );
}
