//! Trust at the new edges (README "Security model"): a cached token serves only the identity
//! that obtained it; the git helper answers only https and the listed hosts; no named file can
//! make tokfetch hang; discovered endpoints and the CI request token go only where they may;
//! a token that cannot be cached is still printed, with one warning.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use support::federation::{SUBJECT, Trust, ci_issuer, mint, relying_party};
use support::providers::{self, ClientAuth};
use support::server::{Action, Request, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Env, GH_REQUEST_TOKEN};

const AUDIENCE: &str = "api://AzureADTokenExchange";
const QUICK: Duration = Duration::from_secs(10);

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// A profile `p` for a relying party that trusts the CI issuer stand-in, with `extra` lines.
fn federated(extra: &str) -> (Server, Server, Env) {
    let ci = ci_issuer();
    let rp = relying_party(Trust {
        issuer: ci.url(""),
        audience: AUDIENCE.to_string(),
    });
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        rp.url("/token")
    ));
    (ci, rp, env)
}

// ---- a cached token belongs to the identity that obtained it ---------------------------------

#[test]
fn two_identities_through_a_variable_get_two_tokens() {
    let (ci, rp, mut env) =
        federated("auth_method = \"federated\"\nassertion_source = \"env:CI_JOB_JWT\"\n");
    let main = mint(&ci.url(""), AUDIENCE, SUBJECT);
    let pull_request = mint(&ci.url(""), AUDIENCE, SUBJECT);
    env.set("CI_JOB_JWT", &main);
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-1\n");
    // The same identity is a hit.
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-1\n");
    assert_eq!(rp.count(), 1);
    // Another job on the same runner: another identity, never the first one's token.
    env.set("CI_JOB_JWT", &pull_request);
    let out = env.run(&["get", "p", "-v"]);
    assert_eq!(out.ok(), "fed-2\n");
    assert_eq!(rp.count(), 2);
    assert_eq!(
        rp.last().form_value("client_assertion").as_deref(),
        Some(pull_request.as_str())
    );
    out.assert_never_shows(&pull_request);
    // Back to the first: its token was replaced in the cache, so a fetch, never a wrong hit.
    env.set("CI_JOB_JWT", &main);
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-3\n");
    // An unset variable is never a hit on a stored identity: the fetch says what is missing.
    env.unset("CI_JOB_JWT");
    env.run(&["get", "p"]).fails(4, &["$CI_JOB_JWT is not set"]);
}

#[test]
fn two_identities_through_a_file_get_two_tokens() {
    let (ci, rp, env) = federated("");
    let file = env.path().join("token");
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"federated\"\nassertion_source = \"file:{}\"\n",
        rp.url("/token"),
        file.display()
    ));
    std::fs::write(&file, mint(&ci.url(""), AUDIENCE, SUBJECT)).expect("write");
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-1\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-1\n");
    std::fs::write(&file, mint(&ci.url(""), AUDIENCE, SUBJECT)).expect("write");
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-2\n");
    assert_eq!(rp.count(), 2);
}

#[test]
fn two_github_jobs_get_two_tokens() {
    let (ci, rp, mut env) = federated(
        "auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://AzureADTokenExchange\"\n",
    );
    env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    env.set(
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        &ci.url("/idtoken?api-version=2.0&job=main"),
    );
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-1\n");
    // A hit asks GitHub nothing.
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-1\n");
    let asks = |ci: &Server| {
        ci.requests()
            .iter()
            .filter(|r| r.path.starts_with("/idtoken"))
            .count()
    };
    assert_eq!(asks(&ci), 1);
    env.set(
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        &ci.url("/idtoken?api-version=2.0&job=pull-request-7"),
    );
    assert_eq!(env.run(&["get", "p"]).ok(), "fed-2\n");
    assert_eq!(asks(&ci), 2);
    assert_eq!(rp.count(), 2);
}

