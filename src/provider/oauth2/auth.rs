//! Client authentication at the token endpoint, one `auth_method` at a time: HTTP Basic (RFC
//! 6749 §2.3.1), the secret in the body, signed JWT assertions (RFC 7523 §2.2, OpenID Connect
//! Core §9: `client_secret_jwt`, `private_key_jwt`), an identity token from outside as the
//! assertion (`federated`), or only the `client_id` (`tls_client_auth`, RFC 8705 §2, where the
//! certificate is in the handshake; `none`).

use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::settings::{AuthMethod, OAuth2Settings};
use crate::error::{Failure, Result};
use crate::jws::{self, Signer};
use crate::oauth;
use crate::provider::{Inputs, Settings};
use crate::request::Header;
use crate::secret::Field;

/// RFC 7523 §2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a signed assertion is valid (README "Client authentication without shared
/// secrets"): enough for a slow round trip, short enough to be useless when it leaks.
pub const ASSERTION_LIFETIME: u64 = 300;

/// What client authentication adds to a request.
#[derive(Default)]
pub(super) struct ClientAuth {
    pub headers: Vec<Header>,
    pub fields: Vec<(&'static str, Zeroizing<String>)>,
    /// The signed assertion: a credential of its own until it expires.
    pub sensitive: Vec<Zeroizing<String>>,
}

impl ClientAuth {
    fn field(&mut self, name: &'static str, value: &str) {
        self.fields.push((name, Zeroizing::new(value.to_string())));
    }

    fn assertion(&mut self, s: &Settings, assertion: Zeroizing<String>) {
        self.field("client_assertion_type", JWT_BEARER);
        self.field("client_assertion", &assertion);
        self.field("client_id", &s.client_id);
    }
}

/// The client authentication of the profile's `auth_method`.
pub(super) fn authenticate(
    s: &Settings,
    o: &OAuth2Settings,
    inputs: &Inputs,
) -> Result<ClientAuth> {
    let mut auth = ClientAuth::default();
    match o.auth {
        AuthMethod::Post => {
            auth.field("client_id", &s.client_id);
            auth.field(
                "client_secret",
                inputs.secret(Field::ClientSecret)?.expose(),
            );
        }
        AuthMethod::ClientSecretJwt => {
            let secret = inputs.secret(Field::ClientSecret)?;
            let jwt = sign(s, o, inputs, &Signer::Hs256(secret.expose().as_bytes()))?;
            auth.sensitive.push(jwt.clone());
            auth.assertion(s, jwt);
        }
        AuthMethod::PrivateKeyJwt => {
            let key = inputs
                .signing_key
                .ok_or_else(|| crate::provider::Inputs::missing("the private key"))?;
            let alg = o.signing_alg.unwrap_or_else(|| key.default_alg());
            let jwt = sign(s, o, inputs, &Signer::Key(key, alg))?;
            auth.sensitive.push(jwt.clone());
            auth.assertion(s, jwt);
        }
        AuthMethod::Federated => {
            let token = inputs
                .identity_token
                .ok_or_else(|| crate::provider::Inputs::missing("the identity token"))?;
            auth.assertion(s, Zeroizing::new(token.expose().to_string()));
        }
        AuthMethod::TlsClientAuth | AuthMethod::None => auth.field("client_id", &s.client_id),
        AuthMethod::Basic | AuthMethod::BasicUnencoded => auth.headers.push(Header {
            name: "Authorization",
            value: oauth::basic_auth(
                &s.client_id,
                inputs.secret(Field::ClientSecret)?.expose(),
                o.auth == AuthMethod::Basic,
            ),
        }),
    }
    Ok(auth)
}

/// A client assertion for this profile, signed by `signer`.
fn sign(
    s: &Settings,
    o: &OAuth2Settings,
    inputs: &Inputs,
    signer: &Signer,
) -> Result<Zeroizing<String>> {
    let audience = o.assertion_audience.as_deref().unwrap_or(&s.endpoint.url);
    let claims = claims(
        &s.client_id,
        &s.client_id,
        audience,
        inputs.now,
        &inputs.nonce,
    );
    let header = header(o.key_id.as_deref(), inputs.thumbprints);
    jws::sign(&header, &claims, signer)
        .map_err(|e| Failure::credentials(format!("cannot sign the client assertion: {e}")))
}

/// The assertion of a JWT bearer grant (RFC 7523 §2.1, §3), signed with the profile's key:
/// `iss` is `assertion_issuer` or else the client id, `sub` is `assertion_subject` or else the
/// issuer, `aud` is `assertion_audience` or else the token endpoint. A client assertion signed
/// at the same second carries another `jti` (the nonce's bits inverted), so a server that
/// refuses replayed `jti`s across both accepts the pair.
pub(super) fn grant_assertion(
    s: &Settings,
    o: &OAuth2Settings,
    inputs: &Inputs,
) -> Result<Zeroizing<String>> {
    let key = inputs
        .signing_key
        .ok_or_else(|| crate::provider::Inputs::missing("the private key"))?;
    let alg = o.signing_alg.unwrap_or_else(|| key.default_alg());
    let issuer = o.assertion_issuer.as_deref().unwrap_or(&s.client_id);
    let subject = o.assertion_subject.as_deref().unwrap_or(issuer);
    let audience = o.assertion_audience.as_deref().unwrap_or(&s.endpoint.url);
    let nonce = inputs.nonce.map(|b| !b);
    let claims = claims(issuer, subject, audience, inputs.now, &nonce);
    let header = header(o.key_id.as_deref(), None);
    jws::sign(&header, &claims, &Signer::Key(key, alg))
        .map_err(|e| Failure::credentials(format!("cannot sign the grant's assertion: {e}")))
}

/// RFC 7523 §3: for client authentication the client is issuer and subject; the audience is
/// the token endpoint unless the profile says otherwise; a fresh `jti` every time, so that a
/// server refusing replays (OpenID Connect Core §9) accepts each request.
pub(super) fn claims(
    issuer: &str,
    subject: &str,
    audience: &str,
    now: u64,
    nonce: &[u8; 16],
) -> Value {
    json!({
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
        "jti": jws::b64url(nonce),
    })
}

/// `typ`, then `kid` when the profile names the key and the certificate's thumbprints when it
/// has one (Entra ID identifies certificate credentials by `x5t`).
pub(super) fn header(
    key_id: Option<&str>,
    thumbprints: Option<&(String, String)>,
) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("typ".into(), "JWT".into());
    if let Some(kid) = key_id {
        h.insert("kid".into(), kid.into());
    }
    if let Some((s256, s1)) = thumbprints {
        h.insert("x5t#S256".into(), s256.as_str().into());
        h.insert("x5t".into(), s1.as_str().into());
    }
    h
}
