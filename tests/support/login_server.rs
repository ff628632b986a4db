//! A strict scripted authorization server for user tokens (README "User tokens") on
//! 127.0.0.1: discovery, the device authorization endpoint (RFC 8628), the authorization
//! endpoint (answering with a 302 to the loopback redirect, or 200 when the test answers the
//! redirect itself), the token endpoint (device code polling as scripted, the authorization
//! code with its PKCE verifier checked against the challenge, refresh with rotation) and the
//! revocation endpoint (RFC 7009). Every request's wire format is checked; anything else is a
//! 400 `invalid_request` naming what was wrong, which the test then sees as a failure.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::server::{Action, Request, Response, Server};

pub const CLIENT: &str = "tokfetch-cli";
pub const USER_CODE: &str = "WDJB-MJHT";
pub const DEVICE_CODE: &str = "dc-GmRhmhcxhwAzkoEqiMEg";

/// What `/authorize` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorize {
    /// 302 to the redirect URI with `code`, `state` and `iss` (the issuer).
    Grant,
    /// 302 with `code`, `state` and this `iss`.
    GrantWithIss(Option<String>),
    /// 302 with `error=access_denied`.
    Deny,
    /// 200: the test itself makes the redirect requests.
    Wait,
}

/// The script and what the server saw.
#[derive(Debug)]
pub struct State {
    /// Answers to device-code polls, in order (`authorization_pending`, `slow_down`, `ok`,
    /// `access_denied`, `expired_token`); the last one repeats.
    pub polls: VecDeque<&'static str>,
    pub authorize: Authorize,
    /// `authorization_response_iss_parameter_supported`.
    pub iss_supported: bool,
    /// Refresh requests answer `invalid_grant`.
    pub refuse_refresh: bool,
    /// Issue a new refresh token on every refresh.
    pub rotate: bool,
    /// Seconds an access token lives.
    pub lifetime: u64,
    /// The refresh token currently valid.
    pub refresh_token: Option<String>,
    /// Codes issued: code → (challenge, redirect_uri).
    pub codes: Vec<(String, String, String)>,
    /// The last authorization request's query pairs.
    pub authorize_query: Vec<(String, String)>,
    pub issued: u32,
    pub refreshes: u32,
    pub device_requests: u32,
    pub polls_seen: Vec<std::time::Instant>,
    pub revoked: Vec<(String, String)>,
    /// Wire-format violations the server answered 400 for.
    pub violations: Vec<String>,
    /// Every secret of a flow the server saw or issued (codes, verifiers, states, refresh
    /// and ID tokens): no output may show one.
    pub secrets: Vec<String>,
}

