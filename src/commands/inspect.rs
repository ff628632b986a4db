//! `tokfetch inspect [PROFILE] [--json]` (README "inspect"): what a profile resolves to and
//! what its cached token is, offline. Shows where each secret comes from and whether it is
//! there, the cached token's times, scope and type, and a JWT's header and claims; never the
//! token, its signature or a secret. The secrets come from the generic machinery
//! (`Provider::secret_fields`, `credentials::presence`), so every auth method shows up here.

use std::process::ExitCode;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cache::{Cache, Identity};
use crate::cli::InspectArgs;
use crate::config::{Config, Profile};
use crate::credentials;
use crate::login::store;
use crate::output::emit;
use crate::provider::{Grant, Input, UserGrantKind};
use crate::redact::escape_controls;
use crate::{jwt, redact, time};

#[derive(Serialize)]
struct View {
    profile: String,
    provider: &'static str,
    endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    /// The token endpoint the issuer's cached discovery document names, and whether it is on
    /// another host than the issuer (README "Discovery").
    #[serde(skip_serializing_if = "Option::is_none")]
    discovered: Option<Discovered>,
    auth_method: String,
    /// The DPoP key algorithm of a profile whose tokens are bound to a key (RFC 9449).
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop: Option<&'static str>,
    client_id: String,
    /// A Google service account, as its key file names it: `client_email` and
    /// `private_key_id` are identities, never the key (README "Google service accounts").
    #[serde(skip_serializing_if = "Option::is_none")]
    service_account: Option<String>,
    scope: Option<String>,
    /// A user's grant (README "User tokens"): its endpoints and where the refresh token is.
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserView>,
    secrets: Vec<SecretView>,
    cache: CacheView,
}

#[derive(Serialize)]
struct UserView {
    grant: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_authorization_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    /// Where the refresh token is (never the token).
    refresh_token: String,
}

#[derive(Serialize)]
struct Discovered {
    token_endpoint: String,
    other_host: bool,
}

#[derive(Serialize)]
struct SecretView {
    field: &'static str,
    present: bool,
    /// `env $VAR` or `keyring` when present; what was looked at otherwise.
    source: String,
}

#[derive(Serialize)]
struct CacheView {
    enabled: bool,
    dir: Option<String>,
    /// Why there is no token to show, when there is none.
    note: Option<String>,
    token: Option<TokenView>,
}

#[derive(Serialize)]
struct TokenView {
    token_type: &'static str,
    /// The thumbprint of a DPoP token's key (never the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<String>,
    obtained_at: Option<String>,
    expires_at: String,
    expires_in: u64,
    expired: bool,
    scope: Option<String>,
    jwt: Option<JwtView>,
}

#[derive(Serialize)]
struct JwtView {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

pub fn run(config: &Config, args: InspectArgs) -> anyhow::Result<ExitCode> {
    let profile = config.select(args.profile.as_deref())?;
    let view = view(profile, time::now_unix());
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&view).unwrap_or_default();
        s.push('\n');
        s
    } else {
        text(&view)
    };
    // Every string from outside is cleaned: claims and names may hold anything.
    emit(&redact::clean(&text))?;
    Ok(ExitCode::SUCCESS)
}

fn view(profile: &Profile, now: u64) -> View {
    let s = &profile.settings;
    // The issuer whose discovery document names the token endpoint, where there is one.
    let issuer = profile
        .provider
        .inputs(s, Grant::Primary)
        .into_iter()
        .find_map(|i| match i {
            Input::Discovery(d) => Some(d.issuer),
            _ => None,
        });
    View {
        profile: profile.name.clone(),
        provider: profile.provider.name(),
        endpoint: s.endpoint.url.clone(),
        issuer: issuer.clone(),
        discovered: issuer.and_then(|i| discovered(profile, &i, now)),
        auth_method: profile.provider.client_auth(s),
        dpop: profile.provider.dpop(s).map(|a| a.name()),
        client_id: s.client_id.clone(),
        service_account: service_account(profile),
        scope: s.scope.clone(),
        user: user(profile, now),
        secrets: secrets(profile),
        cache: cached(profile, now),
    }
}

/// `client_email (key private_key_id)` of a Google profile whose key is a file that can be
/// read as `get` would read it (a key in the keyring or a variable is not asked for).
fn service_account(profile: &Profile) -> Option<String> {
    profile
        .provider
        .inputs(&profile.settings, Grant::Primary)
        .into_iter()
        .find_map(|i| match i {
            Input::ServiceAccount {
                from: crate::provider::KeyFrom::File(path),
                ..
            } => Some(path),
            _ => None,
        })
        .and_then(|path| crate::gather::read_file(&path, "credentials_file", true).ok())
        .and_then(|json| crate::provider::parse_service_account(&json).ok())
        .map(|k| format!("{} (key {})", k.client_email, k.private_key_id))
}

