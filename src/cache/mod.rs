//! The token cache (README "Caching"): one private JSON file per profile, written atomically, keyed by the
//! profile's identity, and a per-profile lock so parallel cold calls make one request. Beside
//! the tokens, discovery documents (README "Discovery"), one per issuer, kept for 24 hours
//! ([`discovery`]).
//!
//! Reading a cache entry touches nothing but this directory: no secret, no keyring, no socket.
//! Every problem with a cache file (corrupt, foreign, wrong owner, unreadable) means "no entry";
//! a directory that cannot be written means "no caching". Neither is ever fatal.

mod discovery;

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::fsread;
use crate::jws::{self, Alg, DpopKey};
use crate::log::vlog;
use crate::oauth;
use crate::perms::{self, Exposure, Rule};
use crate::provider::{GITHUB_TOKEN_VAR, GITHUB_URL_VAR, Grant, Input, TokenSource};
use discovery::DISCOVERY_SUFFIX;

const FORMAT: &str = "tokfetch-token-cache";
const VERSION: u32 = 1;
const SUFFIX: &str = ".token.json";
/// The largest cache file the writer writes, and so the largest the reader reads: a token up to
/// the 1 MiB body cap fits, with its JSON around it (README "Caching").
const MAX_FILE: u64 = 4 << 20;

/// What a cached token was issued for. Change any part and the token is not reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub provider: String,
    pub token_url: String,
    pub client_id: String,
    pub tenant: Option<String>,
    pub scope: Option<String>,
    pub params: Vec<(String, String)>,
}

