//! Servers echo what they receive (README "Security model"): whatever form a secret comes back
//! in — form-encoded, a decoded or encoded Basic credential, JSON-escaped, in a text/plain or
//! HTML error page, in a redirect's Location — tokfetch never prints it, with `-v` too.
//!
//! Every run is checked by `Out` for every test secret in every encoding (support::encodings);
//! the secret used here, LEAKY_SECRET, has `@`, space, `+`, `%`, a quote, a backslash, `/`,
//! non-ASCII and a character outside the Basic Multilingual Plane, so each encoding differs.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use support::server::{Action, Request, Response, Server};
use support::{API_KEY, CLIENT_ID, Env, LEAKY_SECRET, TENANT, encodings, json_ascii};

/// A server that answers every request with `reply(request)`.
fn echoing(reply: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Server {
    Server::start(reply)
}

fn oauth2_env(server: &Server, auth_method: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nauth_method = \"{auth_method}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", LEAKY_SECRET);
    env
}

/// Run `get p` plain and with `-v`: both fail with `code`, mention `needle`, and leak nothing.
fn fails_without_leaking(env: &Env, code: i32, needle: &str) {
    env.run(&["get", "p"]).fails(code, &[needle]);
    let verbose = env.run(&["get", "p", "-v"]);
    assert_eq!(verbose.code, code, "{verbose}");
    assert!(verbose.stderr.contains(needle), "{verbose}");
    assert!(verbose.stdout.is_empty(), "{verbose}");
}

#[test]
fn the_leak_check_knows_every_form_a_secret_takes() {
    // The checker itself must catch what the cases below provoke, or they prove nothing.
    let forms = encodings(LEAKY_SECRET);
    for want in [
        "p%40ss+w0rd%2B%25%22%C3%A9%5C%2F%F0%9F%98%80z",
        "p%40ss%20w0rd%2b%25%22%c3%a9%5c%2f%f0%9f%98%80z",
        r#"p@ss w0rd+%\"é\\/😀z"#,
        r#"p@ss w0rd+%\"\u00e9\\\/\ud83d\ude00z"#,
    ] {
        assert!(forms.iter().any(|f| f == want), "{want} not in {forms:?}");
    }
}

#[test]
fn a_form_body_echoed_in_an_oauth_error_is_redacted() {
    let server = echoing(|req| {
        Action::Respond(Response::json(
            400,
            json!({"error": "invalid_request", "error_description": format!("cannot parse {}", req.body_str())}),
        ))
    });
    let env = oauth2_env(&server, "post");
    // The form-encoded secret really was echoed back.
    fails_without_leaking(&env, 5, "cannot parse grant_type=client_credentials");
    assert!(server.last().body_str().contains("p%40ss+w0rd"));
}

#[test]
fn a_basic_credential_echoed_encoded_and_decoded_in_a_text_page_is_redacted() {
    let server = echoing(|req| {
        let auth = req.header("authorization").unwrap_or("").to_string();
        let decoded = auth
            .strip_prefix("Basic ")
            .and_then(|b| STANDARD.decode(b).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Action::Respond(Response::new(
            401,
            "text/plain",
            format!("denied: Authorization: {auth} (that is {decoded})"),
        ))
    });
    for method in ["basic", "basic-unencoded"] {
        let env = oauth2_env(&server, method);
        fails_without_leaking(&env, 5, "denied: Authorization: Basic [redacted]");
        let out = env.run(&["get", "p"]);
        assert!(
            out.stderr
                .contains(&format!("(that is {CLIENT_ID}:[redacted])")),
            "{out}"
        );
    }
}

#[test]
fn a_json_escaped_andopen_secret_and_api_key_echoed_by_the_gateway_are_redacted() {
    // API Gateway style: not an OAuth error body, so tokfetch shows an excerpt of it; the
    // body quotes what it received, JSON-escaped as Python's json.dumps writes it.
    let server = echoing(|req| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let secret = body["client_secret"].as_str().unwrap_or("");
        let key = req.header("x-api-key").unwrap_or("");
        Action::Respond(Response::new(
            400,
            "application/json",
            format!(
                r#"{{"message":"bad credentials","secret":"{}","key":"{key}"}}"#,
                json_ascii(secret)
            ),
        ))
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"andopen\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        server.url("/auth/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", LEAKY_SECRET);
    env.set("TOKFETCH_P_API_KEY", API_KEY);
    fails_without_leaking(&env, 5, r#""secret":"[redacted]","key":"[redacted]""#);
}

#[test]
fn a_secret_in_an_html_error_page_after_retries_is_redacted() {
    let server = echoing(|req| {
        Action::Respond(Response::new(
            503,
            "text/html",
            format!("<html><pre>upstream said: {}</pre></html>", req.body_str()),
        ))
    });
    let env = oauth2_env(&server, "post");
    let out = env.run(&["get", "p", "--timeout", "10"]);
    out.fails(6, &["HTTP 503", "client_secret=[redacted]"]);
}

#[test]
fn a_redirect_location_carrying_the_secret_is_redacted() {
    let server = echoing(|req| {
        let secret = req.form_value("client_secret").unwrap_or_default();
        let q: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        Action::Respond(
            Response::new(302, "text/html", "moved")
                .with_header("Location", &format!("https://login.example/sso?s={q}")),
        )
    });
    let env = oauth2_env(&server, "post");
    fails_without_leaking(&env, 7, "https://login.example/sso?s=[redacted]");
}

#[test]
fn tokens_quoted_back_in_a_later_error_are_redacted_too() {
    // &Open: the first answer carries an access and a refresh token; the refresh grant is then
    // refused with the request (holding the refresh token) and the old access token quoted
    // back, and so is the client-credentials fallback. Tokens are secrets of the run too.
    const ACCESS: &str = "at-Leak-4711.abc";
    const REFRESH: &str = "rt-Leak-0815/xyz+";
    let server = echoing(|req| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        if body["grant_type"] == "client_credentials" && req.header("x-test-first").is_none() {
            // Only the very first request gets tokens: later ones are refused.
            static FIRST: std::sync::Once = std::sync::Once::new();
            let mut first = false;
            FIRST.call_once(|| first = true);
            if first {
                return Action::Respond(Response::json(
                    200,
                    json!({"access_token": ACCESS, "refresh_token": REFRESH, "token_type": "bearer", "expires_in": 90}),
                ));
            }
        }
        Action::Respond(Response::new(
            400,
            "text/plain",
            format!("refused {} (your token was {ACCESS})", req.body_str()),
        ))
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"andopen\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        server.url("/auth/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", LEAKY_SECRET);
    env.set("TOKFETCH_P_API_KEY", API_KEY);
    assert_eq!(env.run(&["get", "p"]).ok().trim(), ACCESS);
    // 90 s left is less than --min-ttl 120: refresh, refused, fall back, refused.
    let out = env.run(&["get", "p", "-v", "--min-ttl", "120"]);
    assert_eq!(out.code, 5, "{out}");
    assert!(out.stderr.contains("refresh grant failed"), "{out}");
    assert_eq!(server.count(), 3, "first grant, refresh, fallback");
    assert!(server.requests()[1].body_str().contains(REFRESH));
    out.assert_never_shows(ACCESS);
    out.assert_never_shows(REFRESH);
    assert!(out.stderr.contains("your token was [redacted]"), "{out}");
}
