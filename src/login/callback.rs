//! The authorization response (RFC 6749 §4.1.2): the query of the redirect to the loopback
//! listener, or of the URL a user pastes when the browser runs elsewhere (SSH), parsed and
//! weighed against the `state` sent and the issuer expected (RFC 9207). Pure.

use zeroize::Zeroizing;

use crate::endpoint::percent_decode;

/// The path of the redirect URI, `http://127.0.0.1:<port>/callback`.
pub const PATH: &str = "/callback";

/// What the redirect carried.
#[derive(Debug, PartialEq, Eq)]
pub struct Callback {
    pub code: Option<Zeroizing<String>>,
    pub state: Option<Zeroizing<String>>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// What to do with a callback.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The code to trade for tokens.
    Code(Zeroizing<String>),
    /// Not the answer to this login (no or another `state`): answer 400 and keep waiting.
    Stray,
    /// The server refused (`error=…`, with this login's `state`): exit 5.
    Refused {
        error: String,
        description: Option<String>,
    },
    /// `iss` missing where the server promised it, or naming another issuer: exit 7.
    WrongIssuer(String),
}

/// `a=1&b=%20x+y` → pairs, percent-decoded (`+` is a space: HTML forms, RFC 6749 App. B).
pub fn query_pairs(query: &str) -> Vec<(String, Zeroizing<String>)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                Zeroizing::new(percent_decode(&Zeroizing::new(v.replace('+', " ")))),
            )
        })
        .collect()
}

/// The callback in a request target (`/callback?…`); `None` for any other path.
pub fn from_target(target: &str) -> Option<Callback> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path == PATH).then(|| from_query(query))
}

/// The callback in a URL the user pasted: `http://127.0.0.1:<port>/callback?…` (or
/// `localhost`, `[::1]`), surrounding whitespace and quotes ignored. An error says what is
/// wrong with the line, never its content.
pub fn from_pasted(line: &str) -> Result<Callback, &'static str> {
    let url = line.trim().trim_matches(|c| c == '"' || c == '\'');
    let rest = url
        .strip_prefix("http://")
        .ok_or("it is not the http://127.0.0.1:…/callback?… URL the browser ended on")?;
    let (authority, path_query) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
        return Err("it is not a loopback URL (http://127.0.0.1:…/callback?…)");
    }
    let path_query = path_query.split('#').next().unwrap_or("");
    let callback = from_target(path_query).ok_or("its path is not /callback")?;
    if callback.code.is_none() && callback.error.is_none() {
        return Err("it has neither a code nor an error");
    }
    Ok(callback)
}

fn from_query(query: &str) -> Callback {
    let mut c = Callback {
        code: None,
        state: None,
        iss: None,
        error: None,
        error_description: None,
    };
    for (k, v) in query_pairs(query) {
        match k.as_str() {
            "code" if !v.is_empty() => c.code = Some(v),
            "state" => c.state = Some(v),
            "iss" => c.iss = Some(v.to_string()),
            "error" => c.error = Some(v.to_string()),
            "error_description" => c.error_description = Some(v.to_string()),
            _ => {}
        }
    }
    c
}

/// Weigh a callback: its `state` must be this login's (else it is a stray request, ignored);
/// then an `error` is a refusal; then `iss` must name `issuer` when the reply carries it, and
/// must be there when the server promised it (RFC 9207 §2.4).
pub fn judge(c: Callback, state: &str, issuer: Option<&str>, iss_required: bool) -> Verdict {
    let ours = c
        .state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), state.as_bytes()));
    if !ours {
        return Verdict::Stray;
    }
    match (&c.iss, issuer) {
        (Some(iss), Some(expected)) if iss != expected => {
            return Verdict::WrongIssuer(format!(
                "the authorization response names issuer \"{}\", not \"{expected}\" (RFC 9207): it may come from another server",
                crate::oauth::escape(iss, 200)
            ));
        }
        (None, Some(_)) if iss_required => {
            return Verdict::WrongIssuer(
                "the authorization response has no iss, though the server's discovery document promises one (RFC 9207)".to_string(),
            );
        }
        _ => {}
    }
    if let Some(error) = c.error {
        return Verdict::Refused {
            error,
            description: c.error_description,
        };
    }
    match c.code {
        Some(code) => Verdict::Code(code),
        None => Verdict::Stray,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb(target: &str) -> Callback {
        from_target(target).expect("a callback")
    }

    #[test]
    fn queries_are_decoded() {
        let c = cb("/callback?code=a%2Fb+c&state=s1&iss=https%3A%2F%2Fi.example&x=1");
        assert_eq!(c.code.as_deref().map(String::as_str), Some("a/b c"));
        assert_eq!(c.state.as_deref().map(String::as_str), Some("s1"));
        assert_eq!(c.iss.as_deref(), Some("https://i.example"));
        assert!(from_target("/other?code=x").is_none());
        assert!(from_target("/callback/x?code=x").is_none());
    }

    #[test]
    fn judging_a_callback() {
        let v = |t: &str, iss: Option<&str>, req: bool| judge(cb(t), "s1", iss, req);
        assert_eq!(
            v("/callback?code=c&state=s1", None, false),
            Verdict::Code(Zeroizing::new("c".into()))
        );
        assert_eq!(v("/callback?code=c&state=s2", None, false), Verdict::Stray);
        assert_eq!(v("/callback?code=c", None, false), Verdict::Stray);
        assert_eq!(
            v("/callback?error=access_denied&state=zz", None, false),
            Verdict::Stray
        );
        assert!(matches!(
            v("/callback?error=access_denied&error_description=no&state=s1", None, false),
            Verdict::Refused { error, description } if error == "access_denied" && description.as_deref() == Some("no")
        ));
        assert!(matches!(
            v("/callback?code=c&state=s1&iss=https://evil", Some("https://i"), false),
            Verdict::WrongIssuer(m) if m.contains("https://evil")
        ));
        assert!(matches!(
            v("/callback?code=c&state=s1", Some("https://i"), true),
            Verdict::WrongIssuer(_)
        ));
        assert_eq!(
            v(
                "/callback?code=c&state=s1&iss=https://i",
                Some("https://i"),
                true
            ),
            Verdict::Code(Zeroizing::new("c".into()))
        );
        // Without a known issuer there is nothing to compare an `iss` with.
        assert!(matches!(
            v("/callback?code=c&state=s1&iss=https://x", None, false),
            Verdict::Code(_)
        ));
    }

    #[test]
    fn pasted_urls() {
        let c = from_pasted("  http://127.0.0.1:4711/callback?code=c1&state=s1#frag \n")
            .expect("pasted");
        assert_eq!(c.code.as_deref().map(String::as_str), Some("c1"));
        assert!(from_pasted("'http://localhost/callback?error=access_denied&state=s'").is_ok());
        assert!(from_pasted("http://[::1]:9/callback?code=c").is_ok());
        for bad in [
            "https://127.0.0.1/callback?code=c",
            "http://evil.example/callback?code=c",
            "http://127.0.0.1:1/other?code=c",
            "http://127.0.0.1:1/callback?state=s",
            "c1",
            "",
        ] {
            assert!(from_pasted(bad).is_err(), "{bad}");
        }
    }
}
