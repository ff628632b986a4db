//! `issuer` instead of `token_url` (README "Discovery"): the OpenID Connect document first, the
//! RFC 8414 one when that is 404/410, the exact issuer check, the supported-method check, the
//! mTLS alias, and the 24-hour document cache beside the tokens — against a loopback
//! authorization server that counts every request.

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::server::{Action, Request, Response, Server};
use support::tls::{CLIENT_CERT_HEADER, mtls_pki, mtls_server};
use support::{CLIENT_ID, CLIENT_SECRET, Env};

/// What the server's discovery URLs answer, by path; `/token` issues tokens.
type Routes = Arc<Mutex<Vec<(String, Action)>>>;

struct Idp {
    server: Server,
    routes: Routes,
}

impl Idp {
    fn start() -> Idp {
        let routes: Routes = Arc::new(Mutex::new(Vec::new()));
        let r = routes.clone();
        let issued = Arc::new(Mutex::new(0));
        let server = Server::start(move |req: &Request| {
            if req.method == "POST" && req.path.ends_with("/token") {
                let mut n = issued.lock().expect("lock");
                *n += 1;
                return Action::Respond(Response::json(
                    200,
                    json!({"access_token": format!("at-{n}"), "token_type": "Bearer", "expires_in": 600}),
                ));
            }
            let routes = r.lock().expect("lock");
            match routes.iter().find(|(p, _)| *p == req.path) {
                Some((_, action)) if req.method == "GET" => action.clone(),
                _ => Action::Respond(Response::new(404, "text/plain", "not found")),
            }
        });
        Idp { server, routes }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    fn route(&self, path: &str, action: Action) {
        self.routes
            .lock()
            .expect("lock")
            .push((path.to_string(), action));
    }

    /// Serve a document for `issuer` at `path`, its token endpoint on this server.
    fn document(&self, path: &str, issuer: &str, extra: Value) {
        let mut doc = json!({
            "issuer": issuer,
            "token_endpoint": format!("{}/token", self.base()),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        });
        if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                d.insert(k.clone(), v.clone());
            }
        }
        self.route(path, Action::Respond(Response::json(200, doc)));
    }

    /// (method, path) of every request so far.
    fn log(&self) -> Vec<(String, String)> {
        self.server
            .requests()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    }
}

fn env_for(issuer: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"{issuer}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

const OIDC: &str = "/.well-known/openid-configuration";

fn get(path: &str) -> (String, String) {
    ("GET".to_string(), path.to_string())
}

fn post(path: &str) -> (String, String) {
    ("POST".to_string(), path.to_string())
}

fn discovery_files(env: &Env) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(&env.cache_dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".discovery.json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_issuer_names_the_token_endpoint_and_its_document_is_kept_a_day() {
    let idp = Idp::start();
    let issuer = idp.base();
    idp.document(OIDC, &issuer, json!({}));
    let env = env_for(&issuer, "");
    let out = env.run(&["get", "p", "-v"]);
    assert_eq!(out.ok(), "at-1\n");
    assert!(
        out.stderr
            .contains(&format!("discovery: token endpoint {issuer}/token")),
        "{out}"
    );
    assert_eq!(idp.log(), [get(OIDC), post("/token")]);
    // A token cache hit asks nothing; --no-cache concerns tokens only: the document is
    // reused without a request. --refresh fetches the document again too (README
    // "Discovery"), so a document the server has fixed is picked up.
    assert_eq!(env.run(&["get", "p"]).ok(), "at-1\n");
    assert_eq!(env.run(&["get", "p", "--no-cache"]).ok(), "at-2\n");
    assert_eq!(env.run(&["get", "p", "--refresh"]).ok(), "at-3\n");
    assert_eq!(
        idp.log(),
        [
            get(OIDC),
            post("/token"),
            post("/token"),
            get(OIDC),
            post("/token")
        ]
    );
    // Kept privately beside the tokens.
    let files = discovery_files(&env);
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&files[0])
            .expect("stat")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode, 0o600);
    // After 24 hours it is fetched again.
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("read")).expect("json");
    doc["fetched_at"] = json!(doc["fetched_at"].as_u64().expect("time") - 24 * 3600);
    std::fs::write(&files[0], doc.to_string()).expect("write");
    env.run(&["get", "p", "--no-cache"]).ok();
    assert_eq!(idp.log().iter().filter(|r| **r == get(OIDC)).count(), 3);
    // `cache clear` removes documents too; `cache clear p` the profile's.
    let out = env.run(&["cache", "clear"]);
    assert!(
        out.stderr
            .contains("forgot 1 cached token and 1 discovery document"),
        "{out}"
    );
    assert!(discovery_files(&env).is_empty());
    env.run(&["get", "p"]).ok();
    let out = env.run(&["cache", "clear", "p"]);
    assert!(
        out.stderr
            .contains(&format!("forgot the discovery document of {issuer}")),
        "{out}"
    );
    assert!(discovery_files(&env).is_empty());
    // `profiles` shows the issuer.
    assert!(env.run(&["profiles"]).ok().contains(&issuer));
}

