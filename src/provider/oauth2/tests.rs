//! Request shapes of every oauth2 client authentication and grant, pinned field by field;
//! signed assertions are verified with ring.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature;

use crate::jws::{self, SigningKey};
use crate::provider::testing::{body, build, profile};
use crate::provider::{Grant, Input, Inputs, KeyFrom};
use crate::request::TokenRequest;
use crate::secret::{Field, Secret};

use super::{Discovery, TokenSource};

const BASE: &str = "[profiles.o]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/token\"\nclient_id = \"my id\"\n";
const NOW: u64 = 1_700_000_000;
const NONCE: [u8; 16] = [7; 16];

fn req(toml: &str, secret: &str) -> TokenRequest {
    build(
        &profile(toml),
        Grant::Primary,
        &[(Field::ClientSecret, secret)],
    )
    .expect("request")
}

/// The request of `toml` with these inputs gathered.
fn req_with(
    toml: &str,
    key: Option<&SigningKey>,
    thumbprints: Option<&(String, String)>,
    identity_token: Option<&str>,
) -> TokenRequest {
    let p = profile(toml);
    let secrets = BTreeMap::new();
    let token = identity_token.map(|t| Secret::new(t.to_string()));
    let inputs = Inputs {
        secrets: &secrets,
        signing_key: key,
        thumbprints,
        identity_token: token.as_ref(),
        service_account: None,
        now: NOW,
        nonce: NONCE,
        dpop: None,
    };
    p.provider
        .build(&p.settings, Grant::Primary, &inputs)
        .expect("request")
}

fn form(r: &TokenRequest) -> BTreeMap<String, String> {
    form_urlencoded_pairs(&body(r))
}

fn form_urlencoded_pairs(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("name=value");
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                let mut out = Vec::new();
                let b = s.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'%' {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
                        i += 3;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).expect("utf-8")
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// The header and claims of a compact JWS, and its signing input and signature.
fn jwt_parts(jwt: &str) -> (serde_json::Value, serde_json::Value, String, Vec<u8>) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let json = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64url")).expect("json")
    };
    (
        json(parts[0]),
        json(parts[1]),
        format!("{}.{}", parts[0], parts[1]),
        URL_SAFE_NO_PAD.decode(parts[2]).expect("sig"),
    )
}

fn expected_claims(aud: &str) -> serde_json::Value {
    serde_json::json!({
        "iss": "my id", "sub": "my id", "aud": aud,
        "iat": NOW, "exp": NOW + 300, "jti": URL_SAFE_NO_PAD.encode(NONCE),
    })
}

fn rsa_key() -> SigningKey {
    let der = jws::private_key_der(jws::tests::RSA_PEM.as_bytes()).expect("pem");
    SigningKey::from_der(&der).expect("key")
}

#[test]
fn basic_encodes_id_and_secret_first() {
    let r = req(BASE, "aaa/;&:é");
    assert_eq!(
        r.header("Authorization").map(str::to_string),
        Some(format!(
            "Basic {}",
            STANDARD.encode("my+id:aaa%2F%3B%26%3A%C3%A9")
        ))
    );
    assert_eq!(body(&r), "grant_type=client_credentials");
}

#[test]
fn basic_unencoded_sends_the_raw_pair() {
    let r = req(
        &format!("{BASE}auth_method = \"basic-unencoded\"\n"),
        "aaa/;&:é",
    );
    assert_eq!(
        r.header("Authorization").map(str::to_string),
        Some(format!("Basic {}", STANDARD.encode("my id:aaa/;&:é")))
    );
}

#[test]
fn post_puts_credentials_in_the_body_with_scope_audience_and_params() {
    let r = req(
        &format!(
            "{BASE}auth_method = \"post\"\nscope = \"api.read api.write\"\naudience = \"https://api\"\n[profiles.o.params]\nresource = \"urn:x\"\n"
        ),
        "aaa/;&:é",
    );
    assert_eq!(r.header("Authorization"), None);
    assert_eq!(
        body(&r),
        "grant_type=client_credentials&client_id=my+id&client_secret=aaa%2F%3B%26%3A%C3%A9&scope=api.read+api.write&audience=https%3A%2F%2Fapi&resource=urn%3Ax"
    );
}

