//! Workload identity federation on loopback: a stand-in for a CI platform's OIDC issuer (GitHub
//! Actions' ID-token service, its discovery document and JWKS) and a token endpoint that trusts
//! it the way Entra ID, Okta or Keycloak do — verifying each identity token's signature against
//! the issuer's JWKS (fetched over HTTP), its `iss`, `aud`, `exp` and `sub` — for `federated`
//! client assertions and RFC 8693 token exchange.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::jwt;
use super::server::{Action, Request, Response, Server};
use super::{CLIENT_ID, GH_REQUEST_TOKEN};

/// The subject GitHub puts in a job's ID token (a repository and ref).
pub const SUBJECT: &str = "repo:acme/app:ref:refs/heads/main";
pub const KID: &str = "ci-key-1";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

fn base(port: &Mutex<u16>) -> String {
    format!("http://127.0.0.1:{}", port.lock().map(|p| *p).unwrap_or(0))
}

fn oauth_error(status: u16, error: &str, description: &str) -> Action {
    Action::Respond(Response::json(
        status,
        json!({"error": error, "error_description": description}),
    ))
}

/// An identity token for `audience` from the issuer at `issuer`, as GitHub mints one.
pub fn mint(issuer: &str, audience: &str, subject: &str) -> String {
    let now = jwt::now();
    let token = jwt::sign_rs256(
        jwt::ISSUER,
        KID,
        &json!({"iss": issuer, "sub": subject, "aud": audience, "iat": now, "nbf": now,
                "exp": now + 300, "jti": format!("{now}-{}", rand_suffix()),
                "repository": "acme/app", "ref": "refs/heads/main"}),
    );
    super::minted(&token);
    token
}

fn rand_suffix() -> u32 {
    let mut b = [0u8; 4];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).expect("random");
    u32::from_be_bytes(b)
}

/// The CI platform's issuer: `GET /idtoken?…&audience=A` with the job's bearer token returns
/// `{"value": <ID token>}`; `/.well-known/openid-configuration` and `/jwks` publish its key.
pub fn ci_issuer() -> Server {
    let port = Arc::new(Mutex::new(0u16));
    let p = port.clone();
    let server = Server::start(move |req: &Request| {
        let me = base(&p);
        let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
        match path {
            "/idtoken" => {
                let bearer = req.header("authorization").unwrap_or("");
                if !bearer.eq_ignore_ascii_case(&format!("bearer {GH_REQUEST_TOKEN}")) {
                    return Action::Respond(Response::json(
                        401,
                        json!({"message": "Bad credentials"}),
                    ));
                }
                let audience = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == "audience")
                    .map(|(_, v)| v.into_owned());
                let Some(audience) = audience else {
                    return Action::Respond(Response::json(400, json!({"message": "no audience"})));
                };
                Action::Respond(Response::json(
                    200,
                    json!({"count": 1, "value": mint(&me, &audience, SUBJECT)}),
                ))
            }
            "/.well-known/openid-configuration" => Action::Respond(Response::json(
                200,
                json!({"issuer": me, "jwks_uri": format!("{me}/jwks")}),
            )),
            "/jwks" => Action::Respond(Response::json(
                200,
                json!({"keys": [jwt::rsa_jwk(jwt::ISSUER, KID)]}),
            )),
            _ => Action::Respond(Response::new(404, "text/plain", "not found")),
        }
    });
    *port.lock().expect("lock") = server.port;
    server
}

/// What the relying party trusts: tokens from `issuer` for `audience` about [`SUBJECT`].
#[derive(Clone)]
pub struct Trust {
    pub issuer: String,
    pub audience: String,
}

/// Verify an identity token as a relying party does: the JWKS from the issuer's discovery
/// document, the signature, `iss`, `aud`, `exp`, `sub`.
pub fn verify_identity_token(token: &str, trust: &Trust) -> Result<Value, String> {
    let fetch = |url: &str| -> Result<Value, String> {
        let (status, body) = super::tools::http_request("GET", url, &[], "")?;
        if status != 200 {
            return Err(format!("{url}: HTTP {status}"));
        }
        serde_json::from_str(&body).map_err(|e| e.to_string())
    };
    let config = fetch(&format!(
        "{}/.well-known/openid-configuration",
        trust.issuer
    ))?;
    let jwks = fetch(config["jwks_uri"].as_str().ok_or("no jwks_uri")?)?;
    let claims = jwt::verify_with_jwks(token, &jwks)?;
    if claims["iss"] != trust.issuer.as_str() {
        return Err(format!("iss {}", claims["iss"]));
    }
    if claims["aud"] != trust.audience.as_str() {
        return Err(format!("aud {}", claims["aud"]));
    }
    if claims["exp"].as_u64().unwrap_or(0) <= jwt::now() {
        return Err("expired".into());
    }
    if claims["sub"] != SUBJECT {
        return Err(format!("sub {}", claims["sub"]));
    }
    Ok(claims)
}

/// A token endpoint with a federated credential for [`CLIENT_ID`] trusting `trust`: a
/// `federated` client assertion, or a token exchange whose subject token verifies. The issued
/// token names the grant and a counter (`fed-1`, `exchanged-2`).
pub fn relying_party(trust: Trust) -> Server {
    let n = Arc::new(Mutex::new(0));
    Server::start(move |req: &Request| {
        let field = |k: &str| req.form_value(k);
        let issue = |prefix: &str| {
            let mut n = n.lock().expect("lock");
            *n += 1;
            Action::Respond(Response::json(
                200,
                json!({"access_token": format!("{prefix}-{n}"), "token_type": "Bearer",
                       "expires_in": 600,
                       "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"}),
            ))
        };
        match field("grant_type").as_deref() {
            Some("client_credentials") => {
                if field("client_assertion_type").as_deref() != Some(JWT_BEARER)
                    || field("client_id").as_deref() != Some(CLIENT_ID)
                {
                    return oauth_error(400, "invalid_request", "bad client authentication");
                }
                let assertion = field("client_assertion").unwrap_or_default();
                match verify_identity_token(&assertion, &trust) {
                    Ok(_) => issue("fed"),
                    Err(why) => oauth_error(401, "invalid_client", &format!("assertion: {why}")),
                }
            }
            Some(TOKEN_EXCHANGE) => {
                if field("subject_token_type").as_deref() != Some(JWT_TYPE) {
                    return oauth_error(400, "invalid_request", "subject_token_type");
                }
                let subject = field("subject_token").unwrap_or_default();
                match verify_identity_token(&subject, &trust) {
                    Ok(_) => issue("exchanged"),
                    Err(why) => oauth_error(400, "invalid_grant", &format!("subject token: {why}")),
                }
            }
            _ => oauth_error(400, "unsupported_grant_type", "grant"),
        }
    })
}
