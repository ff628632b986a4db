//! Machine-to-machine grants of README "JWT bearer grant" and "Google service accounts":
//! `grant = "jwt_bearer"` (RFC 7523 §2.1) against a strict capturing server that checks every
//! claim and against Authlib's `JWTBearerGrant`; `provider = "google"` against a loopback
//! stand-in of oauth2.googleapis.com/token that Google's own `google-auth` library is first
//! shown to satisfy. Every failure path: its exit code, an empty stdout, what stderr says — and
//! never a key, the JSON key or an assertion (the suite's leak check, and the cache's).
//!
//! The Authlib and google-auth tests need the Python venv that tests/run.sh makes
//! (`$TOKFETCH_TEST_GRANTS_PYTHON`); they are #[ignore]d for a bare `cargo test`.

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::google::{self, Expect};
use support::jwt::{self, EC, ED25519, RSA_A, RSA_B};
use support::server::{Action, Request, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Env};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn write_file(env: &Env, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = env.path().join(name);
    std::fs::write(&path, text).expect("write");
    set_mode(&path, mode);
    path
}

fn refuse(status: u16, error: &str, why: &str) -> Action {
    Action::Respond(Response::json(
        status,
        json!({"error": error, "error_description": why}),
    ))
}

/// What the capturing server expects of one profile's JWT bearer grant.
#[derive(Clone)]
struct Want {
    public: &'static str,
    alg: &'static str,
    kid: Option<&'static str>,
    iss: &'static str,
    sub: &'static str,
    /// `None`: the token URL itself.
    aud: Option<&'static str>,
    scope: Option<&'static str>,
    /// HTTP Basic with [`CLIENT_SECRET`]; else `client_id` in the body and nothing else.
    basic: bool,
}

/// A token endpoint that accepts only a JWT bearer grant whose every field and claim is as
/// `want` says: the grant type, a signature by the key, the header, `iss`, `sub`, `aud`, `iat`
/// now, `exp` = `iat` + 300, a `jti` never seen before, the client authentication, the scope.
fn bearer_server(want: Want) -> Server {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let port = Arc::new(Mutex::new(0u16));
    let port_in = port.clone();
    let server = Server::start(move |req: &Request| {
        let url = format!(
            "http://127.0.0.1:{}/token",
            port_in.lock().map(|p| *p).unwrap_or(0)
        );
        match check_bearer(req, &want, &url, &seen) {
            Ok(n) => Action::Respond(Response::json(
                200,
                json!({"access_token": format!("jb-{n}"), "token_type": "Bearer", "expires_in": 600}),
            )),
            Err(why) => refuse(400, "invalid_grant", &why),
        }
    });
    *port.lock().expect("lock") = server.port;
    server
}

fn check_bearer(
    req: &Request,
    want: &Want,
    url: &str,
    seen: &Mutex<HashSet<String>>,
) -> Result<usize, String> {
    let mut names: Vec<String> = req.form().into_iter().map(|(k, _)| k).collect();
    names.sort();
    let mut expected = vec!["assertion", "grant_type"];
    if !want.basic {
        expected.push("client_id");
    }
    if want.scope.is_some() {
        expected.push("scope");
    }
    expected.sort_unstable();
    if names != expected {
        return Err(format!("fields {names:?}"));
    }
    if req.form_value("grant_type").as_deref() != Some(GRANT) {
        return Err("grant_type".into());
    }
    if req.form_value("scope").as_deref() != want.scope {
        return Err("scope".into());
    }
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!(
                "{}:{}",
                support::form_encode(CLIENT_ID),
                support::form_encode(CLIENT_SECRET)
            )
        )
    );
    match (want.basic, req.header("authorization")) {
        (true, Some(h)) if h == basic => {}
        (false, None) if req.form_value("client_id").as_deref() == Some(CLIENT_ID) => {}
        _ => return Err("client authentication".into()),
    }
    let assertion = req.form_value("assertion").unwrap_or_default();
    support::minted(&assertion);
    jwt::verify(&assertion, want.public).map_err(|e| format!("signature: {e}"))?;
    let (header, c) = jwt::decode(&assertion);
    let mut h = json!({"alg": want.alg, "typ": "JWT"});
    if let Some(kid) = want.kid {
        h["kid"] = kid.into();
    }
    if header != h {
        return Err(format!("header {header}"));
    }
    let aud = want.aud.unwrap_or(url);
    if c["iss"] != want.iss || c["sub"] != want.sub || c["aud"] != aud {
        return Err(format!("claims {c}"));
    }
    let now = jwt::now();
    let iat = c["iat"].as_u64().unwrap_or(0);
    if c["exp"].as_u64() != Some(iat + 300) || iat + 5 < now || iat > now + 5 {
        return Err("lifetime".into());
    }
    let jti = c["jti"].as_str().unwrap_or("").to_string();
    let mut seen = seen.lock().map_err(|_| "lock")?;
    if jti.len() != 22 || !seen.insert(jti) {
        return Err("jti missing or reused".into());
    }
    let keys = c.as_object().map(|o| o.len()).unwrap_or(0);
    if keys != 6 {
        return Err(format!("unexpected claims {c}"));
    }
    Ok(seen.len())
}