impl Identity {
    /// SHA-256 (hex) of the identity as the cache file stores it: what a secret kept outside
    /// the cache file (a user's refresh token in the keyring) is bound to, so that it is
    /// never sent once the profile's issuer, token URL, client, scope or params change.
    pub fn digest(&self) -> String {
        sha256_hex(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// The profile's identity. What the provider adds ([`Provider::identity`]) is stored the way
    /// the first cache files did, so they stay valid: a `tenant` in its own field, anything
    /// else (the oauth2 `audience`) ahead of the params.
    ///
    /// [`Provider::identity`]: crate::provider::Provider::identity
    pub fn of(profile: &Profile) -> Identity {
        let s = &profile.settings;
        let mut tenant = None;
        let mut params = Vec::with_capacity(s.params.len() + 1);
        for (k, v) in profile.provider.identity(s) {
            match k {
                "tenant" => tenant = Some(v),
                _ => params.push((k.to_string(), v)),
            }
        }
        params.extend(s.params.iter().cloned());
        // A federated assertion or a subject token decides whose token it is: the same profile
        // serves another identity in another job (README "Security model").
        for input in profile.provider.inputs(s, Grant::Primary) {
            if let Input::IdentityToken(source) = input {
                params.push((SUBJECT_KEY.to_string(), subject_digest(&source)));
            }
        }
        Identity {
            provider: profile.provider.name().to_string(),
            token_url: s.endpoint.url.clone(),
            client_id: s.client_id.clone(),
            tenant,
            scope: s.scope.clone(),
            params,
        }
    }
}

/// The identity key that holds the RFC 7638 thumbprint of the DPoP key a token is bound to.
const DPOP_JKT_KEY: &str = "dpop_jkt";

impl Identity {
    /// The identity a token bound to the DPoP key `jkt` is stored under: the profile's, which
    /// cannot name the key (on a miss it does not exist yet), and the key's thumbprint.
    fn bound(&self, jkt: &str) -> Identity {
        let mut id = self.clone();
        id.params.push((DPOP_JKT_KEY.to_string(), jkt.to_string()));
        id
    }
}

/// The identity key that holds the digest of a federated assertion or subject token.
const SUBJECT_KEY: &str = "subject_sha256";

/// SHA-256 (hex) of what decides whose token a `federated` or `token_exchange` profile gets:
/// the assertion itself for `env:VAR` and `file:PATH` (read now, as a fetch would read it:
/// trimmed), and the job's request URL and token for `github-actions` (unique per job; the
/// network is never asked on a hit). A source that cannot be read gives a value no stored
/// identity has, so the call misses and the fetch reports the problem. The digest is stored,
/// never the token.
fn subject_digest(source: &TokenSource) -> String {
    let env = |var: &str| std::env::var_os(var).map(|v| v.to_string_lossy().into_owned());
    let material: Option<Zeroizing<String>> = match source {
        TokenSource::Env(var) => env(var).map(|v| Zeroizing::new(v.trim().to_string())),
        TokenSource::File(path) => fsread::read(path, fsread::Rules::named(1 << 20))
            .ok()
            .map(|b| Zeroizing::new(String::from_utf8_lossy(&b).trim().to_string())),
        TokenSource::GitHubActions { audience } => {
            match (env(GITHUB_URL_VAR), env(GITHUB_TOKEN_VAR)) {
                (Some(url), Some(token)) => Some(Zeroizing::new(format!(
                    "{url}\n{}\n{audience}",
                    Zeroizing::new(token).as_str()
                ))),
                _ => None,
            }
        }
    };
    match material.filter(|m| !m.is_empty()) {
        Some(m) => sha256_hex(m.as_bytes()),
        None => "unavailable".to_string(),
    }
}

/// SHA-256 of `bytes`, in lower-case hex: how the cache names and keys what it must not store.
fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A cached token.
#[derive(Debug, Clone)]
pub struct Entry {
    pub access_token: Zeroizing<String>,
    /// Unix seconds.
    pub expires_at: u64,
    /// When the token was requested, Unix seconds (files written before tokfetch kept it lack
    /// it).
    pub obtained_at: Option<u64>,
    pub scope: Option<String>,
    pub refresh_token: Option<Zeroizing<String>>,
    /// The DPoP key the token is bound to (RFC 9449), kept with it.
    pub dpop: Option<Arc<DpopKey>>,
}

impl Entry {
    pub fn remaining(&self, now: u64) -> u64 {
        self.expires_at.saturating_sub(now)
    }

    /// A hit: still valid, and for at least `min_ttl` seconds.
    pub fn valid_for(&self, min_ttl: u64, now: u64) -> bool {
        let left = self.remaining(now);
        left > 0 && left >= min_ttl
    }
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    format: String,
    version: u32,
    identity: Identity,
    access_token: String,
    expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    obtained_at: Option<u64>,
    scope: Option<String>,
    refresh_token: Option<String>,
    /// A DPoP token's key: its algorithm and its PKCS#8 DER, base64url. Absent for every other
    /// token, so those files stay as 0.2.0 writes and reads them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_key: Option<String>,
}

impl OnDisk {
    /// The DPoP key the file holds: `Ok(None)` when it holds none, `Err` when it holds one
    /// that cannot be used.
    fn dpop(&self) -> std::result::Result<Option<DpopKey>, ()> {
        let (alg, key) = match (&self.dpop_alg, &self.dpop_key) {
            (None, None) => return Ok(None),
            (Some(a), Some(k)) => (a, k),
            _ => return Err(()),
        };
        let alg = Alg::named(alg).ok_or(())?;
        let der = Zeroizing::new(jws::b64url_decode(key).ok_or(())?);
        DpopKey::from_pkcs8(alg, der).map(Some).map_err(|_| ())
    }
}

impl Drop for OnDisk {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.access_token.zeroize();
        if let Some(r) = &mut self.refresh_token {
            r.zeroize();
        }
        if let Some(k) = &mut self.dpop_key {
            k.zeroize();
        }
    }
}

/// What [`Cache::clear`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cleared {
    pub tokens: usize,
    pub documents: usize,
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// The held per-profile lock; released when dropped (or when the process dies).
pub struct Lock {
    _file: File,
    waited: bool,
}

impl Lock {
    /// Another process held the lock when it was asked for: whatever it did meanwhile (a
    /// login) is now in the cache.
    pub fn waited(&self) -> bool {
        self.waited
    }
}

impl Cache {
    /// `$TOKFETCH_CACHE_DIR`, else `<cache dir>/tokfetch`.
    pub fn locate() -> Option<Cache> {
        let dir = std::env::var_os("TOKFETCH_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("tokfetch")))?;
        Some(Cache { dir })
    }

    /// The cache directory if tokfetch may use it, warning once per run (unless `-q`) when it
    /// may not: see [`Cache::trusted`].
    pub fn open() -> Option<Cache> {
        let cache = Self::locate()?;
        match cache.trusted() {
            Ok(()) => Some(cache),
            Err(why) => {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    let dir = cache.dir.display();
                    crate::log::warn(
                        &format!("not using the token cache {dir}: {why}; fetching without it"),
                        &[&format!("chmod 700 {dir} (it must be yours and private), or set TOKFETCH_CACHE_DIR to a directory of your own")],
                    );
                });
                None
            }
        }
    }

