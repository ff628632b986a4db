//! User logins against a real OAuth server (README "User tokens"): oidc-provider in the "user"
//! mode of tests/oidc/server.mjs, the simulated user of tests/oidc/user.mjs, and the reference
//! client of tests/oidc/reference.mjs. The server counts what it served and remembers every
//! flow secret it issued or received (codes, state, verifiers, device codes, refresh and ID
//! tokens), so a test can check after the fact that no output ever showed one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{CLIENT_SECRET, Out, form_encode};

/// The public (native) client: no secret, any loopback port.
pub const NATIVE: &str = "user-native";
/// The confidential client: client_secret_basic with [`CLIENT_SECRET`].
pub const CONFIDENTIAL: &str = "user-confidential";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// tests/oidc, where the scripts and their node_modules are.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// node, from `$TOKFETCH_TEST_NODE` or PATH; panics clearly without it.
pub fn node() -> PathBuf {
    super::tools::tool("node", "TOKFETCH_TEST_NODE")
}

/// oidc-provider in user mode on 127.0.0.1, stopped when dropped.
pub struct UserServer {
    child: Child,
    pub port: u16,
    _config: tempfile::TempDir,
}

impl Drop for UserServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl UserServer {
    /// Access tokens live `access_ttl` seconds (changeable later with
    /// [`UserServer::set_access_ttl`]).
    pub fn start(access_ttl: u64) -> UserServer {
        UserServer::start_with(json!({"access_ttl": access_ttl}))
    }