/// What the issuer's discovery document, as cached, names as the token endpoint (offline: an
/// issuer whose document was never fetched shows nothing).
fn discovered(profile: &Profile, issuer: &str, now: u64) -> Option<Discovered> {
    if !profile.cache {
        return None;
    }
    let (m, _) = Cache::open()?.load_metadata(issuer, now)?;
    let issuer_host = crate::endpoint::parse(issuer, true).ok()?.host;
    let url = m.token_endpoint;
    let host = crate::endpoint::parse(&url, true).ok()?.host;
    Some(Discovered {
        other_host: !host.eq_ignore_ascii_case(&issuer_host),
        token_endpoint: url,
    })
}

/// A user's grant: the endpoints the profile names, else those of the issuer's cached
/// discovery document, and where its refresh token is kept.
fn user(profile: &Profile, now: u64) -> Option<UserView> {
    let g = profile.provider.user_grant(&profile.settings)?;
    let meta = match (&g.issuer, profile.cache) {
        (Some(i), true) => Cache::open()
            .and_then(|c| c.load_metadata(i, now))
            .map(|(m, _)| m),
        _ => None,
    };
    let from_doc = |pick: fn(&crate::provider::Metadata) -> Option<String>| {
        meta.as_ref()
            .and_then(pick)
            .map(|u| format!("{u} (discovered)"))
    };
    let code = g.kind == UserGrantKind::Code;
    let device = g.kind == UserGrantKind::Device;
    let cache = if profile.cache { Cache::open() } else { None };
    let identity = Identity::of(profile);
    let refresh_token = match crate::keystore::get_named(&profile.name, store::REFRESH_TOKEN) {
        Ok(Some(_)) => format!(
            "in the OS keyring ({} {}/{})",
            crate::keystore::SERVICE,
            profile.name,
            store::REFRESH_TOKEN
        ),
        other => {
            let in_file = cache
                .as_ref()
                .and_then(|c| c.load(&profile.name, &identity))
                .is_some_and(|e| e.refresh_token.is_some());
            match (in_file, other) {
                (true, _) => format!(
                    "in the cache file {} (no keyring answered)",
                    cache
                        .as_ref()
                        .map(|c| c
                            .dir()
                            .join(format!("{}.token.json", profile.name))
                            .display()
                            .to_string())
                        .unwrap_or_default()
                ),
                (false, Err(e)) => format!(
                    "none found (the keyring cannot be asked: {e}); run tokfetch login {}",
                    profile.name
                ),
                (false, _) => format!("none; run tokfetch login {}", profile.name),
            }
        }
    };
    Some(UserView {
        grant: g.kind.name(),
        authorization_endpoint: if code {
            g.authorization_url
                .clone()
                .or_else(|| from_doc(|m| m.authorization_endpoint.clone()))
        } else {
            None
        },
        device_authorization_endpoint: if device {
            g.device_authorization_url
                .clone()
                .or_else(|| from_doc(|m| m.device_authorization_endpoint.clone()))
        } else {
            None
        },
        revocation_endpoint: g
            .revocation_url
            .clone()
            .or_else(|| from_doc(|m| m.revocation_endpoint.clone())),
        redirect_uri: code.then(|| match g.redirect_port {
            Some(p) => format!("http://127.0.0.1:{p}/callback"),
            None => "http://127.0.0.1:<any free port>/callback".to_string(),
        }),
        refresh_token,
    })
}

/// Each secret field of the profile: present or not, and where from.
fn secrets(profile: &Profile) -> Vec<SecretView> {
    let mut out = Vec::new();
    for field in profile.provider.secret_fields(&profile.settings) {
        let presence = credentials::presence(profile, field);
        out.push(SecretView {
            field: field.name(),
            present: presence.found(),
            source: presence.describe(profile, field),
        });
    }
    // Key and certificate files, and where an identity token comes from.
    for m in credentials::material(profile) {
        out.push(SecretView {
            field: m.name,
            present: m.problem.is_none(),
            source: match m.problem {
                Some(why) => format!("{}: {why}", m.source),
                None => m.source,
            },
        });
    }
    out
}