#[test]
fn client_secret_jwt_signs_hs256_with_the_secret() {
    let r = req(
        &format!("{BASE}auth_method = \"client_secret_jwt\"\nkey_id = \"s1\"\n"),
        "aaa/;&:é",
    );
    assert_eq!(r.header("Authorization"), None);
    let f = form(&r);
    assert_eq!(
        f.keys().collect::<Vec<_>>(),
        [
            "client_assertion",
            "client_assertion_type",
            "client_id",
            "grant_type"
        ]
    );
    assert_eq!(
        f["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert_eq!(f["client_id"], "my id");
    let (header, claims, input, sig) = jwt_parts(&f["client_assertion"]);
    assert_eq!(
        header,
        serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": "s1"})
    );
    assert_eq!(claims, expected_claims("https://idp.example/token"));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, "aaa/;&:é".as_bytes());
    ring::hmac::verify(&key, input.as_bytes(), &sig).expect("HS256 verifies");
    assert_eq!(r.sensitive.len(), 1);
    assert_eq!(r.sensitive[0].as_str(), f["client_assertion"]);
}

#[test]
fn private_key_jwt_signs_with_the_key_and_names_it() {
    let key = rsa_key();
    let prints = ("s256-print".to_string(), "s1-print".to_string());
    let toml = format!(
        "{BASE}auth_method = \"private_key_jwt\"\nprivate_key_file = \"/k.pem\"\nclient_cert_file = \"/c.pem\"\nkey_id = \"rsa-a\"\nassertion_audience = \"https://login.example/tenant/v2.0\"\nscope = \"api://x/.default\"\n"
    );
    let r = req_with(&toml, Some(&key), Some(&prints), None);
    let f = form(&r);
    assert_eq!(f["grant_type"], "client_credentials");
    assert_eq!(f["scope"], "api://x/.default");
    assert!(!f.contains_key("client_secret"));
    let (header, claims, input, sig) = jwt_parts(&f["client_assertion"]);
    assert_eq!(
        header,
        serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-a", "x5t#S256": "s256-print", "x5t": "s1-print"})
    );
    assert_eq!(claims, expected_claims("https://login.example/tenant/v2.0"));
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key.public_key())
        .verify(input.as_bytes(), &sig)
        .expect("RS256 verifies");
    // PS256 when asked.
    let r = req_with(
        &format!("{BASE}auth_method = \"private_key_jwt\"\nsigning_alg = \"PS256\"\n"),
        Some(&key),
        None,
        None,
    );
    let (header, claims, input, sig) = jwt_parts(&form(&r)["client_assertion"]);
    assert_eq!(header, serde_json::json!({"alg": "PS256", "typ": "JWT"}));
    assert_eq!(claims["aud"], "https://idp.example/token");
    signature::UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, key.public_key())
        .verify(input.as_bytes(), &sig)
        .expect("PS256 verifies");
}

