//! User tokens (README "User tokens", RFC 8628, RFC 6749 §4.1 with RFC 7636 PKCE, RFC 8252
//! loopback redirects, RFC 9207 `iss`, RFC 7009 revocation) against a real OAuth server nobody on
//! the team wrote: oidc-provider in the user mode of tests/oidc/server.mjs, with a simulated
//! person (tests/oidc/user.mjs) as `$BROWSER` and at the device page.
//!
//! `reference::` first proves the server and the simulated user with a client independent of
//! tokfetch (tests/oidc/reference.mjs); the other tests run the tokfetch binary. The server
//! counts what it served (authorization, token, revocation requests) and remembers every flow
//! secret it issued or received, so each test checks after the fact that no output showed one.
//!
//! All `#[ignore]`d for a bare `cargo test` (they need node and `npm ci --prefix tests/oidc`);
//! tests/run.sh runs them. The `keyring_` ones also need its Secret Service session.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::oidc_user::{
    self, CONFIDENTIAL, DEVICE_GRANT, NATIVE, UserServer, assert_never_shown, browser,
    files_holding, wait_for_log,
};
use support::{CLIENT_SECRET, Env, Out};

/// A profile name unique to this test process, so tests sharing the Secret Service never
/// share items.
fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

/// A public-client profile of `grant` discovering its endpoints from the server's issuer.
fn user_env(server: &UserServer, profile: &str, grant: &str, extra: &str) -> Env {
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ngrant = \"{grant}\"\nissuer = \"{}\"\nclient_id = \"{NATIVE}\"\nauth_method = \"none\"\nscope = \"openid offline_access\"\n{extra}",
        server.issuer()
    ));
    env
}

/// Where the test keeps its own files (the simulated users' logs, a copied URL): outside what
/// the leak checks search, which is everything else in the test's home.
fn harness(env: &Env, name: &str) -> PathBuf {
    let dir = env.path().join("harness");
    std::fs::create_dir_all(&dir).expect("mkdir harness");
    dir.join(name)
}

/// The files of the test's home (config, cache, runtime dir, anything tokfetch wrote) that
/// hold `needle`, the test's own files aside.
fn home_files_holding(env: &Env, needle: &str) -> Vec<PathBuf> {
    let own = env.path().join("harness");
    files_holding(env.path(), needle)
        .into_iter()
        .filter(|p| !p.starts_with(&own))
        .collect()
}

/// Set `$BROWSER` to the simulated user with `options`; returns its log (created only when a
/// browser is started).
fn set_browser(env: &mut Env, options: &[&str]) -> PathBuf {
    let log = harness(env, "browser.log");
    let _ = std::fs::remove_file(&log);
    let value = browser(&log, options);
    env.set("BROWSER", &value);
    log
}

/// `tokfetch login PROFILE` with `$BROWSER` as set; asserts it succeeded the way the contract
/// says: nothing on stdout, `logged in as profile` on stderr.
fn browser_login(env: &Env, profile: &str, extra: &[&str]) -> Out {
    let mut args = vec!["login", profile, "--timeout", "60"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "", "login prints nothing on stdout:\n{out}");
    assert!(
        out.stderr
            .contains(&format!("logged in as profile `{profile}`")),
        "{out}"
    );
    out
}

/// `tokfetch [args…] login PROFILE` for a device-flow profile, its stderr read by the simulated
/// device user (which copies it to its stdout: the returned `Out`'s stderr).
fn device_login(env: &Env, profile: &str, user_options: &[&str]) -> Out {
    device_login_args(env, &["login", profile, "--timeout", "60"], user_options)
}

fn device_login_args(env: &Env, args: &[&str], user_options: &[&str]) -> Out {
    let log = harness(env, "device-user.log");
    let mut tokfetch = env
        .command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tokfetch");
    let stderr = tokfetch.stderr.take().expect("stderr");
    let user = Command::new(oidc_user::node())
        .arg(oidc_user::dir().join("user.mjs"))
        .args(["device", "--stdin", "--log"])
        .arg(&log)
        .args(user_options)
        .stdin(Stdio::from(stderr))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the device user");
    let tokfetch = tokfetch.wait_with_output().expect("wait tokfetch");
    let user = user.wait_with_output().expect("wait the device user");
    let out = Out {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: tokfetch.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&tokfetch.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&user.stdout).into_owned(),
    };
    out.assert_no_secrets();
    env.assert_cache_holds_no_secret();
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        user.status.success(),
        "the device user failed:\n{log_text}\n{}\n{out}",
        String::from_utf8_lossy(&user.stderr)
    );
    out
}

/// A failed login: exit `code`, nothing on stdout, a `tokfetch: error:` line naming every
/// `needle` (after the device flow's instructions, when there were some), and nothing on stderr
/// but `tokfetch: …` lines and hints.
fn login_fails(out: &Out, code: i32, needles: &[&str]) {
    assert_eq!(out.code, code, "expected exit {code}:\n{out}");
    assert_eq!(out.stdout, "", "stdout must be empty on error:\n{out}");
    let error = out
        .stderr
        .lines()
        .find(|l| l.starts_with("tokfetch: error: "))
        .unwrap_or_else(|| panic!("no `tokfetch: error:` line:\n{out}"));
    for n in needles {
        assert!(
            out.stderr.contains(n),
            "stderr should mention {n:?} (error line: {error}):\n{out}"
        );
    }
    for line in out.stderr.lines() {
        assert!(
            line.starts_with("tokfetch: ") || line.starts_with("  hint: "),
            "an unexpected stderr line {line:?}:\n{out}"
        );
    }
}

/// The one line of `get PROFILE`'s stdout: the token.
fn token_of(out: &Out) -> String {
    let text = out.ok();
    assert_eq!(text.lines().count(), 1, "{out}");
    text.trim_end().to_string()
}

/// The server's introspection says `token` is an active token of `client` for user `alice`.
fn assert_accepted(server: &UserServer, token: &str, client: &str) {
    let info = server.introspect(token);
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["client_id"], client, "{info}");
    assert_eq!(info["sub"], "alice", "{info}");
}

/// The profile's cache file (`<profile>.token.json`).
fn cache_file(env: &Env, profile: &str) -> PathBuf {
    env.cache_dir.join(format!("{profile}.token.json"))
}

/// `tokfetch: warning:` lines of an output.
fn warnings(out: &Out) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("tokfetch: warning:"))
        .collect()
}

/// Log in with the simulated browser, with access tokens that need a refresh at once (30 s,
/// under the default `--min-ttl` of 60), then let the server issue long ones: the next `get`
/// must refresh, and its token then satisfies every later caller.
fn logged_in_with_a_stale_token(env: &mut Env, server: &UserServer, profile: &str) -> Vec<Out> {
    set_browser(env, &[]);
    let login = browser_login(env, profile, &[]);
    server.set_access_ttl(3600);
    vec![login]
}

