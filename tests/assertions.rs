//! Client authentication without a shared secret (README "Client authentication without shared
//! secrets"): signed client assertions (`private_key_jwt`, `client_secret_jwt`) against a strict
//! loopback server that verifies each one as a real one does, and `tls_client_auth` against an
//! HTTPS server that asks for a client certificate. Every failure path: its exit code, an empty
//! stdout, what stderr says — and never a key or an assertion.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::jwt::{self, EC, EC_P384, EC_SEC1, ED25519, RSA_1024, RSA_A, RSA_A_PKCS1, RSA_B};
use support::server::{Action, Request, Response, Server};
use support::tls::{CLIENT_CERT_HEADER, mtls_pki, mtls_server, sha256_hex};
use support::{CLIENT_ID, CLIENT_SECRET, Env};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn oauth_error(status: u16, error: &str, description: &str) -> Action {
    Action::Respond(Response::json(
        status,
        json!({"error": error, "error_description": description}),
    ))
}

fn token(n: usize) -> Action {
    Action::Respond(Response::json(
        200,
        json!({"access_token": format!("at-{n}"), "token_type": "Bearer", "expires_in": 600}),
    ))
}

/// What a strict token endpoint checks in a client assertion (RFC 7523 §3), and the key it
/// verifies the signature with.
#[derive(Clone)]
enum Verifier {
    Key(&'static str),
    Hs256(&'static str),
}

/// A token endpoint that accepts only a valid, fresh assertion for [`CLIENT_ID`]: the right
/// fields, a signature that verifies, `iss` = `sub` = client_id, `aud` = `audience` (the token
/// URL unless given), a five-minute lifetime, and a `jti` never seen before.
fn assertion_server(verifier: Verifier, audience: Option<&'static str>) -> Server {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let issued = Arc::new(Mutex::new(0));
    let port = Arc::new(Mutex::new(0u16));
    let port_in = port.clone();
    let server = Server::start(move |req: &Request| {
        let field = |n: &str| req.form_value(n).unwrap_or_default();
        if req.header("authorization").is_some() || req.form_value("client_secret").is_some() {
            return oauth_error(
                400,
                "invalid_request",
                "more than one client authentication",
            );
        }
        if field("grant_type") != "client_credentials"
            || field("client_assertion_type") != JWT_BEARER
            || field("client_id") != CLIENT_ID
        {
            return oauth_error(400, "invalid_request", "bad fields");
        }
        let assertion = field("client_assertion");
        let verified = match &verifier {
            Verifier::Key(pem) => jwt::verify(&assertion, pem),
            Verifier::Hs256(secret) => verify_hs256(&assertion, secret),
        };
        if let Err(why) = verified {
            return oauth_error(401, "invalid_client", &format!("signature: {why}"));
        }
        let (_, c) = jwt::decode(&assertion);
        let url = format!(
            "http://127.0.0.1:{}/token",
            port_in.lock().map(|p| *p).unwrap_or(0)
        );
        let aud = audience.map(str::to_string).unwrap_or(url);
        let now = jwt::now();
        let iat = c["iat"].as_u64().unwrap_or(0);
        let fresh = seen
            .lock()
            .map(|mut s| s.insert(c["jti"].as_str().unwrap_or("").to_string()))
            .unwrap_or(false);
        if c["iss"] != CLIENT_ID || c["sub"] != CLIENT_ID || c["aud"] != aud.as_str() {
            return oauth_error(401, "invalid_client", &format!("claims {c}"));
        }
        if c["exp"].as_u64() != Some(iat + 300) || iat + 5 < now || iat > now + 5 {
            return oauth_error(401, "invalid_client", "lifetime");
        }
        if !fresh || c["jti"].as_str().is_none_or(|j| j.len() != 22) {
            return oauth_error(401, "invalid_client", "jti reused");
        }
        let mut n = issued.lock().expect("lock");
        *n += 1;
        token(*n)
    });
    *port.lock().expect("lock") = server.port;
    server
}

fn verify_hs256(jwt_text: &str, secret: &str) -> Result<(), String> {
    use base64::Engine;
    let (header, _) = jwt::decode(jwt_text);
    if header["alg"] != "HS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let (input, sig) = jwt_text.rsplit_once('.').ok_or("not a JWS")?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|e| e.to_string())?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(&key, input.as_bytes(), &sig).map_err(|_| "bad signature".to_string())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Write `pem` into the test's directory with `mode`.
fn key_file(env: &Env, name: &str, pem: &str, mode: u32) -> PathBuf {
    let path = env.path().join(name);
    std::fs::write(&path, pem).expect("write key");
    set_mode(&path, mode);
    path
}

/// A `private_key_jwt` profile `p` for `server`, with `extra` config lines.
fn signed_env(server: &Server, extra: &str) -> Env {
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\n{extra}",
        server.url("/token")
    ));
    env
}

fn last_assertion(server: &Server) -> String {
    server
        .last()
        .form_value("client_assertion")
        .expect("an assertion")
}

#[test]
fn private_key_jwt_signs_with_every_key_format_and_type() {
    for (file_pem, public, alg, extra) in [
        (RSA_A, RSA_A, "RS256", ""),
        (RSA_A_PKCS1, RSA_A, "RS256", ""),
        (RSA_A, RSA_A, "PS256", "signing_alg = \"PS256\"\n"),
        (EC, EC, "ES256", ""),
        (EC_SEC1, EC, "ES256", "signing_alg = \"ES256\"\n"),
        (ED25519, ED25519, "EdDSA", ""),
    ] {
        let server = assertion_server(Verifier::Key(public), None);
        let env = signed_env(&server, extra);
        let path = key_file(&env, "key.pem", file_pem, 0o600);
        env.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n{extra}",
            server.url("/token"),
            path.display()
        ));
        let out = env.run(&["get", "p", "-v"]);
        assert_eq!(out.ok(), "at-1\n", "{alg}");
        let assertion = last_assertion(&server);
        out.assert_never_shows(&assertion);
        let (header, _) = jwt::decode(&assertion);
        assert_eq!(header, json!({"alg": alg, "typ": "JWT"}), "{alg}");
        assert!(out.stderr.contains("private_key_file"), "{out}");
    }
}

