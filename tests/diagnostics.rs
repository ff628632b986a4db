//! `inspect` and `doctor` (README "inspect", "doctor"): what they show, what they never show,
//! what they send, and how they exit.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{Value, json};
use support::providers::{self, ClientAuth};
use support::server::{Action, Request, Response, Server};
use support::tools::{http_date, jwt, now};
use support::{CLIENT_ID, CLIENT_SECRET, Env, tls};

fn profile(url: &str, extra: &str) -> String {
    format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\nscope = \"api.read\"\n{extra}"
    )
}

fn env_for(url: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&profile(url, extra));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

/// A token server that answers POSTs with `token` and everything with a `Date` that is
/// `offset` seconds off the real time (which a test may change).
struct Dated {
    server: Server,
    offset: Arc<AtomicI64>,
}

impl Dated {
    fn start(token: String, offset: i64) -> Dated {
        let offset = Arc::new(AtomicI64::new(offset));
        let off = offset.clone();
        let server = Server::start(move |req: &Request| {
            let date = http_date(now().saturating_add_signed(off.load(Ordering::SeqCst)));
            let resp = if req.method == "POST" {
                Response::json(
                    200,
                    json!({"access_token": token, "token_type": "Bearer", "expires_in": 900, "scope": "api.read"}),
                )
            } else {
                Response::new(405, "text/plain", "method not allowed")
            };
            Action::Respond(resp.with_header("Date", &date))
        });
        Dated { server, offset }
    }

    fn methods(&self) -> Vec<String> {
        self.server
            .requests()
            .into_iter()
            .map(|r| r.method)
            .collect()
    }

    fn posts(&self) -> usize {
        self.methods().iter().filter(|m| *m == "POST").count()
    }
}

#[test]
fn http_dates_are_imf_fixdates() {
    assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(http_date(1_795_377_406), "Sun, 22 Nov 2026 19:56:46 GMT");
}

// ---- inspect -------------------------------------------------------------------------------