/// A `jwt_bearer` profile `p` for `server` with the key `pem` in a private file.
fn bearer_env(server: &Server, pem: &str, lines: &str, basic: bool) -> Env {
    let mut env = Env::new();
    let key = write_file(&env, "key.pem", pem, 0o600);
    let auth = if basic { "basic" } else { "none" };
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"jwt_bearer\"\nauth_method = \"{auth}\"\nprivate_key_file = \"{}\"\n{lines}",
        server.url("/token"),
        key.display()
    ));
    if basic {
        env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    }
    env
}

#[test]
fn jwt_bearer_signs_every_algorithm_and_a_strict_server_checks_every_claim() {
    for (pem, alg, extra) in [
        (RSA_A, "RS256", ""),
        (RSA_A, "PS256", "signing_alg = \"PS256\"\n"),
        (EC, "ES256", ""),
        (ED25519, "EdDSA", ""),
    ] {
        for basic in [false, true] {
            let want = Want {
                public: pem,
                alg,
                kid: Some("k-2026"),
                iss: "3MVG9.consumer-key",
                sub: "integration@example.com",
                aud: Some("https://login.example.com"),
                scope: Some("api refresh_token"),
                basic,
            };
            let server = bearer_server(want);
            let env = bearer_env(
                &server,
                pem,
                &format!(
                    "key_id = \"k-2026\"\nassertion_issuer = \"3MVG9.consumer-key\"\nassertion_subject = \"integration@example.com\"\nassertion_audience = \"https://login.example.com\"\nscope = \"api refresh_token\"\n{extra}"
                ),
                basic,
            );
            let out = env.run(&["get", "p", "-v"]);
            assert_eq!(out.ok(), "jb-1\n", "{alg} basic={basic}");
            let assertion = server.last().form_value("assertion").expect("assertion");
            out.assert_never_shows(&assertion);
            assert!(out.stderr.contains("private_key_file"), "{out}");
            // A hit: no second request, no key read.
            assert_eq!(env.run(&["get", "p"]).ok(), "jb-1\n");
            assert_eq!(server.count(), 1, "{alg}");
            // A new token is a new assertion (a fresh jti), accepted again.
            assert_eq!(env.run(&["get", "p", "--refresh"]).ok(), "jb-2\n");
            env.assert_cache_holds_no_secret();
        }
    }
}

#[test]
fn jwt_bearer_defaults_to_the_client_id_and_the_token_endpoint() {
    let server = bearer_server(Want {
        public: RSA_B,
        alg: "RS256",
        kid: None,
        iss: CLIENT_ID,
        sub: CLIENT_ID,
        aud: None,
        scope: None,
        basic: false,
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"jwt_bearer\"\nauth_method = \"none\"\n",
        server.url("/token")
    ));
    // The key from the secret field, here its conventional variable.
    env.set("TOKFETCH_P_PRIVATE_KEY", RSA_B);
    assert_eq!(env.run(&["get", "p"]).ok(), "jb-1\n");
    let status = env.run(&["secret", "status", "p"]);
    assert!(status.ok().contains("private_key"), "{status}");
}

