//! The token cache (README "Caching"): hits cost no request, no secret and no socket; parallel cold calls
//! make one request; the files are private; anything odd in the cache is ignored, never fatal.

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::providers::{self, ClientAuth, TokenServer};
use support::server::{Action, Response, Server};
use support::{API_KEY, CLIENT_ID, CLIENT_SECRET, Env, Out, TENANT};

fn oauth2_profile(env: &mut Env, server: &TokenServer, extra: &str) {
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        server.url("/oauth2/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
}

fn setup(extra: &str) -> (Env, TokenServer) {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    oauth2_profile(&mut env, &server, extra);
    (env, server)
}

fn cache_file(env: &Env, profile: &str) -> PathBuf {
    env.cache_dir.join(format!("{profile}.token.json"))
}

#[test]
fn a_second_call_is_served_from_the_cache() {
    let (env, server) = setup("");
    let first = env.run(&["get", "p"]).ok().to_string();
    let second = env.run(&["get", "p"]).ok().to_string();
    assert_eq!(first, second);
    assert_eq!(server.count(), 1);
}

#[test]
fn a_hit_needs_no_secret_and_no_server() {
    let (mut env, server) = setup("");
    let first = env.run(&["get", "p"]).ok().to_string();
    drop(server);
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    // No secret in the environment and no reachable keyring: a miss would be exit 4.
    assert_eq!(env.run(&["get", "p"]).ok(), first);
}

#[test]
fn a_hit_opens_no_socket_at_all() {
    let (mut env, _server) = setup("");
    env.run(&["get", "p"]).ok();
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    let (_, calls) = env.strace("socket,connect", &["get", "p"]);
    let net: Vec<&String> = calls
        .iter()
        .filter(|l| l.contains("socket(") || l.contains("connect("))
        .collect();
    assert!(net.is_empty(), "a cache hit made network calls:\n{net:#?}");
}

#[test]
fn a_hit_on_an_https_profile_builds_no_tls_and_touches_no_network() {
    // A cache entry for an https endpoint nobody listens on: a hit must not even try.
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:9/token\"\nclient_id = \"{CLIENT_ID}\"\nca_file = \"/nonexistent.pem\"\n"
    ));
    let expires_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 600;
    std::fs::create_dir_all(&env.cache_dir).expect("mkdir");
    let file = cache_file(&env, "p");
    std::fs::write(
        &file,
        json!({
            "format": "tokfetch-token-cache", "version": 1,
            "identity": {"provider": "oauth2", "token_url": "https://127.0.0.1:9/token", "client_id": CLIENT_ID,
                         "tenant": null, "scope": null, "params": []},
            "access_token": "seeded.token", "expires_at": expires_at, "scope": null, "refresh_token": null
        })
        .to_string(),
    )
    .expect("write");
    set_mode(&file, 0o600);
    // With the ca_file missing, building TLS would be exit 3; connecting would be exit 6.
    assert_eq!(env.run(&["get", "p"]).ok(), "seeded.token\n");
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "p", "--refresh"]).fails(3, &["ca_file"]);
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn cache_files_are_private() {
    let (env, _server) = setup("");
    env.run(&["get", "p"]).ok();
    assert_eq!(mode(&env.cache_dir), 0o700);
    let file = cache_file(&env, "p");
    assert_eq!(mode(&file), 0o600);
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        !text.contains(CLIENT_SECRET),
        "the cache holds tokens, never secrets"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(&env.cache_dir)
        .expect("readdir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_file_readable_by_others_is_not_trusted() {
    let (env, server) = setup("");
    env.run(&["get", "p"]).ok();
    set_mode(&cache_file(&env, "p"), 0o644);
    env.run(&["get", "p"]).ok();
    assert_eq!(
        server.count(),
        2,
        "a group/world-readable cache file is ignored"
    );
    assert_eq!(
        mode(&cache_file(&env, "p")),
        0o600,
        "and replaced by a private one"
    );
}

#[test]
fn corrupt_truncated_or_foreign_files_are_ignored_and_replaced() {
    let (env, server) = setup("");
    env.run(&["get", "p"]).ok();
    let file = cache_file(&env, "p");
    let good = std::fs::read(&file).expect("read");
    let cases: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        good[..good.len() / 2].to_vec(),
        b"\x00\xff\xfe garbage".to_vec(),
        br#"{"format":"tokfetch-token-cache","version":99}"#.to_vec(),
        br#"{"hello":"world"}"#.to_vec(),
    ];
    for (i, bytes) in cases.into_iter().enumerate() {
        std::fs::write(&file, bytes).expect("write");
        set_mode(&file, 0o600);
        env.run(&["get", "p"]).ok();
        assert_eq!(server.count(), i + 2);
        let replaced: Value =
            serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("valid again");
        assert_eq!(replaced["format"], "tokfetch-token-cache");
    }
}

