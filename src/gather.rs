//! What a token request needs besides secret fields, gathered before it is built (README
//! "Client authentication without shared secrets"): private keys from files or the secret
//! field, certificate chains, identity tokens from a CI platform, a variable or a file, and the
//! token endpoint from the issuer's discovery document (kept 24 h in the cache). The provider
//! says what it needs ([`Provider::inputs`]); this module does the I/O, registers everything
//! secret with the redactor as it is read, and names the source of anything that is wrong with
//! it — never its content. A cache hit never comes here.
//!
//! [`Provider::inputs`]: crate::provider::Provider::inputs

use std::path::Path;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::cache::Cache;
use crate::config::Profile;
use crate::credentials::Credentials;
use crate::endpoint::{self, Credential, Endpoint};
use crate::error::{Failure, Kind, Result};
use crate::fsread;
use crate::http::{Client, ClientIdentity, Purpose, Reply};
use crate::jws::{self, Alg, KeyDer, SigningKey};
use crate::log::vlog;
use crate::perms::{self, Exposure, Rule};
use crate::provider::{
    Discovery, DpopInput, Grant, Input, Inputs, KeyFrom, Metadata, ServiceAccount, TokenSource,
};
use crate::request::Header;
use crate::secret::Secret;
use crate::{redact, response, time};

/// Files tokfetch reads keys, certificates and tokens from are small; a bigger one is a mistake.
const MAX_FILE: u64 = 1 << 20;

/// What was gathered for one request.
#[derive(Default)]
pub struct Gathered {
    pub signing_key: Option<SigningKey>,
    pub thumbprints: Option<(String, String)>,
    pub client_identity: Option<ClientIdentity>,
    pub identity_token: Option<Secret>,
    pub service_account: Option<ServiceAccount>,
    /// The token endpoint a service account's key names (its `token_uri`).
    pub token_uri: Option<Endpoint>,
    /// The token endpoint, when discovery found it.
    pub endpoint: Option<Endpoint>,
    /// That endpoint came from a cached discovery document (a failure it could explain is
    /// worth one more try with a fresh document).
    pub endpoint_cached: bool,
    /// The whole discovery document, when there was one (a user's grant needs its other
    /// endpoints).
    pub metadata: Option<Metadata>,
}

impl Gathered {
    /// What a provider builds one token request from: these inputs, the run's secrets, the
    /// time now, a fresh `nonce` for a JWT's `jti`, and the DPoP key with the server's nonce.
    pub fn inputs<'a>(
        &'a self,
        secrets: &'a std::collections::BTreeMap<crate::secret::Field, Secret>,
        nonce: [u8; 16],
        dpop: Option<DpopInput<'a>>,
    ) -> Inputs<'a> {
        Inputs {
            secrets,
            signing_key: self.signing_key.as_ref(),
            thumbprints: self.thumbprints.as_ref(),
            identity_token: self.identity_token.as_ref(),
            service_account: self.service_account.as_ref(),
            now: time::now_unix(),
            nonce,
            dpop,
        }
    }
}

/// Whether discovery may use the document kept in the cache (README "Discovery").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discover {
    /// Use a cached document younger than a day.
    Cached,
    /// Fetch the document again (`--refresh`, or a failure a stale one could explain).
    Fresh,
}

/// Gather every input `grant` needs for `profile`.
pub fn gather(
    profile: &Profile,
    grant: Grant,
    credentials: &mut Credentials,
    deadline: Instant,
    mode: Discover,
) -> Result<Gathered> {
    let mut g = Gathered::default();
    for input in profile.provider.inputs(&profile.settings, grant) {
        match input {
            Input::SigningKey { from, alg } => {
                g.signing_key = Some(signing_key(&from, alg, credentials)?);
            }
            Input::Thumbprints(path) => {
                let pem = read_file(&path, "client_cert_file", false)?;
                let chain = crate::http::pem_certs(&pem).map_err(|why| {
                    Failure::credentials(format!("client_cert_file {} {why}", path.display()))
                })?;
                g.thumbprints = chain.first().map(|leaf| jws::thumbprints(leaf.as_ref()));
            }
            Input::ClientCertificate { chain, key } => {
                let (der, source) = private_key(&key, credentials)?;
                let pem = read_file(&chain, "client_cert_file", false)?;
                g.client_identity = Some(ClientIdentity::new(&pem, &chain, &der, &source)?);
                vlog!(
                    "client certificate from {}, key from {source}",
                    chain.display()
                );
            }
            Input::IdentityToken(source) => {
                g.identity_token = Some(identity_token(profile, &source, deadline)?);
            }
            Input::ServiceAccount { from, token_uri } => {
                let (account, source) = service_account(&from, credentials)?;
                if token_uri {
                    let target = endpoint::may_carry(
                        &account.token_uri,
                        Credential::ClientAssertion,
                        profile.allow_insecure_http,
                    )
                    .map_err(|why| {
                        Failure::credentials(format!(
                            "the token_uri of the key in {source} cannot be used: {why}"
                        ))
                        .hint("set token_url in the profile to override it")
                    })?;
                    g.token_uri = Some(target);
                }
                vlog!(
                    "service account {} (key {}) from {source}",
                    account.client_email,
                    account.private_key_id
                );
                g.service_account = Some(account);
            }
            Input::Discovery(d) => {
                let (endpoint, cached, metadata) = discover(profile, &d, deadline, mode)?;
                g.endpoint = Some(endpoint);
                g.endpoint_cached = cached;
                g.metadata = Some(metadata);
            }
        }
    }
    Ok(g)
}

