//! A user's token (README "User tokens"): the cached access token, else a refresh under the
//! profile's lock, else a login where there is a terminal; and the `login` and `logout`
//! commands, which hold the same lock. The cache, the hit path and the token type are the
//! parent's.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::{Cached, Options, Token, cache_for, lookup};
use crate::cache::{Cache, Identity, Lock};
use crate::config::Profile;
use crate::credentials::Credentials;
use crate::error::{Failure, Result};
use crate::log::vlog;
use crate::login::store::{self, Place};
use crate::login::{self, LoginOptions, Refreshed, Session};
use crate::time;

/// A user's token (README "User tokens"): the cached access token; else, under the profile's
/// lock, the cache again (another process may have refreshed), then the stored refresh token,
/// read again now that the lock is held; a rotated refresh token is stored before the lock is
/// released. With neither, a login when stdin and stderr are terminals, else exit 4.
pub(super) fn user_token(
    profile: &Profile,
    opts: &Options,
    credentials: &mut Credentials,
) -> Result<Token> {
    let deadline = Instant::now() + opts.timeout;
    credentials.bound(deadline);
    // The access token's cache (none with --no-cache); the directory where the lock and a
    // refresh token without a keyring live, which --no-cache does not give up: a rotated
    // refresh token must never be lost.
    let cache = cache_for(profile, opts);
    // Where the lock is taken, even with `cache = false`: opened once.
    let dir = match &cache {
        Some(c) => Some(c.clone()),
        None => Cache::open(),
    };
    let home = dir.clone().filter(|_| profile.cache);
    let identity = Identity::of(profile);
    let hit = |c: &Cache| match lookup(c, profile, &identity, opts.min_ttl) {
        Cached::Hit(e) => Some(Token::from_entry(e)),
        _ => None,
    };
    if !opts.refresh
        && let Some(t) = cache.as_ref().and_then(hit)
    {
        return Ok(t);
    }
    let _lock = user_lock(profile, dir.as_ref(), deadline)?;
    if !opts.refresh
        && let Some(t) = cache.as_ref().and_then(hit)
    {
        return Ok(t);
    }
    let mut refused = false;
    let stored = store::load(profile, home.as_ref(), &identity);
    let unbound = stored.is_err();
    if let Ok(Some((rt, place))) = stored {
        let started = time::now_unix();
        let mut session = Session::open(profile, credentials, deadline, opts.timeout.as_secs())?;
        match login::refresh(&mut session, &rt)? {
            Refreshed::Token(fresh) => {
                vlog!("refresh: new access token for `{}`", profile.name);
                store::keep(
                    profile,
                    home.as_ref(),
                    &identity,
                    &fresh,
                    started,
                    Some(place),
                    cache.is_some(),
                );
                return Ok(Token::issued(fresh, started, None));
            }
            Refreshed::Refused => {
                store::drop_refresh_token(profile, home.as_ref(), place);
                refused = true;
            }
        }
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        let name = &profile.name;
        let message = if unbound {
            format!(
                "the refresh token stored for profile `{name}` was obtained for another issuer, client or scope, so it is not sent, and there is no terminal to log in on"
            )
        } else if refused {
            format!(
                "the server refused the stored refresh token of profile `{name}` (invalid_grant), and there is no terminal to log in on"
            )
        } else {
            format!("no token for profile `{name}` and no terminal to log in on")
        };
        return Err(Failure::credentials(message).hint(format!("run tokfetch login {name}")));
    }
    let timeout = login::LOGIN_TIMEOUT;
    let login_opts = LoginOptions {
        no_browser: false,
        withhold: opts.withhold.clone(),
    };
    run_login(
        profile,
        credentials,
        home.as_ref(),
        &identity,
        timeout,
        &login_opts,
        cache.is_some(),
    )
}

/// The profile's lock for a user's token, in the cache directory `dir` even with `cache =
/// false` (a lock file holds no data). A refresh token that rotates must be used by one process
/// at a time, or a second one spends the token the first just replaced and the server revokes
/// them both; so must a login.
fn user_lock(profile: &Profile, dir: Option<&Cache>, deadline: Instant) -> Result<Option<Lock>> {
    match dir {
        Some(c) => c.lock(&profile.name, deadline),
        None => Ok(None),
    }
}

