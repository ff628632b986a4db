//! What tokfetch prints (README "Using the token"): the output formats of `get` — raw, json,
//! header, curl config, shell `export` — and the two ways anything reaches the terminal:
//! [`emit`] for the requested output on stdout, [`note`] for a remark on stderr.

use std::io::Write;

use serde::Serialize;

use crate::error::Failure;
use crate::format::Format;
use crate::secret::Secret;
use crate::time;
use crate::token::Token;

/// The Kubernetes credential-plugin API versions tokfetch answers in.
const EXEC_V1: &str = "client.authentication.k8s.io/v1";
const EXEC_V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

#[derive(Serialize)]
struct ExecCredential<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    status: ExecStatus<'a>,
}

#[derive(Serialize)]
struct ExecStatus<'a> {
    token: &'a str,
    /// Absent when the lifetime is unknown: kubectl then asks again on every call.
    #[serde(
        rename = "expirationTimestamp",
        skip_serializing_if = "Option::is_none"
    )]
    expiration_timestamp: Option<String>,
}

/// The API version to answer in: `v1beta1` when kubectl's `$KUBERNETES_EXEC_INFO` asks for
/// it (kubeconfigs written for older clusters), else `v1`.
pub fn exec_api_version(exec_info: Option<&str>) -> &'static str {
    let asked = exec_info
        .and_then(|i| serde_json::from_str::<serde_json::Value>(i).ok())
        .and_then(|v| v.get("apiVersion")?.as_str().map(str::to_string));
    match asked.as_deref() {
        Some(EXEC_V1BETA1) => EXEC_V1BETA1,
        _ => EXEC_V1,
    }
}

#[derive(Serialize)]
struct Json<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: Option<u64>,
    expires_at: Option<String>,
    scope: Option<&'a str>,
    profile: &'a str,
    /// The thumbprint of a DPoP token's key (RFC 9449 §6.1: the token's `cnf.jkt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<&'a str>,
}

/// `Bearer`, or `DPoP` for a token bound to a key: the `Authorization` scheme and the
/// `token_type` shown.
pub fn token_type(token: &Token) -> &'static str {
    if token.dpop.is_some() {
        "DPoP"
    } else {
        "Bearer"
    }
}

/// Render `token` for `profile`. `headers` are the headers besides `Authorization` that every
/// API call needs (the provider's), with their values, for the `curl` output; `proof` the
/// DPoP proof of the request the `header` and `curl` outputs are for (a DPoP token's).
pub fn render(
    format: Format,
    token: &Token,
    profile: &str,
    headers: &[(&str, Secret)],
    now: u64,
    proof: Option<&str>,
) -> String {
    let t = token.access_token.as_str();
    let scheme = token_type(token);
    match format {
        Format::Raw => format!("{t}\n"),
        Format::Header => match proof {
            Some(p) => format!("Authorization: {scheme} {t}\nDPoP: {p}\n"),
            None => format!("Authorization: {scheme} {t}\n"),
        },
        Format::Env if token.dpop.is_some() => {
            format!("export TOKFETCH_TOKEN='{t}'\nexport TOKFETCH_TOKEN_TYPE='{scheme}'\n")
        }
        Format::Env => format!("export TOKFETCH_TOKEN='{t}'\n"),
        Format::Curl => {
            let mut out = format!("header = \"Authorization: {scheme} {t}\"\n");
            if let Some(p) = proof {
                out.push_str(&format!("header = \"DPoP: {p}\"\n"));
            }
            for (name, value) in headers {
                out.push_str(&format!(
                    "header = \"{name}: {}\"\n",
                    curl_quote(value.expose())
                ));
            }
            out
        }
        Format::ExecCredential => {
            let info = std::env::var("KUBERNETES_EXEC_INFO").ok();
            let c = ExecCredential {
                api_version: exec_api_version(info.as_deref()),
                kind: "ExecCredential",
                status: ExecStatus {
                    token: t,
                    expiration_timestamp: token.expires_at.map(time::rfc3339),
                },
            };
            json_line(&c)
        }
        Format::Json => {
            let j = Json {
                access_token: t,
                token_type: scheme,
                expires_in: token.expires_at.map(|at| at.saturating_sub(now)),
                expires_at: token.expires_at.map(time::rfc3339),
                scope: token.scope.as_deref(),
                profile,
                dpop_jkt: token.dpop.as_deref().map(|k| k.jkt()),
            };
            json_line(&j)
        }
    }
}

/// One JSON object and a newline. Serialising plain strings and numbers cannot fail.
fn json_line(value: &impl Serialize) -> String {
    let mut s = serde_json::to_string(value).unwrap_or_default();
    s.push('\n');
    s
}

