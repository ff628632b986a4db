//! Where tokens are used (README "Recipes"): kubectl's exec credential plugin and git's
//! credential helper, with the real tools where a test says so (tests/run.sh installs them).

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::providers::{self, ClientAuth};
use support::server::{Action, Response, Server};
use support::tools::tool;
use support::{CLIENT_ID, CLIENT_SECRET, Env, OTHER_SECRET, tls};

fn env_for(url: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

// ---- kubectl -------------------------------------------------------------------------------

#[test]
fn exec_credential_is_what_kubectl_reads_in_the_version_it_asks_for() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = env_for(&server.url("/oauth2/token"), "");
    let out = env.run(&["get", "p", "-o", "exec-credential"]);
    let v: Value = serde_json::from_str(out.ok()).expect("json");
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(v["kind"], "ExecCredential");
    let token = v["status"]["token"].as_str().expect("token").to_string();
    let expiry = v["status"]["expirationTimestamp"].as_str().expect("expiry");
    assert!(expiry.ends_with('Z') && expiry.len() == 20, "{expiry}");

    // kubectl says which version it wants; a cache hit (the fast path) answers too.
    env.set(
        "KUBERNETES_EXEC_INFO",
        r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#,
    );
    let v: Value =
        serde_json::from_str(env.run(&["get", "p", "-o", "exec-credential"]).ok()).expect("json");
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(v["status"]["token"], token.as_str());
    assert_eq!(server.issued(), 1, "the second answer came from the cache");
}

#[test]
fn an_exec_credential_cache_hit_opens_no_socket() {
    // kubectl runs the plugin for every command: the hit must stay as cheap as `get`'s.
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = env_for(&server.url("/oauth2/token"), "");
    env.run(&["get", "p"]).ok();
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    let (stdout, calls) = env.strace("socket,connect", &["get", "p", "-o", "exec-credential"]);
    assert!(stdout.contains("\"ExecCredential\""), "{stdout}");
    let net: Vec<&String> = calls
        .iter()
        .filter(|l| l.contains("socket(") || l.contains("connect("))
        .collect();
    assert!(net.is_empty(), "a cache hit made network calls:\n{net:#?}");
    assert_eq!(server.issued(), 1);
}

#[test]
fn exec_credential_without_a_known_lifetime_has_no_expiration() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    server.set(|k| k.expires_in = None);
    let env = env_for(&server.url("/oauth2/token"), "");
    let v: Value =
        serde_json::from_str(env.run(&["get", "p", "-o", "exec-credential"]).ok()).expect("json");
    assert!(v["status"].get("expirationTimestamp").is_none(), "{v}");
}

/// A stand-in Kubernetes API server (TLS, per-test CA) that accepts only the token the token
/// server issued last.
struct Cluster {
    api: Server,
    ca: std::path::PathBuf,
    tokens: Server,
    issued: Arc<AtomicUsize>,
}

fn cluster(env: &Env) -> Cluster {
    let current = Arc::new(Mutex::new(String::new()));
    let issued = Arc::new(AtomicUsize::new(0));
    let (cur, n) = (current.clone(), issued.clone());
    let tokens = Server::start(move |_| {
        let t = format!("kube-token-{}", n.fetch_add(1, Ordering::SeqCst) + 1);
        if let Ok(mut c) = cur.lock() {
            *c = t.clone();
        }
        Action::Respond(Response::json(
            200,
            json!({"access_token": t, "token_type": "Bearer", "expires_in": 3600}),
        ))
    });
    let pki = tls::pki(&["localhost", "127.0.0.1"]);
    let api = tls::https_server(pki.config.clone(), move |req| {
        let want = current
            .lock()
            .map(|c| format!("Bearer {c}"))
            .unwrap_or_default();
        if req.header("authorization") != Some(want.as_str()) {
            return Action::Respond(Response::json(
                401,
                json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401}),
            ));
        }
        let body = match req.path.split('?').next().unwrap_or("") {
            "/version" => {
                json!({"major": "1", "minor": "37", "gitVersion": "v1.37.0-tokfetch-test", "platform": "linux/amd64"})
            }
            "/api" => {
                json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
            }
            "/apis" => json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
            _ => {
                return Action::Respond(Response::json(
                    404,
                    json!({"kind": "Status", "code": 404}),
                ));
            }
        };
        Action::Respond(Response::json(200, body))
    });
    let ca = env.path().join("cluster-ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write ca");
    Cluster {
        api,
        ca,
        tokens,
        issued,
    }
}

