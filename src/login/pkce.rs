//! PKCE (RFC 7636) and `state`: the verifier is 43 characters of base64url over 32 random
//! bytes (§4.1), the challenge its SHA-256 in base64url (`S256`, §4.2); `state` is 16 random
//! bytes in base64url. Pure given the bytes.

use zeroize::Zeroizing;

use crate::jws;

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: Zeroizing<String>,
    pub challenge: String,
}

impl Pkce {
    /// The pair for these 32 random bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Pkce {
        let verifier = Zeroizing::new(jws::b64url(bytes));
        Pkce {
            challenge: challenge(&verifier),
            verifier,
        }
    }
}

/// `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2).
pub fn challenge(verifier: &str) -> String {
    jws::b64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
}

/// A `state` value for these random bytes.
pub fn state(bytes: &[u8; 16]) -> Zeroizing<String> {
    Zeroizing::new(jws::b64url(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        // The example of RFC 7636 Appendix B.
        let bytes: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let p = Pkce::from_bytes(&bytes);
        assert_eq!(
            p.verifier.as_str(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(p.verifier.len(), 43);
        assert_eq!(state(&[0; 16]).len(), 22);
    }
}
