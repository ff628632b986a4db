//! Smoke tests of the Windows build (`x86_64-pc-windows-gnu`) under Wine (README "Install",
//! "Windows"): `get`, `header` and `exec` against a loopback token server, the config found in
//! `%APPDATA%\tokfetch`, the cache kept in `%LOCALAPPDATA%\tokfetch`, `secret set/status/delete`
//! through the Windows Credential Manager, and exit codes.
//!
//! They run only when `TOKFETCH_WINDOWS_EXE` names the .exe and `WINEPREFIX` a prepared prefix:
//! `dist/check` builds both and runs `cargo test --test windows -- --include-ignored`. With the
//! variable set but Wine or the prefix missing, every test panics saying so: never a silent skip.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::json;
use support::providers::{self, ClientAuth, TokenServer};
use support::server::{Action, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Out, tls};

/// The Windows build, the Wine prefix, and where `%APPDATA%` / `%LOCALAPPDATA%` are on disk.
struct Wine {
    exe: PathBuf,
    prefix: PathBuf,
    appdata: PathBuf,
    local_appdata: PathBuf,
}

/// Every test shares the prefix (one `%APPDATA%`, one Credential Manager): one at a time.
fn lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn wine() -> &'static Wine {
    static WINE: OnceLock<Wine> = OnceLock::new();
    WINE.get_or_init(|| {
        let exe = std::env::var_os("TOKFETCH_WINDOWS_EXE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                panic!("set TOKFETCH_WINDOWS_EXE to the tokfetch.exe to test (dist/check does)")
            });
        assert!(
            exe.is_file(),
            "TOKFETCH_WINDOWS_EXE: no file at {}",
            exe.display()
        );
        let prefix = std::env::var_os("WINEPREFIX")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                panic!("set WINEPREFIX to a prepared Wine prefix (dist/check makes one)")
            });
        if Command::new("wine")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            panic!(
                "TOKFETCH_WINDOWS_EXE is set but `wine` cannot be run: apt-get install wine wine64"
            );
        }
        // Wine answers `echo %VAR%` with an empty line now and then while its services are
        // still starting in a fresh prefix (seen once on a clean CI machine): ask again, a few
        // times, before calling the prefix broken.
        let folder = |var: &str| {
            let mut tried = Vec::new();
            for attempt in 0..8 {
                if attempt > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
                let mut echo = bare_wine(&prefix);
                echo.args(["cmd", "/c", &format!("echo %{var}%")]);
                let out = captured(echo, None);
                let windows = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if windows.is_empty() || windows.contains('%') {
                    tried.push(format!(
                        "echo gave {windows:?} ({}; stderr {:?})",
                        out.status,
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                    continue;
                }
                let mut winepath = bare_wine(&prefix);
                winepath.args(["winepath", "-u", &windows]);
                let out = captured(winepath, None);
                let unix = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
                if unix.is_dir() {
                    return unix;
                }
                tried.push(format!("{windows} is {} (not a directory)", unix.display()));
            }
            panic!("%{var}% is not a directory in the prefix: {tried:#?}")
        };
        let appdata = folder("APPDATA");
        let local_appdata = folder("LOCALAPPDATA");
        Wine {
            exe,
            prefix,
            appdata,
            local_appdata,
        }
    })
}

/// Run `cmd` with stdout and stderr in files, not pipes: Wine may start its background services
/// (services.exe, winedevice.exe, …) from this process, and they would inherit a pipe and hold
/// it open for as long as the prefix runs, so reading a pipe to its end would never finish.
fn captured(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let file = |p: &Path| std::fs::File::create(p).expect("create output file");
    cmd.stdout(file(&out_path))
        .stderr(file(&err_path))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().expect("spawn wine");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        match pipe.write_all(input) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => panic!("write stdin: {e}"),
        }
    }
    let status = child.wait().expect("wait for wine");
    // Wine's console conventions: CRLF line ends.
    let read = |p: &Path| {
        let bytes = std::fs::read(p).expect("read output file");
        String::from_utf8_lossy(&bytes)
            .replace("\r\n", "\n")
            .into_bytes()
    };
    Output {
        status,
        stdout: read(&out_path),
        stderr: read(&err_path),
    }
}

/// `wine` with nothing of the caller's environment but what Wine itself needs.
fn bare_wine(prefix: &Path) -> Command {
    let mut cmd = Command::new("wine");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "HOME",
            std::env::var_os("HOME").unwrap_or_else(|| "/root".into()),
        )
        .env("WINEPREFIX", prefix)
        .env("WINEARCH", "win64")
        .env("WINEDEBUG", "-all")
        .stdin(Stdio::null());
    cmd
}

impl Wine {
    fn config(&self) -> PathBuf {
        self.appdata.join("tokfetch").join("config.toml")
    }

