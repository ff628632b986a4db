//! The OS keyring: service `tokfetch`, user `<profile>/<field>`. Secret Service on Linux and the
//! BSDs, Keychain on macOS, Credential Manager on Windows.
//!
//! Every call runs on a helper thread and is abandoned after a bounded wait, so a locked
//! collection that pops up an unlock prompt nobody can answer never hangs a CI job.
//! The backend's "no entry" is mapped right here to `None`, so callers can try the next source.
//!
//! Big secrets (README "Big secrets"): where a backend caps an entry (Windows Credential
//! Manager: 2,560 bytes of UTF-16, 1,280 code units), a longer secret is split at character
//! boundaries into entries `<profile>/<field>/1`, `/2`, … and the entry `<profile>/<field>`
//! holds a marker naming how many there are and a digest of the whole. A secret that fits is
//! one plain entry, as always, so an entry stored by an earlier tokfetch still reads. Chunks are
//! written before the marker that names them, and chunks a shorter value no longer needs are
//! deleted after it, so a reader sees the old value, the new one, or (mid-write) a digest that
//! does not match — never a wrong secret.

use std::fmt;
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use keyring_core::{Entry, Error as KeyringError};
use zeroize::Zeroizing;

use crate::secret::{Field, Secret};

pub const SERVICE: &str = "tokfetch";

/// How long a keyring operation may take before tokfetch gives up on it.
const WAIT: Duration = Duration::from_secs(10);

