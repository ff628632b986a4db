//! Where a federated assertion or a token-exchange subject token comes from (README "Secretless
//! CI"): the GitHub Actions ID-token service, an environment variable (GitLab CI `id_tokens`,
//! any CI), or a file read on every fetch (Kubernetes projected service-account tokens). Pure:
//! the flow reads the variable or the file, or sends the request built here.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::error::{Failure, Result};
use crate::oauth;

/// The variables GitHub Actions sets for a job with `permissions: id-token: write`.
pub const GITHUB_URL_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub const GITHUB_TOKEN_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// A source of identity tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The job's OIDC token from GitHub, for this audience.
    GitHubActions { audience: String },
    /// The value of this variable.
    Env(String),
    /// The content of this file, surrounding whitespace trimmed, read on every fetch.
    File(PathBuf),
}

impl TokenSource {
    /// `github-actions`, `env:VAR` or `file:PATH` (an absolute path, or `~/…`).
    pub fn parse(value: &str, audience: Option<&str>) -> std::result::Result<Self, String> {
        if value == "github-actions" {
            let Some(audience) = audience else {
                return Err(
                    "assertion_source = \"github-actions\" in profile `{profile}` needs assertion_audience: the audience the token is issued for, as the server's federation expects it (Entra ID: api://AzureADTokenExchange)"
                        .to_string(),
                );
            };
            return Ok(TokenSource::GitHubActions {
                audience: audience.to_string(),
            });
        }
        if let Some(var) = value.strip_prefix("env:") {
            if !valid_env_name(var) {
                return Err(format!(
                    "assertion_source = \"{value}\" in profile `{{profile}}`: `{var}` is not an environment variable name"
                ));
            }
            return Ok(TokenSource::Env(var.to_string()));
        }
        if let Some(path) = value.strip_prefix("file:") {
            let path = match path.strip_prefix("~/") {
                Some(rest) => dirs::home_dir().map(|h| h.join(rest)),
                None => Some(PathBuf::from(path)),
            };
            return match path {
                Some(p) if p.is_absolute() => Ok(TokenSource::File(p)),
                _ => Err(format!(
                    "assertion_source = \"{value}\" in profile `{{profile}}` needs an absolute path after file:"
                )),
            };
        }
        Err(format!(
            "assertion_source in profile `{{profile}}` must be \"github-actions\", \"env:VAR\" or \"file:PATH\", not \"{value}\""
        ))
    }

    /// What the source is, for messages and `secret status`.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::GitHubActions { audience } => {
                format!("GitHub Actions ID token (audience {audience})")
            }
            TokenSource::Env(var) => format!("env ${var}"),
            TokenSource::File(p) => format!("file {}", p.display()),
        }
    }

    /// The GitHub Actions ID-token request: GET `$ACTIONS_ID_TOKEN_REQUEST_URL` with
    /// `audience` added to its query, and the bearer token to send. `env` reads a variable.
    pub fn github_request(
        audience: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(String, Zeroizing<String>)> {
        let get = |var: &str| env(var).filter(|v| !v.is_empty());
        let (Some(url), Some(token)) = (get(GITHUB_URL_VAR), get(GITHUB_TOKEN_VAR)) else {
            let missing: Vec<&str> = [GITHUB_URL_VAR, GITHUB_TOKEN_VAR]
                .into_iter()
                .filter(|v| get(v).is_none())
                .collect();
            return Err(Failure::credentials(format!(
                "no GitHub Actions ID token: ${} not set (assertion_source = \"github-actions\")",
                missing.join(" and $")
            ))
            .hint("the workflow (or job) needs `permissions: id-token: write`, and tokfetch must run inside that job")
            .hint("outside GitHub Actions, use assertion_source = \"env:VAR\" or \"file:PATH\""));
        };
        // A CR, LF or any byte outside visible ASCII would split or corrupt the header: refused
        // before any request (and so never retried).
        if !token.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Failure::credentials(format!(
                "${GITHUB_TOKEN_VAR} is not a valid header value (it holds a control character, a space or a non-ASCII byte)"
            ))
            .hint("it must be the runner's token as GitHub sets it; check what overwrote it"));
        }
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}audience={}", oauth::form_encode(audience));
        Ok((url, Zeroizing::new(token)))
    }

    /// The token in the ID-token service's JSON reply (`{"value": "…"}`).
    pub fn github_value(body: &[u8]) -> Option<Zeroizing<String>> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let token = v.get("value")?.as_str()?.trim();
        (!token.is_empty()).then(|| Zeroizing::new(token.to_string()))
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`, as a `*_env` key's value.
fn valid_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!(
            TokenSource::parse("env:CI_JOB_JWT", None),
            Ok(TokenSource::Env("CI_JOB_JWT".into()))
        );
        assert_eq!(
            TokenSource::parse("file:/var/run/secrets/tokens/t", None),
            Ok(TokenSource::File("/var/run/secrets/tokens/t".into()))
        );
        assert_eq!(
            TokenSource::parse("github-actions", Some("api://AzureADTokenExchange")),
            Ok(TokenSource::GitHubActions {
                audience: "api://AzureADTokenExchange".into()
            })
        );
        for (bad, why) in [
            ("github-actions", "needs assertion_audience"),
            ("env:1X", "not an environment variable name"),
            ("file:relative/t", "absolute path"),
            ("gitlab", "must be \"github-actions\""),
        ] {
            let e = TokenSource::parse(bad, None).expect_err(bad);
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn github_request_adds_the_audience_to_the_query() {
        let env = |v: &str| match v {
            GITHUB_URL_VAR => Some("https://gh.example/token?api-version=2.0".to_string()),
            GITHUB_TOKEN_VAR => Some("req-token".to_string()),
            _ => None,
        };
        let (url, token) = TokenSource::github_request("api://x y", &env).expect("request");
        assert_eq!(
            url,
            "https://gh.example/token?api-version=2.0&audience=api%3A%2F%2Fx+y"
        );
        assert_eq!(token.as_str(), "req-token");
        let none = |_: &str| None;
        let e = TokenSource::github_request("a", &none).expect_err("missing");
        assert_eq!(e.kind, crate::error::Kind::Credentials);
        assert!(
            e.message
                .contains("$ACTIONS_ID_TOKEN_REQUEST_URL and $ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        );
        assert!(e.hints[0].contains("permissions: id-token: write"));
    }

    #[test]
    fn github_replies_carry_the_token_in_value() {
        assert_eq!(
            TokenSource::github_value(br#"{"count":1,"value":"a.b.c"}"#)
                .as_deref()
                .map(String::as_str),
            Some("a.b.c")
        );
        assert!(TokenSource::github_value(br#"{"value":""}"#).is_none());
        assert!(TokenSource::github_value(b"<html>").is_none());
    }
}