#[test]
fn jwt_bearer_signs_the_grant_with_issuer_subject_and_audience() {
    let key = rsa_key();
    // auth_method = "none": the assertion alone, with the client id.
    let toml = format!(
        "{BASE}grant = \"jwt_bearer\"\nauth_method = \"none\"\nprivate_key_file = \"/k.pem\"\nkey_id = \"k9\"\nassertion_issuer = \"3MVG9-consumer\"\nassertion_subject = \"user@example.com\"\nassertion_audience = \"https://login.example\"\nscope = \"api\"\n"
    );
    let p = profile(&toml);
    assert_eq!(p.provider.secret_fields(&p.settings), Vec::<Field>::new());
    assert_eq!(
        p.provider.inputs(&p.settings, Grant::Primary),
        vec![Input::SigningKey {
            from: KeyFrom::File("/k.pem".into()),
            alg: None
        }]
    );
    let r = req_with(&toml, Some(&key), None, None);
    let f = form(&r);
    assert_eq!(
        f.keys().collect::<Vec<_>>(),
        ["assertion", "client_id", "grant_type", "scope"]
    );
    assert_eq!(
        f["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert_eq!(r.grant, "jwt_bearer");
    let (header, claims, input, sig) = jwt_parts(&f["assertion"]);
    assert_eq!(
        header,
        serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "k9"})
    );
    let inverted: Vec<u8> = NONCE.iter().map(|b| !b).collect();
    assert_eq!(
        claims,
        serde_json::json!({
            "iss": "3MVG9-consumer", "sub": "user@example.com", "aud": "https://login.example",
            "iat": NOW, "exp": NOW + 300, "jti": URL_SAFE_NO_PAD.encode(inverted),
        })
    );
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key.public_key())
        .verify(input.as_bytes(), &sig)
        .expect("RS256 verifies");
    assert_eq!(r.sensitive.len(), 1);
    // Defaults: iss = client_id, sub = iss, aud = the token endpoint; client authentication
    // by HTTP Basic besides; the key from the secret field.
    let toml = format!("{BASE}grant = \"jwt_bearer\"\n");
    let p = profile(&toml);
    assert_eq!(
        p.provider.secret_fields(&p.settings),
        vec![Field::ClientSecret, Field::PrivateKey]
    );
    let map: BTreeMap<Field, Secret> =
        [(Field::ClientSecret, Secret::new("s3cr3t".to_string()))].into();
    let mut inputs = Inputs::secrets(&map, NOW, NONCE);
    inputs.signing_key = Some(&key);
    let r = p
        .provider
        .build(&p.settings, Grant::Primary, &inputs)
        .expect("request");
    assert!(
        r.header("Authorization")
            .is_some_and(|h| h.starts_with("Basic "))
    );
    let f = form(&r);
    assert_eq!(f.keys().collect::<Vec<_>>(), ["assertion", "grant_type"]);
    let (_, claims, _, _) = jwt_parts(&f["assertion"]);
    assert_eq!(claims["iss"], "my id");
    assert_eq!(claims["sub"], "my id");
    assert_eq!(claims["aud"], "https://idp.example/token");
}

#[test]
fn jwt_bearer_from_a_source_sends_that_token() {
    let toml = format!(
        "{BASE}grant = \"jwt_bearer\"\nauth_method = \"none\"\nassertion_source = \"env:SAML_JWT\"\n"
    );
    let p = profile(&toml);
    assert_eq!(
        p.provider.inputs(&p.settings, Grant::Primary),
        vec![Input::IdentityToken(TokenSource::Env("SAML_JWT".into()))]
    );
    let r = req_with(&toml, None, None, Some("e.y.j"));
    assert_eq!(
        body(&r),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=e.y.j&client_id=my+id"
    );
    let id = p.provider.identity(&p.settings);
    assert!(id.contains(&("grant", "jwt_bearer".to_string())), "{id:?}");
}

#[test]
fn tls_client_auth_sends_only_the_client_id() {
    let r = req_with(
        &format!("{BASE}auth_method = \"tls_client_auth\"\nclient_cert_file = \"/c.pem\"\n"),
        None,
        None,
        None,
    );
    assert_eq!(r.header("Authorization"), None);
    assert_eq!(body(&r), "grant_type=client_credentials&client_id=my+id");
}

#[test]
fn federated_sends_the_identity_token_as_the_assertion() {
    let r = req_with(
        &format!("{BASE}auth_method = \"federated\"\nassertion_source = \"env:CI_JWT\"\n"),
        None,
        None,
        Some("e.y.j"),
    );
    assert_eq!(
        body(&r),
        "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=e.y.j&client_id=my+id"
    );
    assert!(
        r.sensitive.is_empty(),
        "the identity token is registered where it is read"
    );
}