#[test]
fn two_subject_tokens_exchanged_get_two_tokens() {
    let (ci, rp, mut env) = federated(
        "grant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"env:SUBJECT\"\n",
    );
    env.set("SUBJECT", &mint(&ci.url(""), AUDIENCE, SUBJECT));
    assert_eq!(env.run(&["get", "p"]).ok(), "exchanged-1\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "exchanged-1\n");
    env.set("SUBJECT", &mint(&ci.url(""), AUDIENCE, SUBJECT));
    assert_eq!(env.run(&["get", "p"]).ok(), "exchanged-2\n");
    assert_eq!(rp.count(), 2);
    // The identity keeps a digest: the cache file has no subject token (the leak check of
    // every run greps every cache file for it) but has the digest.
    let cached = std::fs::read_to_string(env.cache_dir.join("p.token.json")).expect("cache");
    assert!(cached.contains("subject_sha256"), "{cached}");
}

// ---- git-credential answers only where it should ---------------------------------------------

fn git_env(extra: &str) -> (providers::TokenServer, Env) {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        server.url("/oauth2/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    (server, env)
}

fn helper(env: &Env, action: &str, input: &str) -> support::Out {
    env.run_with_stdin(&["git-credential", "p", action], Some(input.as_bytes()))
}

#[test]
fn the_helper_never_answers_plain_http() {
    let (server, env) = git_env("");
    for input in [
        "protocol=http\nhost=evil.example\n\n",
        "protocol=http\nhost=git.example\n\n",
        "host=git.example\n\n",
    ] {
        let out = helper(&env, "get", input);
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{input}: {out}");
    }
    assert_eq!(server.issued(), 0, "no token was even fetched");
    let out = helper(&env, "get", "protocol=https\nhost=anything.example\n\n");
    assert!(out.ok().contains("password="), "unscoped: every https host");
}

#[test]
fn git_hosts_scopes_the_helper_by_host_and_port() {
    let (server, env) = git_env("git_hosts = [\"Git.Example.com\", \"git.example.com:8443\"]\n");
    for host in ["git.example.com", "GIT.EXAMPLE.COM", "git.example.com:8443"] {
        let out = helper(&env, "get", &format!("protocol=https\nhost={host}\n\n"));
        assert!(out.ok().starts_with("username=oauth2\npassword="), "{host}");
    }
    for host in [
        "evil.example",
        "git.example.com:9443",
        "git.example.com.evil.example",
    ] {
        let out = helper(&env, "get", &format!("protocol=https\nhost={host}\n\n"));
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{host}: {out}");
    }
    assert_eq!(server.issued(), 1);
}

#[test]
fn git_hosts_must_be_a_list_of_hosts() {
    let (_server, env) = git_env("git_hosts = \"git.example.com\"\n");
    env.run(&["get", "p"])
        .fails(3, &["`git_hosts` in profile `p` must be a list of hosts"]);
    let (_server, env) = git_env("git_hosts = [\"https://git.example.com/\"]\n");
    env.run(&["get", "p"]).fails(3, &["must hold host names"]);
}

#[test]
fn erase_without_the_token_forgets_nothing() {
    let (server, env) = git_env("");
    let token = env.run(&["get", "p"]).ok().trim_end().to_string();
    let out = helper(&env, "erase", "protocol=https\nhost=git.example\n\n");
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(env.run(&["get", "p"]).ok(), format!("{token}\n"));
    // Over plain http, even the right password forgets nothing.
    let out = helper(
        &env,
        "erase",
        &format!("protocol=http\nhost=git.example\npassword={token}\n\n"),
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(env.run(&["get", "p"]).ok(), format!("{token}\n"));
    assert_eq!(server.issued(), 1);
}

#[test]
fn malformed_helper_input_is_exit_2_with_nothing_on_stdout() {
    let (server, env) = git_env("");
    let long = format!("protocol=https\nhost={}\n\n", "a".repeat(70 * 1024));
    let huge = format!("protocol=https\n{}\n", "x=0123456789\n".repeat(90_000));
    for (input, why) in [
        ("protocol=https\nhost=git\0.example\n\n".to_string(), "NUL"),
        (long, "longer than 64 KiB"),
        (huge, "more than 1 MiB"),
    ] {
        helper(&env, "get", &input).fails(2, &["malformed input from git", why]);
    }
    assert_eq!(server.issued(), 0);
}

#[test]
#[ignore = "needs git (tests/run.sh checks for it)"]
fn a_real_git_with_an_unscoped_helper_gets_tokens_only_for_the_listed_https_hosts() {
    use std::io::Write;
    use std::process::Stdio;
    let (server, env) = git_env("git_hosts = [\"git.example.com\"]\n");
    let git = support::tools::tool("git", "TOKFETCH_TEST_GIT");
    let gitconfig = env.path().join("gitconfig");
    // Unscoped: git asks this helper for every host.
    std::fs::write(
        &gitconfig,
        "[credential]\n\thelper = \"!tokfetch git-credential p\"\n",
    )
    .expect("write gitconfig");
    let fill = |url: &str| {
        let mut child = env
            .command_for(&git)
            .args(["credential", "fill"])
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
            .write_all(format!("url={url}\n\n").as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("git");
        support::Out::new(&["git", "credential", "fill", url], out)
    };
    let ok = fill("https://git.example.com/acme/app.git");
    assert_eq!(ok.code, 0, "{ok}");
    assert!(ok.stdout.contains("password="), "{ok}");
    for url in [
        "http://git.example.com/acme/app.git",
        "https://evil.example/acme/app.git",
    ] {
        let out = fill(url);
        // git has no other helper and may not prompt: it fails, with no password.
        assert_ne!(out.code, 0, "{url}: {out}");
        assert!(!out.stdout.contains("password="), "{url}: {out}");
    }
    assert_eq!(server.issued(), 1);
}

// ---- no named file can make tokfetch hang ----------------------------------------------------

/// Every command that can fetch, against profile `p`.
fn every_fetching_command(env: &Env, code: i32, needles: &[&str]) {
    for args in [
        &["get", "p"][..],
        &["header", "p"],
        &["get", "p", "-o", "exec-credential"],
        &["exec", "p", "--", "true"],
    ] {
        env.run_within(args, QUICK).fails(code, needles);
    }
    let out = env.run_with_stdin(
        &["git-credential", "p", "get"],
        Some(b"protocol=https\nhost=git.example\n\n"),
    );
    out.fails(code, needles);
}

#[test]
fn a_fifo_as_a_private_key_or_certificate_is_exit_4_at_once() {
    let server = Server::start(|_: &Request| Action::Respond(Response::new(500, "text/plain", "")));
    let env = Env::new();
    let fifo = env.path().join("key.fifo");
    mkfifo(&fifo);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n",
        server.url("/token"),
        fifo.display()
    ));
    every_fetching_command(&env, 4, &["private_key_file", "is a FIFO"]);
    // The certificate whose thumbprints go in the assertion header.
    let key = env.path().join("key.pem");
    std::fs::write(&key, support::jwt::RSA_A).expect("key");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod");
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\nclient_cert_file = \"{}\"\n",
        server.url("/token"),
        key.display(),
        fifo.display()
    ));
    every_fetching_command(&env, 4, &["client_cert_file", "is a FIFO"]);
    assert_eq!(server.count(), 0);
}

