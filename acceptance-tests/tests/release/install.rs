//! Installing the release as users do: `terraform init` from a filesystem mirror (packed layout)
//! or through the registry protocol, with no `dev_overrides`; the installed provider then applies
//! the quickstart against the local AWS. A tampered zip is refused.

use std::path::{Path, PathBuf};

use rdslink_acceptance_tests::Workspace;
use rdslink_acceptance_tests::case::TestCase;
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::{DnsServer, seed};
use serde_json::json;

use crate::artifacts::{
    PROJECT, Release, VERSION, binary, entry_name, h1_hash, locked_hashes, zip_name,
};
use crate::registry::{Registry, SigningKey};

/// The platform of this machine, whose binary `terraform init` installs and runs.
const HOST_PLATFORM: &str = "linux_amd64";
const PROVIDER_ADDRESS: &str = "registry.terraform.io/rdslink/rdslink";

fn quickstart() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/main.tf");
    std::fs::read_to_string(&path).expect("examples/quickstart/main.tf")
}

/// A filesystem mirror in the packed layout:
/// `<dir>/registry.terraform.io/rdslink/rdslink/terraform-provider-rdslink_<v>_<os>_<arch>.zip`.
fn packed_mirror(release: &Release, platforms: &[String]) -> tempfile::TempDir {
    let mirror = tempfile::Builder::new()
        .prefix("rdslink-mirror-")
        .tempdir()
        .unwrap();
    let dir = mirror.path().join(PROVIDER_ADDRESS);
    std::fs::create_dir_all(&dir).unwrap();
    for platform in platforms {
        std::fs::copy(release.zip(platform), dir.join(zip_name(platform))).unwrap();
    }
    mirror
}

/// Only the mirror: no `direct`, no `dev_overrides`, so nothing else can supply the provider.
fn mirror_cli_configuration(mirror: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n}}\n",
        mirror.display()
    )
}

/// Where `terraform init` unpacked the provider in a workspace.
fn installed_binary(workspace: &Workspace) -> PathBuf {
    workspace
        .path()
        .join(".terraform/providers")
        .join(PROVIDER_ADDRESS)
        .join(VERSION)
        .join(HOST_PLATFORM)
        .join(entry_name(HOST_PLATFORM))
}

async fn init(workspace: &Workspace) -> rdslink_acceptance_tests::Run {
    workspace
        .terraform(&["init", "-no-color", "-input=false"])
        .await
        .unwrap()
}