/// The token endpoint the profile's issuer names, when it has one (`doctor`).
pub fn discovered_endpoint(profile: &Profile, deadline: Instant) -> Result<Option<Endpoint>> {
    let inputs = profile.provider.inputs(&profile.settings, Grant::Primary);
    for input in inputs {
        if let Input::Discovery(d) = input {
            return discover(profile, &d, deadline, Discover::Cached).map(|(e, _, _)| Some(e));
        }
    }
    Ok(None)
}

/// A key that signs JWS, checked to fit the algorithm the profile names.
fn signing_key(
    from: &KeyFrom,
    alg: Option<Alg>,
    credentials: &mut Credentials,
) -> Result<SigningKey> {
    let (der, source) = private_key(from, credentials)?;
    let key = SigningKey::from_der(&der).map_err(|e| unusable_key(&source, &e.0))?;
    if let Some(alg) = alg.filter(|a| !key.fits(*a)) {
        return Err(unusable_key(
            &source,
            &format!(
                "this {} key cannot sign {} (signing_alg = \"{}\"); it signs {}",
                key.kind(),
                alg.name(),
                alg.name(),
                key.default_alg().name()
            ),
        ));
    }
    vlog!("signing with the {} key from {source}", key.kind());
    Ok(key)
}

fn unusable_key(source: &str, why: &str) -> Failure {
    Failure::credentials(format!(
        "the private key from {source} cannot be used: {why}"
    ))
}

/// The DER of a PEM private key, and where it came from (for messages).
fn private_key(from: &KeyFrom, credentials: &mut Credentials) -> Result<(KeyDer, String)> {
    let (pem, source) = match from {
        KeyFrom::File(path) => {
            let pem = read_file(path, "private_key_file", true)?;
            let pem = Zeroizing::new(String::from_utf8_lossy(&pem).into_owned());
            redact::register_pem(&pem);
            (pem, format!("private_key_file {}", path.display()))
        }
        KeyFrom::Field(field) => {
            let pem = Zeroizing::new(credentials.get(*field)?.expose().to_string());
            let source = credentials
                .source(*field)
                .map_or_else(String::new, |s| format!(" ({s})"));
            (pem, format!("{}{source}", field.name()))
        }
    };
    let der = jws::private_key_der(pem.as_bytes()).map_err(|e| unusable_key(&source, &e.0))?;
    Ok((der, source))
}

/// A Google service account's JSON key, from its file (private to its owner, as a key file) or
/// the secret field; errors name the source, never the content.
fn service_account(
    from: &KeyFrom,
    credentials: &mut Credentials,
) -> Result<(ServiceAccount, String)> {
    let (json, source) = match from {
        KeyFrom::File(path) => {
            let bytes = read_file(path, "credentials_file", true)?;
            (bytes, format!("credentials_file {}", path.display()))
        }
        KeyFrom::Field(field) => {
            let json = credentials.get(*field)?.expose().as_bytes().to_vec();
            let source = credentials
                .source(*field)
                .map_or_else(String::new, |s| format!(" ({s})"));
            (Zeroizing::new(json), format!("{}{source}", field.name()))
        }
    };
    // The whole JSON is a secret as it is, and the PEM inside it as PEM.
    redact::register(&String::from_utf8_lossy(&json));
    let parsed = crate::provider::parse_service_account(&json).map_err(|why| {
        Failure::credentials(format!(
            "the service account key in {source} cannot be used: {why}"
        ))
    })?;
    redact::register_pem(&parsed.private_key);
    let der = jws::private_key_der(parsed.private_key.as_bytes())
        .map_err(|e| unusable_key(&source, &e.0))?;
    let key = SigningKey::from_der(&der).map_err(|e| unusable_key(&source, &e.0))?;
    if !key.fits(Alg::RS256) {
        return Err(unusable_key(
            &source,
            &format!(
                "it is a {} key; Google service account keys are RSA (RS256)",
                key.kind()
            ),
        ));
    }
    Ok((
        ServiceAccount {
            client_email: parsed.client_email.clone(),
            private_key_id: parsed.private_key_id.clone(),
            token_uri: parsed.token_uri.clone(),
            key,
        },
        source,
    ))
}

