//! Secrets in the real OS keyring (README "Secrets"): a Secret Service provided by
//! gnome-keyring inside the private D-Bus session tests/run.sh starts. Those tests are
//! `#[ignore]`d for a bare `cargo test`; `tests/run.sh` runs them with `--include-ignored`.
//! The headless tests (no D-Bus session at all) always run.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::providers::{self, ClientAuth, TokenServer};
use support::{API_KEY, CLIENT_ID, CLIENT_SECRET, Env, OTHER_SECRET, TENANT};

const NEEDS_SS: &str = "needs the Secret Service session of tests/run.sh";

/// A profile name unique to this test process and test, so parallel tests never share items.
fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

fn oauth2_env(server: &TokenServer, profile: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/oauth2/token")
    ));
    env.with_secret_service();
    env
}

/// What `secret-tool` finds for service `tokfetch`, user `user` (the value itself, or None).
fn secret_tool_lookup(user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "tokfetch", "username", user])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    if out.status.success() {
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        None
    }
}

/// The attributes `secret-tool search` shows for the item, without its secret.
fn secret_tool_attributes(user: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "tokfetch", "username", user])
        .output()
        .expect("secret-tool");
    let all =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    all.lines()
        .filter(|l| l.starts_with("attribute."))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn set_get_status_override_delete_against_the_real_secret_service() {
    let _ = NEEDS_SS;
    let profile = unique("kr-flow");
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = oauth2_env(&server, &profile);

    // Store from stdin (trailing newline stripped).
    let out = env.run_with_stdin(
        &["secret", "set", &profile],
        Some(format!("{CLIENT_SECRET}\n").as_bytes()),
    );
    assert!(out.ok().is_empty(), "{out}");
    assert!(out.stderr.contains("stored client_secret"), "{out}");

    // It is where README "Secrets" says: service `tokfetch`, user `<profile>/client_secret`.
    let user = format!("{profile}/client_secret");
    assert_eq!(secret_tool_lookup(&user).as_deref(), Some(CLIENT_SECRET));
    let attrs = secret_tool_attributes(&user);
    assert!(attrs.contains("attribute.service = tokfetch"), "{attrs}");
    assert!(
        attrs.contains(&format!("attribute.username = {user}")),
        "{attrs}"
    );

    // A token, with the secret from the keyring (the strict server checks it).
    env.run(&["get", &profile, "--no-cache"]).ok();
    assert_eq!(server.count(), 1);
    let status = env.run(&["secret", "status", &profile]);
    assert!(status.ok().contains("client_secret:  keyring"), "{status}");

    // The environment wins over the keyring.
    let other = providers::oauth2(CLIENT_ID, OTHER_SECRET, ClientAuth::Basic);
    let mut env2 = oauth2_env(&other, &profile);
    env2.set(
        &format!(
            "TOKFETCH_{}_CLIENT_SECRET",
            profile.to_uppercase().replace('-', "_")
        ),
        OTHER_SECRET,
    );
    env2.run(&["get", &profile, "--no-cache"]).ok();
    assert_eq!(other.count(), 1);
    let status = env2.run(&["secret", "status", &profile]);
    assert!(status.ok().contains("env $TOKFETCH_KR_FLOW_"), "{status}");

    // Replace the stored value, then delete it.
    env.run_with_stdin(&["secret", "set", &profile], Some(OTHER_SECRET.as_bytes()))
        .ok();
    assert_eq!(secret_tool_lookup(&user).as_deref(), Some(OTHER_SECRET));
    let out = env.run(&["secret", "delete", &profile]);
    out.ok();
    assert!(out.stderr.contains("deleted client_secret"), "{out}");
    assert_eq!(secret_tool_lookup(&user), None);

    // Gone: exit 4 naming both remedies; status says so too.
    env.run(&["get", &profile, "--no-cache"]).fails(
        4,
        &["tokfetch secret set", "_CLIENT_SECRET", "keyring has none"],
    );
    let status = env.run(&["secret", "status", &profile]);
    assert_eq!(status.code, 4, "{status}");
    assert_eq!(status.stdout, "");
    assert!(status.stderr.contains("missing"), "{status}");
    let again = env.run(&["secret", "delete", &profile]);
    again.ok();
    assert!(again.stderr.contains("no client_secret"), "{again}");
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn andopen_api_key_lives_in_its_own_item() {
    let profile = unique("kr-ao");
    let server = providers::andopen(API_KEY, TENANT, CLIENT_ID, CLIENT_SECRET);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"andopen\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        server.url("/auth/token")
    ));
    env.with_secret_service();
    env.run_with_stdin(&["secret", "set", &profile], Some(CLIENT_SECRET.as_bytes()))
        .ok();
    env.run(&["get", &profile])
        .fails(4, &["api_key", "--field api_key"]);
    env.run_with_stdin(
        &["secret", "set", &profile, "--field", "api_key"],
        Some(API_KEY.as_bytes()),
    )
    .ok();
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/api_key")).as_deref(),
        Some(API_KEY)
    );
    env.run(&["get", &profile]).ok();
    assert_eq!(server.count(), 1);
    let status = env.run(&["secret", "status", &profile]);
    let text = status.ok();
    assert!(
        text.contains("client_secret:  keyring") && text.contains("api_key:        keyring"),
        "{status}"
    );
    // Deleting without --field removes both.
    env.run(&["secret", "delete", &profile]).ok();
    assert_eq!(secret_tool_lookup(&format!("{profile}/api_key")), None);
    assert_eq!(
        secret_tool_lookup(&format!("{profile}/client_secret")),
        None
    );
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn bad_input_stores_nothing() {
    let profile = unique("kr-bad");
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = oauth2_env(&server, &profile);
    let user = format!("{profile}/client_secret");
    env.run_with_stdin(&["secret", "set", &profile], Some(b""))
        .fails(2, &["empty secret"]);
    env.run_with_stdin(&["secret", "set", &profile], Some(b"\n"))
        .fails(2, &["empty secret"]);
    env.run_with_stdin(&["secret", "set", &profile], Some(b"two\nlines\n"))
        .fails(2, &["line break"]);
    env.run_with_stdin(
        &["secret", "set", &profile, "--field", "api_key"],
        Some(API_KEY.as_bytes()),
    )
    .fails(2, &["only andopen profiles use an api_key"]);
    env.run_with_stdin(
        &["secret", "set", "no-such-profile"],
        Some(CLIENT_SECRET.as_bytes()),
    )
    .fails(3, &["unknown profile `no-such-profile`"]);
    assert_eq!(secret_tool_lookup(&user), None);
    assert_eq!(secret_tool_lookup(&format!("{profile}/api_key")), None);
}

