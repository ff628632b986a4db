//! README "Network behaviour", proxies: a plain-http token URL goes to the proxy in absolute form
//! (RFC 9112 §3.2.2), an https one through a CONNECT tunnel (RFC 9110 §9.3.6); proxy
//! authentication (RFC 9110 §11.7.1), refused tunnels, unresolvable proxies and TLS-intercepting
//! proxies are reported naming the proxy and the variable it came from, never its credentials.
//! Every proxy here listens on loopback and reaches only the loopback ports a test maps names to.

mod support;

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use support::proxy::{Options, Proxy};
use support::server::{Action, Response, Server};
use support::tls;
use support::{CLIENT_ID, CLIENT_SECRET, Env};

fn env_for(url: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\ncache = false\n{extra}"
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

fn route(target: &str, port: u16) -> HashMap<String, u16> {
    HashMap::from([(target.to_string(), port)])
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// An https token server for `tokens.test` and an environment that trusts its CA.
fn https_tokens_test(token: &'static str) -> (Server, Env) {
    let pki = tls::pki(&["tokens.test"]);
    let server = tls::https_server(pki.config.clone(), move |_| ok_token(token));
    let mut env = env_for("https://tokens.test/oauth2/token", "");
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());
    (server, env)
}

// ---- absolute form for plain http --------------------------------------------------------

#[test]
fn a_plain_http_token_url_goes_to_the_proxy_in_absolute_form_not_through_connect() {
    let server = Server::start(|_| ok_token("absolute-form"));
    let proxy = Proxy::start(route("tokens.test:8080", server.port));
    let mut env = env_for(
        "http://tokens.test:8080/oauth2/token?tenant=a",
        "allow_insecure_http = true\n",
    );
    env.set("HTTP_PROXY", &proxy.url());
    let out = env.run(&["-v", "get", "p"]);
    assert_eq!(out.ok(), "absolute-form\n");
    assert_eq!(
        proxy.request_lines(),
        ["POST http://tokens.test:8080/oauth2/token?tenant=a HTTP/1.1"]
    );
    // What reached the server is the whole token request.
    let req = server.last();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/oauth2/token?tenant=a");
    assert_eq!(req.header("host"), Some("tokens.test:8080"));
    assert!(
        req.header("user-agent")
            .is_some_and(|ua| ua.starts_with("tokfetch/")),
        "{req:?}"
    );
    assert!(
        req.header("authorization")
            .is_some_and(|a| a.starts_with("Basic ")),
        "{req:?}"
    );
    assert_eq!(
        req.form_value("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert!(out.stderr.contains("absolute form"), "{out}");
}

#[test]
fn a_strict_proxy_that_refuses_connect_to_port_8080_still_carries_plain_http_from_every_variable() {
    let server = Server::start(|_| ok_token("strict-ok"));
    let proxy = Proxy::start_with(
        route("tokens.test:8080", server.port),
        Options {
            strict: true,
            ..Options::default()
        },
    );
    let mut env = env_for("http://tokens.test:8080/t", "allow_insecure_http = true\n");
    // HTTP_PROXY, its lowercase form, and ALL_PROXY as the fallback (README "Network behaviour").
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        for v in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            env.unset(v);
        }
        env.set(var, &proxy.url());
        let out = env.run(&["-v", "get", "p"]);
        assert_eq!(out.ok(), "strict-ok\n", "{var}");
        assert!(out.stderr.contains(&format!("(from {var})")), "{out}");
    }
    assert_eq!(
        proxy.request_lines(),
        vec!["POST http://tokens.test:8080/t HTTP/1.1"; 4]
    );
    assert_eq!(server.count(), 4);
}

#[test]
fn proxy_credentials_in_the_url_are_sent_as_basic_proxy_authorization_and_never_shown() {
    let server = Server::start(|_| ok_token("with-credentials"));
    let proxy = Proxy::start_with(
        route("tokens.test:8080", server.port),
        Options {
            credentials: Some(("proxy-user".into(), "p@ss-4711:x".into())),
            ..Options::default()
        },
    );
    let mut env = env_for("http://tokens.test:8080/t", "allow_insecure_http = true\n");
    env.set("HTTP_PROXY", &proxy.url_with("proxy-user:p%40ss-4711%3Ax"));
    let out = env.run(&["-v", "get", "p"]);
    assert_eq!(out.ok(), "with-credentials\n");
    let basic = STANDARD.encode("proxy-user:p@ss-4711:x");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].proxy_authorization.as_deref(),
        Some(format!("Basic {basic}").as_str())
    );
    assert!(seen[0].line.starts_with("POST http://"), "{seen:?}");
    for shown in ["p@ss-4711", "p%40ss-4711", basic.as_str()] {
        assert!(!out.stderr.contains(shown), "{out}");
    }
    assert!(out.stderr.contains("[redacted]@127.0.0.1"), "{out}");
}