/// A profile whose key is `pem` in `key.pem` (mode `mode`), for `server`.
fn keyed_env(server: &Server, pem: &str, mode: u32, extra: &str) -> (Env, PathBuf) {
    let env = Env::new();
    let path = key_file(&env, "key.pem", pem, mode);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\n{extra}",
        server.url("/token"),
        path.display()
    ));
    (env, path)
}

#[test]
fn key_id_certificate_thumbprints_and_audience_go_where_servers_look() {
    use base64::Engine;
    let server = assertion_server(Verifier::Key(EC), Some("https://login.example/tenant/v2.0"));
    let pki = mtls_pki(&["127.0.0.1"], "client.id-1");
    let env = Env::new();
    let cert = env.path().join("cert.pem");
    std::fs::write(&cert, &pki.client_cert_pem).expect("write cert");
    let key = key_file(&env, "key.pem", EC, 0o600);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"{}\"\nkey_id = \"key-2026\"\nclient_cert_file = \"{}\"\nassertion_audience = \"https://login.example/tenant/v2.0\"\n",
        server.url("/token"),
        key.display(),
        cert.display()
    ));
    env.run(&["get", "p"]).ok();
    let (header, _) = jwt::decode(&last_assertion(&server));
    let b64 = |d: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
    let s256 = ring::digest::digest(&ring::digest::SHA256, &pki.client_cert_der);
    let s1 = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        &pki.client_cert_der,
    );
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "JWT", "kid": "key-2026",
               "x5t#S256": b64(s256.as_ref()), "x5t": b64(s1.as_ref())})
    );
}

