//! Reading a JWT (RFC 7519) for `inspect`: its header and claims, base64url-decoded, without
//! verifying anything and without ever returning the signature. Pure. Leaf.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The readable parts of a JWS-compact JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

/// Claims that hold a NumericDate (RFC 7519 §2, §4.1; OIDC Core §2 `auth_time`).
pub const TIME_CLAIMS: &[&str] = &["exp", "nbf", "iat", "auth_time"];

/// The header and claims of `token` when it is a JWT (three dot-separated parts whose first two
/// are base64url JSON objects); `None` for an opaque token or an encrypted (five-part) one.
pub fn decode(token: &str) -> Option<Decoded> {
    let mut parts = token.split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Decoded {
        header: object(header)?,
        claims: object(claims)?,
    })
}

/// One base64url part as a JSON object (padding tolerated, though RFC 7515 §2 omits it).
fn object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn decodes_header_and_claims_but_not_the_signature() {
        let t = format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#),
            b64(r#"{"sub":"svc","exp":1795377406,"scope":"a b"}"#)
        );
        let d = decode(&t).expect("a JWT");
        assert_eq!(d.header["alg"], "RS256");
        assert_eq!(d.header["kid"], "k1");
        assert_eq!(d.claims["exp"], 1_795_377_406);
        assert!(!format!("{d:?}").contains("c2lnbmF0dXJl"));
    }

    #[test]
    fn opaque_and_odd_tokens_are_not_jwts() {
        for t in [
            "opaque-token",
            "a.b",
            "a.b.c",
            "a.b.c.d.e",
            &format!("{}.{}.s", b64("[1]"), b64("{}")),
            &format!("{}.{}.s", b64("{}"), b64("not json")),
        ] {
            assert_eq!(decode(t), None, "{t}");
        }
        let padded = format!("{}=.{}.", b64(r#"{"alg":"none"}"#), b64("{}"));
        assert!(decode(&padded).is_some());
    }
}
