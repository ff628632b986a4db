//! Conformance against a certified OAuth 2.0 server nobody on the team wrote: the npm package
//! `oidc-provider`, started on 127.0.0.1 by this test (tests/oidc/server.mjs). `#[ignore]`d for
//! a bare `cargo test` (it needs node and `npm ci --prefix tests/oidc`); tests/run.sh runs it.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use support::{CLIENT_SECRET, Env, OTHER_SECRET, form_encode};

struct Oidc {
    child: Child,
    port: u16,
}

impl Drop for Oidc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Oidc {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "oidc-provider is not installed: run `npm ci --prefix tests/oidc` (tests/run.sh does)"
    );
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .arg(CLIENT_SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node (nodejs) is installed");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("read port");
    // Keep draining stdout, so that the server never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("server said {line:?}"));
    let port = v["port"].as_u64().expect("port") as u16;
    Oidc { child, port }
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
    let mut response = ureq::post(&format!(
        "http://127.0.0.1:{}/token/introspection",
        oidc.port
    ))
    .header("Authorization", &format!("Basic {basic}"))
    .send_form([("token", token)])
    .expect("introspection request");
    let body = response
        .body_mut()
        .read_to_string()
        .expect("introspection body");
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
