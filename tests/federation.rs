//! Secretless CI (README "Secretless CI"): `auth_method = "federated"` and `grant =
//! "token_exchange"` with identity tokens from GitHub Actions' ID-token service, a variable
//! (GitLab CI `id_tokens`) or a file read on every fetch (Kubernetes projected service-account
//! tokens), against a loopback CI issuer and a token endpoint that verifies each token against
//! the issuer's JWKS. Every failure path, and no identity token or request token in any output.

mod support;

use serde_json::Value;
use support::federation::{self, SUBJECT, Trust, ci_issuer, mint, relying_party};
use support::server::{Action, Request, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Env, GH_REQUEST_TOKEN, SUBJECT_TOKEN};

const AUDIENCE: &str = "api://AzureADTokenExchange";

struct Setup {
    ci: Server,
    rp: Server,
    env: Env,
}

/// A profile `p` for the relying party, with `extra` config lines, and the GitHub Actions
/// variables of a job with `permissions: id-token: write`.
fn setup(extra: &str) -> Setup {
    let ci = ci_issuer();
    let rp = relying_party(Trust {
        issuer: ci.url(""),
        audience: AUDIENCE.to_string(),
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        rp.url("/token")
    ));
    env.set(
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        &ci.url("/idtoken?api-version=2.0"),
    );
    env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    Setup { ci, rp, env }
}

const GITHUB: &str = "auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://AzureADTokenExchange\"\n";

/// The requests the CI issuer got for ID tokens (the others are the relying party's JWKS look-ups).
fn id_token_requests(ci: &Server) -> Vec<Request> {
    ci.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/idtoken"))
        .collect()
}

fn form(req: &Request) -> Value {
    serde_json::to_value(
        req.form()
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .expect("json")
}

#[test]
fn github_actions_id_token_is_the_client_assertion() {
    let s = setup(&format!(
        "{GITHUB}scope = \"https://graph.example/.default\"\n"
    ));
    let out = s.env.run(&["get", "p", "-v"]);
    assert_eq!(out.ok(), "fed-1\n");
    // GitHub was asked for the audience, with the job's bearer token.
    let asks = id_token_requests(&s.ci);
    assert_eq!(asks.len(), 1);
    let ask = &asks[0];
    assert_eq!(ask.method, "GET");
    assert!(
        ask.path
            .ends_with("api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"),
        "{}",
        ask.path
    );
    let sent = s.rp.last();
    let assertion = sent.form_value("client_assertion").expect("assertion");
    assert_eq!(
        sent.form_value("scope").as_deref(),
        Some("https://graph.example/.default")
    );
    assert_eq!(sent.form_value("client_secret"), None);
    out.assert_never_shows(&assertion);
    assert!(
        out.stderr
            .contains(&format!("identity token from GitHub Actions ID token (audience {AUDIENCE}): iss \"{}\", sub \"{SUBJECT}\"", s.ci.url(""))),
        "{out}"
    );
    // Each fetch asks GitHub again (its tokens are short-lived); a cache hit does not.
    assert_eq!(s.env.run(&["get", "p"]).ok(), "fed-1\n");
    assert_eq!(s.env.run(&["get", "p", "--no-cache"]).ok(), "fed-2\n");
    assert_eq!(id_token_requests(&s.ci).len(), 2);
    assert_eq!(s.rp.count(), 2);
}

#[test]
fn missing_github_variables_are_exit_4_with_the_permissions_hint() {
    let mut s = setup(GITHUB);
    s.env.unset("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    s.env.run(&["get", "p"]).fails(
        4,
        &[
            "no GitHub Actions ID token: $ACTIONS_ID_TOKEN_REQUEST_TOKEN not set",
            "hint: the workflow (or job) needs `permissions: id-token: write`",
        ],
    );
    s.env.unset("ACTIONS_ID_TOKEN_REQUEST_URL");
    s.env.run(&["get", "p"]).fails(
        4,
        &["$ACTIONS_ID_TOKEN_REQUEST_URL and $ACTIONS_ID_TOKEN_REQUEST_TOKEN not set"],
    );
    s.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "");
    s.env
        .set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
    s.env
        .run(&["get", "p"])
        .fails(4, &["$ACTIONS_ID_TOKEN_REQUEST_URL not set"]);
    let out = s.env.run(&["secret", "status", "p"]);
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr.contains(
            "assertion:      GitHub Actions ID token (audience api://AzureADTokenExchange): not inside a GitHub Actions job"
        ),
        "{out}"
    );
    assert_eq!(s.ci.count() + s.rp.count(), 0);
}

