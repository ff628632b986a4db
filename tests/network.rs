//! README "Network behaviour" against servers that misbehave on purpose: retries and their
//! limits, timeouts, oversized and hostile responses, TLS trust, and proxies. Every bound is
//! generous and nothing synchronises by sleeping.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use support::proxy::Proxy;
use support::server::{Action, Request, Response, Server};
use support::tls;
use support::{CLIENT_ID, CLIENT_SECRET, Env};

fn env_for(url: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

fn ok_token(name: &str) -> Action {
    Action::Respond(Response::json(
        200,
        json!({"access_token": name, "token_type": "Bearer", "expires_in": 600}),
    ))
}

/// A server that plays `script` in order, then repeats its last entry.
fn scripted(script: Vec<Action>) -> Server {
    let n = AtomicUsize::new(0);
    Server::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        script[i.min(script.len() - 1)].clone()
    })
}

fn gap(reqs: &[Request], i: usize) -> Duration {
    reqs[i].at.duration_since(reqs[i - 1].at)
}

#[test]
fn a_500_is_retried_and_the_second_attempt_succeeds() {
    let server = scripted(vec![
        Action::Respond(Response::json(500, json!({"error": "server_error"}))),
        ok_token("after-500"),
    ]);
    let out = env_for(&server.url("/t"), "").run(&["-v", "get", "p"]);
    assert_eq!(out.ok(), "after-500\n");
    assert_eq!(server.count(), 2);
    assert!(
        out.stderr.contains("attempt 1/3") && out.stderr.contains("HTTP 500"),
        "{out}"
    );
}

#[test]
fn a_429_waits_for_retry_after_in_seconds() {
    let server = scripted(vec![
        Action::Respond(
            Response::json(429, json!({"error": "slow_down"})).with_header("Retry-After", "1"),
        ),
        ok_token("after-429"),
    ]);
    assert_eq!(
        env_for(&server.url("/t"), "").run(&["get", "p"]).ok(),
        "after-429\n"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        gap(&reqs, 1) >= Duration::from_millis(950),
        "waited only {:?}",
        gap(&reqs, 1)
    );
}

#[test]
fn a_503_with_an_http_date_retry_after_is_honoured() {
    // An HTTP-date two seconds ahead (whole seconds, so at least ~1 s of wait).
    let server = Server::start({
        let n = AtomicUsize::new(0);
        move |_| {
            if n.fetch_add(1, Ordering::SeqCst) == 0 {
                let at = std::time::SystemTime::now() + Duration::from_secs(2);
                Action::Respond(
                    Response::json(503, json!({"error": "temporarily_unavailable"}))
                        .with_header("Retry-After", &http_date(at)),
                )
            } else {
                ok_token("after-date")
            }
        }
    });
    assert_eq!(
        env_for(&server.url("/t"), "").run(&["get", "p"]).ok(),
        "after-date\n"
    );
    let reqs = server.requests();
    assert!(
        gap(&reqs, 1) >= Duration::from_millis(900),
        "waited only {:?}",
        gap(&reqs, 1)
    );
}

