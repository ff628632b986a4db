//! Hostile files and odd values get a clear error and lose nothing (README "Configuration
//! reference", "Secrets", "Caching", "Security model"): no hang on a FIFO, no gigabytes from
//! /dev/zero, no trust in files others can write, no silent wrong behaviour.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use support::providers::{self, ClientAuth};
use support::server::{Action, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Env, OTHER_SECRET};

const QUICK: Duration = Duration::from_secs(10);

fn oauth2_config(url: &str, extra: &str) -> String {
    format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}"
    )
}

fn setup() -> (Env, support::providers::TokenServer) {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    env.write_config(&oauth2_config(&server.url("/oauth2/token"), ""));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    (env, server)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), None).expect("chown");
}

// ---- the config file ------------------------------------------------------------------------

#[test]
fn a_fifo_as_config_is_exit_3_at_once_not_a_hang() {
    let env = Env::new();
    let fifo = env.path().join("config.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let config = fifo.display().to_string();
    env.run_within(&["--config", &config, "get", "p"], QUICK)
        .fails(3, &["not a regular file", &config]);
}

#[test]
fn dev_zero_and_a_directory_as_config_are_exit_3_at_once() {
    let env = Env::new();
    env.run_within(&["--config", "/dev/zero", "get", "p"], QUICK)
        .fails(3, &["/dev/zero", "not a regular file"]);
    let dir = env.path().display().to_string();
    env.run_within(&["--config", &dir, "get", "p"], QUICK)
        .fails(3, &["is a directory"]);
}

#[test]
fn a_config_over_one_mebibyte_is_refused_unread() {
    let env = Env::new();
    let mut text = String::from("# padding\n");
    while text.len() <= 1 << 20 {
        text.push_str("# ............................................................\n");
    }
    env.write_config(&text);
    env.run(&["get", "p"])
        .fails(3, &["larger than 1024 KiB", "config.toml"]);
}

#[test]
fn a_config_writable_by_others_is_refused_as_ssh_would() {
    let (env, server) = setup();
    let path = env.config.display().to_string();
    for mode in [0o666, 0o620, 0o602] {
        chmod(&env.config, mode);
        env.run(&["get", "p"]).fails(
            3,
            &[
                "writable by others",
                &format!("{:o}", mode),
                &format!("hint: chmod go-w {path}"),
            ],
        );
    }
    assert_eq!(server.count(), 0, "nothing was sent anywhere");
    chmod(&env.config, 0o644);
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 1);
}

#[test]
fn a_config_owned_by_another_user_is_refused() {
    let (env, server) = setup();
    if !is_root() {
        // Only root can give a file away; what a user can check is that their own file works.
        eprintln!("note: not root, so only the accepted half of this test ran");
        env.run(&["get", "p"]).ok();
        return;
    }
    chown(&env.config, 65534);
    env.run(&["get", "p"])
        .fails(3, &["owned by another user (uid 65534)", "chown"]);
    assert_eq!(server.count(), 0);
    // Root's own files are trusted (root aside, as ssh does).
    chown(&env.config, 0);
    env.run(&["get", "p"]).ok();
}

#[test]
fn a_secret_in_the_config_is_refused_without_echo_or_suggestion() {
    let env = Env::new();
    env.write_config(&format!(
        "{}client_secret = \"{OTHER_SECRET}\"\n",
        oauth2_config("https://idp.example/token", "")
    ));
    let out = env.run(&["get", "p"]);
    out.fails(
        3,
        &[
            "`client_secret` in profile `p`: secrets are never read from the config file",
            "tokfetch secret set p",
            "TOKFETCH_P_CLIENT_SECRET",
        ],
    );
    assert!(!out.stderr.contains("did you mean"), "{out}");
    env.write_config(
        "[profiles.a]\nprovider = \"andopen\"\ntenant = \"t\"\nclient_id = \"c\"\napi_key = \"ak-in-the-file\"\n",
    );
    let out = env.run(&["get", "a"]);
    out.fails(
        3,
        &[
            "`api_key` in profile `a`: secrets are never read",
            "--field api_key",
        ],
    );
    assert!(!out.stderr.contains("ak-in-the-file"), "{out}");
}

// ---- profile names and broken profiles ------------------------------------------------------

