//! configapi v2: client_secret_post in a form body, with `scope` (the profile's, else the host).

use super::{FORM, Header, TokenRequest};
use crate::config::Profile;
use crate::error::Result;
use crate::oauth;
use crate::secret::Secret;

pub(super) fn request(profile: &Profile, secret: &Secret) -> Result<TokenRequest> {
    let mut fields = vec![
        ("grant_type", "client_credentials"),
        ("client_id", profile.client_id.as_str()),
        ("client_secret", secret.expose()),
    ];
    if let Some(scope) = &profile.scope {
        fields.push(("scope", scope));
    }
    Ok(TokenRequest {
        url: profile.endpoint.url.clone(),
        headers: vec![
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
    fn form_body_with_credentials_and_host_scope() {
        let p = profile(
            "[profiles.corp]\nprovider = \"configapi\"\nhost = \"example.com\"\nclient_id = \"sheila.thomas\"\n",
        );
        let s = Secret::new("qkD wD&=".into());
        let req = build(
            &p,
            Grant::ClientCredentials,
            Credentials {
                client_secret: Some(&s),
                api_key: None,
            },
        )
        .expect("request");
        assert_eq!(req.url, "https://example.com/configapi/v2/oauth/token");
        assert_eq!(req.header("authorization"), None);
        assert_eq!(
            body(&req),
            "grant_type=client_credentials&client_id=sheila.thomas&client_secret=qkD+wD%26%3D&scope=example.com"
        );
    }
}
