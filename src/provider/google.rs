//! Google service accounts (README "Google service accounts"): the JSON key Google Cloud hands
//! out (`credentials_file`, or the secret field `credentials_json`) signs an RS256 JWT, which
//! is posted to the key's `token_uri` as a JWT bearer grant (RFC 7523 §2.1), as Google's
//! "Using OAuth 2.0 for Server to Server Applications" documents it: `kid` = `private_key_id`,
//! `iss` = `client_email`, `aud` = `token_uri`, a `scope` claim (or `target_audience`, for an
//! ID token: Cloud Run, IAP), `sub` for domain-wide delegation, at most an hour of life.
//!
//! The key is read and parsed by the flow (`gather`, through [`Input::ServiceAccount`]);
//! [`parse`] is the pure reading of the JSON, [`Provider::build`] the pure request.

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::{
    Grant, Input, Inputs, KeyFrom, KeyKind, KeySpec, Own, Problem, Provider, Settings,
    TokenRequest, Values,
};
use crate::endpoint::Credential;
use crate::error::{Failure, Result};
use crate::jws::{self, Alg, Signer, SigningKey};
use crate::oauth;
use crate::secret::Field;

pub struct Google;

/// Where every Google key's `token_uri` points.
const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// Google accepts assertions that live at most an hour.
pub const ASSERTION_LIFETIME: u64 = 3600;

const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "credentials_file",
        help: "the service account's JSON key file, as Google Cloud hands it out (else the secret field credentials_json); must not be readable by others",
        kind: KeyKind::Path,
        required: false,
        default: None,
        flag: true,
    },
    KeySpec {
        name: "credentials_json_env",
        help: "name of an environment variable holding the JSON key",
        kind: KeyKind::EnvName(Field::CredentialsJson),
        required: false,
        default: None,
        flag: false,
    },
    KeySpec::text(
        "scope",
        "the OAuth scopes asked for, space separated (required unless target_audience is set)",
    ),
    KeySpec::text(
        "subject",
        "domain-wide delegation: the user the service account acts as (the assertion's sub)",
    ),
    KeySpec::text(
        "target_audience",
        "ask for an ID token for this audience (Cloud Run, IAP: the service's URL) instead of an access token",
    ),
];

/// A `google` profile's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleSettings {
    /// The JSON key: a file, or the secret field `credentials_json`.
    pub credentials: KeyFrom,
    pub subject: Option<String>,
    pub target_audience: Option<String>,
    /// `token_url` was given: it overrides the key's `token_uri` as the place the request goes.
    pub token_url_given: bool,
    /// The variable `credentials_json_env` names.
    pub credentials_json_env: Option<String>,
}

/// What tokfetch takes from a service account's JSON key.
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key_id: String,
    pub token_uri: String,
    pub key: SigningKey,
}

/// The parts of a JSON key, before its private key is made a signing key.
pub struct ParsedKey {
    pub client_email: String,
    pub private_key_id: String,
    pub token_uri: String,
    /// The PEM text.
    pub private_key: Zeroizing<String>,
}

/// Read a service account's JSON key. The error says what is wrong with it, never quoting it.
pub fn parse(json: &[u8]) -> std::result::Result<ParsedKey, String> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|_| "it is not JSON (expected a service account's JSON key)".to_string())?;
    let Value::Object(map) = value else {
        return Err("it is not a JSON object (expected a service account's JSON key)".to_string());
    };
    let text = |key: &str| -> std::result::Result<String, String> {
        match map.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(_) => Err(format!("its `{key}` is not a non-empty string")),
            None => Err(format!("it has no `{key}`")),
        }
    };
    match map.get("type") {
        Some(Value::String(t)) if t == "service_account" => {}
        Some(Value::String(t)) => {
            return Err(format!(
                "its type is \"{}\", not \"service_account\" (only service account keys can be used; `gcloud auth application-default login` credentials are a user's)",
                oauth::escape(t, 40)
            ));
        }
        _ => return Err("it has no `type` \"service_account\"".to_string()),
    }
    let client_email = text("client_email")?;
    let private_key_id = text("private_key_id")?;
    let private_key = Zeroizing::new(text("private_key")?);
    let token_uri = match map.get("token_uri") {
        None => TOKEN_URI.to_string(),
        Some(_) => text("token_uri")?,
    };
    for (key, value) in [
        ("client_email", &client_email),
        ("private_key_id", &private_key_id),
        ("token_uri", &token_uri),
    ] {
        if value.chars().any(char::is_control) {
            return Err(format!("its `{key}` contains control characters"));
        }
    }
    Ok(ParsedKey {
        client_email,
        private_key_id,
        token_uri,
        private_key,
    })
}

