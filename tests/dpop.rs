//! DPoP (RFC 9449, README "DPoP"): a token bound to a fresh key, a proof per API request,
//! against a strict loopback token endpoint and a loopback resource server that verify every
//! proof as the RFC says (tests/support/dpop.rs, written from the RFC, not from tokfetch). The
//! same flows against the certified oidc-provider are in tests/oidc.rs.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use support::dpop::{ResourceServer, TokenServer, TokenServerMode};
use support::{CLIENT_SECRET, Env, Out};

const NONCE: &str = "srv-nonce-42";

fn mode(nonce: Option<&'static str>) -> TokenServerMode {
    TokenServerMode {
        nonce,
        always_nonce: false,
        token_type: "DPoP",
        fail_once: false,
    }
}

fn env_for(ts: &TokenServer, alg: Option<&str>) -> Env {
    let mut env = Env::new();
    let alg = alg
        .map(|a| format!("dpop_alg = \"{a}\"\n"))
        .unwrap_or_default();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"c\"\nauth_method = \"post\"\ndpop = true\n{alg}",
        ts.server.url("/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

/// The DPoP key the cache file holds (base64url PKCS#8), and the file's mode.
fn cached_key(env: &Env) -> (String, u32) {
    use std::os::unix::fs::PermissionsExt;
    let path = env.cache_dir.join("p.token.json");
    let text = std::fs::read_to_string(&path).expect("cache file");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    (v["dpop_key"].as_str().expect("dpop_key").to_string(), mode)
}

/// `curl -K - URL` with tokfetch's curl config on stdin: the status and body.
fn curl_with(env: &Env, config: &str, url: &str) -> (String, String) {
    let mut child = env
        .command_for(Path::new("curl"))
        .args(["-s", "-K", "-", "-w", "\n%{http_code}", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl must be installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(config.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').expect("status line");
    (status.to_string(), body.to_string())
}

/// Every output of a run: never the DPoP private key, in any encoding.
fn never_the_key(env: &Env, outs: &[&Out]) {
    let (key, _) = cached_key(env);
    for o in outs {
        o.assert_never_shows(&key);
    }
}

#[test]
fn a_nonce_challenge_is_answered_once_and_the_curl_output_is_accepted_by_the_api() {
    let ts = TokenServer::start(mode(Some(NONCE)));
    let api = ResourceServer::start(ts.bound(), None);
    let env = env_for(&ts, None);
    let url = api.url("/v1/items?page=2");
    let verbose = env.run(&[
        "-v", "get", "p", "-o", "curl", "--method", "GET", "--url", &url,
    ]);
    let config = verbose.ok().to_string();
    // Two token requests: the first without a nonce, answered use_dpop_nonce; the second with it.
    let reqs = ts.server.requests();
    assert_eq!(reqs.len(), 2, "{verbose}");
    let (_, first) = support::jwt::decode(reqs[0].header("dpop").expect("proof"));
    let (_, second) = support::jwt::decode(reqs[1].header("dpop").expect("proof"));
    assert!(first.get("nonce").is_none());
    assert_eq!(second["nonce"], NONCE);
    assert_ne!(
        first["jti"], second["jti"],
        "a fresh jti for the second request"
    );
    assert!(ts.refusals.lock().expect("lock").is_empty());
    // Neither token-request proof shows in -v, nor the token.
    for r in &reqs {
        verbose.assert_never_shows(r.header("dpop").expect("proof"));
    }
    let lines: Vec<&str> = config.lines().collect();
    assert_eq!(lines.len(), 2, "{config}");
    assert!(
        lines[0].starts_with("header = \"Authorization: DPoP dpop-at-"),
        "{config}"
    );
    assert!(lines[1].starts_with("header = \"DPoP: ey"), "{config}");
    let (status, body) = curl_with(&env, &config, &url);
    assert_eq!(status, "200", "{body} {:?}", api.refusals());
    // The same proof again is a replay: refused.
    let (status, body) = curl_with(&env, &config, &url);
    assert_eq!(status, "401", "{body}");
    assert!(body.contains("replayed"), "{body}");
    let (key, mode) = cached_key(&env);
    assert_eq!(mode, 0o600);
    assert!(!key.is_empty());
    // A cached token does not make a plain `header` (which the clap-free fast path would
    // answer for a Bearer profile) print a Bearer header: the request is still required.
    env.run(&["header", "p"])
        .fails(2, &["uses DPoP", "--method and --url"]);
    // inspect names the key by its thumbprint, offline, never the key or a proof.
    let json = env.run(&["get", "p", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(json.ok()).expect("json");
    let inspect = env.run(&["inspect", "p", "--json"]);
    let i: serde_json::Value = serde_json::from_str(inspect.ok()).expect("json");
    assert_eq!(i["dpop"], "ES256");
    assert_eq!(i["cache"]["token"]["token_type"], "DPoP");
    assert_eq!(i["cache"]["token"]["dpop_jkt"], v["dpop_jkt"]);
    let text = env.run(&["inspect", "p"]);
    assert!(text.ok().contains("dpop key"), "{text}");
    for o in [&inspect, &text] {
        assert!(!o.stdout.contains("eyJ"), "{o}");
        o.assert_never_shows(v["access_token"].as_str().expect("token"));
    }
    never_the_key(&env, &[&verbose, &json, &inspect, &text]);
}

#[test]
fn profile_add_writes_dpop_as_a_boolean() {
    let env = Env::new();
    let out = env.run(&[
        "profile",
        "add",
        "d",
        "--provider",
        "oauth2",
        "--client-id",
        "c",
        "--token-url",
        "https://idp.example/token",
        "--dpop",
        "true",
        "--dpop-alg",
        "PS256",
        "--no-secret",
    ]);
    out.ok();
    let text = std::fs::read_to_string(&env.config).expect("config");
    assert!(text.contains("dpop = true\n"), "{text}");
    assert!(text.contains("dpop_alg = \"PS256\""), "{text}");
    env.run(&[
        "profile",
        "add",
        "e",
        "--provider",
        "oauth2",
        "--client-id",
        "c",
        "--token-url",
        "https://idp.example/token",
        "--dpop",
        "yes",
        "--no-secret",
    ])
    .fails(2, &["--dpop"]);
}

#[test]
fn a_second_process_s_proof_verifies_against_the_cached_token_for_each_algorithm() {
    for alg in ["ES256", "EdDSA", "PS256"] {
        let ts = TokenServer::start(mode(None));
        let api = ResourceServer::start(ts.bound(), None);
        let env = env_for(&ts, Some(alg));
        let json = env.run(&["get", "p", "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(json.ok()).expect("json");
        assert_eq!(v["token_type"], "DPoP", "{alg}");
        let token = v["access_token"].as_str().expect("token").to_string();
        let jkt = v["dpop_jkt"].as_str().expect("jkt").to_string();
        assert_eq!(
            ts.bound()(&token),
            Some(jkt.clone()),
            "{alg}: the jkt shown is the bound key's"
        );
        for (method, path) in [("POST", "/v1/orders?x=1#frag"), ("DELETE", "/v1/orders/7")] {
            let url = api.url(path);
            let out = env.run(&["proof", "p", "--method", method, "--url", &url]);
            let proof = out.ok().trim().to_string();
            let (header, claims) = support::jwt::decode(&proof);
            assert_eq!(header["alg"], alg);
            assert_eq!(claims["ath"], support::dpop::ath(&token));
            let auth = format!("DPoP {token}");
            let (status, body) = support::tools::http_request(
                method,
                &api.url(path.split('#').next().unwrap_or(path)),
                &[("Authorization", &auth), ("DPoP", &proof)],
                "",
            )
            .expect("request");
            assert_eq!(status, 200, "{alg} {method}: {body}");
            assert!(body.contains(&jkt), "{body}");
            never_the_key(&env, &[&out]);
        }
        // Raw output (through the fast path's fall-through) is the same cached token; no
        // output but proof, header and curl carries a proof (a JWS: `eyJ…`).
        let raw = env.run(&["get", "p"]);
        assert_eq!(raw.ok().trim(), token);
        let envout = env.run(&["-v", "get", "p", "-o", "env"]);
        assert_eq!(
            envout.ok(),
            format!("export TOKFETCH_TOKEN='{token}'\nexport TOKFETCH_TOKEN_TYPE='DPoP'\n")
        );
        for o in [&json, &raw, &envout] {
            assert!(
                !o.stdout.contains("eyJ") && !o.stderr.contains("eyJ"),
                "{o}"
            );
        }
        assert_eq!(ts.server.count(), 1, "{alg}: one token for all of it");
        never_the_key(&env, &[&json]);
    }
}

#[test]
fn a_proof_for_another_method_or_url_is_refused_by_the_api() {
    let ts = TokenServer::start(mode(None));
    let api = ResourceServer::start(ts.bound(), None);
    let env = env_for(&ts, None);
    let header = env.run(&["header", "p", "--method", "get", "--url", &api.url("/a")]);
    let text = header.ok();
    let mut lines = text.lines();
    let auth = lines.next().expect("Authorization line");
    let proof = lines
        .next()
        .and_then(|l| l.strip_prefix("DPoP: "))
        .expect("DPoP line")
        .to_string();
    assert!(auth.starts_with("Authorization: DPoP "), "{text}");
    assert_eq!(lines.next(), None);
    let value = auth.trim_start_matches("Authorization: ");
    let send = |method: &str, path: &str| {
        support::tools::http_request(
            method,
            &api.url(path),
            &[("Authorization", value), ("DPoP", &proof)],
            "",
        )
        .expect("request")
    };
    let (status, body) = send("POST", "/a");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("htm"), "{body}");
    let (status, body) = send("GET", "/b");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("htu"), "{body}");
    // The right request (`get` was upper-cased) is accepted, once.
    let (status, body) = send("GET", "/a");
    assert_eq!(status, 200, "{body}");
    // A token with another key's proof: the key of a token fetched for another profile.
    let other = env_for(&ts, None);
    let foreign = other.run(&["proof", "p", "--method", "GET", "--url", &api.url("/a")]);
    let (status, body) = support::tools::http_request(
        "GET",
        &api.url("/a"),
        &[("Authorization", value), ("DPoP", foreign.ok().trim())],
        "",
    )
    .expect("request");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("ath"), "{body}");
}

#[test]
fn the_api_s_own_nonce_goes_into_the_proof() {
    let ts = TokenServer::start(mode(None));
    let api = ResourceServer::start(ts.bound(), Some("api-nonce-7"));
    let env = env_for(&ts, None);
    let url = api.url("/r");
    let first = env.run(&["get", "p", "-o", "curl", "--method", "GET", "--url", &url]);
    let (status, body) = curl_with(&env, first.ok(), &url);
    assert_eq!(status, "401", "{body}");
    assert!(body.contains("use_dpop_nonce"), "{body}");
    let again = env.run(&[
        "get",
        "p",
        "-o",
        "curl",
        "--method",
        "GET",
        "--url",
        &url,
        "--nonce",
        "api-nonce-7",
    ]);
    let (status, body) = curl_with(&env, again.ok(), &url);
    assert_eq!(status, "200", "{body}");
}

#[test]
fn exec_tells_the_command_the_token_type_and_the_command_asks_for_proofs() {
    let ts = TokenServer::start(mode(None));
    let api = ResourceServer::start(ts.bound(), None);
    let env = env_for(&ts, None);
    let url = api.url("/exec");
    let script = format!(
        "echo \"type=$TOKFETCH_TOKEN_TYPE\"; curl -s -H \"Authorization: DPoP $TOKFETCH_TOKEN\" -H \"DPoP: $(tokfetch proof p --method GET --url {url})\" {url}"
    );
    let out = env
        .command_for(&support::bin())
        .args(["exec", "p", "--", "sh", "-c", &script])
        .output()
        .expect("run");
    let out = Out::new(&["exec"], out);
    let text = out.ok();
    assert!(text.starts_with("type=DPoP\n"), "{out}");
    assert!(text.contains("\"ok\":true"), "{out} {:?}", api.refusals());
    assert_eq!(ts.server.count(), 1);
    never_the_key(&env, &[&out]);
    // A token that is not cached is one the command could not make proofs for.
    env.run(&["exec", "p", "--no-cache", "--", "true"])
        .fails(2, &["uses DPoP", "cached"]);
}

#[test]
fn a_server_that_ignores_dpop_is_exit_7_and_nothing_is_cached() {
    let ts = TokenServer::start(TokenServerMode {
        token_type: "Bearer",
        ..mode(None)
    });
    let env = env_for(&ts, None);
    env.run(&["get", "p"]).fails(
        7,
        &["token_type is Bearer, not DPoP", "the server ignored DPoP"],
    );
    assert!(!env.cache_dir.join("p.token.json").exists());
}

#[test]
fn a_server_that_asks_for_a_nonce_again_is_exit_5_after_two_requests() {
    let ts = TokenServer::start(TokenServerMode {
        always_nonce: true,
        ..mode(Some(NONCE))
    });
    let env = env_for(&ts, None);
    env.run(&["get", "p"])
        .fails(5, &["use_dpop_nonce", "HTTP 400"]);
    assert_eq!(ts.server.count(), 2);
}

#[test]
fn outputs_that_need_a_proof_say_what_is_missing_before_any_request() {
    let ts = TokenServer::start(mode(None));
    let env = env_for(&ts, None);
    env.run(&["header", "p"])
        .fails(2, &["profile `p` uses DPoP", "--method and --url"]);
    env.run(&["get", "p", "-o", "curl", "--method", "GET"])
        .fails(2, &["-o curl needs --url"]);
    env.run(&["get", "p", "-o", "header", "--url", "https://api.example/x"])
        .fails(2, &["needs --method"]);
    env.run(&["get", "p", "-o", "exec-credential"])
        .fails(2, &["exec-credential cannot carry a DPoP token"]);
    env.run(&["proof", "p", "--method", "GET", "--url", "ftp://x/y"])
        .fails(2, &["not an absolute http:// or https:// URL"]);
    env.run(&["proof", "p", "--method", "GE T", "--url", "https://x/y"])
        .fails(2, &["not an HTTP method"]);
    env.run(&["proof", "p", "--url", "https://x/y"])
        .fails(2, &["--method"]);
    assert_eq!(ts.server.count(), 0, "nothing was fetched");
    // A Bearer profile has no proofs to make.
    let mut bearer = Env::new();
    bearer.write_config(&format!(
        "[profiles.b]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"c\"\n",
        ts.server.url("/token")
    ));
    bearer.set("TOKFETCH_B_CLIENT_SECRET", CLIENT_SECRET);
    bearer
        .run(&["proof", "b", "--method", "GET", "--url", "https://x/y"])
        .fails(2, &["does not use DPoP", "set dpop = true"]);
    // dpop_alg without dpop = true is a config error.
    bearer.write_config(&format!(
        "[profiles.b]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"c\"\ndpop_alg = \"EdDSA\"\n",
        ts.server.url("/token")
    ));
    bearer
        .run(&["get", "b"])
        .fails(3, &["dpop_alg", "applies with dpop = true"]);
}

#[test]
fn each_token_gets_a_fresh_key_and_a_tampered_key_is_not_a_hit() {
    let ts = TokenServer::start(mode(None));
    let env = env_for(&ts, None);
    let jkt = |o: &Out| -> String {
        let v: serde_json::Value = serde_json::from_str(o.ok()).expect("json");
        v["dpop_jkt"].as_str().expect("jkt").to_string()
    };
    let a = jkt(&env.run(&["get", "p", "-o", "json"]));
    let b = jkt(&env.run(&["get", "p", "-o", "json", "--refresh"]));
    assert_ne!(a, b, "a new token, a new key");
    assert_eq!(ts.server.count(), 2);
    // A file whose key is not the one its identity names is refetched, never used.
    let path = env.cache_dir.join("p.token.json");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let other = env_for(&ts, None);
    other.run(&["get", "p"]).ok();
    v["dpop_key"] = cached_key(&other).0.into();
    std::fs::write(&path, v.to_string()).expect("write");
    let c = jkt(&env.run(&["get", "p", "-o", "json"]));
    assert_ne!(c, b);
    assert_eq!(ts.server.count(), 4);
    // Without dpop = true the cached DPoP token is no hit, and a DPoP answer is refused.
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"c\"\nauth_method = \"post\"\n",
        ts.server.url("/token")
    ));
    env.run(&["get", "p"]).fails(
        7,
        &[
            "unsupported token_type \"DPoP\"",
            "set dpop = true in profile `p`",
        ],
    );
    assert_eq!(ts.server.count(), 5);
}

#[test]
fn git_credential_does_not_answer_for_a_dpop_profile() {
    let ts = TokenServer::start(mode(None));
    let env = env_for(&ts, None);
    let mut child = env
        .command()
        .args(["-v", "git-credential", "p", "get"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"protocol=https\nhost=git.example\n\n")
        .expect("write");
    let out = Out::new(&["git-credential"], child.wait_with_output().expect("wait"));
    assert_eq!(out.ok(), "", "git gets nothing to send as Basic");
    assert!(out.stderr.contains("git can send no DPoP proof"), "{out}");
    assert_eq!(ts.server.count(), 0);
}

#[test]
fn a_dpop_hit_reads_no_secret_and_touches_no_network() {
    let ts = TokenServer::start(mode(None));
    let mut env = env_for(&ts, None);
    env.run(&["get", "p"]).ok();
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    for args in [
        &["get", "p", "-o", "json"][..],
        &[
            "proof",
            "p",
            "--method",
            "GET",
            "--url",
            "https://api.example/x",
        ],
        &[
            "header",
            "p",
            "--method",
            "GET",
            "--url",
            "https://api.example/x",
        ],
    ] {
        let (stdout, calls) = env.strace("socket,connect", args);
        assert!(!stdout.is_empty());
        let net: Vec<&String> = calls
            .iter()
            .filter(|l| l.contains("socket(") || l.contains("connect("))
            .collect();
        assert!(
            net.is_empty(),
            "{args:?}: a DPoP hit made network calls:\n{net:#?}"
        );
    }
    assert_eq!(ts.server.count(), 1);
}

#[test]
fn a_retry_after_a_server_error_carries_a_new_proof() {
    // The server records the first proof's jti and answers 503: resending that proof would be
    // refused as a replay (RFC 9449 §11.1).
    let ts = TokenServer::start(TokenServerMode {
        fail_once: true,
        ..mode(None)
    });
    let env = env_for(&ts, None);
    let out = env.run(&["get", "p"]);
    assert!(out.ok().starts_with("dpop-at-1-"), "{out}");
    assert_eq!(ts.server.count(), 2);
    assert_eq!(*ts.refusals.lock().expect("lock"), Vec::<String>::new());
}
