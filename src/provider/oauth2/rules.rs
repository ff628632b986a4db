//! An oauth2 profile's values turned into [`OAuth2Settings`], once, with the rules across keys
//! (README "Configuration reference"): each refusal names the key whose line is shown, so a
//! profile that cannot work is exit 3 before anything is sent.

use std::path::PathBuf;

use super::settings::{AssertionSource, AuthMethod, Endpoint, GrantType, OAuth2Settings};
use super::sources::TokenSource;
use crate::jws::Alg;
use crate::provider::{Problem, Settings, Values};

fn problem(key: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        key,
        message: message.into(),
    }
}

/// `key` is set although it has no effect in this profile: a mistake worth reporting, since the
/// user expects it to matter.
fn unused(v: &Values, key: &'static str, applies: bool, when: &str) -> Result<(), Problem> {
    if v.get(key).is_some() && !applies {
        return Err(problem(
            key,
            format!("`{key}` in profile `{{profile}}` has no effect here: it applies {when}"),
        ));
    }
    Ok(())
}

/// A value its key spec accepted, as its type: a spec and a type that disagree are a bug the
/// unit tests catch, reported here rather than guessed around.
fn typed<T>(
    v: &Values,
    key: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, Problem> {
    match v.get(key) {
        None => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| {
            problem(
                key,
                format!(
                    "`{key}` in profile `{{profile}}` has a value tokfetch cannot use: \"{s}\""
                ),
            )
        }),
    }
}

pub(super) fn settle(s: &Settings, v: &Values) -> Result<OAuth2Settings, Problem> {
    let auth = typed(v, "auth_method", AuthMethod::named)?.unwrap_or(AuthMethod::Basic);
    let grant = typed(v, "grant", GrantType::named)?.unwrap_or(GrantType::ClientCredentials);
    let exchange = grant == GrantType::TokenExchange;
    let bearer = grant == GrantType::JwtBearer;
    let endpoint = endpoint(v)?;
    if auth == AuthMethod::BasicUnencoded {
        crate::provider::unencoded_basic_id(s)?;
    }
    if auth == AuthMethod::None && !exchange && !bearer && !grant.interactive() {
        return Err(problem(
            "auth_method",
            "auth_method = \"none\" in profile `{profile}` sends no client credentials, which only a token exchange, a JWT bearer grant or a user's grant (device_code, authorization_code) can do without: set grant = \"token_exchange\", \"jwt_bearer\", \"device_code\" or \"authorization_code\", or pick another auth_method",
        ));
    }
    let user = user_endpoints(v, grant, &endpoint)?;
    if auth == AuthMethod::TlsClientAuth && v.get("client_cert_file").is_none() {
        return Err(problem(
            "auth_method",
            "auth_method = \"tls_client_auth\" in profile `{profile}` needs client_cert_file: the PEM certificate (leaf first) presented in the TLS handshake",
        ));
    }
    // A JWT bearer grant signs its assertion with the profile's key unless it takes one from
    // assertion_source.
    let signs_grant = bearer && v.get("assertion_source").is_none();
    let keyed = auth.keyed() || signs_grant;
    let signed = auth.signs() || signs_grant;
    let key_users = "with auth_method = \"private_key_jwt\" or \"tls_client_auth\", or grant = \"jwt_bearer\" without assertion_source";
    unused(v, "private_key_file", keyed, key_users)?;
    unused(v, "private_key_env", keyed, key_users)?;
    unused(
        v,
        "client_cert_file",
        auth.keyed(),
        "with auth_method = \"tls_client_auth\" or \"private_key_jwt\" (x5t)",
    )?;
    unused(
        v,
        "signing_alg",
        auth == AuthMethod::PrivateKeyJwt || signs_grant,
        "with auth_method = \"private_key_jwt\" or grant = \"jwt_bearer\" without assertion_source",
    )?;
    unused(
        v,
        "key_id",
        signed,
        "to signed assertions (client_secret_jwt, private_key_jwt, jwt_bearer)",
    )?;
    for key in ["assertion_issuer", "assertion_subject"] {
        unused(
            v,
            key,
            signs_grant,
            "with grant = \"jwt_bearer\", to the assertion tokfetch signs (not with assertion_source)",
        )?;
    }
    if v.get("private_key_file").is_some() && v.get("private_key_env").is_some() {
        return Err(problem(
            "private_key_env",
            "profile `{profile}` sets both private_key_file and private_key_env; keep one",
        ));
    }
    let assertion_source = sources(v, auth, grant, signed)?;
    unused(
        v,
        "subject_token_type",
        exchange,
        "with grant = \"token_exchange\"",
    )?;
    unused(
        v,
        "requested_token_type",
        exchange,
        "with grant = \"token_exchange\"",
    )?;
    let dpop = v.get("dpop") == Some("true");
    unused(v, "dpop_alg", dpop, "with dpop = true")?;
    let dpop = dpop
        .then(|| typed(v, "dpop_alg", Alg::named))
        .transpose()?
        .map(|a| a.unwrap_or(Alg::ES256));
    if dpop.is_some() && grant.interactive() {
        return Err(problem(
            "dpop",
            "dpop = true in profile `{profile}` is not supported with a user's grant (device_code, authorization_code) yet",
        ));
    }
    let text = |key: &str| v.get(key).map(str::to_string);
    Ok(OAuth2Settings {
        auth,
        grant,
        endpoint,
        private_key_file: v.get("private_key_file").map(PathBuf::from),
        private_key_env: text("private_key_env"),
        key_id: text("key_id"),
        signing_alg: typed(v, "signing_alg", Alg::named)?,
        client_cert_file: v.get("client_cert_file").map(PathBuf::from),
        assertion_source,
        assertion_audience: text("assertion_audience"),
        assertion_issuer: text("assertion_issuer"),
        assertion_subject: text("assertion_subject"),
        audience: text("audience"),
        resource: text("resource"),
        subject_token_type: text("subject_token_type"),
        requested_token_type: text("requested_token_type"),
        dpop,
        authorization_url: user.authorization_url,
        device_authorization_url: user.device_authorization_url,
        revocation_url: user.revocation_url,
        redirect_port: user.redirect_port,
    })
}