#[test]
fn inspect_with_nothing_cached_says_so_and_exits_0() {
    let env = env_for("http://127.0.0.1:9/oauth2/token", "");
    let out = env.run(&["inspect", "p"]);
    let text = out.ok();
    for needle in [
        "profile     p",
        "provider    oauth2",
        "endpoint    http://127.0.0.1:9/oauth2/token",
        "auth        basic",
        "client_secret: present, from env $TOKFETCH_P_CLIENT_SECRET",
        "no token cached",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let v: Value = serde_json::from_str(env.run(&["inspect", "p", "--json"]).ok()).expect("json");
    assert!(v["cache"]["token"].is_null(), "{v}");
    assert_eq!(v["secrets"][0]["field"], "client_secret");
    assert_eq!(v["secrets"][0]["present"], true);
    assert_eq!(v["secrets"][0]["source"], "env $TOKFETCH_P_CLIENT_SECRET");
}

#[test]
fn inspect_a_missing_secret_says_where_it_looked() {
    let mut env = env_for("http://127.0.0.1:9/oauth2/token", "");
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    let v: Value = serde_json::from_str(env.run(&["inspect", "p", "--json"]).ok()).expect("json");
    assert_eq!(v["secrets"][0]["present"], false, "{v}");
    assert!(
        v["secrets"][0]["source"]
            .as_str()
            .is_some_and(|s| s.contains("keyring unavailable")),
        "{v}"
    );
}

#[test]
fn inspect_an_opaque_token_shows_its_times_but_never_the_token() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = env_for(&server.url("/oauth2/token"), "");
    let token = env.run(&["get", "p"]).ok().trim_end().to_string();
    for args in [&["inspect", "p"][..], &["inspect", "p", "--json"]] {
        let out = env.run(args);
        out.assert_never_shows(&token);
        let text = out.ok();
        assert!(!text.contains("c2ln"), "no part of the token:\n{text}");
    }
    let text = env.run(&["inspect", "p"]).ok().to_string();
    for needle in [
        "token       Bearer (not shown)",
        "obtained    20",
        "left)",
        "opaque",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let v: Value = serde_json::from_str(env.run(&["inspect", "p", "--json"]).ok()).expect("json");
    let t = &v["cache"]["token"];
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expired"], false);
    let left = t["expires_in"].as_u64().expect("expires_in");
    assert!((850..=900).contains(&left), "{t}");
    assert!(t["jwt"].is_null(), "{t}");
    assert!(
        t["obtained_at"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{t}"
    );
    assert_eq!(server.issued(), 1, "inspect never fetches");
}

#[test]
fn inspect_a_jwt_decodes_header_and_claims_but_not_the_signature() {
    let exp = now() + 900;
    let token = jwt(
        &json!({"alg": "RS256", "kid": "key-7", "typ": "JWT"}),
        &json!({"iss": "https://idp.example", "sub": "svc-deploy", "aud": "api", "exp": exp, "scp": ["api.read"]}),
        "SIGNATURE-never-shown_0123456789",
    );
    let served = token.clone();
    let server = Server::start(move |_| {
        Action::Respond(Response::json(
            200,
            json!({"access_token": served, "token_type": "Bearer", "expires_in": 900}),
        ))
    });
    let env = env_for(&server.url("/t"), "");
    assert_eq!(env.run(&["get", "p"]).ok(), format!("{token}\n"));

    let out = env.run(&["inspect", "p"]);
    out.assert_never_shows(&token);
    out.assert_never_shows("SIGNATURE-never-shown_0123456789");
    let text = out.ok();
    for needle in [
        "jwt header  alg: \"RS256\"",
        "jwt header  kid: \"key-7\"",
        "jwt claim   sub: \"svc-deploy\"",
        "jwt claim   iss: \"https://idp.example\"",
        &format!("jwt claim   exp: {exp} (20"),
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }

    let out = env.run(&["inspect", "p", "--json"]);
    out.assert_never_shows("SIGNATURE-never-shown_0123456789");
    let v: Value = serde_json::from_str(out.ok()).expect("json");
    let j = &v["cache"]["token"]["jwt"];
    assert_eq!(j["header"]["alg"], "RS256");
    assert_eq!(j["header"]["kid"], "key-7");
    assert_eq!(j["claims"]["sub"], "svc-deploy");
    assert_eq!(j["claims"]["exp"], exp);
    assert_eq!(server.count(), 1);
}

#[test]
fn inspect_escapes_control_characters_from_claims() {
    let token = jwt(&json!({"alg": "none"}), &json!({"sub": "a\u{1b}[2Jb"}), "");
    let served = token.clone();
    let server = Server::start(move |_| {
        Action::Respond(Response::json(
            200,
            json!({"access_token": served, "token_type": "Bearer", "expires_in": 900}),
        ))
    });
    let env = env_for(&server.url("/t"), "");
    env.run(&["get", "p"]).ok();
    let text = env.run(&["inspect", "p"]).ok().to_string();
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

// ---- doctor --------------------------------------------------------------------------------

/// The status word of the line for check `name`.
fn status<'a>(report: &'a str, name: &str) -> Vec<&'a str> {
    report
        .lines()
        .filter(|l| {
            l.get(6..)
                .is_some_and(|r| r.starts_with(&format!("{name} ")))
        })
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn doctor_on_a_healthy_https_profile_is_all_ok_and_sends_no_credential() {
    let pki = tls::pki(&["localhost", "127.0.0.1"]);
    let seen_auth = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = seen_auth.clone();
    let server = tls::https_server(pki.config.clone(), move |req| {
        if let Ok(mut s) = seen.lock() {
            s.push((
                req.method.clone(),
                req.header("authorization").map(str::to_string),
            ));
        }
        Action::Respond(
            Response::new(405, "text/plain", "no").with_header("Date", &http_date(now())),
        )
    });
    let mut env = env_for(
        &format!("https://127.0.0.1:{}/oauth2/token", server.port),
        "",
    );
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());

    let out = env.run(&["doctor", "p"]);
    let report = out.ok();
    for check in [
        "config", "file", "parsed", "profile", "secret", "cache", "ca file", "proxy", "dns", "tcp",
        "tls", "clock",
    ] {
        assert_eq!(status(report, check), ["ok"], "{check}:\n{report}");
    }
    // No D-Bus here: the keyring is unreachable, but every secret comes from the environment.
    assert_eq!(status(report, "keyring"), ["warn"], "{report}");
    assert!(report.contains("days left"), "{report}");
    assert!(report.contains("TLS 1."), "{report}");
    assert!(
        !report.contains('\u{1b}'),
        "no colour off a terminal:\n{report}"
    );
    // In the order a person debugs.
    let order: Vec<&str> = report
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.get(6..16))
        .map(str::trim)
        .collect();
    assert_eq!(
        order,
        [
            "config", "file", "parsed", "profile", "secret", "keyring", "cache", "ca file",
            "proxy", "git", "dns", "tcp", "tls", "clock"
        ]
    );
    let seen = seen_auth.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(
        seen,
        [("HEAD".to_string(), None)],
        "one HEAD, no credential"
    );
}

