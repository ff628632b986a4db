//! 1Password Users API: HTTP Basic over the raw `client_id:client_secret` (exactly what the seed's
//! `curl --user` example sends), a form body, and `scope=openid` only when the profile asks for it.

use super::{FORM, Header, TokenRequest};
use crate::config::Profile;
use crate::error::Result;
use crate::oauth;
use crate::secret::Secret;

pub(super) fn request(profile: &Profile, secret: &Secret) -> Result<TokenRequest> {
    let mut fields = vec![("grant_type", "client_credentials")];
    if let Some(scope) = &profile.scope {
        fields.push(("scope", scope));
    }
    Ok(TokenRequest {
        url: profile.endpoint.url.clone(),
        headers: vec![
            Header::secret(
                "Authorization",
                oauth::basic_auth(&profile.client_id, secret.expose(), false),
            ),
            Header::plain("Content-Type", FORM),
            Header::plain("Accept", "application/json"),
        ],
        body: oauth::form_body(fields),
        grant: "client_credentials",
    })
}

#[cfg(test)]
mod tests {
    use crate::provider::testing::{body, profile};
    use crate::provider::{Credentials, Grant, build};
    use crate::secret::Secret;

    #[test]
    fn basic_auth_and_a_bare_grant() {
        let p = profile(
            "[profiles.op]\nprovider = \"onepassword\"\nregion = \"ca\"\nclient_id = \"op-id\"\n",
        );
        let s = Secret::new("aaa/;&:é".into());
        let req = build(
            &p,
            Grant::ClientCredentials,
            Credentials {
                client_secret: Some(&s),
                api_key: None,
            },
        )
        .expect("request");
        assert_eq!(
            req.url,
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
        let s = Secret::new("x".into());
        let req = build(
            &p,
            Grant::ClientCredentials,
            Credentials {
                client_secret: Some(&s),
                api_key: None,
            },
        )
        .expect("request");
        assert_eq!(body(&req), "grant_type=client_credentials&scope=openid");
    }
}