#[test]
fn a_changed_identity_misses() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let other_server = providers::oauth2("other-id", CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    let write = |env: &Env, url: &str, id: &str, extra: &str| {
        env.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{id}\"\n{extra}"
        ));
    };
    let url = server.url("/oauth2/token");
    write(&env, &url, CLIENT_ID, "");
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 1);
    write(&env, &url, CLIENT_ID, "scope = \"a\"\n");
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 2, "scope changed");
    write(
        &env,
        &url,
        CLIENT_ID,
        "scope = \"a\"\n[profiles.p.params]\nresource = \"r\"\n",
    );
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 3, "params changed");
    write(
        &env,
        &other_server.url("/oauth2/token"),
        "other-id",
        "scope = \"a\"\n[profiles.p.params]\nresource = \"r\"\n",
    );
    env.run(&["get", "p"]).ok();
    assert_eq!(other_server.count(), 1, "client_id and token URL changed");
    write(&env, &format!("{url}?v=2"), CLIENT_ID, "");
    let out = env.run(&["get", "p"]);
    assert_eq!(
        out.code, 5,
        "a different token URL is a different identity: {out}"
    );
    assert_eq!(server.count(), 4);
    // Back to the first identity: its token was replaced in the file, so this fetches again.
    write(&env, &url, CLIENT_ID, "");
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 5);
}

#[test]
fn min_ttl_longer_than_the_lifetime_always_fetches() {
    let (env, server) = setup("");
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p", "--min-ttl", "1000"]).ok();
    env.run(&["get", "p", "--min-ttl", "1000"]).ok();
    assert_eq!(server.count(), 3);
    env.run(&["get", "p", "--min-ttl", "0"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 3);
}

#[test]
fn a_token_close_to_expiry_is_replaced() {
    let (env, server) = setup("");
    server.set(|k| k.expires_in = Some(json!(30)));
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(
        server.count(),
        2,
        "30 s left is less than the default --min-ttl of 60"
    );
    env.run(&["get", "p", "--min-ttl", "10"]).ok();
    assert_eq!(server.count(), 2);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let (env, server) = setup("");
    let cached = env.run(&["get", "p"]).ok().to_string();
    let before = std::fs::read(cache_file(&env, "p")).expect("read");
    let fresh = env.run(&["get", "p", "--no-cache"]).ok().to_string();
    assert_ne!(cached, fresh);
    assert_eq!(std::fs::read(cache_file(&env, "p")).expect("read"), before);
    assert_eq!(env.run(&["get", "p"]).ok(), cached);
    assert_eq!(server.count(), 2);
}

#[test]
fn refresh_fetches_a_new_token_and_caches_it() {
    let (env, server) = setup("");
    let old = env.run(&["get", "p"]).ok().to_string();
    let new = env.run(&["get", "p", "--refresh"]).ok().to_string();
    assert_ne!(old, new);
    assert_eq!(env.run(&["get", "p"]).ok(), new);
    assert_eq!(server.count(), 2);
}

#[test]
fn cache_false_turns_caching_off_for_the_profile() {
    let (env, server) = setup("cache = false\n");
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 2);
    assert!(!cache_file(&env, "p").exists());
}

#[test]
fn tokens_without_expires_in_are_printed_but_not_cached() {
    let (env, server) = setup("");
    server.set(|k| k.expires_in = None);
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 2);
    assert!(!cache_file(&env, "p").exists());
}