#[test]
fn the_absolute_form_path_keeps_the_retries_the_body_cap_and_the_timeout() {
    let through_proxy = |server: &Server, args: &[&str]| {
        let proxy = Proxy::start(route("tokens.test:8080", server.port));
        let mut env = env_for("http://tokens.test:8080/t", "allow_insecure_http = true\n");
        env.set("HTTP_PROXY", &proxy.url());
        let out = env.run(args);
        assert!(
            proxy
                .request_lines()
                .iter()
                .all(|l| l == "POST http://tokens.test:8080/t HTTP/1.1"),
            "{:?}",
            proxy.request_lines()
        );
        out
    };

    // A 503 is retried, and the second answer is used.
    let n = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |_| {
        if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Action::Respond(Response::json(
                503,
                json!({"error": "temporarily_unavailable"}),
            ))
        } else {
            ok_token("second")
        }
    });
    assert_eq!(through_proxy(&server, &["get", "p"]).ok(), "second\n");
    assert_eq!(server.count(), 2);

    // Over 1 MiB, chunked: refused without being read whole.
    let big = format!("{{\"access_token\":\"{}\"}}", "a".repeat(3 << 20));
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for chunk in big.as_bytes().chunks(64 * 1024) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let server = Server::start(move |_| Action::Raw(raw.clone()));
    through_proxy(&server, &["get", "p"]).fails(7, &["larger than 1024 KiB"]);

    // A server slower than --timeout: exit 6 within the bound.
    let server =
        Server::start(|_| Action::Delay(Duration::from_secs(20), Box::new(ok_token("too-late"))));
    let started = Instant::now();
    through_proxy(&server, &["get", "p", "--timeout", "2"]).fails(6, &["timed out"]);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(8),
        "took {took:?}"
    );
}

// ---- proxy refusals -----------------------------------------------------------------------

#[test]
fn a_407_to_an_absolute_form_request_says_the_proxy_requires_authentication() {
    let server = Server::start(|_| ok_token("never"));
    let proxy = Proxy::start_with(
        route("tokens.test:8080", server.port),
        Options {
            credentials: Some(("proxy-user".into(), "right-pw-4711".into())),
            ..Options::default()
        },
    );
    let mut env = env_for("http://tokens.test:8080/t", "allow_insecure_http = true\n");
    env.set("HTTP_PROXY", &proxy.url());
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            "the proxy requires authentication",
            &format!("proxy {} (from HTTP_PROXY)", proxy.url()),
            "put the proxy's credentials in HTTP_PROXY",
        ],
    );
    assert!(!out.stderr.contains("407/407"), "{out}");

    env.set("HTTP_PROXY", &proxy.url_with("proxy-user:wrong-pw-4711"));
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            "the proxy requires authentication",
            &format!(
                "proxy http://[redacted]@127.0.0.1:{} (from HTTP_PROXY)",
                proxy.port
            ),
            "check the user name and password in HTTP_PROXY",
        ],
    );
    assert!(!out.stderr.contains("wrong-pw-4711"), "{out}");
    // Never retried, never past the proxy.
    assert_eq!(proxy.requests().len(), 2);
    assert_eq!(server.count(), 0);
}