fn own(s: &Settings) -> Option<&GoogleSettings> {
    match &s.own {
        Own::Google(g) => Some(g),
        _ => None,
    }
}

fn problem(key: &'static str, message: &str) -> Problem {
    Problem {
        key,
        message: message.to_string(),
    }
}

impl Provider for Google {
    fn name(&self) -> &'static str {
        "google"
    }

    fn about(&self) -> &'static str {
        "Google service accounts (JSON key; access or ID tokens)"
    }

    fn keys(&self) -> &'static [KeySpec] {
        KEYS
    }

    fn client_id(&self) -> bool {
        false
    }

    fn settle(&self, s: &Settings, v: &Values) -> std::result::Result<Own, Problem> {
        if !s.client_id.is_empty() {
            return Err(problem(
                "client_id",
                "`client_id` in profile `{profile}` has no effect: a Google service account is named by its key's client_email",
            ));
        }
        if v.get("credentials_file").is_some() && v.get("credentials_json_env").is_some() {
            return Err(problem(
                "credentials_json_env",
                "profile `{profile}` sets both credentials_file and credentials_json_env; keep one",
            ));
        }
        let target_audience = v.get("target_audience").map(str::to_string);
        match (&s.scope, &target_audience) {
            (None, None) => {
                return Err(problem(
                    "provider",
                    "profile `{profile}` needs scope (the API scopes, space separated, e.g. \"https://www.googleapis.com/auth/cloud-platform\"), or target_audience for an ID token",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(problem(
                    "target_audience",
                    "profile `{profile}` sets both scope and target_audience; an ID token for target_audience carries no scopes: keep one",
                ));
            }
            _ => {}
        }
        let credentials = match v.get("credentials_file") {
            Some(path) => KeyFrom::File(PathBuf::from(path)),
            None => KeyFrom::Field(Field::CredentialsJson),
        };
        Ok(Own::Google(Box::new(GoogleSettings {
            credentials,
            subject: v.get("subject").map(str::to_string),
            target_audience,
            token_url_given: v.get("token_url").is_some(),
            credentials_json_env: v.get("credentials_json_env").map(str::to_string),
        })))
    }

    /// Every key Google hands out names this `token_uri`; the key's own one is used when the
    /// token is fetched (and `token_url` overrides both).
    fn default_endpoint(&self, _values: &Values) -> Option<(String, Option<&'static str>)> {
        Some((TOKEN_URI.to_string(), None))
    }

    fn fields(&self) -> &'static [Field] {
        &[Field::CredentialsJson]
    }

    fn secret_fields(&self, s: &Settings) -> Vec<Field> {
        match own(s).map(|g| &g.credentials) {
            Some(KeyFrom::Field(f)) => vec![*f],
            _ => Vec::new(),
        }
    }

    /// The JSON key is read as an input (it holds the endpoint and the signing key), not as a
    /// field `build` reads.
    fn needs(&self, _settings: &Settings, _grant: Grant) -> Vec<Field> {
        Vec::new()
    }

    fn inputs(&self, s: &Settings, _grant: Grant) -> Vec<Input> {
        own(s)
            .map(|g| {
                vec![Input::ServiceAccount {
                    from: g.credentials.clone(),
                    token_uri: !g.token_url_given,
                }]
            })
            .unwrap_or_default()
    }

    fn build(&self, s: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest> {
        let Grant::Primary = grant else {
            return Err(super::unsupported(self.name(), grant));
        };
        let g = own(s).ok_or_else(|| super::unsettled(self.name()))?;
        let account = inputs
            .service_account
            .ok_or_else(|| Inputs::missing("the service account key"))?;
        let assertion = assertion(s, g, account, inputs.now)?;
        let fields = vec![
            ("grant_type", super::JWT_BEARER_GRANT_TYPE),
            ("assertion", assertion.as_str()),
        ];
        Ok(TokenRequest {
            headers: super::form_headers(),
            body: oauth::form_body(fields),
            grant: "jwt_bearer",
            sensitive: vec![assertion.clone()],
            id_token: g.target_audience.is_some(),
        })
    }

    fn client_auth(&self, _settings: &Settings) -> String {
        "service account key (RS256 JWT bearer assertion)".to_string()
    }

    fn credential(&self, _values: &Values) -> Credential {
        Credential::ClientAssertion
    }

    /// The key's source (never its content: a cache hit reads no key), the delegated user and
    /// the ID token's audience.
    fn identity(&self, s: &Settings) -> Vec<(&'static str, String)> {
        let Some(g) = own(s) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match &g.credentials {
            KeyFrom::File(path) => {
                out.push(("credentials_file", path.to_string_lossy().into_owned()));
            }
            KeyFrom::Field(_) => {
                if let Some(var) = &g.credentials_json_env {
                    out.push(("credentials_json_env", var.clone()));
                }
            }
        }
        if let Some(sub) = &g.subject {
            out.push(("subject", sub.clone()));
        }
        if let Some(aud) = &g.target_audience {
            out.push(("target_audience", aud.clone()));
        }
        out
    }
}

/// The signed assertion, as Google documents it.
fn assertion(
    s: &Settings,
    g: &GoogleSettings,
    account: &ServiceAccount,
    now: u64,
) -> Result<Zeroizing<String>> {
    let mut claims = json!({
        "iss": account.client_email,
        "aud": account.token_uri,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
    });
    if let Value::Object(map) = &mut claims {
        match (&g.target_audience, &s.scope) {
            (Some(aud), _) => {
                map.insert("target_audience".into(), aud.as_str().into());
            }
            (None, Some(scope)) => {
                map.insert("scope".into(), scope.as_str().into());
            }
            (None, None) => {}
        }
        if let Some(sub) = &g.subject {
            map.insert("sub".into(), sub.as_str().into());
        }
    }
    let mut header = Map::new();
    header.insert("typ".into(), "JWT".into());
    header.insert("kid".into(), account.private_key_id.as_str().into());
    jws::sign(&header, &claims, &Signer::Key(&account.key, Alg::RS256)).map_err(|e| {
        Failure::credentials(format!("cannot sign with the service account's key: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::provider::testing::{body, profile};

    fn account(token_uri: &str) -> ServiceAccount {
        let der = jws::private_key_der(jws::tests::RSA_PEM.as_bytes()).expect("pem");
        ServiceAccount {
            client_email: "sa@proj.iam.gserviceaccount.com".into(),
            private_key_id: "kid-123".into(),
            token_uri: token_uri.into(),
            key: SigningKey::from_der(&der).expect("key"),
        }
    }

    fn claims_of(toml: &str) -> (TokenRequest, Map<String, Value>) {
        let p = profile(toml);
        let secrets = BTreeMap::new();
        let sa = account("https://oauth2.googleapis.com/token");
        let mut inputs = Inputs::secrets(&secrets, 1_700_000_000, [1; 16]);
        inputs.service_account = Some(&sa);
        let req = p
            .provider
            .build(&p.settings, Grant::Primary, &inputs)
            .expect("request");
        let b = body(&req);
        let assertion = b
            .split('&')
            .find_map(|kv| kv.strip_prefix("assertion="))
            .expect("assertion")
            .to_string();
        let mut parts = assertion.split('.');
        let header: Map<String, Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "kid-123");
        let claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                .unwrap();
        (req, claims)
    }

    const BASE: &str = "[profiles.g]\nprovider = \"google\"\ncredentials_file = \"/k.json\"\n";

    #[test]
    fn an_access_token_assertion_is_as_google_documents_it() {
        let (req, c) = claims_of(&format!(
            "{BASE}scope = \"https://www.googleapis.com/auth/cloud-platform\"\nsubject = \"admin@example.com\"\n"
        ));
        assert!(body(&req).starts_with(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        ));
        assert_eq!(c["iss"], "sa@proj.iam.gserviceaccount.com");
        assert_eq!(c["aud"], "https://oauth2.googleapis.com/token");
        assert_eq!(c["scope"], "https://www.googleapis.com/auth/cloud-platform");
        assert_eq!(c["sub"], "admin@example.com");
        assert_eq!(c["iat"], 1_700_000_000);
        assert_eq!(c["exp"], 1_700_003_600);
        assert!(c.get("target_audience").is_none());
        assert!(!req.id_token);
        assert_eq!(req.sensitive.len(), 1);
    }

    #[test]
    fn a_target_audience_asks_for_an_id_token() {
        let (req, c) = claims_of(&format!(
            "{BASE}target_audience = \"https://service.example\"\n"
        ));
        assert_eq!(c["target_audience"], "https://service.example");
        assert!(c.get("scope").is_none());
        assert!(c.get("sub").is_none());
        assert!(req.id_token);
    }

    #[test]
    fn settings_refuse_what_cannot_work() {
        let broken = |rest: &str| {
            let text = format!("[profiles.g]\nprovider = \"google\"\n{rest}");
            let c = crate::config::parse(std::path::Path::new("/t/config.toml"), &text)
                .expect("parses");
            c.broken.into_values().next().map(|f| f.message)
        };
        assert_eq!(broken("scope = \"s\"\n"), None);
        assert_eq!(
            broken("target_audience = \"https://a\"\ncredentials_json_env = \"G\"\n"),
            None
        );
        for (rest, want) in [
            ("credentials_file = \"/k\"\n", "needs scope"),
            ("scope = \"s\"\ntarget_audience = \"a\"\n", "keep one"),
            (
                "scope = \"s\"\ncredentials_file = \"/k\"\ncredentials_json_env = \"G\"\n",
                "keep one",
            ),
            ("scope = \"s\"\nclient_id = \"c\"\n", "client_email"),
        ] {
            let msg = broken(rest).unwrap_or_else(|| panic!("accepted: {rest}"));
            assert!(msg.contains(want), "{msg}");
        }
    }

    #[test]
    fn the_json_key_is_checked_without_quoting_it() {
        let good = json!({
            "type": "service_account",
            "client_email": "a@b",
            "private_key_id": "k",
            "private_key": "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n",
        });
        let k = parse(good.to_string().as_bytes()).expect("parses");
        assert_eq!(k.token_uri, TOKEN_URI);
        for (bad, want) in [
            (b"{nope SECRETSECRET".to_vec(), "not JSON"),
            (b"[1]".to_vec(), "not a JSON object"),
            (
                json!({"type": "authorized_user", "refresh_token": "SECRETSECRET"})
                    .to_string()
                    .into_bytes(),
                "not \"service_account\"",
            ),
            (
                json!({"type": "service_account", "client_email": "a", "private_key_id": "k"})
                    .to_string()
                    .into_bytes(),
                "no `private_key`",
            ),
        ] {
            let e = parse(&bad).err().expect("refused");
            assert!(e.contains(want), "{e}");
            assert!(!e.contains("SECRETSECRET"), "{e}");
        }
    }
}