#[test]
#[ignore = "needs dbus-run-session and gnome-keyring-daemon (tests/run.sh)"]
fn a_locked_keyring_fails_promptly_instead_of_waiting_for_a_prompt() {
    // A session whose keyring daemon runs but was never unlocked, with no display for a prompt:
    // what a CI runner with a desktop image looks like.
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"{CLIENT_ID}\"\n"
    ));
    let data = env.path().join("keyrings-data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let script = format!(
        "XDG_DATA_HOME='{}' gnome-keyring-daemon --start --components=secrets >/dev/null; exec '{}' get p",
        data.display(),
        env!("CARGO_BIN_EXE_tokfetch")
    );
    let mut cmd = env.command();
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    let base: Vec<(std::ffi::OsString, std::ffi::OsString)> = cmd
        .get_envs()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
        .collect();
    let started = Instant::now();
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env_clear()
        .envs(base)
        .output()
        .expect("dbus-run-session");
    let out = support::Out::new(&["get", "p"], out);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 4, "{out}");
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("TOKFETCH_P_CLIENT_SECRET"), "{out}");
}

// ---- no D-Bus session at all: a headless CI box --------------------------------------------

fn headless() -> Env {
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:9/t\"\nclient_id = \"{CLIENT_ID}\"\n\
         [profiles.ao]\nprovider = \"andopen\"\ntenant = \"t\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"http://127.0.0.1:9/t\"\n"
    ));
    env
}