#[test]
fn jwt_bearer_failures_say_what_is_wrong() {
    // The server refuses the grant: exit 5 with its words.
    let server = bearer_server(Want {
        public: RSA_B, // not the key the profile signs with
        alg: "RS256",
        kid: None,
        iss: CLIENT_ID,
        sub: CLIENT_ID,
        aud: None,
        scope: None,
        basic: false,
    });
    let env = bearer_env(&server, RSA_A, "", false);
    env.run(&["get", "p"])
        .fails(5, &["invalid_grant", "signature", "HTTP 400"]);
    // A key readable by others: exit 4 before anything is sent.
    let server = bearer_server(Want {
        public: RSA_A,
        alg: "RS256",
        kid: None,
        iss: CLIENT_ID,
        sub: CLIENT_ID,
        aud: None,
        scope: None,
        basic: false,
    });
    let env = bearer_env(&server, RSA_A, "", false);
    set_mode(&env.path().join("key.pem"), 0o644);
    env.run(&["get", "p"])
        .fails(4, &["private_key_file", "readable by others", "chmod 600"]);
    assert_eq!(server.count(), 0);
    // No key at all: exit 4 naming where it was looked for.
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"jwt_bearer\"\nauth_method = \"none\"\n",
        server.url("/token")
    ));
    env.run(&["get", "p"])
        .fails(4, &["private_key", "TOKFETCH_P_PRIVATE_KEY"]);
    // Settings that cannot work: exit 3 naming the key.
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"jwt_bearer\"\nassertion_source = \"env:A\"\nassertion_subject = \"u\"\n",
        server.url("/token")
    ));
    env.run(&["get", "p"])
        .fails(3, &["config.toml:7", "assertion_subject", "no effect"]);
    assert_eq!(server.count(), 0);
}

#[test]
fn jwt_bearer_takes_the_assertion_from_a_source_and_keys_the_cache_on_it() {
    let server = Server::start(|req: &Request| {
        let a = req.form_value("assertion").unwrap_or_default();
        if req.form_value("grant_type").as_deref() != Some(GRANT) {
            return refuse(400, "invalid_request", "grant_type");
        }
        let sub = if a == support::SUBJECT_TOKEN {
            "one"
        } else {
            "two"
        };
        Action::Respond(Response::json(
            200,
            json!({"access_token": format!("for-{sub}"), "expires_in": 600}),
        ))
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"jwt_bearer\"\nauth_method = \"none\"\nassertion_source = \"env:UPSTREAM_JWT\"\n",
        server.url("/token")
    ));
    env.set("UPSTREAM_JWT", support::SUBJECT_TOKEN);
    assert_eq!(env.run(&["get", "p"]).ok(), "for-one\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "for-one\n");
    assert_eq!(server.count(), 1);
    // Another identity is a miss, never the other one's token.
    env.set("UPSTREAM_JWT", support::OTHER_SUBJECT_TOKEN);
    assert_eq!(env.run(&["get", "p"]).ok(), "for-two\n");
    assert_eq!(server.count(), 2);
    env.assert_cache_holds_no_secret();
    env.unset("UPSTREAM_JWT");
    env.run(&["get", "p"])
        .fails(4, &["UPSTREAM_JWT", "not set"]);
}

// ---- Python reference implementations (tests/run.sh makes the venv) ----

/// The venv's python with Authlib and google-auth.
fn python() -> PathBuf {
    let var = "TOKFETCH_TEST_GRANTS_PYTHON";
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "${var} points at {}, which does not exist",
                p.display()
            );
            p
        }
        None => panic!(
            "this test needs the Python venv with Authlib and google-auth: run it through tests/run.sh, which makes it (or set ${var})"
        ),
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("grants")
        .join(name)
}