#[test]
fn a_407_to_connect_says_the_proxy_requires_authentication_and_credentials_open_the_tunnel() {
    let (server, mut env) = https_tokens_test("through-tunnel");
    let proxy = Proxy::start_with(
        route("tokens.test:443", server.port),
        Options {
            credentials: Some(("proxy-user".into(), "tunnel-pw-4711".into())),
            ..Options::default()
        },
    );
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            "the proxy requires authentication",
            &format!("proxy {} (from HTTPS_PROXY)", proxy.url()),
            "tokens.test:443",
            "put the proxy's credentials in HTTPS_PROXY",
        ],
    );
    assert!(!out.stderr.contains("407/407"), "{out}");
    assert!(!out.stderr.contains("CONNECT proxy failed"), "{out}");
    assert_eq!(proxy.requests().len(), 1, "a 407 is not retried");

    env.set("HTTPS_PROXY", &proxy.url_with("proxy-user:tunnel-pw-4711"));
    let out = env.run(&["get", "p"]);
    assert_eq!(out.ok(), "through-tunnel\n");
    assert!(!out.stderr.contains("tunnel-pw-4711"), "{out}");
    assert_eq!(
        proxy.request_lines().last().map(String::as_str),
        Some("CONNECT tokens.test:443 HTTP/1.1")
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn a_connect_refused_by_a_strict_proxy_is_one_clean_message_naming_proxy_and_port() {
    let proxy = Proxy::start_with(
        route("tokens.test:8443", free_port()),
        Options {
            strict: true,
            ..Options::default()
        },
    );
    let mut env = env_for("https://tokens.test:8443/t", "");
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            &format!(
                "proxy {} (from HTTPS_PROXY) refused to open a tunnel to tokens.test:8443 (HTTP 403)",
                proxy.url()
            ),
            "NO_PROXY",
        ],
    );
    assert!(!out.stderr.contains("403/403"), "{out}");
    assert_eq!(proxy.requests().len(), 1, "a refusal is not retried");
}

#[test]
fn a_502_to_connect_is_retried_then_reported_once_naming_the_proxy() {
    // The proxy may tunnel to tokens.test:443, but nothing listens where it leads.
    let proxy = Proxy::start(route("tokens.test:443", free_port()));
    let mut env = env_for("https://tokens.test/t", "");
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            "3 attempts",
            &format!(
                "proxy {} (from HTTPS_PROXY) could not open a tunnel to tokens.test:443 (HTTP 502)",
                proxy.url()
            ),
        ],
    );
    assert!(!out.stderr.contains("502/502"), "{out}");
    assert_eq!(out.stderr.matches(&proxy.url()).count(), 1, "{out}");
    assert_eq!(proxy.requests().len(), 3);
}

#[test]
fn a_proxy_whose_name_does_not_resolve_is_reported_at_once_naming_it() {
    // RFC 6761 §6.4: names under .invalid never resolve.
    let mut env = env_for("https://tokens.test/t", "");
    env.set("HTTPS_PROXY", "http://proxy.tokfetch-test.invalid:3128");
    env.run(&["get", "p"]).fails(
        6,
        &[
            "cannot resolve",
            "proxy http://proxy.tokfetch-test.invalid:3128 (from HTTPS_PROXY)",
            "check the proxy URL in HTTPS_PROXY",
        ],
    );
    env.fails_in_one_attempt(6);
}

// ---- TLS-intercepting proxies -------------------------------------------------------------

#[test]
fn an_intercepting_proxy_is_named_when_its_certificate_is_not_trusted_and_its_ca_fixes_it() {
    // The proxy terminates TLS with a certificate from its own CA (as mitmproxy or a corporate
    // TLS inspector does) and re-sends the request to the mapped port.
    let upstream = Server::start(|_| ok_token("intercepted"));
    let proxy_pki = tls::pki(&["tokens.test"]);
    let proxy = Proxy::start_with(
        route("tokens.test:443", upstream.port),
        Options {
            intercept: Some(proxy_pki.config.clone()),
            ..Options::default()
        },
    );
    let mut env = env_for("https://tokens.test/oauth2/token", "");
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            &format!(
                "TLS handshake with tokens.test through proxy {} (from HTTPS_PROXY) failed",
                proxy.url()
            ),
            "not signed by a trusted root",
            "its own CA",
            "ca_file",
            "TOKFETCH_CA_FILE",
        ],
    );
    assert_eq!(upstream.count(), 0);

    // What the hint says works: trust the proxy's CA.
    let ca = env.path().join("proxy-ca.pem");
    std::fs::write(&ca, &proxy_pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());
    assert_eq!(env.run(&["get", "p"]).ok(), "intercepted\n");
    assert_eq!(upstream.count(), 1);
}

// ---- a real proxy: tinyproxy --------------------------------------------------------------