#[test]
fn every_request_has_a_fresh_jti_and_a_cache_hit_reads_no_key() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let (env, path) = keyed_env(&server, RSA_A, 0o600, "");
    // The server refuses a reused jti: two uncached fetches both succeed.
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "at-1\n");
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "at-2\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-3\n");
    // A hit: the key is not read (it is gone), and nothing is sent.
    std::fs::remove_file(&path).expect("rm key");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-3\n");
    assert_eq!(env.run(&["get", "p", "-v"]).ok(), "at-3\n");
    assert_eq!(server.count(), 3);
    env.run(&["get", "p", "--refresh"]).fails(
        4,
        &["cannot read private_key_file", &path.display().to_string()],
    );
}

#[test]
fn a_cache_hit_opens_no_key_file_and_no_socket_under_strace() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let (env, path) = keyed_env(&server, RSA_A, 0o600, "");
    env.run(&["get", "p"]).ok();
    let (stdout, calls) = env.strace("open,openat,socket,connect", &["get", "p"]);
    assert_eq!(stdout, "at-1\n");
    let key = path.display().to_string();
    let bad: Vec<&String> = calls
        .iter()
        .filter(|l| l.contains("socket(") || l.contains("connect(") || l.contains(&key))
        .collect();
    assert!(
        bad.is_empty(),
        "a cache hit touched the key or the network:\n{bad:#?}"
    );
}

#[test]
fn a_private_key_comes_from_the_environment_or_a_named_variable() {
    let server = assertion_server(Verifier::Key(RSA_B), None);
    let mut env = signed_env(&server, "");
    env.set("TOKFETCH_P_PRIVATE_KEY", RSA_B);
    let out = env.run(&["get", "p", "-v", "--no-cache"]);
    assert_eq!(out.ok(), "at-1\n");
    assert!(
        out.stderr
            .contains("private_key of `p` from env $TOKFETCH_P_PRIVATE_KEY"),
        "{out}"
    );
    let env2 = signed_env(&server, "private_key_env = \"SIGNING_KEY\"\n");
    let mut env2 = env2;
    env2.set("SIGNING_KEY", RSA_B);
    assert_eq!(env2.run(&["get", "p", "--no-cache"]).ok(), "at-2\n");
    // Missing everywhere: every place is named.
    let env3 = signed_env(&server, "");
    env3.run(&["get", "p"]).fails(
        4,
        &[
            "no private_key for profile `p`",
            "$TOKFETCH_P_PRIVATE_KEY",
            "tokfetch secret set p --field private_key",
        ],
    );
    env.set("TOKFETCH_P_PRIVATE_KEY", "not a key at all");
    env.run(&["get", "p", "--no-cache"]).fails(
        4,
        &[
            "private_key (env $TOKFETCH_P_PRIVATE_KEY) cannot be used",
            "no PEM private key",
        ],
    );
    assert_eq!(server.count(), 2);
}

