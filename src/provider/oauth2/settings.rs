//! What an oauth2 profile's keys mean, typed once when the config is read ([`super::rules`]
//! makes it and checks it): the request, the inputs and the cache identity match on these, and
//! never read a value of the config again.

use std::path::PathBuf;

use super::keys::{
    AUTHORIZATION_CODE, CLIENT_CREDENTIALS, DEVICE_CODE, JWT_BEARER_GRANT, TOKEN_EXCHANGE,
};
use super::sources::TokenSource;
use crate::jws::Alg;
use crate::provider::KeyFrom;
use crate::secret::Field;

/// How the client authenticates at the token endpoint (`auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic, both parts form-encoded first (RFC 6749 §2.3.1).
    Basic,
    /// HTTP Basic over the raw pair, as `curl --user` sends it.
    BasicUnencoded,
    /// `client_id` and `client_secret` in the body.
    Post,
    /// An HS256 assertion signed with the client secret.
    ClientSecretJwt,
    /// An assertion signed with the profile's private key (RFC 7523).
    PrivateKeyJwt,
    /// The certificate in the TLS handshake (RFC 8705).
    TlsClientAuth,
    /// An identity token from outside as the assertion.
    Federated,
    /// Only the `client_id` (a token exchange, a JWT bearer grant whose assertion is the
    /// credential, or a public client's user grant).
    None,
}

impl AuthMethod {
    /// Every method, in the order help lists them.
    pub const ALL: [AuthMethod; 8] = [
        AuthMethod::Basic,
        AuthMethod::BasicUnencoded,
        AuthMethod::Post,
        AuthMethod::ClientSecretJwt,
        AuthMethod::PrivateKeyJwt,
        AuthMethod::TlsClientAuth,
        AuthMethod::Federated,
        AuthMethod::None,
    ];

    /// The `auth_method = "…"` value.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Basic => "basic",
            AuthMethod::BasicUnencoded => "basic-unencoded",
            AuthMethod::Post => "post",
            AuthMethod::ClientSecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::TlsClientAuth => "tls_client_auth",
            AuthMethod::Federated => "federated",
            AuthMethod::None => "none",
        }
    }

    pub fn named(name: &str) -> Option<AuthMethod> {
        AuthMethod::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Authenticates with the client secret.
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            AuthMethod::Basic
                | AuthMethod::BasicUnencoded
                | AuthMethod::Post
                | AuthMethod::ClientSecretJwt
        )
    }

    /// Uses the profile's private key (to sign, or in the TLS handshake).
    pub fn keyed(self) -> bool {
        matches!(self, AuthMethod::PrivateKeyJwt | AuthMethod::TlsClientAuth)
    }

    /// Sends an assertion it signs itself.
    pub fn signs(self) -> bool {
        matches!(
            self,
            AuthMethod::PrivateKeyJwt | AuthMethod::ClientSecretJwt
        )
    }

    /// The method as `token_endpoint_auth_methods_supported` names it (RFC 8414 §2, OpenID
    /// Connect Discovery §3). A federated assertion is a JWT signed by someone else's key:
    /// servers list it as `private_key_jwt`.
    pub fn metadata_name(self) -> &'static str {
        match self {
            AuthMethod::Basic | AuthMethod::BasicUnencoded => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
            AuthMethod::ClientSecretJwt => "client_secret_jwt",
            AuthMethod::PrivateKeyJwt | AuthMethod::Federated => "private_key_jwt",
            AuthMethod::TlsClientAuth => "tls_client_auth",
            AuthMethod::None => "none",
        }
    }
}

/// The profile's own grant (`grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    ClientCredentials,
    /// RFC 8693: an identity token traded for one of this server's.
    TokenExchange,
    /// RFC 7523 §2.1: a JWT (signed by the profile's key, or from `assertion_source`) as the
    /// authorization grant.
    JwtBearer,
    /// RFC 8628: a user's token, authorized on another device.
    DeviceCode,
    /// RFC 6749 §4.1 with PKCE (RFC 7636): a user's token, authorized in a browser that
    /// redirects to a loopback listener (RFC 8252).
    AuthorizationCode,
}

impl GrantType {
    pub fn name(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => CLIENT_CREDENTIALS,
            GrantType::TokenExchange => TOKEN_EXCHANGE,
            GrantType::JwtBearer => JWT_BEARER_GRANT,
            GrantType::DeviceCode => DEVICE_CODE,
            GrantType::AuthorizationCode => AUTHORIZATION_CODE,
        }
    }

    /// A grant that gets a user's token: it needs the user, once, then a refresh token.
    pub fn interactive(self) -> bool {
        matches!(self, GrantType::DeviceCode | GrantType::AuthorizationCode)
    }

    pub fn named(name: &str) -> Option<GrantType> {
        [
            GrantType::ClientCredentials,
            GrantType::TokenExchange,
            GrantType::JwtBearer,
            GrantType::DeviceCode,
            GrantType::AuthorizationCode,
        ]
        .into_iter()
        .find(|g| g.name() == name)
    }
}

/// Where the token endpoint comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `token_url`.
    TokenUrl,
    /// Discovery from this issuer, when a token is fetched.
    Issuer(String),
}