/// A kubeconfig whose user runs tokfetch through a wrapper that counts its runs in `count`.
fn kubeconfig(env: &Env, c: &Cluster, count: &Path) -> std::path::PathBuf {
    let wrapper = env.path().join("tokfetch-counted");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec tokfetch \"$@\"\n",
            count.display()
        ),
    )
    .expect("write wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = env.path().join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            r#"apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority: {ca}
users:
- name: tokfetch
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {wrapper}
      args: [get, p, -o, exec-credential]
      interactiveMode: Never
contexts:
- name: test
  context:
    cluster: test
    user: tokfetch
current-context: test
"#,
            port = c.api.port,
            ca = c.ca.display(),
            wrapper = wrapper.display()
        ),
    )
    .expect("write kubeconfig");
    path
}

fn runs(count: &Path) -> usize {
    std::fs::read_to_string(count)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
#[ignore = "needs kubectl (tests/run.sh installs it)"]
fn kubectl_authenticates_through_the_exec_plugin_and_reuses_the_credential() {
    let mut env = Env::new();
    let c = cluster(&env);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        c.tokens.url("/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    let count = env.path().join("plugin-runs");
    let kubeconfig = kubeconfig(&env, &c, &count);
    env.set("KUBECONFIG", &kubeconfig.display().to_string());
    let kubectl = tool("kubectl", "TOKFETCH_TEST_KUBECTL");
    let run = |args: &[&str]| -> Output {
        env.command_for(&kubectl)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run kubectl")
    };

    let out = run(&["get", "--raw", "/version"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("v1.37.0-tokfetch-test"),
        "kubectl failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!((runs(&count), c.issued.load(Ordering::SeqCst)), (1, 1));

    // One kubectl process making several API calls runs the plugin once: kubectl keeps the
    // ExecCredential until its expirationTimestamp.
    let out = run(&["api-versions"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let api_calls = c
        .api
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api"))
        .count();
    assert!(api_calls >= 2, "api-versions made {api_calls} calls");
    assert_eq!(
        runs(&count),
        2,
        "one plugin run for all of api-versions' calls"
    );

    // kubectl's cache lives in its process: the next kubectl runs tokfetch again, which
    // answers from its own cache without a token request.
    let out = run(&["get", "--raw", "/version"]);
    assert!(out.status.success());
    assert_eq!(runs(&count), 3);
    assert_eq!(
        c.issued.load(Ordering::SeqCst),
        1,
        "one token request in all"
    );
    let token_calls = c.tokens.count();
    assert_eq!(token_calls, 1);
}

// ---- git -----------------------------------------------------------------------------------

/// `git credential ACTION` with `input`, the helper configured for https://git.example.
fn git_credential(env: &Env, action: &str, input: &str) -> Output {
    let git = tool("git", "TOKFETCH_TEST_GIT");
    let gitconfig = env.path().join("gitconfig");
    std::fs::write(
        &gitconfig,
        "[credential \"https://git.example\"]\n\thelper = \"!tokfetch git-credential p\"\n",
    )
    .expect("write gitconfig");
    let mut child = env
        .command_for(&git)
        .args(["credential", action])
        .env("GIT_CONFIG_GLOBAL", &gitconfig)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn git");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to git");
    let out = child.wait_with_output().expect("git");
    let shown = support::Out::new(&["git", "credential", action], out.clone());
    drop(shown);
    out
}

fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
}

const ASK: &str = "protocol=https\nhost=git.example\n\n";

#[test]
#[ignore = "needs git (tests/run.sh checks for it)"]
fn git_credential_fill_gives_the_token_and_reject_makes_a_new_one() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = env_for(&server.url("/oauth2/token"), "");
    let out = git_credential(&env, "fill", ASK);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = field(&text, "password").expect("password").to_string();
    assert_eq!(env.run(&["get", "p"]).ok(), format!("{token}\n"));
    assert_eq!(field(&text, "username"), Some("oauth2"));
    let expiry: u64 = field(&text, "password_expiry_utc")
        .and_then(|v| v.parse().ok())
        .expect("password_expiry_utc");
    assert!(expiry > support::tools::now() + 800, "{text}");
    assert_eq!(server.issued(), 1);

    // Approving stores nothing anywhere; filling again reuses the cached token.
    assert!(git_credential(&env, "approve", &text).status.success());
    let again = String::from_utf8_lossy(&git_credential(&env, "fill", ASK).stdout).into_owned();
    assert_eq!(field(&again, "password"), Some(token.as_str()));
    assert_eq!(server.issued(), 1);

    // The server refused it: git rejects it, tokfetch forgets it, the next fill is new.
    assert!(git_credential(&env, "reject", &text).status.success());
    let after = String::from_utf8_lossy(&git_credential(&env, "fill", ASK).stdout).into_owned();
    let new = field(&after, "password").expect("password");
    assert_ne!(new, token);
    assert_eq!(server.issued(), 2);
}

#[test]
#[ignore = "needs git (tests/run.sh checks for it)"]
fn git_fails_cleanly_when_the_profile_cannot_get_a_token() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = env_for(&server.url("/oauth2/token"), "");
    env.set("TOKFETCH_P_CLIENT_SECRET", OTHER_SECRET);
    let out = git_credential(&env, "fill", ASK);
    assert!(!out.status.success(), "git must not get a credential");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("password="), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tokfetch: error:") && stderr.contains("invalid_client"),
        "{stderr}"
    );
}

#[test]
fn git_credential_get_prints_nothing_on_stdout_when_it_fails() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = env_for(&server.url("/oauth2/token"), "");
    env.set("TOKFETCH_P_CLIENT_SECRET", OTHER_SECRET);
    env.run_with_stdin(&["git-credential", "p", "get"], Some(ASK.as_bytes()))
        .fails(5, &["invalid_client"]);
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    env.run_with_stdin(&["git-credential", "p", "get"], Some(ASK.as_bytes()))
        .fails(4, &["client_secret"]);
    env.run_with_stdin(&["git-credential", "nope", "get"], Some(ASK.as_bytes()))
        .fails(3, &["unknown profile `nope`"]);
}