/// The keyring could not be used: unreachable, locked, or broken. The text says why.
#[derive(Debug)]
pub struct Unavailable(String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The keyring user name for a profile's field.
pub fn user(profile: &str, field: Field) -> String {
    format!("{profile}/{}", field.name())
}

/// The most one entry of this platform's store holds, in UTF-16 code units; `None`: no cap
/// that a secret of at most 64 KiB reaches (Secret Service, Keychain).
const ENTRY_CAP: Option<usize> = if cfg!(windows) {
    // CRED_MAX_CREDENTIAL_BLOB_SIZE (2,560 bytes), which the store fills with UTF-16.
    Some(2560 / 2)
} else {
    None
};

/// The head entry of a split secret: `tokfetch-chunked:v1:<count>:<sha256 of the whole, hex>`.
const MARKER: &str = "tokfetch-chunked:v1:";

/// More chunks than this is not a marker tokfetch wrote (64 KiB needs at most 52 on Windows).
const MOST_CHUNKS: usize = 1024;

/// The user name of chunk `i` (from 1) of a split secret.
fn chunk_user(user: &str, i: usize) -> String {
    format!("{user}/{i}")
}

fn digest_hex(value: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, value.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The chunk count and digest a head entry names, if it is a marker.
fn parse_marker(head: &str) -> Option<(usize, &str)> {
    let (count, digest) = head.strip_prefix(MARKER)?.split_once(':')?;
    let count: usize = count.parse().ok()?;
    let hex = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
    ((2..=MOST_CHUNKS).contains(&count) && hex).then_some((count, digest))
}

/// `value` cut at character boundaries into pieces of at most `cap` UTF-16 code units (one
/// piece when there is no cap or it fits).
fn split(value: &str, cap: Option<usize>) -> Vec<&str> {
    let Some(cap) = cap.filter(|&c| c >= 2 && value.encode_utf16().count() > c) else {
        return vec![value];
    };
    let mut pieces = Vec::new();
    let (mut start, mut units) = (0, 0);
    for (at, c) in value.char_indices() {
        if units + c.len_utf16() > cap {
            pieces.push(&value[start..at]);
            (start, units) = (at, 0);
        }
        units += c.len_utf16();
    }
    pieces.push(&value[start..]);
    pieces
}

/// How the keystore reaches entries: `Entry::new` on the platform store, or a test's store.
type Make<'a> = &'a dyn Fn(&str) -> Result<Entry, KeyringError>;

fn open(make: Make, user: &str) -> Result<Entry, Unavailable> {
    make(user).map_err(|e| backend(&e))
}

/// The whole secret under `user`, joined from its chunks if it was split.
fn read_joined(make: Make, user: &str) -> Result<Option<Zeroizing<String>>, Unavailable> {
    let head = match open(make, user)?.get_password() {
        Ok(v) => Zeroizing::new(v),
        Err(KeyringError::NoEntry) => return Ok(None),
        Err(e) => return Err(backend(&e)),
    };
    let Some((count, digest)) = parse_marker(&head) else {
        return Ok(Some(head));
    };
    let broken = |what: String| {
        Unavailable(format!(
            "the keyring entries of {user} are {what}; store the secret again (tokfetch secret set)"
        ))
    };
    let mut joined = Zeroizing::new(String::new());
    for i in 1..=count {
        match open(make, &chunk_user(user, i))?.get_password() {
            Ok(part) => joined.push_str(&Zeroizing::new(part)),
            Err(KeyringError::NoEntry) => {
                return Err(broken(format!(
                    "incomplete (part {i} of {count} is missing)"
                )));
            }
            Err(e) => return Err(backend(&e)),
        }
    }
    if digest_hex(&joined) != digest {
        return Err(broken(
            "inconsistent (changed while being read, or altered)".to_string(),
        ));
    }
    Ok(Some(joined))
}

/// How many chunks the entry under `user` names now (0: a plain entry or none).
fn chunks_now(make: Make, user: &str) -> Result<usize, Unavailable> {
    match open(make, user)?.get_password() {
        Ok(v) => Ok(parse_marker(&Zeroizing::new(v)).map_or(0, |(n, _)| n)),
        Err(KeyringError::NoEntry) => Ok(0),
        Err(e) => Err(backend(&e)),
    }
}

/// Delete chunks from `from` on: every one up to `known`, then on until one is missing.
/// Whether any was there.
fn sweep(make: Make, user: &str, from: usize, known: usize) -> Result<bool, Unavailable> {
    let mut any = false;
    let mut i = from;
    loop {
        match open(make, &chunk_user(user, i))?.delete_credential() {
            Ok(()) => any = true,
            Err(KeyringError::NoEntry) if i > known => return Ok(any),
            Err(KeyringError::NoEntry) => {}
            Err(e) => return Err(backend(&e)),
        }
        i += 1;
    }
}

/// Store `value` under `user`, split where an entry holds at most `cap` UTF-16 units.
fn write_split(make: Make, user: &str, value: &str, cap: Option<usize>) -> Result<(), Unavailable> {
    let before = chunks_now(make, user)?;
    let pieces = split(value, cap);
    if pieces.len() == 1 {
        open(make, user)?
            .set_password(value)
            .map_err(|e| backend(&e))?;
        sweep(make, user, 1, before)?;
        return Ok(());
    }
    for (i, piece) in pieces.iter().enumerate() {
        open(make, &chunk_user(user, i + 1))?
            .set_password(piece)
            .map_err(|e| backend(&e))?;
    }
    let marker = Zeroizing::new(format!("{MARKER}{}:{}", pieces.len(), digest_hex(value)));
    open(make, user)?
        .set_password(&marker)
        .map_err(|e| backend(&e))?;
    sweep(make, user, pieces.len() + 1, before)?;
    Ok(())
}

/// Delete the entry under `user` and every chunk; whether there was anything.
fn delete_split(make: Make, user: &str) -> Result<bool, Unavailable> {
    let before = chunks_now(make, user)?;
    // The head first: from then on nobody reads a half-deleted secret.
    let head = match open(make, user)?.delete_credential() {
        Ok(()) => true,
        Err(KeyringError::NoEntry) => false,
        Err(e) => return Err(backend(&e)),
    };
    let chunks = sweep(make, user, 1, before)?;
    Ok(head || chunks)
}

/// The platform store's entries.
fn platform(user: &str) -> Result<Entry, KeyringError> {
    Entry::new(SERVICE, user)
}

/// Set the platform's store as keyring-core's default, once per process.
fn ensure_store() -> Result<(), Unavailable> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        let store = zbus_secret_service_keyring_store::Store::new();
        #[cfg(target_os = "macos")]
        let store = apple_native_keyring_store::keychain::Store::new();
        #[cfg(target_os = "windows")]
        let store = windows_native_keyring_store::Store::new();
        #[cfg(not(any(
            all(
                unix,
                not(any(target_os = "macos", target_os = "ios", target_os = "android"))
            ),
            target_os = "macos",
            target_os = "windows"
        )))]
        let store: Result<std::sync::Arc<keyring_core::CredentialStore>, KeyringError> =
            Err(KeyringError::NoDefaultStore);

        match store {
            Ok(store) => {
                keyring_core::set_default_store(store);
                Ok(())
            }
            Err(e) => Err(describe(&e)),
        }
    })
    .clone()
    .map_err(Unavailable)
}

fn describe(e: &KeyringError) -> String {
    match e {
        KeyringError::NoStorageAccess(inner) => {
            format!("the keyring is locked or refused access ({inner})")
        }
        KeyringError::PlatformFailure(inner) => format!("no usable keyring ({inner})"),
        KeyringError::NoDefaultStore => "no keyring is available on this system".to_string(),
        KeyringError::BadEncoding(_) => "the stored secret is not valid UTF-8".to_string(),
        KeyringError::Ambiguous(_) => "several keyring items match this profile".to_string(),
        other => other.to_string(),
    }
}