fn http_date(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let (y, m, d) = civil(days);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][m as usize - 1];
    format!(
        "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[test]
fn a_retry_after_beyond_the_timeout_fails_at_once() {
    let server = scripted(vec![Action::Respond(
        Response::json(429, json!({"error": "slow_down"})).with_header("Retry-After", "3600"),
    )]);
    let started = Instant::now();
    env_for(&server.url("/t"), "")
        .run(&["get", "p", "--timeout", "10"])
        .fails(6, &["slow_down", "HTTP 429", "retry after 3600 s"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.count(), 1);
}

#[test]
fn a_503_forever_is_three_attempts_then_exit_6_naming_host_status_and_count() {
    let server = scripted(vec![Action::Respond(Response::json(
        503,
        json!({"error": "temporarily_unavailable", "error_description": "maintenance"}),
    ))]);
    let started = Instant::now();
    let out = env_for(&server.url("/t"), "").run(&["get", "p"]);
    out.fails(
        6,
        &[
            "127.0.0.1",
            "3 attempts",
            "temporarily_unavailable: maintenance (HTTP 503)",
        ],
    );
    // The server answered: it is reachable, so no hint says to check that.
    assert!(!out.stderr.contains("reachable"), "{out}");
    assert_eq!(out.stderr.matches("503").count(), 1, "{out}");
    assert_eq!(server.count(), 3);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_502_html_proxy_page_is_reported_with_status_and_an_escaped_excerpt() {
    let page = format!(
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>{}</body></html>",
        "x".repeat(400)
    );
    let server = scripted(vec![Action::Respond(Response::new(502, "text/html", page))]);
    let out = env_for(&server.url("/t"), "").run(&["get", "p"]);
    out.fails(
        6,
        &[
            "HTTP 502 (text/html)",
            "<html>\\r\\n<head><title>502 Bad Gateway</title>",
            "…",
        ],
    );
    assert!(
        !out.stderr.contains(&"x".repeat(300)),
        "only the first 200 characters: {out}"
    );
    assert_eq!(server.count(), 3);
}

#[test]
fn a_401_is_never_retried() {
    let server = scripted(vec![Action::Respond(Response::json(
        401,
        json!({"error": "invalid_client"}),
    ))]);
    env_for(&server.url("/t"), "")
        .run(&["get", "p"])
        .fails(5, &["invalid_client (HTTP 401)"]);
    assert_eq!(server.count(), 1);
}

#[test]
fn other_4xx_are_final_too() {
    for status in [400, 403, 404, 405, 408, 422] {
        let server = scripted(vec![Action::Respond(Response::new(
            status,
            "text/plain",
            "no",
        ))]);
        env_for(&server.url("/t"), "")
            .run(&["get", "p"])
            .fails(5, &[&format!("HTTP {status}")]);
        assert_eq!(server.count(), 1, "HTTP {status}");
    }
}

#[test]
fn an_html_login_page_with_200_is_exit_7() {
    let server = scripted(vec![Action::Respond(Response::new(
        200,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><body><form action=/login>Sign in</form></body></html>",
    ))]);
    let out = env_for(&server.url("/t"), "").run(&["get", "p"]);
    out.fails(7, &["HTTP 200 but not JSON", "text/html", "not shown"]);
    // README "Network behaviour": a success body may hold a live token, so none of it is shown.
    assert!(!out.stderr.contains("Sign in"), "{out}");
    assert_eq!(server.count(), 1);
}

/// A form-encoded success body (what some servers send) holds a live token in a shape tokfetch
/// does not accept: the error says what was wrong and shows none of the body.
#[test]
fn an_unusable_200_body_is_reported_without_its_text() {
    let server = scripted(vec![Action::Respond(Response::new(
        200,
        "text/plain",
        "access_token=live-token-4711-abcdef&token_type=bearer&expires_in=900",
    ))]);
    let env = env_for(&server.url("/t"), "");
    let out = env.run(&["get", "p"]);
    out.fails(7, &["HTTP 200 but not JSON", "text/plain"]);
    let verbose = env.run(&["get", "p", "-v"]);
    assert_eq!(verbose.code, 7, "{verbose}");
    for o in [&out, &verbose] {
        assert!(!o.stderr.contains("live-token-4711"), "{o}");
        assert!(!o.stderr.contains("access_token="), "{o}");
    }
}

#[test]
fn bodies_over_one_mebibyte_are_refused_however_they_are_framed() {
    let big = format!("{{\"access_token\":\"{}\"}}", "a".repeat(3 << 20));
    // Declared length.
    let server = scripted(vec![Action::Respond(Response::new(
        200,
        "application/json",
        big.clone(),
    ))]);
    env_for(&server.url("/t"), "")
        .run(&["get", "p"])
        .fails(7, &["larger than 1024 KiB"]);
    // Read until close, no Content-Length.
    let mut raw =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_vec();
    raw.extend_from_slice(big.as_bytes());
    let server = scripted(vec![Action::Raw(raw)]);
    env_for(&server.url("/t"), "")
        .run(&["get", "p"])
        .fails(7, &["larger than 1024 KiB"]);
    // Chunked.
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for chunk in big.as_bytes().chunks(64 * 1024) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let server = scripted(vec![Action::Raw(raw)]);
    env_for(&server.url("/t"), "")
        .run(&["get", "p"])
        .fails(7, &["larger than 1024 KiB"]);
}

#[test]
fn a_token_with_crlf_prints_nothing_and_a_dpop_token_is_refused() {
    let server = scripted(vec![Action::Respond(Response::json(
        200,
        json!({"access_token": "abc\r\nX-Injected: evil", "token_type": "Bearer"}),
    ))]);
    let out = env_for(&server.url("/t"), "").run(&["header", "p"]);
    out.fails(7, &["b64token"]);
    assert!(!out.stderr.contains("Injected"));
    let server = scripted(vec![Action::Respond(Response::json(
        200,
        json!({"access_token": "abc", "token_type": "DPoP"}),
    ))]);
    env_for(&server.url("/t"), "")
        .run(&["header", "p"])
        .fails(7, &["DPoP"]);
    let server = scripted(vec![Action::Respond(Response::json(
        200,
        json!({"token_type": "Bearer"}),
    ))]);
    env_for(&server.url("/t"), "")
        .run(&["header", "p"])
        .fails(7, &["no access_token"]);
}

#[test]
fn a_redirect_to_the_same_host_suggests_the_location_as_token_url() {
    // Django's APPEND_SLASH answers a missing trailing slash with a 301.
    let server = scripted(vec![Action::Respond(
        Response::new(301, "text/html", "").with_header("Location", "/o/token/"),
    )]);
    env_for(&server.url("/o/token"), "")
        .run(&["get", "p"])
        .fails(
            7,
            &[
                "redirected (HTTP 301 to /o/token/)",
                "never followed",
                &format!("set token_url = \"{}\"", server.url("/o/token/")),
            ],
        );
    assert_eq!(server.count(), 1);
}

#[test]
fn a_redirect_elsewhere_or_quoting_a_secret_is_named_redacted_and_not_suggested() {
    let echoed = format!(
        "/o/token/?client_secret={}",
        support::form_encode(CLIENT_SECRET)
    );
    for (location, shown) in [
        (
            "https://sso.example/login?next=%2Ft".to_string(),
            "to https://sso.example/login?next=%2Ft)".to_string(),
        ),
        (echoed, "to /o/token/?client_secret=[redacted])".to_string()),
    ] {
        let server = scripted(vec![Action::Respond(
            Response::new(302, "text/html", "").with_header("Location", &location),
        )]);
        let out = env_for(&server.url("/o/token"), "").run(&["get", "p"]);
        out.fails(7, &["HTTP 302", &shown, "set token_url in the profile"]);
        assert!(!out.stderr.contains("set token_url = "), "{out}");
    }
}

#[test]
fn a_307_redirect_is_not_followed() {
    let elsewhere = scripted(vec![ok_token("elsewhere")]);
    let server = scripted(vec![Action::Respond(
        Response::new(307, "text/html", "moved").with_header("Location", &elsewhere.url("/t")),
    )]);
    env_for(&server.url("/t"), "")
        .run(&["get", "p"])
        .fails(7, &["HTTP 307", "never followed"]);
    assert_eq!(elsewhere.count(), 0);
    assert_eq!(server.count(), 1);
}

#[test]
fn a_connection_closed_mid_response_is_retried() {
    let server = scripted(vec![
        Action::Truncate(
            Response::json(
                200,
                json!({"access_token": "never-complete", "expires_in": 600}),
            ),
            8,
        ),
        ok_token("second-try"),
    ]);
    let out = env_for(&server.url("/t"), "").run(&["-v", "get", "p"]);
    assert_eq!(out.ok(), "second-try\n");
    assert_eq!(server.count(), 2);
    assert!(out.stderr.contains("attempt 1/3"), "{out}");
}

#[test]
fn a_connection_closed_without_an_answer_is_retried() {
    let server = scripted(vec![Action::Close, Action::Close, ok_token("third-try")]);
    assert_eq!(
        env_for(&server.url("/t"), "").run(&["get", "p"]).ok(),
        "third-try\n"
    );
    assert_eq!(server.count(), 3);
}

#[test]
fn a_server_slower_than_the_timeout_is_exit_6_within_the_bound() {
    let server = scripted(vec![Action::Delay(
        Duration::from_secs(20),
        Box::new(ok_token("too-late")),
    )]);
    let started = Instant::now();
    env_for(&server.url("/t"), "")
        .run(&["get", "p", "--timeout", "2"])
        .fails(6, &["timed out", "127.0.0.1"]);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(8),
        "took {took:?}"
    );
}

#[test]
fn a_closed_port_is_exit_6_after_the_retries_naming_host_and_port() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let started = Instant::now();
    env_for(&format!("http://127.0.0.1:{port}/t"), "")
        .run(&["get", "p"])
        .fails(
            6,
            &[
                &format!("connection to 127.0.0.1:{port} refused"),
                "3 attempts",
                &format!("check that 127.0.0.1:{port} is reachable"),
            ],
        );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn an_unresolvable_host_is_exit_6_at_once_naming_it() {
    // RFC 6761 §6.4: names under .invalid never resolve, so no test depends on real DNS data.
    let env = env_for("https://idp.tokfetch-test.invalid/oauth2/token", "");
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            "cannot resolve the host name idp.tokfetch-test.invalid",
            "is https://idp.tokfetch-test.invalid/oauth2/token the right token URL?",
        ],
    );
    assert!(!out.stderr.contains("attempts"), "{out}");
    assert!(!out.stderr.contains("reachable"), "{out}");
    // One attempt, as -v counts them: a name that does not resolve is not retried.
    env.fails_in_one_attempt(6);
}