    /// A cache directory another user owns, or others may write, could be used to plant a
    /// token or to read one: tokfetch then neither reads, writes nor locks there. A directory
    /// that does not exist yet is fine: tokfetch creates it private.
    pub fn trusted(&self) -> std::result::Result<(), String> {
        let meta = match fs::metadata(&self.dir) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("cannot inspect it ({e})")),
        };
        if !meta.is_dir() {
            return Err("it is not a directory".to_string());
        }
        perms::check(&meta, Rule::NotWritable { root_ok: false }).map_err(|e| match e {
            Exposure::Owner(uid) => format!("it is owned by another user (uid {uid})"),
            Exposure::Writable(mode) | Exposure::Readable(mode) => {
                format!("it is writable by others (mode {:o})", mode & 0o777)
            }
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{profile}{SUFFIX}"))
    }

    /// The cached entry for `profile`, if there is a usable one for this identity.
    pub fn load(&self, profile: &str, identity: &Identity) -> Option<Entry> {
        let path = self.file(profile);
        let bytes = match read_private(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                vlog!("cache: no cached token for `{profile}`");
                return None;
            }
            Err(e) => {
                vlog!("cache: ignoring {}: {e}", path.display());
                return None;
            }
        };
        let disk: OnDisk = match serde_json::from_slice(&bytes) {
            Ok(d) => d,
            Err(_) => {
                vlog!(
                    "cache: ignoring {}: not a tokfetch cache file",
                    path.display()
                );
                return None;
            }
        };
        if disk.format != FORMAT || disk.version != VERSION {
            vlog!(
                "cache: ignoring {}: other format or version",
                path.display()
            );
            return None;
        }
        let Ok(dpop) = disk.dpop() else {
            vlog!(
                "cache: ignoring {}: its DPoP key is unusable",
                path.display()
            );
            return None;
        };
        // A DPoP token was stored under the thumbprint of its key: the key in the file must be
        // the one the token was bound to.
        let expected = match &dpop {
            Some(key) => Cow::Owned(identity.bound(key.jkt())),
            None => Cow::Borrowed(identity),
        };
        if disk.identity != *expected {
            vlog!(
                "cache: cached token for `{profile}` was issued for a different profile configuration"
            );
            return None;
        }
        if !oauth::is_b64token(&disk.access_token) {
            vlog!("cache: ignoring {}: invalid token", path.display());
            return None;
        }
        // Tokens are secrets from the moment they are read: registered here, so no caller (the
        // fast path, inspect, git-credential) can forget them.
        crate::redact::register(&disk.access_token);
        if let Some(r) = &disk.refresh_token {
            crate::redact::register(r);
        }
        if let Some(k) = &disk.dpop_key {
            crate::redact::register(k);
        }
        Some(Entry {
            access_token: Zeroizing::new(disk.access_token.clone()),
            expires_at: disk.expires_at,
            obtained_at: disk.obtained_at,
            scope: disk.scope.clone(),
            refresh_token: disk.refresh_token.clone().map(Zeroizing::new),
            dpop: dpop.map(Arc::new),
        })
    }

    /// Write the entry atomically (temp file + rename), file mode 0600, directory 0700.
    pub fn store(&self, profile: &str, identity: &Identity, entry: &Entry) -> io::Result<()> {
        let disk = OnDisk {
            format: FORMAT.to_string(),
            version: VERSION,
            identity: match &entry.dpop {
                Some(key) => identity.bound(key.jkt()),
                None => identity.clone(),
            },
            access_token: entry.access_token.to_string(),
            expires_at: entry.expires_at,
            obtained_at: entry.obtained_at,
            scope: entry.scope.clone(),
            refresh_token: entry.refresh_token.as_ref().map(|r| r.to_string()),
            dpop_alg: entry.dpop.as_ref().map(|k| k.alg().name().to_string()),
            dpop_key: entry.dpop.as_ref().map(|k| jws::b64url(k.pkcs8())),
        };
        let json = Zeroizing::new(serde_json::to_vec(&disk).map_err(io::Error::other)?);
        if json.len() as u64 > MAX_FILE {
            // Never write what the reader would refuse: that would re-fetch on every call.
            return Err(io::Error::other("the token is too large to cache"));
        }
        self.write_atomically(&self.file(profile), &json)
    }

    /// Replace `path` (in the cache directory) with `bytes`: a private temp file, then a rename.
    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.ensure_dir()?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = self.dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        let result = (|| {
            let mut f = private_options().write(true).create_new(true).open(&tmp)?;
            f.write_all(bytes)?;
            fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn ensure_dir(&self) -> io::Result<()> {
        if self.dir.is_dir() {
            return Ok(());
        }
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&self.dir)
    }

    /// Take the per-profile lock, waiting until `deadline`. `Ok(None)` when the cache directory
    /// cannot hold a lock file (tokfetch then works without the cache).
    pub fn lock(&self, profile: &str, deadline: Instant) -> Result<Option<Lock>> {
        if let Err(e) = self.ensure_dir() {
            vlog!(
                "cache: cannot create {}: {e}; not caching",
                self.dir.display()
            );
            return Ok(None);
        }
        let path = self.dir.join(format!("{profile}.lock"));
        let file = match private_options()
            .read(true)
            .write(true)
            .create(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) => {
                vlog!("cache: cannot open {}: {e}; not caching", path.display());
                return Ok(None);
            }
        };
        let started = Instant::now();
        let mut pause = Duration::from_millis(2);
        let mut waited = false;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    if started.elapsed() > Duration::from_millis(5) {
                        vlog!(
                            "cache: waited {} ms for another tokfetch fetching `{profile}`",
                            started.elapsed().as_millis()
                        );
                    }
                    return Ok(Some(Lock {
                        _file: file,
                        waited,
                    }));
                }
                Err(fs::TryLockError::WouldBlock) => waited = true,
                Err(fs::TryLockError::Error(e)) => {
                    vlog!(
                        "cache: cannot lock {}: {e}; continuing without the lock",
                        path.display()
                    );
                    return Ok(None);
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Failure::network(format!(
                    "timed out waiting for another tokfetch to finish fetching a token for `{profile}` (lock {})",
                    path.display()
                ))
                .hint("raise --timeout, or use --no-cache to fetch without the cache"));
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    /// Forget the cached token of `profile`; `false` when there was none.
    pub fn remove(&self, profile: &str) -> io::Result<bool> {
        match fs::remove_file(self.file(profile)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Forget every cached token and discovery document in the directory.
    /// Lock files stay: removing one another process holds would break mutual exclusion.
    pub fn clear(&self) -> io::Result<Cleared> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Cleared::default()),
            Err(e) => return Err(e),
        };
        let mut n = Cleared::default();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = |suffix: &str| name.ends_with(suffix) && !name.starts_with('.');
            if ours(SUFFIX) {
                fs::remove_file(entry.path())?;
                n.tokens += 1;
            } else if ours(DISCOVERY_SUFFIX) {
                fs::remove_file(entry.path())?;
                n.documents += 1;
            } else if name.ends_with(".tmp")
                && (name.contains(SUFFIX) || name.contains(DISCOVERY_SUFFIX))
            {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(n)
    }
}

