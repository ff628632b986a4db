//! Getting a valid token for a profile: the cache first (no secret, no socket), then — under the
//! profile's lock — a refresh grant where one is kept, then the client-credentials grant.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::cache::{Cache, Entry, Identity};
use crate::config::{Profile, ProviderKind};
use crate::error::{Failure, Kind, Result};
use crate::http::{self, Client, Reply};
use crate::oauth::{self, TokenResponse, Unusable};
use crate::provider::{self, Credentials, Grant};
use crate::secret::{self, Field, Secret};
use crate::{redact, time, vlog};

/// The flags shared by `get`, `header` and `exec`.
#[derive(Debug, Clone)]
pub struct Options {
    pub no_cache: bool,
    pub refresh: bool,
    pub min_ttl: u64,
    pub timeout: Duration,
}

/// A token ready to print.
#[derive(Debug, Clone)]
pub struct Token {
    pub access_token: Zeroizing<String>,
    /// Unix seconds, when the lifetime is known.
    pub expires_at: Option<u64>,
    pub scope: Option<String>,
}

impl Token {
    fn from_entry(e: Entry) -> Token {
        Token {
            access_token: e.access_token,
            expires_at: Some(e.expires_at),
            scope: e.scope,
        }
    }
}

/// A valid token for `profile`, from the cache when it has one with at least `min_ttl` left.
/// Secrets are read through `secrets`, only if a request needs them, so the caller can reuse
/// whatever was read (`-o curl` for &Open needs the api key again).
pub fn obtain(profile: &Profile, opts: &Options, secrets: &mut Secrets) -> Result<Token> {
    let deadline = Instant::now() + opts.timeout;
    let cache = if opts.no_cache {
        vlog!("cache: not used (--no-cache)");
        None
    } else if !profile.cache {
        vlog!("cache: off for `{}` (cache = false)", profile.name);
        None
    } else {
        let c = Cache::open();
        if c.is_none() {
            vlog!("cache: no cache directory (set TOKFETCH_CACHE_DIR); not caching");
        }
        c
    };
    let identity = Identity::of(profile);

    let Some(cache) = cache else {
        let fresh = fetch(profile, Grant::ClientCredentials, secrets, deadline)?;
        return Ok(fresh.into_token(time::now_unix()));
    };

    if !opts.refresh
        && let Some(hit) = usable(
            cache.load(&profile.name, &identity),
            opts.min_ttl,
            &profile.name,
        )
    {
        return Ok(Token::from_entry(hit));
    }

    let _lock = cache.lock(&profile.name, deadline)?;
    // Another process may have fetched while we waited for the lock.
    let previous = cache.load(&profile.name, &identity);
    if !opts.refresh
        && let Some(hit) = usable(previous.clone(), opts.min_ttl, &profile.name)
    {
        return Ok(Token::from_entry(hit));
    }
    if opts.refresh {
        vlog!("cache: --refresh, fetching a new token");
    }

    let kept_refresh = previous
        .and_then(|e| e.refresh_token)
        .filter(|_| profile.kind() == ProviderKind::AndOpen);
    let started = time::now_unix();
    let fresh = match kept_refresh {
        Some(rt) => match fetch(profile, Grant::Refresh(&rt), secrets, deadline) {
            Ok(mut t) => {
                if t.refresh_token.is_none() {
                    t.refresh_token = Some(rt.clone());
                }
                t
            }
            Err(e) if matches!(e.kind, Kind::Rejected | Kind::Unusable) => {
                vlog!(
                    "refresh grant failed ({}); falling back to client credentials",
                    e.message
                );
                fetch(profile, Grant::ClientCredentials, secrets, deadline)?
            }
            Err(e) => return Err(e),
        },
        None => fetch(profile, Grant::ClientCredentials, secrets, deadline)?,
    };

    match fresh.expires_in {
        Some(lifetime) => {
            let entry = Entry {
                access_token: fresh.access_token.clone(),
                expires_at: started + lifetime,
                scope: fresh.scope.clone(),
                refresh_token: fresh.refresh_token.clone(),
            };
            match cache.store(&profile.name, &identity, &entry) {
                Ok(()) => vlog!("cache: stored token for `{}` ({lifetime} s)", profile.name),
                Err(e) => vlog!(
                    "cache: cannot write to {}: {e}; not caching",
                    cache.dir().display()
                ),
            }
        }
        None => vlog!("cache: the server gave no expires_in; token not cached"),
    }
    Ok(fresh.into_token(started))
}

