//! Every provider, every output format, against strict loopback servers that refuse anything
//! the provider's documentation would refuse.

mod support;

use serde_json::Value;
use support::providers::{self, ClientAuth, TokenServer};
use support::{API_KEY, AWKWARD_SECRET, CLIENT_ID, CLIENT_SECRET, Env, TENANT};

const FORMATS: [&str; 5] = ["raw", "json", "header", "curl", "env"];

/// Run every output format for `profile` and check each against the issued token.
fn check_all_formats(
    env: &Env,
    server: &TokenServer,
    profile: &str,
    scope: Option<&str>,
    api_key: Option<&str>,
) {
    let raw = env.run(&["get", profile]).ok().to_string();
    let token = raw
        .strip_suffix('\n')
        .expect("raw output ends with a newline")
        .to_string();
    assert!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "{raw:?}"
    );
    assert_eq!(server.issued(), 1);

    for format in FORMATS {
        let out = env.run(&["get", profile, "-o", format]);
        let text = out.ok();
        match format {
            "raw" => assert_eq!(text, format!("{token}\n")),
            "header" => assert_eq!(text, format!("Authorization: Bearer {token}\n")),
            "env" => assert_eq!(text, format!("export TOKFETCH_TOKEN='{token}'\n")),
            "curl" => {
                let mut want = format!("header = \"Authorization: Bearer {token}\"\n");
                if let Some(k) = api_key {
                    want.push_str(&format!("header = \"x-api-key: {k}\"\n"));
                }
                assert_eq!(text, want);
            }
            "json" => {
                assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
                let v: Value = serde_json::from_str(text).expect("json output");
                assert_eq!(v["access_token"], token.as_str());
                assert_eq!(v["token_type"], "Bearer");
                assert_eq!(v["profile"], profile);
                let left = v["expires_in"].as_u64().expect("expires_in is an integer");
                assert!(left > 60, "{v}");
                let at = v["expires_at"].as_str().expect("expires_at");
                assert!(
                    at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
                    "{at}"
                );
                match scope {
                    Some(s) => assert_eq!(v["scope"], s),
                    None => assert!(v["scope"].is_null(), "{v}"),
                }
                let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
                assert_eq!(keys.len(), 6, "{v}");
                assert!(v.get("refresh_token").is_none());
            }
            _ => unreachable!(),
        }
    }
    // `header` is `get -o header`.
    assert_eq!(
        env.run(&["header", profile]).ok(),
        format!("Authorization: Bearer {token}\n")
    );
    // Everything above came from one token request; the rest were cache hits.
    assert_eq!(server.issued(), 1);
    assert_eq!(server.count(), 1);
}

#[test]
fn onepassword_sends_basic_auth_and_a_bare_grant() {
    let server = providers::onepassword(CLIENT_ID, CLIENT_SECRET);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.onepassword-eu]\nprovider = \"onepassword\"\nregion = \"eu\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        server.url("/v1beta1/users/oauth2/token")
    ));
    env.set("TOKFETCH_ONEPASSWORD_EU_CLIENT_SECRET", CLIENT_SECRET);
    check_all_formats(&env, &server, "onepassword-eu", Some("openid"), None);
    let req = server.last();
    assert_eq!(req.body_str(), "grant_type=client_credentials");
    assert_eq!(req.header("accept"), Some("application/json"));
}

#[test]
fn onepassword_sends_scope_openid_when_configured_and_raw_awkward_secrets() {
    let server = providers::onepassword(CLIENT_ID, AWKWARD_SECRET);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"{CLIENT_ID}\"\nscope = \"openid\"\ntoken_url = \"{}\"\n",
        server.url("/v1beta1/users/oauth2/token")
    ));
    env.set("TOKFETCH_OP_CLIENT_SECRET", AWKWARD_SECRET);
    env.run(&["get", "op"]).ok();
    assert_eq!(
        server.last().body_str(),
        "grant_type=client_credentials&scope=openid"
    );
}

