//! configapi v2: `https://<host>/configapi/v2/oauth/token`, client_secret_post in a form body,
//! with `scope` (the profile's, else the host). Its responses carry `expires_in` as a string
//! and, in the documented example, a trailing comma (both handled by `oauth::parse_token`).

use super::{Grant, Inputs, KeyKind, KeySpec, Provider, Settings, TokenRequest, Values};
use crate::error::Result;
use crate::oauth;
use crate::secret::Field;

pub struct ConfigApi;

const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "host",
        help: "the host (and optional :port) serving /configapi/v2/oauth/token",
        kind: KeyKind::Host {
            builds: "https://<host>/configapi/v2/oauth/token",
        },
        required: true,
        default: None,
        flag: true,
    },
    KeySpec::text("scope", "the scope (tenant or host), by default the host"),
];

impl Provider for ConfigApi {
    fn name(&self) -> &'static str {
        "configapi"
    }

    fn client_auth(&self, _settings: &Settings) -> String {
        "post".to_string()
    }

    fn about(&self) -> &'static str {
        "configapi v2"
    }

    fn keys(&self) -> &'static [KeySpec] {
        KEYS
    }

    fn default_endpoint(&self, v: &Values) -> Option<(String, Option<&'static str>)> {
        let host = v.get("host")?;
        Some((format!("https://{host}/configapi/v2/oauth/token"), None))
    }

    fn default_scope(&self, v: &Values) -> Option<String> {
        v.get("host").map(str::to_string)
    }

    fn needs(&self, _settings: &Settings, _grant: Grant) -> Vec<Field> {
        vec![Field::ClientSecret]
    }

    fn build(&self, s: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest> {
        let Grant::Primary = grant else {
            return Err(super::unsupported(self.name(), grant));
        };
        let secret = inputs.secret(Field::ClientSecret)?;
        let mut fields = vec![
            ("grant_type", "client_credentials"),
            ("client_id", s.client_id.as_str()),
            ("client_secret", secret.expose()),
        ];
        if let Some(scope) = &s.scope {
            fields.push(("scope", scope));
        }
        Ok(TokenRequest {
            headers: super::form_headers(),
            body: oauth::form_body(fields),
            grant: "client_credentials",
            sensitive: Vec::new(),
            id_token: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::provider::Grant;
    use crate::provider::testing::{body, build, profile};
    use crate::secret::Field;

    #[test]
    fn form_body_with_credentials_and_host_scope() {
        let p = profile(
            "[profiles.corp]\nprovider = \"configapi\"\nhost = \"example.com\"\nclient_id = \"sheila.thomas\"\n",
        );
        let req = build(&p, Grant::Primary, &[(Field::ClientSecret, "qkD wD&=")]).expect("request");
        assert_eq!(
            p.settings.endpoint.url,
            "https://example.com/configapi/v2/oauth/token"
        );
        assert_eq!(req.header("authorization"), None);
        assert_eq!(
            body(&req),
            "grant_type=client_credentials&client_id=sheila.thomas&client_secret=qkD+wD%26%3D&scope=example.com"
        );
    }
}