#[test]
fn headless_get_is_exit_4_naming_the_environment_variable_promptly() {
    let env = headless();
    let started = Instant::now();
    env.run(&["get", "p"])
        .fails(4, &["keyring is unavailable", "TOKFETCH_P_CLIENT_SECRET"]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn headless_secret_set_and_delete_are_exit_4_with_the_ci_hint() {
    let env = headless();
    env.run_with_stdin(&["secret", "set", "p"], Some(CLIENT_SECRET.as_bytes()))
        .fails(
            4,
            &[
                "cannot store the secret in the OS keyring",
                "TOKFETCH_P_CLIENT_SECRET",
            ],
        );
    env.run(&["secret", "delete", "p"])
        .fails(4, &["cannot reach the OS keyring"]);
}

#[test]
fn headless_status_reports_env_secrets_and_the_unreachable_keyring() {
    let mut env = headless();
    env.set("TOKFETCH_AO_CLIENT_SECRET", CLIENT_SECRET);
    // Overview of all profiles: exit 0, never a value.
    let out = env.run(&["secret", "status"]);
    let text = out.ok();
    assert!(
        text.contains("client_secret:  env $TOKFETCH_AO_CLIENT_SECRET"),
        "{out}"
    );
    assert!(text.contains("keyring unavailable"), "{out}");
    // One profile with a secret missing everywhere: exit 4, stdout empty.
    let out = env.run(&["secret", "status", "ao"]);
    assert_eq!(out.code, 4, "{out}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("api_key") && out.stderr.contains("TOKFETCH_AO_API_KEY"),
        "{out}"
    );
    // All present in the environment: exit 0.
    env.set("TOKFETCH_AO_API_KEY", API_KEY);
    let out = env.run(&["secret", "status", "ao"]);
    assert!(
        out.ok()
            .contains("api_key:        env $TOKFETCH_AO_API_KEY"),
        "{out}"
    );
}

#[test]
fn headless_named_env_variables_take_precedence() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_env = \"CI_SECRET\"\n",
        server.url("/oauth2/token")
    ));
    env.set("CI_SECRET", CLIENT_SECRET);
    env.run(&["get", "p"]).ok();
    let status = env.run(&["secret", "status", "p"]);
    assert!(status.ok().contains("env $CI_SECRET"), "{status}");
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn a_pem_private_key_stored_in_the_keyring_signs_assertions() {
    use support::server::{Action, Request, Response, Server};
    let profile = unique("kr-key");
    let server = Server::start(|req: &Request| {
        let assertion = req.form_value("client_assertion").unwrap_or_default();
        match support::jwt::verify(&assertion, support::jwt::RSA_A) {
            Ok(()) => Action::Respond(Response::json(
                200,
                serde_json::json!({"access_token": "signed-ok", "expires_in": 600}),
            )),
            Err(why) => Action::Respond(Response::json(
                401,
                serde_json::json!({"error": "invalid_client", "error_description": why}),
            )),
        }
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\n",
        server.url("/token")
    ));
    env.with_secret_service();
    // A PEM spans lines: stored whole, as piped in.
    let out = env.run_with_stdin(
        &["secret", "set", &profile, "--field", "private_key"],
        Some(support::jwt::RSA_A.as_bytes()),
    );
    assert!(out.ok().is_empty(), "{out}");
    let user = format!("{profile}/private_key");
    assert_eq!(
        secret_tool_lookup(&user).as_deref().map(str::trim_end),
        Some(support::jwt::RSA_A.trim_end())
    );
    let out = env.run(&["secret", "status", &profile]);
    assert!(out.ok().contains("private_key:    keyring"), "{out}");
    assert_eq!(env.run(&["get", &profile, "-v"]).ok(), "signed-ok\n");
    let out = env.run(&["secret", "delete", &profile]);
    assert!(out.stderr.contains("deleted private_key"), "{out}");
    assert_eq!(secret_tool_lookup(&user), None);
}

