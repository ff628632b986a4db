//! 1Password Users API: HTTP Basic over the raw `client_id:client_secret` (exactly what the
//! provider's own `curl --user` example sends), a form body, and `scope=openid` only when the
//! profile asks for it. Regional endpoints; 900 s tokens; no refresh tokens.

use super::{
    Grant, Inputs, KeyKind, KeySpec, Own, Problem, Provider, Settings, TokenRequest, Values,
};
use crate::error::Result;
use crate::oauth;
use crate::secret::Field;

pub struct OnePassword;

const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "region",
        help: "the account's region: com, ca or eu",
        kind: KeyKind::OneOf(&["com", "ca", "eu"]),
        required: false,
        default: Some("com"),
        flag: true,
    },
    KeySpec::text("scope", "only \"openid\", sent only when set"),
];

impl Provider for OnePassword {
    fn name(&self) -> &'static str {
        "onepassword"
    }

    fn about(&self) -> &'static str {
        "1Password Users API"
    }

    fn keys(&self) -> &'static [KeySpec] {
        KEYS
    }

    fn settle(&self, s: &Settings, _values: &Values) -> std::result::Result<Own, Problem> {
        if let Some(scope) = s.scope.as_deref().filter(|&sc| sc != "openid") {
            return Err(Problem {
                key: "scope",
                message: format!(
                    "`scope` in profile `{{profile}}` must be \"openid\" for provider onepassword (the only scope 1Password issues), not \"{scope}\""
                ),
            });
        }
        super::unencoded_basic_id(s)?;
        Ok(Own::Common)
    }

    fn default_endpoint(&self, v: &Values) -> Option<(String, Option<&'static str>)> {
        let region = v.get("region").unwrap_or("com");
        Some((
            format!("https://api.1password.{region}/v1beta1/users/oauth2/token"),
            None,
        ))
    }

    fn needs(&self, _settings: &Settings, _grant: Grant) -> Vec<Field> {
        vec![Field::ClientSecret]
    }

    fn build(&self, s: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest> {
        let Grant::Primary = grant else {
            return Err(super::unsupported(self.name(), grant));
        };
        let secret = inputs.secret(Field::ClientSecret)?;
        let mut fields = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &s.scope {
            fields.push(("scope", scope));
        }
        let mut headers = vec![super::Header {
            name: "Authorization",
            value: oauth::basic_auth(&s.client_id, secret.expose(), false),
        }];
        headers.extend(super::form_headers());
        Ok(TokenRequest {
            headers,
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
    fn basic_auth_and_a_bare_grant() {
        let p = profile(
            "[profiles.op]\nprovider = \"onepassword\"\nregion = \"ca\"\nclient_id = \"op-id\"\n",
        );
        let req = build(&p, Grant::Primary, &[(Field::ClientSecret, "aaa/;&:é")]).expect("request");
        assert_eq!(
            p.settings.endpoint.url,
            "https://api.1password.ca/v1beta1/users/oauth2/token"
        );
        assert_eq!(
            req.header("authorization"),
            Some("Basic b3AtaWQ6YWFhLzsmOsOp")
        );
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(body(&req), "grant_type=client_credentials");
    }

    #[test]
    fn scope_openid_only_when_configured() {
        let p = profile(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"op-id\"\nscope = \"openid\"\n",
        );
        let req = build(&p, Grant::Primary, &[(Field::ClientSecret, "x")]).expect("request");
        assert_eq!(body(&req), "grant_type=client_credentials&scope=openid");
    }
}