#[test]
fn token_exchange_sends_the_subject_token_and_its_options() {
    let r = req_with(
        &format!(
            "{BASE}grant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"file:/t\"\naudience = \"api\"\nresource = \"https://api.example\"\nscope = \"read\"\nrequested_token_type = \"urn:ietf:params:oauth:token-type:access_token\"\n"
        ),
        None,
        None,
        Some("sub.tok.en"),
    );
    assert_eq!(r.grant, "token_exchange");
    assert_eq!(
        body(&r),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=sub.tok.en&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt&client_id=my+id&scope=read&audience=api&resource=https%3A%2F%2Fapi.example&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
    );
    // With a secret method, the client authenticates as usual.
    let p = profile(&format!(
        "{BASE}grant = \"token_exchange\"\nassertion_source = \"env:T\"\nsubject_token_type = \"urn:x:id-token\"\n"
    ));
    let mut secrets = BTreeMap::new();
    secrets.insert(Field::ClientSecret, Secret::new("s3cret".into()));
    let token = Secret::new("t.o.k".into());
    let inputs = Inputs {
        identity_token: Some(&token),
        ..Inputs::secrets(&secrets, NOW, NONCE)
    };
    let r = p
        .provider
        .build(&p.settings, Grant::Primary, &inputs)
        .expect("request");
    assert!(
        r.header("Authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    assert_eq!(form(&r)["subject_token_type"], "urn:x:id-token");
}

#[test]
fn inputs_say_what_the_flow_must_gather() {
    let p = profile(
        "[profiles.o]\nprovider = \"oauth2\"\nissuer = \"https://idp.example\"\nclient_id = \"c\"\nauth_method = \"tls_client_auth\"\nclient_cert_file = \"/c.pem\"\nprivate_key_file = \"/k.pem\"\n",
    );
    assert_eq!(
        p.provider.inputs(&p.settings, Grant::Primary),
        vec![
            Input::ClientCertificate {
                chain: "/c.pem".into(),
                key: KeyFrom::File("/k.pem".into())
            },
            Input::Discovery(Discovery {
                issuer: "https://idp.example".into(),
                mtls: true,
                method: "tls_client_auth"
            }),
        ]
    );
    assert!(p.provider.secret_fields(&p.settings).is_empty());
    assert!(p.provider.needs(&p.settings, Grant::Primary).is_empty());
    assert_eq!(p.settings.endpoint.url, "https://idp.example");

    let p = profile(&format!(
        "{BASE}auth_method = \"private_key_jwt\"\nclient_cert_file = \"rel/c.pem\"\n"
    ));
    assert_eq!(
        p.provider.inputs(&p.settings, Grant::Primary),
        vec![
            Input::SigningKey {
                from: KeyFrom::Field(Field::PrivateKey),
                alg: None
            },
            Input::Thumbprints("/t/rel/c.pem".into()),
        ]
    );
    assert_eq!(
        p.provider.secret_fields(&p.settings),
        vec![Field::PrivateKey]
    );

    let p = profile(&format!(
        "{BASE}auth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://AzureADTokenExchange\"\n"
    ));
    assert_eq!(
        p.provider.inputs(&p.settings, Grant::Primary),
        vec![Input::IdentityToken(TokenSource::GitHubActions {
            audience: "api://AzureADTokenExchange".into()
        })]
    );
    assert!(p.provider.secret_fields(&p.settings).is_empty());
    assert_eq!(
        profile(BASE)
            .provider
            .secret_fields(&profile(BASE).settings),
        vec![Field::ClientSecret]
    );
}

#[test]
fn identity_has_every_key_that_changes_the_token_and_no_key_material() {
    let p = profile(BASE);
    assert!(
        p.provider.identity(&p.settings).is_empty(),
        "old cache files stay valid"
    );
    let p = profile(&format!(
        "{BASE}auth_method = \"private_key_jwt\"\nprivate_key_file = \"/k.pem\"\nkey_id = \"k1\"\nclient_cert_file = \"/c.pem\"\nassertion_audience = \"aud\"\n"
    ));
    let id = p.provider.identity(&p.settings);
    let keys: Vec<&str> = id.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "private_key_file",
            "key_id",
            "client_cert_file",
            "assertion_audience",
            "auth_method"
        ]
    );
    let p = profile(
        "[profiles.o]\nprovider = \"oauth2\"\nissuer = \"https://i\"\nclient_id = \"c\"\ngrant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"env:T\"\n",
    );
    let id = p.provider.identity(&p.settings);
    assert!(id.contains(&("issuer", "https://i".to_string())));
    assert!(id.contains(&("assertion_source", "env:T".to_string())));
    assert!(id.contains(&("grant", "token_exchange".to_string())));
}

