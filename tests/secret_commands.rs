//! Secrets from a command (README "Secrets from a command"): a profile's `*_command` key names
//! a program that prints the secret. Real programs (sh scripts, a real `pass` store with a
//! throwaway gpg key) against a strict loopback token server: the §4 order, a run only on a
//! miss, no stdin and no terminal for the command, `--timeout`, the 1 MiB cap, and every
//! failure as exit 4 with the command's first stderr line — never its output.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::providers::{self, ClientAuth, TokenServer};
use support::{CLIENT_ID, CLIENT_SECRET, Env, OTHER_SECRET};

/// An executable `/bin/sh` script in the test's directory.
fn script(env: &Env, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = env.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    path
}

/// A TOML array of strings.
fn toml_argv(argv: &[&str]) -> String {
    let items: Vec<String> = argv
        .iter()
        .map(|a| serde_json::to_string(a).expect("json"))
        .collect();
    format!("[{}]", items.join(", "))
}

/// Profile `p` (oauth2, Basic) for `server`, with `extra` lines.
fn env_for(server: &TokenServer, extra: &str) -> Env {
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        server.url("/oauth2/token")
    ));
    env
}

/// A profile whose client secret comes from a script that logs each run to `runs` and then
/// runs `body`.
fn scripted(server: &TokenServer, body: &str) -> (Env, PathBuf) {
    let env = Env::new();
    let runs = env.path().join("runs");
    let path = script(
        &env,
        "secret.sh",
        &format!("echo run >> '{}'\n{body}", runs.display()),
    );
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_command = {}\n",
        server.url("/oauth2/token"),
        toml_argv(&[path.to_str().expect("utf-8 path")])
    ));
    (env, runs)
}

fn runs(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn the_command_runs_only_on_a_miss_and_once_per_run() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (env, log) = scripted(&server, &format!("printf '%s\\n' '{CLIENT_SECRET}'"));

    // A miss: the command runs once, its stdout minus the newline is the secret (the strict
    // server checks it), and -v says where the secret came from without showing it.
    let out = env.run(&["-v", "get", "p"]);
    assert!(out.ok().starts_with("o21."), "{out}");
    assert_eq!((runs(&log), server.count()), (1, 1));
    assert!(
        out.stderr.contains("client_secret of `p` from command "),
        "{out}"
    );

    // Hits run nothing, on the fast path and through clap alike.
    env.run(&["get", "p"]).ok();
    env.run(&["header", "p"]).ok();
    env.run(&["get", "p", "-o", "json"]).ok();
    env.run(&["get", "p", "-o", "curl"]).ok();
    assert_eq!((runs(&log), server.count()), (1, 1));

    // Another miss runs it again, once.
    env.run(&["get", "p", "--refresh"]).ok();
    assert_eq!((runs(&log), server.count()), (2, 2));
}

#[test]
fn the_variables_come_before_the_command_and_the_command_before_the_keyring() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (mut env, log) = scripted(&server, &format!("printf '%s' '{CLIENT_SECRET}'"));
    // A set variable wins (the server refuses its value), and the command never runs.
    env.set("TOKFETCH_P_CLIENT_SECRET", OTHER_SECRET);
    let out = env.run(&["get", "p", "--no-cache"]);
    assert!(
        out.code != 0 && out.stderr.contains("invalid_client"),
        "{out}"
    );
    assert_eq!(runs(&log), 0);

    // An empty variable is still exit 4, not a reason to run the command.
    env.set("TOKFETCH_P_CLIENT_SECRET", "");
    env.run(&["get", "p", "--no-cache"])
        .fails(4, &["$TOKFETCH_P_CLIENT_SECRET is set but empty"]);
    assert_eq!(runs(&log), 0);

    // Unset: the command, and no keyring is asked (there is no D-Bus session in these tests:
    // asking it would fail).
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    let out = env.run(&["-v", "get", "p", "--no-cache"]);
    out.ok();
    assert!(!out.stderr.contains("keyring"), "{out}");
    assert_eq!(runs(&log), 1);
}

