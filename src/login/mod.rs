//! A user's grant (README "User tokens", RFC 8628, RFC 6749 §4.1 with RFC 7636 and RFC 8252):
//! the endpoints of the profile (its keys, else the issuer's discovery document), and the
//! requests of a login, a refresh and a revocation, each sent through the one transport with
//! the profile's client authentication. One file per concern: [`device`] (RFC 8628), [`code`]
//! (the browser, the loopback redirect, the pasted URL), [`callback`] (the authorization
//! response, pure), [`pkce`] (pure), [`browser`] (starting one), [`store`] (where the refresh
//! token is kept). The lock, the cache and when to log in are `token`'s.

mod browser;
mod callback;
mod code;
mod device;
mod pkce;
pub mod store;

use std::collections::BTreeSet;
use std::time::Instant;

use crate::config::Profile;
use crate::credentials::Credentials;
use crate::endpoint::{self, Endpoint};
use crate::error::{Failure, Result};
use crate::gather::{self, Discover, Gathered};
use crate::http::{Client, Purpose, Reply};
use crate::log::vlog;
use crate::oauth::{self, TokenResponse};
use crate::provider::{Grant, UserGrant, UserGrantKind};
use crate::request::TokenRequest;
use crate::{jws, redact, response, time};

/// The bound of a login that `get` runs on a terminal, in seconds (`login --timeout`'s
/// default).
pub const LOGIN_TIMEOUT: u64 = 300;

/// The endpoints of a user's grant, checked.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub token: Endpoint,
    pub authorization: Option<Endpoint>,
    pub device: Option<Endpoint>,
    pub revocation: Option<Endpoint>,
    /// The issuer an authorization response's `iss` must name (RFC 9207), when known.
    pub issuer: Option<String>,
    /// The discovery document says the server always sends `iss`.
    pub iss_required: bool,
}

/// One run's dealings with the authorization server for a user's grant of one profile.
pub struct Session<'a, 'c> {
    pub profile: &'a Profile,
    pub grant: UserGrant,
    /// The profile, its endpoint the token endpoint (discovered, when it was).
    target: Profile,
    pub endpoints: Endpoints,
    credentials: &'a mut Credentials<'c>,
    gathered: Gathered,
    pub deadline: Instant,
    /// The login's bound, for "login timed out after N s".
    pub timeout: u64,
}

impl<'a, 'c> Session<'a, 'c> {
    /// The session for `profile` (a user's grant): its secrets and inputs read, its endpoints
    /// found (discovery, cached a day) and checked.
    pub fn open(
        profile: &'a Profile,
        credentials: &'a mut Credentials<'c>,
        deadline: Instant,
        timeout: u64,
    ) -> Result<Session<'a, 'c>> {
        let grant = profile
            .provider
            .user_grant(&profile.settings)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "profile `{}` does not get a user's token: set grant = \"device_code\" or \"authorization_code\"",
                    profile.name
                ))
            })?;
        let needs = profile.provider.needs(&profile.settings, Grant::Primary);
        credentials.load(&needs)?;
        let gathered = gather::gather(
            profile,
            Grant::Primary,
            credentials,
            deadline,
            Discover::Cached,
        )?;
        let endpoints = endpoints(profile, &grant, &gathered)?;
        let mut target = profile.clone();
        target.settings.endpoint = endpoints.token.clone();
        Ok(Session {
            profile,
            grant,
            target,
            endpoints,
            credentials,
            gathered,
            deadline,
            timeout,
        })
    }

    /// POST the request of `grant` to `endpoint`, with the profile's client authentication.
    pub fn post(
        &mut self,
        endpoint: &Endpoint,
        purpose: Purpose,
        grant: Grant,
    ) -> Result<(Reply, TokenRequest)> {
        let needs = self.profile.provider.needs(&self.profile.settings, grant);
        let secrets = self.credentials.load(&needs)?;
        let random = |what| {
            jws::random().map_err(|e: jws::KeyError| Failure::internal(format!("{what}: {e}")))
        };
        let g = &self.gathered;
        let target = &self.target;
        let provider = &self.profile.provider;
        // Built again for every retry, with a fresh `jti` (README "Network behaviour").
        let mut build = || {
            let inputs = g.inputs(secrets, random("jti")?, None);
            let req = provider.build(&target.settings, grant, &inputs)?;
            for value in &req.sensitive {
                redact::register_jws(value);
            }
            Ok(req)
        };
        let client = Client::to(
            &target.trust(),
            endpoint,
            purpose,
            g.client_identity.as_ref(),
        )?;
        let (reply, req) = client.send(&mut build, self.deadline, &response::describe)?;
        Ok((reply, req))
    }

    /// A token reply read as `get` reads one; its refresh token and ID token registered with
    /// the redactor as they arrive.
    pub fn token(&self, reply: &Reply, req: &TokenRequest) -> Result<TokenResponse> {
        if reply.status == 200 {
            register_id_token(&reply.body);
        }
        response::interpret(&self.target, reply, req, time::now_unix())
    }

    /// The failure a non-200 reply to a request to `at` means (exit 5 for a 4xx).
    pub fn refused(&self, reply: &Reply, what: &str, at: &Endpoint) -> Failure {
        if (400..500).contains(&reply.status) {
            return Failure::rejected(format!(
                "{what} refused by {}: {}",
                at.host,
                response::describe(reply)
            ));
        }
        Failure::unusable(format!(
            "unexpected answer to the {what} from {}: {}",
            at.host,
            response::describe(reply)
        ))
    }

    /// The login's bound ran out (exit 6).
    pub fn timed_out(&self) -> Failure {
        Failure::network(format!(
            "login timed out after {} s (profile `{}`)",
            self.timeout, self.profile.name
        ))
        .hint(format!(
            "run tokfetch login {} --timeout SECONDS to allow longer",
            self.profile.name
        ))
    }
}