/// 8 parallel `get`s needing a refresh: exactly one refresh request at the server, all print
/// the token it issued, which the server accepts; the old refresh token is refused now and the
/// rotated one is good. Returns (outputs, old refresh token, rotated refresh token).
fn eight_parallel_gets_refresh_once(
    env: &Env,
    server: &UserServer,
    profile: &str,
) -> (Vec<Out>, String, String) {
    let old = server.latest_refresh_token();
    let (refreshed_before, refused_before) = server.token_requests("refresh_token");
    assert_eq!((refreshed_before, refused_before), (0, 0));
    let outs: Vec<Out> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..8)
            .map(|_| s.spawn(|| env.run(&["get", profile])))
            .collect();
        runs.into_iter().map(|r| r.join().expect("get")).collect()
    });
    let tokens: Vec<String> = outs.iter().map(token_of).collect();
    assert_eq!(
        server.token_requests("refresh_token"),
        (1, 0),
        "8 parallel gets make one refresh request: {:?}",
        server.stats()
    );
    let issued = server.tokens();
    let (grant, newest, rotated) = issued.last().expect("a token response").clone();
    assert_eq!(grant, "refresh_token");
    for t in &tokens {
        assert_eq!(t, &newest, "every get prints the refreshed token");
    }
    assert_accepted(server, &newest, NATIVE);
    let rotated = rotated.expect("the refresh rotated the refresh token");
    assert_ne!(rotated, old);
    assert!(!server.is_active(&old), "the old refresh token is spent");
    assert!(server.is_active(&rotated), "the rotated one is good");
    // Nothing more: the next get is a cache hit.
    assert_eq!(token_of(&env.run(&["get", profile])), newest);
    assert_eq!(server.token_requests("refresh_token"), (1, 0));
    (outs, old, rotated)
}

/// No flow secret the server issued or received appears in any output, and none but the
/// `stored` refresh token in any file of the test's home (config, cache, runtime dir).
fn assert_no_flow_secret_leaked(
    env: &Env,
    server: &UserServer,
    outs: &[Out],
    stored: Option<&str>,
) {
    let secrets = server.secrets();
    assert_never_shown(outs, &secrets, &[]);
    for secret in &secrets {
        if Some(secret.as_str()) == stored {
            continue;
        }
        let holding = home_files_holding(env, secret);
        assert!(
            holding.is_empty(),
            "a flow secret (code, state, verifier, device code, refresh or ID token) is in {holding:?}"
        );
    }
}

// ---- the reference client proves the server and the simulated user, without tokfetch --------

mod reference {
    use super::*;

    #[test]
    #[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
    fn authorization_code_with_pkce_then_rotation_then_revocation() {
        let server = UserServer::start(600);
        let v = server.reference(&["authcode"]);
        assert_eq!(v["callback"]["state_ok"], true, "{v}");
        assert_eq!(
            v["callback"]["iss"],
            server.issuer().as_str(),
            "RFC 9207: {v}"
        );
        assert_eq!(v["callback"]["error"], serde_json::Value::Null, "{v}");
        assert_eq!(v["status"], 200, "{v}");
        let redirect = v["redirect_uri"].as_str().expect("redirect_uri");
        assert!(
            redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"),
            "{redirect}"
        );
        // Any loopback port is accepted for the registered http://127.0.0.1/callback.
        assert_eq!(server.stats()["redirect_uris"][0], redirect);
        let body = &v["body"];
        for key in ["access_token", "refresh_token", "id_token"] {
            assert!(body[key].is_string(), "{key}: {v}");
        }
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 600);
        let access = body["access_token"].as_str().expect("access");
        assert_accepted(&server, access, NATIVE);
        assert_eq!(server.authorization_requests(), 1);
        assert_eq!(server.token_requests("authorization_code"), (1, 0));

        // Refresh: a new refresh token every time; the old one is spent.
        let first = body["refresh_token"].as_str().expect("refresh").to_string();
        let r = server.reference(&["refresh", &first]);
        assert_eq!(r["status"], 200, "{r}");
        let second = r["body"]["refresh_token"]
            .as_str()
            .expect("rotated")
            .to_string();
        assert_ne!(second, first);
        assert!(!server.is_active(&first));
        assert!(server.is_active(&second));
        assert_eq!(server.token_requests("refresh_token"), (1, 0));

        // Revocation (RFC 7009) ends it: the next refresh is invalid_grant.
        let rv = server.reference(&["revoke", &second, "refresh_token"]);
        assert_eq!(rv["status"], 200, "{rv}");
        assert_eq!(server.revocations(), 1);
        assert!(!server.is_active(&second));
        let r = server.reference(&["refresh", &second]);
        assert_eq!(r["status"], 400, "{r}");
        assert_eq!(r["body"]["error"], "invalid_grant", "{r}");
        assert_eq!(server.token_requests("refresh_token"), (1, 1));

        // The server remembered the flow secrets it saw, for the leak checks.
        let secrets = server.secrets();
        for value in [
            first.as_str(),
            second.as_str(),
            body["id_token"].as_str().expect("id"),
        ] {
            assert!(secrets.iter().any(|s| s == value));
        }
        assert!(
            !secrets.iter().any(|s| s == access),
            "access tokens are printed by design"
        );
    }

    #[test]
    #[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
    fn a_denied_consent_reaches_the_loopback_listener_as_access_denied() {
        let server = UserServer::start(600);
        let v = server.reference(&["authcode", "--deny"]);
        assert_eq!(v["callback"]["error"], "access_denied", "{v}");
        assert_eq!(v["callback"]["state_ok"], true, "{v}");
        assert_eq!(server.token_requests("authorization_code"), (0, 0));
        // A confidential client with its secret goes through the same pages.
        let v = server.reference_as(CONFIDENTIAL, Some(CLIENT_SECRET), &["authcode"]);
        assert_eq!(v["status"], 200, "{v}");
        assert_accepted(
            &server,
            v["body"]["access_token"].as_str().expect("token"),
            CONFIDENTIAL,
        );
    }

    #[test]
    #[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
    fn device_flow_granted_and_denied() {
        let server = UserServer::start(600);
        let v = server.reference(&["device"]);
        assert_eq!(v["status"], 200, "{v}");
        assert_eq!(v["user_exit"], 0, "{v}");
        let shown = &v["authorization"];
        let uri = shown["verification_uri"].as_str().expect("uri");
        assert_eq!(uri, format!("{}/device", server.issuer()));
        assert!(
            shown["verification_uri_complete"]
                .as_str()
                .is_some_and(|c| c.starts_with(uri) && c.contains("user_code=")),
            "{v}"
        );
        // oidc-provider sends no interval (RFC 8628 §3.2: the client polls every 5 s).
        assert!(shown["interval"].is_null(), "{v}");
        assert!(v["body"]["refresh_token"].is_string(), "{v}");
        assert_accepted(
            &server,
            v["body"]["access_token"].as_str().expect("token"),
            NATIVE,
        );
        assert_eq!(server.device_authorizations(), 1);

        let v = server.reference(&["device", "--deny"]);
        assert_eq!(v["status"], 400, "{v}");
        assert_eq!(v["body"]["error"], "access_denied", "{v}");
        assert_eq!(v["user_exit"], 0, "the user refused as asked: {v}");
        assert_eq!(server.device_authorizations(), 2);
    }
}