#[test]
fn git_credential_uses_git_username_and_ignores_store_and_unknown_actions() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = env_for(
        &server.url("/oauth2/token"),
        "git_username = \"x-access-token\"\n",
    );
    let out = env.run_with_stdin(&["git-credential", "p", "get"], Some(ASK.as_bytes()));
    let text = out.ok();
    assert!(
        text.starts_with("username=x-access-token\npassword="),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
    for action in ["store", "frobnicate"] {
        let input = format!("{ASK}password=whatever\n");
        let out = env.run_with_stdin(&["git-credential", "p", action], Some(input.as_bytes()));
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{action}"
        );
    }
    // Even without a config: store does nothing, so it needs none.
    let bare = Env::new();
    let out = bare.run_with_stdin(&["git-credential", "p", "store"], Some(ASK.as_bytes()));
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(server.issued(), 1);
}

#[test]
fn git_credential_erase_forgets_only_the_token_it_was_given() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = env_for(&server.url("/oauth2/token"), "");
    let token = env.run(&["get", "p"]).ok().trim_end().to_string();
    let erase = |password: &str| {
        let input =
            format!("protocol=https\nhost=git.example\nusername=oauth2\npassword={password}\n\n");
        let out = env.run_with_stdin(&["git-credential", "p", "erase"], Some(input.as_bytes()));
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    };
    erase("some-other-credential");
    assert_eq!(env.run(&["get", "p"]).ok(), format!("{token}\n"), "kept");
    assert_eq!(server.issued(), 1);
    erase(&token);
    let new = env.run(&["get", "p"]).ok().trim_end().to_string();
    assert_ne!(new, token);
    assert_eq!(server.issued(), 2);
}