#[test]
fn doctor_fetch_makes_exactly_one_token_request_offline_and_default_make_none() {
    let server = Dated::start("doctor-token-1".into(), 0);
    let env = env_for(&server.server.url("/oauth2/token"), "");

    let out = env.run(&["doctor", "p", "--offline"]);
    let report = out.ok();
    assert!(
        status(report, "dns").is_empty() && status(report, "clock").is_empty(),
        "{report}"
    );
    assert_eq!(server.server.count(), 0, "--offline touches no network");

    let out = env.run(&["doctor", "p"]);
    assert_eq!(status(out.ok(), "clock"), ["ok"], "{out}");
    assert_eq!(server.posts(), 0, "no token request without --fetch");

    let out = env.run(&["doctor", "p", "--fetch"]);
    out.assert_never_shows("doctor-token-1");
    let report = out.ok();
    assert_eq!(status(report, "fetch"), ["ok"], "{report}");
    assert!(
        report.contains("valid for 15m00s, scope api.read") || report.contains("valid for 14m"),
        "{report}"
    );
    assert_eq!(
        server.posts(),
        1,
        "exactly one token request: {:?}",
        server.methods()
    );
    assert!(
        !env.cache_dir.join("p.token.json").exists(),
        "--fetch does not cache"
    );
}

#[test]
fn doctor_reports_clock_skew_against_the_servers_date() {
    let server = Dated::start("t".into(), -600);
    let env = env_for(&server.server.url("/oauth2/token"), "");
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "clock"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("ahead of the server's"), "{out}");
    let skew: u64 = out
        .stdout
        .lines()
        .find(|l| l.contains("clock"))
        .and_then(|l| l.split_whitespace().find_map(|w| w.parse().ok()))
        .expect("the skew in seconds");
    assert!((598..=602).contains(&skew), "{out}");

    server.offset.store(90, Ordering::SeqCst);
    let out = env.run(&["doctor", "p"]);
    assert_eq!(status(out.ok(), "clock"), ["warn"], "{out}");
    assert!(out.stdout.contains("behind the server's"), "{out}");
    assert_eq!(server.posts(), 0);
}

