//! Any RFC 6749 server (Okta, Auth0, Keycloak, Entra ID, Ping…): the client credentials grant or
//! an RFC 8693 token exchange; client authentication with the shared secret (HTTP Basic, in the
//! body, or an HS256 assertion), a private key (RFC 7523 assertions), a TLS client certificate
//! (RFC 8705), or an identity token from a CI platform or Kubernetes (README "Client
//! authentication without shared secrets"); the token endpoint given, or found from `issuer`.
//!
//! Building the request is pure ([`Provider::build`]); what it needs from outside — the key,
//! the certificate, the identity token, the discovery document — is asked for through
//! [`Provider::inputs`] and gathered by the flow.

mod auth;
mod discovery;
mod keys;
mod rules;
mod sources;

use std::path::PathBuf;

pub use discovery::{Discovery, Metadata};
pub use sources::{GITHUB_TOKEN_VAR, GITHUB_URL_VAR, TokenSource};

use super::{
    Grant, Input, Inputs, KeyFrom, KeySpec, Problem, Provider, Settings, TokenRequest, Values,
};
use crate::endpoint::Credential;
use crate::error::Result;
use crate::jws::Alg;
use crate::oauth;
use crate::secret::Field;
use keys::{CLIENT_CREDENTIALS, JWT_TOKEN_TYPE, SECRET_METHODS, TOKEN_EXCHANGE};

pub struct OAuth2;

/// RFC 8693 §2.1.
const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

fn exchange(s: &Settings) -> bool {
    s.get("grant") == Some(TOKEN_EXCHANGE)
}

/// Where the profile's private key comes from: its file, else the secret field.
fn key_from(s: &Settings) -> KeyFrom {
    match s.get("private_key_file") {
        Some(path) => KeyFrom::File(PathBuf::from(path)),
        None => KeyFrom::Field(Field::PrivateKey),
    }
}

/// The profile's identity-token source, once [`rules::check`] has accepted it.
fn source(s: &Settings) -> Option<TokenSource> {
    let value = s.get("assertion_source")?;
    TokenSource::parse(value, s.get("assertion_audience")).ok()
}