#[test]
fn a_fifo_as_an_identity_file_is_exit_4_at_once() {
    let (_ci, rp, env) = federated("");
    let fifo = env.path().join("token.fifo");
    mkfifo(&fifo);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"federated\"\nassertion_source = \"file:{}\"\n",
        rp.url("/token"),
        fifo.display()
    ));
    every_fetching_command(&env, 4, &["the identity token file", "is a FIFO"]);
    assert_eq!(rp.count(), 0);
}

#[test]
fn a_fifo_as_a_ca_file_is_exit_3_at_once() {
    let env_with = |ca_line: &str| {
        let mut env = Env::new();
        // Nothing listens there: the CA file is read before any connection.
        env.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:9/token\"\nclient_id = \"{CLIENT_ID}\"\n{ca_line}"
        ));
        env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
        env
    };
    let probe = Env::new();
    let fifo = probe.path().join("ca.fifo");
    mkfifo(&fifo);
    let env = env_with(&format!("ca_file = \"{}\"\n", fifo.display()));
    every_fetching_command(&env, 3, &["ca_file", "is a FIFO"]);
    let mut env = env_with("");
    env.set("TOKFETCH_CA_FILE", &fifo.display().to_string());
    env.run_within(&["get", "p"], QUICK)
        .fails(3, &["ca_file", "is a FIFO"]);
}