#[test]
fn unusable_key_files_are_exit_4_naming_the_file_never_the_key() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let cases: [(&str, u32, &str, &[&str]); 7] = [
        (
            RSA_A,
            0o644,
            "",
            &["readable by others (mode 644)", "chmod 600"],
        ),
        (RSA_A, 0o640, "", &["readable by others (mode 640)"]),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            0o600,
            "",
            &["cannot be used", "PKCS#8"],
        ),
        (
            EC_P384,
            0o600,
            "",
            &["cannot be used", "curve other than P-256"],
        ),
        (RSA_1024, 0o600, "", &["cannot be used", "RSA"]),
        (
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAAAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            0o600,
            "",
            &["encrypted with a passphrase", "openssl pkey"],
        ),
        (
            EC,
            0o600,
            "signing_alg = \"RS256\"\n",
            &["cannot sign RS256", "it signs ES256"],
        ),
    ];
    for (pem, mode, extra, needles) in cases {
        let (env, path) = keyed_env(&server, pem, mode, extra);
        let shown = format!("private_key_file {}", path.display());
        let out = env.run(&["get", "p"]);
        out.fails(4, needles);
        out.fails(4, &[&shown]);
        assert!(!out.stderr.contains("AAAA"), "{out}");
    }
    let (env, path) = keyed_env(&server, RSA_A, 0o600, "");
    std::fs::remove_file(&path).expect("rm");
    env.run(&["get", "p"])
        .fails(4, &["cannot read private_key_file", "No such file"]);
    std::fs::create_dir(&path).expect("mkdir");
    env.run(&["get", "p"]).fails(
        4,
        &[
            "private_key_file",
            "it must be a regular file of at most 1 MiB",
        ],
    );
    // The certificate whose thumbprints go in the header must be there, and be one.
    let (env, _) = keyed_env(&server, RSA_A, 0o600, "client_cert_file = \"cert.pem\"\n");
    let cert = env.config.parent().expect("dir").join("cert.pem");
    env.run(&["get", "p"]).fails(
        4,
        &[&format!("cannot read client_cert_file {}", cert.display())],
    );
    std::fs::write(&cert, "not a certificate").expect("write");
    env.run(&["get", "p"]).fails(
        4,
        &[&format!(
            "client_cert_file {} contains no PEM certificates",
            cert.display()
        )],
    );
    assert_eq!(server.count(), 0, "nothing is sent without a usable key");
}

#[test]
fn a_private_key_written_in_the_config_is_refused_unread() {
    let env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/token\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key = \"\"\"\n{RSA_A}\"\"\"\n"
    ));
    let out = env.run(&["get", "p"]);
    out.fails(
        3,
        &[
            "config.toml:6: `private_key` in profile `p`: secrets are never read from the config file",
            "tokfetch secret set p --field private_key",
            "TOKFETCH_P_PRIVATE_KEY",
        ],
    );
}

#[test]
fn an_assertion_the_server_echoes_is_redacted_with_v_too() {
    let server = Server::start(|req: &Request| {
        let a = req.form_value("client_assertion").unwrap_or_default();
        oauth_error(
            400,
            "invalid_client",
            &format!("assertion {a} not accepted"),
        )
    });
    let (env, _) = keyed_env(&server, RSA_A, 0o600, "");
    let out = env.run(&["get", "p"]);
    out.fails(
        5,
        &["invalid_client: assertion [redacted] not accepted (HTTP 400)"],
    );
    out.assert_never_shows(&last_assertion(&server));
    let out = env.run(&["get", "p", "-v"]);
    assert_eq!((out.code, out.stdout.as_str()), (5, ""), "{out}");
    assert!(
        out.stderr
            .contains("invalid_client: assertion [redacted] not accepted (HTTP 400)"),
        "{out}"
    );
    out.assert_never_shows(&last_assertion(&server));
}

#[test]
fn client_secret_jwt_signs_hs256_with_the_client_secret() {
    let server = assertion_server(Verifier::Hs256(CLIENT_SECRET), None);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"client_secret_jwt\"\n",
        server.url("/token")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "at-1\n");
    assert_eq!(env.run(&["get", "p", "--no-cache", "-v"]).ok(), "at-2\n");
    env.set("TOKFETCH_P_CLIENT_SECRET", "cs-wrong-secret-99");
    env.run(&["get", "p"])
        .fails(5, &["invalid_client: signature: bad signature (HTTP 401)"]);
}

