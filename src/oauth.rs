//! The OAuth 2.0 wire format, without I/O: form encoding, HTTP Basic client authentication, and
//! parsing of token and error responses (RFC 6749 §5, RFC 6750 §2.1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// A token the server issued, validated so that it is safe to print and to put in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: Zeroizing<String>,
    /// Seconds the token lives for, when the server said.
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
    pub refresh_token: Option<Zeroizing<String>>,
    /// `token_type` is `DPoP` (RFC 9449 §5): the token is bound to the request's DPoP key.
    pub dpop: bool,
}

/// An RFC 6749 §5.2 error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: String,
    pub description: Option<String>,
}

/// `application/x-www-form-urlencoded` serialisation of one name or value (WHATWG URL §5.2).
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A whole form body from name/value pairs.
pub fn form_body<'a, I>(pairs: I) -> Zeroizing<Vec<u8>>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut body = Zeroizing::new(String::new());
    for (name, value) in pairs {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&form_encode(name));
        body.push('=');
        body.push_str(&Zeroizing::new(form_encode(value)));
    }
    Zeroizing::new(body.as_bytes().to_vec())
}

/// The value of an `Authorization: Basic …` header. With `encode`, id and secret are
/// form-urlencoded first (RFC 6749 §2.3.1); without, the raw `id:secret` is used, as
/// `curl --user id:secret` sends it.
pub fn basic_auth(client_id: &str, secret: &str, encode: bool) -> Zeroizing<String> {
    let pair = if encode {
        Zeroizing::new(format!(
            "{}:{}",
            form_encode(client_id),
            Zeroizing::new(form_encode(secret)).as_str()
        ))
    } else {
        Zeroizing::new(format!("{client_id}:{secret}"))
    };
    Zeroizing::new(format!("Basic {}", STANDARD.encode(pair.as_bytes())))
}

/// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
/// Anything else (CR, LF, space, quotes) could break out of a header line or a shell word.
pub fn is_b64token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// Parse a JSON object, tolerating a trailing comma before `}` or `]` (the configapi documentation's
/// own example has one). `None` when the body is not a JSON object even then.
fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    let parsed = serde_json::from_slice::<Value>(body)
        .ok()
        .or_else(|| serde_json::from_slice::<Value>(&strip_trailing_commas(body)).ok());
    match parsed {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Remove commas that are followed (after whitespace) by `}` or `]`, outside strings.
fn strip_trailing_commas(body: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(body.len()));
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b',' {
            let next = body[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
            if matches!(next, Some(b'}' | b']')) {
                continue;
            }
        }
        out.push(b);
    }
    out
}

/// Why a 200 response cannot be used. Messages never contain the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    NotJson,
    NoAccessToken,
    BadTokenCharacters,
    UnsupportedTokenType(String),
    BadExpiresIn,
    /// A DPoP request answered with a Bearer token (RFC 9449 §5).
    NotDpop,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::NotJson => f.write_str("the response is not a JSON object"),
            Unusable::NoAccessToken => {
                f.write_str("the response has no access_token (or it is empty or not a string)")
            }
            Unusable::BadTokenCharacters => f.write_str(
                "the access_token contains characters not allowed in a bearer token (RFC 6750 b64token); refusing to print it",
            ),
            Unusable::UnsupportedTokenType(t) => write!(
                f,
                "unsupported token_type \"{}\": only Bearer tokens are supported",
                escape(t, 40)
            ),
            Unusable::NotDpop => f.write_str(
                "the token_type is Bearer, not DPoP: the token is not bound to the DPoP key",
            ),
            Unusable::BadExpiresIn => f.write_str(
                "expires_in is neither a non-negative integer nor a string of digits",
            ),
        }
    }
}

/// The longest lifetime believed: one year. A larger `expires_in` (2^64-1, 1e13) would
/// overflow or give an expiry in a year no calendar prints (README "Network behaviour").
pub const MAX_EXPIRES_IN: u64 = 31_536_000;