#[test]
fn secret_status_profiles_inspect_and_doctor_name_the_command_without_running_it() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (env, log) = scripted(&server, &format!("printf '%s' '{CLIENT_SECRET}'"));
    let shown = format!("command {}", env.path().join("secret.sh").display());

    let status = env.run(&["secret", "status", "p"]);
    assert!(
        status.ok().contains(&format!("client_secret:  {shown}")),
        "{status}"
    );
    let inspect = env.run(&["inspect", "p"]);
    assert!(inspect.ok().contains(&shown), "{inspect}");
    let profiles = env.run(&["profiles"]);
    assert!(profiles.ok().contains("command:"), "{profiles}");
    let doctor = env.run(&["doctor", "p"]);
    let all = format!("{}{}", doctor.stdout, doctor.stderr);
    assert!(all.contains(&shown), "{doctor}");
    // No D-Bus session: the keyring is unreachable, which does not matter for this profile.
    assert!(
        all.contains("comes from the environment or a command"),
        "{doctor}"
    );
    assert_eq!(runs(&log), 0, "nothing but a fetch runs the command");

    // `secret set` says the command takes precedence (the keyring itself is unreachable here).
    let set = env.run_with_stdin(&["secret", "set", "p"], Some(b"x"));
    assert_eq!(set.code, 4, "{set}");
    assert_eq!(runs(&log), 0);
}

#[test]
fn a_failing_command_is_exit_4_with_its_first_stderr_line() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (env, _) = scripted(
        &server,
        "echo '[ERROR] 2026/12/03 You are not currently signed in.' >&2\necho second-line >&2\nexit 3",
    );
    let out = env.run(&["get", "p"]);
    out.fails(
        4,
        &[
            "the client_secret command of profile `p`",
            "failed (exit status 3): [ERROR] 2026/12/03 You are not currently signed in.",
        ],
    );
    assert!(!out.stderr.contains("second-line"), "{out}");
    assert_eq!(server.count(), 0);
}

#[test]
fn a_command_that_echoes_its_secret_on_stderr_is_redacted() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    // It prints the secret, then fails saying it on stderr; the message quotes stderr, and
    // the support code fails the test if the secret shows in any encoding.
    let (env, _) = scripted(
        &server,
        &format!(
            "printf '%s' '{CLIENT_SECRET}'\necho 'cannot use {CLIENT_SECRET} here' >&2\nexit 1"
        ),
    );
    let out = env.run(&["get", "p"]);
    out.fails(4, &["failed (exit status 1): cannot use [redacted] here"]);
}

#[test]
fn a_silent_command_is_exit_4() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (env, _) = scripted(&server, "exit 0");
    env.run(&["get", "p"]).fails(
        4,
        &[
            "the client_secret command of profile `p`",
            "printed nothing",
        ],
    );
    // A lone newline is nothing too.
    let (env, _) = scripted(&server, "echo; echo 'vault: permission denied' >&2");
    env.run(&["get", "p"])
        .fails(4, &["printed nothing: vault: permission denied"]);
    assert_eq!(server.count(), 0);
}