// ---- tokfetch ---------------------------------------------------------------------------

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn login_with_a_browser_then_get_prints_a_token_the_server_accepts() {
    let server = UserServer::start(600);
    let profile = "web";
    let mut env = user_env(&server, profile, "authorization_code", "");
    let log = set_browser(&mut env, &[]);
    let login = browser_login(&env, profile, &[]);
    // The simulated person went through sign-in and consent, and the listener answered the
    // redirect with its page.
    let text = wait_for_log(&log, "done", Duration::from_secs(30));
    assert!(text.contains("login as alice"), "{text}");
    assert!(text.contains("consent: allow"), "{text}");
    assert!(text.contains("callback answered 200"), "{text}");
    assert!(text.to_lowercase().contains("logged in"), "{text}");
    assert_eq!(server.authorization_requests(), 1);
    assert_eq!(server.token_requests("authorization_code"), (1, 0));
    // An ephemeral loopback port, exactly http://127.0.0.1:<port>/callback.
    let redirect = server.stats()["redirect_uris"][0]
        .as_str()
        .expect("redirect_uri")
        .to_string();
    let port = redirect
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.strip_suffix("/callback"))
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("redirect_uri {redirect}"));
    assert_ne!(port, 0);

    let get = env.run(&["get", profile]);
    let token = token_of(&get);
    assert_accepted(&server, &token, NATIVE);
    assert_eq!(
        server.tokens().last().map(|t| t.1.clone()),
        Some(token.clone())
    );
    // A cache hit: no request at all.
    let again = env.run(&["get", profile]);
    assert_eq!(token_of(&again), token);
    assert_eq!(server.token_requests("refresh_token"), (0, 0));
    assert_eq!(server.token_requests("authorization_code"), (1, 0));
    let header = env.run(&["header", profile]);
    assert_eq!(
        header.ok().trim_end(),
        format!("Authorization: Bearer {token}")
    );
    // exec and the kubectl credential plugin output use the same token.
    let exec = env.run(&["exec", profile, "--", "printenv", "TOKFETCH_TOKEN"]);
    assert_eq!(exec.ok().trim_end(), token);
    let cred = env.run(&["get", profile, "-o", "exec-credential"]);
    let v: serde_json::Value = serde_json::from_str(cred.ok()).expect("exec-credential JSON");
    assert_eq!(v["status"]["token"], token.as_str(), "{cred}");
    assert_eq!(server.token_requests("refresh_token"), (0, 0));
    let stored = std::fs::read_to_string(cache_file(&env, profile)).ok();
    let rt = server.latest_refresh_token();
    assert_no_flow_secret_leaked(
        &env,
        &server,
        &[login, get, again, header, exec, cred],
        stored.filter(|s| s.contains(&rt)).map(|_| rt.as_str()),
    );
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_fixed_redirect_port_is_used_and_a_busy_one_is_exit_3() {
    let server = UserServer::start(600);
    let profile = "fixed";
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let mut env = user_env(
        &server,
        profile,
        "authorization_code",
        &format!("redirect_port = {port}\n"),
    );
    set_browser(&mut env, &[]);
    let login = browser_login(&env, profile, &[]);
    assert_eq!(
        server.stats()["redirect_uris"][0],
        format!("http://127.0.0.1:{port}/callback")
    );
    // The port is taken: exit 3 naming redirect_port, before any request or browser.
    env.run(&["logout", profile]).ok();
    let busy = std::net::TcpListener::bind(("127.0.0.1", port)).expect("hold the port");
    let log = set_browser(&mut env, &[]);
    let out = env.run(&["login", profile, "--timeout", "20"]);
    login_fails(&out, 3, &["redirect_port"]);
    drop(busy);
    assert_eq!(
        server.authorization_requests(),
        1,
        "no second authorization request"
    );
    assert!(!log.exists(), "no browser was started");
    assert_no_flow_secret_leaked(&env, &server, &[login, out], None);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn device_login_with_the_user_reading_stderr() {
    let server = UserServer::start(600);
    let profile = "tv";
    let env = user_env(&server, profile, "device_code", "");
    let login = device_login(&env, profile, &[]);
    assert_eq!(login.code, 0, "{login}");
    assert_eq!(login.stdout, "", "{login}");
    let uri = format!("{}/device", server.issuer());
    let lines: Vec<&str> = login.stderr.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with("tokfetch: to log in as profile"))
        .unwrap_or_else(|| panic!("no device line:\n{login}"));
    let prefix =
        format!("tokfetch: to log in as profile `{profile}`, open {uri} and enter the code ");
    let code = lines[first]
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the device line has the contract's shape:\n{login}"));
    assert!(
        code.len() == 9 && code.as_bytes()[4] == b'-',
        "the user code as the server gave it: {code}"
    );
    assert_eq!(
        lines.get(first + 1).copied(),
        Some(format!("tokfetch: or open {uri}?user_code={code}").as_str()),
        "{login}"
    );
    assert!(
        login
            .stderr
            .contains(&format!("logged in as profile `{profile}`")),
        "{login}"
    );
    assert_eq!(server.device_authorizations(), 1);
    assert_eq!(server.token_requests(DEVICE_GRANT).0, 1);
    let get = env.run(&["get", profile]);
    let token = token_of(&get);
    assert_accepted(&server, &token, NATIVE);
    let rt = server.latest_refresh_token();
    let stored = std::fs::read_to_string(cache_file(&env, profile)).unwrap_or_default();
    assert_no_flow_secret_leaked(
        &env,
        &server,
        &[login, get],
        stored.contains(&rt).then_some(rt.as_str()),
    );
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_confidential_client_logs_in_through_the_complete_verification_uri() {
    let server = UserServer::start(600);
    let profile = "conf";
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ngrant = \"device_code\"\nissuer = \"{}\"\nclient_id = \"{CONFIDENTIAL}\"\nauth_method = \"basic\"\nscope = \"openid offline_access\"\n",
        server.issuer()
    ));
    env.set("TOKFETCH_CONF_CLIENT_SECRET", CLIENT_SECRET);
    let login = device_login(&env, profile, &["--complete"]);
    assert_eq!(login.code, 0, "{login}");
    assert_eq!(login.stdout, "", "{login}");
    let get = env.run(&["get", profile]);
    assert_accepted(&server, &token_of(&get), CONFIDENTIAL);
    assert_no_flow_secret_leaked(
        &env,
        &server,
        &[login, get],
        Some(&server.latest_refresh_token()),
    );
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn headless_parallel_gets_refresh_once_and_store_the_rotated_token_in_the_0600_cache_file() {
    use std::os::unix::fs::PermissionsExt;
    let server = UserServer::start(30);
    let profile = "nokr";
    let mut env = user_env(&server, profile, "authorization_code", "");
    let mut outs = logged_in_with_a_stale_token(&mut env, &server, profile);
    let file = cache_file(&env, profile);
    let name = format!("{profile}.token.json");
    // No keyring (no D-Bus session): one warning, naming the file.
    let w = warnings(&outs[0]);
    assert_eq!(w.len(), 1, "exactly one warning:\n{}", outs[0]);
    assert!(w[0].contains(&name), "{}", outs[0]);
    let first = server.latest_refresh_token();
    let text = std::fs::read_to_string(&file).expect("the cache file");
    assert!(
        text.contains(&first),
        "the refresh token is in {}",
        file.display()
    );
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", file.display());

    let (gets, old, rotated) = eight_parallel_gets_refresh_once(&env, &server, profile);
    assert_eq!(old, first);
    // The rotated token replaced the old one in the file, and nobody warned again.
    let text = std::fs::read_to_string(&file).expect("the cache file");
    assert!(
        text.contains(&rotated),
        "the rotated refresh token is stored"
    );
    assert!(!text.contains(&old), "the spent one is gone");
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    for g in &gets {
        assert!(warnings(g).is_empty(), "no warning on rotation:\n{g}");
    }
    outs.extend(gets);
    assert_no_flow_secret_leaked(&env, &server, &outs, Some(&rotated));
}

