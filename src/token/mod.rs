//! Getting a valid token for a profile, top-down (README "Caching"): the cache first (no
//! secret, no socket); then, under the profile's lock, the cache again; then a refresh grant
//! where the provider keeps refresh tokens, else the profile's own grant: read the secrets the
//! grant needs, gather its other inputs (keys, identity tokens, the discovered token endpoint),
//! build the request (provider), send it (http), interpret the reply (response), and cache the
//! result.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::cache::{Cache, Entry, Identity};
use crate::config::Profile;
use crate::credentials::Credentials;
use crate::error::{Failure, Kind, Result};
use crate::gather::{self, Discover};
use crate::http::{Client, Purpose};
use crate::jws::{DpopKey, Proof};
use crate::log::vlog;
use crate::oauth::TokenResponse;
use crate::provider::{DpopInput, Grant};
use crate::{jws, redact, response, time};

mod user;

pub use user::{login_command, logout_command};

/// The flags shared by `get`, `header` and `exec`.
#[derive(Debug, Clone)]
pub struct Options {
    pub no_cache: bool,
    pub refresh: bool,
    pub min_ttl: u64,
    pub timeout: Duration,
    /// Variables a browser started for a login must not see (every profile's `*_env`).
    pub withhold: BTreeSet<String>,
}

/// A token ready to print.
#[derive(Debug, Clone)]
pub struct Token {
    pub access_token: Zeroizing<String>,
    /// Unix seconds, when the lifetime is known.
    pub expires_at: Option<u64>,
    pub scope: Option<String>,
    /// The DPoP key the token is bound to (RFC 9449): every request with it needs a proof.
    pub dpop: Option<Arc<DpopKey>>,
}

impl Token {
    pub fn from_entry(e: Entry) -> Token {
        Token {
            access_token: e.access_token,
            expires_at: Some(e.expires_at),
            scope: e.scope,
            dpop: e.dpop,
        }
    }

    fn issued(t: TokenResponse, issued_at: u64, dpop: Option<Arc<DpopKey>>) -> Token {
        Token {
            expires_at: t.expires_in.map(|s| issued_at + s),
            access_token: t.access_token,
            scope: t.scope,
            dpop,
        }
    }

    /// A DPoP proof (RFC 9449 §7) for one API request with this token, `None` for a Bearer
    /// token. Registered with the redactor: it is printed only where it was asked for.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
    ) -> Result<Option<Zeroizing<String>>> {
        let Some(key) = &self.dpop else {
            return Ok(None);
        };
        let proof = key
            .proof(&Proof {
                method,
                url,
                now: time::now_unix(),
                jti: jws::random().map_err(|e| Failure::internal(e.0))?,
                nonce,
                access_token: Some(&self.access_token),
            })
            .map_err(|e| Failure::internal(format!("cannot sign the DPoP proof: {e}")))?;
        redact::register_jws(&proof);
        Ok(Some(proof))
    }
}

/// A fresh DPoP key for the token about to be fetched, when the profile binds its tokens to
/// one (RFC 9449): one per token, never reused for the next.
fn new_dpop_key(profile: &Profile) -> Result<Option<Arc<DpopKey>>> {
    let Some(alg) = profile.provider.dpop(&profile.settings) else {
        return Ok(None);
    };
    let key = DpopKey::generate(alg)
        .map_err(|e| Failure::internal(format!("cannot make a DPoP key: {e}")))?;
    redact::register(&jws::b64url(key.pkcs8()));
    vlog!("dpop: new {} key, thumbprint {}", alg.name(), key.jkt());
    Ok(Some(Arc::new(key)))
}

/// A valid token for `profile`, from the cache when it has one with at least `min_ttl` left.
/// Secrets are read through `credentials`, only if a request needs them, so the caller can
/// reuse whatever was read (`-o curl` headers need some again).
pub fn obtain(profile: &Profile, opts: &Options, credentials: &mut Credentials) -> Result<Token> {
    if profile.provider.user_grant(&profile.settings).is_some() {
        return user::user_token(profile, opts, credentials);
    }
    let deadline = Instant::now() + opts.timeout;
    credentials.bound(deadline);
    // `--refresh` also fetches a discovery document again (README "Discovery").
    let mode = if opts.refresh {
        Discover::Fresh
    } else {
        Discover::Cached
    };
    let Some(cache) = cache_for(profile, opts) else {
        let started = time::now_unix();
        let dpop = new_dpop_key(profile)?;
        let fresh = fetch(
            profile,
            Grant::Primary,
            credentials,
            deadline,
            mode,
            dpop.as_deref(),
        )?;
        return Ok(Token::issued(fresh, started, dpop));
    };
    let identity = Identity::of(profile);
    if !opts.refresh
        && let Cached::Hit(hit) = lookup(&cache, profile, &identity, opts.min_ttl)
    {
        return Ok(Token::from_entry(hit));
    }

    let _lock = cache.lock(&profile.name, deadline)?;
    // Another process may have fetched while we waited for the lock.
    let previous = if opts.refresh {
        vlog!("cache: --refresh, fetching a new token");
        cache.load(&profile.name, &identity)
    } else {
        match lookup(&cache, profile, &identity, opts.min_ttl) {
            Cached::Hit(hit) => return Ok(Token::from_entry(hit)),
            Cached::Stale(entry) => Some(entry),
            Cached::Missing => None,
        }
    };

    let kept = previous.and_then(|e| e.refresh_token);
    let started = time::now_unix();
    let dpop = new_dpop_key(profile)?;
    let fresh = renew(profile, kept, credentials, deadline, mode, dpop.as_deref())?;
    store(&cache, profile, &identity, &fresh, started, dpop.clone());
    Ok(Token::issued(fresh, started, dpop))
}