#[test]
fn dot_names_hidden_names_and_overlong_names_are_refused() {
    let (env, server) = setup();
    let url = server.url("/oauth2/token");
    let long = "x".repeat(300);
    let mut text = oauth2_config(&url, "");
    for name in ["..", ".hidden", long.as_str()] {
        text.push_str(&format!(
            "[profiles.\"{name}\"]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n"
        ));
    }
    env.write_config(&text);
    for name in ["..", ".hidden", long.as_str()] {
        env.run(&["get", name])
            .fails(3, &["is not valid: a profile name is a letter or digit"]);
    }
    assert_eq!(server.count(), 0);
    // Nothing was written for them; the valid profile still works and caches.
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 1);
    let files: Vec<String> = std::fs::read_dir(&env.cache_dir)
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().all(|f| f.starts_with("p.")), "{files:?}");
}

#[test]
fn the_longest_valid_name_caches_and_locks_like_any_other() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let name = "n".repeat(64);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.{name}]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/oauth2/token")
    ));
    env.set(
        &format!("TOKFETCH_{}_CLIENT_SECRET", "N".repeat(64)),
        CLIENT_SECRET,
    );
    env.run(&["get", &name]).ok();
    env.run(&["get", &name]).ok();
    assert_eq!(server.count(), 1, "the second call is a cache hit");
    assert!(env.cache_dir.join(format!("{name}.token.json")).exists());
}

#[test]
fn one_broken_profile_does_not_break_another_and_profiles_lists_it() {
    let (env, server) = setup();
    let text = format!(
        "{}[profiles.bad]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/t\"\nclient_id = \"x\"\ntenent = \"acme\"\n",
        oauth2_config(&server.url("/oauth2/token"), "")
    );
    env.write_config(&text);
    env.run(&["get", "p"]).ok();
    let path = env.config.display().to_string();
    env.run(&["get", "bad"])
        .fails(3, &[&format!("{path}:9"), "unknown key `tenent`"]);
    let table = env.run(&["profiles"]).ok().to_string();
    assert!(table.contains("bad") && table.contains("BROKEN"), "{table}");
    assert!(table.contains("unknown key `tenent`"), "{table}");
    let rows: Value = serde_json::from_str(env.run(&["profiles", "--json"]).ok()).expect("json");
    let bad = rows
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "bad"))
        .expect("bad row");
    assert!(
        bad["error"]
            .as_str()
            .is_some_and(|e| e.contains("unknown key `tenent`")),
        "{rows}"
    );
    let good = rows
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "p"))
        .expect("good row");
    assert!(good.get("error").is_none(), "{rows}");
}

// ---- secrets --------------------------------------------------------------------------------

#[test]
fn an_unset_named_variable_falls_through_and_an_empty_one_is_exit_4() {
    let (mut env, server) = setup();
    env.write_config(&oauth2_config(
        &server.url("/oauth2/token"),
        "client_secret_env = \"MY_CI_SECRET\"\n",
    ));
    // Unset: the next source (the conventional variable) is used.
    env.run(&["get", "p", "--no-cache"]).ok();
    // Set but empty: exit 4 naming it, nothing sent, even though the next source has it.
    env.set("MY_CI_SECRET", "");
    env.run(&["get", "p", "--no-cache"])
        .fails(4, &["$MY_CI_SECRET is set but empty"]);
    // Both unset: exit 4 naming both variables as not set.
    env.unset("MY_CI_SECRET");
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    let out = env.run(&["get", "p", "--no-cache"]);
    out.fails(
        4,
        &["$MY_CI_SECRET", "$TOKFETCH_P_CLIENT_SECRET", "not set"],
    );
    assert!(!out.stderr.contains("empty"), "{out}");
    // The conventional variable empty is the same story.
    env.set("TOKFETCH_P_CLIENT_SECRET", "");
    env.run(&["get", "p", "--no-cache"])
        .fails(4, &["$TOKFETCH_P_CLIENT_SECRET is set but empty"]);
    assert_eq!(server.count(), 1);
}

