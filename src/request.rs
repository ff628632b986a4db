//! What goes on the wire to a token endpoint, as plain values: the headers and the body of one
//! request. Providers make it (pure), `http` sends it; neither needs the other for that.
//! Leaf.

use zeroize::Zeroizing;

/// One request header.
#[derive(Debug)]
pub struct Header {
    pub name: &'static str,
    pub value: Zeroizing<String>,
}

impl Header {
    pub fn new(name: &'static str, value: impl Into<String>) -> Self {
        Header {
            name,
            value: Zeroizing::new(value.into()),
        }
    }
}

/// A complete token request: POST these headers and this body to the profile's endpoint.
#[derive(Debug)]
pub struct TokenRequest {
    pub headers: Vec<Header>,
    pub body: Zeroizing<Vec<u8>>,
    /// `client_credentials`, `refresh_token`, `token_exchange` or `jwt_bearer`, for `-v` and
    /// hints.
    pub grant: &'static str,
    /// Values in the request that are credentials of their own (a signed client assertion):
    /// the flow registers them with the redactor.
    pub sensitive: Vec<Zeroizing<String>>,
    /// The token to print is the reply's `id_token` (an OpenID Connect ID token, as Google
    /// answers a service account's `target_audience`), not its `access_token`.
    pub id_token: bool,
}

impl TokenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}