#[test]
fn andopen_sends_json_with_tenant_and_the_api_key_and_curl_output_carries_it() {
    let server = providers::andopen(API_KEY, TENANT, CLIENT_ID, AWKWARD_SECRET);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.andopen]\nprovider = \"andopen\"\nenvironment = \"staging\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        server.url("/auth/token")
    ));
    env.set("TOKFETCH_ANDOPEN_CLIENT_SECRET", AWKWARD_SECRET);
    env.set("TOKFETCH_ANDOPEN_API_KEY", API_KEY);
    // The curl config holds the api key: check it without tripping the leak check.
    let out = env
        .command()
        .args(["get", "andopen", "-o", "curl"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.ends_with(&format!("header = \"x-api-key: {API_KEY}\"\n")),
        "{text}"
    );
    assert!(
        text.starts_with("header = \"Authorization: Bearer ao1."),
        "{text}"
    );

    let req = server.last();
    let body: Value = serde_json::from_slice(&req.body).expect("json body");
    assert_eq!(
        body,
        serde_json::json!({"grant_type": "client_credentials", "tenant": TENANT, "client_id": CLIENT_ID, "client_secret": AWKWARD_SECRET})
    );
    assert_eq!(req.header("x-api-key"), Some(API_KEY));
    assert_eq!(req.header("authorization"), None);

    // And the other formats, from a cold cache.
    env.run(&["cache", "clear"]).ok();
    let fresh = providers::andopen(API_KEY, TENANT, CLIENT_ID, AWKWARD_SECRET);
    env.write_config(&format!(
        "[profiles.andopen]\nprovider = \"andopen\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
        fresh.url("/auth/token")
    ));
    let raw = env.run(&["get", "andopen"]).ok().to_string();
    for format in ["raw", "json", "header", "env"] {
        let text = env.run(&["get", "andopen", "-o", format]).ok().to_string();
        assert!(text.contains(raw.trim()), "{format}: {text}");
    }
    let json: Value =
        serde_json::from_str(env.run(&["get", "andopen", "-o", "json"]).ok()).expect("json");
    assert!(json["scope"].is_null(), "&Open returns scope null: {json}");
    assert_eq!(fresh.count(), 1);
}

#[test]
fn configapi_posts_credentials_and_scope_and_accepts_its_documented_quirks() {
    let server = providers::configapi("sheila.thomas", CLIENT_SECRET, "example.com");
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.corp]\nprovider = \"configapi\"\nhost = \"example.com\"\nclient_id = \"sheila.thomas\"\ntoken_url = \"{}\"\n",
        server.url("/configapi/v2/oauth/token")
    ));
    env.set("TOKFETCH_CORP_CLIENT_SECRET", CLIENT_SECRET);
    check_all_formats(&env, &server, "corp", None, None);
    let req = server.last();
    assert_eq!(
        req.body_str(),
        format!(
            "grant_type=client_credentials&client_id=sheila.thomas&client_secret={}&scope=example.com",
            support::form_encode(CLIENT_SECRET)
        )
    );
}

#[test]
fn configapi_sends_an_explicit_scope() {
    let server = providers::configapi("u", CLIENT_SECRET, "tenant-42");
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.corp]\nprovider = \"configapi\"\nhost = \"example.com\"\nscope = \"tenant-42\"\nclient_id = \"u\"\ntoken_url = \"{}\"\n",
        server.url("/configapi/v2/oauth/token")
    ));
    env.set("TOKFETCH_CORP_CLIENT_SECRET", CLIENT_SECRET);
    env.run(&["get", "corp"]).ok();
    assert_eq!(
        server.last().form_value("scope").as_deref(),
        Some("tenant-42")
    );
}

fn oauth2_env(server: &TokenServer, method: &str, extra: &str) -> Env {
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.okta]\nprovider = \"oauth2\"\ntoken_url = \"{}\"\nauth_method = \"{method}\"\nclient_id = \"{CLIENT_ID}\"\n{extra}",
        server.url("/oauth2/token")
    ));
    env.set("TOKFETCH_OKTA_CLIENT_SECRET", AWKWARD_SECRET);
    env
}

#[test]
fn oauth2_basic_encodes_credentials_per_rfc6749() {
    let server = providers::oauth2(CLIENT_ID, AWKWARD_SECRET, ClientAuth::Basic);
    let env = oauth2_env(&server, "basic", "scope = \"api.read api.write\"\n");
    check_all_formats(&env, &server, "okta", Some("api.read api.write"), None);
    assert_eq!(
        server.last().body_str(),
        "grant_type=client_credentials&scope=api.read+api.write"
    );
}

#[test]
fn oauth2_basic_unencoded_sends_the_raw_pair() {
    let server = providers::oauth2(CLIENT_ID, AWKWARD_SECRET, ClientAuth::BasicRaw);
    let env = oauth2_env(&server, "basic-unencoded", "");
    env.run(&["get", "okta"]).ok();
    assert_eq!(server.count(), 1);
}

