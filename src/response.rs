//! A token endpoint's final reply, turned into a token or into the error a user can act on
//! (README "Network behaviour", "Exit codes"). Pure: no I/O; server text is redacted and
//! escaped before it is quoted.

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::http::{self, Reply};
use crate::oauth::{self, TokenResponse, Unusable};
use crate::redact;
use crate::request::TokenRequest;

/// Turn a final reply to `req` (sent at `now`, Unix seconds) into a token, or the error README
/// "Network behaviour" and "Exit codes" prescribe.
pub fn interpret(
    profile: &Profile,
    reply: &Reply,
    req: &TokenRequest,
    now: u64,
) -> Result<TokenResponse> {
    let grant = req.grant;
    match reply.status {
        200 if req.id_token => id_token(profile, reply, now),
        200 => success(profile, reply),
        300..=399 => Err(redirected(profile, reply)),
        400..=499 => Err(rejected(profile, reply, grant)),
        status => Err(Failure::unusable(format!(
            "unexpected {} from {}",
            describe(reply),
            profile.endpoint().host
        ))
        .hint(if (200..300).contains(&status) {
            "a token endpoint answers 200 with a JSON body".to_string()
        } else {
            format!("HTTP {status} is not a token response")
        })),
    }
}

/// A 200: a usable token, or exit 7. The body may hold a live token in a shape tokfetch
/// refuses, so none of its text is shown.
fn success(profile: &Profile, reply: &Reply) -> Result<TokenResponse> {
    if reply.body_too_large {
        return Err(http::too_large(http::Purpose::Token));
    }
    let host = &profile.endpoint().host;
    let parsed = oauth::parse_token(&reply.body).inspect(|t| {
        // Tokens are secrets from the moment they are received: never shown on stderr,
        // whatever a later message quotes.
        redact::register(&t.access_token);
        if let Some(r) = &t.refresh_token {
            redact::register(r);
        }
    });
    let parsed = parsed.and_then(|t| {
        // A DPoP profile wants a token bound to its key (RFC 9449 §5); any other profile a
        // Bearer token.
        match (profile.provider.dpop(&profile.settings).is_some(), t.dpop) {
            (true, false) => Err(Unusable::NotDpop),
            (false, true) => Err(Unusable::UnsupportedTokenType("DPoP".to_string())),
            _ => Ok(t),
        }
    });
    parsed.map_err(|why| {
        let msg = if why == Unusable::NotJson {
            format!(
                "unusable token response from {host}: HTTP 200 but not JSON{} ({} bytes, not shown: a success body may hold a token)",
                content_type(reply),
                reply.body.len()
            )
        } else {
            format!("unusable token response from {host}: {why}")
        };
        let f = Failure::unusable(msg);
        match why {
            Unusable::NotDpop => f.hint(format!(
                "the server ignored DPoP: enable DPoP (sender-constrained tokens) for client `{}` there, or remove dpop = true from profile `{}`",
                profile.settings.client_id, profile.name
            )),
            Unusable::UnsupportedTokenType(t) if t.eq_ignore_ascii_case("dpop") => f.hint(format!(
                "the server binds this client's tokens to a key: set dpop = true in profile `{}`",
                profile.name
            )),
            _ => f,
        }
    })
}