#[test]
fn a_client_secret_of_several_lines_is_exit_4() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    // A whole password-manager entry: the secret, then more lines.
    let (env, _) = scripted(
        &server,
        &format!("printf '%s\\nusername: ci-bot\\n' '{CLIENT_SECRET}'"),
    );
    env.run(&["get", "p"]).fails(
        4,
        &[
            "the client_secret command of profile `p`",
            "printed more than one line (or a NUL); a client_secret is one line",
            "keep the secret alone in its entry",
        ],
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn a_slow_command_is_stopped_at_the_timeout_with_its_children() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env0 = Env::new();
    let pids = env0.path().join("pids");
    let (env, _) = scripted(
        &server,
        &format!(
            "echo $$ >> '{p}'\nsleep 60 &\necho $! >> '{p}'\nwait",
            p = pids.display()
        ),
    );
    let started = Instant::now();
    let out = env.run_within(&["get", "p", "--timeout", "1"], Duration::from_secs(8));
    let took = started.elapsed();
    out.fails(
        4,
        &["the client_secret command of profile `p`", "timed out"],
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
    // Both the script and the sleep it started are gone (or reaped zombies).
    let listed = std::fs::read_to_string(&pids).expect("the script ran");
    let pids: Vec<&str> = listed.lines().collect();
    assert_eq!(pids.len(), 2, "{listed}");
    let limit = Instant::now() + Duration::from_secs(3);
    for pid in pids {
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let alive = stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z'));
            if !alive {
                break;
            }
            assert!(Instant::now() < limit, "process {pid} still runs: {stat}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn more_than_a_mebibyte_of_output_is_exit_4() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (env, _) = scripted(&server, "head -c 1100000 /dev/zero | tr '\\0' a");
    let out = env.run_within(&["get", "p"], Duration::from_secs(10));
    out.fails(4, &["printed more than 1 MiB"]);
    assert!(out.stderr.len() < 2000, "{out}");
    assert_eq!(server.count(), 0);
}

#[test]
fn the_command_reads_end_of_file_on_stdin_and_has_no_terminal() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env0 = Env::new();
    let seen = env0.path().join("seen");
    let (env, _) = scripted(
        &server,
        &format!(
            "if read -r line; then echo \"stdin:$line\" >> '{s}'; else echo stdin-eof >> '{s}'; fi\n\
             if (echo x >/dev/tty) 2>/dev/null; then echo tty >> '{s}'; else echo no-tty >> '{s}'; fi\n\
             printf '%s' '{CLIENT_SECRET}'",
            s = seen.display()
        ),
    );
    // tokfetch's own stdin has a line ready: the command must not get it.
    let out = env.run_with_stdin(&["get", "p"], Some(b"typed-by-the-user\n"));
    out.ok();
    assert_eq!(
        std::fs::read_to_string(&seen).expect("the script ran"),
        "stdin-eof\nno-tty\n"
    );
}

#[test]
fn the_output_never_reaches_an_exec_child() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let (env, _) = scripted(&server, &format!("printf '%s' '{CLIENT_SECRET}'"));
    // `env` prints the child's whole environment; the support code fails on any secret.
    let out = env.run(&["exec", "p", "--", "env"]);
    assert!(out.ok().contains("TOKFETCH_TOKEN=o21."), "{out}");
}

#[test]
fn a_command_that_cannot_start_is_exit_4_naming_it() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = env_for(
        &server,
        "client_secret_command = [\"tokfetch-no-such-program\", \"read\"]\n",
    );
    env.run(&["get", "p"]).fails(
        4,
        &[
            "cannot run the client_secret command of profile `p` (tokfetch-no-such-program read)",
            "on PATH",
        ],
    );
    // Status and doctor find that out without running anything.
    let status = env.run(&["secret", "status", "p"]);
    assert_eq!((status.code, status.stdout.as_str()), (4, ""), "{status}");
    assert!(
        status.stderr.contains(
            "client_secret:  command tokfetch-no-such-program read cannot run: `tokfetch-no-such-program` is not on PATH"
        ),
        "{status}"
    );
    let doctor = env.run(&["doctor", "p"]);
    let all = format!("{}{}", doctor.stdout, doctor.stderr);
    assert!(
        all.contains(
            "FAIL  secret      client_secret: command tokfetch-no-such-program read cannot run"
        ),
        "{doctor}"
    );
    let profiles = env.run(&["profiles"]);
    assert!(
        profiles.ok().contains("client_secret=command:unrunnable"),
        "{profiles}"
    );
}

#[test]
fn a_command_key_must_be_a_non_empty_list_of_strings() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    for (value, says) in [
        ("\"op read op://x\"", "must be a list of strings"),
        ("[]", "must name a program"),
        ("[\"op\", 1]", "must be a list of strings"),
        ("[\"\", \"read\"]", "must name a program first"),
    ] {
        let env = env_for(&server, &format!("client_secret_command = {value}\n"));
        env.run(&["get", "p"])
            .fails(3, &["config.toml:5:", "client_secret_command", says]);
    }
    // A field the provider does not have.
    let env = env_for(&server, "api_key_command = [\"true\"]\n");
    env.run(&["get", "p"])
        .fails(3, &["config.toml:5:", "api_key_command", "has no api_key"]);
    // A field the profile does not read as configured: the command would never run.
    let env = env_for(
        &server,
        "private_key_command = [\"pass\", \"show\", \"k\"]\n",
    );
    env.run(&["get", "p"]).fails(
        3,
        &[
            "config.toml:5:",
            "`private_key_command` in profile `p` has no effect here",
        ],
    );
}

#[test]
fn api_key_command_serves_andopen_requests_and_curl_output() {
    use support::{API_KEY, TENANT};
    let server = providers::andopen(API_KEY, TENANT, CLIENT_ID, CLIENT_SECRET);
    let env = Env::new();
    let key = script(&env, "key.sh", &format!("printf '%s\\n' '{API_KEY}'"));
    let secret = script(&env, "secret.sh", &format!("printf '%s' '{CLIENT_SECRET}'"));
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"andopen\"\nenvironment = \"staging\"\ntenant = \"{TENANT}\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_command = {}\napi_key_command = {}\n",
        server.url("/auth/token"),
        toml_argv(&[secret.to_str().expect("path")]),
        toml_argv(&[key.to_str().expect("path")]),
    ));
    // The curl config holds the api key (that output is the point): checked without the
    // leak check, stderr must still be free of it.
    let out = env
        .command()
        .args(["get", "p", "-o", "curl"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(API_KEY) && !stderr.contains(CLIENT_SECRET));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.ends_with(&format!("header = \"x-api-key: {API_KEY}\"\n")),
        "{text}"
    );
    assert_eq!(server.last().header("x-api-key"), Some(API_KEY));
}

