//! &Open: a JSON body carrying tenant, client_id and client_secret, and the `x-api-key` header
//! every call (the token request and each API call) needs. `token_type` comes back as lowercase
//! `bearer`. A kept refresh token is exchanged in the same JSON style (RFC 6749 §6 shape).

use serde::Serialize;
use zeroize::Zeroizing;

use super::{
    Grant, Header, Inputs, JSON, KeyKind, KeySpec, Own, Problem, Provider, Settings, TokenRequest,
    Values,
};
use crate::error::{Failure, Result};
use crate::secret::Field;

pub struct AndOpen;

/// The header that carries the API key, on the token request and on every API call.
const API_KEY_HEADER: &str = "x-api-key";

const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "environment",
        help: "production or staging",
        kind: KeyKind::OneOf(&["production", "staging"]),
        required: false,
        default: Some("production"),
        flag: true,
    },
    KeySpec {
        name: "tenant",
        help: "the tenant reference sent in the body",
        kind: KeyKind::Text,
        required: true,
        default: None,
        flag: true,
    },
    KeySpec {
        name: "api_key_env",
        help: "name of an environment variable holding the API key",
        kind: KeyKind::EnvName(Field::ApiKey),
        required: false,
        default: None,
        flag: false,
    },
];

#[derive(Serialize)]
struct ClientCredentials<'a> {
    grant_type: &'static str,
    tenant: &'a str,
    client_id: &'a str,
    client_secret: &'a str,
}

#[derive(Serialize)]
struct Refresh<'a> {
    grant_type: &'static str,
    refresh_token: &'a str,
    tenant: &'a str,
}

impl Provider for AndOpen {
    fn name(&self) -> &'static str {
        "andopen"
    }

    fn client_auth(&self, _settings: &Settings) -> String {
        "client_id and client_secret in the JSON body, api_key as x-api-key".to_string()
    }

    fn about(&self) -> &'static str {
        "&Open API"
    }

    fn keys(&self) -> &'static [KeySpec] {
        KEYS
    }

    fn settle(&self, _s: &Settings, v: &Values) -> std::result::Result<Own, Problem> {
        Ok(Own::AndOpen {
            tenant: v.get("tenant").unwrap_or_default().to_string(),
        })
    }

    fn default_endpoint(&self, v: &Values) -> Option<(String, Option<&'static str>)> {
        let url = match v.get("environment") {
            Some("staging") => "https://staging.auth.andopen.co/auth/token",
            _ => "https://auth.andopen.co/auth/token",
        };
        Some((url.to_string(), None))
    }

    fn fields(&self) -> &'static [Field] {
        &[Field::ClientSecret, Field::ApiKey]
    }

    fn needs(&self, _settings: &Settings, grant: Grant) -> Vec<Field> {
        match grant {
            Grant::Primary => vec![Field::ApiKey, Field::ClientSecret],
            // The refresh grant needs no client secret (the provider's documentation).
            Grant::Refresh(_) => vec![Field::ApiKey],
            _ => Vec::new(),
        }
    }

    fn build(&self, s: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest> {
        let api_key = inputs.secret(Field::ApiKey)?;
        let Own::AndOpen { tenant } = &s.own else {
            return Err(super::unsettled(self.name()));
        };
        let (body, grant_name) = match grant {
            Grant::Primary => (
                serde_json::to_vec(&ClientCredentials {
                    grant_type: "client_credentials",
                    tenant,
                    client_id: &s.client_id,
                    client_secret: inputs.secret(Field::ClientSecret)?.expose(),
                }),
                "client_credentials",
            ),
            Grant::Refresh(refresh_token) => (
                serde_json::to_vec(&Refresh {
                    grant_type: "refresh_token",
                    refresh_token,
                    tenant,
                }),
                "refresh_token",
            ),
            other => return Err(super::unsupported(self.name(), other)),
        };
        let body =
            body.map_err(|e| Failure::internal(format!("cannot encode the request: {e}")))?;
        Ok(TokenRequest {
            headers: vec![
                Header::new("Content-Type", JSON),
                Header::new("Accept", JSON),
                Header::new(API_KEY_HEADER, api_key.expose()),
            ],
            body: Zeroizing::new(body),
            grant: grant_name,
            sensitive: Vec::new(),
            id_token: false,
        })
    }

    fn header_fields(&self) -> &'static [(&'static str, Field)] {
        &[(API_KEY_HEADER, Field::ApiKey)]
    }

    fn keeps_refresh_token(&self) -> bool {
        true
    }

    fn identity(&self, s: &Settings) -> Vec<(&'static str, String)> {
        match &s.own {
            Own::AndOpen { tenant } => vec![("tenant", tenant.clone())],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::provider::Grant;
    use crate::provider::testing::{body, build, profile};
    use crate::secret::Field;

    const STAGING: &str = "[profiles.ao]\nprovider = \"andopen\"\nenvironment = \"staging\"\ntenant = \"acme\"\nclient_id = \"andopen_client_id_1\"\n";

    #[test]
    fn json_body_with_tenant_and_api_key_header() {
        let p = profile(STAGING);
        let req = build(
            &p,
            Grant::Primary,
            &[
                (Field::ClientSecret, "aaa/;&:é\""),
                (Field::ApiKey, "key-123"),
            ],
        )
        .expect("request");
        assert_eq!(
            p.settings.endpoint.url,
            "https://staging.auth.andopen.co/auth/token"
        );
        assert_eq!(req.header("x-api-key"), Some("key-123"));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("authorization"), None);
        assert_eq!(
            body(&req),
            r#"{"grant_type":"client_credentials","tenant":"acme","client_id":"andopen_client_id_1","client_secret":"aaa/;&:é\""}"#
        );
    }

    #[test]
    fn refresh_grant_needs_no_client_secret() {
        let p = profile(STAGING);
        let req =
            build(&p, Grant::Refresh("rt-1"), &[(Field::ApiKey, "key-123")]).expect("request");
        assert_eq!(req.grant, "refresh_token");
        assert_eq!(req.header("x-api-key"), Some("key-123"));
        assert_eq!(
            body(&req),
            r#"{"grant_type":"refresh_token","refresh_token":"rt-1","tenant":"acme"}"#
        );
    }

    #[test]
    fn api_key_is_required() {
        let p = profile(STAGING);
        assert!(build(&p, Grant::Primary, &[(Field::ClientSecret, "x")]).is_err());
    }
}