/// A file's bytes, through the one safe reader (README "Security model": non-blocking, a
/// regular file of at most 1 MiB, checked before a byte is read); `private` files (keys) must
/// be readable by their owner only. Symbolic links are followed (Kubernetes mounts secrets
/// through them); the checks are on the file itself. Every refusal is exit 4.
pub fn read_file(path: &Path, what: &str, private: bool) -> Result<Zeroizing<Vec<u8>>> {
    let shown = path.display();
    let refused = |r: fsread::Refusal| match r {
        fsread::Refusal::NotFound => Failure::credentials(format!(
            "cannot read {what} {shown}: No such file or directory"
        )),
        fsread::Refusal::Io(e) => Failure::credentials(format!("cannot read {what} {shown}: {e}")),
        other => Failure::credentials(format!(
            "{what} {shown} {other}; it must be a regular file of at most {}",
            fsread::size(MAX_FILE)
        )),
    };
    let opened = fsread::open(path, fsread::Rules::named(MAX_FILE)).map_err(refused)?;
    let exposed = private.then(|| perms::check(&opened.meta, Rule::Private { ours: false }));
    if let Some(Err(Exposure::Readable(mode))) = exposed {
        return Err(Failure::credentials(format!(
            "{what} {shown} is readable by others (mode {:o}); a private key must be private to its owner",
            mode & 0o777
        ))
        .hint(format!("chmod 600 {shown}")));
    }
    opened.read().map_err(refused)
}

/// An identity token from its source, read now (tokens rotate), registered with the redactor.
fn identity_token(profile: &Profile, source: &TokenSource, deadline: Instant) -> Result<Secret> {
    let token = match source {
        TokenSource::Env(var) => match std::env::var_os(var) {
            None => {
                return Err(Failure::credentials(format!(
                    "no identity token: ${var} is not set (assertion_source = \"env:{var}\")"
                ))
                .hint(format!(
                    "on GitLab CI, declare it in the job: id_tokens: {{ {var}: {{ aud: \"…\" }} }}"
                )));
            }
            Some(v) => Zeroizing::new(v.to_string_lossy().trim().to_string()),
        },
        TokenSource::File(path) => {
            let bytes = read_file(path, "the identity token file", false).map_err(|f| {
                f.hint("on Kubernetes: is the projected service-account token volume mounted at that path?")
            })?;
            Zeroizing::new(String::from_utf8_lossy(&bytes).trim().to_string())
        }
        TokenSource::GitHubActions { audience } => github_token(profile, audience, deadline)?,
    };
    if token.is_empty() {
        return Err(Failure::credentials(format!(
            "no identity token: {} is empty",
            source.describe()
        )));
    }
    // An assertion is a JWS: its signature segment alone is a secret too.
    redact::register_jws(&token);
    if let Some(jwt) = crate::jwt::decode(&token) {
        let claim = |k: &str| jwt.claims.get(k).map(|v| v.to_string()).unwrap_or_default();
        vlog!(
            "identity token from {}: iss {}, sub {}, aud {}",
            source.describe(),
            claim("iss"),
            claim("sub"),
            claim("aud")
        );
    }
    Ok(Secret::new(token.to_string()))
}

/// The job's ID token from GitHub Actions' token service.
fn github_token(profile: &Profile, audience: &str, deadline: Instant) -> Result<Zeroizing<String>> {
    let (url, bearer) = TokenSource::github_request(audience, &|v| std::env::var(v).ok())?;
    redact::register_bearer(&bearer);
    // `allow_insecure_http` covers the token endpoint only: the CI request token goes over
    // https or to loopback, checked before any lookup (README "Security model").
    let target = endpoint::may_carry(&url, Credential::CiRequestToken, false).map_err(|why| {
        Failure::credentials(format!(
            "$ACTIONS_ID_TOKEN_REQUEST_URL cannot be used: {why}"
        ))
    })?;
    let headers = [
        Header::new("Authorization", format!("Bearer {}", bearer.as_str())),
        Header::new("Accept", "application/json"),
    ];
    let purpose = Purpose::IdToken;
    let reply = get(profile, &target, purpose, &headers, deadline)?;
    match reply.status {
        200 => TokenSource::github_value(&reply.body).ok_or_else(|| {
            Failure::unusable(format!(
                "the GitHub Actions ID-token service at {} answered 200 without a token",
                target.host
            ))
        }),
        status => Err(not_ok(&reply, purpose.request(), &target)
            .hint(if (400..500).contains(&status) {
                "the workflow (or job) needs `permissions: id-token: write`; a token older than the job may have expired"
            } else {
                "GitHub's token service did not answer as expected; try again"
            })),
    }
}