/// The cached token, if the cache holds one for the profile's current configuration.
fn cached(profile: &Profile, now: u64) -> CacheView {
    let mut view = CacheView {
        enabled: profile.cache,
        dir: None,
        note: None,
        token: None,
    };
    if !profile.cache {
        view.note = Some("caching is off for this profile (cache = false)".into());
        return view;
    }
    let Some(cache) = Cache::locate() else {
        view.note = Some("no cache directory (set TOKFETCH_CACHE_DIR)".into());
        return view;
    };
    view.dir = Some(cache.dir().display().to_string());
    if let Err(why) = cache.trusted() {
        view.note = Some(format!("the cache directory is not used: {why}"));
        return view;
    }
    let Some(entry) = cache.load(&profile.name, &Identity::of(profile)) else {
        view.note = Some("no token cached for this profile's current configuration".into());
        return view;
    };
    // The token was registered with the redactor when the cache read it: never shown, in any
    // encoding, whatever a claim quotes.
    let left = entry.remaining(now);
    view.token = Some(TokenView {
        token_type: if entry.dpop.is_some() {
            "DPoP"
        } else {
            "Bearer"
        },
        dpop_jkt: entry.dpop.as_ref().map(|k| k.jkt().to_string()),
        obtained_at: entry.obtained_at.map(time::rfc3339),
        expires_at: time::rfc3339(entry.expires_at),
        expires_in: left,
        expired: left == 0,
        scope: entry.scope.clone(),
        jwt: jwt::decode(&entry.access_token).map(|d| JwtView {
            header: d.header,
            claims: d.claims,
        }),
    });
    view
}

fn text(v: &View) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("profile", v.profile.clone()),
        ("provider", v.provider.to_string()),
        ("endpoint", v.endpoint.clone()),
    ];
    if let Some(i) = &v.issuer {
        rows.push(("issuer", i.clone()));
    }
    if let Some(d) = &v.discovered {
        let note = if d.other_host {
            " (discovered; on another host than the issuer)"
        } else {
            " (discovered)"
        };
        rows.push(("token url", format!("{}{note}", d.token_endpoint)));
    }
    rows.push(("auth", v.auth_method.clone()));
    if let Some(alg) = v.dpop {
        rows.push((
            "dpop",
            format!("{alg} (a fresh key per token, kept with it)"),
        ));
    }
    if let Some(account) = &v.service_account {
        rows.push(("account", account.clone()));
    } else if !v.client_id.is_empty() {
        rows.push(("client_id", v.client_id.clone()));
    }
    rows.push(("scope", v.scope.clone().unwrap_or_else(|| "(none)".into())));
    if let Some(u) = &v.user {
        rows.push(("grant", u.grant.to_string()));
        for (k, val) in [
            ("authorize", &u.authorization_endpoint),
            ("device auth", &u.device_authorization_endpoint),
            ("revocation", &u.revocation_endpoint),
            ("redirect", &u.redirect_uri),
        ] {
            if let Some(val) = val {
                rows.push((k, val.clone()));
            }
        }
        rows.push(("refresh", u.refresh_token.clone()));
    }
    for s in &v.secrets {
        let state = if s.present { "present, from " } else { "" };
        rows.push(("secret", format!("{}: {state}{}", s.field, s.source)));
    }
    if let Some(dir) = &v.cache.dir {
        rows.push(("cache", dir.clone()));
    }
    if let Some(note) = &v.cache.note {
        rows.push(("token", note.clone()));
    }
    if let Some(t) = &v.cache.token {
        token_rows(t, &mut rows);
    }
    let mut out = String::new();
    for (k, val) in rows {
        out.push_str(&format!("{k:<12}{}\n", escape_controls(&val)));
    }
    out
}

fn token_rows(t: &TokenView, rows: &mut Vec<(&str, String)>) {
    rows.push(("token", format!("{} (not shown)", t.token_type)));
    if let Some(jkt) = &t.dpop_jkt {
        rows.push((
            "dpop key",
            format!("thumbprint {jkt} (the key is not shown)"),
        ));
    }
    if let Some(at) = &t.obtained_at {
        rows.push(("obtained", at.clone()));
    }
    let left = if t.expired {
        "expired".to_string()
    } else {
        format!("{} left", time::duration(t.expires_in))
    };
    rows.push(("expires", format!("{} ({left})", t.expires_at)));
    rows.push((
        "token scope",
        t.scope.clone().unwrap_or_else(|| "(none given)".into()),
    ));
    let Some(jwt) = &t.jwt else {
        rows.push(("format", "opaque (not a JWT)".into()));
        return;
    };
    rows.push(("format", "JWT (signature not shown, not verified)".into()));
    for (k, val) in &jwt.header {
        rows.push(("jwt header", format!("{k}: {val}")));
    }
    for (k, val) in &jwt.claims {
        let when = match val.as_u64() {
            Some(secs) if jwt::TIME_CLAIMS.contains(&k.as_str()) => {
                format!(" ({})", time::rfc3339(secs))
            }
            _ => String::new(),
        };
        rows.push(("jwt claim", format!("{k}: {val}{when}")));
    }
}
