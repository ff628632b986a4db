//! Test support: a clean-environment command builder for the tokfetch binary, strict loopback
//! token servers per provider, and a check that no test secret ever appears in anything the
//! binary prints.
#![allow(dead_code)]

pub mod dpop;
pub mod federation;
pub mod google;
pub mod jwt;
pub mod login_server;
pub mod oidc_user;
pub mod providers;
pub mod proxy;
pub mod server;
pub mod tls;
pub mod tools;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Every secret the suite uses. Each run's stdout and stderr are checked for all of them, in
/// every encoding a server may echo them in (see [`encodings`]).
pub const CLIENT_SECRET: &str = "cs-S3cr3t/Value+xyz";
pub const AWKWARD_SECRET: &str = "aaa/;&:é";
pub const API_KEY: &str = "ak-9f8e7d6c5b4a3210";
pub const OTHER_SECRET: &str = "cs-Other-Secret-4242";
/// Everything that encodes differently in each form: `@`, space, `+`, `%`, `"`, `\`, `/`,
/// non-ASCII, and a character outside the Basic Multilingual Plane.
pub const LEAKY_SECRET: &str = "p@ss w0rd+%\"é\\/😀z";
/// The bearer token GitHub Actions gives a job for its ID-token requests.
pub const GH_REQUEST_TOKEN: &str = "ghs-IdTokenRequest-7f3a9c1e5b";
/// Identity tokens handed to tokfetch through a variable or a file.
pub const SUBJECT_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdWJqZWN0In0.c3ViamVjdC1zaWduYXR1cmU";
pub const OTHER_SUBJECT_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvdGhlciJ9.b3RoZXItc2lnbmF0dXJl";
pub const ALL_SECRETS: &[&str] = &[
    CLIENT_SECRET,
    AWKWARD_SECRET,
    API_KEY,
    OTHER_SECRET,
    LEAKY_SECRET,
    GH_REQUEST_TOKEN,
    SUBJECT_TOKEN,
    OTHER_SUBJECT_TOKEN,
];

/// Every value no output may show: [`ALL_SECRETS`], every test private key, each base64 line
/// of those keys, and the Google test key's private key as its JSON holds it.
pub fn all_secrets() -> Vec<String> {
    let mut out: Vec<String> = ALL_SECRETS.iter().map(|s| s.to_string()).collect();
    out.extend(jwt::ALL_KEYS.iter().map(|k| k.to_string()));
    out.extend(jwt::key_lines());
    out.push(google::escaped_private_key());
    out
}

/// Assertions and subject tokens minted during the run (by the CI issuer stand-in): no cache
/// file may ever hold one (README "Security model": the cache keeps a digest, never the token).
static MINTED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remember a minted assertion for the cache leak check.
pub fn minted(token: &str) {
    if let Ok(mut all) = MINTED.lock() {
        all.push(token.to_string());
    }
}

pub const CLIENT_ID: &str = "client.id-1";
pub const TENANT: &str = "acme";