#[test]
fn verbose_output_shows_attempts_but_no_secret_token_or_authorization() {
    let server = scripted(vec![
        Action::Respond(Response::json(500, json!({}))),
        ok_token("verbose-token"),
    ]);
    let out = env_for(&server.url("/t"), "").run(&["-v", "get", "p"]);
    assert_eq!(out.ok(), "verbose-token\n");
    assert!(out.stderr.contains("POST http://127.0.0.1"), "{out}");
    assert!(out.stderr.contains("cache:"), "{out}");
    assert!(out.stderr.contains(" ms"), "{out}");
    assert!(!out.stderr.contains("verbose-token"), "{out}");
    assert!(!out.stderr.contains("Basic "), "{out}");
    // `Out` has already checked that no secret (raw or form-encoded) appears.
}

#[test]
fn unauthorized_client_says_the_client_is_not_allowed_the_client_credentials_grant() {
    let server = scripted(vec![Action::Respond(Response::json(
        400,
        json!({"error": "unauthorized_client", "error_description": "grant not allowed"}),
    ))]);
    env_for(&server.url("/t"), "").run(&["get", "p"]).fails(
        5,
        &[
            "unauthorized_client: grant not allowed (HTTP 400)",
            &format!("does not allow client `{CLIENT_ID}` the client_credentials grant"),
            "enable",
        ],
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn invalid_scope_names_the_scope_that_was_sent_or_says_none_was() {
    let server = scripted(vec![Action::Respond(Response::json(
        400,
        json!({"error": "invalid_scope"}),
    ))]);
    env_for(&server.url("/t"), "scope = \"api.read api.write\"\n")
        .run(&["get", "p"])
        .fails(
            5,
            &[
                "invalid_scope (HTTP 400)",
                "asked for scope \"api.read api.write\"",
            ],
        );
    assert_eq!(
        server.last().form_value("scope").as_deref(),
        Some("api.read api.write")
    );
    env_for(&server.url("/t"), "")
        .run(&["get", "p"])
        .fails(5, &["invalid_scope (HTTP 400)", "no scope was sent"]);
    assert_eq!(server.last().form_value("scope"), None);
}

// ---- TLS -----------------------------------------------------------------------------------

#[test]
fn https_with_a_private_ca_works_through_ca_file_and_fails_clearly_without_it() {
    let pki = tls::pki(&["localhost", "127.0.0.1"]);
    let server = tls::https_server(pki.config.clone(), |_| ok_token("tls-token"));
    let url = format!("https://127.0.0.1:{}/t", server.port);

    // Untrusted: exit 6, says TLS, and points at ca_file.
    let env = env_for(&url, "");
    env.run(&["get", "p"]).fails(6, &["TLS", "ca_file"]);

    // Trusted through ca_file.
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    let env = env_for(&url, &format!("ca_file = \"{}\"\n", ca.display()));
    assert_eq!(env.run(&["get", "p"]).ok(), "tls-token\n");

    // Trusted through $TOKFETCH_CA_FILE.
    let mut env = env_for(&url, "");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "tls-token\n");
    assert_eq!(server.count(), 2);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let pki = tls::pki(&["other.example"]);
    let server = tls::https_server(pki.config.clone(), |_| ok_token("wrong-name"));
    let mut env = env_for(&format!("https://127.0.0.1:{}/t", server.port), "");
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &["TLS handshake with 127.0.0.1 failed: the certificate of 127.0.0.1 is valid for other.example, not for 127.0.0.1"],
    );
    assert_eq!(server.count(), 0);

    // By name, with several names on the certificate: plain names, no Rust syntax.
    let pki = tls::pki(&["other.example", "10.1.2.3"]);
    let server = tls::https_server(pki.config.clone(), |_| ok_token("wrong-name"));
    let mut env = env_for(&format!("https://localhost:{}/t", server.port), "");
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());
    let named = env.run(&["get", "p"]);
    named.fails(
        6,
        &["the certificate of localhost is valid for other.example, 10.1.2.3, not for localhost"],
    );
    for o in [&out, &named] {
        for syntax in [
            "DnsName",
            "IpAddress",
            "\"",
            "UnknownIssuer",
            "NotValidForName",
        ] {
            assert!(!o.stderr.contains(syntax), "{o}");
        }
    }
    assert_eq!(server.count(), 0);
}

