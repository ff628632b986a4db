//! Every failure path of README "Exit codes" that does not need a misbehaving network: the exit code, an
//! empty stdout, and a stderr that names the cause.

mod support;

use serde_json::json;
use support::server::{Action, Response, Server};
use support::{CLIENT_ID, CLIENT_SECRET, Env};

/// An env with one oauth2 profile `p` pointing at `url`, its secret in the environment.
fn env_for(url: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"{url}\"\nclient_id = \"{CLIENT_ID}\"\n"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env
}

fn answering(action: Action) -> Server {
    Server::start(move |_| action.clone())
}

// ---- exit 2: usage -------------------------------------------------------------------------

#[test]
fn unknown_flags_and_values_are_usage_errors() {
    let env = env_for("http://127.0.0.1:9/t");
    env.run(&["get", "p", "--bogus"]).fails(2, &["--bogus"]);
    env.run(&["get", "p", "-o", "yaml"])
        .fails(2, &["yaml", "raw"]);
    env.run(&["get", "p", "--timeout", "0"])
        .fails(2, &["--timeout"]);
    env.run(&["frobnicate"]).fails(2, &["frobnicate"]);
}

#[test]
fn no_profile_and_no_default_is_a_usage_error_listing_profiles() {
    let env = env_for("http://127.0.0.1:9/t");
    env.run(&["get"]).fails(
        2,
        &[
            "no profile given",
            "TOKFETCH_PROFILE",
            "default_profile",
            "profiles: p",
        ],
    );
}

#[test]
fn exec_needs_a_command_and_a_valid_variable_name() {
    let env = env_for("http://127.0.0.1:9/t");
    env.run(&["exec", "p"]).fails(2, &["CMD"]);
    env.run(&["exec", "p", "--env", "1-BAD", "--", "true"])
        .fails(2, &["1-BAD"]);
}

#[test]
fn a_secret_given_as_an_argument_is_refused_without_echoing_it() {
    let env = env_for("http://127.0.0.1:9/t");
    // The leak check in `Out` fails the test if CLIENT_SECRET shows up anywhere.
    env.run(&["secret", "set", "p", CLIENT_SECRET])
        .fails(2, &["never taken from command-line arguments"]);
    env.run(&["secret", "set", "p", "--secret", CLIENT_SECRET])
        .fails(2, &["never taken from command-line arguments"]);
}

/// The test helper that feeds stdin must not fail when tokfetch refuses its input before
/// reading it (a 1 MiB input cannot fit in a pipe buffer, so the write always breaks): the
/// broken pipe is the expected outcome, and the exit code and message are what count.
#[test]
fn input_refused_before_it_is_read_is_not_a_test_failure() {
    let env = env_for("http://127.0.0.1:9/t");
    let big = vec![b'x'; 1 << 20];
    env.run_with_stdin(&["get", "p", "--no-such-flag"], Some(&big))
        .fails(2, &["--no-such-flag"]);
}

// ---- exit 3: configuration -----------------------------------------------------------------

#[test]
fn a_missing_config_file_says_how_to_start() {
    let env = Env::new();
    env.run(&["get", "p"]).fails(
        3,
        &["no config file at", "config.toml", "tokfetch profile add"],
    );
}

#[test]
fn invalid_toml_names_the_file_and_line() {
    let env = Env::new();
    env.write_config("[profiles.p]\nprovider = \"oauth2\nclient_id = \"x\"\n");
    let path = env.config.display().to_string();
    env.run(&["get", "p"])
        .fails(3, &[&format!("{path}:2"), "invalid TOML"]);
}

#[test]
fn unknown_keys_name_file_line_key_and_the_closest_valid_key() {
    let env = Env::new();
    env.write_config(
        "[profiles.ao]\nprovider = \"andopen\"\nclient_id = \"x\"\ntenent = \"acme\"\n",
    );
    let path = env.config.display().to_string();
    env.run(&["get", "ao"]).fails(
        3,
        &[&format!("{path}:4"), "`tenent`", "did you mean `tenant`?"],
    );
}

#[test]
fn keys_of_another_provider_and_bad_values_are_config_errors() {
    let env = Env::new();
    env.write_config(
        "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\nhost = \"example.com\"\n",
    );
    env.run(&["get", "op"])
        .fails(3, &[":4:", "`host`", "\"onepassword\"", "configapi"]);
    env.write_config(
        "[profiles.op]\nprovider = \"onepassword\"\nregion = \"us\"\nclient_id = \"x\"\n",
    );
    env.run(&["get", "op"])
        .fails(3, &[":3:", "`region`", "\"us\"", "\"eu\""]);
    env.write_config("[profiles.op]\nprovider = \"andopen\"\nclient_id = \"x\"\n");
    env.run(&["get", "op"])
        .fails(3, &["missing required key `tenant`"]);
}

#[test]
fn an_unknown_profile_lists_the_known_ones() {
    let mut env = env_for("http://127.0.0.1:9/t");
    env.run(&["get", "q"])
        .fails(3, &["unknown profile `q`", "known profiles: p"]);
    env.set("TOKFETCH_PROFILE", "nope");
    env.run(&["get"])
        .fails(3, &["unknown profile `nope`", "TOKFETCH_PROFILE"]);
}