/// The endpoints and port of a user's grant.
struct UserEndpoints {
    authorization_url: Option<String>,
    device_authorization_url: Option<String>,
    revocation_url: Option<String>,
    redirect_port: Option<u16>,
}

/// The keys of a user's grant where they apply (and nowhere else), each URL a valid one; with
/// `token_url` (no discovery), the grant's own endpoint is required.
fn user_endpoints(
    v: &Values,
    grant: GrantType,
    endpoint: &Endpoint,
) -> Result<UserEndpoints, Problem> {
    let code = grant == GrantType::AuthorizationCode;
    let device = grant == GrantType::DeviceCode;
    unused(
        v,
        "authorization_url",
        code,
        "with grant = \"authorization_code\"",
    )?;
    unused(
        v,
        "device_authorization_url",
        device,
        "with grant = \"device_code\"",
    )?;
    unused(
        v,
        "redirect_port",
        code,
        "with grant = \"authorization_code\"",
    )?;
    unused(
        v,
        "revocation_url",
        code || device,
        "with grant = \"device_code\" or \"authorization_code\"",
    )?;
    let url = |key: &'static str| -> Result<Option<String>, Problem> {
        match v.get(key) {
            None => Ok(None),
            Some(u) => crate::endpoint::parse(u, true)
                .map(|e| Some(e.url))
                .map_err(|why| problem(key, format!("`{key}` in profile `{{profile}}`: {why}"))),
        }
    };
    let out = UserEndpoints {
        authorization_url: url("authorization_url")?,
        device_authorization_url: url("device_authorization_url")?,
        revocation_url: url("revocation_url")?,
        redirect_port: typed(v, "redirect_port", |p| {
            p.parse::<u16>().ok().filter(|p| *p > 0)
        })?,
    };
    if *endpoint == Endpoint::TokenUrl {
        if code && out.authorization_url.is_none() {
            return Err(problem(
                "grant",
                "grant = \"authorization_code\" in profile `{profile}` needs authorization_url (the authorization endpoint the browser opens), or issuer instead of token_url to find it by discovery",
            ));
        }
        if device && out.device_authorization_url.is_none() {
            return Err(problem(
                "grant",
                "grant = \"device_code\" in profile `{profile}` needs device_authorization_url (RFC 8628 §3.1), or issuer instead of token_url to find it by discovery",
            ));
        }
    }
    Ok(out)
}