#[test]
fn oauth2_post_sends_credentials_audience_and_params_in_the_form() {
    let server = providers::oauth2(CLIENT_ID, AWKWARD_SECRET, ClientAuth::Post);
    let env = oauth2_env(
        &server,
        "post",
        "scope = \"api.read\"\n[profiles.okta.params]\naudience = \"https://api.acme.example\"\nresource = \"urn:acme:api\"\n",
    );
    check_all_formats(&env, &server, "okta", Some("api.read"), None);
    let req = server.last();
    assert_eq!(
        req.form(),
        vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".to_string(), CLIENT_ID.to_string()),
            ("client_secret".to_string(), AWKWARD_SECRET.to_string()),
            ("scope".to_string(), "api.read".to_string()),
            (
                "audience".to_string(),
                "https://api.acme.example".to_string()
            ),
            ("resource".to_string(), "urn:acme:api".to_string()),
        ]
    );
}

#[test]
fn a_wrong_auth_method_is_refused_by_the_strict_server_with_exit_5() {
    let server = providers::oauth2(CLIENT_ID, AWKWARD_SECRET, ClientAuth::Basic);
    let env = oauth2_env(&server, "post", "");
    env.run(&["get", "okta"]).fails(
        5,
        &["invalid_client: client authentication failed (HTTP 401)"],
    );
    assert_eq!(server.count(), 1, "a 401 is never retried");
}

#[test]
fn default_profile_and_tokfetch_profile_select_the_profile() {
    let server = providers::onepassword(CLIENT_ID, CLIENT_SECRET);
    let mut env = Env::new();
    let url = server.url("/v1beta1/users/oauth2/token");
    env.write_config(&format!(
        "default_profile = \"a\"\n[profiles.a]\nprovider = \"onepassword\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{url}\"\n[profiles.b]\nprovider = \"onepassword\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{url}\"\n",
    ));
    env.set("TOKFETCH_A_CLIENT_SECRET", CLIENT_SECRET);
    env.set("TOKFETCH_B_CLIENT_SECRET", CLIENT_SECRET);
    let json = |out: &str| -> Value { serde_json::from_str(out).expect("json") };
    assert_eq!(json(env.run(&["get", "-o", "json"]).ok())["profile"], "a");
    env.set("TOKFETCH_PROFILE", "b");
    assert_eq!(json(env.run(&["get", "-o", "json"]).ok())["profile"], "b");
    assert_eq!(
        json(env.run(&["get", "a", "-o", "json"]).ok())["profile"],
        "a"
    );
}

#[test]
fn config_flag_and_tokfetch_config_choose_the_file() {
    let server = providers::onepassword(CLIENT_ID, CLIENT_SECRET);
    let mut env = Env::new();
    let elsewhere = env.path().join("elsewhere.toml");
    std::fs::write(
        &elsewhere,
        format!(
            "[profiles.x]\nprovider = \"onepassword\"\nclient_id = \"{CLIENT_ID}\"\ntoken_url = \"{}\"\n",
            server.url("/v1beta1/users/oauth2/token")
        ),
    )
    .expect("write");
    env.set("TOKFETCH_X_CLIENT_SECRET", CLIENT_SECRET);
    let path = elsewhere.to_string_lossy().to_string();
    env.run(&["get", "x", "--config", &path]).ok();
    env.run(&["--config", &path, "get", "x"]).ok();
    env.set("TOKFETCH_CONFIG", &path);
    env.run(&["get", "x"]).ok();
}

#[test]
fn the_profile_env_var_names_the_secret_variable() {
    let server = providers::onepassword(CLIENT_ID, CLIENT_SECRET);
    let mut env = Env::new();
    env.write_config(&format!(
        "[profiles.x]\nprovider = \"onepassword\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret_env = \"MY_OP_SECRET\"\ntoken_url = \"{}\"\n",
        server.url("/v1beta1/users/oauth2/token")
    ));
    env.set("MY_OP_SECRET", CLIENT_SECRET);
    env.set("TOKFETCH_X_CLIENT_SECRET", support::OTHER_SECRET);
    env.run(&["get", "x", "--no-cache"]).ok();
    assert_eq!(
        server.count(),
        1,
        "the named variable wins over the conventional one"
    );
}