/// One GET for `purpose` (the ID-token service, a discovery document), without a client
/// identity: a 200 too large for its purpose is the error here, so callers see whole answers.
fn get(
    profile: &Profile,
    target: &Endpoint,
    purpose: Purpose,
    headers: &[Header],
    deadline: Instant,
) -> Result<Reply> {
    let reply = Client::to(&profile.trust(), target, purpose, None)?.get(
        headers,
        deadline,
        &response::describe,
    )?;
    if reply.status == 200 && reply.body_too_large {
        return Err(crate::http::too_large(purpose));
    }
    Ok(reply)
}

/// A reply other than 200 to a GET: a redirect (never followed) or another 2xx is exit 7, a
/// final 4xx exit 5, as for token requests.
fn not_ok(reply: &Reply, what: &str, target: &Endpoint) -> Failure {
    let text = format!(
        "{what} to {} answered {}",
        target.host,
        response::describe(reply)
    );
    match reply.status {
        300..=399 => Failure::unusable(format!("{text}; redirects are never followed")),
        400..=499 => Failure::rejected(text),
        _ => Failure::unusable(text),
    }
}

/// The token endpoint of the issuer, and whether it came from a cached document: from the
/// cached document when it is less than a day old (and `mode` allows it), else from the OpenID
/// Connect document, else from the RFC 8414 one. A cached document that lacks the profile's
/// auth method is fetched again once before that is an error. A profile with `cache = false`
/// neither reads nor writes discovery files.
fn discover(
    profile: &Profile,
    d: &Discovery,
    deadline: Instant,
    mode: Discover,
) -> Result<(Endpoint, bool, Metadata)> {
    let cache = if profile.cache { Cache::open() } else { None };
    let now = time::now_unix();
    let cached = match (&cache, mode) {
        (Some(c), Discover::Cached) => c.load_metadata(&d.issuer, now),
        _ => None,
    };
    if let Some((m, age)) = cached {
        vlog!(
            "discovery: using the document of {} fetched {age} s ago",
            d.issuer
        );
        match endpoint_of(d, &m) {
            Ok(e) => return Ok((e, true, m)),
            Err(f) if f.kind == Kind::Config => {
                vlog!(
                    "discovery: the cached document does not fit ({}); fetching it again",
                    f.message
                );
            }
            Err(f) => return Err(f),
        }
    }
    let m = fetch_metadata(profile, d, deadline)?;
    if let Some(c) = &cache
        && let Err(e) = c.store_metadata(&m, now)
    {
        vlog!(
            "discovery: cannot keep the document in {}: {e}",
            c.dir().display()
        );
    }
    let endpoint = endpoint_of(d, &m).map_err(|f| {
        f.hint(format!(
            "tokfetch keeps the issuer's document for a day; once the server fixes it: tokfetch cache clear {}",
            profile.name
        ))
    })?;
    Ok((endpoint, false, m))
}

/// The token endpoint a document names, said under `-v` (with a word when it is on another host
/// than the issuer: README "Discovery").
fn endpoint_of(d: &Discovery, metadata: &Metadata) -> Result<Endpoint> {
    let endpoint = d.token_endpoint(metadata)?;
    let issuer_host = endpoint::parse(&d.issuer, true)
        .map(|i| i.host)
        .unwrap_or_default();
    if endpoint.host.eq_ignore_ascii_case(&issuer_host) {
        vlog!("discovery: token endpoint {}", endpoint.url);
    } else {
        vlog!(
            "discovery: token endpoint {} (on {}, another host than the issuer's)",
            endpoint.url,
            endpoint.host
        );
    }
    Ok(endpoint)
}

fn fetch_metadata(profile: &Profile, d: &Discovery, deadline: Instant) -> Result<Metadata> {
    let urls = d.urls();
    let headers = [Header::new("Accept", "application/json")];
    for url in &urls {
        let target = endpoint::parse(url, profile.allow_insecure_http)
            .map_err(|why| Failure::config(format!("issuer {}: {why}", d.issuer)))?;
        let purpose = Purpose::Discovery;
        let reply = get(profile, &target, purpose, &headers, deadline)?;
        match reply.status {
            200 => return d.read(url, &reply.body),
            404 | 410 => vlog!("discovery: {url} answered HTTP {}", reply.status),
            _ => return Err(not_ok(&reply, purpose.request(), &target)),
        }
    }
    Err(Failure::config(format!(
        "no discovery document for issuer {}: both {} and {} answered not found",
        d.issuer, urls[0], urls[1]
    ))
    .hint("check issuer, or set token_url instead"))
}
