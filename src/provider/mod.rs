//! Token requests per provider, without I/O: what goes on the wire for each `provider =`.
//! One file per provider; each turns a profile and its secrets into a [`TokenRequest`].

mod andopen;
mod configapi;
mod oauth2;
mod onepassword;

use zeroize::Zeroizing;

use crate::config::{Profile, Provider};
use crate::error::{Failure, Result};
use crate::secret::Secret;

/// One request header. Sensitive values (credentials) are never logged.
#[derive(Debug)]
pub struct Header {
    pub name: &'static str,
    pub value: Zeroizing<String>,
    pub sensitive: bool,
}

impl Header {
    fn plain(name: &'static str, value: &str) -> Self {
        Header {
            name,
            value: Zeroizing::new(value.to_string()),
            sensitive: false,
        }
    }

    fn secret(name: &'static str, value: Zeroizing<String>) -> Self {
        Header {
            name,
            value,
            sensitive: true,
        }
    }
}

/// A complete token request: POST `url` with these headers and this body.
#[derive(Debug)]
pub struct TokenRequest {
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Zeroizing<Vec<u8>>,
    /// `client_credentials` or `refresh_token`, for `-v`.
    pub grant: &'static str,
}

impl TokenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// Which grant to perform.
#[derive(Debug, Clone, Copy)]
pub enum Grant<'a> {
    ClientCredentials,
    /// RFC 6749 §6, with a refresh token kept from an earlier response (&Open only).
    Refresh(&'a str),
}

/// The secrets a request may need.
#[derive(Debug, Default, Clone, Copy)]
pub struct Credentials<'a> {
    pub client_secret: Option<&'a Secret>,
    pub api_key: Option<&'a Secret>,
}

impl<'a> Credentials<'a> {
    fn client_secret(&self) -> Result<&'a Secret> {
        self.client_secret
            .ok_or_else(|| Failure::internal("client_secret was not loaded before the request"))
    }

    fn api_key(&self) -> Result<&'a Secret> {
        self.api_key
            .ok_or_else(|| Failure::internal("api_key was not loaded before the request"))
    }
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// Build the request for `profile`.
pub fn build(profile: &Profile, grant: Grant, creds: Credentials) -> Result<TokenRequest> {
    match (&profile.provider, grant) {
        (Provider::OnePassword { .. }, Grant::ClientCredentials) => {
            onepassword::request(profile, creds.client_secret()?)
        }
        (Provider::AndOpen { tenant, .. }, grant) => {
            andopen::request(profile, tenant, grant, creds)
        }
        (Provider::ConfigApi { .. }, Grant::ClientCredentials) => {
            configapi::request(profile, creds.client_secret()?)
        }
        (Provider::OAuth2 { auth_method }, Grant::ClientCredentials) => {
            oauth2::request(profile, *auth_method, creds.client_secret()?)
        }
        (_, Grant::Refresh(_)) => Err(Failure::internal(format!(
            "provider {} has no refresh grant",
            profile.kind().name()
        ))),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use crate::config::{self, Profile};

    /// A profile parsed from a config snippet, for request-shape tests.
    pub fn profile(toml: &str) -> Profile {
        let cfg = config::parse(Path::new("/t/config.toml"), toml)
            .unwrap_or_else(|e| panic!("test config: {}", e.message));
        cfg.profiles
            .into_values()
            .next()
            .unwrap_or_else(|| panic!("test config has no profile"))
    }

    pub fn body(req: &super::TokenRequest) -> String {
        String::from_utf8(req.body.to_vec()).unwrap_or_else(|_| panic!("body is not UTF-8"))
    }
}