/// `issuer` or `token_url`, not both; an issuer has no query or fragment (RFC 8414 §2).
fn endpoint(v: &Values) -> Result<Endpoint, Problem> {
    let Some(issuer) = v.get("issuer") else {
        return Ok(Endpoint::TokenUrl);
    };
    if v.get("token_url").is_some() {
        return Err(problem(
            "issuer",
            "profile `{profile}` sets both issuer and token_url; keep one (issuer finds the token endpoint by discovery)",
        ));
    }
    if issuer.contains(['?', '#']) {
        return Err(problem(
            "issuer",
            "`issuer` in profile `{profile}` must not have a query or fragment (RFC 8414 §2)",
        ));
    }
    Ok(Endpoint::Issuer(issuer.to_string()))
}

/// `assertion_source` where an identity token is used (and valid), nowhere else;
/// `assertion_audience` where something uses it.
fn sources(
    v: &Values,
    auth: AuthMethod,
    grant: GrantType,
    signed: bool,
) -> Result<Option<AssertionSource>, Problem> {
    let exchange = grant == GrantType::TokenExchange;
    let wanted = auth == AuthMethod::Federated || exchange;
    let allowed = wanted || grant == GrantType::JwtBearer;
    let source = match v.get("assertion_source") {
        None if wanted => {
            let key = if exchange { "grant" } else { "auth_method" };
            return Err(problem(
                key,
                "profile `{profile}` needs assertion_source (github-actions, env:VAR or file:PATH): where its identity token comes from",
            ));
        }
        None => None,
        Some(_) if !allowed => {
            return Err(problem(
                "assertion_source",
                "`assertion_source` in profile `{profile}` has no effect here: it applies with auth_method = \"federated\" or grant = \"token_exchange\" or \"jwt_bearer\"",
            ));
        }
        Some(written) => Some(AssertionSource {
            written: written.to_string(),
            source: TokenSource::parse(written, v.get("assertion_audience"))
                .map_err(|m| problem("assertion_source", m))?,
        }),
    };
    let github = matches!(
        source,
        Some(AssertionSource {
            source: TokenSource::GitHubActions { .. },
            ..
        })
    );
    unused(
        v,
        "assertion_audience",
        signed || github,
        "to signed assertions and to assertion_source = \"github-actions\"",
    )?;
    Ok(source)
}

#[cfg(test)]
mod tests {
    use crate::config;
    use std::path::Path;

    const BASE: &str = "[profiles.o]\nprovider = \"oauth2\"\nclient_id = \"c\"\n";

    /// The error of a profile made of BASE plus `rest`, or `None` when it is valid.
    fn refused(rest: &str) -> Option<String> {
        let text = format!("{BASE}{rest}");
        let c = config::parse(Path::new("/t/config.toml"), &text).expect("file parses");
        c.broken.into_values().next().map(|f| f.message)
    }

    #[test]
    fn valid_combinations() {
        for ok in [
            "token_url = \"https://i/t\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"/k.pem\"\nkey_id = \"k1\"\nsigning_alg = \"PS256\"\n",
            "issuer = \"https://i\"\nauth_method = \"tls_client_auth\"\nclient_cert_file = \"/c.pem\"\n",
            "token_url = \"https://i/t\"\nauth_method = \"federated\"\nassertion_source = \"env:CI_JOB_JWT\"\n",
            "token_url = \"https://i/t\"\nauth_method = \"federated\"\nassertion_source = \"github-actions\"\nassertion_audience = \"api://x\"\n",
            "token_url = \"https://i/t\"\ngrant = \"token_exchange\"\nauth_method = \"none\"\nassertion_source = \"file:/var/run/t\"\nrequested_token_type = \"urn:x\"\n",
            "token_url = \"https://i/t\"\nauth_method = \"client_secret_jwt\"\nassertion_audience = \"https://i\"\n",
            "token_url = \"https://i/t\"\ngrant = \"jwt_bearer\"\nauth_method = \"none\"\nprivate_key_file = \"/k.pem\"\nkey_id = \"k1\"\nassertion_issuer = \"i\"\nassertion_subject = \"u@x\"\nassertion_audience = \"https://login.example\"\nsigning_alg = \"PS256\"\n",
            "token_url = \"https://i/t\"\ngrant = \"jwt_bearer\"\nprivate_key_env = \"K\"\n",
            "token_url = \"https://i/t\"\ngrant = \"jwt_bearer\"\nauth_method = \"none\"\nassertion_source = \"env:A\"\n",
            "token_url = \"https://i/t\"\ngrant = \"device_code\"\nauth_method = \"none\"\ndevice_authorization_url = \"https://i/d\"\nrevocation_url = \"https://i/r\"\n",
            "issuer = \"https://i\"\ngrant = \"authorization_code\"\nauth_method = \"none\"\nredirect_port = 8765\n",
            "token_url = \"https://i/t\"\ngrant = \"authorization_code\"\nauthorization_url = \"https://i/a?x=1\"\n",
        ] {
            assert_eq!(refused(ok), None, "{ok}");
        }
    }