/// Options for our files: created 0600, and never through a symlink.
#[cfg_attr(not(unix), allow(unused_mut))]
fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o
}

/// Read a cache file (through the one safe reader: non-blocking, never through a link, a
/// regular file of at most [`MAX_FILE`]), refusing one that is not owned by us and private to
/// us: in a shared `$TOKFETCH_CACHE_DIR` another user could otherwise plant a token.
fn read_private(path: &Path) -> io::Result<Zeroizing<Vec<u8>>> {
    let rules = fsread::Rules {
        max: MAX_FILE,
        follow_links: false,
    };
    let refused = |r: fsread::Refusal| match r {
        fsread::Refusal::NotFound => io::Error::from(io::ErrorKind::NotFound),
        fsread::Refusal::Io(e) => e,
        other => io::Error::other(format!("not a regular cache file: {other}")),
    };
    let opened = fsread::open(path, rules).map_err(refused)?;
    if perms::check(&opened.meta, Rule::Private { ours: true }).is_err() {
        return Err(io::Error::other(
            "owned by another user or readable by others",
        ));
    }
    opened.read().map_err(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            provider: "oauth2".into(),
            token_url: "https://idp/t".into(),
            client_id: "c".into(),
            tenant: None,
            scope: Some("s".into()),
            params: vec![],
        }
    }

    fn entry(token: &str) -> Entry {
        Entry {
            access_token: Zeroizing::new(token.into()),
            expires_at: 2_000_000_000,
            obtained_at: Some(1_999_999_100),
            scope: None,
            refresh_token: Some(Zeroizing::new("rt".into())),
            dpop: None,
        }
    }

    #[test]
    fn a_dpop_token_keeps_its_key_under_the_key_s_thumbprint() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            dir: tmp.path().join("c"),
        };
        let key = Arc::new(DpopKey::generate(Alg::ES256).expect("key"));
        let mut e = entry("tok");
        e.dpop = Some(key.clone());
        cache.store("p", &identity(), &e).expect("store");
        let got = cache.load("p", &identity()).expect("hit");
        let back = got.dpop.expect("the key comes back");
        assert_eq!(back.jkt(), key.jkt());
        assert_eq!(back.pkcs8(), key.pkcs8());
        let text = fs::read_to_string(cache.file("p")).expect("read");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert!(text.contains(key.jkt()), "{text}");
        assert_eq!(v["dpop_alg"], "ES256");
        // Another key in the file (a token bound to one key, the key of another) is no hit.
        let mut v2 = v.clone();
        v2["dpop_key"] = jws::b64url(DpopKey::generate(Alg::ES256).expect("key").pkcs8()).into();
        fs::write(cache.file("p"), v2.to_string()).expect("write");
        assert!(cache.load("p", &identity()).is_none());
        // Nor is a file whose key is gone: its identity names a thumbprint.
        let mut v3 = v.clone();
        v3.as_object_mut().expect("object").remove("dpop_key");
        fs::write(cache.file("p"), v3.to_string()).expect("write");
        assert!(cache.load("p", &identity()).is_none());
        // A Bearer token's file has none of the new fields (0.2.0 reads it unchanged).
        cache.store("b", &identity(), &entry("tok")).expect("store");
        let text = fs::read_to_string(cache.file("b")).expect("read");
        assert!(!text.contains("dpop"), "{text}");
    }

    #[test]
    fn round_trips_and_checks_identity() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            dir: tmp.path().join("c"),
        };
        cache.store("p", &identity(), &entry("tok")).expect("store");
        let got = cache.load("p", &identity()).expect("hit");
        assert_eq!(got.access_token.as_str(), "tok");
        assert_eq!(got.refresh_token.as_deref().map(String::as_str), Some("rt"));
        assert_eq!(got.obtained_at, Some(1_999_999_100));
        let mut other = identity();
        other.scope = Some("t".into());
        assert!(cache.load("p", &other).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            dir: tmp.path().join("c"),
        };
        cache.store("p", &identity(), &entry("tok")).expect("store");
        let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777).ok();
        assert_eq!(mode(&cache.dir), Some(0o700));
        assert_eq!(mode(&cache.file("p")), Some(0o600));
        fs::set_permissions(cache.file("p"), fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(
            cache.load("p", &identity()).is_none(),
            "world-readable file must be ignored"
        );
    }

    #[test]
    fn garbage_is_ignored() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            dir: tmp.path().to_path_buf(),
        };
        for junk in [&b""[..], b"{", b"{\"format\":\"x\"}", b"\x00\xff"] {
            let mut f = private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(cache.file("p"))
                .expect("write");
            f.write_all(junk).expect("write");
            assert!(cache.load("p", &identity()).is_none());
        }
    }

    #[test]
    fn clear_removes_tokens_but_not_locks() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache {
            dir: tmp.path().to_path_buf(),
        };
        cache.store("a", &identity(), &entry("x")).expect("store");
        cache.store("b", &identity(), &entry("y")).expect("store");
        let _lock = cache
            .lock("a", Instant::now() + Duration::from_secs(1))
            .expect("lock")
            .expect("lock file");
        fs::write(tmp.path().join("unrelated.json"), b"{}").expect("write");
        cache
            .store_metadata(&discovery::tests::metadata(), 1000)
            .expect("store");
        assert_eq!(
            cache.clear().expect("clear"),
            Cleared {
                tokens: 2,
                documents: 1
            }
        );
        assert!(tmp.path().join("a.lock").exists());
        assert!(tmp.path().join("unrelated.json").exists());
        assert!(!cache.remove("a").expect("remove"));
    }
}
