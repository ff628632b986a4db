//! The config keys of `provider = "oauth2"` (README "Configuration reference"), and the names
//! of their values.

use crate::provider::{KeyKind, KeySpec};
use crate::secret::Field;

/// Form fields tokfetch sets itself; `params` may not override them.
const RESERVED_PARAMS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "refresh_token",
    "client_assertion",
    "client_assertion_type",
    "subject_token",
    "subject_token_type",
    "assertion",
    "code",
    "code_verifier",
    "redirect_uri",
    "device_code",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// `auth_method`'s values: [`super::settings::AuthMethod`]'s names, in its order.
pub const METHODS: &[&str] = &[
    "basic",
    "basic-unencoded",
    "post",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "federated",
    "none",
];

pub const CLIENT_CREDENTIALS: &str = "client_credentials";
pub const TOKEN_EXCHANGE: &str = "token_exchange";
pub const JWT_BEARER_GRANT: &str = "jwt_bearer";
pub const DEVICE_CODE: &str = "device_code";
pub const AUTHORIZATION_CODE: &str = "authorization_code";

/// RFC 8693 §3: what `subject_token_type` is when the profile does not say.
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

const fn key(name: &'static str, help: &'static str, kind: KeyKind, flag: bool) -> KeySpec {
    KeySpec {
        name,
        help,
        kind,
        required: false,
        default: None,
        flag,
    }
}

pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "auth_method",
        help: "how the client authenticates: basic (RFC 6749 §2.3.1), basic-unencoded (as curl --user), post, client_secret_jwt (HS256 assertion), private_key_jwt (signed assertion, RFC 7523), tls_client_auth (certificate, RFC 8705), federated (a CI or workload identity token) or none (a public client: token_exchange, jwt_bearer, device_code and authorization_code only)",
        kind: KeyKind::OneOf(METHODS),
        required: false,
        default: Some("basic"),
        flag: true,
    },
    KeySpec {
        name: "grant",
        help: "client_credentials, token_exchange (RFC 8693: trade assertion_source's token for one of this server's), jwt_bearer (RFC 7523 §2.1: a JWT signed with the private key, or assertion_source's token, as the grant), or a user's token: device_code (RFC 8628) or authorization_code (RFC 6749 §4.1 with PKCE, a loopback redirect); see tokfetch login",
        kind: KeyKind::OneOf(&[
            CLIENT_CREDENTIALS,
            TOKEN_EXCHANGE,
            JWT_BEARER_GRANT,
            DEVICE_CODE,
            AUTHORIZATION_CODE,
        ]),
        required: false,
        default: Some(CLIENT_CREDENTIALS),
        flag: true,
    },
    key(
        "issuer",
        "the issuer URL; its discovery document (OpenID Connect, else RFC 8414) gives the token endpoint, instead of token_url",
        KeyKind::Url,
        true,
    ),
    KeySpec::text("scope", "sent as a form field when set"),
    key(
        "authorization_url",
        "authorization_code: the authorization endpoint the browser opens (else from issuer's discovery document)",
        KeyKind::Url,
        true,
    ),
    key(
        "device_authorization_url",
        "device_code: the device authorization endpoint (RFC 8628 §3.1; else from issuer's discovery document)",
        KeyKind::Url,
        true,
    ),
    key(
        "revocation_url",
        "device_code, authorization_code: where tokfetch logout revokes the tokens (RFC 7009; else from issuer's discovery document)",
        KeyKind::Url,
        true,
    ),
    key(
        "redirect_port",
        "authorization_code: the loopback port of the redirect http://127.0.0.1:PORT/callback (default: any free port)",
        KeyKind::Port,
        true,
    ),
    key(
        "audience",
        "sent as a form field when set",
        KeyKind::Text,
        false,
    ),
    key(
        "resource",
        "sent as a form field when set (RFC 8707, RFC 8693)",
        KeyKind::Text,
        false,
    ),
    key(
        "private_key_file",
        "PEM private key (PKCS#8, PKCS#1 or SEC1) for private_key_jwt, tls_client_auth or the jwt_bearer grant; must not be readable by others",
        KeyKind::Path,
        true,
    ),
    key(
        "private_key_env",
        "name of an environment variable holding the PEM private key",
        KeyKind::EnvName(Field::PrivateKey),
        false,
    ),
    key(
        "key_id",
        "the `kid` header of signed assertions: the key's id as registered with the server",
        KeyKind::Text,
        true,
    ),
    key(
        "signing_alg",
        "RS256 or PS256 (RSA keys), ES256 (P-256), EdDSA (Ed25519); default: from the key",
        KeyKind::OneOf(&["RS256", "PS256", "ES256", "EdDSA"]),
        true,
    ),
    key(
        "client_cert_file",
        "PEM certificate chain, leaf first: the TLS client certificate (tls_client_auth), or the x5t thumbprints of private_key_jwt assertions",
        KeyKind::Path,
        true,
    ),
    key(
        "assertion_source",
        "where federated, token_exchange (and jwt_bearer, instead of signing) get their identity token: github-actions, env:VAR or file:PATH",
        KeyKind::Text,
        true,
    ),
    key(
        "assertion_audience",
        "the `aud` of signed assertions (default: the token endpoint), and the audience asked of github-actions",
        KeyKind::Text,
        true,
    ),
    key(
        "assertion_issuer",
        "jwt_bearer: the `iss` of the signed assertion (default: client_id)",
        KeyKind::Text,
        true,
    ),
    key(
        "assertion_subject",
        "jwt_bearer: the `sub` of the signed assertion, the user or account the token is for (default: the issuer)",
        KeyKind::Text,
        true,
    ),
    key(
        "subject_token_type",
        "token_exchange: the subject token's type (default urn:ietf:params:oauth:token-type:jwt)",
        KeyKind::Text,
        false,
    ),
    key(
        "requested_token_type",
        "token_exchange: the type of token asked for, sent when set",
        KeyKind::Text,
        false,
    ),
    key(
        "dpop",
        "true: bind each token to a fresh key pair with DPoP (RFC 9449); using it then needs a proof per request (tokfetch proof)",
        KeyKind::Bool,
        true,
    ),
    KeySpec {
        name: "dpop_alg",
        help: "the DPoP key's algorithm: ES256 (P-256), EdDSA (Ed25519) or PS256 (RSA 2048)",
        kind: KeyKind::OneOf(&["ES256", "EdDSA", "PS256"]),
        required: false,
        default: None,
        flag: true,
    },
    KeySpec {
        name: "params",
        help: "extra form fields (strings, integers, booleans)",
        kind: KeyKind::Params {
            reserved: RESERVED_PARAMS,
        },
        required: false,
        default: None,
        flag: false,
    },
];