/// A child process killed when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Authlib's JWTBearerGrant on 127.0.0.1 with these clients; its token URL.
fn authlib_server(clients: Value) -> (Killed, String) {
    let mut child = Command::new(python())
        .arg(script("authlib_server.py"))
        .arg(json!({ "clients": clients }).to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the Authlib server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the Authlib server's port");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .unwrap_or_else(|| panic!("the Authlib server said {line:?}"))
        .to_string();
    (Killed(child), format!("http://127.0.0.1:{port}/token"))
}

#[test]
#[ignore = "needs the Authlib venv: tests/run.sh"]
fn jwt_bearer_is_accepted_by_authlib() {
    let (_server, url) = authlib_server(json!([
        {"client_id": "sf-consumer", "issuer": "sf-consumer", "public_key_pem": RSA_A,
         "subjects": ["integration@example.com"], "secret": null},
        {"client_id": "es-client", "issuer": "es-client", "public_key_pem": EC,
         "subjects": ["es-client"], "secret": null},
        {"client_id": CLIENT_ID, "issuer": CLIENT_ID, "public_key_pem": ED25519,
         "subjects": [CLIENT_ID], "secret": CLIENT_SECRET},
    ]));
    let mut env = Env::new();
    let rsa = write_file(&env, "rsa.pem", RSA_A, 0o600);
    let ec = write_file(&env, "ec.pem", EC, 0o600);
    let ed = write_file(&env, "ed.pem", ED25519, 0o600);
    let profile = |name: &str, id: &str, auth: &str, key: &Path, extra: &str| {
        format!(
            "[profiles.{name}]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{id}\"\ngrant = \"jwt_bearer\"\nauth_method = \"{auth}\"\nprivate_key_file = \"{}\"\n{extra}\n",
            key.display()
        )
    };
    env.write_config(
        &[
            profile(
                "rs",
                "sf-consumer",
                "none",
                &rsa,
                "assertion_subject = \"integration@example.com\"\nscope = \"api\"",
            ),
            profile(
                "ps",
                "sf-consumer",
                "none",
                &rsa,
                "assertion_subject = \"integration@example.com\"\nsigning_alg = \"PS256\"",
            ),
            profile("es", "es-client", "none", &ec, ""),
            profile("ed", CLIENT_ID, "basic", &ed, ""),
            profile(
                "stranger",
                "sf-consumer",
                "none",
                &rsa,
                "assertion_subject = \"someone-else@example.com\"",
            ),
            profile(
                "badsecret",
                CLIENT_ID,
                "basic",
                &ed,
                "client_secret_env = \"WRONG\"",
            ),
        ]
        .concat(),
    );
    env.set("TOKFETCH_ED_CLIENT_SECRET", CLIENT_SECRET);
    env.set("WRONG", support::OTHER_SECRET);
    let mut printed = Vec::new();
    for p in ["rs", "ps", "es", "ed"] {
        let out = env.run(&["get", p, "-o", "json"]);
        let v: Value = serde_json::from_str(out.ok()).expect("json");
        printed.push((p, v["access_token"].as_str().unwrap_or("").to_string()));
    }
    let (status, body) =
        support::tools::http_request("GET", &url.replace("/token", "/issued"), &[], "")
            .expect("ask the Authlib server");
    assert_eq!(status, 200);
    let issued: Vec<Value> = serde_json::from_str(&body).expect("issued");
    assert_eq!(issued.len(), 4, "{body}");
    for ((p, token), seen) in printed.iter().zip(&issued) {
        assert_eq!(seen["access_token"], token.as_str(), "{p}: {body}");
        assert_eq!(seen["aud"], url.as_str(), "{p}");
    }
    assert_eq!(issued[0]["sub"], "integration@example.com");
    assert_eq!(issued[0]["scope"], "api");
    assert_eq!(issued[2]["sub"], "es-client");
    assert_eq!(issued[3]["client_id"], CLIENT_ID);
    // Authlib's own refusals reach the user as they are.
    env.run(&["get", "stranger"])
        .fails(5, &["invalid_grant", "sub", "HTTP 400"]);
    env.run(&["get", "badsecret"])
        .fails(5, &["invalid_client", "HTTP 401"]);
}

#[test]
#[ignore = "needs the google-auth venv: tests/run.sh"]
fn the_google_stand_in_accepts_the_official_google_auth_client() {
    // Access token, with domain-wide delegation.
    let scope = "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/devstorage.read_only";
    let (server, issued) = google::token_server(Expect {
        scope: Some(scope.to_string()),
        subject: Some("admin@example.com".to_string()),
        ..Expect::default()
    });
    let env = Env::new();
    let uri = server.url("/token");
    let key = write_file(
        &env,
        "key.json",
        &google::key_json(google::GOOGLE_TOKEN_URI),
        0o600,
    );
    let run = |args: &[&str]| {
        let out = Command::new(python())
            .arg(script("google_auth_client.py"))
            .args(args)
            .output()
            .expect("run google-auth");
        assert!(
            out.status.success(),
            "google-auth failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let key_arg = key.to_string_lossy().into_owned();
    let token = run(&[&key_arg, &uri, "scope", scope, "admin@example.com"]);
    let issued_tokens = issued.lock().expect("lock").tokens.clone();
    assert_eq!(issued_tokens, [token]);
    // What Google's own client sends is what tokfetch must send.
    let official = issued.lock().expect("lock").claims[0].clone();
    let mut names: Vec<&String> = official.as_object().expect("claims").keys().collect();
    names.sort();
    assert_eq!(names, ["aud", "exp", "iat", "iss", "scope", "sub"]);
    // And the stand-in refuses what Google would: a google-auth client without the subject
    // that the stand-in requires.
    let out = Command::new(python())
        .arg(script("google_auth_client.py"))
        .args([&key_arg, &uri, "scope", scope])
        .output()
        .expect("run google-auth");
    assert!(!out.status.success());
    // An ID token for a target_audience.
    let (server, issued) = google::token_server(Expect {
        target_audience: Some("https://service.example".to_string()),
        id_token_lifetime: 3600,
        ..Expect::default()
    });
    let uri = server.url("/token");
    let token = run(&[&key_arg, &uri, "id", "https://service.example"]);
    assert_eq!(issued.lock().expect("lock").tokens, [token]);
}

// ---- Google service accounts against the stand-in ----

/// A `google` profile `g` with a key as Google hands it out in a private file, sent to
/// `server` by `token_url` (as google-auth's `token_uri` argument does), and `extra` lines.
fn google_env(server: &Server, extra: &str) -> (Env, PathBuf) {
    let env = Env::new();
    let key = write_file(
        &env,
        "sa.json",
        &google::key_json(google::GOOGLE_TOKEN_URI),
        0o600,
    );
    env.write_config(&format!(
        "[profiles.g]\nprovider = \"google\"\ncredentials_file = \"{}\"\ntoken_url = \"{}\"\n{extra}",
        key.display(),
        server.url("/token")
    ));
    (env, key)
}

#[test]
fn google_access_token_from_a_key_file() {
    let scope = "https://www.googleapis.com/auth/cloud-platform";
    let (server, issued) = google::token_server(Expect {
        scope: Some(scope.to_string()),
        subject: Some("admin@example.com".to_string()),
        ..Expect::default()
    });
    let (env, key) = google_env(
        &server,
        &format!("scope = \"{scope}\"\nsubject = \"admin@example.com\"\n"),
    );
    let out = env.run(&["get", "g", "-v"]);
    assert_eq!(out.ok(), "ya29.c.test-access-token-1\n");
    assert!(out.stderr.contains(google::CLIENT_EMAIL), "{out}");
    let assertion = server.last().form_value("assertion").expect("assertion");
    support::minted(&assertion);
    out.assert_never_shows(&assertion);
    let claims = issued.lock().expect("lock").claims[0].clone();
    assert_eq!(
        claims["exp"].as_u64(),
        claims["iat"].as_u64().map(|i| i + 3600)
    );
    // Cached: the second call reads no key and sends nothing.
    assert_eq!(env.run(&["get", "g"]).ok(), "ya29.c.test-access-token-1\n");
    assert_eq!(server.count(), 1);
    env.assert_cache_holds_no_secret();
    // The key file is named where secrets are listed; nothing of its content is shown.
    let status = env.run(&["secret", "status", "g"]);
    assert!(status.ok().contains(&key.display().to_string()), "{status}");
    let profiles = env.run(&["profiles"]);
    assert!(profiles.ok().contains("google"), "{profiles}");
    let inspect = env.run(&["inspect", "g"]);
    assert!(inspect.ok().contains(google::CLIENT_EMAIL), "{inspect}");
    assert!(inspect.stdout.contains(google::KEY_ID), "{inspect}");
    assert!(!inspect.stdout.contains("client_id"), "{inspect}");
}

#[test]
fn google_id_token_is_cached_until_its_exp() {
    let aud = "https://service.example";
    let (server, issued) = google::token_server(Expect {
        target_audience: Some(aud.to_string()),
        id_token_lifetime: 1000,
        ..Expect::default()
    });
    let (env, _) = google_env(&server, &format!("target_audience = \"{aud}\"\n"));
    let out = env.run(&["get", "g", "-o", "json"]);
    let v: Value = serde_json::from_str(out.ok()).expect("json");
    let id_token = issued.lock().expect("lock").tokens[0].clone();
    assert_eq!(v["access_token"], id_token.as_str());
    let left = v["expires_in"].as_u64().expect("expires_in");
    assert!((990..=1000).contains(&left), "{v}");
    assert_eq!(env.run(&["get", "g"]).ok(), format!("{id_token}\n"));
    assert_eq!(server.count(), 1);
    // An ID token that lives less than --min-ttl is fetched again on the next call: its exp,
    // not a fixed lifetime, decides.
    let (server, _) = google::token_server(Expect {
        target_audience: Some(aud.to_string()),
        id_token_lifetime: 30,
        ..Expect::default()
    });
    let (env, _) = google_env(&server, &format!("target_audience = \"{aud}\"\n"));
    env.run(&["get", "g"]).ok();
    env.run(&["get", "g"]).ok();
    assert_eq!(server.count(), 2);
    env.assert_cache_holds_no_secret();
}

#[test]
fn google_key_json_from_the_environment() {
    // A key whose token_uri is the stand-in: the request goes there, and that is the aud.
    let (server, _) = google::token_server(Expect {
        scope: Some("s1 s2".to_string()),
        aud_is_this_server: true,
        ..Expect::default()
    });
    let json_key = google::key_json(&server.url("/token"));
    let mut env = Env::new();
    env.write_config("[profiles.g]\nprovider = \"google\"\nscope = \"s1 s2\"\n[profiles.h]\nprovider = \"google\"\nscope = \"s1 s2\"\ncredentials_json_env = \"GOOGLE_KEY\"\n");
    // Nothing yet: exit 4 naming every place looked.
    env.run(&["get", "g"])
        .fails(4, &["credentials_json", "TOKFETCH_G_CREDENTIALS_JSON"]);
    env.set("TOKFETCH_G_CREDENTIALS_JSON", &json_key);
    env.set("GOOGLE_KEY", &json_key);
    assert_eq!(env.run(&["get", "g"]).ok(), "ya29.c.test-access-token-1\n");
    assert_eq!(env.run(&["get", "h"]).ok(), "ya29.c.test-access-token-2\n");
    let status = env.run(&["secret", "status", "h"]);
    assert!(status.ok().contains("GOOGLE_KEY"), "{status}");
    env.assert_cache_holds_no_secret();
    // `secret set` without --field says which field a google profile has.
    env.run_with_stdin(&["secret", "set", "g"], Some(b"x"))
        .fails(2, &["has no client_secret", "--field credentials_json"]);
    // `secret set` checks a JSON key before storing it, quoting none of it.
    let bad = format!("{{\"type\": \"service_account\", \"private_key\": \"{CLIENT_SECRET}\"}}");
    env.run_with_stdin(
        &["secret", "set", "g", "--field", "credentials_json"],
        Some(bad.as_bytes()),
    )
    .fails(
        2,
        &[
            "not hold a usable service account key",
            "no `client_email`",
            "nothing was stored",
        ],
    );
    // exec withholds the key from the child.
    let out = env.run(&[
        "exec",
        "g",
        "--",
        "sh",
        "-c",
        "env | grep -c -e CREDENTIALS_JSON -e GOOGLE_KEY || true",
    ]);
    assert_eq!(out.ok(), "0\n");
}

#[test]
fn google_failures_name_the_source_never_the_content() {
    let (server, _) = google::token_server(Expect {
        scope: Some("s".to_string()),
        ..Expect::default()
    });
    // A key file readable by others: exit 4 before anything is sent.
    let (env, key) = google_env(&server, "scope = \"s\"\n");
    set_mode(&key, 0o644);
    env.run(&["get", "g"])
        .fails(4, &["credentials_file", "readable by others", "chmod 600"]);
    // Not a service account key: exit 4 naming the file and what is wrong, quoting nothing.
    std::fs::write(
        &key,
        format!("{{\"type\": \"authorized_user\", \"refresh_token\": \"{CLIENT_SECRET}\"}}"),
    )
    .expect("write");
    set_mode(&key, 0o600);
    env.run(&["get", "g"]).fails(
        4,
        &["credentials_file", "sa.json", "not \"service_account\""],
    );
    std::fs::write(&key, format!("{{ not json {CLIENT_SECRET}")).expect("write");
    env.run(&["get", "g"])
        .fails(4, &["credentials_file", "not JSON"]);
    // A key that is not RSA.
    let mut v: Value =
        serde_json::from_str(&google::key_json(google::GOOGLE_TOKEN_URI)).expect("json");
    v["private_key"] = EC.into();
    std::fs::write(&key, v.to_string()).expect("write");
    env.run(&["get", "g"])
        .fails(4, &["credentials_file", "RSA"]);
    // A FIFO is refused at once, never a hang.
    std::fs::remove_file(&key).expect("rm");
    let status = Command::new("mkfifo").arg(&key).status().expect("mkfifo");
    assert!(status.success());
    env.run_within(&["get", "g"], std::time::Duration::from_secs(10))
        .fails(4, &["credentials_file", "is a FIFO"]);
    assert_eq!(server.count(), 0);
    // The server refuses: exit 5 with its words (the stand-in wants another scope).
    let (env, _) = google_env(&server, "scope = \"other\"\n");
    env.run(&["get", "g"])
        .fails(5, &["invalid_grant", "Invalid scope", "HTTP 400"]);
    // A token_uri that would send the assertion in the clear to another host: exit 4.
    let (env, key) = google_env(&server, "scope = \"s\"\n");
    std::fs::write(&key, google::key_json("http://oauth2.example.com/token")).expect("write");
    env.write_config(&format!(
        "[profiles.g]\nprovider = \"google\"\ncredentials_file = \"{}\"\nscope = \"s\"\n",
        key.display()
    ));
    env.run(&["get", "g"])
        .fails(4, &["token_uri", "plain http"]);
    // token_url overrides the key's token_uri (the assertion's aud stays the key's).
    let (env, _) = google_env(&server, "scope = \"s\"\n");
    let config = std::fs::read_to_string(&env.config).expect("config");
    env.write_config(&config.replace("/token", "/elsewhere"));
    env.run(&["get", "g"])
        .fails(5, &["invalid_grant", "HTTP 400"]);
    assert_eq!(server.last().path, "/elsewhere");
    // Settings that cannot work: exit 3.
    env.write_config("[profiles.g]\nprovider = \"google\"\ncredentials_file = \"/k.json\"\n");
    env.run(&["get", "g"])
        .fails(3, &["needs scope", "target_audience"]);
}