#[test]
fn doctor_missing_secret_exits_4() {
    let mut env = env_for("http://127.0.0.1:9/t", "");
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    let out = env.run(&["doctor", "p", "--offline"]);
    assert_eq!(out.code, 4, "{out}");
    assert_eq!(status(&out.stdout, "secret"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("hint: tokfetch secret set p"), "{out}");
    assert_eq!(status(&out.stdout, "keyring"), ["FAIL"], "{out}");
}

#[test]
fn doctor_config_writable_by_others_exits_3() {
    use std::os::unix::fs::PermissionsExt;
    let env = env_for("http://127.0.0.1:9/t", "");
    std::fs::set_permissions(&env.config, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(status(&out.stdout, "file"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("chmod go-w"), "{out}");
    assert!(
        status(&out.stdout, "profile").is_empty(),
        "nothing after the config:\n{out}"
    );
}

#[test]
fn doctor_dead_endpoint_exits_6_at_tcp() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let env = env_for(&format!("http://127.0.0.1:{port}/t"), "");
    let out = env.run(&["doctor", "p", "--fetch"]);
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "dns"), ["ok"], "{out}");
    assert_eq!(status(&out.stdout, "tcp"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("connection refused"), "{out}");
    // What depends on the connection is shown as skipped, with the reason (README "doctor").
    for check in ["tls", "clock"] {
        assert_eq!(status(&out.stdout, check), ["skip"], "{check}:\n{out}");
    }
    assert!(out.stdout.contains("not checked: tcp failed"), "{out}");
    assert_eq!(
        status(&out.stdout, "fetch"),
        ["skip"],
        "--fetch is not tried after a FAIL:\n{out}"
    );
}

/// A listener that accepts connections and never writes a byte (the connections are kept open
/// for as long as the test runs).
fn silent_listener() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in l.incoming().flatten() {
            held.push(conn);
        }
    });
    port
}

#[test]
fn doctor_fails_an_endpoint_that_accepts_and_never_answers_within_its_bound() {
    let port = silent_listener();
    let env = env_for(&format!("http://127.0.0.1:{port}/t"), "");
    let started = std::time::Instant::now();
    let out = env.run(&["doctor", "p", "--fetch"]);
    let took = started.elapsed();
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "tcp"), ["ok"], "{out}");
    assert_eq!(status(&out.stdout, "clock"), ["FAIL"], "{out}");
    assert!(
        out.stdout.contains(&format!(
            "127.0.0.1:{port} accepted the connection but sent no answer to HEAD within 10 s"
        )),
        "{out}"
    );
    assert_eq!(status(&out.stdout, "fetch"), ["skip"], "{out}");
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");

    // Over TLS, the handshake is what never completes.
    let env = env_for(&format!("https://127.0.0.1:{port}/t"), "");
    let started = std::time::Instant::now();
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "tls"), ["FAIL"], "{out}");
    assert!(
        out.stdout
            .contains("did not complete a TLS handshake within 10 s"),
        "{out}"
    );
    assert_eq!(status(&out.stdout, "clock"), ["skip"], "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn doctor_skips_what_a_failed_dns_or_tls_check_makes_pointless() {
    // RFC 6761 §6.4: names under .invalid never resolve.
    let env = env_for("https://idp.tokfetch-test.invalid/oauth2/token", "");
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "dns"), ["FAIL"], "{out}");
    for check in ["tcp", "tls", "clock"] {
        assert_eq!(status(&out.stdout, check), ["skip"], "{check}:\n{out}");
    }
    assert!(out.stdout.contains("not checked: dns failed"), "{out}");

    // A certificate from an unknown CA: TLS FAILs, the clock is not asked.
    let pki = tls::pki(&["localhost", "127.0.0.1"]);
    let server = tls::https_server(pki.config.clone(), |_| {
        Action::Respond(
            Response::new(405, "text/plain", "no").with_header("Date", &http_date(now())),
        )
    });
    let env = env_for(
        &format!("https://127.0.0.1:{}/oauth2/token", server.port),
        "",
    );
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "tls"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("not signed by a trusted root"), "{out}");
    assert_eq!(status(&out.stdout, "clock"), ["skip"], "{out}");
    assert!(out.stdout.contains("not checked: tls failed"), "{out}");
    assert!(
        server.requests().is_empty(),
        "no HEAD after a failed handshake"
    );
}