#[test]
fn dpop_profiles_carry_a_proof_of_the_token_request() {
    let p = profile(&format!("{BASE}dpop = true\nauth_method = \"post\"\n"));
    assert_eq!(p.provider.dpop(&p.settings), Some(crate::jws::Alg::ES256));
    let key = crate::jws::DpopKey::generate(crate::jws::Alg::ES256).expect("key");
    let mut secrets = BTreeMap::new();
    secrets.insert(Field::ClientSecret, Secret::new("s3cret".into()));
    for nonce in [None, Some("srv-nonce")] {
        let inputs = Inputs {
            dpop: Some(crate::provider::DpopInput {
                key: &key,
                nonce,
                jti: [9; 16],
            }),
            ..Inputs::secrets(&secrets, NOW, NONCE)
        };
        let r = p
            .provider
            .build(&p.settings, Grant::Primary, &inputs)
            .expect("request");
        let proof = r.header("DPoP").expect("a DPoP header");
        assert!(r.sensitive.iter().any(|v| v.as_str() == proof));
        let (h, c) = crate::jws::tests::decode(proof);
        assert_eq!(h["typ"], "dpop+jwt");
        assert_eq!(h["alg"], "ES256");
        assert_eq!(&h["jwk"], key.jwk());
        assert_eq!(c["htm"], "POST");
        assert_eq!(c["htu"], p.settings.endpoint.url.as_str());
        assert_eq!(c["iat"], NOW);
        assert_eq!(c.get("nonce").and_then(|n| n.as_str()), nonce);
        assert!(c.get("ath").is_none());
        crate::jws::tests::verify_with_jwk(proof, key.jwk()).expect("signed by the key");
    }
    // Without the key, the request is not built (a bug, never silently a Bearer request).
    assert!(
        p.provider
            .build(
                &p.settings,
                Grant::Primary,
                &Inputs::secrets(&secrets, NOW, NONCE)
            )
            .is_err()
    );
    let plain = profile(&format!("{BASE}auth_method = \"post\"\n"));
    assert_eq!(plain.provider.dpop(&plain.settings), None);
    let eddsa = profile(&format!("{BASE}dpop = true\ndpop_alg = \"EdDSA\"\n"));
    assert_eq!(
        eddsa.provider.dpop(&eddsa.settings),
        Some(crate::jws::Alg::EdDSA)
    );
    assert!(
        eddsa
            .provider
            .identity(&eddsa.settings)
            .contains(&("dpop_alg", "EdDSA".to_string()))
    );
    assert!(
        !plain
            .provider
            .identity(&plain.settings)
            .iter()
            .any(|(k, _)| k.starts_with("dpop"))
    );
}