/// An ID token is never stored or printed; it is registered so that nothing echoes it.
fn register_id_token(body: &[u8]) {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body)
        && let Some(serde_json::Value::String(id)) = map.get("id_token")
    {
        redact::register_jws(id);
    }
}

/// The endpoints of `grant`: the profile's keys first, else the discovery document's, each
/// under the rules of a URL that may carry the profile's credential.
fn endpoints(profile: &Profile, grant: &UserGrant, g: &Gathered) -> Result<Endpoints> {
    let allow = profile.allow_insecure_http;
    let carries = profile.settings.carries;
    let configured = |key: &str, url: &Option<String>| -> Result<Option<Endpoint>> {
        match url {
            None => Ok(None),
            Some(u) => endpoint::may_carry(u, carries, allow)
                .map(Some)
                .map_err(|why| {
                    Failure::config(format!("{key} of profile `{}`: {why}", profile.name))
                }),
        }
    };
    let meta = g.metadata.as_ref();
    let issuer = grant.issuer.as_deref();
    let found = |url: Option<&String>, name: &str| -> Result<Option<Endpoint>> {
        match (url, issuer) {
            (Some(u), Some(i)) => crate::provider::discovered_endpoint(u, i, name).map(Some),
            _ => Ok(None),
        }
    };
    let pick = |own: Option<Endpoint>, discovered: Option<Endpoint>| own.or(discovered);
    let authorization = pick(
        configured("authorization_url", &grant.authorization_url)?,
        found(
            meta.and_then(|m| m.authorization_endpoint.as_ref()),
            "authorization_endpoint",
        )?,
    );
    let device = pick(
        configured("device_authorization_url", &grant.device_authorization_url)?,
        found(
            meta.and_then(|m| m.device_authorization_endpoint.as_ref()),
            "device_authorization_endpoint",
        )?,
    );
    let revocation = pick(
        configured("revocation_url", &grant.revocation_url)?,
        found(
            meta.and_then(|m| m.revocation_endpoint.as_ref()),
            "revocation_endpoint",
        )?,
    );
    let token = match &g.endpoint {
        Some(e) => e.clone(),
        None => profile.endpoint().clone(),
    };
    let missing = match grant.kind {
        UserGrantKind::Code if authorization.is_none() => {
            Some(("authorization_url", "authorization_endpoint"))
        }
        UserGrantKind::Device if device.is_none() => {
            Some(("device_authorization_url", "device_authorization_endpoint"))
        }
        _ => None,
    };
    if let Some((key, field)) = missing {
        return Err(Failure::config(format!(
            "profile `{}` (grant = \"{}\") has no {key}, and the issuer's discovery document names no {field}",
            profile.name,
            grant.kind.name()
        ))
        .hint(format!("set {key} in profile `{}`", profile.name)));
    }
    Ok(Endpoints {
        token,
        authorization,
        device,
        revocation,
        issuer: grant.issuer.clone(),
        iss_required: meta.is_some_and(|m| m.iss_parameter_supported),
    })
}

/// How a login goes: `--no-browser`, and the variables a started browser must not see.
pub struct LoginOptions {
    pub no_browser: bool,
    pub withhold: BTreeSet<String>,
}

/// Run the profile's login, the user in the loop, until a token or the deadline.
pub fn login(session: &mut Session, opts: &LoginOptions) -> Result<TokenResponse> {
    vlog!(
        "login: {} grant for profile `{}`",
        session.grant.kind.name(),
        session.profile.name
    );
    match session.grant.kind {
        UserGrantKind::Device => device::run(session),
        UserGrantKind::Code => code::run(session, opts),
    }
}

/// What a refresh came to.
pub enum Refreshed {
    Token(TokenResponse),
    /// `invalid_grant`: the server no longer takes the refresh token.
    Refused,
}

/// RFC 6749 §6 with the stored refresh token.
pub fn refresh(session: &mut Session, refresh_token: &str) -> Result<Refreshed> {
    let token = session.endpoints.token.clone();
    let (reply, req) = session.post(&token, Purpose::Token, Grant::Refresh(refresh_token))?;
    let invalid = reply.status == 400
        && oauth::parse_error(&reply.body).is_some_and(|e| e.error == "invalid_grant");
    if invalid {
        vlog!("refresh: the server refused the refresh token (invalid_grant)");
        return Ok(Refreshed::Refused);
    }
    session.token(&reply, &req).map(Refreshed::Token)
}

/// RFC 7009: revoke `token` (`hint`: `refresh_token` or `access_token`). `Ok(false)` when the
/// profile knows no revocation endpoint.
pub fn revoke(session: &mut Session, token: &str, hint: &'static str) -> Result<bool> {
    let Some(endpoint) = session.endpoints.revocation.clone() else {
        return Ok(false);
    };
    let (reply, _) = session.post(
        &endpoint,
        Purpose::Revocation,
        Grant::Revocation { token, hint },
    )?;
    let unsupported = reply.status == 400
        && oauth::parse_error(&reply.body).is_some_and(|e| e.error == "unsupported_token_type");
    match reply.status {
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        200 => Ok(true),
        // §2.2.1: a server that does not revoke this kind of token (access tokens, often)
        // says so; nothing is wrong.
        400 if unsupported => {
            vlog!("logout: the server does not revoke {hint}s (unsupported_token_type)");
            Ok(true)
        }
        _ => Err(session.refused(&reply, "revocation request", &endpoint)),
    }
}