#[test]
fn secret_status_and_profiles_show_where_the_key_comes_from() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let (env, path) = keyed_env(&server, RSA_A, 0o600, "");
    let shown = path.display().to_string();
    let out = env.run(&["secret", "status", "p"]);
    assert_eq!(
        out.ok(),
        format!("p (oauth2)\n  private_key:    file {shown}\n")
    );
    let out = env.run(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(out.ok()).expect("json");
    assert_eq!(
        rows[0]["secrets"],
        json!([{"field": "private_key", "source": format!("file:{shown}")}])
    );
    assert!(
        env.run(&["profiles"])
            .ok()
            .contains(&format!("private_key=file:{shown}"))
    );
    set_mode(&path, 0o644);
    let out = env.run(&["secret", "status", "p"]);
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr.contains("readable by others (mode 644)"),
        "{out}"
    );
    // From the secret field: the usual sources.
    let mut env = signed_env(&server, "");
    env.set("TOKFETCH_P_PRIVATE_KEY", RSA_A);
    let out = env.run(&["secret", "status", "p"]);
    assert_eq!(
        out.ok(),
        "p (oauth2)\n  private_key:    env $TOKFETCH_P_PRIVATE_KEY\n"
    );
}

#[test]
fn secret_set_private_key_takes_a_pem_from_stdin_only() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let env = signed_env(&server, "");
    let out = env.run_with_stdin(
        &["secret", "set", "p", "--field", "private_key"],
        Some(b"hunter2-not-a-key"),
    );
    out.fails(
        2,
        &[
            "stdin does not hold a usable PEM private key",
            "nothing was stored",
        ],
    );
    assert!(!out.stderr.contains("hunter2"), "{out}");
    // A profile that does not use one.
    let (env, _) = keyed_env(&server, RSA_A, 0o600, "");
    env.run_with_stdin(
        &["secret", "set", "p", "--field", "private_key"],
        Some(RSA_A.as_bytes()),
    )
    .fails(
        2,
        &["profile `p` does not use a private_key as it is configured"],
    );
    // Another provider.
    let env = Env::new();
    env.write_config("[profiles.o]\nprovider = \"onepassword\"\nclient_id = \"x\"\n");
    env.run_with_stdin(
        &["secret", "set", "o", "--field", "private_key"],
        Some(RSA_A.as_bytes()),
    )
    .fails(
        2,
        &["has no private_key; only oauth2 profiles use a private_key"],
    );
}

#[test]
fn cross_key_mistakes_point_at_their_line() {
    let env = Env::new();
    env.write_config(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/t\"\nclient_id = \"c\"\nauth_method = \"tls_client_auth\"\n",
    );
    env.run(&["get", "p"])
        .fails(3, &["config.toml:5: ", "needs client_cert_file"]);
    env.write_config(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/t\"\nclient_id = \"c\"\nauth_method = \"none\"\n",
    );
    env.run(&["get", "p"])
        .fails(3, &["config.toml:5: ", "set grant = \"token_exchange\""]);
}

/// A token endpoint behind mutual TLS: it issues a token only to the client whose certificate
/// the handshake verified, and refuses a client secret.
fn mtls_token_server(pki: &support::tls::MtlsPki) -> Server {
    let expected = sha256_hex(&pki.client_cert_der);
    mtls_server(pki.config.clone(), move |req: &Request| {
        if req.form_value("client_id").as_deref() != Some(CLIENT_ID)
            || req.header("authorization").is_some()
            || req.form_value("client_secret").is_some()
        {
            return oauth_error(400, "invalid_request", "bad fields");
        }
        match req.header(CLIENT_CERT_HEADER) {
            Some(h) if h == expected => token(1),
            Some(_) => oauth_error(401, "invalid_client", "unknown certificate"),
            None => oauth_error(401, "invalid_client", "no client certificate"),
        }
    })
}

fn mtls_env(server: &Server, pki: &support::tls::MtlsPki, key_pem: &str) -> (Env, PathBuf) {
    let env = Env::new();
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    let cert = env.path().join("client.pem");
    std::fs::write(&cert, &pki.client_cert_pem).expect("cert");
    let key = key_file(&env, "client.key", key_pem, 0o600);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:{}/token\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"tls_client_auth\"\nclient_cert_file = \"{}\"\nprivate_key_file = \"{}\"\nca_file = \"{}\"\n",
        server.port,
        cert.display(),
        key.display(),
        ca.display()
    ));
    (env, cert)
}