    #[test]
    fn each_rule_points_at_its_key() {
        for (rest, line, want) in [
            (
                "token_url = \"https://i/t\"\nauth_method = \"none\"\n",
                5,
                "only a token exchange",
            ),
            (
                "token_url = \"https://i/t\"\nauth_method = \"tls_client_auth\"\n",
                5,
                "needs client_cert_file",
            ),
            (
                "token_url = \"https://i/t\"\nauth_method = \"federated\"\nassertion_source = \"github-actions\"\n",
                6,
                "needs assertion_audience",
            ),
            (
                "token_url = \"https://i/t\"\nissuer = \"https://i\"\n",
                5,
                "both issuer and token_url",
            ),
            ("issuer = \"https://i?x=1\"\n", 4, "query or fragment"),
            (
                "token_url = \"https://i/t\"\nprivate_key_file = \"/k\"\n",
                5,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\nprivate_key_env = \"K\"\n",
                5,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\nauth_method = \"private_key_jwt\"\nprivate_key_file = \"/k\"\nprivate_key_env = \"K\"\n",
                7,
                "keep one",
            ),
            (
                "token_url = \"https://i/t\"\nassertion_source = \"env:X\"\n",
                5,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\ngrant = \"token_exchange\"\n",
                5,
                "needs assertion_source",
            ),
            (
                "token_url = \"https://i/t\"\nsubject_token_type = \"urn:x\"\n",
                5,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\nassertion_audience = \"a\"\n",
                5,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\nassertion_subject = \"u\"\n",
                5,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\ngrant = \"jwt_bearer\"\nassertion_source = \"env:A\"\nassertion_issuer = \"i\"\n",
                7,
                "not with assertion_source",
            ),
            (
                "token_url = \"https://i/t\"\ngrant = \"jwt_bearer\"\nassertion_source = \"env:A\"\nprivate_key_file = \"/k\"\n",
                7,
                "has no effect here",
            ),
            (
                "token_url = \"https://i/t\"\ndpop_alg = \"EdDSA\"\n",
                5,
                "applies with dpop = true",
            ),
            (
                "token_url = \"https://i/t\"\ndpop = false\ndpop_alg = \"EdDSA\"\n",
                6,
                "applies with dpop = true",
            ),
            ("token_url = \"https://i/t\"\ndpop = \"yes\"\n", 5, "dpop"),
            (
                "token_url = \"https://i/t\"\ngrant = \"device_code\"\n",
                5,
                "needs device_authorization_url",
            ),
            (
                "token_url = \"https://i/t\"\ngrant = \"authorization_code\"\n",
                5,
                "needs authorization_url",
            ),
            (
                "token_url = \"https://i/t\"\nauthorization_url = \"https://i/a\"\n",
                5,
                "has no effect here",
            ),
            (
                "issuer = \"https://i\"\ngrant = \"device_code\"\nredirect_port = 1\n",
                6,
                "has no effect here",
            ),
            (
                "issuer = \"https://i\"\ngrant = \"authorization_code\"\nredirect_port = 0\n",
                6,
                "from 1 to 65535",
            ),
            (
                "issuer = \"https://i\"\ngrant = \"authorization_code\"\nauthorization_url = \"ftp://x\"\n",
                6,
                "only https",
            ),
            (
                "issuer = \"https://i\"\ngrant = \"device_code\"\ndpop = true\n",
                6,
                "not supported with a user's grant",
            ),
            (
                "token_url = \"https://i/t\"\nauth_method = \"federated\"\nassertion_source = \"gitlab\"\n",
                6,
                "must be \"github-actions\"",
            ),
        ] {
            let msg = refused(rest).unwrap_or_else(|| panic!("accepted: {rest}"));
            assert!(msg.contains(&format!("config.toml:{line}: ")), "{msg}");
            assert!(msg.contains(want), "{msg}");
            assert!(msg.contains("profile `o`"), "{msg}");
        }
        let msg = refused("").expect("no endpoint");
        assert!(msg.contains("`token_url` (or `issuer`"), "{msg}");
    }
}