/// A throwaway GnuPG home with one unprotected key made unattended, and a `pass` store for it.
fn pass_store(env: &Env) -> (PathBuf, PathBuf) {
    let gnupg = env.path().join("gnupg");
    let store = env.path().join("password-store");
    std::fs::create_dir_all(&gnupg).expect("mkdir gnupg");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let params = env.path().join("keyparams");
    std::fs::write(
        &params,
        "%no-protection\nKey-Type: EdDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\nSubkey-Curve: cv25519\nName-Real: tokfetch test\nName-Email: test@tokfetch.invalid\nExpire-Date: 0\n%commit\n",
    )
    .expect("write params");
    let gpg = Command::new("gpg")
        .env("GNUPGHOME", &gnupg)
        .args(["--batch", "--quiet", "--gen-key"])
        .arg(&params)
        .output()
        .expect("gpg (gnupg) is installed");
    assert!(gpg.status.success(), "gpg --gen-key: {gpg:?}");
    let init = Command::new("pass")
        .env("GNUPGHOME", &gnupg)
        .env("PASSWORD_STORE_DIR", &store)
        .args(["init", "test@tokfetch.invalid"])
        .output()
        .expect("pass is installed");
    assert!(init.status.success(), "pass init: {init:?}");
    (gnupg, store)
}

fn pass_insert(gnupg: &Path, store: &Path, name: &str, value: &str) {
    use std::io::Write;
    let mut child = Command::new("pass")
        .env("GNUPGHOME", gnupg)
        .env("PASSWORD_STORE_DIR", store)
        .args(["insert", "--multiline", name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("pass");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(value.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
}

#[test]
fn a_real_pass_store_gives_the_client_secret() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = env_for(
        &server,
        "client_secret_command = [\"pass\", \"show\", \"tokfetch/p\"]\n",
    );
    let (gnupg, store) = pass_store(&env);
    pass_insert(&gnupg, &store, "tokfetch/p", &format!("{CLIENT_SECRET}\n"));
    env.set("GNUPGHOME", gnupg.to_str().expect("path"))
        .set("PASSWORD_STORE_DIR", store.to_str().expect("path"));
    let out = env.run(&["get", "p"]);
    assert!(out.ok().starts_with("o21."), "{out}");
    assert_eq!(server.count(), 1);

    // A name the store lacks: pass's own words, exit 4.
    let env2 = env_for(
        &server,
        "client_secret_command = [\"pass\", \"show\", \"tokfetch/missing\"]\n",
    );
    let mut env2 = env2;
    env2.set("GNUPGHOME", gnupg.to_str().expect("path"))
        .set("PASSWORD_STORE_DIR", store.to_str().expect("path"));
    env2.run(&["get", "p"]).fails(
        4,
        &["failed (exit status 1): Error: tokfetch/missing is not in the password store."],
    );
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", &gnupg)
        .args(["--kill", "gpg-agent"])
        .status();
}

#[test]
#[ignore = "needs script(1) for a terminal (tests/run.sh)"]
fn the_command_never_gets_the_terminal_tokfetch_runs_on() {
    let script_tool = support::tools::tool("script", "TOKFETCH_TEST_SCRIPT");
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env0 = Env::new();
    let seen = env0.path().join("seen");
    let (env, _) = scripted(
        &server,
        &format!(
            "if (echo x >/dev/tty) 2>/dev/null; then echo tty >> '{s}'; else echo no-tty >> '{s}'; fi\n\
             if [ -t 0 ]; then echo stdin-tty >> '{s}'; else echo stdin-not-tty >> '{s}'; fi\n\
             printf '%s' '{CLIENT_SECRET}'",
            s = seen.display()
        ),
    );
    // tokfetch itself on a terminal (a pty script(1) makes): the terminal is there to take...
    let out = env
        .command_for(&script_tool)
        .args(["-qec", "tokfetch get p", "/dev/null"])
        .output()
        .expect("script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("o2"), "{text}");
    // ...and the command gets neither it nor stdin.
    assert_eq!(
        std::fs::read_to_string(&seen).expect("the script ran"),
        "no-tty\nstdin-not-tty\n"
    );
    // The check itself works: a shell on that terminal does see it.
    let control = env
        .command_for(&script_tool)
        .args([
            "-qec",
            "if (echo x >/dev/tty) 2>/dev/null; then echo has-tty; fi",
            "/dev/null",
        ])
        .output()
        .expect("script");
    assert!(String::from_utf8_lossy(&control.stdout).contains("has-tty"));
}