#[test]
fn a_fifo_in_place_of_a_cache_file_is_ignored_at_once() {
    let (server, env) = git_env("");
    std::fs::create_dir_all(&env.cache_dir).expect("mkdir");
    std::fs::set_permissions(
        &env.cache_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .expect("chmod");
    mkfifo(&env.cache_dir.join("p.token.json"));
    let out = env.run_within(&["get", "p"], QUICK);
    assert!(out.ok().len() > 1);
    assert_eq!(server.issued(), 1);
}

// ---- discovered endpoints, and the CI request token ------------------------------------------

#[test]
fn a_discovered_plain_http_endpoint_gets_no_credential() {
    // The victim endpoint: plain http on loopback, which must receive nothing.
    let victim = Server::start(|_: &Request| {
        Action::Respond(Response::json(
            200,
            json!({"access_token": "stolen", "token_type": "Bearer", "expires_in": 60}),
        ))
    });
    let pki = support::tls::pki(&["127.0.0.1"]);
    let victim_url = victim.url("/token");
    let port = std::sync::Arc::new(std::sync::Mutex::new(0u16));
    let p = port.clone();
    let idp = support::tls::https_server(pki.config.clone(), move |req: &Request| {
        let me = format!("https://127.0.0.1:{}", p.lock().map(|p| *p).unwrap_or(0));
        if req.path == "/.well-known/openid-configuration" {
            Action::Respond(Response::json(
                200,
                json!({"issuer": me, "token_endpoint": victim_url}),
            ))
        } else {
            Action::Respond(Response::new(404, "text/plain", "no"))
        }
    });
    *port.lock().expect("lock") = idp.port;
    let mut env = Env::new();
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"https://127.0.0.1:{}\"\nclient_id = \"{CLIENT_ID}\"\nca_file = \"{}\"\n",
        idp.port,
        ca.display()
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "p"]).fails(
        7,
        &[
            &format!("names the token endpoint `{}`", victim.url("/token")),
            "plain http",
            "no credential is sent there",
        ],
    );
    assert_eq!(
        victim.count(),
        0,
        "nothing was sent to the plain-http endpoint"
    );
}

#[test]
fn the_ci_request_token_never_crosses_plain_http_even_with_allow_insecure_http() {
    let (_ci, rp, mut env) = federated(
        "auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://AzureADTokenExchange\"\nallow_insecure_http = true\n",
    );
    env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    // A name that must not even be looked up (.invalid never resolves, RFC 6761).
    env.set(
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "http://id-token.invalid/idtoken?api-version=2.0",
    );
    // Exit 4, not a DNS failure (6): refused before any lookup.
    env.run_within(&["get", "p"], QUICK).fails(
        4,
        &[
            "refusing plain http",
            "the CI request token",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
        ],
    );
    assert_eq!(rp.count(), 0);
}

#[test]
fn a_ci_request_token_that_is_no_header_value_is_exit_4_without_a_request() {
    let (ci, _rp, mut env) = federated(
        "auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://AzureADTokenExchange\"\n",
    );
    env.set("ACTIONS_ID_TOKEN_REQUEST_URL", &ci.url("/idtoken"));
    for bad in ["ghs-abc\r\nX-Evil: 1", "ghs-abc\ndef", "ghs-äbc-123"] {
        env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", bad);
        env.run(&["get", "p"]).fails(
            4,
            &["ACTIONS_ID_TOKEN_REQUEST_TOKEN is not a valid header value"],
        );
    }
    assert_eq!(ci.count(), 0);
}

#[test]
fn the_refusal_of_plain_http_names_the_credential_that_would_cross() {
    let env = Env::new();
    for (auth, extra, what) in [
        ("basic", "", "the client secret"),
        (
            "private_key_jwt",
            "private_key_file = \"/nonexistent/key.pem\"\n",
            "the client assertion",
        ),
    ] {
        env.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"http://idp.example/token\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"{auth}\"\n{extra}"
        ));
        env.run(&["get", "p"])
            .fails(3, &["refusing plain http", what, "allow_insecure_http"]);
    }
}

// ---- the discovery cache ---------------------------------------------------------------------

/// An issuer on loopback whose document names the token path in `token_path`, and which serves
/// tokens at that path unless it is `/gone`.
fn issuer(token_path: &'static std::sync::Mutex<&'static str>) -> Server {
    let port = std::sync::Arc::new(std::sync::Mutex::new(0u16));
    let p = port.clone();
    let server = Server::start(move |req: &Request| {
        let me = format!("http://127.0.0.1:{}", p.lock().map(|p| *p).unwrap_or(0));
        let path = *token_path.lock().expect("lock");
        match req.path.as_str() {
            "/.well-known/openid-configuration" => Action::Respond(Response::json(
                200,
                json!({"issuer": me, "token_endpoint": format!("{me}{path}")}),
            )),
            p if p == path && p != "/gone" => Action::Respond(Response::json(
                200,
                json!({"access_token": format!("at-{}", path.trim_start_matches('/')), "token_type": "Bearer", "expires_in": 3600}),
            )),
            _ => Action::Respond(Response::json(404, json!({"error": "not_found"}))),
        }
    });
    *port.lock().expect("lock") = server.port;
    server
}