    fn cache_dir(&self) -> PathBuf {
        self.local_appdata.join("tokfetch")
    }

    /// A fresh start: no config, no cached tokens.
    fn reset(&self) {
        let _ = std::fs::remove_dir_all(self.appdata.join("tokfetch"));
        let _ = std::fs::remove_dir_all(self.cache_dir());
    }

    fn write_config(&self, toml: &str) {
        let path = self.config();
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir config");
        std::fs::write(path, toml).expect("write config");
    }

    /// Run tokfetch.exe with `vars`, and `stdin` if given. Output is checked for secrets (as
    /// everywhere in the suite).
    fn run(&self, args: &[&str], vars: &[(&str, &str)], stdin: Option<&[u8]>) -> Out {
        let mut cmd = bare_wine(&self.prefix);
        cmd.arg(&self.exe).args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        Out::new(args, captured(cmd, stdin))
    }
}

fn oauth2_config(server: &Server) -> String {
    format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/oauth2/token")
    )
}

fn token_server() -> TokenServer {
    providers::oauth2(CLIENT_ID, CLIENT_SECRET, ClientAuth::Basic)
}

const SECRET_VAR: (&str, &str) = ("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);

/// The tests, named `under_wine::…` so that tests/run.sh (which runs every ignored test of the
/// suite) can leave them to dist/check, which builds the .exe they need.
mod under_wine {
    use super::*;

    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn get_header_and_exec_against_a_loopback_server() {
        let _one = lock();
        let w = wine();
        w.reset();
        let server = token_server();
        w.write_config(&oauth2_config(&server));

        let token = w.run(&["get", "p"], &[SECRET_VAR], None).ok().to_string();
        assert!(
            token.starts_with("o2") && token.ends_with('\n'),
            "{token:?}"
        );
        let header = w.run(&["header", "p"], &[SECRET_VAR], None);
        assert_eq!(header.ok(), format!("Authorization: Bearer {token}"));
        let json = w.run(&["get", "p", "-o", "json"], &[SECRET_VAR], None);
        let v: serde_json::Value = serde_json::from_str(json.ok()).expect("json output");
        assert_eq!(v["access_token"], json!(token.trim_end()));
        assert_eq!(v["profile"], json!("p"));

        // exec: the command (cmd.exe) sees the token, not the secret, and its status is ours.
        let shown = w.run(
            &[
                "exec",
                "p",
                "--",
                "cmd",
                "/c",
                "echo",
                "token=%TOKFETCH_TOKEN%",
                "secret=[%TOKFETCH_P_CLIENT_SECRET%]",
            ],
            &[SECRET_VAR],
            None,
        );
        assert_eq!(
            shown.ok(),
            format!(
                "token={} secret=[%TOKFETCH_P_CLIENT_SECRET%]\n",
                token.trim_end()
            )
        );
        let status = w.run(
            &["exec", "p", "--", "cmd", "/c", "exit", "7"],
            &[SECRET_VAR],
            None,
        );
        assert_eq!(status.code, 7, "{status}");
        w.run(
            &["exec", "p", "--", "no-such-command-tokfetch"],
            &[SECRET_VAR],
            None,
        )
        .fails(127, &["no-such-command-tokfetch"]);
        // One token request: every later call was a cache hit.
        assert_eq!(server.count(), 1);
    }

    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn config_in_appdata_and_cache_in_localappdata() {
        let _one = lock();
        let w = wine();
        w.reset();

        // No config yet: the error names %APPDATA%\tokfetch\config.toml.
        w.run(&["get", "p"], &[SECRET_VAR], None)
            .fails(3, &["AppData\\Roaming\\tokfetch\\config.toml"]);

        let server = token_server();
        w.write_config(&oauth2_config(&server));
        let first = w.run(&["get", "p"], &[SECRET_VAR], None).ok().to_string();
        let cached = w.cache_dir().join("p.token.json");
        let on_disk = std::fs::read_to_string(&cached)
            .unwrap_or_else(|e| panic!("no cache file at {}: {e}", cached.display()));
        assert!(on_disk.contains(first.trim_end()), "{on_disk}");
        assert!(!on_disk.contains(CLIENT_SECRET), "the cache holds a secret");

        // A hit needs neither the secret nor the server.
        assert_eq!(w.run(&["get", "p"], &[], None).ok(), first);
        assert_eq!(server.count(), 1);
        let listed = w.run(&["profiles"], &[], None);
        assert!(listed.ok().contains('p'), "{listed}");

        w.run(&["cache", "clear"], &[], None).ok();
        assert!(!cached.exists(), "cache clear left {}", cached.display());
    }

    /// `secret status p` with nothing stored: exit 4, the report on stderr (stdout stays empty on
    /// failure) saying the client secret is missing.
    fn assert_missing(status: &Out) {
        assert_eq!(status.code, 4, "{status}");
        assert_eq!(status.stdout, "", "{status}");
        assert!(
            status.stderr.contains("client_secret:  missing"),
            "{status}"
        );
    }

    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn secrets_through_the_windows_credential_manager() {
        let _one = lock();
        let w = wine();
        w.reset();
        let server = token_server();
        w.write_config(&oauth2_config(&server));
        // Nothing stored yet (and a stale item from an earlier run is removed).
        let _ = w.run(&["secret", "delete", "p"], &[], None);
        assert_missing(&w.run(&["secret", "status", "p"], &[], None));

        let stored = w.run(
            &["secret", "set", "p"],
            &[],
            Some(format!("{CLIENT_SECRET}\n").as_bytes()),
        );
        stored.ok();
        let status = w.run(&["secret", "status", "p"], &[], None);
        assert!(
            status.ok().to_lowercase().contains("keyring"),
            "status should say the secret is in the keyring:\n{status}"
        );

        // Wine keeps Credential Manager items in its registry: the item is really there.
        let mut query = bare_wine(&w.prefix);
        query.args(["reg", "query", "HKCU\\Software\\Wine\\Credential Manager"]);
        let reg = captured(query, None);
        let reg = String::from_utf8_lossy(&reg.stdout);
        assert!(reg.contains("tokfetch"), "no tokfetch item in:\n{reg}");

        // The stored secret authenticates a real fetch (the server checks it).
        let token = w.run(&["get", "p", "--no-cache"], &[], None);
        assert!(token.ok().starts_with("o2"), "{token}");
        assert_eq!(server.count(), 1);

        w.run(&["secret", "delete", "p"], &[], None).ok();
        assert_missing(&w.run(&["secret", "status", "p"], &[], None));
        w.run(&["get", "p", "--no-cache"], &[], None)
            .fails(4, &["TOKFETCH_P_CLIENT_SECRET"]);
        assert_eq!(server.count(), 1);
    }

    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn a_client_secret_from_a_command() {
        let _one = lock();
        let w = wine();
        w.reset();
        let server = token_server();
        // A batch file (on Wine's Z: drive, which is `/`) prints the secret; cmd's echo ends
        // the line with CRLF: one line end is stripped, whichever it is.
        let dir = tempfile::tempdir().expect("tempdir");
        let batch = dir.path().join("secret.cmd");
        std::fs::write(&batch, format!("@echo {CLIENT_SECRET}\r\n")).expect("write batch");
        let on_z = format!("Z:{}", batch.display()).replace('/', "\\\\");
        w.write_config(&format!(
            "{}client_secret_command = [\"cmd\", \"/c\", \"{on_z}\"]\n",
            oauth2_config(&server)
        ));
        let token = w.run(&["get", "p"], &[], None);
        assert!(token.ok().starts_with("o2"), "{token}");
        assert_eq!(server.count(), 1);
        let status = w.run(&["secret", "status", "p"], &[], None);
        assert!(
            status.ok().contains("client_secret:  command cmd /c 'Z:"),
            "{status}"
        );

        w.write_config(&format!(
            "{}client_secret_command = [\"cmd\", \"/c\", \"echo not signed in 1>&2 & exit 3\"]\n",
            oauth2_config(&server)
        ));
        w.run(&["get", "p", "--no-cache"], &[], None)
            .fails(4, &["failed (exit status 3): not signed in"]);
        assert_eq!(server.count(), 1);
    }

    /// Every Credential Manager item Wine keeps, as `reg query /s` lists them.
    fn credential_items(w: &Wine) -> String {
        let mut query = bare_wine(&w.prefix);
        query.args([
            "reg",
            "query",
            "HKCU\\Software\\Wine\\Credential Manager",
            "/s",
        ]);
        String::from_utf8_lossy(&captured(query, None).stdout).into_owned()
    }

    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn a_4096_bit_key_is_split_across_credential_manager_entries_and_deleted_whole() {
        let _one = lock();
        let w = wine();
        w.reset();
        // 3,268 bytes of PEM: more than one entry's 2,560 bytes of UTF-16 (1,280 characters).
        let pem = support::jwt::RSA_4096;
        assert!(pem.len() > 2 * 1280);
        let server = providers::private_key_jwt(CLIENT_ID, pem);
        w.write_config(&format!(
            "[profiles.big]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\n",
            server.url("/oauth2/token")
        ));
        let _ = w.run(&["secret", "delete", "big"], &[], None);
        assert!(!credential_items(w).contains("big/private_key"));

        w.run(
            &["secret", "set", "big", "--field", "private_key"],
            &[],
            Some(pem.as_bytes()),
        )
        .ok();
        // The head entry and three chunks, no more.
        let items = credential_items(w);
        for user in [
            "big/private_key",
            "big/private_key/1",
            "big/private_key/2",
            "big/private_key/3",
        ] {
            assert!(items.contains(user), "no item {user} in:\n{items}");
        }
        assert!(!items.contains("big/private_key/4"), "{items}");
        let status = w.run(&["secret", "status", "big"], &[], None);
        assert!(status.ok().contains("private_key:    keyring"), "{status}");

        // Joined on read, it signs an assertion the server verifies with the public key.
        let token = w.run(&["get", "big", "--no-cache"], &[], None);
        assert!(token.ok().starts_with("pk"), "{token}");
        assert_eq!(server.count(), 1);

        // A smaller key in its place leaves no stale chunk behind.
        w.run(
            &["secret", "set", "big", "--field", "private_key"],
            &[],
            Some(support::jwt::EC.as_bytes()),
        )
        .ok();
        let items = credential_items(w);
        assert!(items.contains("big/private_key"), "{items}");
        assert!(!items.contains("big/private_key/"), "{items}");

        // Back to the big one, then delete: no entry of it is left.
        w.run(
            &["secret", "set", "big", "--field", "private_key"],
            &[],
            Some(pem.as_bytes()),
        )
        .ok();
        let out = w.run(&["secret", "delete", "big"], &[], None);
        out.ok();
        assert!(out.stderr.contains("deleted private_key"), "{out}");
        let items = credential_items(w);
        assert!(!items.contains("big/private_key"), "{items}");
        w.run(&["get", "big", "--no-cache"], &[], None)
            .fails(4, &["TOKFETCH_BIG_PRIVATE_KEY"]);
        assert_eq!(server.count(), 1);
    }

    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn exit_codes() {
        let _one = lock();
        let w = wine();
        w.reset();
        let rejecting = Server::start(|_| {
            Action::Respond(Response::json(
                401,
                json!({"error": "invalid_client", "error_description": "bad secret"}),
            ))
        });
        let garbage = Server::start(|_| Action::Respond(Response::new(200, "text/html", "<html>")));
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let closed_port = closed.local_addr().expect("addr").port();
        drop(closed);
        w.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
             [profiles.junk]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
             [profiles.down]\nprovider = \"oauth2\"\ntoken_url = \"http://127.0.0.1:{closed_port}/t\"\nclient_id = \"{CLIENT_ID}\"\n",
            rejecting.url("/t"),
            garbage.url("/t"),
        ));
        let secrets = [
            SECRET_VAR,
            ("TOKFETCH_JUNK_CLIENT_SECRET", CLIENT_SECRET),
            ("TOKFETCH_DOWN_CLIENT_SECRET", CLIENT_SECRET),
        ];
        w.run(&["get", "p", "--bogus"], &secrets, None)
            .fails(2, &[]);
        w.run(&["get", "nosuch"], &secrets, None)
            .fails(3, &["nosuch"]);
        w.run(&["get", "p"], &[], None)
            .fails(4, &["TOKFETCH_P_CLIENT_SECRET"]);
        w.run(&["get", "p"], &secrets, None)
            .fails(5, &["invalid_client"]);
        w.run(&["get", "down", "--timeout", "5"], &secrets, None)
            .fails(6, &["127.0.0.1"]);
        w.run(&["get", "junk"], &secrets, None).fails(7, &[]);
    }
    #[test]
    #[ignore = "needs TOKFETCH_WINDOWS_EXE and Wine; dist/check runs it"]
    fn tls_with_a_private_ca() {
        let _one = lock();
        let w = wine();
        w.reset();
        let pki = tls::pki(&["127.0.0.1"]);
        let server = tls::https_server(pki.config.clone(), |_| {
            Action::Respond(Response::json(
                200,
                json!({"access_token": "over-tls", "token_type": "Bearer", "expires_in": 600}),
            ))
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &pki.ca_pem).expect("write CA");
        w.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:{}/t\"\nclient_id = \"{CLIENT_ID}\"\n",
            server.port
        ));
        // Untrusted: a TLS error (exit 6) with the ca_file hint.
        w.run(&["get", "p"], &[SECRET_VAR], None)
            .fails(6, &["TLS", "ca_file"]);
        // Wine maps the Unix root to drive Z:, so the CA's Unix path works as a Windows path.
        let ca_path = format!("Z:{}", ca.display()).replace('/', "\\");
        let out = w.run(
            &["get", "p"],
            &[SECRET_VAR, ("TOKFETCH_CA_FILE", &ca_path)],
            None,
        );
        assert_eq!(out.ok(), "over-tls\n");
        assert_eq!(server.count(), 1);
    }
}
