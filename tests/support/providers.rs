//! Strict loopback token servers, one per provider, each enforcing the wire format its provider's
//! documentation describes (README "Configuration reference") and answering deviations the way the real one would: 400/401
//! with an OAuth error body (or API Gateway's 403 for a bad &Open api key).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::server::{Action, Request, Response, Server};

/// Knobs a test can turn while the server runs.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// The `expires_in` to send; `None` leaves it out.
    pub expires_in: Option<Value>,
    /// Whether refresh grants are honoured (&Open).
    pub refresh_ok: bool,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            expires_in: Some(json!(900)),
            refresh_ok: true,
        }
    }
}

/// A running token server and its state.
pub struct TokenServer {
    pub server: Server,
    pub knobs: Arc<Mutex<Knobs>>,
    issued: Arc<AtomicUsize>,
}

impl std::ops::Deref for TokenServer {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

impl TokenServer {
    pub fn set(&self, f: impl FnOnce(&mut Knobs)) {
        if let Ok(mut k) = self.knobs.lock() {
            f(&mut k);
        }
    }

    /// Tokens issued so far.
    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Action {
    Action::Respond(Response::json(
        status,
        json!({"error": error, "error_description": description}),
    ))
}

/// Shared state of a provider handler.
#[derive(Clone)]
struct State {
    knobs: Arc<Mutex<Knobs>>,
    issued: Arc<AtomicUsize>,
    prefix: &'static str,
}

impl State {
    fn new(prefix: &'static str, knobs: Knobs) -> Self {
        State {
            knobs: Arc::new(Mutex::new(knobs)),
            issued: Arc::new(AtomicUsize::new(0)),
            prefix,
        }
    }

    fn knobs(&self) -> Knobs {
        self.knobs.lock().map(|k| k.clone()).unwrap_or_default()
    }

    /// A 200 with `body`, plus `expires_in` as the knobs say.
    fn issue(&self, mut body: Value) -> Action {
        if let Some(e) = self.knobs().expires_in {
            body["expires_in"] = e;
        }
        Action::Respond(Response::json(200, body))
    }

    /// A new token: unique, b64token characters only.
    fn token(&self) -> String {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        format!("{}{n}.eyJzdWIiOiJ0ZXN0In0.c2ln-_~+/", self.prefix)
    }

    fn into_server(
        self,
        handler: impl Fn(&State, &Request) -> Action + Send + Sync + 'static,
    ) -> TokenServer {
        let state = self.clone();
        let server = Server::start(move |req| handler(&state, req));
        TokenServer {
            server,
            knobs: self.knobs,
            issued: self.issued,
        }
    }
}

fn content_type_is(req: &Request, want: &str) -> bool {
    req.header("content-type")
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(want)
        })
        .unwrap_or(false)
}

/// Common checks: POST to `path`, with the content type, a single such header.
fn basics(req: &Request, path: &str, content_type: &str) -> Option<Action> {
    if req.method != "POST" {
        return Some(Action::Respond(Response::new(
            405,
            "text/plain",
            "method not allowed",
        )));
    }
    if req.path != path {
        return Some(Action::Respond(Response::new(
            404,
            "text/html",
            "<h1>Not Found</h1>",
        )));
    }
    if !content_type_is(req, content_type) || req.header_count("content-type") != 1 {
        return Some(oauth_error(
            400,
            "invalid_request",
            &format!("Content-Type must be {content_type}"),
        ));
    }
    let agent = req.header("user-agent").unwrap_or("");
    if !agent.starts_with("tokfetch/") {
        return Some(oauth_error(400, "invalid_request", "unexpected User-Agent"));
    }
    None
}

/// Form fields, refusing duplicates and unknown names.
fn form_fields(req: &Request, allowed: &[&str]) -> Result<Vec<(String, String)>, Action> {
    let form = req.form();
    for (i, (k, _)) in form.iter().enumerate() {
        if !allowed.contains(&k.as_str()) {
            return Err(oauth_error(
                400,
                "invalid_request",
                &format!("unexpected parameter {k}"),
            ));
        }
        if form[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(oauth_error(
                400,
                "invalid_request",
                &format!("duplicate parameter {k}"),
            ));
        }
    }
    Ok(form)
}

/// The refusal a server gives a form whose grant_type is not client_credentials.
fn not_client_credentials(form: &[(String, String)]) -> Option<Action> {
    (get(form, "grant_type") != Some("client_credentials")).then(|| {
        oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        )
    })
}