// ---- proxies -------------------------------------------------------------------------------

#[test]
fn https_proxy_carries_https_requests_through_connect() {
    // tokens.test is never resolved here: the proxy maps it to the loopback HTTPS server.
    let pki = tls::pki(&["tokens.test"]);
    let server = tls::https_server(pki.config.clone(), |_| ok_token("via-proxy"));
    let proxy = Proxy::start(HashMap::from([(
        "tokens.test:443".to_string(),
        server.port,
    )]));
    let mut env = env_for("https://tokens.test/oauth2/token", "");
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["-v", "get", "p"]);
    assert_eq!(out.ok(), "via-proxy\n");
    assert_eq!(proxy.targets(), ["tokens.test:443"]);
    assert_eq!(server.count(), 1);
    assert!(out.stderr.contains("using proxy http://127.0.0.1"), "{out}");
    // The lowercase form works too.
    env.unset("HTTPS_PROXY");
    env.set("https_proxy", &proxy.url());
    env.run(&["get", "p", "--no-cache"]).ok();
    assert_eq!(proxy.targets().len(), 2);
}

#[test]
fn http_proxy_is_used_for_http_and_no_proxy_bypasses_it() {
    // ::ffff:127.0.0.1 is a loopback connection but not a loopback *name*, so proxy rules apply.
    let server = scripted(vec![ok_token("mapped")]);
    let target = format!("[::ffff:127.0.0.1]:{}", server.port);
    let proxy = Proxy::start(HashMap::from([(target.clone(), server.port)]));
    let mut env = env_for(
        &format!("http://{target}/t"),
        "allow_insecure_http = true\ncache = false\n",
    );
    env.set("HTTP_PROXY", &proxy.url());
    env.set("HTTPS_PROXY", "http://127.0.0.1:9");
    assert_eq!(env.run(&["get", "p"]).ok(), "mapped\n");
    assert_eq!(
        proxy.targets(),
        std::slice::from_ref(&target),
        "HTTP_PROXY, not HTTPS_PROXY, for http"
    );
    env.set("NO_PROXY", "example.com, ::ffff:127.0.0.1");
    assert_eq!(env.run(&["get", "p"]).ok(), "mapped\n");
    assert_eq!(proxy.targets().len(), 1, "NO_PROXY bypassed the proxy");
    assert_eq!(server.count(), 2);
}

