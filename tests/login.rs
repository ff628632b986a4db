//! User tokens (README "User tokens"): `tokfetch login` with the device and authorization-code
//! grants, `get` with the cached token and the refresh token under the profile's lock, and
//! `logout`, against a strict scripted loopback authorization server
//! (`support::login_server`). The browser is a script given as `$BROWSER`; a terminal is
//! util-linux `script`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::login_server::{Authorize, CLIENT, LoginServer, USER_CODE};
use support::{Env, Out};

fn config(kind: &str, issuer: &str, extra: &str) -> String {
    format!(
        "[profiles.p]\nprovider = \"oauth2\"\ngrant = \"{kind}\"\nissuer = \"{issuer}\"\nclient_id = \"{CLIENT}\"\nauth_method = \"none\"\nscope = \"openid offline_access\"\n{extra}"
    )
}

/// An environment whose profile `p` logs in at `server` with `kind`, and whose `$BROWSER`
/// follows the authorization URL's redirect to tokfetch's listener (as a browser would after
/// the user consented).
fn setup(server: &LoginServer, kind: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&config(kind, &server.issuer(), extra));
    let browser = script(
        &env,
        "browser",
        "#!/bin/sh\nexec curl -s -L -o /dev/null \"$1\"\n",
    );
    env.set("BROWSER", &browser.to_string_lossy());
    env
}

fn script(env: &Env, name: &str, text: &str) -> PathBuf {
    let path = env.path().join(name);
    std::fs::write(&path, text).expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    path
}

/// The profile's cache file, as JSON.
fn cache_file(env: &Env) -> serde_json::Value {
    let text = std::fs::read_to_string(env.cache_dir.join("p.token.json")).expect("cache file");
    serde_json::from_str(&text).expect("cache JSON")
}

/// Exit `code`, nothing on stdout, a `tokfetch: error:` line with every needle (a login's own
/// lines may come first).
fn fails_after_prompt(out: &Out, code: i32, needles: &[&str]) {
    assert_eq!(out.code, code, "{out}");
    assert_eq!(out.stdout, "", "{out}");
    let error = out
        .stderr
        .lines()
        .find(|l| l.starts_with("tokfetch: error: "))
        .unwrap_or_else(|| panic!("no error line:\n{out}"));
    for n in needles {
        assert!(
            out.stderr.contains(n),
            "stderr should mention {n:?}:\n{out}"
        );
    }
    assert!(!error.is_empty());
}

/// Nothing of a flow shows in the output: codes, verifiers, states, the device code, refresh
/// and ID tokens (the ID token's signature segment alone too).
fn shows_nothing_of_the_flow(server: &LoginServer, out: &Out) {
    for secret in server.with(|s| s.secrets.clone()) {
        out.assert_never_shows(&secret);
    }
    assert!(!out.stderr.contains("idsig"), "{out}");
}

#[test]
fn device_login_waits_on_pending_slows_down_and_keeps_the_tokens() {
    let server = LoginServer::start();
    server.with(|s| {
        s.polls = ["authorization_pending", "slow_down", "ok"].into();
    });
    let env = setup(&server, "device_code", "");
    let out = env.run(&["login", "p"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    let issuer = server.issuer();
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "tokfetch: to log in as profile `p`, open {issuer}/activate and enter the code {USER_CODE}"
        ),
        "{out}"
    );
    assert_eq!(
        lines[1],
        format!("tokfetch: or open {issuer}/activate?user_code={USER_CODE}"),
        "{out}"
    );
    assert!(out.stderr.contains("logged in as profile `p`"), "{out}");
    // No keyring in the test environment: one warning names the file.
    assert_eq!(
        out.stderr.matches("tokfetch: warning: ").count(),
        1,
        "{out}"
    );
    assert!(out.stderr.contains("p.token.json"), "{out}");
    shows_nothing_of_the_flow(&server, &out);
    server.assert_strict();
    let polls = server.with(|s| s.polls_seen.clone());
    assert_eq!(polls.len(), 3, "{out}");
    // interval 1 s, then 5 s more after slow_down.
    assert!(polls[1] - polls[0] >= Duration::from_millis(900));
    assert!(polls[2] - polls[1] >= Duration::from_millis(5900));
    // The cached token serves `get` without a request.
    let before = server.server.count();
    assert_eq!(env.run(&["get", "p"]).ok(), "at-user-1\n");
    assert_eq!(server.server.count(), before);
    assert_eq!(cache_file(&env)["refresh_token"], "rt-user-1-xyzzy");
}