/// A 200 to a request for an ID token (a Google service account's `target_audience`): the
/// reply's `id_token` is the token, cached until its `exp` (README "Google service
/// accounts"). None of the body is shown.
fn id_token(profile: &Profile, reply: &Reply, now: u64) -> Result<TokenResponse> {
    if reply.body_too_large {
        return Err(http::too_large(http::Purpose::Token));
    }
    let host = &profile.endpoint().host;
    let unusable =
        |why: &str| Failure::unusable(format!("unusable ID token response from {host}: {why}"));
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&reply.body) else {
        return Err(unusable(&format!(
            "HTTP 200 but not a JSON object{} ({} bytes, not shown: a success body may hold a token)",
            content_type(reply),
            reply.body.len()
        )));
    };
    let token = match map.get("id_token") {
        Some(serde_json::Value::String(t)) if !t.is_empty() => zeroize::Zeroizing::new(t.clone()),
        _ => {
            return Err(unusable(
                "the response has no id_token (or it is empty or not a string)",
            ));
        }
    };
    redact::register(&token);
    if !oauth::is_b64token(&token) {
        return Err(unusable(
            "the id_token contains characters not allowed in a bearer token (RFC 6750 b64token); refusing to print it",
        ));
    }
    let exp = crate::jwt::decode(&token)
        .and_then(|jwt| jwt.claims.get("exp").and_then(serde_json::Value::as_u64));
    let expires_in = match exp {
        Some(exp) if exp > now => Some((exp - now).min(oauth::MAX_EXPIRES_IN)),
        Some(_) => {
            return Err(unusable(
                "the id_token has already expired (its exp is not in the future)",
            ));
        }
        // An ID token is a JWT with an exp (OpenID Connect Core §2); without one its lifetime
        // is unknown: printed, not cached.
        None => None,
    };
    Ok(TokenResponse {
        access_token: token,
        expires_in,
        scope: None,
        refresh_token: None,
        dpop: false,
    })
}

/// A redirect, never followed (the credentials would be sent twice). A same-host Location
/// (Django's trailing-slash 301) is most likely the real endpoint: it is suggested, unless it
/// holds a secret of the run.
fn redirected(profile: &Profile, reply: &Reply) -> Failure {
    let to = reply
        .location
        .as_deref()
        .map(|l| format!(" to {}", oauth::escape(&redact::clean(l), 200)))
        .unwrap_or_else(|| " without a Location".to_string());
    let f = Failure::unusable(format!(
        "the token endpoint {} redirected (HTTP {}{to}); redirects are never followed, so the credentials are not sent twice",
        profile.endpoint().host,
        reply.status
    ));
    let same_host = reply
        .location
        .as_deref()
        .filter(|l| redact::clean(l) == *l)
        .and_then(|l| crate::endpoint::same_host_location(profile.endpoint(), l));
    match same_host {
        Some(url) => f.hint(format!(
            "if that is the token endpoint, set token_url = \"{url}\" in profile `{}`",
            profile.name
        )),
        None => f.hint("set token_url in the profile to the final URL"),
    }
}

/// A final 4xx: the server refused the request (exit 5), with what to check.
fn rejected(profile: &Profile, reply: &Reply, grant: &str) -> Failure {
    let mut f = Failure::rejected(describe(reply));
    match oauth::parse_error(&reply.body).map(|e| e.error).as_deref() {
        Some("unauthorized_client") => {
            let client = match profile.settings.client_id.as_str() {
                "" => "this client".to_string(),
                id => format!("client `{id}`"),
            };
            f = f.hint(format!(
                "the identity provider does not allow {client} the {grant} grant: enable that grant for the client there"
            ));
        }
        Some("invalid_scope") => {
            f = f.hint(match &profile.settings.scope {
                Some(scope) => format!(
                    "the request asked for scope \"{scope}\": check it against the scopes the identity provider allows this client"
                ),
                None => "no scope was sent: this server may require one; set scope = \"…\" in the profile".to_string(),
            });
        }
        _ => {}
    }
    match reply.status {
        401 if profile.provider.secret_fields(&profile.settings).is_empty() => f.hint(format!(
            "check the client_id, and the key, certificate or federated identity the identity provider has registered for it: tokfetch secret status {}",
            profile.name
        )),
        401 => f.hint(format!(
            "check the client_id and the secret: tokfetch secret status {}",
            profile.name
        )),
        404 | 405 => f.hint(format!(
            "is {} the right token URL?",
            profile.endpoint().url
        )),
        _ => f,
    }
}

fn content_type(reply: &Reply) -> String {
    reply
        .content_type
        .as_deref()
        .map(|c| format!(" ({})", oauth::escape(c, 60)))
        .unwrap_or_default()
}

fn shown_body(reply: &Reply) -> String {
    if reply.body_too_large {
        return "(body over 1 MiB, not read)".to_string();
    }
    if reply.body.is_empty() {
        return "(empty body)".to_string();
    }
    let text = redact::clean(&String::from_utf8_lossy(&reply.body));
    oauth::excerpt(text.as_bytes())
}