/// The login itself, the profile's lock held by the caller; the tokens kept.
fn run_login(
    profile: &Profile,
    credentials: &mut Credentials,
    cache: Option<&Cache>,
    identity: &Identity,
    timeout: u64,
    opts: &LoginOptions,
    cache_access: bool,
) -> Result<Token> {
    let deadline = Instant::now() + Duration::from_secs(timeout);
    credentials.bound(deadline);
    let mut session = Session::open(profile, credentials, deadline, timeout)?;
    let fresh = login::login(&mut session, opts)?;
    let at = time::now_unix();
    let previous = cache
        .and_then(|c| c.load(&profile.name, identity))
        .and_then(|e| e.refresh_token)
        .map(|_| Place::CacheFile);
    store::keep(profile, cache, identity, &fresh, at, previous, cache_access);
    Ok(Token::issued(fresh, at, None))
}

/// `tokfetch login PROFILE`: one login at a time per profile. A login that waited for another
/// one and finds a token obtained since it started uses it without asking the user again
/// (`Ok(false)`).
pub fn login_command(
    profile: &Profile,
    timeout: u64,
    opts: &LoginOptions,
    credentials: &mut Credentials,
) -> Result<bool> {
    let started = time::now_unix();
    let deadline = Instant::now() + Duration::from_secs(timeout);
    let dir = Cache::open();
    let cache = dir.clone().filter(|_| profile.cache);
    let identity = Identity::of(profile);
    let lock = user_lock(profile, dir.as_ref(), deadline)?;
    // Only a login that finished while this one waited for the lock counts: one run right
    // after another (in the same second) logs in again, as asked.
    let waited = lock.as_ref().is_some_and(|l| l.waited());
    let meanwhile = waited
        && cache
            .as_ref()
            .and_then(|c| c.load(&profile.name, &identity))
            .is_some_and(|e| {
                e.obtained_at.is_some_and(|t| t >= started) && e.remaining(time::now_unix()) > 0
            });
    if meanwhile {
        return Ok(false);
    }
    run_login(
        profile,
        credentials,
        cache.as_ref(),
        &identity,
        timeout,
        opts,
        true,
    )?;
    Ok(true)
}

/// `tokfetch logout PROFILE`: revoke the refresh token and the access token where the server
/// has a revocation endpoint (a failure is a warning), then forget both.
pub fn logout_command(
    profile: &Profile,
    timeout: Duration,
    credentials: &mut Credentials,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    credentials.bound(deadline);
    let dir = Cache::open();
    let cache = dir.clone().filter(|_| profile.cache);
    let identity = Identity::of(profile);
    let _lock = user_lock(profile, dir.as_ref(), deadline)?;
    // One bound to another identity is forgotten below, never sent to this profile's server.
    let refresh = store::load(profile, cache.as_ref(), &identity)
        .ok()
        .flatten()
        .map(|(rt, _)| rt);
    let access = cache
        .as_ref()
        .and_then(|c| c.load(&profile.name, &identity))
        .map(|e| e.access_token);
    let tokens: Vec<(Zeroizing<String>, &'static str)> = refresh
        .map(|t| (t, "refresh_token"))
        .into_iter()
        .chain(access.map(|t| (t, "access_token")))
        .collect();
    if !tokens.is_empty() {
        let warn = |f: &Failure| {
            crate::log::warn(
                &format!(
                    "the tokens of profile `{}` may not have been revoked: {}",
                    profile.name, f.message
                ),
                &[],
            )
        };
        match Session::open(profile, credentials, deadline, timeout.as_secs()) {
            Err(f) => warn(&f),
            Ok(mut session) => {
                for (token, hint) in &tokens {
                    match login::revoke(&mut session, token, hint) {
                        Ok(true) => vlog!("logout: {hint} revoked"),
                        Ok(false) => {
                            vlog!(
                                "logout: the server has no revocation endpoint; forgetting the tokens only"
                            );
                            break;
                        }
                        Err(f) => {
                            warn(&f);
                            break;
                        }
                    }
                }
            }
        }
    }
    store::forget(profile, cache.as_ref());
    Ok(())
}
