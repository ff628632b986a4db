//! The OS keyring: service `tokfetch`, user `<profile>/<field>`. Secret Service on Linux and the
//! BSDs, Keychain on macOS, Credential Manager on Windows.
//!
//! Every call runs on a helper thread and is abandoned after a bounded wait, so a locked
//! collection that pops up an unlock prompt nobody can answer never hangs a CI job.
//! The backend's "no entry" is mapped right here to `None`, so callers can try the next source.

use std::fmt;
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use keyring_core::{Entry, Error as KeyringError};

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
    crate::vlog!(
        "reading {} of profile `{profile}` from the OS keyring",
        field.name()
    );
    let profile = profile.to_string();
    bounded(move || match entry(&profile, field)?.get_password() {
        Ok(value) => Ok(Some(Secret::new(value))),
        Err(KeyringError::NoEntry) => Ok(None),
        Err(e) => Err(backend(&e)),
    })
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

/// Store (or replace) the secret.
pub fn set(profile: &str, field: Field, secret: &Secret) -> Result<(), Unavailable> {
    let profile = profile.to_string();
    let secret = secret.clone();
    bounded(move || {
        entry(&profile, field)?
            .set_password(secret.expose())
            .map_err(|e| backend(&e))
    })
}

/// Remove the secret; `false` when there was none.
pub fn delete(profile: &str, field: Field) -> Result<bool, Unavailable> {
    let profile = profile.to_string();
    bounded(move || match entry(&profile, field)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(KeyringError::NoEntry) => Ok(false),
        Err(e) => Err(backend(&e)),
    })
}