fn get<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// 1Password: POST {base}/v1beta1/users/oauth2/token, HTTP Basic over the raw `id:secret`,
/// form `grant_type=client_credentials`, optional `scope=openid`.
pub fn onepassword(client_id: &'static str, secret: &'static str) -> TokenServer {
    State::new("op", Knobs::default()).into_server(move |st, req| {
        if let Some(a) = basics(
            req,
            "/v1beta1/users/oauth2/token",
            "application/x-www-form-urlencoded",
        ) {
            return a;
        }
        let want = format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")));
        if req.header_count("authorization") != 1
            || req.header("authorization") != Some(want.as_str())
        {
            return oauth_error(401, "invalid_client", "Client authentication failed");
        }
        let form = match form_fields(req, &["grant_type", "scope"]) {
            Ok(f) => f,
            Err(a) => return a,
        };
        if let Some(refused) = not_client_credentials(&form) {
            return refused;
        }
        if get(&form, "scope").is_some_and(|s| s != "openid") {
            return oauth_error(400, "invalid_scope", "scope must be openid");
        }
        st.issue(json!({"access_token": st.token(), "token_type": "Bearer", "scope": "openid"}))
    })
}

/// &Open: POST /auth/token, JSON body {grant_type, tenant, client_id, client_secret} or a
/// refresh grant, `x-api-key` required (API Gateway answers 403 without it), no Authorization.
pub fn andopen(
    api_key: &'static str,
    tenant: &'static str,
    client_id: &'static str,
    secret: &'static str,
) -> TokenServer {
    let refresh_tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let knobs = Knobs {
        expires_in: Some(json!(4000)),
        refresh_ok: true,
    };
    State::new("ao", knobs).into_server(move |st, req| {
        if req.header("x-api-key") != Some(api_key) || req.header_count("x-api-key") != 1 {
            return Action::Respond(Response::json(403, json!({"message": "Forbidden"})));
        }
        if let Some(a) = basics(req, "/auth/token", "application/json") {
            return a;
        }
        if req.header("authorization").is_some() {
            return oauth_error(400, "invalid_request", "client credentials belong in the body");
        }
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
            return oauth_error(400, "invalid_request", "body must be a JSON object");
        };
        let s = |k: &str| body.get(k).and_then(Value::as_str);
        if s("tenant") != Some(tenant) {
            return oauth_error(400, "invalid_request", "unknown tenant");
        }
        let allowed: &[&str] = match s("grant_type") {
            Some("client_credentials") => &["grant_type", "tenant", "client_id", "client_secret"],
            Some("refresh_token") => &["grant_type", "tenant", "refresh_token"],
            _ => return oauth_error(400, "unsupported_grant_type", "unsupported grant_type"),
        };
        if let Some(k) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
            return oauth_error(400, "invalid_request", &format!("unexpected field {k}"));
        }
        match s("grant_type") {
            Some("client_credentials") => {
                if s("client_id") != Some(client_id) || s("client_secret") != Some(secret) {
                    return oauth_error(401, "invalid_client", "Invalid client credentials");
                }
            }
            _ => {
                let known = refresh_tokens
                    .lock()
                    .map(|r| s("refresh_token").is_some_and(|t| r.iter().any(|x| x == t)))
                    .unwrap_or(false);
                if !known || !st.knobs().refresh_ok {
                    return oauth_error(400, "invalid_grant", "refresh token is invalid or expired");
                }
            }
        }
        let token = st.token();
        let rt = format!("rt-{}", st.issued.load(Ordering::SeqCst));
        if let Ok(mut r) = refresh_tokens.lock() {
            r.push(rt.clone());
        }
        st.issue(json!({"token_type": "bearer", "access_token": token, "refresh_token": rt, "scope": null}))
    })
}