/// Write the requested output to stdout. A closed pipe (`tokfetch get | head -c0`) ends the
/// process quietly instead of panicking.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => crate::error::exit_quietly(),
        Err(e) => Err(Failure::internal(format!("cannot write to stdout: {e}")).into()),
    }
}

/// A note for the user on stderr, unless `-q`.
pub fn note(text: &str) {
    if !crate::log::quiet() {
        crate::stderr::line("tokfetch: ", text);
    }
}

/// Escape for the inside of a double-quoted curl config value.
fn curl_quote(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    fn token(expires_at: Option<u64>) -> Token {
        Token {
            access_token: Zeroizing::new("abc.def".to_string()),
            expires_at,
            scope: Some("openid".into()),
            dpop: None,
        }
    }

    #[test]
    fn text_formats() {
        let t = token(None);
        assert_eq!(render(Format::Raw, &t, "p", &[], 0, None), "abc.def\n");
        assert_eq!(
            render(Format::Header, &t, "p", &[], 0, None),
            "Authorization: Bearer abc.def\n"
        );
        assert_eq!(
            render(Format::Env, &t, "p", &[], 0, None),
            "export TOKFETCH_TOKEN='abc.def'\n"
        );
        assert_eq!(
            render(Format::Curl, &t, "p", &[], 0, None),
            "header = \"Authorization: Bearer abc.def\"\n"
        );
        let k = Secret::new("k\"\\1".into());
        assert_eq!(
            render(Format::Curl, &t, "p", &[("x-api-key", k)], 0, None),
            "header = \"Authorization: Bearer abc.def\"\nheader = \"x-api-key: k\\\"\\\\1\"\n"
        );
    }

    #[test]
    fn json_has_every_field() {
        let out = render(
            Format::Json,
            &token(Some(1_795_377_406)),
            "p",
            &[],
            1_795_377_006,
            None,
        );
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["access_token"], "abc.def");
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], 400);
        assert_eq!(v["expires_at"], "2026-11-22T19:56:46Z");
        assert_eq!(v["scope"], "openid");
        assert_eq!(v["profile"], "p");
        let out = render(Format::Json, &token(None), "p", &[], 0, None);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert!(v["expires_in"].is_null() && v["expires_at"].is_null());
    }

    #[test]
    fn a_dpop_token_is_shown_with_its_scheme_proof_and_thumbprint() {
        let mut t = token(Some(1_795_377_406));
        let key = crate::jws::DpopKey::generate(crate::jws::Alg::ES256).expect("key");
        let jkt = key.jkt().to_string();
        t.dpop = Some(std::sync::Arc::new(key));
        assert_eq!(
            render(Format::Header, &t, "p", &[], 0, Some("pr.o.of")),
            "Authorization: DPoP abc.def\nDPoP: pr.o.of\n"
        );
        assert_eq!(
            render(Format::Curl, &t, "p", &[], 0, Some("pr.o.of")),
            "header = \"Authorization: DPoP abc.def\"\nheader = \"DPoP: pr.o.of\"\n"
        );
        assert_eq!(
            render(Format::Env, &t, "p", &[], 0, None),
            "export TOKFETCH_TOKEN='abc.def'\nexport TOKFETCH_TOKEN_TYPE='DPoP'\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &t, "p", &[], 0, None)).expect("json");
        assert_eq!(v["token_type"], "DPoP");
        assert_eq!(v["dpop_jkt"], jkt.as_str());
        let v: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &token(None), "p", &[], 0, None))
                .expect("json");
        assert!(v.get("dpop_jkt").is_none(), "{v}");
    }

    #[test]
    fn exec_credential_follows_kubernetes_exec_info() {
        assert_eq!(exec_api_version(None), EXEC_V1);
        let beta = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#;
        assert_eq!(exec_api_version(Some(beta)), EXEC_V1BETA1);
        let v1 = r#"{"apiVersion":"client.authentication.k8s.io/v1","spec":{}}"#;
        assert_eq!(exec_api_version(Some(v1)), EXEC_V1);
        assert_eq!(exec_api_version(Some("not json")), EXEC_V1);
        let out = render(
            Format::ExecCredential,
            &token(Some(1_795_377_406)),
            "p",
            &[],
            0,
            None,
        );
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["kind"], "ExecCredential");
        assert_eq!(v["status"]["token"], "abc.def");
        assert_eq!(v["status"]["expirationTimestamp"], "2026-11-22T19:56:46Z");
        let out = render(Format::ExecCredential, &token(None), "p", &[], 0, None);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert!(v["status"].get("expirationTimestamp").is_none());
    }
}