/// Validate a successful token response body.
pub fn parse_token(body: &[u8]) -> Result<TokenResponse, Unusable> {
    let map = json_object(body).ok_or(Unusable::NotJson)?;
    let access_token = match map.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => Zeroizing::new(s.clone()),
        _ => return Err(Unusable::NoAccessToken),
    };
    if !is_b64token(&access_token) {
        return Err(Unusable::BadTokenCharacters);
    }
    let dpop = match map.get("token_type") {
        None | Some(Value::Null) => false,
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => false,
        Some(Value::String(t)) if t.eq_ignore_ascii_case("dpop") => true,
        Some(Value::String(t)) => return Err(Unusable::UnsupportedTokenType(t.clone())),
        Some(other) => return Err(Unusable::UnsupportedTokenType(other.to_string())),
    };
    let expires_in = match map.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => v.min(MAX_EXPIRES_IN),
            // An integer too large for u64 arrives as a float: it is still "more than a year".
            (None, Some(f)) if !n.is_i64() && f.is_finite() && f >= 1.0 && f.fract() == 0.0 => {
                MAX_EXPIRES_IN
            }
            _ => return Err(Unusable::BadExpiresIn),
        }),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            // Digits beyond u64 are a very long lifetime, not an error.
            Some(
                s.parse::<u64>()
                    .map_or(MAX_EXPIRES_IN, |v| v.min(MAX_EXPIRES_IN)),
            )
        }
        Some(_) => return Err(Unusable::BadExpiresIn),
    };
    let scope = match map.get("scope") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let refresh_token = match map.get("refresh_token") {
        Some(Value::String(s)) if !s.is_empty() => Some(Zeroizing::new(s.clone())),
        _ => None,
    };
    Ok(TokenResponse {
        access_token,
        expires_in,
        scope,
        refresh_token,
        dpop,
    })
}

/// An RFC 6749 §5.2 error body, if that is what `body` is.
pub fn parse_error(body: &[u8]) -> Option<OAuthError> {
    let map = json_object(body)?;
    let error = match map.get("error") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return None,
    };
    let description = match map.get("error_description") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    Some(OAuthError { error, description })
}