fn issuer_env(server: &Server, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        server.url("")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

fn discovery_files(env: &Env) -> Vec<PathBuf> {
    std::fs::read_dir(&env.cache_dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".discovery.json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_moved_token_endpoint_refetches_the_document_once() {
    static PATH: std::sync::Mutex<&str> = std::sync::Mutex::new("/token");
    let server = issuer(&PATH);
    let env = issuer_env(&server, "");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-token\n");
    // The server moves its endpoint; the cached document still names the old one.
    *PATH.lock().expect("lock") = "/moved";
    let out = env.run(&["get", "p", "--no-cache", "-v"]);
    assert_eq!(out.ok(), "at-moved\n");
    assert!(
        out.stderr.contains("fetching the discovery document again"),
        "{out}"
    );
    let docs = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("openid-configuration"))
        .count();
    assert_eq!(docs, 2);
    // A 404 from an endpoint the fresh document names is an error with the hint.
    *PATH.lock().expect("lock") = "/gone";
    env.run(&["get", "p", "--no-cache"])
        .fails(5, &["(HTTP 404)", "hint: ", "tokfetch cache clear p"]);
    let docs = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("openid-configuration"))
        .count();
    assert_eq!(docs, 3, "one more fetch of the document, then the error");
}

#[test]
fn cache_false_writes_no_discovery_file() {
    static PATH: std::sync::Mutex<&str> = std::sync::Mutex::new("/token");
    let server = issuer(&PATH);
    let env = issuer_env(&server, "cache = false\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-token\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-token\n");
    assert!(discovery_files(&env).is_empty());
    assert!(!env.cache_dir.join("p.token.json").exists());
}

// ---- a token that cannot be cached ------------------------------------------------------------

fn cannot_cache(env: &Env, server: &providers::TokenServer) {
    for n in 1..=2 {
        let out = env.run(&["get", "p"]);
        assert!(!out.ok().trim().is_empty());
        let warnings: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("tokfetch: warning: "))
            .collect();
        assert_eq!(warnings.len(), 1, "{out}");
        assert!(warnings[0].contains("the token was not cached"), "{out}");
        assert_eq!(server.issued(), n);
    }
    let quiet = env.run(&["get", "p", "-q"]);
    assert!(!quiet.ok().is_empty());
    assert_eq!(quiet.stderr, "", "{quiet}");
}

#[test]
fn a_cache_file_that_cannot_be_written_still_prints_the_token_with_one_warning() {
    let (server, env) = git_env("");
    // The cache file's name is taken by a directory: the rename fails with an I/O error
    // (EISDIR), whoever runs the test (root included).
    std::fs::create_dir_all(env.cache_dir.join("p.token.json")).expect("mkdir");
    std::fs::set_permissions(
        &env.cache_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .expect("chmod");
    cannot_cache(&env, &server);
}

#[test]
fn a_full_disk_still_prints_the_token_with_one_warning() {
    let (server, mut env) = git_env("");
    let mount = env.path().join("small");
    std::fs::create_dir(&mount).expect("mkdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4k,mode=0700", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        // Mounting needs root (tests/run.sh runs as root on CI): the test above covers the
        // same path with another I/O error.
        eprintln!("note: cannot mount a tmpfs here; the full-disk case did not run");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mount.clone());
    // Fill it.
    let filler = mount.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 64 * 1024]);
    env.set("TOKFETCH_CACHE_DIR", &mount.display().to_string());
    cannot_cache(&env, &server);
}

// ---- redaction of base64 echoes and signature segments -----------------------------------------

#[test]
fn base64_echoes_of_the_ci_request_token_are_redacted() {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let echo = Server::start(|req: &Request| {
        let auth = req.header("authorization").unwrap_or("").to_string();
        let token = auth.trim_start_matches("Bearer ").to_string();
        Action::Respond(Response::new(
            401,
            "text/plain",
            format!(
                "denied {} / {} / {}",
                STANDARD.encode(&auth),
                URL_SAFE_NO_PAD.encode(&token),
                STANDARD.encode(&token)
            ),
        ))
    });
    let (_ci, _rp, mut env) = federated(
        "auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://AzureADTokenExchange\"\n",
    );
    env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    env.set("ACTIONS_ID_TOKEN_REQUEST_URL", &echo.url("/idtoken"));
    let out = env.run(&["get", "p", "-v"]);
    assert_eq!((out.code, out.stdout.as_str()), (5, ""), "{out}");
    assert!(
        out.stderr
            .contains("denied [redacted] / [redacted] / [redacted]"),
        "{out}"
    );
    for form in [
        STANDARD.encode(format!("Bearer {GH_REQUEST_TOKEN}")),
        URL_SAFE_NO_PAD.encode(GH_REQUEST_TOKEN),
        STANDARD.encode(GH_REQUEST_TOKEN),
    ] {
        assert!(!out.stderr.contains(&form), "{form} in {out}");
    }
}

