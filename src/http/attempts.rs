//! What one exchange sends on each attempt: the same request (a GET), or a token request
//! built again for every retry (README "Network behaviour").

use crate::error::Result;
use crate::request::{Header, TokenRequest};

/// One request: its method, headers and body, and what it is for `-v`.
pub(super) struct Outgoing<'a> {
    pub method: &'static str,
    pub headers: &'a [Header],
    pub body: &'a [u8],
    pub label: &'a str,
}

/// What an exchange sends on each of its attempts.
pub(super) trait Attempts {
    /// The request of attempt `n` (from 1).
    fn request(&mut self, n: u32) -> Result<Outgoing<'_>>;
}

/// The same request on every attempt.
pub(super) struct Same<'a> {
    pub method: &'static str,
    pub headers: &'a [Header],
    pub body: &'a [u8],
    pub label: String,
}

impl Attempts for Same<'_> {
    fn request(&mut self, _: u32) -> Result<Outgoing<'_>> {
        Ok(Outgoing {
            method: self.method,
            headers: self.headers,
            body: self.body,
            label: &self.label,
        })
    }
}

/// A token request built again for every retry, so that no signed value in it (a client
/// assertion's or a DPoP proof's `jti`) is ever sent twice: a server that saw the first try may
/// have recorded it (RFC 7523 §3, RFC 9449 §11.1).
pub(super) struct Fresh<'b> {
    pub build: &'b mut dyn FnMut() -> Result<TokenRequest>,
    pub current: TokenRequest,
    pub label: String,
}

impl Attempts for Fresh<'_> {
    fn request(&mut self, n: u32) -> Result<Outgoing<'_>> {
        if n > 1 {
            self.current = (self.build)()?;
        }
        Ok(Outgoing {
            method: "POST",
            headers: &self.current.headers,
            body: &self.current.body,
            label: &self.label,
        })
    }
}
