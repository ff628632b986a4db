//! Which trusted roots a TLS fetch reads (README "Network behaviour"): the system bundle file
//! alone, not the hashed directory beside it with the same roots again; `SSL_CERT_FILE` instead
//! of the bundle, `SSL_CERT_DIR` in addition to it; and `ca_file` on top of all that. The file
//! checks watch the real binary with strace.

mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
use support::server::{Action, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Env, tls};

fn token(name: &str) -> Action {
    Action::Respond(Response::json(
        200,
        json!({"access_token": name, "token_type": "Bearer", "expires_in": 600}),
    ))
}

/// An HTTPS token server whose certificate a fresh CA signed; the CA's PEM is written to `ca`.
fn https(name: &'static str, ca: &Path) -> Server {
    let pki = tls::pki(&["127.0.0.1"]);
    std::fs::write(ca, &pki.ca_pem).expect("write CA");
    tls::https_server(pki.config, move |_| token(name))
}

fn env_for(server: &Server, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:{}/t\"\nclient_id = \"{CLIENT_ID}\"\ncache = false\n{extra}",
        server.port
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

/// Run `tokfetch get p` under strace; returns stdout and every path the run opened.
fn traced_get(env: &Env) -> (String, Vec<PathBuf>) {
    let (stdout, calls) = env.strace("open,openat,openat2", &["get", "p"]);
    let opened = calls
        .iter()
        .filter(|l| !l.contains("= -1"))
        .filter_map(|l| {
            let start = l.find('"')? + 1;
            let end = start + l[start..].find('"')?;
            Some(PathBuf::from(&l[start..end]))
        })
        .collect();
    (stdout, opened)
}

/// Paths under the usual system certificate locations.
fn system_cert_files(opened: &[PathBuf]) -> Vec<&PathBuf> {
    opened
        .iter()
        .filter(|p| p.starts_with("/etc/ssl") || p.starts_with("/etc/pki"))
        .collect()
}

/// The distro's CA bundle file; these tests are about not reading more than it.
fn system_bundle() -> PathBuf {
    let system = tokfetch::testing::Locations::find(|_| None, Path::is_file, Path::is_dir);
    match system.file {
        Some(bundle) => bundle,
        None => panic!(
            "this test needs a system CA bundle such as /etc/ssl/certs/ca-certificates.crt \
             (apt-get install ca-certificates); found only {}",
            system.describe()
        ),
    }
}

#[test]
fn a_cold_tls_fetch_reads_the_system_bundle_alone() {
    let bundle = system_bundle();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = tmp.path().join("ca.pem");
    let server = https("bundle-only", &ca);
    let env = env_for(&server, &format!("ca_file = \"{}\"\n", ca.display()));
    let (stdout, opened) = traced_get(&env);
    assert_eq!(stdout, "bundle-only\n");
    assert_eq!(
        system_cert_files(&opened),
        vec![&bundle],
        "a cold TLS fetch should open the bundle and nothing else of the system's roots"
    );
    assert!(opened.contains(&ca), "ca_file was not read: {opened:?}");
}

#[test]
fn ssl_cert_file_names_the_only_system_roots_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = tmp.path().join("corp-roots.pem");
    let server = https("from-ssl-cert-file", &ca);
    let mut env = env_for(&server, "");
    env.set("SSL_CERT_FILE", &ca.display().to_string());
    let (stdout, opened) = traced_get(&env);
    assert_eq!(stdout, "from-ssl-cert-file\n");
    assert!(
        system_cert_files(&opened).is_empty(),
        "SSL_CERT_FILE is set, yet the system's roots were read: {opened:?}"
    );
}

#[test]
fn variables_naming_the_system_store_still_read_one_bundle() {
    // Some images export both variables at the distro's own locations.
    let bundle = system_bundle();
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = tmp.path().join("ca.pem");
    let server = https("one-bundle", &ca);
    let mut env = env_for(&server, &format!("ca_file = \"{}\"\n", ca.display()));
    env.set("SSL_CERT_FILE", &bundle.display().to_string());
    if let Some(dir) = bundle.parent() {
        env.set("SSL_CERT_DIR", &dir.display().to_string());
    }
    let (stdout, opened) = traced_get(&env);
    assert_eq!(stdout, "one-bundle\n");
    assert_eq!(system_cert_files(&opened), vec![&bundle]);
}

#[test]
fn ssl_cert_dir_adds_directories_to_the_bundle() {
    let bundle = system_bundle();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("certs");
    std::fs::create_dir(&dir).expect("mkdir");
    let server = https("from-ssl-cert-dir", &dir.join("corp.pem"));
    let mut env = env_for(&server, "");
    // Two directories, as OpenSSL allows: one empty, one with the CA.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    env.set(
        "SSL_CERT_DIR",
        &format!("{}:{}", empty.display(), dir.display()),
    );
    let (stdout, opened) = traced_get(&env);
    assert_eq!(stdout, "from-ssl-cert-dir\n");
    assert_eq!(system_cert_files(&opened), vec![&bundle]);
    assert!(opened.contains(&dir.join("corp.pem")), "{opened:?}");
}

#[test]
fn ca_file_adds_to_the_system_roots_rather_than_replacing_them() {
    // The "system" roots are CA 1 (through SSL_CERT_FILE), ca_file holds CA 2: servers signed
    // by either are trusted, a server signed by a third CA is not.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ca1, ca2, ca3) = (
        tmp.path().join("1.pem"),
        tmp.path().join("2.pem"),
        tmp.path().join("3.pem"),
    );
    let one = https("signed-by-system-root", &ca1);
    let two = https("signed-by-ca-file", &ca2);
    let three = https("signed-by-nobody-we-trust", &ca3);
    for (server, want) in [
        (&one, Some("signed-by-system-root\n")),
        (&two, Some("signed-by-ca-file\n")),
        (&three, None),
    ] {
        let mut env = env_for(server, &format!("ca_file = \"{}\"\n", ca2.display()));
        env.set("SSL_CERT_FILE", &ca1.display().to_string());
        let out = env.run(&["get", "p"]);
        match want {
            Some(token) => assert_eq!(out.ok(), token),
            // The test CAs share one name, so rustls reports a bad signature (a CA of that name
            // is trusted, just not this one) rather than an unknown issuer.
            None => {
                out.fails(6, &["TLS"]);
            }
        }
    }
    assert_eq!((one.count(), two.count(), three.count()), (1, 1, 0));
}

#[test]
fn a_server_that_speaks_only_tls_1_2_is_reached() {
    // nginx 1.22 (Debian 12's) offers TLS 1.2 alone unless told otherwise; curl reaches it, so
    // must tokfetch.
    let tmp = tempfile::tempdir().expect("tempdir");
    let ca = tmp.path().join("ca.pem");
    let pki = tls::pki_tls12(&["127.0.0.1"]);
    std::fs::write(&ca, &pki.ca_pem).expect("write CA");
    let server = tls::https_server(pki.config, move |_| token("over-tls-1.2"));
    let env = env_for(&server, &format!("ca_file = \"{}\"\n", ca.display()));
    assert_eq!(env.run(&["get", "p"]).ok(), "over-tls-1.2\n");
    assert_eq!(server.count(), 1);
}
