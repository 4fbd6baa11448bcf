//! The sync Lambda's code: the deployment zip built with this provider (see `provider/build.rs`),
//! so an apply deploys exactly the `bootstrap` of the provider version that runs it, with nothing
//! to download or upload beforehand.

/// The deployment package: one entry, the static arm64 `bootstrap`, zipped deterministically, so
/// equal sources give equal bytes and an unchanged function is recognised by its hash alone.
pub static ZIP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rdslink-sync.zip"));

/// Computed by `provider/build.rs` next to the zip: every endpoint service's plan asks for it, and
/// hashing 2.7 MB at run time was ~8% of the CPU of each plan's provider process (issue 12).
static CODE_SHA256: &str = include_str!(concat!(env!("OUT_DIR"), "/rdslink-sync.zip.sha256"));

/// The zip's SHA-256 in the form AWS Lambda reports as `CodeSha256` (standard, padded base64 of
/// the raw digest): comparing it with the function's tells whether the deployed code is ours.
pub fn code_sha256() -> &'static str {
    CODE_SHA256
}

/// The zip's size in bytes (Lambda takes a direct upload only up to 50 MB).
pub fn zip_size() -> usize {
    ZIP.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use sha2::{Digest as _, Sha256};

    /// The names of a zip's entries, read from its central directory.
    fn entry_names(zip: &[u8]) -> Vec<String> {
        let u16_at = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
        let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().unwrap()) as usize;
        // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB, at the end.
        let eocd = (0..=zip.len() - 22)
            .rev()
            .find(|&at| zip[at..].starts_with(b"PK\x05\x06"))
            .expect("an end-of-central-directory record");
        let (count, mut at) = (u16_at(eocd + 10), u32_at(eocd + 16));
        (0..count)
            .map(|_| {
                assert!(
                    zip[at..].starts_with(b"PK\x01\x02"),
                    "central directory header at {at}"
                );
                let (name_len, extra_len, comment_len) =
                    (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
                let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
                at += 46 + name_len + extra_len + comment_len;
                name
            })
            .collect()
    }

    #[test]
    fn zip_holds_only_bootstrap() {
        assert!(
            ZIP.starts_with(b"PK\x03\x04"),
            "not a zip (local file header)"
        );
        assert_eq!(entry_names(ZIP), ["bootstrap"]);
        assert_eq!(zip_size(), ZIP.len());
    }

    #[test]
    fn code_sha256_is_lambdas_form_of_the_digest() {
        let hash = code_sha256();
        assert_eq!(hash.len(), 44, "{hash}: 32 bytes in padded base64");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(hash)
            .expect("standard base64");
        // The build script's own SHA-256 and base64, checked against the `sha2` crate: fed in
        // pieces, as a streaming upload would be hashed.
        let mut hasher = Sha256::new();
        for chunk in ZIP.chunks(64 * 1024) {
            hasher.update(chunk);
        }
        assert_eq!(decoded, hasher.finalize().as_slice());
    }
}