#[test]
fn tls_client_auth_presents_the_certificate_in_the_handshake() {
    let pki = mtls_pki(&["127.0.0.1"], CLIENT_ID);
    let server = mtls_token_server(&pki);
    let (env, _) = mtls_env(&server, &pki, EC);
    let out = env.run(&["get", "p", "-v"]);
    assert_eq!(out.ok(), "at-1\n");
    assert!(out.stderr.contains("client certificate from"), "{out}");
    assert_eq!(
        server.last().body_str(),
        format!(
            "grant_type=client_credentials&client_id={}",
            support::form_encode(CLIENT_ID)
        )
    );
    // A key that is not the certificate's: refused before anything is sent.
    let (env, _) = mtls_env(&server, &pki, OTHER_EC.as_str());
    let out = env.run(&["get", "p"]);
    out.fails(4, &["does not match the certificate in client_cert_file"]);
    out.assert_never_shows(OTHER_EC.as_str());
    let (env, cert) = mtls_env(&server, &pki, RSA_A);
    env.run(&["get", "p"])
        .fails(4, &["private_key_file", "does not match the certificate"]);
    std::fs::remove_file(&cert).expect("rm");
    env.run(&["get", "p"])
        .fails(4, &["cannot read client_cert_file", "No such file"]);
    assert_eq!(server.count(), 1);
}

/// A P-256 key other than the client certificate's.
static OTHER_EC: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &ring::rand::SystemRandom::new(),
    )
    .expect("generate");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(doc.as_ref());
    format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----\n")
});

#[test]
fn the_mtls_server_refuses_a_secret_and_plain_http_cannot_carry_a_certificate() {
    let pki = mtls_pki(&["127.0.0.1"], CLIENT_ID);
    let server = mtls_token_server(&pki);
    let mut env = Env::new();
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("ca");
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:{}/token\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"post\"\nca_file = \"{}\"\n",
        server.port,
        ca.display()
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "p"])
        .fails(5, &["invalid_request: bad fields (HTTP 400)"]);
    // tls_client_auth over plain http cannot work.
    let plain = Server::start(|_| token(1));
    let (env, _) = mtls_env(&server, &pki, EC);
    let cfg = std::fs::read_to_string(&env.config).expect("config");
    env.write_config(&cfg.replace(
        &format!("https://127.0.0.1:{}/token", server.port),
        &plain.url("/token"),
    ));
    env.run(&["get", "p"])
        .fails(3, &["tls_client_auth needs https"]);
    assert_eq!(plain.count(), 0);
}

#[test]
fn profile_add_offers_the_new_methods_and_writes_key_paths_absolute() {
    let env = Env::new();
    let key = key_file(&env, "key.pem", RSA_A, 0o600);
    let mut cmd = env.command();
    cmd.current_dir(env.path()).args([
        "profile",
        "add",
        "entra",
        "--provider",
        "oauth2",
        "--client-id",
        CLIENT_ID,
        "--issuer",
        "https://login.example/tenant/v2.0",
        "--auth-method",
        "private_key_jwt",
        "--private-key-file",
        "key.pem",
        "--key-id",
        "k1",
    ]);
    let out = support::Out::new(&["profile", "add"], cmd.output().expect("run"));
    out.ok();
    let text = std::fs::read_to_string(&env.config).expect("config");
    assert!(
        text.contains(&format!("private_key_file = \"{}\"", key.display())),
        "{text}"
    );
    assert!(text.contains("auth_method = \"private_key_jwt\""), "{text}");
    // The key comes from the file: no secret to store, nothing to prompt for.
    assert!(!out.stderr.contains("secret set"), "{out}");
    // Without the file, the next step is to pipe the PEM in.
    let out = env.run(&[
        "profile",
        "add",
        "ci",
        "--provider",
        "oauth2",
        "--client-id",
        CLIENT_ID,
        "--token-url",
        "https://idp.example/token",
        "--auth-method",
        "private_key_jwt",
    ]);
    out.ok();
    assert!(
        out.stderr
            .contains("tokfetch secret set ci --field private_key < key.pem"),
        "{out}"
    );
    // A cross-key rule refuses what could not work, before anything is written.
    let before = std::fs::read_to_string(&env.config).expect("config");
    env.run(&[
        "profile",
        "add",
        "bad",
        "--provider",
        "oauth2",
        "--client-id",
        CLIENT_ID,
        "--token-url",
        "https://idp.example/token",
        "--auth-method",
        "federated",
    ])
    .fails(3, &["cannot add profile `bad`", "needs assertion_source"]);
    assert_eq!(
        std::fs::read_to_string(&env.config).expect("config"),
        before
    );
}

