//! Generic RFC 6749 client credentials: Basic (encoded or raw) or client_secret_post, with
//! optional scope, audience and extra form fields.

use super::{FORM, Header, TokenRequest};
use crate::config::{AuthMethod, Profile};
use crate::error::Result;
use crate::oauth;
use crate::secret::Secret;

pub(super) fn request(
    profile: &Profile,
    method: AuthMethod,
    secret: &Secret,
) -> Result<TokenRequest> {
    let mut fields = vec![("grant_type", "client_credentials")];
    let mut headers = Vec::with_capacity(3);
    match method {
        AuthMethod::Basic | AuthMethod::BasicUnencoded => headers.push(Header::secret(
            "Authorization",
            oauth::basic_auth(
                &profile.client_id,
                secret.expose(),
                method == AuthMethod::Basic,
            ),
        )),
        AuthMethod::Post => {
            fields.push(("client_id", &profile.client_id));
            fields.push(("client_secret", secret.expose()));
        }
    }
    if let Some(scope) = &profile.scope {
        fields.push(("scope", scope));
    }
    if let Some(audience) = &profile.audience {
        fields.push(("audience", audience));
    }
    for (k, v) in &profile.params {
        fields.push((k, v));
    }
    headers.push(Header::plain("Content-Type", FORM));
    headers.push(Header::plain("Accept", "application/json"));
    Ok(TokenRequest {
        url: profile.endpoint.url.clone(),
        headers,
        body: oauth::form_body(fields),
        grant: "client_credentials",
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use crate::provider::testing::{body, profile};
    use crate::provider::{Credentials, Grant, TokenRequest, build};
    use crate::secret::Secret;

    fn req(toml: &str, secret: &str) -> TokenRequest {
        let s = Secret::new(secret.into());
        build(
            &profile(toml),
            Grant::ClientCredentials,
            Credentials {
                client_secret: Some(&s),
                api_key: None,
            },
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
