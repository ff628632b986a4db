//! A large config (README "Performance"): with 5,000 profiles a cache hit reads only the
//! profile's own tables, and still every kind of edit to the file is seen by the next call, and
//! every rule the config file is held to (README "Configuration reference") still holds.

mod support;

use std::fs::{File, FileTimes};
use std::path::Path;

use support::providers::{self, ClientAuth, TokenServer};
use support::{CLIENT_ID, CLIENT_SECRET, Env};

const PROFILES: usize = 5_000;
/// The profile the tests use: in the middle of the file.
const P: &str = "p2500";

fn profile(i: usize, url: &str) -> String {
    format!(
        "[profiles.p{i}]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_env = \"SCALE_SECRET\"\nscope = \"read\"\n"
    )
}

fn large_config(url: &str) -> String {
    let mut text = String::from("# generated: one profile per tenant\n");
    for i in 0..PROFILES {
        text.push_str(&profile(i, url));
    }
    text
}

/// An env whose config has 5,000 profiles, and a cached token for [`P`].
fn setup() -> (Env, TokenServer, String) {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    env.write_config(&large_config(&server.url("/oauth2/token")));
    env.set("SCALE_SECRET", CLIENT_SECRET);
    let token = env.run(&["get", P]).ok().to_string();
    assert_eq!(server.count(), 1);
    assert_eq!(env.run(&["get", P]).ok(), token, "the second call is a hit");
    assert_eq!(server.count(), 1);
    (env, server, token)
}

fn text(env: &Env) -> String {
    std::fs::read_to_string(&env.config).expect("read config")
}

/// Rewrite the file in place (same inode), then put its old modification time back.
fn edit_in_place_keeping_mtime(path: &Path, edit: impl FnOnce(&str) -> String) {
    let before = std::fs::metadata(path).expect("stat");
    let old = std::fs::read_to_string(path).expect("read");
    let new = edit(&old);
    assert_ne!(new, old, "the edit changes the file");
    assert_eq!(new.len(), old.len(), "the edit keeps the length");
    std::fs::write(path, new).expect("write in place");
    let f = File::options().write(true).open(path).expect("open");
    f.set_times(FileTimes::new().set_modified(before.modified().expect("mtime")))
        .expect("restore mtime");
    let after = std::fs::metadata(path).expect("stat");
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().ok(), before.modified().ok());
}

/// The table of profile `P` in `text`, and where it starts.
fn table_of_p(text: &str) -> (usize, usize) {
    let start = text.find(&format!("[profiles.{P}]\n")).expect("P's table");
    let end = start + 1 + text[start + 1..].find("\n[").expect("next table") + 1;
    (start, end)
}

#[test]
fn a_same_length_edit_in_place_with_the_old_mtime_is_seen() {
    let (env, server, token) = setup();
    // Another scope: another cache identity, so a new token.
    edit_in_place_keeping_mtime(&env.config, |t| {
        let (start, end) = table_of_p(t);
        let table = t[start..end].replace("scope = \"read\"", "scope = \"reax\"");
        format!("{}{table}{}", &t[..start], &t[end..])
    });
    let fresh = env.run(&["get", P]).ok().to_string();
    assert_ne!(fresh, token, "the cached token of the old scope was served");
    assert_eq!(server.count(), 2);
    // An unknown provider, same length again: refused, not served from the cache.
    edit_in_place_keeping_mtime(&env.config, |t| {
        let (start, end) = table_of_p(t);
        let table = t[start..end].replace("provider = \"oauth2\"", "provider = \"oauth3\"");
        format!("{}{table}{}", &t[..start], &t[end..])
    });
    env.run(&["get", P])
        .fails(3, &["unknown provider \"oauth3\"", &format!("`{P}`")]);
    assert_eq!(server.count(), 2);
}

