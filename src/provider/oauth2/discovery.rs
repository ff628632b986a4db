//! Finding the token endpoint from `issuer` (README "Discovery"): OpenID Connect Discovery 1.0
//! §4 first, RFC 8414 §3 second; the document must name the configured issuer exactly (RFC 8414
//! §3.3) and, when it lists client authentication methods, the profile's. Pure: the flow
//! fetches the documents and keeps them in the cache.

use serde::{Deserialize, Serialize};

use crate::endpoint::{self, Endpoint};
use crate::error::{Failure, Result};
use crate::oauth;

/// What the flow must find out about an issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub issuer: String,
    /// The client authenticates in the TLS handshake: prefer
    /// `mtls_endpoint_aliases.token_endpoint` (RFC 8705 §5).
    pub mtls: bool,
    /// The profile's `auth_method` as metadata names it.
    pub method: &'static str,
}

/// The part of a discovery document tokfetch uses; also what the cache keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub mtls_token_endpoint: Option<String>,
    /// `token_endpoint_auth_methods_supported`, when the document lists it.
    pub auth_methods: Option<Vec<String>>,
    /// The endpoints of a user's grant (README "User tokens"); documents cached by earlier
    /// versions lack them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3).
    #[serde(default)]
    pub iss_parameter_supported: bool,
}

impl Discovery {
    /// The OpenID Connect URL (the issuer, path included, then `/.well-known/…`), then the
    /// RFC 8414 one (`/.well-known/oauth-authorization-server` inserted before the path).
    pub fn urls(&self) -> [String; 2] {
        let issuer = self.issuer.trim_end_matches('/');
        let oidc = format!("{issuer}/.well-known/openid-configuration");
        let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
        let (origin, path) = match issuer[after_scheme..].find('/') {
            Some(i) => issuer.split_at(after_scheme + i),
            None => (issuer, ""),
        };
        [
            oidc,
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
        ]
    }