#[test]
fn plain_http_off_loopback_is_refused_before_any_secret_is_read() {
    let env = env_for("http://auth.example.com/token");
    env.run(&["get", "p"])
        .fails(3, &["refusing plain http", "allow_insecure_http"]);
}

#[test]
fn an_unreadable_ca_file_is_a_config_error() {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:9/t\"\nclient_id = \"{CLIENT_ID}\"\nca_file = \"/nonexistent/ca.pem\"\n"
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "p"])
        .fails(3, &["ca_file", "/nonexistent/ca.pem"]);
    let junk = env.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").expect("write");
    env.set("TOKFETCH_CA_FILE", &junk.display().to_string());
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\ntoken_url = \"https://127.0.0.1:9/t\"\nclient_id = \"{CLIENT_ID}\"\n"
    ));
    env.run(&["get", "p"]).fails(3, &["no PEM certificates"]);
}

// ---- exit 4: credentials -------------------------------------------------------------------

#[test]
fn a_missing_secret_names_both_remedies_and_sends_nothing() {
    let server = answering(Action::Respond(Response::json(
        200,
        json!({"access_token": "t"}),
    )));
    let mut env = env_for(&server.url("/t"));
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    env.run(&["get", "p"]).fails(
        4,
        &[
            "client_secret",
            "TOKFETCH_P_CLIENT_SECRET",
            "tokfetch secret set p",
            "keyring",
        ],
    );
    // CI expands an undefined secret to an empty string: that is "missing", not a secret.
    env.set("TOKFETCH_P_CLIENT_SECRET", "");
    env.run(&["get", "p"])
        .fails(4, &["TOKFETCH_P_CLIENT_SECRET"]);
    assert_eq!(server.count(), 0);
}

#[test]
fn a_missing_andopen_api_key_is_exit_4() {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.ao]\nprovider = \"andopen\"\ntenant = \"acme\"\nclient_id = \"{CLIENT_ID}\"\napi_key_env = \"AO_KEY\"\ntoken_url = \"http://127.0.0.1:9/auth/token\"\n"
    ));
    env.set("TOKFETCH_AO_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "ao"]).fails(
        4,
        &[
            "api_key",
            "$AO_KEY",
            "TOKFETCH_AO_API_KEY",
            "--field api_key",
        ],
    );
}

#[test]
fn an_unreachable_keyring_points_to_the_environment_variable() {
    let mut env = env_for("http://127.0.0.1:9/t");
    env.unset("TOKFETCH_P_CLIENT_SECRET");
    // The test environment has no D-Bus session: the Secret Service cannot be reached.
    let started = std::time::Instant::now();
    env.run(&["get", "p"]).fails(
        4,
        &["keyring is unavailable", "set TOKFETCH_P_CLIENT_SECRET"],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // -q keeps the error line and drops the hints.
    let out = env.run(&["-q", "get", "p"]);
    out.fails(4, &["TOKFETCH_P_CLIENT_SECRET"]);
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
}

// ---- exit 5: rejected ----------------------------------------------------------------------

#[test]
fn an_oauth_error_is_reported_as_error_description_and_status() {
    let server = answering(Action::Respond(Response::json(
        401,
        json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
    )));
    let env = env_for(&server.url("/t"));
    env.run(&["get", "p"]).fails(
        5,
        &["tokfetch: error: invalid_client: Client authentication failed (HTTP 401)"],
    );
    assert_eq!(server.count(), 1, "401 is never retried");
}

#[test]
fn a_400_without_description_and_a_403_without_oauth_body_are_exit_5() {
    let server = answering(Action::Respond(Response::json(
        400,
        json!({"error": "invalid_scope"}),
    )));
    env_for(&server.url("/t"))
        .run(&["get", "p"])
        .fails(5, &["invalid_scope (HTTP 400)"]);
    assert_eq!(server.count(), 1);
    let server = answering(Action::Respond(Response::json(
        403,
        json!({"message": "Forbidden"}),
    )));
    env_for(&server.url("/t"))
        .run(&["get", "p"])
        .fails(5, &["HTTP 403", "Forbidden"]);
    assert_eq!(server.count(), 1);
}

#[test]
fn a_server_echoing_the_secret_in_its_error_does_not_make_tokfetch_print_it() {
    let server = Server::start(|req| {
        let echoed = format!(
            "bad client_secret {}",
            req.form_value("client_secret").unwrap_or_default()
        );
        Action::Respond(Response::json(
            400,
            json!({"error": "invalid_client", "error_description": echoed}),
        ))
    });
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.p]\nprovider = \"oauth2\"\nauth_method = \"post\"\ntoken_url = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n",
        server.url("/t")
    ));
    env.set("TOKFETCH_P_CLIENT_SECRET", CLIENT_SECRET);
    // `Out` asserts the secret is nowhere in the output.
    env.run(&["get", "p"])
        .fails(5, &["bad client_secret [redacted]"]);
}

// ---- exit 7: unusable response -------------------------------------------------------------