/// What `secret-tool` finds for service `tokfetch`, user `user`.
fn secret_tool_lookup(user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "tokfetch", "username", user])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
#[ignore = "needs node, npm ci and the Secret Service session of tests/run.sh"]
fn keyring_holds_the_refresh_token_rotated_under_the_lock_and_never_the_cache_directory() {
    let server = UserServer::start(30);
    let profile = unique("ut-kr");
    let mut env = user_env(&server, &profile, "authorization_code", "");
    env.with_secret_service();
    let user = format!("{profile}/refresh_token");
    let mut outs = logged_in_with_a_stale_token(&mut env, &server, &profile);
    assert!(
        warnings(&outs[0]).is_empty(),
        "a keyring: no warning\n{}",
        outs[0]
    );
    let first = server.latest_refresh_token();
    assert_eq!(secret_tool_lookup(&user).as_deref(), Some(first.as_str()));
    assert_eq!(home_files_holding(&env, &first), Vec::<PathBuf>::new());

    let (gets, _, rotated) = eight_parallel_gets_refresh_once(&env, &server, &profile);
    assert_eq!(
        secret_tool_lookup(&user).as_deref(),
        Some(rotated.as_str()),
        "the rotated refresh token is the one stored"
    );
    for t in [&first, &rotated] {
        assert_eq!(
            home_files_holding(&env, t),
            Vec::<PathBuf>::new(),
            "no refresh token in the cache directory (or anywhere in the home)"
        );
    }
    outs.extend(gets);

    // logout revokes at the server and forgets the keyring item.
    let logout = env.run(&["logout", &profile]);
    assert_eq!(logout.ok(), "", "{logout}");
    assert!(warnings(&logout).is_empty(), "{logout}");
    assert_eq!(secret_tool_lookup(&user), None);
    assert!(!server.is_active(&rotated));
    outs.push(logout);
    assert_no_flow_secret_leaked(&env, &server, &outs, None);
}