#[test]
fn doctor_probes_the_token_endpoint_that_discovery_names_for_an_issuer_profile() {
    let token = Dated::start("t".into(), 0);
    let token_url = token.server.url("/token");
    let idp = Server::start({
        let token_url = token_url.clone();
        move |req: &Request| {
            let issuer = format!("http://{}", req.header("host").unwrap_or_default());
            if req.method == "GET" && req.path == "/.well-known/openid-configuration" {
                Action::Respond(Response::json(
                    200,
                    json!({"issuer": issuer, "token_endpoint": token_url, "token_endpoint_auth_methods_supported": ["client_secret_basic"]}),
                ))
            } else {
                Action::Respond(Response::new(404, "text/plain", "not found"))
            }
        }
    });
    let issuer = idp.url("");
    let issuer = issuer.trim_end_matches('/');
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"{issuer}\"\nclient_id = \"{CLIENT_ID}\"\n"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    let out = env.run(&["doctor", "p"]);
    let report = out.ok();
    assert!(
        report.contains(&format!("names the token endpoint {token_url}")),
        "{report}"
    );
    let token_port = format!("127.0.0.1:{}", token.server.port);
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("ok    tcp") && l.contains(&token_port)),
        "the connection goes to the token endpoint:\n{report}"
    );
    assert_eq!(status(report, "clock"), ["ok"], "{report}");
    // Discovery first: it names what the rest probe.
    let order: Vec<&str> = report
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.get(6..16))
        .map(str::trim)
        .skip_while(|n| *n != "discovery")
        .collect();
    assert_eq!(
        order,
        ["discovery", "dns", "tcp", "tls", "clock"],
        "{report}"
    );
    assert_eq!(
        token.methods(),
        ["HEAD"],
        "the HEAD goes to the token endpoint"
    );
    assert!(
        idp.requests().iter().all(|r| r.method == "GET"),
        "the issuer is only asked for its document"
    );

    // Without a document, the token endpoint is unknown: the way to it is not checked.
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"{issuer}/nothing\"\nclient_id = \"{CLIENT_ID}\"\n"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(status(&out.stdout, "discovery"), ["FAIL"], "{out}");
    for check in ["dns", "tcp", "tls", "clock"] {
        assert_eq!(status(&out.stdout, check), ["skip"], "{check}:\n{out}");
    }
    assert!(out.stdout.contains("token endpoint is unknown"), "{out}");
}