#[test]
fn tokfetch_cache_dir_is_honoured() {
    let (mut env, server) = setup("");
    let dir = env.path().join("elsewhere");
    env.set("TOKFETCH_CACHE_DIR", &dir.display().to_string());
    env.run(&["get", "p"]).ok();
    env.run(&["get", "p"]).ok();
    assert_eq!(server.count(), 1);
    assert!(dir.join("p.token.json").exists());
    assert!(!cache_file(&env, "p").exists());
}

#[test]
fn an_unwritable_cache_directory_degrades_to_no_caching() {
    let (mut env, server) = setup("");
    // A directory below a regular file can never be created, even by root.
    let blocker = env.path().join("blocker");
    std::fs::write(&blocker, b"").expect("write");
    env.set(
        "TOKFETCH_CACHE_DIR",
        &blocker.join("cache").display().to_string(),
    );
    env.run(&["get", "p"]).ok();
    let out = env.run(&["-v", "get", "p"]);
    out.ok();
    assert!(out.stderr.contains("not caching"), "{out}");
    assert_eq!(server.count(), 2);
}

#[test]
fn cache_clear_forgets_one_profile_or_all() {
    let server = providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic);
    let mut env = Env::new();
    let url = server.url("/oauth2/token");
    env.write_config(&format!(
        "[profiles.a]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n[profiles.b]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n"
    ));
    env.set("TOKFETCH_A_CLIENT_SECRET", CLIENT_SECRET);
    env.set("TOKFETCH_B_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "a"]).ok();
    env.run(&["get", "b"]).ok();
    let out = env.run(&["cache", "clear", "a"]);
    out.ok();
    assert!(
        out.stderr.contains("forgot the cached token of `a`"),
        "{out}"
    );
    assert!(!cache_file(&env, "a").exists() && cache_file(&env, "b").exists());
    env.run(&["get", "a"]).ok();
    env.run(&["get", "b"]).ok();
    assert_eq!(server.count(), 3);
    let out = env.run(&["cache", "clear"]);
    assert!(out.ok().is_empty());
    assert!(out.stderr.contains("forgot 2 cached tokens"), "{out}");
    env.run(&["get", "a"]).ok();
    assert_eq!(server.count(), 4);
    env.run(&["cache", "clear", "../etc"])
        .fails(2, &["not a profile name"]);
}

