//! Getting started and living in a shell: `profile add/remove` that keep a hand-written config
//! byte for byte, `profiles`, the first-run message, quiet and broken-pipe behaviour.

mod support;

use serde_json::Value;
use support::providers::{self, ClientAuth};
use support::{CLIENT_ID, CLIENT_SECRET, Env};

const HAND_WRITTEN: &str = "\
# Tokens for the deploy scripts.  Owner: platform team.
# Keep this file in dotfiles; secrets live in the keyring.

default_profile = \"op-eu\"   # most scripts use this one

[profiles.op-eu]
provider  = \"onepassword\"
region    = \"eu\"        # the EU account
client_id = \"op-client\"

# Staging &Open, see the wiki page before touching it
[profiles.andopen]
provider = \"andopen\"
environment = \"staging\"
tenant = \"acme\"
client_id = \"andopen_client_id_1\"
";

#[test]
fn profile_add_and_remove_keep_a_hand_written_config_byte_for_byte() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Post);
    let mut env = Env::new();
    env.write_config(HAND_WRITTEN);
    let url = server.url("/oauth2/token");
    let out = env.run(&[
        "profile",
        "add",
        "okta",
        "--provider",
        "oauth2",
        "--token-url",
        &url,
        "--auth-method",
        "post",
        "--client-id",
        CLIENT_ID,
        "--scope",
        "api.read",
    ]);
    assert!(out.ok().is_empty(), "{out}");
    assert!(out.stderr.contains("added profile `okta`"), "{out}");
    assert!(
        out.stderr
            .contains("next: store the client_secret: tokfetch secret set okta"),
        "{out}"
    );
    let after = std::fs::read_to_string(&env.config).expect("read");
    assert!(
        after.starts_with(HAND_WRITTEN),
        "existing bytes changed:\n{after}"
    );
    assert_eq!(
        &after[HAND_WRITTEN.len()..],
        format!(
            "\n[profiles.okta]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nscope = \"api.read\"\nauth_method = \"post\"\nclient_id = \"{CLIENT_ID}\"\n"
        )
    );

    // The new profile works.
    env.set("TOKFETCH_OKTA_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "okta"]).ok();
    assert_eq!(server.count(), 1);

    // Removing it restores the original file exactly, and forgets its cached token.
    let out = env.run(&["profile", "remove", "okta"]);
    out.ok();
    assert!(out.stderr.contains("tokfetch secret delete okta"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&env.config).expect("read"),
        HAND_WRITTEN
    );
    assert!(!env.cache_dir.join("okta.token.json").exists());
}

#[test]
fn removing_the_default_profile_drops_default_profile_but_keeps_the_header_comment() {
    let env = Env::new();
    env.write_config(HAND_WRITTEN);
    let out = env.run(&["profile", "remove", "op-eu"]);
    out.ok();
    assert!(out.stderr.contains("default_profile"), "{out}");
    let after = std::fs::read_to_string(&env.config).expect("read");
    assert!(
        after.starts_with("# Tokens for the deploy scripts."),
        "{after}"
    );
    assert!(
        !after.contains("default_profile") && !after.contains("[profiles.op-eu]"),
        "{after}"
    );
    assert!(
        after.contains("# Staging &Open, see the wiki page before touching it\n[profiles.andopen]"),
        "{after}"
    );
    env.run(&["profiles"]).ok();
}

#[test]
fn profile_add_creates_the_config_and_can_make_the_default() {
    let env = Env::new();
    assert!(!env.config.exists());
    env.run(&[
        "profile",
        "add",
        "op",
        "--provider",
        "onepassword",
        "--region",
        "ca",
        "--client-id",
        "id-1",
        "--default",
    ])
    .ok();
    let text = std::fs::read_to_string(&env.config).expect("created");
    assert_eq!(
        text,
        "default_profile = \"op\"\n\n[profiles.op]\nprovider = \"onepassword\"\nregion = \"ca\"\nclient_id = \"id-1\"\n"
    );
    let names = env.run(&["profiles", "--names"]);
    assert_eq!(names.ok(), "op\n");
    let json: Value = serde_json::from_str(env.run(&["profiles", "--json"]).ok()).expect("json");
    assert_eq!(json[0]["name"], "op");
    assert_eq!(json[0]["default"], true);
    assert_eq!(
        json[0]["endpoint"],
        "https://api.1password.ca/v1beta1/users/oauth2/token"
    );
}

