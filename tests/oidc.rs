//! Conformance against a certified OAuth 2.0 server nobody on the team wrote: the npm package
//! `oidc-provider`, started on 127.0.0.1 by this test (tests/oidc/server.mjs): shared secrets,
//! signed client assertions (RFC 7523: RSA, PS256, EC, Ed25519, HS256), mutual TLS (RFC 8705)
//! and discovery from its issuer. `#[ignore]`d for a bare `cargo test` (it needs node and `npm
//! ci --prefix tests/oidc`); tests/run.sh runs them, and they fail loudly without node.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use support::jwt::{EC, EC_SEC1, ED25519, RSA_A, RSA_A_PKCS1, RSA_B};
use support::tls::{MtlsPki, mtls_pki};
use support::{CLIENT_SECRET, Env, OTHER_SECRET, form_encode};

struct Oidc {
    child: Child,
    port: u16,
    /// The mTLS listener's port (https mode only).
    mtls_port: u16,
    /// The config handed to node, kept until the server is gone.
    _config: Option<tempfile::TempDir>,
}

impl Drop for Oidc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Oidc {
    start_with(None)
}

/// The server with signing-key clients, and with `pki` an https issuer with an mTLS listener.
fn start_signed(pki: Option<&MtlsPki>) -> Oidc {
    let mut config = json!({"keys": {"rsa-a": RSA_A, "rsa-b": RSA_B, "ec-1": EC, "ed-1": ED25519}});
    if let Some(pki) = pki {
        config["tls"] =
            json!({"cert": pki.server_cert_pem, "key": pki.server_key_pem, "ca": pki.ca_pem});
        config["mtls_subject"] = json!("mtls-client");
    }
    start_with(Some(&config))
}

fn start_with(config: Option<&serde_json::Value>) -> Oidc {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "oidc-provider is not installed: run `npm ci --prefix tests/oidc` (tests/run.sh does)"
    );
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("server.mjs")).arg(CLIENT_SECRET);
    let tmp = config.map(|c| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("config.json");
        std::fs::write(&path, c.to_string()).expect("write config");
        cmd.arg(&path);
        tmp
    });
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("node (nodejs) must be installed for this test: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("read port");
    // Keep draining stdout, so that the server never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("server said {line:?}"));
    let port = v["port"].as_u64().expect("port") as u16;
    let mtls_port = v["mtls_port"].as_u64().unwrap_or(0) as u16;
    Oidc {
        child,
        port,
        mtls_port,
        _config: tmp,
    }
}

fn env_for(oidc: &Oidc, client: &str, method: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.oidc]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{}/token\"\nauth_method = \"{method}\"\nclient_id = \"{client}\"\n",
        oidc.port
    ));
    env.set("TOKFETCH_OIDC_CLIENT_SECRET", CLIENT_SECRET);
    env
}