/// Where an identity token comes from: as the profile writes it (the cache identity keeps
/// those words) and what that means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionSource {
    pub written: String,
    pub source: TokenSource,
}

/// An oauth2 profile's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Settings {
    pub auth: AuthMethod,
    pub grant: GrantType,
    pub endpoint: Endpoint,
    pub private_key_file: Option<PathBuf>,
    /// The variable `private_key_env` names.
    pub private_key_env: Option<String>,
    pub key_id: Option<String>,
    /// `None`: the key's own algorithm.
    pub signing_alg: Option<Alg>,
    pub client_cert_file: Option<PathBuf>,
    pub assertion_source: Option<AssertionSource>,
    pub assertion_audience: Option<String>,
    /// `iss` of a JWT bearer grant's assertion (default: the client id).
    pub assertion_issuer: Option<String>,
    /// `sub` of a JWT bearer grant's assertion (default: its `iss`).
    pub assertion_subject: Option<String>,
    pub audience: Option<String>,
    pub resource: Option<String>,
    pub subject_token_type: Option<String>,
    pub requested_token_type: Option<String>,
    /// `dpop = true`: the algorithm of each token's DPoP key (RFC 9449).
    pub dpop: Option<Alg>,
    /// `authorization_url`: the authorization endpoint (authorization_code).
    pub authorization_url: Option<String>,
    /// `device_authorization_url` (RFC 8628 §3.1).
    pub device_authorization_url: Option<String>,
    /// `revocation_url` (RFC 7009).
    pub revocation_url: Option<String>,
    /// `redirect_port`: the loopback redirect's port; `None`: an ephemeral one.
    pub redirect_port: Option<u16>,
}

impl OAuth2Settings {
    pub fn exchange(&self) -> bool {
        self.grant == GrantType::TokenExchange
    }

    /// A JWT bearer grant whose assertion tokfetch signs with the profile's key (rather than
    /// one taken from `assertion_source`).
    pub fn signs_grant(&self) -> bool {
        self.grant == GrantType::JwtBearer && self.assertion_source.is_none()
    }

    /// The profile's private key signs something: a client assertion, the grant's assertion,
    /// or the TLS handshake.
    pub fn uses_key(&self) -> bool {
        self.auth.keyed() || self.signs_grant()
    }

    /// The identity token from `assertion_source` is sent: as the client assertion, the
    /// subject token or the grant's assertion.
    pub fn uses_source(&self) -> bool {
        self.auth == AuthMethod::Federated || self.exchange() || self.grant == GrantType::JwtBearer
    }

    /// Where the private key comes from: its file, else the secret field.
    pub fn key_from(&self) -> KeyFrom {
        match &self.private_key_file {
            Some(path) => KeyFrom::File(path.clone()),
            None => KeyFrom::Field(Field::PrivateKey),
        }
    }

    /// The identity token's source, where one is used.
    pub fn source(&self) -> Option<&TokenSource> {
        self.assertion_source.as_ref().map(|a| &a.source)
    }

    /// Everything that changes which token the server issues — never key material — as the
    /// config says it, in the order the cache files of 0.2.0 have it.
    pub fn identity(&self) -> Vec<(&'static str, String)> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        let issuer = match &self.endpoint {
            Endpoint::Issuer(i) => Some(i.clone()),
            Endpoint::TokenUrl => None,
        };
        let values = [
            ("audience", self.audience.clone()),
            ("issuer", issuer),
            ("resource", self.resource.clone()),
            ("private_key_file", path(&self.private_key_file)),
            ("private_key_env", self.private_key_env.clone()),
            ("key_id", self.key_id.clone()),
            (
                "signing_alg",
                self.signing_alg.map(|a| a.name().to_string()),
            ),
            ("client_cert_file", path(&self.client_cert_file)),
            (
                "assertion_source",
                self.assertion_source.as_ref().map(|a| a.written.clone()),
            ),
            ("assertion_audience", self.assertion_audience.clone()),
            ("assertion_issuer", self.assertion_issuer.clone()),
            ("assertion_subject", self.assertion_subject.clone()),
            ("subject_token_type", self.subject_token_type.clone()),
            ("requested_token_type", self.requested_token_type.clone()),
        ];
        let mut out: Vec<(&'static str, String)> = values
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        // Defaults are left out, so that the cache files of earlier versions stay valid.
        if self.auth != AuthMethod::Basic {
            out.push(("auth_method", self.auth.name().to_string()));
        }
        if self.grant != GrantType::ClientCredentials {
            out.push(("grant", self.grant.name().to_string()));
        }
        // A DPoP token is another kind of token; the cache adds the thumbprint of the key it
        // is bound to.
        if let Some(alg) = self.dpop {
            out.push(("dpop_alg", alg.name().to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_spec_lists_every_method_and_grant_by_its_name() {
        let names: Vec<&str> = AuthMethod::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names, super::super::keys::METHODS);
        for m in AuthMethod::ALL {
            assert_eq!(AuthMethod::named(m.name()), Some(m));
        }
        for g in [
            CLIENT_CREDENTIALS,
            TOKEN_EXCHANGE,
            JWT_BEARER_GRANT,
            DEVICE_CODE,
            AUTHORIZATION_CODE,
        ] {
            assert_eq!(GrantType::named(g).map(GrantType::name), Some(g));
        }
    }
}
