//! DPoP (RFC 9449) as a server checks it, written from the RFC and independent of tokfetch's
//! code: a proof verifier (§4.3) and a loopback resource server that accepts a request only
//! with a valid proof for that very request and the token's key (§7).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;
use ring::signature;
use serde_json::{Value, json};

use super::server::{Action, Request, Response, Server};

/// How far `iat` may be from now, either way (RFC 9449 §11.1 leaves it to the server).
pub const IAT_WINDOW: i64 = 60;

/// What a proof must be for.
pub struct Expect<'a> {
    pub method: &'a str,
    /// The request URL, as the server sees it (query and fragment are dropped here).
    pub url: &'a str,
    /// The access token the request carries (`ath`), if any.
    pub token: Option<&'a str>,
    /// The nonce the server handed out, if it requires one.
    pub nonce: Option<&'a str>,
}

fn b64(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let s = v[name].as_str().ok_or(format!("jwk has no {name}"))?;
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| format!("jwk {name}: {e}"))
}

fn part(p: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD.decode(p).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// A proof's claims, or null when it has none to read.
fn claims_of(proof: &str) -> Value {
    proof
        .split('.')
        .nth(1)
        .and_then(|p| part(p).ok())
        .unwrap_or(Value::Null)
}

/// RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
pub fn thumbprint(jwk: &Value) -> Result<String, String> {
    let s = |n: &str| jwk[n].as_str().unwrap_or("").to_string();
    let canonical = match jwk["kty"].as_str() {
        Some("EC") => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            s("crv"),
            s("x"),
            s("y")
        ),
        Some("OKP") => format!(r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#, s("crv"), s("x")),
        Some("RSA") => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, s("e"), s("n")),
        other => return Err(format!("kty {other:?}")),
    };
    Ok(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes())))
}

/// `ath`: base64url(SHA-256(token)).
pub fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

/// Check a proof per RFC 9449 §4.3; its key's thumbprint when it holds. `seen` holds the `jti`s
/// of earlier proofs (replay).
pub fn verify(proof: &str, e: &Expect, seen: &Mutex<HashSet<String>>) -> Result<String, String> {
    let parts: Vec<&str> = proof.split('.').collect();
    if parts.len() != 3 {
        return Err("not a compact JWS".into());
    }
    let (header, claims) = (part(parts[0])?, part(parts[1])?);
    if header["typ"] != "dpop+jwt" {
        return Err(format!("typ {}", header["typ"]));
    }
    let jwk = header["jwk"].clone();
    if !jwk.is_object() {
        return Err("no jwk".into());
    }
    for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        if jwk.get(private).is_some() {
            return Err(format!("the jwk holds the private member {private}"));
        }
    }
    let input = format!("{}.{}", parts[0], parts[1]);
    let sig = URL_SAFE_NO_PAD
        .decode(parts[2])
        .map_err(|e| e.to_string())?;
    let ok = match (header["alg"].as_str(), jwk["kty"].as_str()) {
        (Some("ES256"), Some("EC")) if jwk["crv"] == "P-256" => {
            let point = [&[4u8][..], &b64(&jwk, "x")?, &b64(&jwk, "y")?].concat();
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
        }
        (Some("EdDSA"), Some("OKP")) if jwk["crv"] == "Ed25519" => {
            signature::UnparsedPublicKey::new(&signature::ED25519, b64(&jwk, "x")?)
                .verify(input.as_bytes(), &sig)
        }
        (Some("PS256"), Some("RSA")) => signature::RsaPublicKeyComponents {
            n: b64(&jwk, "n")?,
            e: b64(&jwk, "e")?,
        }
        .verify(&signature::RSA_PSS_2048_8192_SHA256, input.as_bytes(), &sig),
        (alg, kty) => return Err(format!("alg {alg:?} with kty {kty:?}")),
    };
    ok.map_err(|_| "bad signature".to_string())?;
    if claims["htm"] != e.method {
        return Err(format!("htm {} for a {} request", claims["htm"], e.method));
    }
    let want_htu = e.url.split(['?', '#']).next().unwrap_or("");
    if claims["htu"] != want_htu {
        return Err(format!("htu {} for {want_htu}", claims["htu"]));
    }
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    if (iat - super::tools::now() as i64).abs() > IAT_WINDOW {
        return Err(format!("iat {iat} is not now"));
    }
    match (e.nonce, claims.get("nonce").and_then(Value::as_str)) {
        (Some(want), Some(got)) if want == got => {}
        (Some(_), got) => return Err(format!("nonce {got:?}")),
        (None, _) => {}
    }
    match (e.token, claims.get("ath").and_then(Value::as_str)) {
        (Some(t), Some(got)) if got == ath(t) => {}
        (Some(_), got) => return Err(format!("ath {got:?} does not match the token")),
        (None, None) => {}
        (None, Some(_)) => return Err("ath without a token".into()),
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or("no jti")?;
    if !seen.lock().expect("lock").insert(jti.to_string()) {
        return Err(format!("jti {jti} replayed"));
    }
    thumbprint(&jwk)
}