/// configapi v2: POST /configapi/v2/oauth/token, form with grant_type, client_id, client_secret
/// and scope (all required); answers with a string `expires_in` and the trailing comma of the
/// documented example.
pub fn configapi(
    client_id: &'static str,
    secret: &'static str,
    scope: &'static str,
) -> TokenServer {
    let knobs = Knobs {
        expires_in: Some(json!("3599")),
        refresh_ok: false,
    };
    State::new("ca", knobs).into_server(move |st, req| {
        if let Some(a) = basics(
            req,
            "/configapi/v2/oauth/token",
            "application/x-www-form-urlencoded",
        ) {
            return a;
        }
        if req.header("authorization").is_some() {
            return oauth_error(
                400,
                "invalid_request",
                "credentials belong in the form body",
            );
        }
        let form = match form_fields(req, &["grant_type", "client_id", "client_secret", "scope"]) {
            Ok(f) => f,
            Err(a) => return a,
        };
        if let Some(refused) = not_client_credentials(&form) {
            return refused;
        }
        if get(&form, "client_id") != Some(client_id) || get(&form, "client_secret") != Some(secret)
        {
            return oauth_error(401, "invalid_client", "Invalid user or API secret");
        }
        match get(&form, "scope") {
            None => return oauth_error(400, "invalid_request", "scope is required"),
            Some(s) if s != scope => {
                return oauth_error(400, "invalid_scope", "unknown tenant or host");
            }
            Some(_) => {}
        }
        let expiry = match st.knobs().expires_in {
            Some(e) => format!("\"expires_in\":{e},\n"),
            None => String::new(),
        };
        let body = format!(
            "{{\n\"access_token\":\"{}\",\n\"token_type\":\"Bearer\",\n{expiry}}}",
            st.token()
        );
        Action::Respond(Response::new(200, "application/json", body))
    })
}

/// How a generic OAuth 2.0 server authenticates clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// RFC 6749 §2.3.1: form-urlencode id and secret, then Basic.
    Basic,
    /// Basic over the raw pair.
    BasicRaw,
    /// client_secret_post.
    Post,
}

/// A generic RFC 6749 server at /oauth2/token; extra form fields are accepted and recorded.
pub fn oauth2(client_id: &'static str, secret: &'static str, auth: ClientAuth) -> TokenServer {
    State::new("o2", Knobs::default()).into_server(move |st, req| {
        if let Some(a) = basics(req, "/oauth2/token", "application/x-www-form-urlencoded") {
            return a;
        }
        let form = req.form();
        let enc = |s: &str| super::form_encode(s);
        match auth {
            ClientAuth::Basic | ClientAuth::BasicRaw => {
                let pair = if auth == ClientAuth::Basic {
                    format!("{}:{}", enc(client_id), enc(secret))
                } else {
                    format!("{client_id}:{secret}")
                };
                let want = format!("Basic {}", STANDARD.encode(pair));
                if req.header("authorization") != Some(want.as_str()) {
                    return oauth_error(401, "invalid_client", "client authentication failed");
                }
                if get(&form, "client_secret").is_some() {
                    return oauth_error(
                        400,
                        "invalid_request",
                        "multiple client authentication methods",
                    );
                }
            }
            ClientAuth::Post => {
                if req.header("authorization").is_some() {
                    return oauth_error(
                        400,
                        "invalid_request",
                        "multiple client authentication methods",
                    );
                }
                if get(&form, "client_id") != Some(client_id)
                    || get(&form, "client_secret") != Some(secret)
                {
                    return oauth_error(401, "invalid_client", "client authentication failed");
                }
            }
        }
        if let Some(refused) = not_client_credentials(&form) {
            return refused;
        }
        let mut body = json!({"access_token": st.token(), "token_type": "Bearer"});
        if let Some(s) = get(&form, "scope") {
            body["scope"] = json!(s);
        }
        st.issue(body)
    })
}

/// A `private_key_jwt` server at /oauth2/token (RFC 7523 §3): the client assertion must be
/// signed by `pem`'s key with `iss` = `sub` = the client id, and `client_id` match; no
/// secret of any other kind may come along.
pub fn private_key_jwt(client_id: &'static str, pem: &'static str) -> TokenServer {
    State::new("pk", Knobs::default()).into_server(move |st, req| {
        if let Some(a) = basics(req, "/oauth2/token", "application/x-www-form-urlencoded") {
            return a;
        }
        let form = req.form();
        if req.header("authorization").is_some() || get(&form, "client_secret").is_some() {
            return oauth_error(
                400,
                "invalid_request",
                "more than one client authentication",
            );
        }
        if get(&form, "client_assertion_type")
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            || get(&form, "client_id") != Some(client_id)
        {
            return oauth_error(400, "invalid_request", "bad fields");
        }
        let assertion = get(&form, "client_assertion").unwrap_or_default();
        if let Err(why) = super::jwt::verify(assertion, pem) {
            return oauth_error(401, "invalid_client", &format!("signature: {why}"));
        }
        let (_, claims) = super::jwt::decode(assertion);
        if claims["iss"] != client_id || claims["sub"] != client_id {
            return oauth_error(401, "invalid_client", "iss and sub must be the client id");
        }
        if let Some(refused) = not_client_credentials(&form) {
            return refused;
        }
        st.issue(json!({"access_token": st.token(), "token_type": "Bearer"}))
    })
}