#[test]
fn exec_withholds_the_secret_variables_of_every_profile() {
    let (mut env, server) = setup();
    let url = server.url("/oauth2/token");
    env.write_config(&format!(
        "{}[profiles.other]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"c\"\nclient_secret_env = \"OTHER_NAMED\"\n[profiles.broken]\nprovider = \"andopen\"\nclient_id = \"c\"\napi_key_env = \"BROKEN_NAMED\"\n",
        oauth2_config(&url, "")
    ));
    env.set("TOKFETCH_OTHER_CLIENT_SECRET", OTHER_SECRET);
    env.set("OTHER_NAMED", OTHER_SECRET);
    env.set("BROKEN_NAMED", OTHER_SECRET);
    env.set("TOKFETCH_NOT_A_PROFILE_API_KEY", OTHER_SECRET);
    env.set("TOKFETCH_X_PRIVATE_KEY", OTHER_SECRET);
    env.set("HARMLESS", "kept");
    let out = env.run(&["exec", "p", "--", "sh", "-c", "env | sort"]);
    // `Out` fails the test if any secret appears; check the names too.
    let seen = out.ok();
    for gone in [
        "TOKFETCH_P_CLIENT_SECRET=",
        "TOKFETCH_OTHER_CLIENT_SECRET=",
        "OTHER_NAMED=",
        "BROKEN_NAMED=",
        "TOKFETCH_NOT_A_PROFILE_API_KEY=",
        "TOKFETCH_X_PRIVATE_KEY=",
    ] {
        assert!(!seen.contains(gone), "{gone} reached the command:\n{seen}");
    }
    assert!(seen.contains("HARMLESS=kept"), "{seen}");
    assert!(seen.contains("TOKFETCH_TOKEN=o2"), "{seen}");
}

// ---- the cache ------------------------------------------------------------------------------

#[test]
fn a_cache_directory_writable_by_others_is_not_used() {
    let (mut env, server) = setup();
    let dir = env.path().join("shared-cache");
    std::fs::create_dir(&dir).expect("mkdir");
    chmod(&dir, 0o777);
    env.set("TOKFETCH_CACHE_DIR", &dir.display().to_string());
    for _ in 0..2 {
        let out = env.run(&["get", "p"]);
        assert!(out.ok().starts_with("o2"), "{out}");
        let warnings: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.contains("warning"))
            .collect();
        assert_eq!(warnings.len(), 1, "warned once per run:\n{out}");
        assert!(
            warnings[0].contains(&dir.display().to_string())
                && warnings[0].contains("writable by others"),
            "{out}"
        );
        assert!(out.stderr.contains("hint: chmod 700"), "{out}");
    }
    assert_eq!(server.count(), 2, "no cache was used");
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "nothing read, written or locked there"
    );
    // -q drops the warning, not the token.
    let quiet = env.run(&["get", "p", "-q"]);
    assert!(quiet.ok().starts_with("o2"));
    assert_eq!(quiet.stderr, "", "{quiet}");
    env.run(&["cache", "clear"])
        .fails(3, &["refusing to touch the token cache"]);
}

#[test]
fn a_cache_directory_owned_by_another_user_is_not_used() {
    let (mut env, server) = setup();
    let dir = env.path().join("their-cache");
    std::fs::create_dir(&dir).expect("mkdir");
    chmod(&dir, 0o700);
    env.set("TOKFETCH_CACHE_DIR", &dir.display().to_string());
    if !is_root() {
        eprintln!("note: not root, so only the accepted half of this test ran");
        env.run(&["get", "p"]).ok();
        env.run(&["get", "p"]).ok();
        assert_eq!(server.count(), 1);
        return;
    }
    chown(&dir, 65534);
    for _ in 0..2 {
        let out = env.run(&["get", "p"]);
        out.ok();
        assert!(
            out.stderr.contains("owned by another user (uid 65534)"),
            "{out}"
        );
    }
    assert_eq!(server.count(), 2);
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 0);
}

#[test]
fn a_token_between_256_kib_and_1_mib_is_cached_and_read_back() {
    let token = format!("big.{}", "A".repeat(600 * 1024));
    let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 900});
    let server = Server::start(move |_| Action::Respond(Response::json(200, body.clone())));
    let mut env = Env::new();
    env.write_config(&oauth2_config(&server.url("/t"), ""));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    let first = env.run(&["get", "p"]).ok().len();
    let second = env.run(&["get", "p"]).ok().len();
    assert_eq!(first, 600 * 1024 + 5);
    assert_eq!(second, first);
    assert_eq!(
        server.count(),
        1,
        "the second call is a hit, not a re-fetch"
    );
}

#[test]
fn absurd_lifetimes_are_one_year() {
    for expires_in in [
        json!(u64::MAX),
        json!(10_000_000_000_000u64),
        json!("99999999999999999999999"),
    ] {
        let body =
            json!({"access_token": "tok-1", "token_type": "Bearer", "expires_in": expires_in});
        let server = Server::start(move |_| Action::Respond(Response::json(200, body.clone())));
        let mut env = Env::new();
        env.write_config(&oauth2_config(&server.url("/t"), ""));
        env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
        let out: Value =
            serde_json::from_str(env.run(&["get", "p", "-o", "json"]).ok()).expect("json");
        let left = out["expires_in"].as_u64().expect("expires_in");
        assert!((31_535_990..=31_536_000).contains(&left), "{out}");
        let at = out["expires_at"].as_str().expect("expires_at");
        assert!(at.starts_with("202") && at.len() == 20, "{out}");
        // And it is cached like any other token.
        env.run(&["get", "p"]).ok();
        assert_eq!(server.count(), 1);
    }
}