/// Run `op` against the default store on a helper thread, waiting at most `WAIT`.
fn bounded<T, F>(op: F) -> Result<T, Unavailable>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Unavailable> + Send + 'static,
{
    bounded_by(WAIT, op)
}

/// Why the keyring failed earlier in this run, if it did: the keystore remembers its own
/// failure, so a run that lists many secrets waits for an unreachable keyring once, not once
/// per secret, and no caller has to carry a "keyring failed" flag around.
static FAILED: OnceLock<String> = OnceLock::new();

/// A failure of the keyring as a whole (not of one entry), remembered for the rest of the run.
fn failed(why: String) -> Unavailable {
    Unavailable(FAILED.get_or_init(|| why).clone())
}

/// Run `op` against the default store on a helper thread, waiting at most `wait`.
fn bounded_by<T, F>(wait: Duration, op: F) -> Result<T, Unavailable>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Unavailable> + Send + 'static,
{
    if let Some(why) = FAILED.get() {
        return Err(Unavailable(why.clone()));
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = ensure_store().map_err(|e| failed(e.0)).and_then(|()| op());
        let _ = tx.send(result);
    });
    match rx.recv_timeout(wait) {
        Ok(result) => result,
        Err(_) => Err(failed(format!(
            "the keyring did not answer within {} s (locked, waiting for an unlock prompt?)",
            wait.as_secs()
        ))),
    }
}

/// A backend error: the whole keyring's (locked, refused, unreachable: remembered) or one
/// entry's.
fn backend(e: &KeyringError) -> Unavailable {
    match e {
        KeyringError::NoStorageAccess(_)
        | KeyringError::PlatformFailure(_)
        | KeyringError::NoDefaultStore => failed(describe(e)),
        _ => Unavailable(describe(e)),
    }
}

fn entry(profile: &str, field: Field) -> Result<Entry, Unavailable> {
    Entry::new(SERVICE, &user(profile, field)).map_err(|e| backend(&e))
}

/// The stored secret, `None` when there is no entry.
pub fn get(profile: &str, field: Field) -> Result<Option<Secret>, Unavailable> {
    get_named(profile, field.name())
}

/// The stored secret under `<profile>/<name>` (a field's name, or `refresh_token`: README
/// "User tokens"), `None` when there is no entry.
pub fn get_named(profile: &str, name: &str) -> Result<Option<Secret>, Unavailable> {
    crate::log::vlog!("reading {name} of profile `{profile}` from the OS keyring");
    let user = format!("{profile}/{name}");
    bounded(move || Ok(read_joined(&platform, &user)?.map(|value| Secret::new(value.to_string()))))
}

/// Whether the keyring can be used at all, asked the cheapest way the store allows (opening
/// the store and looking up an item that need not exist), within the usual bound.
pub fn probe() -> Result<(), Unavailable> {
    probe_within(WAIT)
}

/// [`probe`], waiting at most `wait` (`doctor` allows 5 s).
pub fn probe_within(wait: Duration) -> Result<(), Unavailable> {
    bounded_by(wait, || {
        match entry("tokfetch-probe", Field::ClientSecret)?.get_password() {
            Ok(_) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(backend(&e)),
        }
    })
}

/// Store (or replace) the secret, split across entries where the store caps one.
pub fn set(profile: &str, field: Field, secret: &Secret) -> Result<(), Unavailable> {
    set_named(profile, field.name(), secret)
}

/// [`set`] under `<profile>/<name>`.
pub fn set_named(profile: &str, name: &str, secret: &Secret) -> Result<(), Unavailable> {
    let user = format!("{profile}/{name}");
    let secret = secret.clone();
    bounded(move || write_split(&platform, &user, secret.expose(), ENTRY_CAP))
}

/// Remove the secret and every entry it was split across; `false` when there was none.
pub fn delete(profile: &str, field: Field) -> Result<bool, Unavailable> {
    delete_named(profile, field.name())
}