/// The entry if it is still valid for `min_ttl` seconds.
fn usable(entry: Option<Entry>, min_ttl: u64, profile: &str) -> Option<Entry> {
    let entry = entry?;
    register_token(&entry.access_token, entry.refresh_token.as_deref());
    let now = time::now_unix();
    let left = entry.remaining(now);
    if entry.valid_for(min_ttl, now) {
        vlog!("cache: hit for `{profile}`, {left} s left");
        Some(entry)
    } else {
        vlog!(
            "cache: cached token for `{profile}` has {left} s left, less than --min-ttl {min_ttl}"
        );
        None
    }
}

impl TokenResponse {
    fn into_token(self, issued_at: u64) -> Token {
        Token {
            expires_at: self.expires_in.map(|s| issued_at + s),
            access_token: self.access_token,
            scope: self.scope,
        }
    }
}

/// A profile's secrets, read only when a request needs them, and at most once.
pub struct Secrets<'p> {
    profile: &'p Profile,
    client_secret: Option<Secret>,
    api_key: Option<Secret>,
}

impl<'p> Secrets<'p> {
    pub fn new(profile: &'p Profile) -> Self {
        Secrets {
            profile,
            client_secret: None,
            api_key: None,
        }
    }

    fn load(&mut self, field: Field) -> Result<()> {
        let slot = match field {
            Field::ClientSecret => &mut self.client_secret,
            Field::ApiKey => &mut self.api_key,
        };
        if slot.is_none() {
            let (value, source) = secret::resolve(self.profile, field)?;
            vlog!("{} of `{}` from {source}", field.name(), self.profile.name);
            if field == Field::ApiKey && !header_safe(value.expose()) {
                return Err(Failure::credentials(format!(
                    "the api_key of profile `{}` ({source}) contains characters that cannot be sent in an HTTP header",
                    self.profile.name
                )));
            }
            *slot = Some(value);
        }
        Ok(())
    }

    /// The api_key, for outputs that need it (`-o curl` for &Open).
    pub fn api_key(&mut self) -> Result<&Secret> {
        self.load(Field::ApiKey)?;
        self.api_key
            .as_ref()
            .ok_or_else(|| Failure::internal("api_key not loaded"))
    }
}