#[test]
#[ignore = "needs node, npm ci and the Secret Service session of tests/run.sh"]
fn keyring_device_login_stores_the_refresh_token_in_the_keyring() {
    let server = UserServer::start(600);
    let profile = unique("ut-kr-dev");
    let mut env = user_env(&server, &profile, "device_code", "");
    env.with_secret_service();
    let login = device_login(&env, &profile, &[]);
    assert_eq!(login.code, 0, "{login}");
    let rt = server.latest_refresh_token();
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/refresh_token")).as_deref(),
        Some(rt.as_str())
    );
    assert_eq!(home_files_holding(&env, &rt), Vec::<PathBuf>::new());
    let get = env.run(&["get", &profile]);
    assert_accepted(&server, &token_of(&get), NATIVE);
    env.run(&["logout", &profile]).ok();
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/refresh_token")),
        None
    );
    assert_no_flow_secret_leaked(&env, &server, &[login, get], None);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn no_terminal_and_nothing_cached_is_exit_4_and_starts_no_browser() {
    let server = UserServer::start(600);
    for (profile, grant) in [("code", "authorization_code"), ("dev", "device_code")] {
        let mut env = user_env(&server, profile, grant, "");
        let log = set_browser(&mut env, &[]);
        let needles = [
            format!("no token for profile `{profile}` and no terminal to log in on"),
            format!("hint: run tokfetch login {profile}"),
        ];
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        let outs = vec![
            env.run(&["get", profile]),
            env.run(&["header", profile]),
            env.run(&["exec", profile, "--", "true"]),
        ];
        for out in &outs {
            out.fails(4, &needles);
        }
        // Nothing was asked of the server, and no browser ran (it would have written its log
        // first thing; the grace period covers a browser started just before exit).
        std::thread::sleep(Duration::from_millis(500));
        assert!(!log.exists(), "a browser was started for {profile}");
        assert_eq!(server.authorization_requests(), 0);
        assert_eq!(server.device_authorizations(), 0);
        assert_eq!(server.stats()["token"], serde_json::json!({}));
    }
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn get_on_a_terminal_logs_in_first_then_prints_the_token() {
    let server = UserServer::start(600);
    let profile = "tty";
    let mut env = user_env(&server, profile, "authorization_code", "");
    set_browser(&mut env, &[]);
    let script = support::tools::tool("script", "TOKFETCH_TEST_SCRIPT");
    let mut child = env
        .command_for(&script)
        .args(["-qec", &format!("tokfetch get {profile}"), "/dev/null"])
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1)");
    // Keep the terminal's input open (a person at it) until tokfetch is done.
    let stdin = child.stdin.take();
    let out = child.wait_with_output().expect("script");
    drop(stdin);
    let out = Out::new(&["get", profile], out);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(server.authorization_requests(), 1);
    let token = server.tokens().last().expect("a token").1.clone();
    assert!(out.stdout.contains(&token), "the token is printed:\n{out}");
    assert_accepted(&server, &token, NATIVE);
    let rt = server.latest_refresh_token();
    assert_no_flow_secret_leaked(&env, &server, &[out], Some(&rt));
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn invalid_grant_on_refresh_drops_the_stored_refresh_token() {
    let server = UserServer::start(30);
    let profile = "gone";
    let mut env = user_env(&server, profile, "authorization_code", "");
    let mut outs = logged_in_with_a_stale_token(&mut env, &server, profile);
    let rt = server.latest_refresh_token();
    // The server forgets the grant (an admin revoked it, say).
    let rv = server.reference(&["revoke", &rt, "refresh_token"]);
    assert_eq!(rv["status"], 200, "{rv}");
    let log = harness(&env, "browser.log");
    let _ = std::fs::remove_file(&log);

    // Four at once: one refresh request, refused; the others find the token dropped.
    let batch: Vec<Out> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|_| s.spawn(|| env.run(&["get", profile])))
            .collect();
        runs.into_iter().map(|r| r.join().expect("get")).collect()
    });
    assert_eq!(
        server.token_requests("refresh_token"),
        (0, 1),
        "one refresh request for 4 parallel gets"
    );
    let refused: Vec<&Out> = batch
        .iter()
        .filter(|o| o.stderr.contains("refused the stored refresh token"))
        .collect();
    assert_eq!(refused.len(), 1, "{batch:#?}");
    refused[0].fails(
        4,
        &[
            "refused the stored refresh token",
            &format!("tokfetch login {profile}"),
        ],
    );
    for out in &batch {
        out.fails(4, &[&format!("hint: run tokfetch login {profile}")]);
    }
    assert!(
        !std::fs::read_to_string(cache_file(&env, profile))
            .unwrap_or_default()
            .contains(&rt),
        "the refused refresh token is dropped"
    );
    // Dropped: the next get does not try it again.
    let again = env.run(&["get", profile]);
    again.fails(4, &[&format!("no token for profile `{profile}`")]);
    assert_eq!(server.token_requests("refresh_token"), (0, 1));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!log.exists(), "no browser without a terminal");
    outs.extend(batch);
    outs.push(again);
    assert_no_flow_secret_leaked(&env, &server, &outs, None);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn two_parallel_logins_make_one_authorization_request() {
    let server = UserServer::start(600);
    let profile = "twice";
    let mut env = user_env(&server, profile, "authorization_code", "");
    set_browser(&mut env, &[]);
    let outs: Vec<Out> = std::thread::scope(|s| {
        let a = s.spawn(|| env.run(&["login", profile, "--timeout", "60"]));
        let b = s.spawn(|| env.run(&["login", profile, "--timeout", "60"]));
        vec![a.join().expect("a"), b.join().expect("b")]
    });
    for out in &outs {
        assert_eq!(out.code, 0, "{out}");
        assert_eq!(out.stdout, "", "{out}");
    }
    assert_eq!(server.authorization_requests(), 1, "{:?}", server.stats());
    assert_eq!(server.token_requests("authorization_code"), (1, 0));
    let get = env.run(&["get", profile]);
    assert_accepted(&server, &token_of(&get), NATIVE);
    let mut all = outs;
    all.push(get);
    let rt = server.latest_refresh_token();
    assert_no_flow_secret_leaked(&env, &server, &all, Some(&rt));
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn denied_consent_is_exit_5_in_both_flows_and_stores_nothing() {
    let server = UserServer::start(600);
    let mut env = user_env(&server, "code", "authorization_code", "");
    let log = set_browser(&mut env, &["--deny"]);
    let out = env.run(&["login", "code", "--timeout", "60"]);
    login_fails(&out, 5, &["access_denied"]);
    let text = wait_for_log(&log, "done", Duration::from_secs(30));
    assert!(text.contains("consent: deny"), "{text}");
    assert_eq!(server.token_requests("authorization_code"), (0, 0));
    let after = env.run(&["get", "code"]);
    after.fails(4, &["no token for profile `code`"]);

    let denv = user_env(&server, "dev", "device_code", "");
    let dout = device_login(&denv, "dev", &["--deny"]);
    login_fails(&dout, 5, &["access_denied"]);
    assert_eq!(server.token_requests(DEVICE_GRANT).0, 0);
    let dafter = denv.run(&["get", "dev"]);
    dafter.fails(4, &["no token for profile `dev`"]);
    assert_no_flow_secret_leaked(&env, &server, &[out, after], None);
    assert_no_flow_secret_leaked(&denv, &server, &[dout, dafter], None);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_login_not_completed_in_time_is_exit_6() {
    let server = UserServer::start(600);
    let profile = "slow";
    let mut env = user_env(&server, profile, "authorization_code", "");
    // A person who never comes back: the browser ends on the redirect but never opens it.
    let url_file = harness(&env, "final-url.txt");
    let log = set_browser(&mut env, &["--print-to", &url_file.display().to_string()]);
    let out = env.run(&["login", profile, "--timeout", "3"]);
    login_fails(&out, 6, &["login timed out after 3 s"]);
    let text = wait_for_log(&log, "done", Duration::from_secs(30));
    assert!(text.contains("wrote the final URL"), "{text}");
    assert_eq!(server.token_requests("authorization_code"), (0, 0));
    // The code it never received: redeemable by nobody but the login that is gone; state,
    // code and verifier never shown.
    assert_no_flow_secret_leaked(&env, &server, &[out], None);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn pasting_the_final_redirect_url_on_stdin_completes_a_no_browser_login() {
    paste_login(Opener::NoBrowserFlag);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_browser_that_cannot_start_falls_back_to_the_url_and_the_paste() {
    paste_login(Opener::Broken);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn no_browser_and_no_display_falls_back_to_the_url_and_the_paste() {
    paste_login(Opener::NoDisplay);
}

/// Why a login prints its URL instead of opening it.
#[derive(PartialEq)]
enum Opener {
    /// `--no-browser`, with a working `$BROWSER` that must not be used.
    NoBrowserFlag,
    /// `$BROWSER` names a program that does not exist.
    Broken,
    /// Neither `$BROWSER` nor `DISPLAY`/`WAYLAND_DISPLAY` (an SSH session): xdg-open is not tried.
    NoDisplay,
}

/// The SSH case: the URL on stderr (with `--no-browser`, or because `$BROWSER` cannot start),
/// opened by a person elsewhere whose browser ends on the loopback redirect, pasted on stdin.
fn paste_login(opener: Opener) {
    let server = UserServer::start(600);
    let profile = "ssh";
    let mut env = user_env(&server, profile, "authorization_code", "");
    let browser_log = match opener {
        Opener::NoBrowserFlag => set_browser(&mut env, &[]),
        Opener::Broken => {
            let missing = env.path().join("no-such-browser");
            env.set("BROWSER", &missing.display().to_string());
            missing
        }
        Opener::NoDisplay => {
            env.unset("BROWSER")
                .unset("DISPLAY")
                .unset("WAYLAND_DISPLAY");
            harness(&env, "browser.log")
        }
    };
    let mut args = vec!["login", profile, "--timeout", "60"];
    if opener == Opener::NoBrowserFlag {
        args.push("--no-browser");
    }
    let mut child = env
        .command()
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tokfetch");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let mut url = None;
    let mut waiting = None;
    while waiting.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no URL and waiting line on stderr: {seen:#?}"));
        if line.starts_with(&format!("{}/auth?", server.issuer())) {
            url = Some(line.clone());
        }
        if line.starts_with("tokfetch: waiting for the redirect to ") {
            waiting = Some(line.clone());
        }
        seen.push(line);
    }
    let url = url.unwrap_or_else(|| panic!("no authorization URL: {seen:#?}"));
    let waiting = waiting.expect("waiting line");
    let at = seen.iter().position(|l| *l == url).expect("url line");
    assert!(at >= 1, "{seen:#?}");
    assert_eq!(
        seen[at - 1],
        format!("tokfetch: open this URL to log in as profile `{profile}`:")
    );
    // The URL: PKCE S256 with a 43-character challenge, state, the loopback redirect the
    // waiting line names, never the verifier.
    let parsed: Vec<(String, String)> =
        form_urlencoded::parse(url.split_once('?').expect("query").1.as_bytes())
            .into_owned()
            .collect();
    let param = |k: &str| {
        parsed
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k} in {url}"))
    };
    assert_eq!(param("response_type"), "code");
    assert_eq!(param("client_id"), NATIVE);
    assert_eq!(param("code_challenge_method"), "S256");
    assert_eq!(param("code_challenge").len(), 43);
    assert!(param("scope").split(' ').any(|s| s == "offline_access"));
    let state = param("state");
    assert!(!parsed.iter().any(|(k, _)| k == "code_verifier"), "{url}");
    let redirect = param("redirect_uri");
    assert_eq!(
        waiting,
        format!(
            "tokfetch: waiting for the redirect to {redirect} (or paste the URL your browser ends on here)"
        )
    );

    // The person's browser is elsewhere: it ends on the redirect, which they copy.
    let url_file = harness(&env, "final-url.txt");
    let user_log = harness(&env, "remote-user.log");
    let status = Command::new(oidc_user::node())
        .arg(oidc_user::dir().join("user.mjs"))
        .args(["browser", "--print-to"])
        .arg(&url_file)
        .arg("--log")
        .arg(&user_log)
        .arg(&url)
        .status()
        .expect("the remote user");
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(&user_log).unwrap_or_default()
    );
    let final_url = std::fs::read_to_string(&url_file).expect("the final URL");
    assert!(
        final_url.starts_with(&format!("{redirect}?")),
        "{final_url}"
    );
    stdin.write_all(final_url.as_bytes()).expect("paste");
    drop(stdin);
    let status = child.wait().expect("wait tokfetch");
    reader.join().expect("reader");
    seen.extend(rx.try_iter());
    let mut printed = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut printed).expect("stdout");
    let out = Out {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: status.code().unwrap_or(-1),
        stdout: printed,
        stderr: seen.join("\n") + "\n",
    };
    out.assert_no_secrets();
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        out.stderr
            .contains(&format!("logged in as profile `{profile}`")),
        "{out}"
    );
    assert!(
        !browser_log.exists(),
        "--no-browser started a browser (or one was made up)"
    );
    assert_eq!(server.token_requests("authorization_code"), (1, 0));
    let get = env.run(&["get", profile]);
    assert_accepted(&server, &token_of(&get), NATIVE);
    // The URL carries the state by design (README "User tokens"); nothing else of the flow is
    // shown, and the state only in that one place.
    assert_eq!(out.stderr.matches(state.as_str()).count(), 1, "{out}");
    assert_never_shown(&[out], &server.secrets(), &[state.as_str()]);
    let rt = server.latest_refresh_token();
    assert_no_flow_secret_leaked(&env, &server, &[get], Some(&rt));
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn logout_revokes_at_the_server_and_forgets_and_a_failed_revocation_is_a_warning() {
    let server = UserServer::start(600);
    let profile = "bye";
    let mut env = user_env(&server, profile, "authorization_code", "");
    set_browser(&mut env, &[]);
    let login = browser_login(&env, profile, &[]);
    let get = env.run(&["get", profile]);
    let access = token_of(&get);
    let rt = server.latest_refresh_token();
    assert!(server.is_active(&rt) && server.is_active(&access));

    let logout = env.run(&["logout", profile]);
    assert_eq!(logout.ok(), "", "{logout}");
    assert!(warnings(&logout).is_empty(), "{logout}");
    assert_eq!(
        server.revocations(),
        2,
        "the refresh token, then the access token"
    );
    assert!(!server.is_active(&rt));
    assert!(!server.is_active(&access));
    // A client that still held the refresh token cannot use it.
    let r = server.reference(&["refresh", &rt]);
    assert_eq!(r["status"], 400, "{r}");
    assert_eq!(r["body"]["error"], "invalid_grant", "{r}");
    // Forgotten here too.
    assert!(home_files_holding(&env, &rt).is_empty());
    assert!(home_files_holding(&env, &access).is_empty());
    let after = env.run(&["get", profile]);
    after.fails(4, &[&format!("no token for profile `{profile}`")]);

    // Logged in again, then the server is gone: a warning, exit 0, forgotten all the same.
    browser_login(&env, profile, &[]);
    let rt2 = server.latest_refresh_token();
    let secrets = server.secrets();
    let outs = vec![login, get, logout, after];
    assert_no_flow_secret_leaked(&env, &server, &outs, Some(&rt2));
    drop(server);
    let offline = env.run(&["logout", profile]);
    assert_eq!(offline.ok(), "", "{offline}");
    assert_eq!(warnings(&offline).len(), 1, "{offline}");
    assert!(home_files_holding(&env, &rt2).is_empty(), "forgotten");
    assert_never_shown(&[offline], &secrets, &[]);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn no_flow_secret_in_verbose_output_inspect_or_profiles() {
    let server = UserServer::start(30);
    let profile = "leak";
    let mut env = user_env(&server, profile, "authorization_code", "");
    set_browser(&mut env, &[]);
    let mut outs = vec![env.run(&["-v", "login", profile, "--timeout", "60"])];
    assert_eq!(outs[0].code, 0, "{}", outs[0]);
    server.set_access_ttl(3600);
    // A verbose refresh (the 30 s token is stale), then everything that describes the profile.
    outs.push(env.run(&["-v", "get", profile]));
    assert_eq!(server.token_requests("refresh_token"), (1, 0));
    outs.push(env.run(&["-v", "get", profile, "-o", "json"]));
    outs.push(env.run(&["inspect", profile]));
    outs.push(env.run(&["inspect", profile, "--json"]));
    outs.push(env.run(&["profiles"]));
    for out in &outs {
        assert_eq!(out.code, 0, "{out}");
    }
    // Device flow too: the device code never shows.
    let denv = user_env(&server, "leakdev", "device_code", "");
    let dlogin = device_login_args(&denv, &["-v", "login", "leakdev", "--timeout", "60"], &[]);
    assert_eq!(dlogin.code, 0, "{dlogin}");
    let dget = denv.run(&["-v", "get", "leakdev"]);
    token_of(&dget);
    let secrets = server.secrets();
    // PKCE S256 (RFC 7636 §4.1-4.2): a 43-character base64url verifier, its challenge.
    let stats = server.stats();
    assert_eq!(
        stats["pkce"],
        serde_json::json!([{"method": "S256", "challenge_length": 43}])
    );
    assert_eq!(stats["verifier_lengths"], serde_json::json!([43]));
    // What the server remembered: codes, states, verifiers, the device code, refresh and ID
    // tokens (one of each at least).
    assert!(secrets.len() >= 8, "{secrets:?}");
    let rt = server.latest_refresh_token();
    assert_no_flow_secret_leaked(&denv, &server, &[dlogin, dget], Some(&rt));
    let stored = server
        .tokens()
        .iter()
        .filter(|t| t.0 == "refresh_token")
        .find_map(|t| t.2.clone())
        .expect("the rotated token of profile leak");
    assert_no_flow_secret_leaked(&env, &server, &outs, Some(&stored));
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_stray_redirect_with_another_state_is_refused_and_the_login_goes_on() {
    let server = UserServer::start(600);
    let profile = "stray";
    let mut env = user_env(&server, profile, "authorization_code", "");
    let log = set_browser(&mut env, &["--stray"]);
    let login = browser_login(&env, profile, &[]);
    let text = wait_for_log(&log, "done", Duration::from_secs(30));
    assert!(
        text.contains("stray callback answered 400"),
        "the wrong state is answered 400:\n{text}"
    );
    assert!(text.contains("\ncallback answered 200"), "{text}");
    assert_eq!(server.token_requests("authorization_code"), (1, 0));
    let get = env.run(&["get", profile]);
    assert_accepted(&server, &token_of(&get), NATIVE);
    let rt = server.latest_refresh_token();
    assert_no_flow_secret_leaked(&env, &server, &[login, get], Some(&rt));
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_redirect_with_a_wrong_or_missing_iss_is_exit_7_and_the_code_is_not_redeemed() {
    let server = UserServer::start(600);
    for (profile, option) in [("wrongiss", "--wrong-iss"), ("noiss", "--no-iss")] {
        let mut env = user_env(&server, profile, "authorization_code", "");
        set_browser(&mut env, &[option]);
        let out = env.run(&["login", profile, "--timeout", "60"]);
        // RFC 9207: the server says it sends `iss` (discovery), so a reply from another
        // issuer, or without one, may be a mix-up attack.
        login_fails(&out, 7, &["iss"]);
        assert_eq!(
            server.token_requests("authorization_code"),
            (0, 0),
            "{option}: the code is never redeemed"
        );
        let after = env.run(&["get", profile]);
        after.fails(4, &[&format!("no token for profile `{profile}`")]);
        assert_no_flow_secret_leaked(&env, &server, &[out, after], None);
    }
}

/// `login` skips its own flow only for a login that finished while it waited for the lock
/// (README "User tokens"): one run right after another (within the same second, as a script
/// that switches accounts does) still asks the server.
#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_login_right_after_another_runs_its_own_flow() {
    let server = UserServer::start(600);
    let profile = "again";
    let mut env = user_env(&server, profile, "authorization_code", "");
    set_browser(&mut env, &[]);
    let first = browser_login(&env, profile, &[]);
    assert_eq!(server.authorization_requests(), 1);
    // This time the person refuses: only a new authorization request can tell.
    let log = set_browser(&mut env, &["--deny"]);
    let second = env.run(&["login", profile, "--timeout", "60"]);
    assert_eq!(
        server.authorization_requests(),
        2,
        "the second login asked the server:\n{second}"
    );
    login_fails(&second, 5, &["access_denied"]);
    wait_for_log(&log, "done", Duration::from_secs(30));
    let rt = server.latest_refresh_token();
    let stored = home_files_holding(&env, &rt);
    assert_no_flow_secret_leaked(
        &env,
        &server,
        &[first, second],
        (!stored.is_empty()).then_some(rt.as_str()),
    );
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn an_expired_device_code_is_exit_5_naming_expired_token() {
    // Device codes live 2 s and nobody enters this one: the first poll would come after 5 s
    // (RFC 8628 §3.5, the server sends no interval), when it has expired.
    let server = UserServer::start_with(serde_json::json!({"access_ttl": 600, "device_ttl": 2}));
    let profile = "late";
    let env = user_env(&server, profile, "device_code", "");
    let started = std::time::Instant::now();
    let out = env.run(&["login", profile, "--timeout", "60"]);
    login_fails(&out, 5, &["expired_token"]);
    assert!(
        out.stderr.contains(&format!(
            "tokfetch: to log in as profile `{profile}`, open "
        )),
        "{out}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.device_authorizations(), 1);
    // At most the one poll: a client may also stop at the reply's `expires_in` by itself.
    let (granted, refused) = server.token_requests(DEVICE_GRANT);
    assert!(granted == 0 && refused <= 1, "{:?}", server.stats());
    let after = env.run(&["get", profile]);
    after.fails(4, &[&format!("no token for profile `{profile}`")]);
    assert_no_flow_secret_leaked(&env, &server, &[out, after], None);
}

#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_confidential_client_logs_in_with_a_browser_and_logs_out() {
    let server = UserServer::start(600);
    let profile = "confweb";
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ngrant = \"authorization_code\"\nissuer = \"{}\"\nclient_id = \"{CONFIDENTIAL}\"\nauth_method = \"basic\"\nscope = \"openid offline_access\"\n",
        server.issuer()
    ));
    env.set("TOKFETCH_CONFWEB_CLIENT_SECRET", CLIENT_SECRET);
    set_browser(&mut env, &[]);
    let login = browser_login(&env, profile, &[]);
    let get = env.run(&["get", profile]);
    let token = token_of(&get);
    assert_accepted(&server, &token, CONFIDENTIAL);
    let rt = server.latest_refresh_token();
    let logout = env.run(&["logout", profile]);
    assert_eq!(logout.ok(), "", "{logout}");
    assert!(warnings(&logout).is_empty(), "{logout}");
    assert_eq!(server.revocations(), 2);
    assert!(!server.is_active(&rt) && !server.is_active(&token));
    assert_no_flow_secret_leaked(&env, &server, &[login, get, logout], None);
}

/// Endpoints given one by one instead of discovered (README "User tokens"): the flows, the
/// refresh and the revocation work the same against the same server.
#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn explicit_endpoints_instead_of_discovery() {
    let server = UserServer::start(30);
    let base = server.issuer();
    let common = format!(
        "provider = \"oauth2\"\nclient_id = \"{NATIVE}\"\nauth_method = \"none\"\nscope = \"openid offline_access\"\ntoken_url = \"{base}/token\"\nrevocation_url = \"{base}/token/revocation\"\n"
    );
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.code]\ngrant = \"authorization_code\"\nauthorization_url = \"{base}/auth\"\n{common}\n[profiles.dev]\ngrant = \"device_code\"\ndevice_authorization_url = \"{base}/device/auth\"\n{common}"
    ));
    set_browser(&mut env, &[]);
    let mut outs = vec![browser_login(&env, "code", &[])];
    server.set_access_ttl(3600);
    // The 30 s token is stale: a refresh at the explicit token URL.
    let get = env.run(&["get", "code"]);
    assert_accepted(&server, &token_of(&get), NATIVE);
    assert_eq!(server.token_requests("refresh_token"), (1, 0));
    outs.push(get);
    let dev = device_login(&env, "dev", &[]);
    assert_eq!(dev.code, 0, "{dev}");
    outs.push(dev);
    let dget = env.run(&["get", "dev"]);
    assert_accepted(&server, &token_of(&dget), NATIVE);
    outs.push(dget);
    for p in ["code", "dev"] {
        let out = env.run(&["logout", p]);
        assert_eq!(out.ok(), "", "{out}");
        assert!(warnings(&out).is_empty(), "{out}");
        outs.push(out);
    }
    assert_eq!(
        server.revocations(),
        4,
        "both profiles revoked at revocation_url"
    );
    assert_eq!(
        server.stats()["token"].as_object().map(|o| o.len()),
        Some(3),
        "{:?}",
        server.stats()
    );
    assert_no_flow_secret_leaked(&env, &server, &outs, None);
}

