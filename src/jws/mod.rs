//! JSON Web Signature (RFC 7515) without I/O: private keys read from PEM (PKCS#8, PKCS#1 RSA,
//! SEC1 EC), compact JWS signed with RS256, PS256, ES256, EdDSA (RFC 7518 §3, RFC 8037) or
//! HS256, and the X.509 thumbprints `x5t` and `x5t#S256` (RFC 7515 §4.1.7–8). Leaf.
//!
//! The cryptography is ring's, the same implementation rustls already uses for TLS, so that
//! tokfetch carries one crypto library; the PEM reader is rustls' (`rustls::pki_types`).
//!
//! By concern: [`pem`] reads a PEM private key into DER (and the DER framing ring wants),
//! [`sign`] turns it into a signing key and makes the compact JWS, [`thumbprint`] digests a
//! certificate, [`random`] asks the operating system for bytes, [`dpop`] makes DPoP keys and
//! proofs (RFC 9449).

mod dpop;
mod pem;
mod random;
mod rsa;
mod sign;
mod thumbprint;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use dpop::{DpopKey, Proof};
pub use pem::{Format, KeyDer, private_key_der};
pub use random::random;
pub use sign::{Signer, SigningKey, sign};
pub use thumbprint::thumbprints;

/// A JWS algorithm tokfetch signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    RS256,
    PS256,
    ES256,
    EdDSA,
    HS256,
}

impl Alg {
    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::PS256 => "PS256",
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
            Alg::HS256 => "HS256",
        }
    }

    pub fn named(name: &str) -> Option<Alg> {
        [Alg::RS256, Alg::PS256, Alg::ES256, Alg::EdDSA, Alg::HS256]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

/// Why a key cannot be used. The text never holds key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) fn err(msg: impl Into<String>) -> KeyError {
    KeyError(msg.into())
}

/// The bytes of base64url text without padding; `None` when it is not that.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// base64url without padding (RFC 7515 §2).
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
pub(crate) mod tests;