pub struct LoginServer {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

fn fresh_state() -> State {
    State {
        polls: VecDeque::from(vec!["ok"]),
        authorize: Authorize::Grant,
        iss_supported: false,
        refuse_refresh: false,
        rotate: true,
        lifetime: 3600,
        refresh_token: None,
        codes: Vec::new(),
        authorize_query: Vec::new(),
        issued: 0,
        refreshes: 0,
        device_requests: 0,
        polls_seen: Vec::new(),
        revoked: Vec::new(),
        violations: Vec::new(),
        secrets: vec![DEVICE_CODE.to_string()],
    }
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

impl LoginServer {
    pub fn start() -> LoginServer {
        let state = Arc::new(Mutex::new(fresh_state()));
        let port = Arc::new(Mutex::new(0u16));
        let (s, p) = (state.clone(), port.clone());
        let server = Server::start(move |req| {
            let issuer = format!("http://127.0.0.1:{}", *p.lock().expect("port"));
            let mut st = s.lock().expect("state");
            handle(&mut st, &issuer, req)
        });
        *port.lock().expect("port") = server.port;
        LoginServer { server, state }
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().expect("state"))
    }

    /// The server saw no request it had to refuse for its shape.
    pub fn assert_strict(&self) {
        let v = self.with(|s| s.violations.clone());
        assert!(v.is_empty(), "wire-format violations: {v:?}");
    }
}

fn json(status: u16, v: serde_json::Value) -> Action {
    Action::Respond(Response::json(status, v))
}

fn oauth_error(error: &str) -> Action {
    json(400, serde_json::json!({ "error": error }))
}

fn violation(st: &mut State, what: String) -> Action {
    st.violations.push(what.clone());
    json(
        400,
        serde_json::json!({"error": "invalid_request", "error_description": what}),
    )
}

/// A public client sends `client_id` in the body and no Authorization header.
fn check_client(st: &mut State, req: &Request) -> Option<Action> {
    if req.method != "POST" {
        return Some(violation(
            st,
            format!("{} {}: not a POST", req.method, req.path),
        ));
    }
    if req.header("content-type") != Some("application/x-www-form-urlencoded") {
        return Some(violation(st, format!("{}: not a form", req.path)));
    }
    if req.form_value("client_id").as_deref() != Some(CLIENT) {
        return Some(violation(
            st,
            format!("{}: no client_id {CLIENT}", req.path),
        ));
    }
    if req.header("authorization").is_some() || req.form_value("client_secret").is_some() {
        return Some(violation(
            st,
            format!("{}: a public client sent a secret", req.path),
        ));
    }
    None
}

fn tokens(st: &mut State, refresh: bool) -> Action {
    st.issued += 1;
    let access = format!("at-user-{}", st.issued);
    let id_token = format!("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyIn0.idsig{}", st.issued);
    st.secrets.push(id_token.clone());
    let mut body = serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": st.lifetime,
        "scope": "openid offline_access",
        "id_token": id_token,
    });
    if refresh {
        let rt = format!("rt-user-{}-xyzzy", st.issued);
        st.secrets.push(rt.clone());
        st.refresh_token = Some(rt.clone());
        body["refresh_token"] = rt.into();
    }
    json(200, body)
}

fn handle(st: &mut State, issuer: &str, req: &Request) -> Action {
    let path = req.path.split('?').next().unwrap_or("").to_string();
    match path.as_str() {
        "/.well-known/openid-configuration" => json(
            200,
            serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "device_authorization_endpoint": format!("{issuer}/device"),
                "token_endpoint": format!("{issuer}/token"),
                "revocation_endpoint": format!("{issuer}/revoke"),
                "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
                "authorization_response_iss_parameter_supported": st.iss_supported,
            }),
        ),
        "/device" => {
            if let Some(a) = check_client(st, req) {
                return a;
            }
            if req.form_value("scope").as_deref() != Some("openid offline_access") {
                return violation(st, "device authorization request without the scope".into());
            }
            st.device_requests += 1;
            json(
                200,
                serde_json::json!({
                    "device_code": DEVICE_CODE,
                    "user_code": USER_CODE,
                    "verification_uri": format!("{issuer}/activate"),
                    "verification_uri_complete": format!("{issuer}/activate?user_code={USER_CODE}"),
                    "expires_in": 600,
                    "interval": 1,
                }),
            )
        }
        "/authorize" => authorize(st, issuer, req),
        "/token" => token(st, req),
        "/revoke" => {
            if let Some(a) = check_client(st, req) {
                return a;
            }
            match (req.form_value("token"), req.form_value("token_type_hint")) {
                (Some(t), Some(h)) => {
                    st.revoked.push((t.clone(), h));
                    if st.refresh_token.as_deref() == Some(t.as_str()) {
                        st.refresh_token = None;
                    }
                    Action::Respond(Response::new(200, "text/plain", ""))
                }
                _ => violation(st, "revocation without token and token_type_hint".into()),
            }
        }
        other => violation(st, format!("unexpected path {other}")),
    }
}