/// At most `max` characters of `s`, control characters escaped, `…` when cut.
pub fn escape(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The start of a body for an error message: the first 200 characters, escaped.
pub fn excerpt(body: &[u8]) -> String {
    escape(String::from_utf8_lossy(body).trim(), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_whatwg() {
        assert_eq!(form_encode("client_credentials"), "client_credentials");
        assert_eq!(form_encode("a b&c=d"), "a+b%26c%3Dd");
        assert_eq!(form_encode("aaa/;&:é"), "aaa%2F%3B%26%3A%C3%A9");
        assert_eq!(form_encode("~*-._"), "%7E*-._");
        let body = form_body([("grant_type", "client_credentials"), ("scope", "a b")]);
        assert_eq!(body.as_slice(), b"grant_type=client_credentials&scope=a+b");
    }

    #[test]
    fn basic_auth_raw_is_what_curl_user_sends() {
        // printf 'id:s3cr3t' | base64
        assert_eq!(
            basic_auth("id", "s3cr3t", false).as_str(),
            "Basic aWQ6czNjcjN0"
        );
        // raw awkward secret: "id:aaa/;&:é"
        assert_eq!(
            basic_auth("id", "aaa/;&:é", false).as_str(),
            format!("Basic {}", STANDARD.encode("id:aaa/;&:é"))
        );
    }

    #[test]
    fn basic_auth_encoded_follows_rfc6749_2_3_1() {
        assert_eq!(
            basic_auth("my id", "aaa/;&:é", true).as_str(),
            format!("Basic {}", STANDARD.encode("my+id:aaa%2F%3B%26%3A%C3%A9"))
        );
    }

    #[test]
    fn b64token_accepts_only_header_safe_tokens() {
        for ok in ["abc", "eyJhbGciOi.J9.x-_~+/", "abc==", "A"] {
            assert!(is_b64token(ok), "{ok}");
        }
        for bad in [
            "",
            "=",
            "a b",
            "a\r\nX-Evil: 1",
            "a\"b",
            "a'b",
            "a=b",
            "tok\n",
            "é",
        ] {
            assert!(!is_b64token(bad), "{bad:?}");
        }
    }

    #[test]
    fn parses_a_standard_response() {
        let t = parse_token(
            br#"{"access_token":"abc.def","token_type":"Bearer","expires_in":900,"scope":"openid"}"#,
        )
        .expect("valid");
        assert_eq!(t.access_token.as_str(), "abc.def");
        assert_eq!(t.expires_in, Some(900));
        assert_eq!(t.scope.as_deref(), Some("openid"));
        assert_eq!(t.refresh_token, None);
    }

    #[test]
    fn accepts_the_andopen_quirks() {
        let t = parse_token(
            br#"{"token_type":"bearer","expires_in":4000,"access_token":"eyJ.x.y","refresh_token":"r1dae1","scope":null}"#,
        )
        .expect("valid");
        assert_eq!(t.expires_in, Some(4000));
        assert_eq!(t.scope, None);
        assert_eq!(
            t.refresh_token.as_deref().map(String::as_str),
            Some("r1dae1")
        );
    }

    #[test]
    fn accepts_the_configapi_example_with_string_expiry_and_trailing_comma() {
        let body = b"{\n\"access_token\":\"eyJhbGciOiJSUzI1NiI5q9Jgt...6HznsvPWy7UP3MINA\",\n\"token_type\":\"Bearer\",\n\"expires_in\":\"3599\",\n}";
        let t = parse_token(body).expect("valid");
        assert_eq!(t.expires_in, Some(3599));
        assert_eq!(
            t.access_token.as_str(),
            "eyJhbGciOiJSUzI1NiI5q9Jgt...6HznsvPWy7UP3MINA"
        );
    }

    #[test]
    fn trailing_comma_stripping_leaves_strings_alone() {
        let body = br#"{"access_token":"a,}","x":[1,2,],}"#;
        assert_eq!(
            strip_trailing_commas(body).as_slice(),
            br#"{"access_token":"a,}","x":[1,2]}"#
        );
    }

    #[test]
    fn huge_lifetimes_are_taken_as_one_year() {
        for body in [
            br#"{"access_token":"x","expires_in":18446744073709551615}"#.as_slice(),
            br#"{"access_token":"x","expires_in":10000000000000}"#,
            br#"{"access_token":"x","expires_in":100000000000000000000000}"#,
            br#"{"access_token":"x","expires_in":"99999999999999999999999999"}"#,
            br#"{"access_token":"x","expires_in":31536001}"#,
        ] {
            let t = parse_token(body).expect("valid");
            assert_eq!(
                t.expires_in,
                Some(MAX_EXPIRES_IN),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let t = parse_token(br#"{"access_token":"x","expires_in":31536000}"#).expect("valid");
        assert_eq!(t.expires_in, Some(31_536_000));
        for bad in [
            br#"{"access_token":"x","expires_in":1.5}"#.as_slice(),
            br#"{"access_token":"x","expires_in":-1}"#,
            br#"{"access_token":"x","expires_in":-1e30}"#,
        ] {
            assert_eq!(parse_token(bad), Err(Unusable::BadExpiresIn));
        }
    }

    #[test]
    fn missing_token_type_is_bearer_and_missing_expiry_is_unknown() {
        let t = parse_token(br#"{"access_token":"x"}"#).expect("valid");
        assert_eq!(t.expires_in, None);
        assert!(!t.dpop);
        // Whether a DPoP token is wanted is the profile's to say (`response`).
        let t = parse_token(br#"{"access_token":"x","token_type":"dpop"}"#).expect("valid");
        assert!(t.dpop);
    }

    #[test]
    fn refuses_unusable_responses() {
        let cases: [(&[u8], Unusable); 9] = [
            (b"<html>login</html>", Unusable::NotJson),
            (b"[1,2]", Unusable::NotJson),
            (br#"{"token_type":"Bearer"}"#, Unusable::NoAccessToken),
            (br#"{"access_token":""}"#, Unusable::NoAccessToken),
            (br#"{"access_token":42}"#, Unusable::NoAccessToken),
            (
                br#"{"access_token":"a\r\nX-Injected: yes"}"#,
                Unusable::BadTokenCharacters,
            ),
            (
                br#"{"access_token":"a","token_type":"mac"}"#,
                Unusable::UnsupportedTokenType("mac".into()),
            ),
            (
                br#"{"access_token":"a","expires_in":-5}"#,
                Unusable::BadExpiresIn,
            ),
            (
                br#"{"access_token":"a","expires_in":"soon"}"#,
                Unusable::BadExpiresIn,
            ),
        ];
        for (body, want) in cases {
            assert_eq!(
                parse_token(body),
                Err(want),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn unusable_messages_never_contain_the_token() {
        let msg = Unusable::BadTokenCharacters.to_string();
        assert!(!msg.contains("X-Injected"));
    }

    #[test]
    fn parses_oauth_error_bodies() {
        let e = parse_error(
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
        )
        .expect("oauth error");
        assert_eq!(e.error, "invalid_client");
        assert_eq!(
            e.description.as_deref(),
            Some("Client authentication failed")
        );
        assert_eq!(
            parse_error(br#"{"error":"invalid_scope"}"#).map(|e| e.description),
            Some(None)
        );
        assert_eq!(parse_error(b"<html>"), None);
        assert_eq!(parse_error(br#"{"message":"nope"}"#), None);
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        let long = "x".repeat(500);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), 201);
        assert_eq!(
            excerpt(b"<h1>Bad\r\nGateway</h1>\x1b[31m"),
            "<h1>Bad\\r\\nGateway</h1>\\u{1b}[31m"
        );
    }
}
