//! &Open: a JSON body carrying tenant, client_id and client_secret, and the `x-api-key` header.
//! A kept refresh token is exchanged in the same JSON style (RFC 6749 §6 shape).

use serde::Serialize;
use zeroize::Zeroizing;

use super::{Credentials, Grant, Header, JSON, TokenRequest};
use crate::config::Profile;
use crate::error::{Failure, Result};

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

pub(super) fn request(
    profile: &Profile,
    tenant: &str,
    grant: Grant,
    creds: Credentials,
) -> Result<TokenRequest> {
    let api_key = creds.api_key()?;
    let (body, grant_name) = match grant {
        Grant::ClientCredentials => (
            serde_json::to_vec(&ClientCredentials {
                grant_type: "client_credentials",
                tenant,
                client_id: &profile.client_id,
                client_secret: creds.client_secret()?.expose(),
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
    };
    let body = body.map_err(|e| Failure::internal(format!("cannot encode the request: {e}")))?;
    Ok(TokenRequest {
        url: profile.endpoint.url.clone(),
        headers: vec![
            Header::plain("Content-Type", JSON),
            Header::plain("Accept", "application/json"),
            Header::secret("x-api-key", Zeroizing::new(api_key.expose().to_string())),
        ],
        body: Zeroizing::new(body),
        grant: grant_name,
    })
}

#[cfg(test)]
mod tests {
    use crate::provider::testing::{body, profile};
    use crate::provider::{Credentials, Grant, build};
    use crate::secret::Secret;

    const STAGING: &str = "[profiles.ao]\nprovider = \"andopen\"\nenvironment = \"staging\"\ntenant = \"acme\"\nclient_id = \"andopen_client_id_1\"\n";

    #[test]
    fn json_body_with_tenant_and_api_key_header() {
        let p = profile(STAGING);
        let (s, k) = (
            Secret::new("aaa/;&:é\"".into()),
            Secret::new("key-123".into()),
        );
        let creds = Credentials {
            client_secret: Some(&s),
            api_key: Some(&k),
        };
        let req = build(&p, Grant::ClientCredentials, creds).expect("request");
        assert_eq!(req.url, "https://staging.auth.andopen.co/auth/token");
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
        let k = Secret::new("key-123".into());
        let creds = Credentials {
            client_secret: None,
            api_key: Some(&k),
        };
        let req = build(&p, Grant::Refresh("rt-1"), creds).expect("request");
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
        let s = Secret::new("x".into());
        let creds = Credentials {
            client_secret: Some(&s),
            api_key: None,
        };
        assert!(build(&p, Grant::ClientCredentials, creds).is_err());
    }
}