#[test]
fn rfc_8414_is_the_fallback_when_openid_configuration_is_not_found() {
    let idp = Idp::start();
    let issuer = format!("{}/tenant-a", idp.base());
    idp.route(
        "/tenant-a/.well-known/openid-configuration",
        Action::Respond(Response::new(410, "text/plain", "gone")),
    );
    idp.document(
        "/.well-known/oauth-authorization-server/tenant-a",
        &issuer,
        json!({}),
    );
    let env = env_for(&issuer, "");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-1\n");
    assert_eq!(
        idp.log(),
        [
            get("/tenant-a/.well-known/openid-configuration"),
            get("/.well-known/oauth-authorization-server/tenant-a"),
            post("/token")
        ]
    );
}

#[test]
fn no_document_at_either_url_is_exit_3_naming_both() {
    let idp = Idp::start();
    let issuer = format!("{}/t", idp.base());
    let env = env_for(&issuer, "");
    env.run(&["get", "p"]).fails(
        3,
        &[
            &format!("no discovery document for issuer {issuer}"),
            &format!("{issuer}/.well-known/openid-configuration"),
            &format!("{}/.well-known/oauth-authorization-server/t", idp.base()),
        ],
    );
}

#[test]
fn a_document_for_another_issuer_is_exit_7_and_not_kept() {
    let idp = Idp::start();
    let issuer = idp.base();
    idp.document(OIDC, "https://attacker.example", json!({}));
    let env = env_for(&issuer, "");
    env.run(&["get", "p"]).fails(
        7,
        &[
            "is for issuer \"https://attacker.example\"",
            &format!("not the configured \"{issuer}\""),
        ],
    );
    // A trailing slash is another issuer too.
    idp.routes.lock().expect("lock").clear();
    idp.document(OIDC, &issuer, json!({}));
    let env = env_for(&format!("{issuer}/"), "");
    env.run(&["get", "p"]).fails(
        7,
        &[&format!(
            "is for issuer \"{issuer}\", not the configured \"{issuer}/\""
        )],
    );
    assert!(discovery_files(&env).is_empty());
    assert_eq!(idp.log().iter().filter(|r| r.0 == "POST").count(), 0);
}