/// `$BROWSER` as xdg-utils reads it (README "User tokens"): a `:`-separated list tried in
/// order, `%s` replaced by the URL; the browser runs without the profile's secrets in its
/// environment and is not waited for.
#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn browser_list_percent_s_scrubbed_environment_and_not_waited_for() {
    let server = UserServer::start(600);
    let profile = "list";
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ngrant = \"authorization_code\"\nissuer = \"{}\"\nclient_id = \"{CONFIDENTIAL}\"\nauth_method = \"basic\"\nscope = \"openid offline_access\"\n",
        server.issuer()
    ));
    env.set("TOKFETCH_LIST_CLIENT_SECRET", CLIENT_SECRET);
    let log = harness(&env, "browser.log");
    let missing = env.path().join("no-such-browser");
    // The first entry cannot start; the second gets the URL where `%s` is, then stays open
    // for 30 s like a real browser window.
    let second = format!(
        "{} {} browser --log {} %s --linger 30",
        oidc_user::node().display(),
        oidc_user::dir().join("user.mjs").display(),
        log.display()
    );
    env.set("BROWSER", &format!("{} %s:{second}", missing.display()));
    let started = std::time::Instant::now();
    let login = browser_login(&env, profile, &[]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "login waited for the browser to exit ({took:?})"
    );
    assert!(
        !login.stderr.contains(&format!("{}/auth?", server.issuer())),
        "a browser started: no URL printed\n{login}"
    );
    let text = wait_for_log(&log, "done", Duration::from_secs(30));
    assert!(text.contains("callback answered 200"), "{text}");
    let names = text
        .lines()
        .find_map(|l| l.strip_prefix("secret env: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        !names.split(',').any(|n| n == "TOKFETCH_LIST_CLIENT_SECRET"),
        "the browser saw the profile's secret variable: {names}"
    );
    let get = env.run(&["get", profile]);
    assert_accepted(&server, &token_of(&get), CONFIDENTIAL);
    let rt = server.latest_refresh_token();
    let stored = home_files_holding(&env, &rt);
    assert_no_flow_secret_leaked(
        &env,
        &server,
        &[login, get],
        (!stored.is_empty()).then_some(rt.as_str()),
    );
}