impl Provider for OAuth2 {
    fn name(&self) -> &'static str {
        "oauth2"
    }

    fn about(&self) -> &'static str {
        "Any RFC 6749 server (Okta, Auth0, Keycloak, Entra ID, …)"
    }

    fn keys(&self) -> &'static [KeySpec] {
        keys::KEYS
    }

    fn check(&self, s: &Settings) -> std::result::Result<(), Problem> {
        rules::check(s)
    }

    /// With `issuer`, the profile's endpoint is the issuer: its token endpoint is found by
    /// discovery when a token is fetched (never for a cache hit).
    fn default_endpoint(&self, v: &Values) -> Option<String> {
        v.get("issuer").map(str::to_string)
    }

    fn fields(&self) -> &'static [Field] {
        &[Field::ClientSecret, Field::PrivateKey]
    }

    fn secret_fields(&self, s: &Settings) -> Vec<Field> {
        let method = auth::method(s);
        if SECRET_METHODS.contains(&method) {
            vec![Field::ClientSecret]
        } else if matches!(method, "private_key_jwt" | "tls_client_auth")
            && key_from(s) == KeyFrom::Field(Field::PrivateKey)
        {
            vec![Field::PrivateKey]
        } else {
            Vec::new()
        }
    }

    fn needs(&self, s: &Settings, _grant: Grant) -> Vec<Field> {
        if SECRET_METHODS.contains(&auth::method(s)) {
            vec![Field::ClientSecret]
        } else {
            Vec::new()
        }
    }

    fn inputs(&self, s: &Settings, _grant: Grant) -> Vec<Input> {
        let method = auth::method(s);
        let mut out = Vec::new();
        match method {
            "private_key_jwt" => {
                out.push(Input::SigningKey {
                    from: key_from(s),
                    alg: s.get("signing_alg").and_then(Alg::named),
                });
                if let Some(cert) = s.get("client_cert_file") {
                    out.push(Input::Thumbprints(PathBuf::from(cert)));
                }
            }
            "tls_client_auth" => out.push(Input::ClientCertificate {
                chain: PathBuf::from(s.get("client_cert_file").unwrap_or_default()),
                key: key_from(s),
            }),
            _ => {}
        }
        if method == "federated" || exchange(s) {
            out.extend(source(s).map(Input::IdentityToken));
        }
        if let (Some(issuer), None) = (s.get("issuer"), s.get("token_url")) {
            out.push(Input::Discovery(Discovery {
                issuer: issuer.to_string(),
                mtls: method == "tls_client_auth",
                method: metadata_name(method),
            }));
        }
        out
    }

    fn build(&self, s: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest> {
        let Grant::Primary = grant else {
            return Err(super::unsupported(self.name(), grant));
        };
        let exchange = exchange(s);
        let mut fields: Vec<(&str, &str)> = Vec::with_capacity(12);
        let subject;
        if exchange {
            subject = inputs
                .identity_token
                .ok_or_else(|| Inputs::missing("the subject token"))?;
            fields.push(("grant_type", TOKEN_EXCHANGE_GRANT));
            fields.push(("subject_token", subject.expose()));
            fields.push((
                "subject_token_type",
                s.get("subject_token_type").unwrap_or(JWT_TOKEN_TYPE),
            ));
        } else {
            fields.push(("grant_type", CLIENT_CREDENTIALS));
        }
        let auth = auth::authenticate(s, inputs)?;
        fields.extend(auth.fields.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some(scope) = &s.scope {
            fields.push(("scope", scope));
        }
        for key in ["audience", "resource", "requested_token_type"] {
            if let Some(v) = s.get(key) {
                fields.push((key, v));
            }
        }
        for (k, v) in &s.params {
            fields.push((k, v));
        }
        let mut headers = auth.headers;
        headers.extend(super::form_headers());
        Ok(TokenRequest {
            headers,
            body: oauth::form_body(fields),
            grant: if exchange {
                TOKEN_EXCHANGE
            } else {
                CLIENT_CREDENTIALS
            },
            sensitive: auth.sensitive,
        })
    }

    fn credential(&self, values: &Values) -> Credential {
        match values.get("auth_method") {
            Some("client_secret_jwt" | "private_key_jwt" | "federated") => {
                Credential::ClientAssertion
            }
            Some("tls_client_auth") => Credential::ClientCertificate,
            Some("none") => Credential::SubjectToken,
            _ => Credential::ClientSecret,
        }
    }

    /// Everything that changes which token the server issues — never key material.
    fn identity(&self, s: &Settings) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for key in [
            "audience",
            "issuer",
            "resource",
            "private_key_file",
            "private_key_env",
            "key_id",
            "signing_alg",
            "client_cert_file",
            "assertion_source",
            "assertion_audience",
            "subject_token_type",
            "requested_token_type",
        ] {
            if let Some(v) = s.get(key) {
                out.push((key, v.to_string()));
            }
        }
        // Defaults are left out, so that the cache files of earlier versions stay valid.
        if let Some(m) = s.get("auth_method").filter(|m| *m != "basic") {
            out.push(("auth_method", m.to_string()));
        }
        if exchange(s) {
            out.push(("grant", TOKEN_EXCHANGE.to_string()));
        }
        out
    }
}

/// The profile's method as `token_endpoint_auth_methods_supported` names it (RFC 8414 §2,
/// OpenID Connect Discovery §3). A federated assertion is a JWT signed by someone else's key:
/// servers list it as `private_key_jwt`.
fn metadata_name(method: &str) -> &'static str {
    match method {
        "post" => "client_secret_post",
        "client_secret_jwt" => "client_secret_jwt",
        "private_key_jwt" | "federated" => "private_key_jwt",
        "tls_client_auth" => "tls_client_auth",
        "none" => "none",
        _ => "client_secret_basic",
    }
}

#[cfg(test)]
mod tests;