/// A loopback API that takes `Authorization: DPoP <token>` with a `DPoP` proof: 200 with
/// `{"ok": true, "jkt": …}` when the proof is valid for this request and signed by the key
/// `bound` says the token is bound to, else 401 `{"error": why}`. With `nonce`, a proof
/// without it gets 401 `use_dpop_nonce` and a `DPoP-Nonce` header (RFC 9449 §9).
pub struct ResourceServer {
    pub server: Server,
    pub seen: Arc<Mutex<HashSet<String>>>,
    pub refusals: Arc<Mutex<Vec<String>>>,
}

impl ResourceServer {
    pub fn start(
        bound: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        nonce: Option<&str>,
    ) -> ResourceServer {
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let port: Arc<OnceLock<u16>> = Arc::new(OnceLock::new());
        let nonce = nonce.map(str::to_string);
        let (s2, r2, p2) = (seen.clone(), refusals.clone(), port.clone());
        let server = Server::start(move |req: &Request| {
            let url = format!(
                "http://127.0.0.1:{}{}",
                p2.get().copied().unwrap_or(0),
                req.path
            );
            match check(req, &url, &bound, nonce.as_deref(), &s2) {
                Ok(jkt) => Action::Respond(Response::json(200, json!({"ok": true, "jkt": jkt}))),
                Err((why, asks_nonce)) => {
                    r2.lock().expect("lock").push(why.clone());
                    let mut r = Response::json(401, json!({"error": why}));
                    if let (true, Some(n)) = (asks_nonce, &nonce) {
                        r = r
                            .with_header("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\"")
                            .with_header("DPoP-Nonce", n);
                    }
                    Action::Respond(r)
                }
            }
        });
        let _ = port.set(server.port);
        ResourceServer {
            server,
            seen,
            refusals,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub fn refusals(&self) -> Vec<String> {
        self.refusals.lock().expect("lock").clone()
    }
}

fn check(
    req: &Request,
    url: &str,
    bound: &dyn Fn(&str) -> Option<String>,
    nonce: Option<&str>,
    seen: &Mutex<HashSet<String>>,
) -> Result<String, (String, bool)> {
    let refuse = |why: String| (why, false);
    if req.header_count("dpop") != 1 {
        return Err(refuse(format!("{} DPoP headers", req.header_count("dpop"))));
    }
    let token = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("DPoP "))
        .ok_or_else(|| refuse("no `Authorization: DPoP` header".into()))?;
    let proof = req.header("dpop").unwrap_or("");
    if let Some(n) = nonce
        && claims_of(proof)["nonce"] != n
    {
        return Err(("use_dpop_nonce".into(), true));
    }
    let e = Expect {
        method: &req.method,
        url,
        token: Some(token),
        nonce,
    };
    let jkt = verify(proof, &e, seen).map_err(refuse)?;
    match bound(token) {
        Some(b) if b == jkt => Ok(jkt),
        Some(b) => Err(refuse(format!(
            "the proof's key {jkt} is not the token's {b}"
        ))),
        None => Err(refuse("the token is not bound to a key".into())),
    }
}

/// A token endpoint that issues DPoP-bound tokens (RFC 9449 §5) as a strict server would:
/// each proof verified for `POST` to this URL; with `nonce`, the first proof without it gets
/// `400 use_dpop_nonce` and a `DPoP-Nonce` header; `token_type` as given (`DPoP`, or `Bearer`
/// for a server that ignores DPoP). Every token it issues is kept with its key's thumbprint.
pub struct TokenServer {
    pub server: Server,
    pub issued: Arc<Mutex<HashMap<String, String>>>,
    pub refusals: Arc<Mutex<Vec<String>>>,
}

/// How the token server behaves.
#[derive(Clone)]
pub struct TokenServerMode {
    pub nonce: Option<&'static str>,
    /// Ask for a nonce on every request, even one that has it (a broken server).
    pub always_nonce: bool,
    pub token_type: &'static str,
    /// Answer the first request whose proof verifies (its `jti` now recorded) with a 503: a
    /// retry must carry a new proof.
    pub fail_once: bool,
}

impl TokenServer {
    pub fn start(mode: TokenServerMode) -> TokenServer {
        let issued = Arc::new(Mutex::new(HashMap::new()));
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let port: Arc<OnceLock<u16>> = Arc::new(OnceLock::new());
        let (i2, r2, p2) = (issued.clone(), refusals.clone(), port.clone());
        let counter = Arc::new(Mutex::new(0u32));
        let failed = AtomicBool::new(true);
        let server = Server::start(move |req: &Request| {
            let url = format!("http://127.0.0.1:{}/token", p2.get().copied().unwrap_or(0));
            let proof = req.header("dpop").unwrap_or("");
            let claims = claims_of(proof);
            let ask = |why: &str| {
                let n = mode.nonce.unwrap_or("n0");
                Action::Respond(
                    Response::json(
                        400,
                        json!({"error": "use_dpop_nonce", "error_description": why}),
                    )
                    .with_header("DPoP-Nonce", n),
                )
            };
            // A request without a proof gets a token that says DPoP all the same (a server
            // that binds every token of this client): a Bearer profile must refuse it.
            if proof.is_empty() {
                return Action::Respond(Response::json(
                    200,
                    json!({"access_token": "unbound-at", "token_type": "DPoP", "expires_in": 600}),
                ));
            }
            if mode.always_nonce {
                return ask("always");
            }
            if let Some(n) = mode.nonce
                && claims["nonce"] != n
            {
                return ask("nonce is required in the DPoP proof");
            }
            let e = Expect {
                method: "POST",
                url: &url,
                token: None,
                nonce: mode.nonce,
            };
            match verify(proof, &e, &seen) {
                Ok(_) if mode.fail_once && failed.swap(false, Ordering::SeqCst) => Action::Respond(
                    Response::json(503, json!({"error": "temporarily_unavailable"})),
                ),
                Ok(jkt) => {
                    let mut c = counter.lock().expect("lock");
                    *c += 1;
                    let token = format!("dpop-at-{}-{}", *c, &jkt[..8]);
                    i2.lock().expect("lock").insert(token.clone(), jkt);
                    Action::Respond(Response::json(
                        200,
                        json!({"access_token": token, "token_type": mode.token_type, "expires_in": 600}),
                    ))
                }
                Err(why) => {
                    r2.lock().expect("lock").push(why.clone());
                    Action::Respond(Response::json(
                        400,
                        json!({"error": "invalid_dpop_proof", "error_description": why}),
                    ))
                }
            }
        });
        let _ = port.set(server.port);
        TokenServer {
            server,
            issued,
            refusals,
        }
    }

    /// The thumbprint a token was bound to.
    pub fn bound(&self) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let issued = self.issued.clone();
        move |t| issued.lock().expect("lock").get(t).cloned()
    }
}
