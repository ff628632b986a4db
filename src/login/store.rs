//! Where a user's tokens are kept (README "User tokens"): the access token in the profile's
//! cache file as every token; the refresh token in the OS keyring (service `tokfetch`, user
//! `<profile>/refresh_token`), or, where no keyring answers, in the same cache file (0600),
//! with one warning when a refresh token is first written there. With a keyring, the cache
//! directory never holds the refresh token. The caller holds the profile's lock.

use zeroize::Zeroizing;

use crate::cache::{Cache, Entry, Identity};
use crate::config::Profile;
use crate::keystore;
use crate::log::vlog;
use crate::oauth::TokenResponse;
use crate::secret::Secret;

/// The keyring entry's name after `<profile>/`.
pub const REFRESH_TOKEN: &str = "refresh_token";

/// The keyring entry beside it that binds it to the profile's identity ([`Identity::digest`]):
/// a refresh token obtained for one issuer, client or scope is never sent to another after
/// the profile is edited (README "User tokens"). Not a secret.
pub const REFRESH_IDENTITY: &str = "refresh_token_identity";

/// Where the refresh token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Keyring,
    CacheFile,
}

/// The stored refresh token and where it was: the keyring first, else the cache file.
pub fn load(
    profile: &Profile,
    cache: Option<&Cache>,
    identity: &Identity,
) -> Result<Option<(Zeroizing<String>, Place)>, Unbound> {
    match keystore::get_named(&profile.name, REFRESH_TOKEN) {
        Ok(Some(secret)) => {
            let bound = keystore::get_named(&profile.name, REFRESH_IDENTITY)
                .ok()
                .flatten()
                .is_some_and(|d| d.expose() == identity.digest());
            if bound {
                return Ok(Some((
                    Zeroizing::new(secret.expose().to_string()),
                    Place::Keyring,
                )));
            }
            vlog!("refresh token: the one in the keyring is bound to another identity; not sent");
            return Err(Unbound);
        }
        Ok(None) => {}
        Err(e) => vlog!("refresh token: the keyring cannot be read ({e}); looking in the cache"),
    }
    Ok(cache
        .and_then(|c| c.load(&profile.name, identity))
        .and_then(|e| e.refresh_token)
        .map(|rt| (rt, Place::CacheFile)))
}

/// The keyring holds a refresh token for the profile's name that was obtained for another
/// identity (issuer, token URL, client, scope or params changed since): it is never sent.
#[derive(Debug)]
pub struct Unbound;

/// Keep a new token: the access token in the cache (when its lifetime is known), the refresh
/// token (when the reply has one) in the keyring, else in the cache file. `previous` is the
/// refresh token the reply replaces, and where it was: a rotation that cannot be stored keeps
/// nothing stale behind. Without `cache_access` (`--no-cache`) the access token is not kept for
/// later calls: only a refresh token that must go to the file is written, with the access
/// token already stale.
pub fn keep(
    profile: &Profile,
    cache: Option<&Cache>,
    identity: &Identity,
    fresh: &TokenResponse,
    at: u64,
    previous: Option<Place>,
    cache_access: bool,
) {
    let mut in_file = None;
    if let Some(rt) = &fresh.refresh_token {
        // The binding first: a token is never left in the keyring without its identity.
        let stored = keystore::set_named(
            &profile.name,
            REFRESH_IDENTITY,
            &Secret::new(identity.digest()),
        )
        .and_then(|()| {
            keystore::set_named(&profile.name, REFRESH_TOKEN, &Secret::new(rt.to_string()))
        });
        match stored {
            Ok(()) => vlog!("refresh token: stored in the OS keyring"),
            Err(e) => {
                vlog!("refresh token: the keyring cannot store it ({e})");
                in_file = Some(rt.clone());
            }
        }
    }
    let Some(cache) = cache else {
        if in_file.is_some() {
            crate::log::warn(
                &format!(
                    "the refresh token of profile `{}` is not kept: no keyring answers and the profile has no cache",
                    profile.name
                ),
                &["the next call needs tokfetch login again once the access token expires"],
            );
        }
        return;
    };
    if in_file.is_some() && previous != Some(Place::CacheFile) {
        let file = cache.dir().join(format!("{}.token.json", profile.name));
        crate::log::warn(
            &format!(
                "no OS keyring answers: the refresh token of profile `{}` is kept in {} (mode 0600)",
                profile.name,
                file.display()
            ),
            &[
                "start a Secret Service (GNOME Keyring, KeePassXC) or another keyring to keep it there instead",
            ],
        );
    }
    // Without a new refresh token, one kept in the file stays there.
    if in_file.is_none() && fresh.refresh_token.is_none() && previous == Some(Place::CacheFile) {
        in_file = cache
            .load(&profile.name, identity)
            .and_then(|e| e.refresh_token);
    }
    let lifetime = fresh.expires_in.filter(|_| cache_access);
    if !cache_access && in_file.is_none() {
        return;
    }
    if lifetime.is_none() && in_file.is_none() {
        vlog!("cache: the server gave no expires_in; token not cached");
        let _ = cache.remove(&profile.name);
        return;
    }
    let entry = Entry {
        access_token: fresh.access_token.clone(),
        // A token of unknown lifetime is kept as already stale: the file then only carries
        // the refresh token.
        expires_at: at + lifetime.unwrap_or(0),
        obtained_at: Some(at),
        scope: fresh.scope.clone(),
        refresh_token: in_file,
        dpop: None,
    };
    match cache.store(&profile.name, identity, &entry) {
        Ok(()) => vlog!("cache: stored token for `{}`", profile.name),
        Err(e) => crate::log::warn(
            &format!(
                "the token was not cached: cannot write to {}: {e}",
                cache.dir().display()
            ),
            &["free space in the cache directory or make it writable, or set TOKFETCH_CACHE_DIR"],
        ),
    }
}

/// Forget the refresh token (keyring entry and cache file) and the cached access token.
/// Returns whether the keyring could be asked.
pub fn forget(profile: &Profile, cache: Option<&Cache>) -> bool {
    let asked = match keystore::delete_named(&profile.name, REFRESH_TOKEN) {
        Ok(_) => {
            let _ = keystore::delete_named(&profile.name, REFRESH_IDENTITY);
            true
        }
        Err(e) => {
            vlog!("refresh token: the keyring cannot be asked ({e})");
            false
        }
    };
    if let Some(cache) = cache
        && let Err(e) = cache.remove(&profile.name)
    {
        vlog!("cache: cannot remove the token of `{}`: {e}", profile.name);
    }
    asked
}

/// Drop the refresh token only (the server refused it), keeping nothing that would be tried
/// again.
pub fn drop_refresh_token(profile: &Profile, cache: Option<&Cache>, place: Place) {
    match place {
        Place::Keyring => {
            if let Err(e) = keystore::delete_named(&profile.name, REFRESH_TOKEN) {
                vlog!("refresh token: cannot delete it from the keyring ({e})");
            }
            let _ = keystore::delete_named(&profile.name, REFRESH_IDENTITY);
        }
        Place::CacheFile => {}
    }
    if let Some(cache) = cache {
        let _ = cache.remove(&profile.name);
    }
}
