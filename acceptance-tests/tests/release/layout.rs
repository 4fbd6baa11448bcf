//! The release directory is exactly the registry's layout: named zips holding one executable each,
//! the manifest, SHA256SUMS in GoReleaser's format, and a signature that verifies.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use crate::artifacts::{
    PROJECT, Release, VERSION, entry_name, sha256_hex, sums_name, zip_entries, zip_name,
};

fn manifest_name() -> String {
    format!("{PROJECT}_{VERSION}_manifest.json")
}

#[test]
fn the_release_holds_exactly_the_registry_files_for_linux_at_least() {
    let release = Release::load();
    let platforms = release.platforms();
    for required in ["linux_amd64", "linux_arm64"] {
        assert!(
            platforms.iter().any(|p| p == required),
            "no {required} in {platforms:?}"
        );
    }
    let mut expected: BTreeSet<String> = platforms.iter().map(|p| zip_name(p)).collect();
    expected.extend([manifest_name(), sums_name(), format!("{}.sig", sums_name())]);
    let present: BTreeSet<String> = std::fs::read_dir(&release.dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(present, expected);
}

#[test]
fn sha256sums_lists_every_zip_and_the_manifest_sorted_with_their_digests() {
    let release = Release::load();
    let files: Vec<&str> = release.sums.iter().map(|(file, _)| file.as_str()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "SHA256SUMS is sorted by file name");
    let mut expected: Vec<String> = release.platforms().iter().map(|p| zip_name(p)).collect();
    expected.push(manifest_name());
    expected.sort();
    assert_eq!(files, expected);
    for (file, digest) in &release.sums {
        let bytes = std::fs::read(release.dir.join(file)).unwrap();
        assert_eq!(&sha256_hex(&bytes), digest, "{file}");
    }
}

#[test]
fn the_manifest_is_the_checked_in_one_declaring_protocol_6() {
    let release = Release::load();
    let shipped = std::fs::read_to_string(release.dir.join(manifest_name())).unwrap();
    let checked_in = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform-registry-manifest.json"),
    )
    .unwrap();
    assert_eq!(shipped, checked_in);
    let manifest: serde_json::Value = serde_json::from_str(&shipped).unwrap();
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
}

#[test]
fn each_zip_holds_one_executable_named_for_the_registry() {
    let release = Release::load();
    for platform in release.platforms() {
        let entries = zip_entries(&release.zip(&platform));
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, [entry_name(&platform)], "{platform}");
        assert_eq!(entries[0].mode, 0o100755, "{platform}: rwxr-xr-x");
        assert!(!entries[0].contents.is_empty());
    }
}

fn gpg_verify(signature: &std::path::Path, signed: &std::path::Path) -> std::process::Output {
    Command::new("gpg")
        .args(["--batch", "--verify"])
        .arg(signature)
        .arg(signed)
        .output()
        .expect("gpg")
}

#[test]
fn the_sha256sums_signature_verifies_with_the_release_key_and_fails_on_a_changed_file() {
    let release = Release::load();
    let sums = release.dir.join(sums_name());
    let signature = release.dir.join(format!("{}.sig", sums_name()));
    let good = gpg_verify(&signature, &sums);
    let stderr = String::from_utf8_lossy(&good.stderr);
    assert!(good.status.success(), "{stderr}");
    assert!(stderr.contains("Good signature"), "{stderr}");
    let key = std::env::var("RDSLINK_GPG_KEY_ID").expect("make test-release sets it");
    assert!(
        stderr
            .to_ascii_uppercase()
            .contains(&key[key.len() - 16..].to_ascii_uppercase()),
        "signed by {key}: {stderr}"
    );

    // One changed digest (a swapped zip) must break the signature.
    let scratch = tempfile::tempdir().unwrap();
    let changed = scratch.path().join(sums_name());
    let mut text = std::fs::read_to_string(&sums).unwrap();
    let flipped = if text.starts_with('0') { "1" } else { "0" };
    text.replace_range(0..1, flipped);
    std::fs::write(&changed, text).unwrap();
    let bad = gpg_verify(&signature, &changed);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success(),
        "a changed SHA256SUMS verified: {stderr}"
    );
    assert!(stderr.contains("BAD signature"), "{stderr}");
}