#[test]
fn device_login_refused_or_expired_is_exit_5() {
    for (answer, words) in [
        (
            "access_denied",
            "the login was refused for profile `p` (access_denied)",
        ),
        (
            "expired_token",
            "expired before the login was completed for profile `p` (expired_token)",
        ),
    ] {
        let server = LoginServer::start();
        server.with(|s| s.polls = [answer].into());
        let env = setup(&server, "device_code", "");
        let out = env.run(&["login", "p"]);
        fails_after_prompt(&out, 5, &[words, "hint: run tokfetch login p again"]);
        assert!(!env.cache_dir.join("p.token.json").exists());
        shows_nothing_of_the_flow(&server, &out);
    }
}

#[test]
fn code_login_checks_pkce_and_the_rotated_refresh_token_is_the_one_kept() {
    let server = LoginServer::start();
    let env = setup(&server, "authorization_code", "");
    let out = env.run(&["-v", "login", "p"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    assert!(out.stderr.contains("logged in as profile `p`"), "{out}");
    // A browser was started: the URL is not printed.
    assert!(!out.stderr.contains("open this URL"), "{out}");
    shows_nothing_of_the_flow(&server, &out);
    server.assert_strict();
    let query = server.with(|s| s.authorize_query.clone());
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(get("scope"), "openid offline_access");
    assert_eq!(get("state").len(), 22);
    assert_eq!(env.run(&["get", "p"]).ok(), "at-user-1\n");
    // The access token is too short-lived for --min-ttl: refreshed, the new refresh token
    // stored (in the cache file: no keyring here), without a second warning.
    let out = env.run(&["-v", "get", "p", "--min-ttl", "7200"]);
    assert_eq!(out.ok(), "at-user-2\n");
    assert!(!out.stderr.contains("warning"), "{out}");
    shows_nothing_of_the_flow(&server, &out);
    assert_eq!(cache_file(&env)["refresh_token"], "rt-user-2-xyzzy");
    // The server takes only the newest refresh token: a third call proves it was kept.
    assert_eq!(
        env.run(&["get", "p", "--min-ttl", "7200"]).ok(),
        "at-user-3\n"
    );
    assert_eq!(server.with(|s| s.refreshes), 2);
    server.assert_strict();
}

#[test]
fn no_terminal_and_nothing_cached_is_exit_4_and_starts_no_browser() {
    let server = LoginServer::start();
    let mut env = setup(&server, "authorization_code", "");
    let marker = env.path().join("browser-started");
    let browser = script(
        &env,
        "marker-browser",
        &format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    );
    env.set("BROWSER", &browser.to_string_lossy());
    for args in [
        &["get", "p"][..],
        &["header", "p"],
        &["get", "p", "-o", "exec-credential"],
    ] {
        env.run(args).fails(
            4,
            &[
                "no token for profile `p` and no terminal to log in on",
                "hint: run tokfetch login p",
            ],
        );
    }
    let out = env.run(&["exec", "p", "--", "true"]);
    out.fails(4, &["no terminal to log in on"]);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!marker.exists(), "a browser was started");
    assert_eq!(server.server.count(), 0, "no request without a terminal");
}

#[test]
fn denied_consent_is_exit_5() {
    let server = LoginServer::start();
    server.with(|s| s.authorize = Authorize::Deny);
    let env = setup(&server, "authorization_code", "");
    env.run(&["login", "p"]).fails(
        5,
        &[
            "the login for profile `p` was refused: access_denied: The user said no",
            "hint: run tokfetch login p again",
        ],
    );
    assert!(!env.cache_dir.join("p.token.json").exists());
}

#[test]
fn a_reply_from_another_issuer_or_without_a_promised_iss_is_exit_7() {
    let server = LoginServer::start();
    server.with(|s| s.authorize = Authorize::GrantWithIss(Some("http://127.0.0.1:9/evil".into())));
    let env = setup(&server, "authorization_code", "");
    env.run(&["login", "p"])
        .fails(7, &["names issuer \"http://127.0.0.1:9/evil\"", "RFC 9207"]);
    // The code was never traded.
    assert_eq!(server.with(|s| s.issued), 0);

    let server = LoginServer::start();
    server.with(|s| {
        s.authorize = Authorize::GrantWithIss(None);
        s.iss_supported = true;
    });
    let env = setup(&server, "authorization_code", "");
    env.run(&["login", "p"]).fails(
        7,
        &["has no iss, though the server's discovery document promises one"],
    );
    assert_eq!(server.with(|s| s.issued), 0);

    // Without the promise, a reply without iss is fine.
    let server = LoginServer::start();
    server.with(|s| s.authorize = Authorize::GrantWithIss(None));
    let env = setup(&server, "authorization_code", "");
    assert_eq!(env.run(&["login", "p"]).code, 0);
}

/// The `state` and redirect URI of the authorization request the server saw, once it came.
fn wait_for_authorization(server: &LoginServer) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let q = server.with(|s| s.authorize_query.clone());
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let (Some(state), Some(redirect)) = (get("state"), get("redirect_uri")) {
            return (state, redirect);
        }
        assert!(Instant::now() < deadline, "no authorization request came");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_stray_request_with_another_state_is_answered_400_and_ignored() {
    let server = LoginServer::start();
    server.with(|s| s.authorize = Authorize::Wait);
    let env = setup(&server, "authorization_code", "");
    let child = env
        .command()
        .args(["login", "p"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let (state, redirect) = wait_for_authorization(&server);
    let code = server.with(|s| s.codes[0].0.clone());
    let issuer = server.issuer();
    let stray = format!("{redirect}?code=stolen-code&state=not-{state}&iss={issuer}");
    let (status, _) = support::tools::http_request("GET", &stray, &[], "").expect("stray");
    assert_eq!(status, 400);
    let (status, _) = support::tools::http_request("GET", &format!("{redirect}?code=x"), &[], "")
        .expect("no state");
    assert_eq!(status, 400);
    let (status, _) =
        support::tools::http_request("GET", &format!("{redirect}?error=access_denied"), &[], "")
            .expect("stray error");
    assert_eq!(status, 400);
    let good = format!("{redirect}?code={code}&state={state}&iss={issuer}");
    let (status, page) = support::tools::http_request("GET", &good, &[], "").expect("callback");
    assert_eq!(status, 200);
    assert!(page.contains("you can close this tab"), "{page}");
    let out = Out::new(&["login", "p"], child.wait_with_output().expect("wait"));
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    shows_nothing_of_the_flow(&server, &out);
    server.assert_strict();
    assert_eq!(env.run(&["get", "p"]).ok(), "at-user-1\n");
}

#[test]
fn a_login_not_completed_in_time_is_exit_6() {
    let server = LoginServer::start();
    server.with(|s| s.authorize = Authorize::Wait);
    let env = setup(&server, "authorization_code", "");
    let started = Instant::now();
    env.run(&["login", "p", "--timeout", "2"])
        .fails(6, &["login timed out after 2 s", "--timeout"]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_redirect_port_in_use_is_exit_3() {
    let server = LoginServer::start();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let env = setup(
        &server,
        "authorization_code",
        &format!("redirect_port = {port}\n"),
    );
    env.run(&["login", "p"])
        .fails(3, &[&format!("redirect_port {port}"), "in use"]);
    drop(busy);
}

#[test]
fn endpoint_keys_are_required_without_discovery() {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ngrant = \"authorization_code\"\ntoken_url = \"http://127.0.0.1:9/token\"\nclient_id = \"{CLIENT}\"\nauth_method = \"none\"\n"
    ));
    env.run(&["login", "p"])
        .fails(3, &["needs authorization_url"]);
    env.run(&["get", "p"])
        .fails(3, &["needs authorization_url"]);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ngrant = \"device_code\"\ntoken_url = \"http://127.0.0.1:9/token\"\nclient_id = \"{CLIENT}\"\nauth_method = \"none\"\nredirect_port = 8080\n"
    ));
    env.run(&["get", "p"])
        .fails(3, &["`redirect_port` in profile `p` has no effect here"]);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ngrant = \"authorization_code\"\ntoken_url = \"http://127.0.0.1:9/token\"\nauthorization_url = \"http://127.0.0.1:9/a\"\nclient_id = \"{CLIENT}\"\nredirect_port = 70000\n"
    ));
    env.run(&["get", "p"])
        .fails(3, &["redirect_port", "from 1 to 65535"]);
    env.unset("X");
}