#[tokio::test]
async fn terraform_init_installs_from_a_filesystem_mirror_and_the_quickstart_applies() {
    let release = Release::load();
    let mirror = packed_mirror(&release, &release.platforms());
    let moto = rdslink_testkit::moto().await;
    let account = rdslink_testkit::fresh_account().await;
    let dns = DnsServer::start().await;
    let vpc = seed::default_vpc(&account).await;
    let cluster = seed::aurora_cluster(&account, &dns, "orders", 2).await;
    let mut workspace =
        Workspace::with_cli_configuration(&quickstart(), &mirror_cli_configuration(mirror.path()))
            .unwrap();
    let subnets = format!(
        "[{}]",
        vpc.subnet_ids
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    workspace
        .env("TF_VAR_endpoint_url", &moto.endpoint)
        .env("TF_VAR_dns_nameservers", &format!("[\"{}\"]", dns.addr()))
        .env("TF_VAR_role_arn", &account.role_arn)
        .env("TF_VAR_vpc_id", &vpc.id)
        .env("TF_VAR_subnet_ids", &subnets);

    let run = init(&workspace).await.success().unwrap();
    assert!(
        run.stdout
            .contains(&format!("Installed rdslink/rdslink v{VERSION}")),
        "{}",
        run.stdout
    );

    // The lock file pins what was installed: the h1 hash of the zip's contents (a filesystem
    // mirror gives Terraform no signed SHA256SUMS, so it records no zh: hash; see the registry test).
    let shipped = binary(&release, HOST_PLATFORM);
    let entry = entry_name(HOST_PLATFORM);
    assert_eq!(
        locked_hashes(workspace.path()),
        [h1_hash(&[(entry.as_str(), shipped.as_slice())])]
    );
    let installed = installed_binary(&workspace);
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        shipped,
        "{} is the binary from the release",
        installed.display()
    );

    // The installed binary names its version, and says it when Terraform starts it.
    let version = std::process::Command::new(&installed)
        .arg("--version")
        .output()
        .unwrap();
    let version_line = String::from_utf8(version.stdout).unwrap();
    assert!(version.status.success());
    assert!(
        version_line.starts_with(&format!("{PROJECT} {VERSION}")),
        "{version_line}"
    );

    TestCase::new(&workspace)
        .check_destroy(async || {
            let balancers = account
                .elbv2()
                .describe_load_balancers()
                .send()
                .await
                .unwrap();
            assert_eq!(balancers.load_balancers().len(), 0, "{balancers:?}");
        })
        .step(Step::same_config().check(async |_| {
            assert_eq!(
                workspace.output("registered_targets").await.unwrap(),
                json!([cluster.writer().ip.to_string()])
            );
            let service_name = workspace.output("service_name").await.unwrap();
            assert!(
                service_name
                    .as_str()
                    .is_some_and(|name| name.starts_with("com.amazonaws.vpce.")),
                "{service_name}"
            );
        }))
        .run()
        .await;

    // Terraform's log shows the version the provider reports when it starts.
    workspace.env("TF_LOG", "INFO");
    let run = workspace
        .terraform(&["validate", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert!(
        run.stderr
            .lines()
            .any(|line| line.contains("Starting terraform-provider-rdslink")
                && line.contains(&format!("version={VERSION}"))),
        "no start line with the version in:\n{}",
        run.stderr
    );
}

#[tokio::test]
async fn terraform_init_through_the_registry_protocol_verifies_the_signature_and_locks_the_signed_zip_hashes()
 {
    let release = Release::load();
    let key = SigningKey::from_environment();
    let registry = Registry::start(&release, release.dir.clone(), &key).await;
    let workspace =
        Workspace::with_cli_configuration(&quickstart(), &registry.cli_configuration()).unwrap();

    let run = init(&workspace).await.success().unwrap();
    assert!(
        run.stdout.contains(&format!(
            "Installed rdslink/rdslink v{VERSION} (self-signed, key ID {})",
            key.key_id
        )),
        "{}",
        run.stdout
    );

    // Every line of the signed SHA256SUMS becomes a zh: hash (Terraform takes them all, the
    // manifest's too), plus the h1: of what was unpacked here.
    let mut expected: Vec<String> = release
        .sums
        .iter()
        .map(|(_, digest)| format!("zh:{digest}"))
        .collect();
    assert!(expected.contains(&format!("zh:{}", release.zip_sum(HOST_PLATFORM))));
    let shipped = binary(&release, HOST_PLATFORM);
    let entry = entry_name(HOST_PLATFORM);
    expected.push(h1_hash(&[(entry.as_str(), shipped.as_slice())]));
    expected.sort();
    let mut locked = locked_hashes(workspace.path());
    locked.sort();
    assert_eq!(locked, expected);
    assert_eq!(
        std::fs::read(installed_binary(&workspace)).unwrap(),
        shipped
    );
}

/// Terraform wraps its messages at 78 columns: compare words, not lines.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The zip with its executable changed by one byte: still a valid zip, no longer the release.
fn tamper(zip: &Path) {
    let entries = crate::artifacts::zip_entries(zip);
    let [entry] = entries.as_slice() else {
        panic!("one file per zip")
    };
    let mut contents = entry.contents.clone();
    let middle = contents.len() / 2;
    contents[middle] ^= 0xff;
    let scratch = tempfile::tempdir().unwrap();
    let binary = scratch.path().join(&entry.name);
    std::fs::write(&binary, contents).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/provider_zip.py");
    let status = std::process::Command::new("python3")
        .arg(script)
        .arg(&binary)
        .arg(&entry.name)
        .arg(zip)
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn a_tampered_zip_is_refused_by_terraform_init() {
    let release = Release::load();
    let platforms = vec![HOST_PLATFORM.to_string()];

    // From a mirror, after a first init recorded the lock file.
    let mirror = packed_mirror(&release, &platforms);
    let workspace =
        Workspace::with_cli_configuration(&quickstart(), &mirror_cli_configuration(mirror.path()))
            .unwrap();
    init(&workspace).await.success().unwrap();
    tamper(
        &mirror
            .path()
            .join(PROVIDER_ADDRESS)
            .join(zip_name(HOST_PLATFORM)),
    );
    std::fs::remove_dir_all(workspace.path().join(".terraform")).unwrap();
    let run = init(&workspace).await;
    assert_ne!(
        run.code, 0,
        "a tampered provider was installed:\n{}",
        run.stdout
    );
    assert!(
        one_line(&run.stderr).contains(
            "doesn't match any of the checksums previously recorded in the dependency lock file"
        ),
        "{}",
        run.stderr
    );
    assert!(!installed_binary(&workspace).exists());

    // Through the registry with no lock file yet: the signed SHA256SUMS refuses it.
    let files = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&release.dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), files.path().join(entry.file_name())).unwrap();
    }
    tamper(&files.path().join(zip_name(HOST_PLATFORM)));
    let key = SigningKey::from_environment();
    let registry = Registry::start(&release, files.path().to_path_buf(), &key).await;
    let fresh =
        Workspace::with_cli_configuration(&quickstart(), &registry.cli_configuration()).unwrap();
    let run = init(&fresh).await;
    assert_ne!(
        run.code, 0,
        "a tampered provider was installed:\n{}",
        run.stdout
    );
    assert!(one_line(&run.stderr).contains("checksum"), "{}", run.stderr);
    assert!(!installed_binary(&fresh).exists());
}
