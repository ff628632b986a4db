//! Discovery documents in the cache directory (README "Discovery"): one private file per
//! issuer, named by a hash of it, written atomically, used for 24 hours. The issuer inside the
//! file must be the one asked for; anything unreadable or stale is no document.

use std::fs;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Cache, VERSION, read_private};
use crate::provider::Metadata;

const DISCOVERY_FORMAT: &str = "tokfetch-discovery-cache";
pub(super) const DISCOVERY_SUFFIX: &str = ".discovery.json";
/// How long a discovery document is reused.
pub const DISCOVERY_TTL: u64 = 24 * 3600;

/// A discovery document as kept on disk.
#[derive(Serialize, Deserialize)]
struct DiscoveryOnDisk {
    format: String,
    version: u32,
    fetched_at: u64,
    metadata: Metadata,
}

impl Cache {
    fn metadata_file(&self, issuer: &str) -> PathBuf {
        // The first 16 bytes of the digest: 32 hex digits.
        let name = &super::sha256_hex(issuer.as_bytes())[..32];
        self.dir.join(format!("{name}{DISCOVERY_SUFFIX}"))
    }

    /// The discovery document kept for `issuer`, if it was fetched less than 24 hours ago.
    pub fn load_metadata(&self, issuer: &str, now: u64) -> Option<(Metadata, u64)> {
        let bytes = read_private(&self.metadata_file(issuer)).ok()?;
        let disk: DiscoveryOnDisk = serde_json::from_slice(&bytes).ok()?;
        let age = now.checked_sub(disk.fetched_at)?;
        let usable = disk.format == DISCOVERY_FORMAT
            && disk.version == VERSION
            && disk.metadata.issuer == issuer
            && age < DISCOVERY_TTL;
        usable.then_some((disk.metadata, age))
    }

    /// Keep `metadata` for 24 hours (private file, written atomically).
    pub fn store_metadata(&self, metadata: &Metadata, now: u64) -> io::Result<()> {
        let disk = DiscoveryOnDisk {
            format: DISCOVERY_FORMAT.to_string(),
            version: VERSION,
            fetched_at: now,
            metadata: metadata.clone(),
        };
        let json = serde_json::to_vec(&disk).map_err(io::Error::other)?;
        self.write_atomically(&self.metadata_file(&metadata.issuer), &json)
    }

    /// Forget the discovery document of `issuer`; `false` when there was none.
    pub fn remove_metadata(&self, issuer: &str) -> io::Result<bool> {
        match fs::remove_file(self.metadata_file(issuer)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub fn metadata() -> Metadata {
        Metadata {
            issuer: "https://idp.example".into(),
            token_endpoint: "https://idp.example/t".into(),
            mtls_token_endpoint: None,
            auth_methods: Some(vec!["private_key_jwt".into()]),
            authorization_endpoint: None,
            device_authorization_endpoint: None,
            revocation_endpoint: None,
            iss_parameter_supported: false,
        }
    }

    #[cfg(unix)]
    #[test]
    fn discovery_documents_are_private_and_kept_a_day() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            dir: tmp.path().join("c"),
        };
        cache.store_metadata(&metadata(), 1000).expect("store");
        let file = cache.metadata_file("https://idp.example");
        assert_eq!(
            fs::metadata(&file)
                .map(|m| m.permissions().mode() & 0o777)
                .ok(),
            Some(0o600)
        );
        assert_eq!(
            cache.load_metadata("https://idp.example", 1000 + DISCOVERY_TTL - 1),
            Some((metadata(), DISCOVERY_TTL - 1))
        );
        assert_eq!(
            cache.load_metadata("https://idp.example", 1000 + DISCOVERY_TTL),
            None
        );
        assert_eq!(cache.load_metadata("https://idp.example/", 1000), None);
        assert_eq!(cache.load_metadata("https://idp.example", 999), None);
        assert!(
            cache
                .remove_metadata("https://idp.example")
                .expect("remove")
        );
        assert_eq!(cache.load_metadata("https://idp.example", 1000), None);
    }
}