#[test]
fn invalid_grant_on_refresh_drops_the_refresh_token() {
    let server = LoginServer::start();
    let env = setup(&server, "device_code", "");
    assert_eq!(env.run(&["login", "p"]).code, 0);
    server.with(|s| s.refuse_refresh = true);
    env.run(&["get", "p", "--min-ttl", "7200"]).fails(
        4,
        &[
            "the server refused the stored refresh token of profile `p` (invalid_grant)",
            "hint: run tokfetch login p",
        ],
    );
    assert_eq!(server.with(|s| s.refreshes), 1);
    assert!(!env.cache_dir.join("p.token.json").exists());
    // Dropped: the next call does not send it again.
    env.run(&["get", "p"]).fails(
        4,
        &["no token for profile `p` and no terminal to log in on"],
    );
    assert_eq!(server.with(|s| s.refreshes), 1);
}

#[test]
fn parallel_gets_needing_a_refresh_make_one_refresh_request() {
    let server = LoginServer::start();
    server.with(|s| s.lifetime = 30);
    let env = setup(&server, "device_code", "");
    assert_eq!(env.run(&["login", "p"]).code, 0);
    server.with(|s| s.lifetime = 3600);
    let children: Vec<_> = (0..8)
        .map(|_| {
            env.command()
                .args(["get", "p"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outs: Vec<Out> = children
        .into_iter()
        .map(|c| Out::new(&["get", "p"], c.wait_with_output().expect("wait")))
        .collect();
    for out in &outs {
        assert_eq!(out.ok(), "at-user-2\n", "{out}");
    }
    assert_eq!(server.with(|s| s.refreshes), 1);
    assert_eq!(cache_file(&env)["refresh_token"], "rt-user-2-xyzzy");
    server.assert_strict();
}

#[test]
fn pasting_the_redirect_url_completes_a_no_browser_login() {
    let server = LoginServer::start();
    server.with(|s| s.authorize = Authorize::Wait);
    let env = setup(&server, "authorization_code", "");
    let mut child = env
        .command()
        .args(["login", "p", "--no-browser"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut l = String::new();
        stderr.read_line(&mut l).expect("read stderr");
        lines.push(l.trim_end().to_string());
    }
    assert_eq!(
        lines[0],
        "tokfetch: open this URL to log in as profile `p`:"
    );
    let url = lines[1].clone();
    assert!(
        url.starts_with(&format!("{}/authorize?", server.issuer())),
        "{url}"
    );
    assert!(!url.contains("code_verifier"), "{url}");
    let redirect = url
        .split('&')
        .find_map(|p| p.strip_prefix("redirect_uri="))
        .and_then(|r| {
            form_urlencoded::parse(format!("r={r}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
        .expect("redirect_uri");
    assert_eq!(
        lines[2],
        format!(
            "tokfetch: waiting for the redirect to {redirect} (or paste the URL your browser ends on here)"
        )
    );
    // The user's browser, elsewhere, follows the URL; it ends on the redirect, which cannot
    // reach this machine: the user pastes it.
    let (status, _) = support::tools::http_request("GET", &url, &[], "").expect("authorize");
    assert_eq!(status, 200);
    let (state, _) = wait_for_authorization(&server);
    let code = server.with(|s| s.codes[0].0.clone());
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "not a url").expect("write");
    writeln!(
        stdin,
        "{redirect}?code={code}&state={state}&iss={}",
        server.issuer()
    )
    .expect("write");
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("rest");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{rest}");
    assert!(rest.contains("that line is not the redirect URL"), "{rest}");
    assert!(rest.contains("logged in as profile `p`"), "{rest}");
    server.assert_strict();
    assert_eq!(env.run(&["get", "p"]).ok(), "at-user-1\n");
}

#[test]
fn logout_revokes_the_refresh_then_the_access_token_and_forgets_both() {
    let server = LoginServer::start();
    let env = setup(&server, "device_code", "");
    assert_eq!(env.run(&["login", "p"]).code, 0);
    let out = env.run(&["logout", "p"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    assert!(out.stderr.contains("logged out of profile `p`"), "{out}");
    assert_eq!(
        server.with(|s| s.revoked.clone()),
        vec![
            ("rt-user-1-xyzzy".to_string(), "refresh_token".to_string()),
            ("at-user-1".to_string(), "access_token".to_string()),
        ]
    );
    assert!(!env.cache_dir.join("p.token.json").exists());
    env.run(&["get", "p"]).fails(4, &["run tokfetch login p"]);
    server.assert_strict();
}

#[test]
fn a_failed_revocation_is_a_warning() {
    let server = LoginServer::start();
    let env = setup(&server, "device_code", "");
    assert_eq!(env.run(&["login", "p"]).code, 0);
    drop(server);
    let out = env.run(&["logout", "p", "--timeout", "3"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    assert_eq!(
        out.stderr.matches("tokfetch: warning: ").count(),
        1,
        "{out}"
    );
    assert!(out.stderr.contains("may not have been revoked"), "{out}");
    assert!(!env.cache_dir.join("p.token.json").exists());
}

#[test]
fn get_on_a_terminal_logs_in_first() {
    let server = LoginServer::start();
    let env = setup(&server, "authorization_code", "");
    let script_bin = support::tools::tool("script", "TOKFETCH_TEST_SCRIPT");
    let cmd = format!("{} get p", support::bin().display());
    let out = env
        .command_for(&script_bin)
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("at-user-1"), "{text}");
    server.assert_strict();
}

#[test]
fn login_is_for_user_grants_only() {
    let mut env = Env::new();
    env.write_config(
        "[profiles.m]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"c\"\n",
    );
    env.run(&["login", "m"])
        .fails(2, &["gets the client's own token"]);
    env.run(&["logout", "m"])
        .fails(2, &["tokfetch logout applies"]);
    env.run(&["login", "nope"]).fails(3, &["nope"]);
    env.unset("X");
}

#[test]
fn inspect_profiles_and_doctor_show_the_grant_its_endpoints_and_where_the_refresh_token_is() {
    let server = LoginServer::start();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let env = setup(
        &server,
        "authorization_code",
        &format!("redirect_port = {port}\n"),
    );
    let out = env.run(&["inspect", "p"]);
    let text = out.ok();
    assert!(text.contains("grant       authorization_code"), "{out}");
    assert!(
        text.contains(&format!("redirect    http://127.0.0.1:{port}/callback")),
        "{out}"
    );
    assert!(
        text.contains("refresh     none") && text.contains("run tokfetch login p"),
        "{out}"
    );
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stdout.contains(&format!(
            "authorization_endpoint {}/authorize (discovered)",
            server.issuer()
        )),
        "{out}"
    );
    assert!(
        out.stdout
            .contains(&format!("FAIL  redirect    redirect_port {port} is in use")),
        "{out}"
    );
    assert!(
        out.stdout.contains("no refresh token: not logged in"),
        "{out}"
    );
    drop(busy);
    assert_eq!(env.run(&["login", "p"]).code, 0);
    let out = env.run(&["inspect", "p"]);
    assert!(out.ok().contains("refresh     in the cache file"), "{out}");
    assert!(
        out.stdout.contains(&format!(
            "revocation  {}/revoke (discovered)",
            server.issuer()
        )),
        "{out}"
    );
    out.assert_never_shows("rt-user-1-xyzzy");
    out.assert_never_shows("at-user-1");
    let out = env.run(&["profiles"]);
    assert!(out.ok().contains("oauth2 (authorization_code)"), "{out}");
    let out = env.run(&["doctor", "p", "--offline"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("kept in the cache file"), "{out}");
}

#[test]
fn two_parallel_logins_make_one_authorization_request() {
    let server = LoginServer::start();
    // The browser takes a moment, as a user would: the second login starts while the first
    // one holds the profile's lock.
    let env = setup(&server, "authorization_code", "");
    let slow = script(
        &env,
        "slow-browser",
        "#!/bin/sh\nsleep 1\nexec curl -s -L -o /dev/null \"$1\"\n",
    );
    let mut env = env;
    env.set("BROWSER", &slow.to_string_lossy());
    let spawn = || {
        env.command()
            .args(["login", "p"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let first = spawn();
    std::thread::sleep(Duration::from_millis(300));
    let second = spawn();
    let outs: Vec<Out> = [first, second]
        .into_iter()
        .map(|c| Out::new(&["login", "p"], c.wait_with_output().expect("wait")))
        .collect();
    for out in &outs {
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    }
    assert_eq!(server.with(|s| s.codes.len() + s.issued as usize), 1);
    assert!(
        outs[1]
            .stderr
            .contains("was logged in by another tokfetch while this one waited"),
        "{}",
        outs[1]
    );
}

#[test]
fn no_cache_refreshes_without_losing_a_rotated_refresh_token() {
    let server = LoginServer::start();
    let env = setup(&server, "device_code", "");
    assert_eq!(env.run(&["login", "p"]).code, 0);
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "at-user-2\n");
    // Without a keyring the rotated refresh token went to the file (the access token there is
    // not one a later call uses).
    assert_eq!(cache_file(&env)["refresh_token"], "rt-user-2-xyzzy");
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "at-user-3\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-user-4\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-user-4\n");
    assert_eq!(server.with(|s| s.refreshes), 3);
    server.assert_strict();
}

#[test]
fn browser_lists_placeholders_and_a_scrubbed_environment() {
    let server = LoginServer::start();
    let mut env = Env::new();
    env.write_config(&format!(
        "{}\n[profiles.q]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"q\"\nclient_secret_env = \"Q_SECRET\"\n",
        config("authorization_code", &server.issuer(), "")
    ));
    let seen = env.path().join("browser-env");
    let browser = script(
        &env,
        "env-browser",
        &format!(
            "#!/bin/sh\nenv > '{}'\nexec curl -s -L -o /dev/null \"$2\"\n",
            seen.display()
        ),
    );
    // The first entry cannot start; the second gets the URL where `%s` stands.
    env.set(
        "BROWSER",
        &format!("/nonexistent/browser:{} --new-tab %s", browser.display()),
    )
    .set("Q_SECRET", support::OTHER_SECRET)
    .set("TOKFETCH_Q_CLIENT_SECRET", support::CLIENT_SECRET)
    .set("KEEP_ME", "visible");
    let out = env.run(&["login", "p"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
    let vars = std::fs::read_to_string(&seen).expect("the browser ran");
    assert!(vars.contains("KEEP_ME=visible"), "{vars}");
    assert!(!vars.contains("Q_SECRET"), "{vars}");
    assert!(!vars.contains("TOKFETCH_Q_CLIENT_SECRET"), "{vars}");
    server.assert_strict();
}

#[test]
fn a_browser_that_cannot_start_means_the_url_is_printed() {
    let server = LoginServer::start();
    let mut env = setup(&server, "authorization_code", "");
    env.set("BROWSER", "/nonexistent/browser");
    let out = env.run(&["login", "p", "--timeout", "1"]);
    fails_after_prompt(&out, 6, &["login timed out after 1 s"]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines[0], "tokfetch: open this URL to log in as profile `p`:",
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{}/authorize?response_type=code&client_id={CLIENT}&",
            server.issuer()
        )),
        "{out}"
    );
    assert!(lines[1].contains("&code_challenge_method=S256"), "{out}");
    assert!(
        lines[2].starts_with("tokfetch: waiting for the redirect to http://127.0.0.1:"),
        "{out}"
    );
}