#[test]
fn cache_clear_of_an_unknown_profile_is_exit_3() {
    let (env, _server) = setup();
    env.run(&["get", "p"]).ok();
    env.run(&["cache", "clear", "nosuch"])
        .fails(3, &["unknown profile `nosuch`", "known profiles: p"]);
    assert!(
        env.cache_dir.join("p.token.json").exists(),
        "nothing removed"
    );
}

// ---- user-typed text ------------------------------------------------------------------------

#[test]
fn control_characters_in_names_and_arguments_are_escaped() {
    let (mut env, _server) = setup();
    let out = env.run(&["get", "x\u{1b}[31mred\u{7}"]);
    out.fails(3, &["unknown profile `x\\u{1b}[31mred\\u{7}`"]);
    assert!(
        !out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'),
        "{out:?}"
    );
    // clap's own errors too.
    // (clap drops ANSI sequences and bells itself, but not a carriage return.)
    let out = env.run(&["get", "p", "extra\u{1b}[2J\u{7}\rx"]);
    out.fails(2, &["unexpected argument 'extra\\rx'"]);
    assert!(!out.stderr.contains(['\u{1b}', '\u{7}', '\r']), "{out:?}");
    // And a name from the environment.
    env.set("TOKFETCH_PROFILE", "\u{1b}]0;title\u{7}");
    let out = env.run(&["get"]);
    out.fails(3, &["\\u{1b}]0;title\\u{7}", "TOKFETCH_PROFILE"]);
    assert!(!out.stderr.contains('\u{1b}'), "{out:?}");
}

// ---- onboarding -----------------------------------------------------------------------------

#[test]
fn profile_add_with_an_empty_client_id_says_so_and_writes_nothing() {
    let env = Env::new();
    env.run(&[
        "profile",
        "add",
        "onepassword-eu",
        "--provider",
        "onepassword",
        "--region",
        "eu",
        "--client-id",
        "",
        "--default",
    ])
    .fails(2, &["--client-id is empty", "shell variable"]);
    assert!(!env.config.exists(), "no file was created");
}

#[test]
fn profile_add_reports_a_bad_value_without_a_line_of_a_file_that_does_not_exist() {
    let env = Env::new();
    let out = env.run(&[
        "profile",
        "add",
        "corp",
        "--provider",
        "configapi",
        "--host",
        "https://example.com/",
        "--client-id",
        "x",
    ]);
    out.fails(3, &["cannot add profile `corp`:", "must be a host name"]);
    assert!(!out.stderr.contains("config.toml:"), "{out}");
    assert!(!env.config.exists());
}

/// `script` gives tokfetch a terminal, as a person at a keyboard has; there is no D-Bus
/// session, so no keyring: tokfetch must say so (and which variable to set) before asking for
/// a secret it could not store.
#[test]
fn interactive_profile_add_without_a_keyring_names_the_variable_instead_of_prompting() {
    let env = Env::new();
    let config = env.config.display().to_string();
    let cmd = format!(
        "{} --config '{config}' profile add corp --provider configapi --host example.com --client-id sheila",
        env!("CARGO_BIN_EXE_tokfetch")
    );
    // The same clean environment `Env::command` gives tokfetch, around `script`.
    let mut script = std::process::Command::new("script");
    script.env_clear();
    for (k, v) in env.command().get_envs() {
        if let Some(v) = v {
            script.env(k, v);
        }
    }
    let mut child = script
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    // A prompt nobody answers would wait forever: bound it.
    let deadline = std::time::Instant::now() + QUICK;
    while child.try_wait().expect("try_wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!(
                "profile add was still waiting after {QUICK:?} (a prompt?):\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("added profile `corp`"), "{text}");
    assert!(
        text.contains("no OS keyring is usable here")
            && text.contains("TOKFETCH_CORP_CLIENT_SECRET"),
        "{text}"
    );
    assert!(!text.contains("Store its"), "asked anyway:\n{text}");
    assert!(
        !text.contains("again, to confirm"),
        "prompted anyway:\n{text}"
    );
}