#[test]
fn doctor_without_a_config_or_profile_fails_with_their_codes() {
    let env = Env::new();
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 3, "{out}");
    assert_eq!(status(&out.stdout, "config"), ["FAIL"], "{out}");

    let env = env_for("http://127.0.0.1:9/t", "");
    let out = env.run(&["doctor", "nope"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(out.stdout.contains("unknown profile `nope`"), "{out}");
    let out = env.run(&["doctor"]);
    assert_eq!(out.code, 2, "no profile given is a usage error:\n{out}");
}

#[test]
fn doctor_fetch_with_a_wrong_secret_exits_5_without_showing_it() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = env_for(&server.url("/oauth2/token"), "");
    env.set("TOKFETCH_P_CLIENT_SECRET", support::OTHER_SECRET);
    let out = env.run(&["doctor", "p", "--fetch"]);
    assert_eq!(out.code, 5, "{out}");
    assert_eq!(status(&out.stdout, "fetch"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("invalid_client"), "{out}");
}

#[test]
fn doctor_goes_through_the_proxy_that_applies_and_never_shows_its_password() {
    use std::collections::HashMap;
    use support::proxy::{Options, Proxy};
    let pki = tls::pki(&["tokens.test"]);
    let server = tls::https_server(pki.config.clone(), |_| {
        Action::Respond(
            Response::new(405, "text/plain", "no").with_header("Date", &http_date(now())),
        )
    });
    let proxy = Proxy::start_with(
        HashMap::from([("tokens.test:443".to_string(), server.port)]),
        Options {
            credentials: Some(("proxy-user".into(), "doctor-proxy-pw-5150".into())),
            ..Options::default()
        },
    );
    let mut env = env_for("https://tokens.test/oauth2/token", "");
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    env.set("TOKFETCH_CA_FILE", &ca.display().to_string());

    // Without the proxy's credentials: the tunnel is refused, and doctor says why.
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 6, "{out}");
    assert_eq!(status(&out.stdout, "tls"), ["FAIL"], "{out}");
    assert!(out.stdout.contains("requires authentication"), "{out}");

    env.set(
        "HTTPS_PROXY",
        &proxy.url_with("proxy-user:doctor-proxy-pw-5150"),
    );
    let out = env.run(&["doctor", "p"]);
    out.assert_never_shows("doctor-proxy-pw-5150");
    let report = out.ok();
    assert!(report.contains("[redacted]@127.0.0.1"), "{report}");
    assert!(report.contains("(from HTTPS_PROXY)"), "{report}");
    assert!(
        report.contains("(the proxy)"),
        "DNS and TCP name the proxy:\n{report}"
    );
    for check in ["proxy", "dns", "tcp", "tls", "clock"] {
        assert_eq!(status(report, check), ["ok"], "{check}:\n{report}");
    }
    assert_eq!(
        proxy.request_lines().last().map(String::as_str),
        Some("CONNECT tokens.test:443 HTTP/1.1")
    );
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["HEAD"]);
}

#[test]
#[ignore = "needs the Secret Service (tests/run.sh)"]
fn doctor_and_inspect_find_a_secret_in_the_keyring() {
    let mut env = env_for("http://127.0.0.1:9/t", "");
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    env.with_secret_service();
    env.run_with_stdin(&["secret", "set", "p"], Some(CLIENT_SECRET.as_bytes()))
        .ok();
    let out = env.run(&["doctor", "p", "--offline"]);
    let report = out.ok();
    assert_eq!(status(report, "keyring"), ["ok"], "{report}");
    assert!(report.contains("client_secret: from keyring"), "{report}");
    let text = env.run(&["inspect", "p"]).ok().to_string();
    assert!(
        text.contains("client_secret: present, from keyring"),
        "{text}"
    );
    env.run(&["secret", "delete", "p"]).ok();
}

#[test]
fn doctor_with_a_server_that_never_answers_head_only_warns_about_the_clock() {
    let server = Server::start(|req: &Request| {
        if req.method == "HEAD" {
            Action::Close
        } else {
            Action::Respond(Response::new(400, "text/plain", "no"))
        }
    });
    let env = env_for(&server.url("/t"), "");
    let out = env.run(&["doctor", "p"]);
    let report = out.ok();
    assert_eq!(status(report, "tcp"), ["ok"], "{report}");
    assert_eq!(status(report, "clock"), ["warn"], "{report}");
    assert!(report.contains("not checked"), "{report}");
}

#[test]
#[ignore = "needs script(1) for a terminal (tests/run.sh)"]
fn doctor_colours_its_status_words_only_on_a_terminal_and_never_with_no_color() {
    let script = support::tools::tool("script", "TOKFETCH_TEST_SCRIPT");
    let env = env_for("http://127.0.0.1:9/t", "");
    let on_a_terminal = |no_color: Option<&str>| {
        let mut cmd = env.command_for(&script);
        cmd.args(["-qec", "tokfetch doctor p --offline", "/dev/null"])
            .env("TERM", "xterm");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("script");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_a_terminal(None);
    assert!(coloured.contains("\u{1b}[32mok  \u{1b}[0m"), "{coloured:?}");
    let plain = on_a_terminal(Some("1"));
    assert!(
        plain.contains("ok    config") && !plain.contains('\u{1b}'),
        "{plain:?}"
    );
}