#[test]
fn a_refused_id_token_request_is_exit_5_and_the_request_token_never_shows() {
    let mut s = setup(GITHUB);
    s.env.set(
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ghs-expired-request-token",
    );
    for args in [&["get", "p"][..], &["get", "p", "-v"]] {
        let out = s.env.run(args);
        assert_eq!((out.code, out.stdout.as_str()), (5, ""), "{out}");
        assert!(
            out.stderr.contains(
                "GitHub Actions ID-token request to 127.0.0.1 answered HTTP 401 (application/json): {\"message\":\"Bad credentials\"}"
            ),
            "{out}"
        );
        assert!(out.stderr.contains("permissions: id-token: write"), "{out}");
        out.assert_never_shows("ghs-expired-request-token");
    }
    // Plain http off loopback would carry the request token in clear: refused.
    s.env.set(
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "http://actions.example/idtoken",
    );
    s.env.run(&["get", "p"]).fails(
        4,
        &[
            "$ACTIONS_ID_TOKEN_REQUEST_URL cannot be used",
            "refusing plain http",
        ],
    );
    assert_eq!(s.rp.count(), 0);
}

#[test]
fn an_id_token_service_that_answers_without_a_token_keeps_its_exit_code() {
    let huge = format!("{{\"value\":\"{}\"}}", "a".repeat(2 << 20));
    for (status, body, code, needle) in [
        (
            200,
            "{\"count\":0}".to_string(),
            7,
            "answered 200 without a token",
        ),
        // Named as what it is, not as a token response.
        (
            200,
            huge,
            7,
            "the GitHub Actions ID-token reply is larger than 1024 KiB",
        ),
        (
            503,
            "busy".to_string(),
            6,
            "GitHub Actions ID-token request to 127.0.0.1 failed after 3 attempts",
        ),
        (302, String::new(), 7, "redirects are never followed"),
    ] {
        let ci = Server::start(move |_| {
            Action::Respond(Response::new(status, "application/json", body.clone()))
        });
        let mut env = Env::new();
        env.write_config(&format!(
            "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/token\"\nclient_id = \"{CLIENT_ID}\"\n{GITHUB}"
        ));
        env.set("ACTIONS_ID_TOKEN_REQUEST_URL", &ci.url("/idtoken"));
        env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", GH_REQUEST_TOKEN);
        env.run(&["get", "p", "--timeout", "10"])
            .fails(code, &[needle]);
    }
}

#[test]
fn a_token_for_the_wrong_audience_is_refused_by_the_server() {
    let s = setup(
        "auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://other\"\n",
    );
    s.env.run(&["get", "p"]).fails(
        5,
        &["invalid_client: assertion: aud \"api://other\" (HTTP 401)"],
    );
}

#[test]
fn gitlab_id_tokens_come_from_a_variable() {
    let mut s =
        setup("auth_method = \"federated\"\nassertion_source = \"env:GITLAB_OIDC_TOKEN\"\n");
    s.env.run(&["get", "p"]).fails(
        4,
        &[
            "no identity token: $GITLAB_OIDC_TOKEN is not set (assertion_source = \"env:GITLAB_OIDC_TOKEN\")",
            "id_tokens: { GITLAB_OIDC_TOKEN: { aud:",
        ],
    );
    s.env.set("GITLAB_OIDC_TOKEN", "  ");
    s.env
        .run(&["get", "p"])
        .fails(4, &["no identity token: env $GITLAB_OIDC_TOKEN is empty"]);
    let token = mint(&s.ci.url(""), AUDIENCE, SUBJECT);
    s.env.set("GITLAB_OIDC_TOKEN", &format!("{token}\n"));
    let out = s.env.run(&["get", "p", "-v"]);
    assert_eq!(out.ok(), "fed-1\n");
    out.assert_never_shows(&token);
    assert_eq!(
        s.rp.last().form_value("client_assertion").as_deref(),
        Some(token.as_str())
    );
    assert!(id_token_requests(&s.ci).is_empty());
}