/// Ask the server's introspection endpoint whether `token` is active (RFC 7662), authenticating
/// as the basic client.
fn introspect(oidc: &Oidc, token: &str) -> serde_json::Value {
    let basic = STANDARD.encode(format!("basic-client:{}", form_encode(CLIENT_SECRET)));
    let (_, body) = support::tools::http_request(
        "POST",
        &format!("http://127.0.0.1:{}/token/introspection", oidc.port),
        &[
            ("Authorization", &format!("Basic {basic}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("token={}", form_encode(token)),
    )
    .expect("introspection request");
    serde_json::from_str(&body).expect("introspection JSON")
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn client_secret_basic_and_post_both_get_tokens_the_server_accepts() {
    let oidc = start();
    for (client, method) in [("basic-client", "basic"), ("post-client", "post")] {
        let env = env_for(&oidc, client, method);
        let out = env.run(&["get", "oidc", "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(out.ok()).expect("json");
        let token = v["access_token"].as_str().expect("token").to_string();
        assert_eq!(v["token_type"], "Bearer");
        let left = v["expires_in"].as_u64().expect("lifetime");
        assert!((500..=600).contains(&left), "{v}");
        let info = introspect(&oidc, &token);
        assert_eq!(info["active"], true, "{client}: {info}");
        assert_eq!(info["client_id"], client, "{info}");
        // The cached token is the same one, still active.
        assert_eq!(env.run(&["get", "oidc"]).ok().trim(), token);
    }
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_wrong_secret_is_exit_5_with_the_servers_own_error() {
    let oidc = start();
    for (client, method) in [("basic-client", "basic"), ("post-client", "post")] {
        let mut env = env_for(&oidc, client, method);
        env.set("TOKFETCH_OIDC_CLIENT_SECRET", OTHER_SECRET);
        env.run(&["get", "oidc"]).fails(
            5,
            &[
                "invalid_client",
                "client authentication failed",
                "(HTTP 401)",
            ],
        );
    }
}

/// Write `text` as `name` in the test's directory with `mode`.
fn file(env: &Env, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = env.path().join(name);
    std::fs::write(&path, text).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path
}

/// A `private_key_jwt` profile for `client` with `key` in a private file, and `extra` lines.
fn signed_env(oidc: &Oidc, client: &str, key: &str, extra: &str) -> Env {
    let env = Env::new();
    let path = file(&env, "key.pem", key, 0o600);
    env.write_config(&format!(
        "[profiles.oidc]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{}/token\"\nclient_id = \"{client}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n{extra}",
        oidc.port,
        path.display()
    ));
    env
}

/// The token of a `get -o json`, checked active for `client` by introspection.
fn token_for(oidc: &Oidc, env: &Env, args: &[&str], client: &str) -> String {
    let out = env.run(args);
    let v: serde_json::Value = serde_json::from_str(out.ok()).expect("json");
    let token = v["access_token"].as_str().expect("token").to_string();
    let info = introspect(oidc, &token);
    assert_eq!(info["active"], true, "{client}: {info}");
    assert_eq!(info["client_id"], client, "{info}");
    token
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn private_key_jwt_with_rsa_ec_and_ed25519_keys_gets_tokens_the_server_accepts() {
    let oidc = start_signed(None);
    for (client, key, extra) in [
        ("rsa-client", RSA_A, "key_id = \"rsa-a\"\n"),
        ("rsa-client", RSA_B, "key_id = \"rsa-b\"\n"),
        ("rsa-client", RSA_A_PKCS1, ""),
        (
            "ps-client",
            RSA_A,
            "signing_alg = \"PS256\"\nkey_id = \"rsa-a\"\n",
        ),
        ("ec-client", EC_SEC1, "key_id = \"ec-1\"\n"),
        ("ed-client", ED25519, ""),
    ] {
        let env = signed_env(&oidc, client, key, extra);
        // oidc-provider refuses a jti it has seen: two uncached fetches in a row must both
        // work, so each assertion is fresh.
        let a = token_for(
            &oidc,
            &env,
            &["get", "oidc", "-o", "json", "--no-cache"],
            client,
        );
        let b = token_for(
            &oidc,
            &env,
            &["get", "oidc", "-o", "json", "--no-cache", "-v"],
            client,
        );
        assert_ne!(a, b);
    }
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn client_secret_jwt_gets_a_token_and_the_wrong_secret_is_exit_5() {
    let oidc = start_signed(None);
    let mut env = env_for(&oidc, "jwt-secret-client", "client_secret_jwt");
    token_for(
        &oidc,
        &env,
        &["get", "oidc", "-o", "json", "--no-cache"],
        "jwt-secret-client",
    );
    token_for(
        &oidc,
        &env,
        &["get", "oidc", "-o", "json", "--no-cache"],
        "jwt-secret-client",
    );
    env.set("TOKFETCH_OIDC_CLIENT_SECRET", OTHER_SECRET);
    env.run(&["get", "oidc", "--no-cache"])
        .fails(5, &["invalid_client", "(HTTP 401)"]);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_key_the_server_does_not_know_is_exit_5() {
    let oidc = start_signed(None);
    for (client, key, extra) in [
        // The right kid, the wrong key: the signature does not verify.
        ("rsa-client", RSA_B, "key_id = \"rsa-a\"\n"),
        // A key of another type than the client registered.
        ("rsa-client", EC, ""),
        ("ed-client", RSA_A, ""),
    ] {
        let env = signed_env(&oidc, client, key, extra);
        env.run(&["get", "oidc"])
            .fails(5, &["invalid_client", "(HTTP 401)"]);
    }
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn discovery_from_the_issuer_finds_the_token_endpoint() {
    let oidc = start_signed(None);
    let env = Env::new();
    let path = file(&env, "key.pem", EC, 0o600);
    env.write_config(&format!(
        "[profiles.oidc]\nprovider = \"oauth2\"\nissuer = \"http://127.0.0.1:{}\"\nclient_id = \"ec-client\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n",
        oidc.port,
        path.display()
    ));
    token_for(&oidc, &env, &["get", "oidc", "-o", "json"], "ec-client");
    // oidc-provider lists the methods it supports; over plain http, tls_client_auth is not
    // one of them: exit 3, naming those it does support.
    let pki = mtls_pki(&["127.0.0.1"], "mtls-client");
    let cert = file(&env, "client.pem", &pki.client_cert_pem, 0o644);
    env.write_config(&format!(
        "[profiles.oidc]\nprovider = \"oauth2\"\nissuer = \"http://127.0.0.1:{}\"\nclient_id = \"ec-client\"\nauth_method = \"tls_client_auth\"\nclient_cert_file = \"{}\"\nprivate_key_file = \"{}\"\n",
        oidc.port,
        cert.display(),
        path.display()
    ));
    env.run(&["get", "oidc"]).fails(
        3,
        &[
            "does not support the client authentication tokfetch would use (tls_client_auth)",
            "private_key_jwt",
        ],
    );
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn tls_client_auth_through_the_mtls_alias_of_an_https_issuer() {
    let pki = mtls_pki(&["127.0.0.1"], "mtls-client");
    let oidc = start_signed(Some(&pki));
    let env = Env::new();
    let ca = file(&env, "ca.pem", &pki.ca_pem, 0o644);
    let cert = file(&env, "client.pem", &pki.client_cert_pem, 0o644);
    let key = file(&env, "client.key", EC, 0o600);
    let profile = |client: &str| {
        format!(
            "[profiles.oidc]\nprovider = \"oauth2\"\nissuer = \"https://127.0.0.1:{}\"\nclient_id = \"{client}\"\nauth_method = \"tls_client_auth\"\nclient_cert_file = \"{}\"\nprivate_key_file = \"{}\"\nca_file = \"{}\"\n",
            oidc.port,
            cert.display(),
            key.display(),
            ca.display()
        )
    };
    env.write_config(&profile("mtls-client"));
    let out = env.run(&["get", "oidc", "-o", "json", "-v"]);
    assert!(
        out.stderr.contains(&format!(
            "discovery: token endpoint https://127.0.0.1:{}/token",
            oidc.mtls_port
        )),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(out.ok()).expect("json");
    assert_eq!(v["token_type"], "Bearer");
    // The certificate is another client's: the server refuses it.
    env.write_config(&profile("ec-client"));
    env.run(&["get", "oidc"]).fails(5, &["invalid_client"]);
}

/// DPoP (RFC 9449) against oidc-provider with nonces required: the token is bound to the key
/// tokfetch made (introspection's `cnf.jkt` is the thumbprint `-o json` shows), and a loopback
/// API that verifies each proof and asks the server which key the token is bound to accepts
/// `get -o curl | curl -K -` and a second process's `proof`, and refuses a proof made for
/// another request.
#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn dpop_bound_tokens_from_oidc_provider_work_with_curl_and_proof() {
    use support::dpop::ResourceServer;
    let oidc = start_with(Some(&json!({"dpop": true})));
    let port = oidc.port;
    for alg in ["ES256", "EdDSA", "PS256"] {
        let env = env_for(&oidc, "basic-client", "basic");
        env.write_config(&format!(
            "[profiles.oidc]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{port}/token\"\nclient_id = \"basic-client\"\ndpop = true\ndpop_alg = \"{alg}\"\n",
        ));
        let first = env.run(&["-v", "get", "oidc", "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(first.ok()).expect("json");
        assert_eq!(v["token_type"], "DPoP", "{alg}");
        assert_eq!(
            first.stderr.matches("the server asked for a nonce").count(),
            1,
            "{alg}: the nonce challenge is answered once\n{first}"
        );
        let token = v["access_token"].as_str().expect("token").to_string();
        let jkt = v["dpop_jkt"].as_str().expect("jkt").to_string();
        let info = introspect(&oidc, &token);
        assert_eq!(info["active"], true, "{alg}: {info}");
        assert_eq!(info["token_type"], "DPoP", "{info}");
        assert_eq!(
            info["cnf"]["jkt"],
            jkt.as_str(),
            "{alg}: bound to the key shown"
        );

        // The API learns the token's key from the server, as a resource server would.
        let bound = move |t: &str| {
            let basic = STANDARD.encode(format!("basic-client:{}", form_encode(CLIENT_SECRET)));
            let (_, body) = support::tools::http_request(
                "POST",
                &format!("http://127.0.0.1:{port}/token/introspection"),
                &[
                    ("Authorization", &format!("Basic {basic}")),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                &format!("token={}", form_encode(t)),
            )
            .ok()?;
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            v["cnf"]["jkt"].as_str().map(str::to_string)
        };
        let api = ResourceServer::start(bound, None);
        let url = api.url("/v1/things?limit=5");
        let curl_config = env.run(&[
            "get", "oidc", "-o", "curl", "--method", "GET", "--url", &url,
        ]);
        let mut child = env
            .command_for(std::path::Path::new("curl"))
            .args(["-s", "-K", "-", "-w", "\n%{http_code}", &url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("curl must be installed");
        std::io::Write::write_all(
            &mut child.stdin.take().expect("stdin"),
            curl_config.ok().as_bytes(),
        )
        .expect("write");
        let out = child.wait_with_output().expect("curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            text.ends_with("\n200"),
            "{alg}: {text} {:?}",
            api.refusals()
        );

        // A second process's proof, with the cached token.
        let proof = env.run(&[
            "proof",
            "oidc",
            "--method",
            "PUT",
            "--url",
            &api.url("/v1/things/1"),
        ]);
        let auth = format!("DPoP {token}");
        let send = |method: &str, path: &str| {
            support::tools::http_request(
                method,
                &api.url(path),
                &[("Authorization", &auth), ("DPoP", proof.ok().trim())],
                "",
            )
            .expect("request")
        };
        let (status, body) = send("PUT", "/v1/things/2");
        assert_eq!(status, 401, "another URL: {body}");
        let (status, body) = send("GET", "/v1/things/1");
        assert_eq!(status, 401, "another method: {body}");
        let (status, body) = send("PUT", "/v1/things/1");
        assert_eq!(status, 200, "{alg}: {body}");
        assert!(body.contains(&jkt), "{body}");
        // Still the one token: nothing was fetched again.
        assert_eq!(env.run(&["get", "oidc"]).ok().trim(), token);
    }
}
