//! The release under test: its directory, its SHA256SUMS, and the binaries inside its zips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

pub const PROJECT: &str = "terraform-provider-rdslink";
/// The workspace version (Cargo.toml), which the release must carry.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct Release {
    pub dir: PathBuf,
    /// SHA256SUMS as written: file name to lowercase hex digest, in file order.
    pub sums: Vec<(String, String)>,
}

impl Release {
    /// The release `make test-release` built; fails with what to run when there is none.
    pub fn load() -> Release {
        let dir = std::env::var_os("RDSLINK_RELEASE_DIR").map(PathBuf::from).expect(
            "RDSLINK_RELEASE_DIR is not set: these tests check a release built by `make release`; \
             run them with `make test-release`",
        );
        let sums_path = dir.join(sums_name());
        let text = std::fs::read_to_string(&sums_path)
            .unwrap_or_else(|e| panic!("{}: {e}", sums_path.display()));
        let sums = text
            .lines()
            .map(|line| {
                let (digest, file) = line
                    .split_once("  ")
                    .unwrap_or_else(|| panic!("not `<sha256>  <file>`: {line:?}"));
                (file.to_string(), digest.to_string())
            })
            .collect();
        Release { dir, sums }
    }

    pub fn sums_by_file(&self) -> BTreeMap<&str, &str> {
        self.sums
            .iter()
            .map(|(file, digest)| (file.as_str(), digest.as_str()))
            .collect()
    }

    /// `linux_amd64`, ... : the platforms SHA256SUMS lists a zip for.
    pub fn platforms(&self) -> Vec<String> {
        let prefix = format!("{PROJECT}_{VERSION}_");
        self.sums
            .iter()
            .filter_map(|(file, _)| file.strip_prefix(&prefix)?.strip_suffix(".zip"))
            .map(str::to_string)
            .collect()
    }

    pub fn zip(&self, platform: &str) -> PathBuf {
        self.dir.join(zip_name(platform))
    }

    /// The SHA256SUMS digest of a platform's zip.
    pub fn zip_sum(&self, platform: &str) -> String {
        self.sums_by_file()
            .get(zip_name(platform).as_str())
            .unwrap_or_else(|| panic!("SHA256SUMS has no line for {}", zip_name(platform)))
            .to_string()
    }
}

pub fn sums_name() -> String {
    format!("{PROJECT}_{VERSION}_SHA256SUMS")
}

pub fn zip_name(platform: &str) -> String {
    format!("{PROJECT}_{VERSION}_{platform}.zip")
}

/// The file inside a platform's zip, as the registry names it.
pub fn entry_name(platform: &str) -> String {
    let exe = if platform.starts_with("windows_") {
        ".exe"
    } else {
        ""
    };
    format!("{PROJECT}_v{VERSION}{exe}")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// One file of a zip: its name, Unix mode and contents.
pub struct Entry {
    pub name: String,
    pub mode: u32,
    pub contents: Vec<u8>,
}

/// Every file of a zip, read with Python's zipfile (Python 3 is a build requirement already).
pub fn zip_entries(zip: &Path) -> Vec<Entry> {
    let scratch = tempfile::tempdir().unwrap();
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             for info in z.infolist():\n\
             \x20   print(info.filename, info.external_attr >> 16)\n\
             z.extractall(sys.argv[2])",
        ])
        .arg(zip)
        .arg(scratch.path())
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "cannot read {}: {}",
        zip.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, mode) = line.rsplit_once(' ').unwrap();
            Entry {
                name: name.to_string(),
                mode: mode.parse().unwrap(),
                contents: std::fs::read(scratch.path().join(name)).unwrap(),
            }
        })
        .collect()
}

/// The provider binary inside a platform's zip.
pub fn binary(release: &Release, platform: &str) -> Vec<u8> {
    let mut entries = zip_entries(&release.zip(platform));
    assert_eq!(entries.len(), 1, "{platform}: one file per zip");
    entries.remove(0).contents
}

/// Terraform's `h1:` hash of a package: golang.org/x/mod's dirhash Hash1 over its files (the
/// hash of `<sha256 hex>  <name>\n` lines, sorted by name), base64.
pub fn h1_hash(files: &[(&str, &[u8])]) -> String {
    use base64::Engine as _;
    let mut files = files.to_vec();
    files.sort_by_key(|(name, _)| *name);
    let lines: String = files
        .iter()
        .map(|(name, contents)| format!("{}  {name}\n", sha256_hex(contents)))
        .collect();
    let summary = Sha256::digest(lines.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary)
    )
}

/// The hashes `.terraform.lock.hcl` records for rdslink (`h1:...` and `zh:...` strings).
pub fn locked_hashes(workspace_dir: &Path) -> Vec<String> {
    let lock = std::fs::read_to_string(workspace_dir.join(".terraform.lock.hcl"))
        .expect("terraform init writes .terraform.lock.hcl");
    let block = lock
        .split("provider \"registry.terraform.io/rdslink/rdslink\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no rdslink provider in the lock file:\n{lock}"));
    let hashes = block
        .split("hashes = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("no hashes in the lock file:\n{lock}"));
    hashes
        .split(',')
        .map(|hash| hash.trim().trim_matches('"').to_string())
        .filter(|hash| !hash.is_empty())
        .collect()
}