/// `application/x-www-form-urlencoded` serialisation (WHATWG), as a server sees a form field.
pub fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// JSON string escaping the way Python's `json.dumps` does it (`ensure_ascii`: every
/// non-ASCII character as `\uXXXX`, surrogate pairs beyond the BMP).
pub fn json_ascii(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Every form of `secret` that must never appear in tokfetch's output: raw; form-encoded with
/// upper- and lower-case hex and with `%20` for space; JSON-escaped as serde_json, Python and
/// PHP (`\/`) write it; and the base64 of both HTTP Basic forms with [`CLIENT_ID`].
pub fn encodings(secret: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let form = form_encode(secret);
    let mut out = shape_encodings(secret);
    out.push(STANDARD.encode(format!("{CLIENT_ID}:{secret}")));
    out.push(STANDARD.encode(format!("{}:{form}", form_encode(CLIENT_ID))));
    out.sort();
    out.dedup();
    out
}

/// The forms of `secret` that keep its characters in order (all but base64): raw,
/// percent-encoded, JSON-escaped.
pub fn shape_encodings(secret: &str) -> Vec<String> {
    let form = form_encode(secret);
    let lower = lower_hex(&form);
    let json = serde_json::to_string(secret).expect("json");
    let json = json[1..json.len() - 1].to_string();
    let mut out = vec![
        secret.to_string(),
        form.clone(),
        lower.clone(),
        form.replace('+', "%20"),
        lower.replace('+', "%20"),
        json.clone(),
        json.replace('/', "\\/"),
        json_ascii(secret),
        json_ascii(secret).replace('/', "\\/"),
    ];
    out.sort();
    out.dedup();
    out
}

fn lower_hex(encoded: &str) -> String {
    let mut out = String::new();
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// The binary under test: the one cargo built for this test run, or another build of the same
/// version named by `TOKFETCH_TEST_BIN` (dist/check runs the suite against the static musl
/// binary that way).
pub fn bin() -> PathBuf {
    std::env::var_os("TOKFETCH_TEST_BIN")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tokfetch")))
}

/// A private home, config and cache for one test, and the variables its runs see.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub cache_dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir
            .path()
            .join("config")
            .join("tokfetch")
            .join("config.toml");
        let cache_dir = dir.path().join("cache").join("tokfetch");
        std::fs::create_dir_all(dir.path().join("run")).expect("mkdir run");
        Env {
            dir,
            config,
            cache_dir,
            vars: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write the config at the default location (`$XDG_CONFIG_HOME/tokfetch/config.toml`).
    pub fn write_config(&self, toml: &str) -> &Self {
        if let Some(parent) = self.config.parent() {
            std::fs::create_dir_all(parent).expect("mkdir config");
        }
        std::fs::write(&self.config, toml).expect("write config");
        self
    }

    /// An environment variable for every later run.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.to_string(), value.to_string()));
        self
    }

    pub fn unset(&mut self, key: &str) -> &mut Self {
        self.vars.retain(|(k, _)| k != key);
        self
    }

    /// The binary with a clean environment: only PATH, a private HOME and XDG dirs, no D-Bus
    /// session (so the OS keyring is unreachable unless a test says otherwise), no proxies.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_RUNTIME_DIR", self.path().join("run"))
            .env("LANG", "C.UTF-8");
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Another program (git, kubectl) with the same clean environment as [`Env::command`], and
    /// the directory of the tokfetch binary first on its PATH, so that it can run tokfetch.
    pub fn command_for(&self, program: &Path) -> Command {
        let bin = bin();
        let mut path = std::ffi::OsString::from(bin.parent().expect("bin dir"));
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_RUNTIME_DIR", self.path().join("run"))
            .env("LANG", "C.UTF-8");
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Let runs reach the Secret Service of the session tests/run.sh starts. Panics with a
    /// clear message when there is none, so a keyring test can never pass by not running.
    pub fn with_secret_service(&mut self) -> &mut Self {
        let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS")
            .ok()
            .filter(|_| std::env::var_os("TOKFETCH_TEST_SECRET_SERVICE").is_some());
        let Some(bus) = bus else {
            panic!("this test needs the Secret Service session that tests/run.sh sets up");
        };
        self.set("DBUS_SESSION_BUS_ADDRESS", &bus)
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with_stdin(args, None)
    }

    /// `get p -v` fails with `code` after exactly one attempt (no retry, no backoff), with
    /// nothing on stdout.
    pub fn fails_in_one_attempt(&self, code: i32) {
        let verbose = self.run(&["-v", "get", "p"]);
        assert_eq!(
            (verbose.code, verbose.stdout.as_str()),
            (code, ""),
            "{verbose}"
        );
        assert_eq!(
            verbose.stderr.matches("grant, attempt ").count(),
            1,
            "{verbose}"
        );
        assert!(!verbose.stderr.contains("retrying in"), "{verbose}");
    }

    /// Run tokfetch `args` under `strace -f -e trace=SYSCALLS` with this environment. The run
    /// must succeed; returns its stdout and the trace's lines. Panics clearly without strace.
    pub fn strace(&self, syscalls: &str, args: &[&str]) -> (String, Vec<String>) {
        let strace = tools::tool("strace", "TOKFETCH_TEST_STRACE");
        let trace = self.path().join("trace.txt");
        let out = self
            .command_for(&strace)
            .args(["-f", "-e", &format!("trace={syscalls}"), "-o"])
            .arg(&trace)
            .arg(bin())
            .args(args)
            .output()
            .expect("run strace");
        assert!(
            out.status.success(),
            "tokfetch {args:?} under strace failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let calls = std::fs::read_to_string(&trace).expect("read the trace");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            calls.lines().map(str::to_string).collect(),
        )
    }

    /// Run, but fail the test (and kill the process) if it has not ended within `limit`:
    /// for inputs that used to hang.
    pub fn run_within(&self, args: &[&str], limit: std::time::Duration) -> Out {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tokfetch");
        let deadline = std::time::Instant::now() + limit;
        while child.try_wait().expect("try_wait").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("tokfetch {args:?} was still running after {limit:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let out = Out::new(args, child.wait_with_output().expect("wait tokfetch"));
        self.assert_cache_holds_no_secret();
        out
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Out {
        let mut cmd = self.command();
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = cmd.spawn().expect("spawn tokfetch");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            match pipe.write_all(input) {
                // tokfetch may refuse its input (or exit on an earlier error) before reading
                // it: a broken pipe is then the expected outcome, and the test goes on to
                // assert the exit code, stderr and what was (not) stored.
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => panic!("write stdin: {e}"),
            }
            drop(pipe);
        }
        let out = child.wait_with_output().expect("wait tokfetch");
        let out = Out::new(args, out);
        self.assert_cache_holds_no_secret();
        self.assert_shows_no_dpop_key(&out);
        out
    }

    /// No output shows a DPoP private key (RFC 9449) that a cache file of this environment
    /// holds, in any encoding: the key is kept with its token and never printed.
    pub fn assert_shows_no_dpop_key(&self, out: &Out) {
        for dir in self.cache_dirs() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                if let Some(key) = v["dpop_key"].as_str() {
                    out.assert_never_shows(key);
                }
            }
        }
    }

    /// The cache directories this environment uses: the default one and any
    /// `TOKFETCH_CACHE_DIR` a test set.
    fn cache_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.cache_dir.clone()];
        dirs.extend(
            self.vars
                .iter()
                .filter(|(k, _)| k == "TOKFETCH_CACHE_DIR")
                .map(|(_, v)| PathBuf::from(v)),
        );
        dirs
    }

    /// No cache file holds a secret, an assertion or a subject token, raw or as base64 (the
    /// identity keeps a digest of them).
    pub fn assert_cache_holds_no_secret(&self) {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let mut values = all_secrets();
        values.extend(MINTED.lock().map(|m| m.clone()).unwrap_or_default());
        for dir in self.cache_dirs() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                for v in &values {
                    for form in [
                        v.clone(),
                        STANDARD.encode(v),
                        URL_SAFE_NO_PAD.encode(v),
                        serde_json::to_string(v)
                            .expect("json")
                            .trim_matches('"')
                            .to_string(),
                    ] {
                        assert!(
                            !text.contains(&form),
                            "the cache file {} holds a secret or assertion ({form:?})",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}

/// What one run printed. Creating it fails the test if any known secret appears in the output.
#[derive(Debug, Clone)]
pub struct Out {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn new(args: &[&str], out: Output) -> Out {
        let o = Out {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        o.assert_no_secrets();
        o
    }

    pub fn assert_no_secrets(&self) {
        static FORMS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let forms = FORMS.get_or_init(|| all_secrets().iter().flat_map(|s| encodings(s)).collect());
        for form in forms {
            assert!(
                !self.stdout.contains(form.as_str()) && !self.stderr.contains(form.as_str()),
                "a secret leaked into the output of {:?} as {form:?}:\n{self}",
                self.args
            );
        }
    }

    /// Fail if `text`, in any of its [`encodings`], appears in stdout or stderr (for tokens
    /// and other values that are not in [`ALL_SECRETS`]).
    pub fn assert_never_shows(&self, text: &str) {
        for form in encodings(text) {
            assert!(
                !self.stdout.contains(&form) && !self.stderr.contains(&form),
                "{text:?} appeared as {form:?} in the output of {:?}:\n{self}",
                self.args
            );
        }
    }

    /// Exit 0; returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success from {:?}:\n{self}",
            self.args
        );
        &self.stdout
    }

    /// Exit `code` with nothing on stdout and one `tokfetch: error:` line first on stderr
    /// mentioning every `needle`.
    pub fn fails(&self, code: i32, needles: &[&str]) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit {code} from {:?}:\n{self}",
            self.args
        );
        assert_eq!(self.stdout, "", "stdout must be empty on error:\n{self}");
        let first = self.stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("tokfetch: error: "),
            "stderr must start with `tokfetch: error: `:\n{self}"
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should mention {n:?}:\n{self}"
            );
        }
        for line in self.stderr.lines().skip(1) {
            assert!(
                line.starts_with("  hint: ") || line.starts_with("tokfetch: "),
                "every further stderr line is a hint:\n{self}"
            );
        }
        self
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}---",
            self.code, self.stdout, self.stderr
        )
    }
}