#[test]
fn unusable_success_responses_are_exit_7_and_print_nothing() {
    let cases: Vec<(Response, &str)> = vec![
        (
            Response::new(200, "text/html", "<html><body>Please log in</body></html>"),
            "not JSON",
        ),
        (
            Response::json(200, json!({"token_type": "Bearer", "expires_in": 60})),
            "no access_token",
        ),
        (
            Response::json(200, json!({"access_token": "abc\r\nX-Injected: 1"})),
            "b64token",
        ),
        (
            Response::json(200, json!({"access_token": "abc def"})),
            "b64token",
        ),
        (
            Response::json(200, json!({"access_token": "abc", "token_type": "DPoP"})),
            "unsupported token_type \"DPoP\"",
        ),
        (
            Response::json(200, json!({"access_token": "abc", "token_type": "mac"})),
            "unsupported token_type",
        ),
        (
            Response::json(200, json!({"access_token": "abc", "expires_in": "soon"})),
            "expires_in",
        ),
        (Response::new(204, "text/plain", ""), "HTTP 204"),
    ];
    for (response, needle) in cases {
        let server = answering(Action::Respond(response));
        let out = env_for(&server.url("/t")).run(&["header", "p"]);
        out.fails(7, &[needle]);
        assert!(!out.stderr.contains("X-Injected"), "{out}");
        assert_eq!(server.count(), 1);
    }
}

#[test]
fn token_type_is_case_insensitive_and_optional() {
    for body in [
        json!({"access_token": "a1", "token_type": "bearer", "expires_in": 100}),
        json!({"access_token": "a1", "token_type": "BEARER"}),
        json!({"access_token": "a1"}),
    ] {
        let server = answering(Action::Respond(Response::json(200, body)));
        let out = env_for(&server.url("/t")).run(&["header", "p"]);
        assert_eq!(out.ok(), "Authorization: Bearer a1\n");
    }
}

#[test]
fn a_redirect_is_never_followed() {
    let target = answering(Action::Respond(Response::json(
        200,
        json!({"access_token": "stolen"}),
    )));
    let server = answering(Action::Respond(
        Response::new(307, "text/plain", "").with_header("Location", &target.url("/t")),
    ));
    env_for(&server.url("/t"))
        .run(&["get", "p"])
        .fails(7, &["redirect", "HTTP 307"]);
    assert_eq!(server.count(), 1);
    assert_eq!(
        target.count(),
        0,
        "the credentials must not reach the redirect target"
    );
}

#[test]
fn a_token_without_expiry_is_printed_and_has_null_lifetime() {
    let server = answering(Action::Respond(Response::json(
        200,
        json!({"access_token": "a1"}),
    )));
    let env = env_for(&server.url("/t"));
    let out = env.run(&["get", "p", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(out.ok()).expect("json");
    assert!(
        v["expires_in"].is_null() && v["expires_at"].is_null(),
        "{v}"
    );
}

// ---- exec ----------------------------------------------------------------------------------

/// `tokfetch exec p [extra…] -- sh -c SCRIPT`.
fn exec_sh(env: &Env, extra: &[&str], script: &str) -> support::Out {
    let mut args = vec!["exec", "p"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "sh", "-c", script]);
    env.run(&args)
}

#[test]
fn exec_puts_the_token_in_the_environment_and_passes_the_exit_status_through() {
    let server = answering(Action::Respond(Response::json(
        200,
        json!({"access_token": "tok-exec", "expires_in": 600}),
    )));
    let env = env_for(&server.url("/t"));
    let out = exec_sh(&env, &[], "printf '%s' \"$TOKFETCH_TOKEN\"; exit 7");
    assert_eq!(out.code, 7, "{out}");
    assert_eq!(out.stdout, "tok-exec");
    let out = exec_sh(&env, &["--env", "API_TOKEN"], "printf '%s' \"$API_TOKEN\"");
    assert_eq!(out.ok(), "tok-exec");
    // The child gets the token, not the secret it was obtained with.
    let out = exec_sh(
        &env,
        &[],
        "printf '%s' \"${TOKFETCH_P_CLIENT_SECRET-unset}\"",
    );
    assert_eq!(out.ok(), "unset");
    // The token is not on the child's command line.
    let out = exec_sh(&env, &[], "cat /proc/$$/cmdline | tr '\\0' ' '");
    assert!(!out.ok().contains("tok-exec"), "{out}");
}

#[test]
fn exec_of_a_missing_command_is_127_and_fetch_errors_keep_their_codes() {
    let server = answering(Action::Respond(Response::json(
        200,
        json!({"access_token": "t", "expires_in": 600}),
    )));
    let env = env_for(&server.url("/t"));
    let out = env.run(&["exec", "p", "--", "/nonexistent/cmd"]);
    assert_eq!(out.code, 127, "{out}");
    assert!(
        out.stderr.contains("cannot run `/nonexistent/cmd`"),
        "{out}"
    );
    let rejecting = answering(Action::Respond(Response::json(
        401,
        json!({"error": "invalid_client"}),
    )));
    exec_sh(&env_for(&rejecting.url("/t")), &[], "echo ran").fails(5, &["invalid_client"]);
}