#[test]
fn sixteen_parallel_cold_calls_make_one_request_and_print_one_token() {
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = issued.clone();
    // A slow server, so that all sixteen processes are waiting at the same time.
    let server = Server::start(move |_| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Action::Delay(
            Duration::from_millis(300),
            Box::new(Action::Respond(Response::json(
                200,
                json!({"access_token": format!("parallel-{n}"), "token_type": "Bearer", "expires_in": 900}),
            ))),
        )
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/t")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    let children: Vec<_> = (0..16)
        .map(|_| {
            env.command()
                .args(["get", "p"])
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
    let tokens: std::collections::BTreeSet<String> =
        outs.iter().map(|o| o.ok().to_string()).collect();
    assert_eq!(server.count(), 1, "exactly one token request");
    assert_eq!(tokens.len(), 1, "one distinct token: {tokens:?}");
}

/// Poll until another process holds the flock on `path` (bounded, no fixed sleep).
fn wait_until_locked(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(f) = std::fs::File::open(path) {
            match f.try_lock() {
                Err(std::fs::TryLockError::WouldBlock) => return,
                Ok(()) => f.unlock().expect("unlock"),
                Err(std::fs::TryLockError::Error(e)) => panic!("try_lock: {e}"),
            }
        }
        assert!(
            Instant::now() < deadline,
            "the lock holder never took the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_held_lock_makes_others_wait_and_a_dead_holder_wedges_nobody() {
    let (env, server) = setup("");
    std::fs::create_dir_all(&env.cache_dir).expect("mkdir");
    let lock = env.cache_dir.join("p.lock");

    // A live holder for longer than --timeout: exit 6, promptly, no request made.
    // `sh` takes the lock on fd 9 and becomes `sleep`, so the lock holder is this one process.
    let mut holder = std::process::Command::new("sh")
        .args(["-c", "exec 9>>\"$1\"; flock 9; exec sleep 30", "sh"])
        .arg(&lock)
        .spawn()
        .expect("sh + flock");
    wait_until_locked(&lock);
    let started = Instant::now();
    env.run(&["get", "p", "--timeout", "1"])
        .fails(6, &["waiting for another tokfetch", "p.lock"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.count(), 0);

    // The holder dies: the kernel drops its lock and the next call goes through.
    holder.kill().expect("kill");
    holder.wait().expect("wait");
    env.run(&["get", "p", "--timeout", "5"]).ok();
    assert_eq!(server.count(), 1);
}

#[test]
fn profiles_shows_the_cached_lifetime_but_never_the_token() {
    let (env, _server) = setup("");
    let token = env.run(&["get", "p"]).ok().trim().to_string();
    let table = env.run(&["profiles"]).ok().to_string();
    assert!(table.contains("m") && table.contains("left"), "{table}");
    assert!(!table.contains(&token), "{table}");
    let json: Value = serde_json::from_str(env.run(&["profiles", "--json"]).ok()).expect("json");
    let left = json[0]["cached_expires_in"].as_u64().expect("lifetime");
    assert!((800..=900).contains(&left), "{json}");
    assert!(!json.to_string().contains(&token));
}

// ---- &Open refresh tokens -------------------------------------------------------------------

fn andopen_env(server: &TokenServer) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.ao]\nprovider = \"andopen\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        server.url("/auth/token")
    ));
    env.set("TOKFETCH_AO_CLIENT_SECRET", CLIENT_SECRET);
    env.set("TOKFETCH_AO_API_KEY", API_KEY);
    env
}

fn grants(server: &TokenServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).expect("json")["grant_type"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn andopen_uses_the_kept_refresh_token_without_the_client_secret() {
    let server = providers::andopen(API_KEY, TENANT, CLIENT_ID, CLIENT_SECRET);
    server.set(|k| k.expires_in = Some(json!(30)));
    let mut env = andopen_env(&server);
    let first = env.run(&["get", "ao"]).ok().to_string();
    let text = std::fs::read_to_string(cache_file(&env, "ao")).expect("cache");
    assert!(
        text.contains("\"refresh_token\":\"rt-1\""),
        "the refresh token is kept: {text}"
    );
    // The cached token has 30 s left, under --min-ttl 60: refresh it. The client secret is not
    // needed for that.
    env.unset("TOKFETCH_AO_CLIENT_SECRET");
    let second = env.run(&["get", "ao"]).ok().to_string();
    assert_ne!(first, second);
    assert_eq!(grants(&server), ["client_credentials", "refresh_token"]);
    let refresh: Value = serde_json::from_slice(&server.last().body).expect("json");
    assert_eq!(
        refresh,
        json!({"grant_type": "refresh_token", "refresh_token": "rt-1", "tenant": TENANT})
    );
    assert_eq!(server.last().header("x-api-key"), Some(API_KEY));
    // The json output never shows the refresh token.
    let j = env
        .run(&["get", "ao", "-o", "json", "--min-ttl", "0"])
        .ok()
        .to_string();
    assert!(!j.contains("rt-"), "{j}");
}

#[test]
fn andopen_falls_back_to_client_credentials_when_the_refresh_is_refused() {
    let server = providers::andopen(API_KEY, TENANT, CLIENT_ID, CLIENT_SECRET);
    server.set(|k| k.expires_in = Some(json!(30)));
    let env = andopen_env(&server);
    env.run(&["get", "ao"]).ok();
    server.set(|k| k.refresh_ok = false);
    let out = env.run(&["-v", "get", "ao"]);
    out.ok();
    assert!(
        out.stderr.contains("falling back to client credentials"),
        "{out}"
    );
    assert_eq!(
        grants(&server),
        ["client_credentials", "refresh_token", "client_credentials"]
    );
}