/// The cache to use, unless the flags, the profile or the directory say otherwise.
fn cache_for(profile: &Profile, opts: &Options) -> Option<Cache> {
    if opts.no_cache {
        vlog!("cache: not used (--no-cache)");
        return None;
    }
    if !profile.cache {
        vlog!("cache: off for `{}` (cache = false)", profile.name);
        return None;
    }
    let c = Cache::open();
    if c.is_none() {
        vlog!("cache: no cache directory (set TOKFETCH_CACHE_DIR); not caching");
    }
    c
}

/// What the cache holds for a profile, weighed against `--min-ttl`.
pub enum Cached {
    /// A token valid for at least `--min-ttl` more seconds.
    Hit(Entry),
    /// An entry too close to its end (its refresh token may still serve).
    Stale(Entry),
    Missing,
}

/// The hit path, the one way a cached token is found: by `obtain`, and by the clap-free fast
/// path (`fast`) before clap runs. Reads no secret, opens no keyring and no socket.
pub fn lookup(cache: &Cache, profile: &Profile, identity: &Identity, min_ttl: u64) -> Cached {
    let Some(entry) = cache.load(&profile.name, identity) else {
        return Cached::Missing;
    };
    let now = time::now_unix();
    let left = entry.remaining(now);
    let name = &profile.name;
    if entry.valid_for(min_ttl, now) {
        vlog!("cache: hit for `{name}`, {left} s left");
        Cached::Hit(entry)
    } else {
        vlog!("cache: cached token for `{name}` has {left} s left, less than --min-ttl {min_ttl}");
        Cached::Stale(entry)
    }
}

/// A new token: through the kept refresh token where the provider uses one, falling back to
/// client credentials when the server refuses it.
fn renew(
    profile: &Profile,
    kept: Option<Zeroizing<String>>,
    credentials: &mut Credentials,
    deadline: Instant,
    mode: Discover,
    dpop: Option<&DpopKey>,
) -> Result<TokenResponse> {
    let kept = kept.filter(|_| profile.provider.keeps_refresh_token());
    let Some(rt) = kept else {
        return fetch(profile, Grant::Primary, credentials, deadline, mode, dpop);
    };
    match fetch(
        profile,
        Grant::Refresh(&rt),
        credentials,
        deadline,
        mode,
        dpop,
    ) {
        Ok(mut t) => {
            if t.refresh_token.is_none() {
                t.refresh_token = Some(rt.clone());
            }
            Ok(t)
        }
        Err(e) if matches!(e.kind, Kind::Rejected | Kind::Unusable) => {
            vlog!(
                "refresh grant failed ({}); falling back to client credentials",
                e.message
            );
            fetch(profile, Grant::Primary, credentials, deadline, mode, dpop)
        }
        Err(e) => Err(e),
    }
}

/// One grant against the profile's endpoint, with retries, validated. With discovery, a token
/// endpoint from a cached document that answers 404, 405 or 410 may be one the server has
/// since moved: the document is fetched again, once, before that is an error (README
/// "Discovery"); `--refresh` fetches it again from the start.
fn fetch(
    profile: &Profile,
    grant: Grant,
    credentials: &mut Credentials,
    deadline: Instant,
    mode: Discover,
    dpop: Option<&DpopKey>,
) -> Result<TokenResponse> {
    match attempt(profile, grant, credentials, deadline, mode, dpop)? {
        Attempt::Done(t) => Ok(t),
        Attempt::Stale(failure) => {
            vlog!(
                "discovery: the token endpoint answered {}; fetching the discovery document again",
                failure.message
            );
            match attempt(profile, grant, credentials, deadline, Discover::Fresh, dpop)? {
                Attempt::Done(t) => Ok(t),
                Attempt::Stale(f) => Err(f),
            }
        }
    }
}

/// What one try at the token endpoint came to.
enum Attempt {
    Done(TokenResponse),
    /// A failure that a stale cached discovery document could explain.
    Stale(Failure),
}