#[test]
fn an_assertion_signature_echoed_alone_is_redacted() {
    let echo = Server::start(|req: &Request| {
        let assertion = req.form_value("client_assertion").unwrap_or_default();
        let signature = assertion.rsplit('.').next().unwrap_or("").to_string();
        Action::Respond(Response::json(
            401,
            json!({"error": "invalid_client", "error_description": format!("bad signature {signature}")}),
        ))
    });
    let env = Env::new();
    let key = env.path().join("key.pem");
    std::fs::write(&key, support::jwt::RSA_A).expect("key");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod");
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n",
        echo.url("/token"),
        key.display()
    ));
    let out = env.run(&["get", "p", "-v"]);
    assert_eq!((out.code, out.stdout.as_str()), (5, ""), "{out}");
    let sent = echo
        .last()
        .form_value("client_assertion")
        .expect("assertion");
    let signature = sent.rsplit('.').next().expect("signature");
    assert!(out.stderr.contains("bad signature [redacted]"), "{out}");
    assert!(!out.stderr.contains(signature), "{out}");
}

#[test]
fn doctor_warns_when_the_git_helper_is_unscoped() {
    let (_server, env) = git_env("");
    let out = env.run(&["doctor", "p", "--offline"]);
    let report = out.ok();
    let git: Vec<&str> = report
        .lines()
        .filter(|l| l.get(6..16).map(str::trim) == Some("git"))
        .collect();
    assert_eq!(git.len(), 1, "{report}");
    assert!(git[0].starts_with("warn"), "{report}");
    assert!(git[0].contains("unscoped"), "{report}");
    assert!(
        report.contains("git_hosts = [\"git.example.com\"]"),
        "{report}"
    );
    let (_server, env) = git_env("git_hosts = [\"git.example.com\"]\n");
    let out = env.run(&["doctor", "p", "--offline"]);
    let report = out.ok();
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("answers only for git.example.com")),
        "{report}"
    );
}

#[test]
fn a_token_endpoint_on_another_host_is_named_by_verbose_and_inspect() {
    let pki = support::tls::pki(&["127.0.0.1", "localhost"]);
    let port = std::sync::Arc::new(std::sync::Mutex::new(0u16));
    let p = port.clone();
    let idp = support::tls::https_server(pki.config.clone(), move |req: &Request| {
        let port = p.lock().map(|p| *p).unwrap_or(0);
        match req.path.as_str() {
            "/.well-known/openid-configuration" => Action::Respond(Response::json(
                200,
                json!({"issuer": format!("https://127.0.0.1:{port}"),
                       "token_endpoint": format!("https://localhost:{port}/token")}),
            )),
            "/token" => Action::Respond(Response::json(
                200,
                json!({"access_token": "at-elsewhere", "token_type": "Bearer", "expires_in": 600}),
            )),
            _ => Action::Respond(Response::new(404, "text/plain", "no")),
        }
    });
    *port.lock().expect("lock") = idp.port;
    let mut env = Env::new();
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"https://127.0.0.1:{}\"\nclient_id = \"{CLIENT_ID}\"\nca_file = \"{}\"\n",
        idp.port,
        ca.display()
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    // Whether localhost reaches the server here (it may resolve to ::1 first) does not matter:
    // the endpoint is named before any request to it.
    let out = env.run(&["get", "p", "-v"]);
    assert!(
        out.stderr.contains(&format!(
            "discovery: token endpoint https://localhost:{}/token (on localhost, another host than the issuer's)",
            idp.port
        )),
        "{out}"
    );
    let inspect = env.run(&["inspect", "p"]);
    assert!(
        inspect.ok().contains(&format!(
            "token url   https://localhost:{}/token (discovered; on another host than the issuer)",
            idp.port
        )),
        "{inspect}"
    );
    let json: serde_json::Value =
        serde_json::from_str(env.run(&["inspect", "p", "--json"]).ok()).expect("json");
    assert_eq!(json["discovered"]["other_host"], json!(true));
}