/// A `get` while a login holds the profile waits for it and prints its token (README "User
/// tokens": one login at a time; the cache is re-read under the lock), without a login or a
/// refresh of its own.
#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn a_get_during_a_login_waits_for_it_and_prints_its_token() {
    let server = UserServer::start(600);
    let profile = "busy";
    let mut env = user_env(&server, profile, "authorization_code", "");
    let go = harness(&env, "go");
    let log = set_browser(&mut env, &["--hold", &go.display().to_string()]);
    std::thread::scope(|s| {
        let login = s.spawn(|| env.run(&["login", profile, "--timeout", "60"]));
        // The login is waiting for its redirect, holding the profile.
        wait_for_log(&log, "holding", Duration::from_secs(30));
        let get = s.spawn(|| env.run(&["get", profile, "--timeout", "60"]));
        // Let the get reach the lock (were it slower, it finds the token cached: same result).
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(&go, "").expect("release the user");
        let login = login.join().expect("login");
        let get = get.join().expect("get");
        assert_eq!(login.code, 0, "{login}");
        let token = token_of(&get);
        assert_eq!(
            server.tokens().last().map(|t| t.1.clone()),
            Some(token.clone())
        );
        assert_accepted(&server, &token, NATIVE);
        assert_eq!(server.authorization_requests(), 1);
        assert_eq!(server.token_requests("refresh_token"), (0, 0));
        let rt = server.latest_refresh_token();
        assert_no_flow_secret_leaked(&env, &server, &[login, get], Some(&rt));
    });
}