#[test]
fn a_key_added_to_the_profile_is_seen_with_its_real_line() {
    let (env, server, _) = setup();
    let t = text(&env);
    let (_, end) = table_of_p(&t);
    let line = t[..end].lines().count() + 1;
    env.write_config(&format!("{}scpoe = \"read\"\n{}", &t[..end], &t[end..]));
    let config = env.config.display().to_string();
    env.run(&["get", P]).fails(
        3,
        &[
            &format!("{config}:{line}: unknown key `scpoe` in profile `{P}`"),
            "did you mean `scope`?",
        ],
    );
    // Added in a second table of the profile, far below it: seen too.
    env.write_config(&format!("{t}[profiles.{P}.params]\naudience = \"api\"\n"));
    env.run(&["get", P]).ok();
    assert_eq!(server.count(), 2, "the params are part of the identity");
}

#[test]
fn a_profile_removed_is_seen() {
    let (env, server, _) = setup();
    let t = text(&env);
    let (start, end) = table_of_p(&t);
    env.write_config(&format!("{}{}", &t[..start], &t[end..]));
    env.run(&["get", P])
        .fails(3, &[&format!("unknown profile `{P}`"), "did you mean"]);
    assert_eq!(server.count(), 1);
}

#[test]
fn the_file_replaced_by_a_link_is_followed_and_checked() {
    let (env, server, token) = setup();
    let t = text(&env);
    // A link to a copy where the profile has another scope: followed, and seen.
    let other = env.path().join("other.toml");
    let (start, end) = table_of_p(&t);
    let table = t[start..end].replace("scope = \"read\"", "scope = \"other\"");
    std::fs::write(&other, format!("{}{table}{}", &t[..start], &t[end..])).expect("write");
    std::fs::remove_file(&env.config).expect("rm");
    std::os::unix::fs::symlink(&other, &env.config).expect("symlink");
    let fresh = env.run(&["get", P]).ok().to_string();
    assert_ne!(fresh, token);
    assert_eq!(server.count(), 2);
    // A link to a FIFO: refused at once, never a hang.
    let fifo = env.path().join("config.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    std::fs::remove_file(&env.config).expect("rm");
    std::os::unix::fs::symlink(&fifo, &env.config).expect("symlink");
    env.run_within(&["get", P], std::time::Duration::from_secs(20))
        .fails(3, &["not a regular file"]);
    assert_eq!(server.count(), 2);
}

#[test]
fn a_config_made_group_writable_is_refused_on_the_hit_path() {
    use std::os::unix::fs::PermissionsExt;
    let (env, server, _) = setup();
    std::fs::set_permissions(&env.config, std::fs::Permissions::from_mode(0o664)).expect("chmod");
    let config = env.config.display().to_string();
    env.run(&["get", P]).fails(
        3,
        &[
            &format!("config file {config} is writable by others"),
            &format!("hint: chmod go-w {config}"),
        ],
    );
    env.run(&["header", P])
        .fails(3, &[&format!("chmod go-w {config}")]);
    assert_eq!(server.count(), 1);
}

#[test]
fn a_config_broken_in_other_profiles_still_serves_a_good_one_from_the_cache() {
    let (env, server, token) = setup();
    let t = text(&env);
    let (start, _) = table_of_p(&t);
    // A typo in the first profile, one with an invalid name, and one with a secret in it.
    let broken = t
        .replacen("scope = \"read\"", "scpoe = \"read\"", 1)
        .replace(
            "[profiles.p4999]",
            "[profiles.\"not valid\"]\nprovider = \"oauth2\"\n[profiles.p4999]",
        )
        + "[profiles.leaky]\nprovider = \"oauth2\"\nclient_secret = \"hunter2\"\n";
    assert!(broken.find("scpoe") < Some(start));
    env.write_config(&broken);
    assert_eq!(env.run(&["get", P]).ok(), token);
    assert_eq!(
        env.run(&["header", P]).ok(),
        format!("Authorization: Bearer {token}")
    );
    assert_eq!(server.count(), 1, "served from the cache");
    env.run(&["get", "p0"]).fails(3, &["unknown key `scpoe`"]);
    env.run(&["get", "leaky"])
        .fails(3, &["secrets are never read from the config file"]);
}
