//! A loopback stand-in of `oauth2.googleapis.com/token` that checks a service account's
//! assertion as Google documents it ("Using OAuth 2.0 for Server to Server Applications"):
//! the JWT bearer grant type; an RS256 signature by the key whose id is the `kid`
//! (`private_key_id`); `iss` = `client_email`; `aud` = the key's `token_uri`, which is
//! `https://oauth2.googleapis.com/token` in every key Google hands out (and what google-auth
//! always sends, wherever it posts), or this server's own URL for a key that names it;
//! a `scope` claim, or `target_audience` for an ID token; `sub` only for delegation; issued now
//! and valid at most an hour. The official `google-auth` library is the reference client that
//! proves the stand-in (tests/grants.rs), and tokfetch is held to it.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::jwt;
use super::server::{Action, Request, Response, Server};

/// The service account of the test key.
pub const CLIENT_EMAIL: &str = "tokfetch-test@tokfetch-proj.iam.gserviceaccount.com";
pub const KEY_ID: &str = "4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6";
/// The test key's private key: [`jwt::RSA_B`] (PKCS#8, as Google hands them out).
pub const PRIVATE_KEY: &str = jwt::RSA_B;

/// RFC 7523 §2.1.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The `token_uri` of every key Google hands out.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The JSON key Google Cloud hands out, with `token_uri`.
pub fn key_json(token_uri: &str) -> String {
    serde_json::to_string_pretty(&json!({
        "type": "service_account",
        "project_id": "tokfetch-proj",
        "private_key_id": KEY_ID,
        "private_key": PRIVATE_KEY,
        "client_email": CLIENT_EMAIL,
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/tokfetch-test%40tokfetch-proj.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com"
    }))
    .expect("json")
}

/// The private key as it appears inside the JSON (escaped newlines): no output or cache file
/// may hold it.
pub fn escaped_private_key() -> String {
    serde_json::to_string(PRIVATE_KEY)
        .expect("json")
        .trim_matches('"')
        .to_string()
}

/// What the stand-in expects besides Google's own rules.
#[derive(Clone, Default)]
pub struct Expect {
    /// The `sub` claim (domain-wide delegation), or none at all.
    pub subject: Option<String>,
    /// The `scope` claim, when an access token is asked for.
    pub scope: Option<String>,
    /// The `target_audience` claim, when an ID token is asked for; it is issued for
    /// `id_token_lifetime` seconds.
    pub target_audience: Option<String>,
    pub id_token_lifetime: u64,
    /// The key's `token_uri` is this server's URL, so that is the `aud`; else the `aud` is
    /// [`GOOGLE_TOKEN_URI`] (the request reaches this server through `token_url`).
    pub aud_is_this_server: bool,
}

/// Every token the stand-in issued, and the claims of every assertion it accepted.
#[derive(Default)]
pub struct Issued {
    pub tokens: Vec<String>,
    pub claims: Vec<Value>,
}

/// The stand-in. Its token URL is `server.url("/token")`.
pub fn token_server(expect: Expect) -> (Server, Arc<Mutex<Issued>>) {
    let issued = Arc::new(Mutex::new(Issued::default()));
    let issued_in = issued.clone();
    let port = Arc::new(Mutex::new(0u16));
    let port_in = port.clone();
    let server = Server::start(move |req: &Request| {
        let token_uri = format!(
            "http://127.0.0.1:{}/token",
            port_in.lock().map(|p| *p).unwrap_or(0)
        );
        match check(req, &token_uri, &expect) {
            Err(why) => Action::Respond(Response::json(
                400,
                json!({"error": "invalid_grant", "error_description": why}),
            )),
            Ok(claims) => {
                let mut issued = issued_in.lock().expect("lock");
                let n = issued.tokens.len() + 1;
                issued.claims.push(claims);
                let body = match &expect.target_audience {
                    Some(aud) => {
                        let now = jwt::now();
                        let id_token = jwt::sign_rs256(
                            jwt::ISSUER,
                            "google-kid",
                            &json!({
                                "iss": "https://accounts.google.com",
                                "aud": aud,
                                "azp": CLIENT_EMAIL,
                                "email": CLIENT_EMAIL,
                                "sub": "109876543210987654321",
                                "iat": now,
                                "exp": now + expect.id_token_lifetime,
                                "n": n,
                            }),
                        );
                        issued.tokens.push(id_token.clone());
                        json!({ "id_token": id_token })
                    }
                    None => {
                        let token = format!("ya29.c.test-access-token-{n}");
                        issued.tokens.push(token.clone());
                        json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
                    }
                };
                Action::Respond(Response::json(200, body))
            }
        }
    });
    *port.lock().expect("lock") = server.port;
    (server, issued)
}

/// Google's checks, in the order its error messages suggest; the claims when all pass.
fn check(req: &Request, token_uri: &str, expect: &Expect) -> Result<Value, String> {
    if req.method != "POST" || req.path != "/token" {
        return Err(format!("{} {}", req.method, req.path));
    }
    if !req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return Err("not a form".into());
    }
    let form = req.form();
    let mut names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names != ["assertion", "grant_type"] {
        return Err(format!("unexpected fields {names:?}"));
    }
    if req.form_value("grant_type").as_deref() != Some(JWT_BEARER_GRANT) {
        return Err("Invalid grant_type".into());
    }
    if req.header("authorization").is_some() {
        return Err("no client authentication besides the assertion".into());
    }
    let assertion = req.form_value("assertion").unwrap_or_default();
    let (header, claims) = jwt::decode(&assertion);
    if header["alg"] != "RS256" || header["kid"] != KEY_ID {
        return Err(format!("Invalid JWT header {header}"));
    }
    jwt::verify(&assertion, PRIVATE_KEY).map_err(|e| format!("Invalid JWT Signature: {e}"))?;
    if claims["iss"] != CLIENT_EMAIL {
        return Err("Invalid issuer".into());
    }
    let aud = if expect.aud_is_this_server {
        token_uri
    } else {
        GOOGLE_TOKEN_URI
    };
    if claims["aud"] != aud {
        return Err(format!("Invalid JWT: audience {}", claims["aud"]));
    }
    let now = jwt::now();
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap_or(0),
        claims["exp"].as_u64().unwrap_or(0),
    );
    if iat + 30 < now || iat > now + 30 || exp <= iat || exp - iat > 3600 {
        return Err("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe".into());
    }
    match (&expect.target_audience, &expect.scope) {
        (Some(aud), _) => {
            if claims["target_audience"] != aud.as_str() || claims.get("scope").is_some() {
                return Err(format!("Invalid target_audience {claims}"));
            }
        }
        (None, scope) => {
            if claims.get("target_audience").is_some()
                || scope.as_deref().is_some_and(|s| claims["scope"] != s)
                || !claims["scope"].is_string()
            {
                return Err(format!("Invalid scope {claims}"));
            }
        }
    }
    match &expect.subject {
        Some(sub) if claims["sub"] != sub.as_str() => {
            return Err("unauthorized_client: subject".into());
        }
        None if claims.get("sub").is_some() => {
            return Err("unexpected sub (no delegation asked)".into());
        }
        _ => {}
    }
    Ok(claims)
}
