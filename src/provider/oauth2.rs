//! Generic RFC 6749 client credentials for any standard server (Okta, Auth0, Keycloak, Entra
//! ID…): HTTP Basic (id and secret form-encoded first, RFC 6749 §2.3.1, or raw as `curl --user`
//! sends them) or client_secret_post, with optional scope, audience and extra form fields.

use super::{
    Grant, Header, KeyKind, KeySpec, Problem, Provider, Secrets, Settings, TokenRequest, Values,
};
use crate::error::Result;
use crate::oauth;
use crate::secret::Field;

pub struct OAuth2;

/// Form fields tokfetch sets itself; `params` may not override them.
const RESERVED_PARAMS: &[&str] = &["grant_type", "client_id", "client_secret", "refresh_token"];

const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "auth_method",
        help: "how the client authenticates: basic (RFC 6749 §2.3.1), basic-unencoded (as curl --user) or post",
        kind: KeyKind::OneOf(&["basic", "basic-unencoded", "post"]),
        required: false,
        default: Some("basic"),
        flag: true,
    },
    KeySpec::text("scope", "sent as a form field when set"),
    KeySpec {
        name: "audience",
        help: "sent as a form field when set",
        kind: KeyKind::Text,
        required: false,
        default: None,
        flag: false,
    },
    KeySpec {
        name: "params",
        help: "extra form fields (strings, integers, booleans)",
        kind: KeyKind::Params {
            reserved: RESERVED_PARAMS,
        },
        required: false,
        default: None,
        flag: false,
    },
];

impl Provider for OAuth2 {
    fn name(&self) -> &'static str {
        "oauth2"
    }

    fn about(&self) -> &'static str {
        "Any RFC 6749 server (Okta, Auth0, Keycloak, Entra ID, …)"
    }

    fn keys(&self) -> &'static [KeySpec] {
        KEYS
    }

    fn check(&self, s: &Settings) -> std::result::Result<(), Problem> {
        if s.get("auth_method") == Some("basic-unencoded") {
            super::onepassword::unencoded_basic_id(s)?;
        }
        Ok(())
    }

    fn default_endpoint(&self, _v: &Values) -> Option<String> {
        None
    }

    fn needs(&self, _grant: Grant) -> &'static [Field] {
        &[Field::ClientSecret]
    }

    fn build(&self, s: &Settings, grant: Grant, secrets: &Secrets) -> Result<TokenRequest> {
        let Grant::ClientCredentials = grant else {
            return Err(super::unsupported(self.name(), grant));
        };
        let secret = secrets.get(Field::ClientSecret)?;
        let mut fields = vec![("grant_type", "client_credentials")];
        let mut headers = Vec::with_capacity(3);
        match s.get("auth_method") {
            Some("post") => {
                fields.push(("client_id", &s.client_id));
                fields.push(("client_secret", secret.expose()));
            }
            method => headers.push(Header {
                name: "Authorization",
                value: oauth::basic_auth(
                    &s.client_id,
                    secret.expose(),
                    method != Some("basic-unencoded"),
                ),
            }),
        }
        if let Some(scope) = &s.scope {
            fields.push(("scope", scope));
        }
        if let Some(audience) = s.get("audience") {
            fields.push(("audience", audience));
        }
        for (k, v) in &s.params {
            fields.push((k, v));
        }
        headers.extend(super::form_headers());
        Ok(TokenRequest {
            headers,
            body: oauth::form_body(fields),
            grant: "client_credentials",
        })
    }

    fn identity(&self, s: &Settings) -> Vec<(&'static str, String)> {
        s.get("audience")
            .map(|a| vec![("audience", a.to_string())])
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use crate::provider::testing::{body, build, profile};
    use crate::provider::{Grant, TokenRequest};
    use crate::secret::Field;

    fn req(toml: &str, secret: &str) -> TokenRequest {
        build(
            &profile(toml),
            Grant::ClientCredentials,
            &[(Field::ClientSecret, secret)],
        )
        .expect("request")
    }
    const BASE: &str = "[profiles.o]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/token\"\nclient_id = \"my id\"\n";

    #[test]
    fn basic_encodes_id_and_secret_first() {
        let r = req(BASE, "aaa/;&:é");
        assert_eq!(
            r.header("Authorization").map(str::to_string),
            Some(format!(
                "Basic {}",
                STANDARD.encode("my+id:aaa%2F%3B%26%3A%C3%A9")
            ))
        );
        assert_eq!(body(&r), "grant_type=client_credentials");
    }

    #[test]
    fn basic_unencoded_sends_the_raw_pair() {
        let r = req(
            &format!("{BASE}auth_method = \"basic-unencoded\"\n"),
            "aaa/;&:é",
        );
        assert_eq!(
            r.header("Authorization").map(str::to_string),
            Some(format!("Basic {}", STANDARD.encode("my id:aaa/;&:é")))
        );
    }

    #[test]
    fn post_puts_credentials_in_the_body_with_scope_audience_and_params() {
        let r = req(
            &format!(
                "{BASE}auth_method = \"post\"\nscope = \"api.read api.write\"\naudience = \"https://api\"\n[profiles.o.params]\nresource = \"urn:x\"\n"
            ),
            "aaa/;&:é",
        );
        assert_eq!(r.header("Authorization"), None);
        assert_eq!(
            body(&r),
            "grant_type=client_credentials&client_id=my+id&client_secret=aaa%2F%3B%26%3A%C3%A9&scope=api.read+api.write&audience=https%3A%2F%2Fapi&resource=urn%3Ax"
        );
    }
}
