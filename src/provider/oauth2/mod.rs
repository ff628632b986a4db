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
mod settings;
mod sources;

pub use discovery::{Discovery, Metadata, discovered_endpoint};
pub use settings::OAuth2Settings;
pub use sources::{GITHUB_TOKEN_VAR, GITHUB_URL_VAR, TokenSource};

use super::{
    Grant, Input, Inputs, KeySpec, Own, Problem, Provider, Settings, TokenRequest, UserGrant,
    UserGrantKind, Values,
};
use crate::endpoint::Credential;
use crate::error::Result;
use crate::oauth;
use crate::secret::Field;
use keys::{CLIENT_CREDENTIALS, JWT_BEARER_GRANT, JWT_TOKEN_TYPE};
use settings::{AuthMethod, Endpoint, GrantType};

pub struct OAuth2;

/// RFC 8693 §2.1.
const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// RFC 7523 §2.1.
pub(crate) const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The profile's oauth2 settings, as [`rules::settle`] made them.
fn own(s: &Settings) -> Option<&OAuth2Settings> {
    match &s.own {
        Own::OAuth2(o) => Some(o),
        _ => None,
    }
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

    fn settle(&self, s: &Settings, v: &Values) -> std::result::Result<Own, Problem> {
        rules::settle(s, v).map(|o| Own::OAuth2(Box::new(o)))
    }

    /// With `issuer`, the profile's endpoint is the issuer: its token endpoint is found by
    /// discovery when a token is fetched (never for a cache hit).
    fn default_endpoint(&self, v: &Values) -> Option<(String, Option<&'static str>)> {
        v.get("issuer").map(|i| (i.to_string(), Some("issuer")))
    }

    fn endpoint_keys(&self) -> &'static str {
        "`token_url` (or `issuer`, to find the token endpoint by discovery)"
    }

    /// `assertion_source = "env:VAR"`.
    fn variable_in(&self, key: &str, value: &str) -> Option<String> {
        (key == "assertion_source")
            .then(|| value.strip_prefix("env:").map(str::to_string))
            .flatten()
    }

    fn fields(&self) -> &'static [Field] {
        &[Field::ClientSecret, Field::PrivateKey]
    }

    fn secret_fields(&self, s: &Settings) -> Vec<Field> {
        let Some(o) = own(s) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if o.auth.uses_secret() {
            out.push(Field::ClientSecret);
        }
        if o.uses_key() && o.private_key_file.is_none() {
            out.push(Field::PrivateKey);
        }
        out
    }

    fn needs(&self, s: &Settings, _grant: Grant) -> Vec<Field> {
        match own(s) {
            Some(o) if o.auth.uses_secret() => vec![Field::ClientSecret],
            _ => Vec::new(),
        }
    }

    fn inputs(&self, s: &Settings, _grant: Grant) -> Vec<Input> {
        let Some(o) = own(s) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // One key signs both the client assertion and the grant's assertion.
        if o.auth == AuthMethod::PrivateKeyJwt || o.signs_grant() {
            out.push(Input::SigningKey {
                from: o.key_from(),
                alg: o.signing_alg,
            });
        }
        match o.auth {
            AuthMethod::PrivateKeyJwt => {
                if let Some(cert) = &o.client_cert_file {
                    out.push(Input::Thumbprints(cert.clone()));
                }
            }
            AuthMethod::TlsClientAuth => out.push(Input::ClientCertificate {
                chain: o.client_cert_file.clone().unwrap_or_default(),
                key: o.key_from(),
            }),
            _ => {}
        }
        if o.uses_source() {
            out.extend(o.source().cloned().map(Input::IdentityToken));
        }
        if let Endpoint::Issuer(issuer) = &o.endpoint {
            out.push(Input::Discovery(Discovery {
                issuer: issuer.clone(),
                mtls: o.auth == AuthMethod::TlsClientAuth,
                method: o.auth.metadata_name(),
            }));
        }
        out
    }

    fn build(&self, s: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest> {
        let o = own(s).ok_or_else(|| super::unsettled(self.name()))?;
        if !matches!(grant, Grant::Primary) {
            return user_request(s, o, grant, inputs);
        }
        if o.grant.interactive() {
            // A user's grant has no request of its own without the user: the flow asks for a
            // code first (`login`), then sends one of the grants above.
            return Err(super::unsupported(self.name(), grant));
        }
        let mut fields: Vec<(&str, &str)> = Vec::with_capacity(12);
        let subject;
        let signed;
        let mut sensitive = Vec::new();
        match o.grant {
            GrantType::TokenExchange => {
                subject = inputs
                    .identity_token
                    .ok_or_else(|| Inputs::missing("the subject token"))?;
                fields.push(("grant_type", TOKEN_EXCHANGE_GRANT));
                fields.push(("subject_token", subject.expose()));
                fields.push((
                    "subject_token_type",
                    o.subject_token_type.as_deref().unwrap_or(JWT_TOKEN_TYPE),
                ));
            }
            GrantType::JwtBearer => {
                fields.push(("grant_type", JWT_BEARER_GRANT_TYPE));
                if o.signs_grant() {
                    signed = auth::grant_assertion(s, o, inputs)?;
                    sensitive.push(signed.clone());
                    fields.push(("assertion", signed.as_str()));
                } else {
                    subject = inputs
                        .identity_token
                        .ok_or_else(|| Inputs::missing("the assertion"))?;
                    fields.push(("assertion", subject.expose()));
                }
            }
            GrantType::ClientCredentials | GrantType::DeviceCode | GrantType::AuthorizationCode => {
                fields.push(("grant_type", CLIENT_CREDENTIALS))
            }
        }
        let auth = auth::authenticate(s, o, inputs)?;
        fields.extend(auth.fields.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some(scope) = &s.scope {
            fields.push(("scope", scope));
        }
        for (key, value) in [
            ("audience", &o.audience),
            ("resource", &o.resource),
            ("requested_token_type", &o.requested_token_type),
        ] {
            if let Some(v) = value {
                fields.push((key, v));
            }
        }
        for (k, v) in &s.params {
            fields.push((k, v));
        }
        let mut headers = auth.headers;
        headers.extend(super::form_headers());
        sensitive.extend(auth.sensitive);
        if o.dpop.is_some() {
            let proof = dpop_proof(s, inputs)?;
            headers.push(crate::request::Header::new("DPoP", proof.as_str()));
            sensitive.push(proof);
        }
        Ok(TokenRequest {
            headers,
            body: oauth::form_body(fields),
            grant: o.grant.name(),
            sensitive,
            id_token: false,
        })
    }

    fn user_grant(&self, s: &Settings) -> Option<UserGrant> {
        let o = own(s)?;
        let kind = match o.grant {
            GrantType::DeviceCode => UserGrantKind::Device,
            GrantType::AuthorizationCode => UserGrantKind::Code,
            _ => return None,
        };
        let mut extra: Vec<(String, String)> =
            [("audience", &o.audience), ("resource", &o.resource)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
                .collect();
        extra.extend(s.params.iter().cloned());
        Some(UserGrant {
            kind,
            issuer: match &o.endpoint {
                Endpoint::Issuer(i) => Some(i.clone()),
                Endpoint::TokenUrl => None,
            },
            authorization_url: o.authorization_url.clone(),
            device_authorization_url: o.device_authorization_url.clone(),
            revocation_url: o.revocation_url.clone(),
            redirect_port: o.redirect_port,
            public: o.auth == AuthMethod::None,
            extra,
        })
    }

    fn dpop(&self, s: &Settings) -> Option<crate::jws::Alg> {
        own(s).and_then(|o| o.dpop)
    }

    fn client_auth(&self, s: &Settings) -> String {
        own(s).map_or("basic", |o| o.auth.name()).to_string()
    }

    fn credential(&self, values: &Values) -> Credential {
        let bearer = values.get("grant") == Some(JWT_BEARER_GRANT);
        let user = values
            .get("grant")
            .and_then(GrantType::named)
            .is_some_and(GrantType::interactive);
        match values.get("auth_method").and_then(AuthMethod::named) {
            Some(AuthMethod::None) if user => Credential::UserGrant,
            Some(AuthMethod::None) if bearer => Credential::ClientAssertion,
            Some(
                AuthMethod::ClientSecretJwt | AuthMethod::PrivateKeyJwt | AuthMethod::Federated,
            ) => Credential::ClientAssertion,
            Some(AuthMethod::TlsClientAuth) => Credential::ClientCertificate,
            Some(AuthMethod::None) => Credential::SubjectToken,
            _ => Credential::ClientSecret,
        }
    }

    /// Everything that changes which token the server issues — never key material.
    fn identity(&self, s: &Settings) -> Vec<(&'static str, String)> {
        own(s).map(OAuth2Settings::identity).unwrap_or_default()
    }
}

/// RFC 8628 §3.4.
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The requests of a user's grant (README "User tokens"): the device authorization request
/// (client authentication, scope, audience, resource and params), the token requests for a
/// device code, an authorization code with its PKCE verifier, and a refresh token (the grant
/// fields and client authentication only), and a revocation (RFC 7009).
fn user_request(
    s: &Settings,
    o: &OAuth2Settings,
    grant: Grant,
    inputs: &Inputs,
) -> Result<TokenRequest> {
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(8);
    let label = match grant {
        Grant::Refresh(rt) => {
            fields.push(("grant_type", "refresh_token"));
            fields.push(("refresh_token", rt));
            "refresh_token"
        }
        Grant::DeviceCode(code) => {
            fields.push(("grant_type", DEVICE_CODE_GRANT));
            fields.push(("device_code", code));
            "device_code"
        }
        Grant::AuthorizationCode {
            code,
            verifier,
            redirect_uri,
        } => {
            fields.push(("grant_type", "authorization_code"));
            fields.push(("code", code));
            fields.push(("redirect_uri", redirect_uri));
            fields.push(("code_verifier", verifier));
            "authorization_code"
        }
        Grant::DeviceAuthorization => {
            if let Some(scope) = &s.scope {
                fields.push(("scope", scope));
            }
            for (key, value) in [("audience", &o.audience), ("resource", &o.resource)] {
                if let Some(v) = value {
                    fields.push((key, v));
                }
            }
            for (k, v) in &s.params {
                fields.push((k, v));
            }
            "device authorization"
        }
        Grant::Revocation { token, hint } => {
            fields.push(("token", token));
            fields.push(("token_type_hint", hint));
            "revocation"
        }
        Grant::Primary => return Err(super::unsupported("oauth2", grant)),
    };
    let auth = auth::authenticate(s, o, inputs)?;
    fields.extend(auth.fields.iter().map(|(k, v)| (*k, v.as_str())));
    let mut headers = auth.headers;
    headers.extend(super::form_headers());
    Ok(TokenRequest {
        headers,
        body: oauth::form_body(fields),
        grant: label,
        sensitive: auth.sensitive,
        id_token: false,
    })
}

/// The DPoP proof of the token request (RFC 9449 §5): `POST` to the token endpoint, with the
/// server's nonce once it asked for one.
fn dpop_proof(s: &Settings, inputs: &Inputs) -> Result<zeroize::Zeroizing<String>> {
    let d = inputs.dpop.ok_or_else(|| Inputs::missing("the DPoP key"))?;
    d.key
        .proof(&crate::jws::Proof {
            method: "POST",
            url: &s.endpoint.url,
            now: inputs.now,
            jti: d.jti,
            nonce: d.nonce,
            access_token: None,
        })
        .map_err(|e| crate::error::Failure::internal(format!("cannot sign the DPoP proof: {e}")))
}

#[cfg(test)]
mod tests;