/// `get --no-cache` for a user profile (README "User tokens"): no cached access token, so each
/// run refreshes, and each rotated refresh token is kept (where there is no keyring, in the
/// cache file all the same), never lost.
#[test]
#[ignore = "needs node and `npm ci --prefix tests/oidc` (tests/run.sh)"]
fn get_no_cache_refreshes_every_time_and_keeps_each_rotated_refresh_token() {
    let server = UserServer::start(600);
    let profile = "fresh";
    let mut env = user_env(&server, profile, "authorization_code", "");
    set_browser(&mut env, &[]);
    let mut outs = vec![browser_login(&env, profile, &[])];
    let mut seen = vec![server.latest_refresh_token()];
    let mut tokens = Vec::new();
    for round in 1..=2u64 {
        let out = env.run(&["get", profile, "--no-cache"]);
        let token = token_of(&out);
        assert_eq!(server.token_requests("refresh_token"), (round, 0));
        assert_eq!(
            server.tokens().last().map(|t| t.1.clone()),
            Some(token.clone())
        );
        assert_accepted(&server, &token, NATIVE);
        let rotated = server.latest_refresh_token();
        assert!(!seen.contains(&rotated), "rotated");
        for old in &seen {
            assert!(!server.is_active(old));
            assert!(
                home_files_holding(&env, old).is_empty(),
                "the spent one is gone"
            );
        }
        assert!(
            !home_files_holding(&env, &rotated).is_empty(),
            "the rotated refresh token is kept"
        );
        seen.push(rotated);
        tokens.push(token);
        outs.push(out);
    }
    assert_ne!(tokens[0], tokens[1]);
    let last = seen.last().cloned().expect("a refresh token");
    assert_no_flow_secret_leaked(&env, &server, &outs, Some(&last));
}

#[test]
#[ignore = "needs node, npm ci and the Secret Service session of tests/run.sh"]
fn a_keyring_refresh_token_is_never_sent_once_the_profile_changes_identity() {
    let server = UserServer::start(600);
    let profile = unique("ut-kr-id");
    let mut env = user_env(&server, &profile, "authorization_code", "");
    env.with_secret_service();
    set_browser(&mut env, &[]);
    let login = browser_login(&env, &profile, &[]);
    let first = server.latest_refresh_token();
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/refresh_token")).as_deref(),
        Some(first.as_str())
    );
    // The same profile name, another scope: the stored refresh token was not obtained for it.
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ngrant = \"authorization_code\"\nissuer = \"{}\"\nclient_id = \"{NATIVE}\"\nauth_method = \"none\"\nscope = \"openid offline_access profile\"\n",
        server.issuer()
    ));
    let get = env.run(&["get", &profile]);
    get.fails(
        4,
        &[
            &format!("the refresh token stored for profile `{profile}` was obtained for another issuer, client or scope, so it is not sent, and there is no terminal to log in on"),
            &format!("hint: run tokfetch login {profile}"),
        ],
    );
    assert_eq!(
        server.token_requests("refresh_token"),
        (0, 0),
        "the refresh token went nowhere"
    );
    // A new login replaces it, bound to the new identity.
    let relogin = browser_login(&env, &profile, &[]);
    let second = server.latest_refresh_token();
    assert_ne!(first, second);
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/refresh_token")).as_deref(),
        Some(second.as_str())
    );
    server.set_access_ttl(3600);
    let after = env.run(&["get", "--refresh", &profile]);
    assert_accepted(&server, &token_of(&after), NATIVE);
    assert_eq!(server.token_requests("refresh_token"), (1, 0));
    env.run(&["logout", &profile]).ok();
    assert_no_flow_secret_leaked(&env, &server, &[login, get, relogin, after], None);
}

#[test]
#[ignore = "needs node, npm ci and the Secret Service session of tests/run.sh"]
fn with_cache_false_parallel_gets_still_refresh_one_at_a_time() {
    // No access token is cached, so every get refreshes; the server rotates the refresh token
    // on every use and refuses (and revokes) a spent one: only the profile's lock, taken in the
    // cache directory even with cache = false, keeps the 8 from spending the same token.
    let server = UserServer::start(600);
    let profile = unique("ut-nocache");
    let mut env = user_env(&server, &profile, "authorization_code", "cache = false\n");
    env.with_secret_service();
    set_browser(&mut env, &[]);
    let login = browser_login(&env, &profile, &[]);
    let outs: Vec<Out> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..8)
            .map(|_| s.spawn(|| env.run(&["get", &profile])))
            .collect();
        runs.into_iter().map(|r| r.join().expect("get")).collect()
    });
    for out in &outs {
        assert_eq!(out.code, 0, "{out}");
    }
    assert_eq!(
        server.token_requests("refresh_token"),
        (8, 0),
        "8 refreshes, one after another, none refused: {:?}",
        server.stats()
    );
    let last = server.latest_refresh_token();
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/refresh_token")).as_deref(),
        Some(last.as_str()),
        "the last rotated refresh token is the one stored"
    );
    assert!(server.is_active(&last));
    let mut all = vec![login];
    all.extend(outs);
    env.run(&["logout", &profile]).ok();
    assert_no_flow_secret_leaked(&env, &server, &all, None);
}