#[test]
fn kubernetes_tokens_are_read_from_the_file_on_every_fetch() {
    let s = setup("");
    let file = s.env.path().join("token");
    s.env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"file:{}\"\naudience = \"api\"\nresource = \"https://api.example\"\nrequested_token_type = \"urn:ietf:params:oauth:token-type:access_token\"\n",
        s.rp.url("/token"),
        file.display()
    ));
    s.env.run(&["get", "p"]).fails(
        4,
        &[
            &format!("cannot read the identity token file {}", file.display()),
            "projected service-account token volume",
        ],
    );
    let first = mint(&s.ci.url(""), AUDIENCE, SUBJECT);
    std::fs::write(&file, format!("{first}\n")).expect("write");
    assert_eq!(s.env.run(&["get", "p", "--no-cache"]).ok(), "exchanged-1\n");
    let sent = form(&s.rp.last());
    assert_eq!(
        sent,
        serde_json::json!({
            "grant_type": federation::TOKEN_EXCHANGE,
            "subject_token": first,
            "subject_token_type": federation::JWT_TYPE,
            "client_id": CLIENT_ID,
            "audience": "api",
            "resource": "https://api.example",
            "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
        })
    );
    // The kubelet rotates the token: the next fetch reads the new one.
    let second = mint(&s.ci.url(""), AUDIENCE, SUBJECT);
    std::fs::write(&file, &second).expect("write");
    let out = s.env.run(&["get", "p", "--no-cache", "-v"]);
    assert_eq!(out.ok(), "exchanged-2\n");
    assert_eq!(
        s.rp.last().form_value("subject_token").as_deref(),
        Some(second.as_str())
    );
    out.assert_never_shows(&first);
    out.assert_never_shows(&second);
    std::fs::write(&file, "\n").expect("write");
    s.env.run(&["get", "p", "--no-cache"]).fails(
        4,
        &[&format!(
            "no identity token: file {} is empty",
            file.display()
        )],
    );
}

#[test]
fn token_exchange_authenticates_the_client_when_the_profile_says_so() {
    let mut s = setup(
        "grant = \"token_exchange\"\nassertion_source = \"env:SUBJECT\"\nauth_method = \"post\"\n",
    );
    let token = mint(&s.ci.url(""), AUDIENCE, SUBJECT);
    s.env.set("SUBJECT", &token);
    s.env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    assert_eq!(s.env.run(&["get", "p"]).ok(), "exchanged-1\n");
    let sent = s.rp.last();
    assert_eq!(
        sent.form_value("client_secret").as_deref(),
        Some(CLIENT_SECRET)
    );
    assert_eq!(
        sent.form_value("subject_token").as_deref(),
        Some(token.as_str())
    );
    // A subject token the server does not trust.
    s.env.set("SUBJECT", SUBJECT_TOKEN);
    s.env
        .run(&["get", "p", "--no-cache"])
        .fails(5, &["invalid_grant: subject token:", "(HTTP 400)"]);
}

#[test]
fn a_subject_token_the_server_echoes_is_redacted() {
    let server = Server::start(|req: &Request| {
        let t = req.form_value("subject_token").unwrap_or_default();
        Action::Respond(Response::new(
            400,
            "text/plain",
            format!("cannot exchange {t} here"),
        ))
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"env:SUBJECT\"\n",
        server.url("/token")
    ));
    env.set("SUBJECT", SUBJECT_TOKEN);
    env.run(&["get", "p"])
        .fails(5, &["cannot exchange [redacted] here"]);
}

#[test]
fn exec_withholds_identity_token_and_private_key_variables() {
    let server = Server::start(|_| {
        Action::Respond(Response::json(
            200,
            serde_json::json!({"access_token": "tok-1", "expires_in": 600}),
        ))
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\ngrant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"env:CI_ID_TOKEN\"\n",
        server.url("/token")
    ));
    env.set("CI_ID_TOKEN", SUBJECT_TOKEN);
    env.set("TOKFETCH_OTHER_PRIVATE_KEY", support::jwt::RSA_B);
    env.set("KEEP_ME", "visible");
    let out = env.run(&["exec", "p", "--", "sh", "-c", "env"]);
    let seen = out.ok();
    assert!(seen.contains("TOKFETCH_TOKEN=tok-1"), "{out}");
    assert!(seen.contains("KEEP_ME=visible"), "{out}");
    assert!(!seen.contains("CI_ID_TOKEN"), "{out}");
    assert!(!seen.contains("TOKFETCH_OTHER_PRIVATE_KEY"), "{out}");
}