/// Visible ASCII and spaces: what may appear in a header value.
pub fn header_safe(v: &str) -> bool {
    v.bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

/// One grant against the profile's endpoint, with retries, validated.
fn fetch(
    profile: &Profile,
    grant: Grant,
    secrets: &mut Secrets,
    deadline: Instant,
) -> Result<TokenResponse> {
    if profile.kind() == ProviderKind::AndOpen {
        secrets.load(Field::ApiKey)?;
    }
    if matches!(grant, Grant::ClientCredentials) {
        secrets.load(Field::ClientSecret)?;
    }
    let creds = Credentials {
        client_secret: secrets.client_secret.as_ref(),
        api_key: secrets.api_key.as_ref(),
    };
    let req = provider::build(profile, grant, creds)?;
    // The secrets were registered with the redactor when they were read; the refresh token
    // when it was cached. Whatever the server echoes back is cleaned before it is shown.
    let client = Client::new(profile)?;
    let reply = client.send(&req, deadline, &describe)?;
    let token = interpret(profile, &reply)?;
    register_token(&token.access_token, token.refresh_token.as_deref());
    Ok(token)
}

/// Tokens are secrets too: never shown on stderr, whatever a later message quotes.
fn register_token(access: &str, refresh: Option<&String>) {
    redact::register(access);
    if let Some(r) = refresh {
        redact::register(r);
    }
}

/// Turn a final reply into a token or the error SPEC §1 and §7 prescribe.
fn interpret(profile: &Profile, reply: &Reply) -> Result<TokenResponse> {
    let host = &profile.endpoint.host;
    match reply.status {
        200 => {
            if reply.body_too_large {
                return Err(http::too_large());
            }
            // A 200 body may hold a live token in a shape we refuse: none of its text is shown.
            oauth::parse_token(&reply.body).map_err(|why| {
                let msg = if why == Unusable::NotJson {
                    format!(
                        "unusable token response from {host}: HTTP 200 but not JSON{} ({} bytes, not shown: a success body may hold a token)",
                        content_type(reply),
                        reply.body.len()
                    )
                } else {
                    format!("unusable token response from {host}: {why}")
                };
                Failure::unusable(msg)
            })
        }
        300..=399 => {
            let to = reply
                .location
                .as_deref()
                .map(|l| format!(" to {}", oauth::escape(&redact::clean(l), 200)))
                .unwrap_or_else(|| " without a Location".to_string());
            let f = Failure::unusable(format!(
                "the token endpoint {host} redirected (HTTP {}{to}); redirects are never followed, so the credentials are not sent twice",
                reply.status
            ));
            // A same-host Location (Django's trailing-slash 301) is most likely the real
            // endpoint; one holding a secret of the run is never suggested.
            let same_host = reply
                .location
                .as_deref()
                .filter(|l| redact::clean(l) == *l)
                .and_then(|l| crate::endpoint::same_host_location(&profile.endpoint, l));
            Err(match same_host {
                Some(url) => f.hint(format!(
                    "if that is the token endpoint, set token_url = \"{url}\" in profile `{}`",
                    profile.name
                )),
                None => f.hint("set token_url in the profile to the final URL"),
            })
        }
        status @ 400..=499 => {
            let mut f = Failure::rejected(describe(reply));
            match oauth::parse_error(&reply.body).map(|e| e.error).as_deref() {
                Some("unauthorized_client") => {
                    f = f.hint(format!(
                        "the identity provider does not allow client `{}` the client_credentials grant: enable that grant for the client there",
                        profile.client_id
                    ));
                }
                Some("invalid_scope") => {
                    f = f.hint(match &profile.scope {
                        Some(scope) => format!(
                            "the request asked for scope \"{scope}\": check it against the scopes the identity provider allows this client"
                        ),
                        None => "no scope was sent: this server may require one; set scope = \"…\" in the profile".to_string(),
                    });
                }
                _ => {}
            }
            if status == 401 {
                f = f.hint(format!(
                    "check the client_id and the secret: tokfetch secret status {}",
                    profile.name
                ));
            } else if status == 404 || status == 405 {
                f = f.hint(format!("is {} the right token URL?", profile.endpoint.url));
            }
            Err(f)
        }
        status => Err(
            Failure::unusable(format!("unexpected {} from {host}", describe(reply))).hint(
                if (200..300).contains(&status) {
                    "a token endpoint answers 200 with a JSON body".to_string()
                } else {
                    format!("HTTP {status} is not a token response")
                },
            ),
        ),
    }
}

fn content_type(reply: &Reply) -> String {
    reply
        .content_type
        .as_deref()
        .map(|c| format!(" ({})", oauth::escape(c, 60)))
        .unwrap_or_default()
}

fn shown_body(reply: &Reply) -> String {
    if reply.body_too_large {
        return "(body over 1 MiB, not read)".to_string();
    }
    if reply.body.is_empty() {
        return "(empty body)".to_string();
    }
    let text = redact::clean(&String::from_utf8_lossy(&reply.body));
    oauth::excerpt(text.as_bytes())
}

/// `<error>: <error_description> (HTTP <status>)`, or the status and the start of the body.
fn describe(reply: &Reply) -> String {
    let status = reply.status;
    match oauth::parse_error(&reply.body) {
        Some(e) => {
            let error = oauth::escape(&redact::clean(&e.error), 100);
            match e.description {
                Some(d) => format!(
                    "{error}: {} (HTTP {status})",
                    oauth::escape(&redact::clean(&d), 300)
                ),
                None => format!("{error} (HTTP {status})"),
            }
        }
        None => format!(
            "HTTP {status}{}: {}",
            content_type(reply),
            shown_body(reply)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, ct: &str, body: &[u8]) -> Reply {
        Reply {
            status,
            content_type: Some(ct.to_string()),
            location: None,
            retry_after: None,
            body: Zeroizing::new(body.to_vec()),
            body_too_large: false,
        }
    }

    #[test]
    fn describes_oauth_errors_as_the_spec_says() {
        let r = reply(
            401,
            "application/json",
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
        );
        assert_eq!(
            describe(&r),
            "invalid_client: Client authentication failed (HTTP 401)"
        );
    }

    #[test]
    fn describes_html_with_status_and_escaped_excerpt() {
        let r = reply(502, "text/html", b"<html>\r\n<h1>502 Bad Gateway</h1>");
        assert_eq!(
            describe(&r),
            "HTTP 502 (text/html): <html>\\r\\n<h1>502 Bad Gateway</h1>"
        );
    }

    #[test]
    fn echoed_secrets_are_redacted() {
        let r = reply(
            400,
            "application/json",
            br#"{"error":"invalid_request","error_description":"bad secret hunter2-xyz"}"#,
        );
        redact::register("hunter2-xyz");
        let d = describe(&r);
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("[redacted]"), "{d}");
    }

    #[test]
    fn header_safety() {
        assert!(header_safe("abc-123_~!"));
        assert!(!header_safe("abc\r\nX: y"));
        assert!(!header_safe("é"));
    }
}