fn attempt(
    profile: &Profile,
    grant: Grant,
    credentials: &mut Credentials,
    deadline: Instant,
    mode: Discover,
    dpop: Option<&DpopKey>,
) -> Result<Attempt> {
    let needs = profile.provider.needs(&profile.settings, grant);
    // A missing secret is reported before anything else is read or asked over the network.
    credentials.load(&needs)?;
    let gathered = gather::gather(profile, grant, credentials, deadline, mode)?;
    // With discovery, the request goes to the endpoint the issuer names; for a service
    // account, to its key's token_uri.
    let target = match gathered.endpoint.as_ref().or(gathered.token_uri.as_ref()) {
        Some(endpoint) => {
            let mut p = profile.clone();
            p.settings.endpoint = endpoint.clone();
            Cow::Owned(p)
        }
        None => Cow::Borrowed(profile),
    };
    let secrets = credentials.load(&needs)?;
    let mut client: Option<Client> = None;
    let mut nonce: Option<String> = None;
    let (req, reply) = loop {
        let random = |what| {
            jws::random().map_err(|e: jws::KeyError| Failure::internal(format!("{what}: {e}")))
        };
        // Built again for every retry: a fresh `jti` in the assertion and the DPoP proof each
        // time (README "Network behaviour").
        let mut build = || {
            let dpop = match dpop {
                Some(key) => Some(DpopInput {
                    key,
                    nonce: nonce.as_deref(),
                    jti: random("DPoP jti")?,
                }),
                None => None,
            };
            let inputs = gathered.inputs(secrets, random("jti")?, dpop);
            let req = profile.provider.build(&target.settings, grant, &inputs)?;
            // The secrets and inputs were registered with the redactor when they were read, a
            // signed assertion and a DPoP proof now, the refresh token when it was cached.
            // Whatever the server echoes back is cleaned before it is shown.
            for value in &req.sensitive {
                redact::register_jws(value);
            }
            Ok(req)
        };
        let client = match client.take() {
            Some(c) => client.insert(c),
            None => client.insert(Client::to(
                &target.trust(),
                target.endpoint(),
                Purpose::Token,
                gathered.client_identity.as_ref(),
            )?),
        };
        let (reply, req) = client.send(&mut build, deadline, &response::describe)?;
        // RFC 9449 §8: a server that wants a nonce in the proof says so with its first answer;
        // the request is made again, once, with it.
        match (dpop, nonce.is_none(), asks_for_nonce(&reply)) {
            (Some(_), true, Some(n)) => {
                vlog!("dpop: the server asked for a nonce; sending the request again with it");
                nonce = Some(n);
            }
            _ => break (req, reply),
        }
    };
    let now = time::now_unix();
    let moved = gathered.endpoint.is_some() && matches!(reply.status, 404 | 405 | 410);
    match response::interpret(&target, &reply, &req, now) {
        Ok(token) => Ok(Attempt::Done(token)),
        Err(f) if moved => {
            let f = f.hint(format!(
                "the token endpoint came from the issuer's discovery document; if that has changed: tokfetch cache clear {}",
                profile.name
            ));
            if gathered.endpoint_cached {
                Ok(Attempt::Stale(f))
            } else {
                Err(f)
            }
        }
        Err(f) => Err(f),
    }
}

/// The nonce of a `400 use_dpop_nonce` answer (RFC 9449 §8), if that is what `reply` is.
fn asks_for_nonce(reply: &crate::http::Reply) -> Option<String> {
    let nonce = reply.dpop_nonce.as_deref()?.trim();
    let error = crate::oauth::parse_error(&reply.body)?.error;
    // A nonce is a token68-like string (RFC 9449 §8.1: NQCHAR); anything else is not echoed.
    let fits = !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
    (reply.status == 400 && error == "use_dpop_nonce" && fits).then(|| nonce.to_string())
}

/// Keep `fresh` for later calls, when its lifetime is known. A refresh token is kept only
/// where the provider uses it (README "Caching").
fn store(
    cache: &Cache,
    profile: &Profile,
    identity: &Identity,
    fresh: &TokenResponse,
    at: u64,
    dpop: Option<Arc<DpopKey>>,
) {
    let Some(lifetime) = fresh.expires_in else {
        vlog!("cache: the server gave no expires_in; token not cached");
        return;
    };
    let entry = Entry {
        access_token: fresh.access_token.clone(),
        expires_at: at + lifetime,
        obtained_at: Some(at),
        scope: fresh.scope.clone(),
        refresh_token: fresh
            .refresh_token
            .clone()
            .filter(|_| profile.provider.keeps_refresh_token()),
        dpop,
    };
    // A cache that cannot be written (a full or read-only disk) costs a round trip on every
    // call: the token is still printed, and one warning says why it was not kept.
    match cache.store(&profile.name, identity, &entry) {
        Ok(()) => vlog!("cache: stored token for `{}` ({lifetime} s)", profile.name),
        Err(e) => crate::log::warn(
            &format!(
                "the token was not cached: cannot write to {}: {e}",
                cache.dir().display()
            ),
            &["free space in the cache directory or make it writable, or set TOKFETCH_CACHE_DIR"],
        ),
    }
}