#[test]
fn loopback_token_urls_never_go_through_a_proxy() {
    let server = scripted(vec![ok_token("direct")]);
    let proxy = Proxy::start(HashMap::new());
    let mut env = env_for(&server.url("/t"), "");
    env.set("HTTP_PROXY", &proxy.url());
    env.set("ALL_PROXY", &proxy.url());
    assert_eq!(env.run(&["get", "p"]).ok(), "direct\n");
    assert!(proxy.targets().is_empty());
}

#[test]
fn an_unreachable_proxy_is_a_network_error_naming_it() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut env = env_for("https://tokens.test/oauth2/token", "");
    env.set(
        "HTTPS_PROXY",
        &format!("http://user:pw-hunter@127.0.0.1:{port}"),
    );
    let out = env.run(&["get", "p"]);
    out.fails(6, &["proxy http://[redacted]@127.0.0.1"]);
    assert!(!out.stderr.contains("pw-hunter"), "{out}");
}

#[test]
fn retries_share_the_timeout_budget() {
    // --timeout bounds everything: three slow attempts cannot take 3 × timeout.
    let slow = Arc::new(AtomicUsize::new(0));
    let s = slow.clone();
    let server = Server::start(move |_| {
        s.fetch_add(1, Ordering::SeqCst);
        Action::Delay(Duration::from_millis(1500), Box::new(Action::Close))
    });
    let started = Instant::now();
    env_for(&server.url("/t"), "")
        .run(&["get", "p", "--timeout", "3"])
        .fails(6, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}