/// The items `secret-tool search` finds for service `tokfetch` whose user starts with
/// `prefix` (a split secret's chunks would be `<user>/1`, `<user>/2`, …).
fn items_of(prefix: &str) -> Vec<String> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "tokfetch"])
        .output()
        .expect("secret-tool");
    let all =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    all.lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .filter(|u| u.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn a_4096_bit_key_round_trips_through_the_secret_service_signs_and_leaves_nothing() {
    let profile = unique("kr-rsa4096");
    let pem = support::jwt::RSA_4096;
    let server = providers::private_key_jwt(CLIENT_ID, pem);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\n",
        server.url("/oauth2/token")
    ));
    env.with_secret_service();
    env.run_with_stdin(
        &["secret", "set", &profile, "--field", "private_key"],
        Some(pem.as_bytes()),
    )
    .ok();
    let user = format!("{profile}/private_key");
    assert_eq!(
        secret_tool_lookup(&user).as_deref().map(str::trim_end),
        Some(pem.trim_end())
    );
    // The Secret Service caps no entry: one item, not split.
    assert_eq!(items_of(&user), vec![user.clone()]);
    // The signature verifies against the key's public half (the server checks it).
    let out = env.run(&["get", &profile, "--no-cache"]);
    assert!(out.ok().starts_with("pk"), "{out}");
    assert_eq!(server.count(), 1);

    let out = env.run(&["secret", "delete", &profile]);
    out.ok();
    assert!(out.stderr.contains("deleted private_key"), "{out}");
    assert_eq!(items_of(&user), Vec::<String>::new());
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn a_64_kib_secret_round_trips_through_the_secret_service() {
    let profile = unique("kr-64k");
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let env = oauth2_env(&server, &profile);
    // As much as `secret set` accepts: 64 KiB, one line.
    let big: String = (0..64 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    env.run_with_stdin(&["secret", "set", &profile], Some(big.as_bytes()))
        .ok();
    let user = format!("{profile}/client_secret");
    assert_eq!(secret_tool_lookup(&user).map(|v| v.len()), Some(big.len()));
    assert_eq!(secret_tool_lookup(&user).as_deref(), Some(big.as_str()));
    // One byte more is refused, and the stored value stays.
    let more = format!("{big}z");
    env.run_with_stdin(&["secret", "set", &profile], Some(more.as_bytes()))
        .fails(2, &["more than 64 KiB"]);
    assert_eq!(secret_tool_lookup(&user).map(|v| v.len()), Some(big.len()));
    env.run(&["secret", "delete", &profile]).ok();
    assert_eq!(items_of(&user), Vec::<String>::new());
}

#[test]
#[ignore = "needs the Secret Service session of tests/run.sh"]
fn secret_tool_lookup_as_a_client_secret_command() {
    use std::io::Write;
    let profile = unique("kr-cmd");
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    // Stored by secret-tool itself, under attributes of the user's choosing.
    let mut store = Command::new("secret-tool")
        .args([
            "store",
            "--label",
            "tokfetch command test",
            "app",
            "tokfetch-test",
            "item",
            &profile,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool");
    store
        .stdin
        .take()
        .expect("stdin")
        .write_all(CLIENT_SECRET.as_bytes())
        .expect("write");
    assert!(store.wait().expect("wait").success());

    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_command = [\"secret-tool\", \"lookup\", \"app\", \"tokfetch-test\", \"item\", \"{profile}\"]\n",
        server.url("/oauth2/token")
    ));
    env.with_secret_service();
    let out = env.run(&["get", &profile]);
    assert!(out.ok().starts_with("o2"), "{out}");
    assert_eq!(server.count(), 1);

    // Storing a keyring secret for the profile says the command still comes first.
    let set = env.run_with_stdin(&["secret", "set", &profile], Some(OTHER_SECRET.as_bytes()));
    set.ok();
    assert!(
        set.stderr.contains(
            "note: the profile's client_secret_command takes precedence over the keyring"
        ),
        "{set}"
    );
    env.run(&["get", &profile, "--no-cache"]).ok();
    assert_eq!(server.count(), 2, "the command's secret, not the keyring's");
    env.run(&["secret", "delete", &profile]).ok();

    // An attribute nobody stored: secret-tool exits 1 without a word, tokfetch says so.
    env.write_config(&format!(
        "[profiles.{profile}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_command = [\"secret-tool\", \"lookup\", \"app\", \"tokfetch-test\", \"item\", \"none-{profile}\"]\n",
        server.url("/oauth2/token")
    ));
    env.run(&["get", &profile, "--no-cache"]).fails(
        4,
        &[
            "the client_secret command of profile",
            "failed (exit status 1)",
        ],
    );
    let _ = Command::new("secret-tool")
        .args(["clear", "app", "tokfetch-test", "item", &profile])
        .status();
}