#[test]
fn a_method_the_server_does_not_list_is_exit_3_with_the_ones_it_does() {
    let idp = Idp::start();
    let issuer = idp.base();
    idp.document(
        OIDC,
        &issuer,
        json!({"token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]}),
    );
    let env = env_for(&issuer, "");
    env.run(&["get", "p"]).fails(
        3,
        &[
            "does not support the client authentication tokfetch would use (client_secret_basic)",
            "it supports: client_secret_post, private_key_jwt",
            "set auth_method",
        ],
    );
    let env = env_for(&issuer, "auth_method = \"post\"\n");
    assert_eq!(env.run(&["get", "p"]).ok(), "at-1\n");
}

#[test]
fn other_discovery_failures_keep_their_exit_codes() {
    let idp = Idp::start();
    let issuer = idp.base();
    let env = env_for(&issuer, "");
    let cases: [(Action, i32, &[&str]); 6] = [
        (
            Action::Respond(Response::new(200, "application/json", vec![b' '; 2 << 20])),
            7,
            // Named as what it is (README "Discovery"), not as a token response.
            &["the discovery document is larger than 1024 KiB"],
        ),
        (
            Action::Respond(Response::new(503, "text/html", "<h1>down</h1>")),
            6,
            &["discovery request to 127.0.0.1 failed after 3 attempts"],
        ),
        (
            Action::Respond(Response::json(
                401,
                json!({"error": "unauthorized", "error_description": "no"}),
            )),
            5,
            &["discovery request to 127.0.0.1 answered unauthorized: no (HTTP 401)"],
        ),
        (
            Action::Respond(
                Response::new(302, "text/plain", "").with_header("Location", "https://x.example/"),
            ),
            7,
            &["redirects are never followed"],
        ),
        (
            Action::Respond(Response::new(200, "text/html", "<html>")),
            7,
            &["discovery document at", "is not JSON"],
        ),
        (
            Action::Respond(Response::json(200, json!({"issuer": issuer}))),
            7,
            &["has no token_endpoint"],
        ),
    ];
    for (action, code, needles) in cases {
        idp.routes.lock().expect("lock").clear();
        idp.route(OIDC, action);
        env.run(&["get", "p", "--timeout", "10"])
            .fails(code, needles);
    }
    // A token endpoint the profile could not send a secret to: an unusable document (README
    // "Discovery": exit 7), with the way out when the server fixes it.
    idp.routes.lock().expect("lock").clear();
    idp.document(
        OIDC,
        &issuer,
        json!({"token_endpoint": "http://idp.example/token"}),
    );
    env.run(&["get", "p"]).fails(
        7,
        &[
            "names the token endpoint `http://idp.example/token`",
            "plain http",
            "no credential is sent there",
            "hint: ",
            "tokfetch cache clear p",
        ],
    );
}

#[test]
fn tls_client_auth_uses_the_mtls_alias_and_discovery_goes_over_https() {
    let pki = mtls_pki(&["127.0.0.1"], CLIENT_ID);
    let port = Arc::new(Mutex::new(0u16));
    let p = port.clone();
    let server = mtls_server(pki.config.clone(), move |req: &Request| {
        let base = format!("https://127.0.0.1:{}", p.lock().map(|p| *p).unwrap_or(0));
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", OIDC) => Action::Respond(Response::json(
                200,
                json!({"issuer": base, "token_endpoint": format!("{base}/token"),
                       "mtls_endpoint_aliases": {"token_endpoint": format!("{base}/mtls/token")},
                       "token_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"]}),
            )),
            ("POST", "/mtls/token") if req.header(CLIENT_CERT_HEADER).is_some() => {
                Action::Respond(Response::json(
                    200,
                    json!({"access_token": "mtls-token", "token_type": "Bearer", "expires_in": 600}),
                ))
            }
            _ => Action::Respond(Response::json(
                401,
                json!({"error": "invalid_client", "error_description": "no certificate"}),
            )),
        }
    });
    *port.lock().expect("lock") = server.port;
    let env = Env::new();
    let write = |name: &str, text: &str, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        let path = env.path().join(name);
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    };
    let ca = write("ca.pem", &pki.ca_pem, 0o644);
    let cert = write("client.pem", &pki.client_cert_pem, 0o644);
    let key = write("client.key", support::jwt::EC, 0o600);
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nissuer = \"https://127.0.0.1:{}\"\nclient_id = \"{CLIENT_ID}\"\nauth_method = \"tls_client_auth\"\nclient_cert_file = \"{}\"\nprivate_key_file = \"{}\"\nca_file = \"{}\"\n",
        server.port,
        cert.display(),
        key.display(),
        ca.display()
    ));
    assert_eq!(env.run(&["get", "p"]).ok(), "mtls-token\n");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [OIDC, "/mtls/token"]);
}

#[test]
fn doctor_checks_the_discovery_document_as_a_fetch_would() {
    let idp = Idp::start();
    let issuer = idp.base();
    idp.document(OIDC, &issuer, json!({}));
    let env = env_for(&issuer, "");
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains(&format!(
            "ok    discovery   {issuer} names the token endpoint {issuer}/token"
        )),
        "{out}"
    );
    // Offline, nothing is asked.
    let before = idp.log().len();
    env.run(&["cache", "clear"]).ok();
    let out = env.run(&["doctor", "p", "--offline"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stdout.contains("discovery"), "{out}");
    assert_eq!(idp.log().len(), before);
    // A document for another issuer fails the check with exit 7.
    idp.routes.lock().expect("lock").clear();
    idp.document(OIDC, "https://elsewhere.example", json!({}));
    let out = env.run(&["doctor", "p"]);
    assert_eq!(out.code, 7, "{out}");
    assert!(
        out.stdout.contains("FAIL  discovery")
            && out
                .stdout
                .contains("is for issuer \"https://elsewhere.example\""),
        "{out}"
    );
    assert!(
        idp.log().iter().all(|r| r.0 != "POST"),
        "doctor sends no credential"
    );
}