#[test]
fn profile_add_refuses_what_would_make_a_bad_config() {
    let env = Env::new();
    env.write_config(HAND_WRITTEN);
    env.run(&[
        "profile",
        "add",
        "op-eu",
        "--provider",
        "onepassword",
        "--client-id",
        "x",
    ])
    .fails(3, &["profile `op-eu` already exists"]);
    env.run(&[
        "profile",
        "add",
        "x",
        "--provider",
        "onepassword",
        "--tenant",
        "t",
        "--client-id",
        "x",
    ])
    .fails(2, &["--tenant does not apply to provider onepassword"]);
    env.run(&[
        "profile",
        "add",
        "x",
        "--provider",
        "andopen",
        "--client-id",
        "x",
    ])
    .fails(2, &["--tenant is required for provider andopen"]);
    env.run(&[
        "profile",
        "add",
        "x",
        "--provider",
        "configapi",
        "--host",
        "https://h.example/",
        "--client-id",
        "x",
    ])
    .fails(3, &["must be a host name"]);
    env.run(&["profile", "add", "x", "--provider", "onepassword"])
        .fails(2, &["--client-id is required"]);
    env.run(&[
        "profile",
        "add",
        "a/b",
        "--provider",
        "onepassword",
        "--client-id",
        "x",
    ])
    .fails(2, &["not a profile name"]);
    env.run(&["profile", "remove", "nope"])
        .fails(3, &["no profile `nope`"]);
    // Nothing above touched the file.
    assert_eq!(
        std::fs::read_to_string(&env.config).expect("read"),
        HAND_WRITTEN
    );
}

#[test]
fn the_first_run_says_exactly_how_to_start() {
    let env = Env::new();
    let out = env.run(&["get"]);
    out.fails(
        3,
        &[
            "no config file at",
            "tokfetch profile add NAME --provider onepassword --client-id ID",
        ],
    );
    for provider in ["--region", "--tenant", "--host", "--token-url"] {
        assert!(out.stderr.contains(provider), "{out}");
    }
}

#[test]
fn profiles_table_lists_every_profile_with_its_secrets() {
    let mut env = Env::new();
    env.write_config(HAND_WRITTEN);
    env.set("TOKFETCH_OP_EU_CLIENT_SECRET", CLIENT_SECRET);
    let out = env.run(&["profiles"]);
    let table = out.ok();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("PROFILE")
            && lines[0].contains("PROVIDER")
            && lines[0].contains("TOKEN"),
        "{table}"
    );
    assert!(table.contains("op-eu (default)"), "{table}");
    assert!(
        table.contains("client_secret=env:TOKFETCH_OP_EU_CLIENT_SECRET"),
        "{table}"
    );
    assert!(
        table.contains("https://staging.auth.andopen.co/auth/token"),
        "{table}"
    );
    assert!(
        table.contains("api_key=unknown"),
        "no keyring here: {table}"
    );
    // Two rows, then one line saying why a source is unknown (no D-Bus session here).
    assert_eq!(lines.len(), 5, "{table}");
    assert_eq!(lines[3], "", "{table}");
    assert!(
        lines[4].starts_with(
            "unknown: not in the environment, and the OS keyring could not be asked: "
        ) && lines[4].contains("TOKFETCH_<PROFILE>_<FIELD>"),
        "{table}"
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/oauth2/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    // A pipe whose reading end is already closed: the first write fails with EPIPE.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = env
        .command()
        .args(["get", "p"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no panic, no noise"
    );
}

#[test]
fn errors_carry_no_colour_codes_when_not_on_a_terminal() {
    let env = Env::new();
    let out = env.run(&["get", "p"]);
    assert!(!out.stderr.contains('\x1b'), "{out}");
}