#[test]
fn doctor_and_inspect_show_the_key_file_and_what_is_wrong_with_it() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let (env, path) = keyed_env(&server, RSA_A, 0o600, "");
    let shown = path.display().to_string();
    let out = env.run(&["doctor", "p", "--offline"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains(&format!("ok    secret      private_key: file {shown}")),
        "{out}"
    );
    let out = env.run(&["inspect", "p"]);
    assert!(
        out.ok()
            .contains(&format!("private_key: present, from file {shown}")),
        "{out}"
    );
    set_mode(&path, 0o604);
    let out = env.run(&["doctor", "p", "--offline"]);
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stdout.contains(&format!(
            "FAIL  secret      private_key: file {shown}: readable by others (mode 604)"
        )),
        "{out}"
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn a_private_key_comes_from_a_command_and_a_hit_runs_nothing() {
    let server = assertion_server(Verifier::Key(RSA_A), None);
    let env = signed_env(&server, "");
    let key = key_file(&env, "held-elsewhere.pem", RSA_A, 0o600);
    let runs = env.path().join("runs");
    let script = env.path().join("key.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\ncat '{}'\n",
            runs.display(),
            key.display()
        ),
    )
    .expect("write script");
    set_mode(&script, 0o700);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"private_key_jwt\"\nprivate_key_command = [\"{}\"]\n",
        server.url("/token"),
        script.display()
    ));
    assert_eq!(env.run(&["get", "p"]).ok(), "at-1\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-1\n");
    assert_eq!(
        std::fs::read_to_string(&runs).expect("ran").lines().count(),
        1,
        "a cache hit runs nothing"
    );
    let status = env.run(&["secret", "status", "p"]);
    assert!(
        status
            .ok()
            .contains(&format!("private_key:    command {}", script.display())),
        "{status}"
    );
}

#[test]
fn a_retry_after_a_server_error_carries_a_new_assertion() {
    // The server records the first assertion's jti, then fails with 503: a retry that sent the
    // same assertion again is refused as a replay (RFC 7523 §3), as a real server would.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen_in = seen.clone();
    let server = Server::start(move |req: &Request| {
        let assertion = req.form_value("client_assertion").unwrap_or_default();
        let (_, c) = jwt::decode(&assertion);
        let jti = c["jti"].as_str().unwrap_or("").to_string();
        let mut seen = seen_in.lock().expect("lock");
        let replay = seen.contains(&jti);
        seen.push(jti);
        if replay {
            return oauth_error(401, "invalid_client", "jti reused");
        }
        if seen.len() == 1 {
            return Action::Respond(Response::json(
                503,
                json!({"error": "temporarily_unavailable"}),
            ));
        }
        token(seen.len())
    });
    let (env, _) = keyed_env(&server, RSA_A, 0o600, "");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-2\n");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|j| j.len() == 22), "{seen:?}");
    assert_ne!(seen[0], seen[1], "the retry sent the same assertion");
}