/// The identity is the config's own words, in 0.2.0's order, so that its cache files stay
/// hits: paths as resolved then, the algorithm and method as written, an assertion source as
/// written (`file:~/…` is not expanded here).
#[test]
fn identity_is_what_0_2_0_stored() {
    let p = profile(&format!(
        "{BASE}auth_method = \"private_key_jwt\"\nprivate_key_file = \"keys/k.pem\"\nkey_id = \"k1\"\nsigning_alg = \"EdDSA\"\nclient_cert_file = \"/c.pem\"\nassertion_audience = \"aud\"\naudience = \"api://a\"\nresource = \"https://r\"\n"
    ));
    let s = |v: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        v.iter().map(|(k, v)| (*k, v.to_string())).collect()
    };
    assert_eq!(
        p.provider.identity(&p.settings),
        s(&[
            ("audience", "api://a"),
            ("resource", "https://r"),
            ("private_key_file", "/t/keys/k.pem"),
            ("key_id", "k1"),
            ("signing_alg", "EdDSA"),
            ("client_cert_file", "/c.pem"),
            ("assertion_audience", "aud"),
            ("auth_method", "private_key_jwt"),
        ])
    );
    let p = profile(
        "[profiles.o]\nprovider = \"oauth2\"\nissuer = \"https://i\"\nclient_id = \"c\"\ngrant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"file:~/t\"\nsubject_token_type = \"urn:x\"\nrequested_token_type = \"urn:y\"\n",
    );
    assert_eq!(
        p.provider.identity(&p.settings),
        s(&[
            ("issuer", "https://i"),
            ("assertion_source", "file:~/t"),
            ("subject_token_type", "urn:x"),
            ("requested_token_type", "urn:y"),
            ("auth_method", "none"),
            ("grant", "token_exchange"),
        ])
    );
    let p = profile(&format!(
        "{BASE}auth_method = \"tls_client_auth\"\nclient_cert_file = \"/c.pem\"\nprivate_key_env = \"MY_KEY\"\n"
    ));
    assert_eq!(
        p.provider.identity(&p.settings),
        s(&[
            ("private_key_env", "MY_KEY"),
            ("client_cert_file", "/c.pem"),
            ("auth_method", "tls_client_auth"),
        ])
    );
}

const USER: &str = "[profiles.o]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example/token\"\nclient_id = \"my id\"\ngrant = \"device_code\"\ndevice_authorization_url = \"https://idp.example/device\"\nscope = \"openid offline_access\"\naudience = \"https://api\"\n";

/// The body of `grant` for a user-grant profile, as a sorted list of pairs.
fn user_body(toml: &str, grant: Grant, secret: &str) -> (BTreeMap<String, String>, TokenRequest) {
    let r = build(&profile(toml), grant, &[(Field::ClientSecret, secret)]).expect("request");
    (form(&r), r)
}

#[test]
fn the_requests_of_a_users_grant_carry_their_fields_and_the_client_authentication() {
    let public = format!("{USER}auth_method = \"none\"\n");
    let pairs = |v: &[(&str, &str)]| -> BTreeMap<String, String> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (f, r) = user_body(&public, Grant::DeviceAuthorization, "");
    assert_eq!(
        f,
        pairs(&[
            ("client_id", "my id"),
            ("scope", "openid offline_access"),
            ("audience", "https://api")
        ])
    );
    assert!(r.header("Authorization").is_none());
    let (f, _) = user_body(&public, Grant::DeviceCode("dc"), "");
    assert_eq!(
        f,
        pairs(&[
            ("client_id", "my id"),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", "dc")
        ])
    );
    let (f, _) = user_body(&public, Grant::Refresh("rt"), "");
    assert_eq!(
        f,
        pairs(&[
            ("client_id", "my id"),
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt")
        ])
    );
    let (f, _) = user_body(
        &public,
        Grant::AuthorizationCode {
            code: "c",
            verifier: "v",
            redirect_uri: "http://127.0.0.1:1/callback",
        },
        "",
    );
    assert_eq!(
        f,
        pairs(&[
            ("client_id", "my id"),
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("code_verifier", "v"),
            ("redirect_uri", "http://127.0.0.1:1/callback")
        ])
    );
    let (f, _) = user_body(
        &public,
        Grant::Revocation {
            token: "rt",
            hint: "refresh_token",
        },
        "",
    );
    assert_eq!(
        f,
        pairs(&[
            ("client_id", "my id"),
            ("token", "rt"),
            ("token_type_hint", "refresh_token")
        ])
    );
    // A confidential client authenticates every one of them as configured.
    let (f, r) = user_body(USER, Grant::Refresh("rt"), "s3");
    assert!(!f.contains_key("client_id"));
    assert_eq!(
        r.header("Authorization"),
        Some(format!("Basic {}", STANDARD.encode("my+id:s3")).as_str())
    );
    // The user's grant itself has no request without the user.
    assert!(build(&profile(&public), Grant::Primary, &[]).is_err());
}