/// `<error>: <error_description> (HTTP <status>)`, or the status and the start of the body.
pub fn describe(reply: &Reply) -> String {
    let status = reply.status;
    match oauth::parse_error(&reply.body) {
        Some(e) => {
            let error = oauth::escape(&redact::clean(&e.error), 100);
            match e.description {
                Some(d) => format!(
                    "{error}: {} (HTTP {status})",
                    oauth::escape(&redact::clean(&d), 300)
                ),
                None => format!("{error} (HTTP {status})"),
            }
        }
        None => format!(
            "HTTP {status}{}: {}",
            content_type(reply),
            shown_body(reply)
        ),
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    fn reply(status: u16, ct: &str, body: &[u8]) -> Reply {
        Reply {
            status,
            content_type: Some(ct.to_string()),
            location: None,
            retry_after: None,
            dpop_nonce: None,
            body: Zeroizing::new(body.to_vec()),
            body_too_large: false,
        }
    }

    #[test]
    fn describes_oauth_errors_as_rfc_6749_writes_them() {
        let r = reply(
            401,
            "application/json",
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
        );
        assert_eq!(
            describe(&r),
            "invalid_client: Client authentication failed (HTTP 401)"
        );
    }

    #[test]
    fn describes_html_with_status_and_escaped_excerpt() {
        let r = reply(502, "text/html", b"<html>\r\n<h1>502 Bad Gateway</h1>");
        assert_eq!(
            describe(&r),
            "HTTP 502 (text/html): <html>\\r\\n<h1>502 Bad Gateway</h1>"
        );
    }

    #[test]
    fn an_id_token_lives_until_its_exp() {
        use crate::config::parse;
        let cfg = parse(
            std::path::Path::new("/t/config.toml"),
            "[profiles.g]\nprovider = \"google\"\ntarget_audience = \"https://a\"\n",
        )
        .expect("config");
        let profile = cfg.profiles.into_values().next().expect("profile");
        let req = TokenRequest {
            headers: Vec::new(),
            body: Zeroizing::new(Vec::new()),
            grant: "jwt_bearer",
            sensitive: Vec::new(),
            id_token: true,
        };
        let b64 = |v: &str| crate::jws::b64url(v.as_bytes());
        let token = |claims: &str| format!("{}.{}.c2ln", b64(r#"{"alg":"RS256"}"#), b64(claims));
        let body = |t: &str| format!(r#"{{"id_token":"{t}"}}"#);
        let now = 1_700_000_000;
        let ok = interpret(
            &profile,
            &reply(
                200,
                "application/json",
                body(&token(r#"{"exp":1700001000}"#)).as_bytes(),
            ),
            &req,
            now,
        )
        .expect("id token");
        assert_eq!(ok.expires_in, Some(1000));
        assert!(ok.access_token.starts_with("eyJ"));
        let no_exp = interpret(
            &profile,
            &reply(200, "application/json", body(&token("{}")).as_bytes()),
            &req,
            now,
        )
        .expect("id token");
        assert_eq!(no_exp.expires_in, None);
        for (b, why) in [
            (body(&token(r#"{"exp":1699999999}"#)), "already expired"),
            (r#"{"access_token":"x"}"#.to_string(), "no id_token"),
            (body("a b"), "not allowed in a bearer token"),
            ("nope".to_string(), "not a JSON object"),
        ] {
            let Err(e) = interpret(
                &profile,
                &reply(200, "application/json", b.as_bytes()),
                &req,
                now,
            ) else {
                panic!("accepted: {b}");
            };
            assert!(e.message.contains(why), "{}", e.message);
            assert!(e.message.contains("ID token response"), "{}", e.message);
        }
    }

    #[test]
    fn echoed_secrets_are_redacted() {
        let r = reply(
            400,
            "application/json",
            br#"{"error":"invalid_request","error_description":"bad secret hunter2-xyz"}"#,
        );
        redact::register("hunter2-xyz");
        let d = describe(&r);
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("[redacted]"), "{d}");
    }
}