    /// The metadata in a document fetched from `url`: a JSON object naming the configured
    /// issuer exactly, with a `token_endpoint`.
    pub fn read(&self, url: &str, body: &[u8]) -> Result<Metadata> {
        let doc: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
            Failure::unusable(format!(
                "the discovery document at {url} is not JSON ({} bytes)",
                body.len()
            ))
        })?;
        let text = |name: &str| doc.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let issuer = text("issuer").unwrap_or_default();
        if issuer != self.issuer {
            return Err(Failure::unusable(format!(
                "the discovery document at {url} is for issuer \"{}\", not the configured \"{}\"",
                oauth::escape(&issuer, 200),
                self.issuer
            ))
            .hint("the issuer must match exactly (RFC 8414 §3.3), trailing slash included: if that server is the one you mean, set issuer to its value"));
        }
        let Some(token_endpoint) = text("token_endpoint") else {
            return Err(Failure::unusable(format!(
                "the discovery document at {url} has no token_endpoint"
            )));
        };
        let auth_methods = doc
            .get("token_endpoint_auth_methods_supported")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            });
        let mtls_token_endpoint = doc
            .get("mtls_endpoint_aliases")
            .and_then(|a| a.get("token_endpoint"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        Ok(Metadata {
            issuer,
            token_endpoint,
            mtls_token_endpoint,
            auth_methods,
            authorization_endpoint: text("authorization_endpoint"),
            device_authorization_endpoint: text("device_authorization_endpoint"),
            revocation_endpoint: text("revocation_endpoint"),
            iss_parameter_supported: doc
                .get("authorization_response_iss_parameter_supported")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// The token endpoint to use: the method must be one the server lists (when it lists
    /// any), and the URL must be one tokfetch may send credentials to.
    pub fn token_endpoint(&self, m: &Metadata) -> Result<Endpoint> {
        if let Some(methods) = &m.auth_methods
            && !methods.iter().any(|x| x == self.method)
        {
            let listed: Vec<String> = methods.iter().map(|x| oauth::escape(x, 60)).collect();
            return Err(Failure::config(format!(
                "the server of issuer {} does not support the client authentication tokfetch would use ({}); it supports: {}",
                self.issuer,
                self.method,
                listed.join(", ")
            ))
            .hint("set auth_method in the profile to a method the server supports"));
        }
        let url = match (&m.mtls_token_endpoint, self.mtls) {
            (Some(alias), true) => alias,
            _ => &m.token_endpoint,
        };
        discovered(url, &self.issuer)
    }
}

/// Another endpoint the document names (`authorization_endpoint`,
/// `device_authorization_endpoint`, `revocation_endpoint`), under the rules of the token
/// endpoint.
pub fn discovered_endpoint(url: &str, issuer: &str, name: &str) -> Result<Endpoint> {
    discovered(url, issuer).map_err(|f| {
        Failure::unusable(
            f.message
                .replacen("the token endpoint", &format!("the {name}"), 1),
        )
    })
}

/// A discovered token endpoint (README "Discovery"): https without userinfo; plain http only
/// when the issuer itself is plain http on loopback, and then only on the same host. Anything
/// else is a document tokfetch will not follow with credentials (exit 7). `allow_insecure_http`
/// does not widen this: it covers the `token_url` a user typed, not one a server names.
fn discovered(url: &str, issuer: &str) -> Result<Endpoint> {
    let refuse = |why: String| {
        Failure::unusable(format!(
            "the discovery document of {issuer} names the token endpoint `{}`: {why}; no credential is sent there",
            oauth::escape(url, 200)
        ))
    };
    let e = endpoint::parse(url, true).map_err(refuse)?;
    if e.https {
        return Ok(e);
    }
    let from = endpoint::parse(issuer, true).ok();
    let allowed = from.is_some_and(|i| {
        !i.https && endpoint::is_loopback(&i.host) && i.host.eq_ignore_ascii_case(&e.host)
    });
    if allowed {
        Ok(e)
    } else {
        Err(refuse(
            "it is plain http, and only an http issuer on loopback may name an http endpoint on its own host"
                .to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    fn d(issuer: &str) -> Discovery {
        Discovery {
            issuer: issuer.to_string(),
            mtls: false,
            method: "private_key_jwt",
        }
    }

    #[test]
    fn urls_for_issuers_with_and_without_a_path() {
        assert_eq!(
            d("https://idp.example").urls(),
            [
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server"
            ]
        );
        assert_eq!(
            d("https://login.example/tenant/v2.0/").urls(),
            [
                "https://login.example/tenant/v2.0/.well-known/openid-configuration",
                "https://login.example/.well-known/oauth-authorization-server/tenant/v2.0"
            ]
        );
    }

    #[test]
    fn the_issuer_must_match_exactly() {
        let doc = br#"{"issuer":"https://idp.example/","token_endpoint":"https://idp.example/t"}"#;
        let e = d("https://idp.example")
            .read("u", doc)
            .expect_err("foreign");
        assert_eq!(e.kind, Kind::Unusable);
        assert!(
            e.message.contains("for issuer \"https://idp.example/\""),
            "{}",
            e.message
        );
        let m = d("https://idp.example/").read("u", doc).expect("ok");
        assert_eq!(m.token_endpoint, "https://idp.example/t");
        assert_eq!(
            d("x").read("u", b"<html>").expect_err("html").kind,
            Kind::Unusable
        );
        let e = d("https://i")
            .read("u", br#"{"issuer":"https://i"}"#)
            .expect_err("none");
        assert!(e.message.contains("no token_endpoint"));
    }

    #[test]
    fn methods_and_mtls_aliases() {
        let doc = br#"{"issuer":"https://i","token_endpoint":"https://i/t",
            "mtls_endpoint_aliases":{"token_endpoint":"https://mtls.i/t"},
            "token_endpoint_auth_methods_supported":["client_secret_basic","tls_client_auth"]}"#;
        let m = d("https://i").read("u", doc).expect("ok");
        let e = d("https://i").token_endpoint(&m).expect_err("unsupported");
        assert_eq!(e.kind, Kind::Config);
        assert!(
            e.message.contains("client_secret_basic, tls_client_auth"),
            "{}",
            e.message
        );
        let tls = Discovery {
            mtls: true,
            method: "tls_client_auth",
            ..d("https://i")
        };
        assert_eq!(tls.token_endpoint(&m).expect("ok").url, "https://mtls.i/t");
        let basic = Discovery {
            method: "client_secret_basic",
            ..d("https://i")
        };
        assert_eq!(basic.token_endpoint(&m).expect("ok").url, "https://i/t");
        let plain = Metadata {
            token_endpoint: "http://i.example/t".into(),
            auth_methods: None,
            ..m
        };
        let e = basic.token_endpoint(&plain).expect_err("http");
        assert_eq!(e.kind, Kind::Unusable);
        assert!(e.message.contains("plain http"), "{}", e.message);
    }

    #[test]
    fn discovered_endpoints_are_https_without_userinfo_or_loopback_http_on_the_issuers_host() {
        let ok = |issuer: &str, url: &str| discovered(url, issuer).ok().map(|e| e.url);
        assert_eq!(
            ok("https://i.example", "https://other.example/t").as_deref(),
            Some("https://other.example/t")
        );
        assert_eq!(
            ok("http://127.0.0.1:9", "http://127.0.0.1:10/t").as_deref(),
            Some("http://127.0.0.1:10/t")
        );
        for (issuer, url) in [
            ("https://127.0.0.1:9", "http://127.0.0.1:10/t"),
            ("https://i.example", "http://i.example/t"),
            ("http://127.0.0.1:9", "http://localhost:10/t"),
            ("http://127.0.0.1:9", "http://evil.example/t"),
            ("https://i.example", "https://u:p@i.example/t"),
            ("https://i.example", "ftp://i.example/t"),
        ] {
            let e = discovered(url, issuer).expect_err(url);
            assert_eq!(e.kind, Kind::Unusable, "{url}");
        }
    }
}