    /// The server with the `user` options of tests/oidc/server.mjs (`access_ttl`, `device_ttl`).
    pub fn start_with(user: Value) -> UserServer {
        assert!(
            dir().join("node_modules/oidc-provider").is_dir(),
            "oidc-provider is not installed: run `npm ci --prefix tests/oidc` (tests/run.sh does)"
        );
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = tmp.path().join("config.json");
        std::fs::write(&config, json!({ "user": user }).to_string()).expect("write config");
        let mut child = Command::new(node())
            .arg(dir().join("server.mjs"))
            .arg(CLIENT_SECRET)
            .arg(&config)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("read port");
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("server said {line:?}"));
        let port = v["port"].as_u64().expect("port") as u16;
        UserServer {
            child,
            port,
            _config: tmp,
        }
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn get(&self, path: &str) -> Value {
        let (status, body) =
            super::tools::http_request("GET", &format!("{}{path}", self.issuer()), &[], "")
                .expect("ask the server");
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// What the server served so far (see tests/oidc/server.mjs).
    pub fn stats(&self) -> Value {
        self.get("/test/stats")
    }

    /// Authorization requests (`GET /auth`) so far.
    pub fn authorization_requests(&self) -> u64 {
        self.stats()["auth"].as_u64().unwrap_or(0)
    }

    /// Device authorization requests so far.
    pub fn device_authorizations(&self) -> u64 {
        self.stats()["device_auth"].as_u64().unwrap_or(0)
    }

    /// (answered with a token, refused) token requests of `grant` so far.
    pub fn token_requests(&self, grant: &str) -> (u64, u64) {
        let s = self.stats();
        let g = &s["token"][grant];
        (
            g["ok"].as_u64().unwrap_or(0),
            g["error"].as_u64().unwrap_or(0),
        )
    }

    /// Revocation requests so far.
    pub fn revocations(&self) -> u64 {
        self.stats()["revocations"].as_u64().unwrap_or(0)
    }

    /// Every flow secret the server issued or received: codes, state, verifiers, device
    /// codes, refresh and ID tokens.
    pub fn secrets(&self) -> Vec<String> {
        self.get("/test/issued")["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    }

    /// The token responses, in order: (grant, access token, refresh token).
    pub fn tokens(&self) -> Vec<(String, String, Option<String>)> {
        self.get("/test/issued")["tokens"]
            .as_array()
            .expect("tokens")
            .iter()
            .map(|t| {
                (
                    t["grant"].as_str().unwrap_or_default().to_string(),
                    t["access_token"].as_str().unwrap_or_default().to_string(),
                    t["refresh_token"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    /// The refresh token of the latest token response that carried one.
    pub fn latest_refresh_token(&self) -> String {
        self.tokens()
            .into_iter()
            .rev()
            .find_map(|(_, _, rt)| rt)
            .expect("the server issued a refresh token")
    }

    /// Access tokens issued from now on live `seconds`.
    pub fn set_access_ttl(&self, seconds: u64) {
        let (status, body) = super::tools::http_request(
            "POST",
            &format!("{}/test/access_ttl?seconds={seconds}", self.issuer()),
            &[],
            "",
        )
        .expect("set the access token lifetime");
        assert_eq!(status, 200, "{body}");
    }

    /// RFC 7662 introspection of any token, by the confidential client-credentials client.
    pub fn introspect(&self, token: &str) -> Value {
        use base64::Engine;
        use base64::engine::general_purpose::STANDARD;
        let basic = STANDARD.encode(format!("basic-client:{}", form_encode(CLIENT_SECRET)));
        let (_, body) = super::tools::http_request(
            "POST",
            &format!("{}/token/introspection", self.issuer()),
            &[
                ("Authorization", &format!("Basic {basic}")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!("token={}", form_encode(token)),
        )
        .expect("introspection request");
        serde_json::from_str(&body).expect("introspection JSON")
    }

    pub fn is_active(&self, token: &str) -> bool {
        self.introspect(token)["active"] == true
    }

    /// Run the reference client (tests/oidc/reference.mjs) as the public client: its JSON.
    pub fn reference(&self, args: &[&str]) -> Value {
        self.reference_as(NATIVE, None, args)
    }

    /// The reference client as `client`, with `secret` for a confidential one.
    pub fn reference_as(&self, client: &str, secret: Option<&str>, args: &[&str]) -> Value {
        let (command, rest) = args.split_first().expect("a reference command");
        let mut cmd = Command::new(node());
        cmd.arg(dir().join("reference.mjs"))
            .arg(command)
            .arg(self.issuer())
            .arg(client)
            .args(rest)
            .env_remove("REFERENCE_CLIENT_SECRET")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null());
        if let Some(secret) = secret {
            cmd.env("REFERENCE_CLIENT_SECRET", secret);
        }
        let out = cmd.output().expect("run the reference client");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "reference.mjs {args:?} failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("reference said {text:?}"))
    }
}

/// A `$BROWSER` value that runs the simulated user with `options` (e.g. `--deny`), logging to
/// `log` (which it creates first thing: a marker that a browser was started). Paths must not
/// hold whitespace: `$BROWSER` is split on it.
pub fn browser(log: &Path, options: &[&str]) -> String {
    let node = node();
    let script = dir().join("user.mjs");
    for p in [node.as_path(), script.as_path(), log] {
        assert!(
            !p.to_string_lossy().contains(char::is_whitespace),
            "{} has whitespace: $BROWSER cannot hold it",
            p.display()
        );
    }
    let mut words = vec![
        node.display().to_string(),
        script.display().to_string(),
        "browser".to_string(),
        "--log".to_string(),
        log.display().to_string(),
    ];
    words.extend(options.iter().map(|o| o.to_string()));
    words.join(" ")
}

/// The simulated user's log, once it holds `line` (polled; panics after `limit`).
pub fn wait_for_log(log: &Path, line: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.lines().any(|l| l == line) || text.contains("FAILED") {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "the simulated user did not log {line:?} within {limit:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Fail if any of `secrets` (flow secrets the server issued or received) appears, in any
/// encoding, in any of `outs`, except the values in `allowed`.
pub fn assert_never_shown(outs: &[Out], secrets: &[String], allowed: &[&str]) {
    assert!(!secrets.is_empty(), "the server remembered no flow secret");
    for secret in secrets {
        if allowed.contains(&secret.as_str()) {
            continue;
        }
        for out in outs {
            out.assert_never_shows(secret);
        }
    }
}

/// Every regular file under `dir`, recursively, with its bytes.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

/// The files under `dir` whose bytes contain `needle`.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(p, _)| p)
        .collect()
}