fn authorize(st: &mut State, issuer: &str, req: &Request) -> Action {
    let query = req.path.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    st.authorize_query = pairs.clone();
    let (Some(state), Some(challenge), Some(redirect)) =
        (get("state"), get("code_challenge"), get("redirect_uri"))
    else {
        return violation(
            st,
            format!("authorization request without state, challenge or redirect_uri: {query}"),
        );
    };
    let port_ok = redirect
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.strip_suffix("/callback"))
        .is_some_and(|p| p.parse::<u16>().is_ok());
    if get("response_type").as_deref() != Some("code")
        || get("client_id").as_deref() != Some(CLIENT)
        || get("code_challenge_method").as_deref() != Some("S256")
        || challenge.len() != 43
        || !port_ok
    {
        return violation(st, format!("bad authorization request: {query}"));
    }
    let code = format!("code-{}-plugh", st.secrets.len());
    st.secrets.push(code.clone());
    st.secrets.push(state.clone());
    st.codes.push((code.clone(), challenge, redirect.clone()));
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let location = match &st.authorize {
        Authorize::Grant => format!(
            "{redirect}?code={}&state={}&iss={}",
            enc(&code),
            enc(&state),
            enc(issuer)
        ),
        Authorize::GrantWithIss(Some(iss)) => format!(
            "{redirect}?code={}&state={}&iss={}",
            enc(&code),
            enc(&state),
            enc(iss)
        ),
        Authorize::GrantWithIss(None) => {
            format!("{redirect}?code={}&state={}", enc(&code), enc(&state))
        }
        Authorize::Deny => format!(
            "{redirect}?error=access_denied&error_description=The+user+said+no&state={}&iss={}",
            enc(&state),
            enc(issuer)
        ),
        Authorize::Wait => {
            return Action::Respond(Response::new(200, "text/html", "<p>log in</p>"));
        }
    };
    let mut r = Response::new(302, "text/html", "");
    r.headers.push(("Location".into(), location));
    Action::Respond(r)
}

fn token(st: &mut State, req: &Request) -> Action {
    if let Some(a) = check_client(st, req) {
        return a;
    }
    match req.form_value("grant_type").as_deref() {
        Some("urn:ietf:params:oauth:grant-type:device_code") => {
            if req.form_value("device_code").as_deref() != Some(DEVICE_CODE) {
                return violation(st, "poll without the device code".into());
            }
            st.polls_seen.push(std::time::Instant::now());
            let answer = if st.polls.len() > 1 {
                st.polls.pop_front().unwrap_or("ok")
            } else {
                st.polls.front().copied().unwrap_or("ok")
            };
            match answer {
                "ok" => tokens(st, true),
                e => oauth_error(e),
            }
        }
        Some("authorization_code") => {
            let (Some(code), Some(verifier), Some(redirect)) = (
                req.form_value("code"),
                req.form_value("code_verifier"),
                req.form_value("redirect_uri"),
            ) else {
                return violation(
                    st,
                    "code exchange without code, code_verifier or redirect_uri".into(),
                );
            };
            let Some(pos) = st.codes.iter().position(|(c, _, _)| *c == code) else {
                return oauth_error("invalid_grant");
            };
            let (_, want, redirect_was) = st.codes.remove(pos);
            st.secrets.push(verifier.clone());
            if verifier.len() != 43 || challenge(&verifier) != want {
                return violation(st, "code_verifier does not match the challenge".into());
            }
            if redirect != redirect_was {
                return violation(
                    st,
                    "redirect_uri differs from the authorization request's".into(),
                );
            }
            tokens(st, true)
        }
        Some("refresh_token") => {
            st.refreshes += 1;
            let given = req.form_value("refresh_token");
            if st.refuse_refresh || given.is_none() || given != st.refresh_token {
                return oauth_error("invalid_grant");
            }
            let rotate = st.rotate;
            if !rotate {
                st.issued += 1;
                let access = format!("at-user-{}", st.issued);
                return json(
                    200,
                    serde_json::json!({"access_token": access, "token_type": "Bearer", "expires_in": st.lifetime}),
                );
            }
            tokens(st, true)
        }
        other => violation(st, format!("unexpected grant_type {other:?}")),
    }
}