/// tinyproxy on a loopback port with a generated config, stopped when dropped.
struct Tinyproxy {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Tinyproxy {
    /// `ConnectPort 443` (CONNECT only to 443, as shipped by most distributions' proxies) and
    /// Basic credentials.
    fn start(dir: &std::path::Path, user: &str, password: &str) -> Tinyproxy {
        let port = free_port();
        let log = dir.join("tinyproxy.log");
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 10\nAllow 127.0.0.1\n\
                 ConnectPort 443\nBasicAuth {user} {password}\nLogFile \"{}\"\nLogLevel Connect\n",
                log.display()
            ),
        )
        .expect("write tinyproxy.conf");
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy is needed: tests/run.sh checks for it");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "tinyproxy did not listen on 127.0.0.1:{port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Tinyproxy { child, port, log }
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs tinyproxy (tests/run.sh)"]
fn tinyproxy_with_connect_port_443_carries_a_plain_http_token_request_in_absolute_form() {
    let server = Server::start(|_| ok_token("via-tinyproxy"));
    let env_dir = tempfile::tempdir().expect("tempdir");
    let tiny = Tinyproxy::start(env_dir.path(), "tokuser", "tiny-pw-4711");
    // An IPv4-mapped address is a loopback connection but not a loopback name, so tokfetch
    // proxies it; tinyproxy connects to it without any DNS.
    let target = format!("[::ffff:127.0.0.1]:{}", server.port);
    let mut env = env_for(
        &format!("http://{target}/oauth2/token"),
        "allow_insecure_http = true\n",
    );

    env.set("HTTP_PROXY", &format!("http://127.0.0.1:{}", tiny.port));
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &["the proxy requires authentication", "(from HTTP_PROXY)"],
    );
    assert!(!out.stderr.contains("407/407"), "{out}");

    env.set(
        "HTTP_PROXY",
        &format!("http://tokuser:tiny-pw-4711@127.0.0.1:{}", tiny.port),
    );
    let out = env.run(&["get", "p"]);
    assert_eq!(out.ok(), "via-tinyproxy\n");
    assert!(!out.stderr.contains("tiny-pw-4711"), "{out}");
    let req = server.last();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/oauth2/token")
    );
    assert_eq!(
        req.form_value("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(server.count(), 1);
    let log = std::fs::read_to_string(&tiny.log).unwrap_or_default();
    assert!(
        log.contains(&format!("POST http://{target}/oauth2/token HTTP/1.1")),
        "tinyproxy's log shows no absolute-form request:\n{log}"
    );

    // tinyproxy answers a wrong password with its own 401 page (not a 407, so it cannot be told
    // from the token endpoint's 401) and closes without reading the request body: its kernel
    // resets the connection under the page. The page is shown all the same, not "reset".
    env.set(
        "HTTP_PROXY",
        &format!("http://tokuser:wrong-pw-4711@127.0.0.1:{}", tiny.port),
    );
    let out = env.run(&["get", "p"]);
    out.fails(5, &["HTTP 401", "Unauthorized"]);
    assert!(!out.stderr.contains("reset"), "{out}");
    assert!(!out.stderr.contains("wrong-pw-4711"), "{out}");

    // A token URL tinyproxy cannot reach: its 500 page, retried, then exit 6.
    let mut env = env_for(
        &format!("http://[::ffff:127.0.0.1]:{}/t", free_port()),
        "allow_insecure_http = true\n",
    );
    env.set(
        "HTTP_PROXY",
        &format!("http://tokuser:tiny-pw-4711@127.0.0.1:{}", tiny.port),
    );
    let out = env.run(&["get", "p"]);
    out.fails(
        6,
        &[
            "3 attempts",
            "HTTP 500",
            "Unable to connect",
            "(from HTTP_PROXY)",
        ],
    );
    assert!(!out.stderr.contains("reset"), "{out}");
    assert_eq!(server.count(), 1);
}

#[test]
fn a_proxy_that_is_not_http_is_a_configuration_error_naming_its_variable() {
    // Nothing listens at the proxy: the URL is refused before any connection is tried.
    let port = free_port();
    for (var, url) in [
        ("HTTPS_PROXY", format!("socks5://127.0.0.1:{port}")),
        ("ALL_PROXY", format!("https://127.0.0.1:{port}")),
    ] {
        let mut env = env_for("https://tokens.test/oauth2/token", "");
        env.set(var, &url);
        env.run(&["get", "p"]).fails(
            3,
            &[
                &format!("{var} is not a usable proxy URL"),
                "http:// proxies only",
            ],
        );
    }
}