/// [`delete`] under `<profile>/<name>`.
pub fn delete_named(profile: &str, name: &str) -> Result<bool, Unavailable> {
    let user = format!("{profile}/{name}");
    bounded(move || delete_split(&platform, &user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring_core::api::CredentialStoreApi;
    use keyring_core::mock;

    fn store() -> std::sync::Arc<mock::Store> {
        mock::Store::new().expect("a mock store")
    }

    /// Which of `user` and its chunks 1..=60 hold something.
    fn present(make: Make, user: &str) -> Vec<String> {
        std::iter::once(user.to_string())
            .chain((1..=60).map(|i| chunk_user(user, i)))
            .filter(|u| make(u).and_then(|e| e.get_password()).is_ok())
            .collect()
    }

    #[test]
    fn split_respects_utf16_units_and_char_boundaries() {
        assert_eq!(split("abcdef", None), vec!["abcdef"]);
        assert_eq!(split("abcdef", Some(6)), vec!["abcdef"]);
        assert_eq!(split("abcdefg", Some(3)), vec!["abc", "def", "g"]);
        // é is one unit, 😀 two: never cut inside a surrogate pair or a UTF-8 sequence.
        assert_eq!(split("é😀é😀", Some(3)), vec!["é😀", "é😀"]);
        assert_eq!(split("😀😀😀", Some(3)), vec!["😀", "😀", "😀"]);
        for cap in 2..9 {
            let s = "ab😀cdé😀😀fgh€i";
            let pieces = split(s, Some(cap));
            assert_eq!(pieces.concat(), s);
            assert!(pieces.iter().all(|p| p.encode_utf16().count() <= cap));
        }
    }

    #[test]
    fn a_big_secret_is_split_joined_shrunk_and_deleted_without_leftovers() {
        let store = store();
        let make = |u: &str| store.build(SERVICE, u, None);
        let user = "p/private_key";
        let big: String = (0..3268).map(|i| (b'A' + (i % 26) as u8) as char).collect();

        write_split(&make, user, &big, Some(1280)).expect("stored");
        assert_eq!(present(&make, user).len(), 4, "head and three chunks");
        let head = make(user).and_then(|e| e.get_password()).expect("head");
        assert!(head.starts_with(MARKER), "{head}");
        assert!(!big.contains(&head));
        assert_eq!(
            read_joined(&make, user)
                .expect("read")
                .as_deref()
                .map(String::as_str),
            Some(big.as_str())
        );

        // Shrinking to two chunks leaves no third; to one entry, no chunk at all.
        let smaller = &big[..2000];
        write_split(&make, user, smaller, Some(1280)).expect("stored");
        assert_eq!(present(&make, user).len(), 3);
        assert_eq!(
            read_joined(&make, user)
                .expect("read")
                .as_deref()
                .map(String::as_str),
            Some(smaller)
        );
        write_split(&make, user, "short", Some(1280)).expect("stored");
        assert_eq!(present(&make, user), vec![user.to_string()]);
        assert_eq!(
            read_joined(&make, user)
                .expect("read")
                .as_deref()
                .map(String::as_str),
            Some("short")
        );

        // Delete removes the head and every chunk.
        write_split(&make, user, &big, Some(1280)).expect("stored");
        assert!(delete_split(&make, user).expect("deleted"));
        assert!(present(&make, user).is_empty());
        assert!(!delete_split(&make, user).expect("nothing"));
        assert!(read_joined(&make, user).expect("read").is_none());
    }

    #[test]
    fn an_old_single_entry_still_reads_and_a_damaged_split_is_refused() {
        let store = store();
        let make = |u: &str| store.build(SERVICE, u, None);
        let user = "p/client_secret";
        make(user)
            .and_then(|e| e.set_password("stored-by-0.2"))
            .expect("set");
        assert_eq!(
            read_joined(&make, user)
                .expect("read")
                .as_deref()
                .map(String::as_str),
            Some("stored-by-0.2")
        );

        let big = "x".repeat(3000);
        write_split(&make, user, &big, Some(1280)).expect("stored");
        make(&chunk_user(user, 2))
            .and_then(|e| e.set_password("tampered"))
            .expect("set");
        let err = read_joined(&make, user).expect_err("digest");
        assert!(err.to_string().contains("inconsistent"), "{err}");
        make(&chunk_user(user, 2))
            .and_then(|e| e.delete_credential())
            .expect("delete");
        let err = read_joined(&make, user).expect_err("missing part");
        assert!(err.to_string().contains("part 2 of 3 is missing"), "{err}");
        // Delete still clears what is left, past the gap.
        assert!(delete_split(&make, user).expect("deleted"));
        assert!(present(&make, user).is_empty());
    }

    #[test]
    fn a_secret_that_looks_like_a_marker_only_when_it_is_one() {
        assert_eq!(parse_marker("tokfetch-chunked:v1:3:zz"), None);
        assert_eq!(parse_marker("plain"), None);
        let d = digest_hex("x");
        assert_eq!(
            parse_marker(&format!("{MARKER}3:{d}")),
            Some((3, d.as_str()))
        );
        assert_eq!(parse_marker(&format!("{MARKER}1:{d}")), None);
    }
}
