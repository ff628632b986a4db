//! Providers (README "Configuration reference"): everything tokfetch knows about one kind of
//! token endpoint lives in one module here, behind the [`Provider`] trait, and nowhere else —
//! its config keys with their help, its secret fields, its documented endpoint, the request it
//! sends, the headers an API call needs, whether it keeps refresh tokens, and what identifies
//! its tokens in the cache. The rest of tokfetch sees the trait and the registry [`ALL`] only.
//!
//! Building a request is pure: settings, secrets and a grant in; what goes on the wire out.
//! Adding a provider is one file implementing the trait, and one line in [`ALL`]
//! (ARCHITECTURE.md, "Adding a provider").

mod andopen;
mod configapi;
mod google;
mod oauth2;
mod onepassword;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

pub use google::{GoogleSettings, ServiceAccount, parse as parse_service_account};
use oauth2::JWT_BEARER_GRANT_TYPE;
pub use oauth2::OAuth2Settings;
pub use oauth2::{
    Discovery, GITHUB_TOKEN_VAR, GITHUB_URL_VAR, Metadata, TokenSource, discovered_endpoint,
};

use crate::endpoint::Endpoint;
use crate::error::{Failure, Result};
use crate::jws::{Alg, DpopKey, SigningKey};
use crate::request::{Header, TokenRequest};
use crate::secret::{Field, Secret};

/// Every provider, in the order help and messages list them.
pub static ALL: [ProviderRef; 5] = [
    ProviderRef(&onepassword::OnePassword),
    ProviderRef(&andopen::AndOpen),
    ProviderRef(&configapi::ConfigApi),
    ProviderRef(&oauth2::OAuth2),
    ProviderRef(&google::Google),
];

/// What one kind of token endpoint needs and sends.
pub trait Provider: Sync {
    /// The `provider = "…"` value.
    fn name(&self) -> &'static str;
    /// One line for help and completions.
    fn about(&self) -> &'static str;
    /// The config keys only this provider accepts (the common ones belong to every profile).
    fn keys(&self) -> &'static [KeySpec];
    /// Whether its profiles name a `client_id` (required then): a Google service account is
    /// named by its key instead.
    fn client_id(&self) -> bool {
        true
    }
    /// The provider's own settings, typed, made once from its keys' values when the config is
    /// read (defaults are in, `settings` has everything but `own`), with the checks across
    /// keys: later code matches on what this returns and never reads a value again.
    fn settle(&self, _settings: &Settings, _values: &Values) -> std::result::Result<Own, Problem> {
        Ok(Own::Common)
    }
    /// The documented token endpoint, or the URL the profile's own keys give (with that key,
    /// whose line an error about the URL points at); `None` when the profile must give
    /// `token_url`.
    fn default_endpoint(&self, values: &Values) -> Option<(String, Option<&'static str>)>;
    /// What a profile that gives no endpoint is told it lacks.
    fn endpoint_keys(&self) -> &'static str {
        "`token_url`"
    }
    /// The environment variable a value of one of this provider's keys names, if it names one
    /// (read from every profile, broken ones too: `exec` withholds these variables).
    fn variable_in(&self, _key: &str, _value: &str) -> Option<String> {
        None
    }
    /// The scope sent when the profile sets none.
    fn default_scope(&self, _values: &Values) -> Option<String> {
        None
    }
    /// Every secret field a profile of this provider may have (`--field` help, messages).
    fn fields(&self) -> &'static [Field] {
        &[Field::ClientSecret]
    }
    /// The secret fields this profile has, as configured.
    fn secret_fields(&self, _settings: &Settings) -> Vec<Field> {
        self.fields().to_vec()
    }
    /// The secrets `build` reads for `grant`.
    fn needs(&self, settings: &Settings, grant: Grant) -> Vec<Field>;
    /// What `build` needs besides secret fields (a key file, an identity token, the token
    /// endpoint from discovery…): the flow gathers these, with I/O, before it calls `build`.
    fn inputs(&self, _settings: &Settings, _grant: Grant) -> Vec<Input> {
        Vec::new()
    }
    /// The token request for `grant`, from the settings and what [`Provider::needs`] and
    /// [`Provider::inputs`] asked for. Pure: time and randomness come in `inputs` too.
    fn build(&self, settings: &Settings, grant: Grant, inputs: &Inputs) -> Result<TokenRequest>;
    /// Headers every API call needs besides `Authorization` (`-o curl`), and the secret each
    /// carries.
    fn header_fields(&self) -> &'static [(&'static str, Field)] {
        &[]
    }
    /// Whether a refresh token from the response is kept and used (RFC 6749 §6).
    fn keeps_refresh_token(&self) -> bool {
        false
    }
    /// How the client authenticates, in words (`inspect`, `doctor`): the profile's
    /// `auth_method` where the provider has that key.
    fn client_auth(&self, _settings: &Settings) -> String {
        "basic".to_string()
    }
    /// What the token request carries that must not cross the network in the clear: a
    /// refusal of plain http names it (README "Security model").
    fn credential(&self, _values: &Values) -> crate::endpoint::Credential {
        crate::endpoint::Credential::ClientSecret
    }
    /// The algorithm of the DPoP key each token is bound to (RFC 9449), when the profile asks
    /// for sender-constrained tokens.
    fn dpop(&self, _settings: &Settings) -> Option<Alg> {
        None
    }
    /// What, besides endpoint, client id, scope and params, makes a token this profile's.
    fn identity(&self, _settings: &Settings) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// A user's grant (README "User tokens"): the flow and its endpoints, when the profile's
    /// tokens are a user's rather than the client's.
    fn user_grant(&self, _settings: &Settings) -> Option<UserGrant> {
        None
    }
}

/// Which user's grant a profile performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserGrantKind {
    /// RFC 8628.
    Device,
    /// RFC 6749 §4.1 with PKCE, a loopback redirect.
    Code,
}

/// What the flow of a user's grant needs to know besides the request shapes: the endpoints
/// the profile names (discovery fills in the rest), the redirect port, whether the client is
/// public, and what the authorization request carries besides `scope`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    pub kind: UserGrantKind,
    pub issuer: Option<String>,
    pub authorization_url: Option<String>,
    pub device_authorization_url: Option<String>,
    pub revocation_url: Option<String>,
    pub redirect_port: Option<u16>,
    /// `auth_method = "none"`.
    pub public: bool,
    /// `audience`, `resource` and the params: sent with the authorization request.
    pub extra: Vec<(String, String)>,
}

impl UserGrantKind {
    /// The `grant = "…"` value.
    pub fn name(self) -> &'static str {
        match self {
            UserGrantKind::Device => "device_code",
            UserGrantKind::Code => "authorization_code",
        }
    }
}

/// A provider from the registry. Compares by name; clap lists [`ALL`] through it.
#[derive(Clone, Copy)]
pub struct ProviderRef(&'static dyn Provider);

impl ProviderRef {
    /// The provider called `name`.
    pub fn named(name: &str) -> Option<ProviderRef> {
        ALL.iter().copied().find(|p| p.name() == name)
    }

    /// `"onepassword", "andopen", "configapi", "oauth2" or "google"`, for messages.
    pub fn list() -> String {
        let names: Vec<String> = ALL.iter().map(|p| format!("\"{}\"", p.name())).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }
}

impl std::ops::Deref for ProviderRef {
    type Target = dyn Provider;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl PartialEq for ProviderRef {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for ProviderRef {}

impl fmt::Debug for ProviderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl clap::ValueEnum for ProviderRef {
    fn value_variants<'a>() -> &'a [Self] {
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.about()))
    }
}

/// One config key of a profile.
#[derive(Debug)]
pub struct KeySpec {
    pub name: &'static str,
    /// What it means, for `profile add --help`, the man page and error hints.
    pub help: &'static str,
    pub kind: KeyKind,
    pub required: bool,
    /// The value used when the profile leaves the key out.
    pub default: Option<&'static str>,
    /// Offered as a `profile add` flag.
    pub flag: bool,
}

impl KeySpec {
    /// An optional text key, offered by `profile add`.
    pub const fn text(name: &'static str, help: &'static str) -> Self {
        KeySpec {
            name,
            help,
            kind: KeyKind::Text,
            required: false,
            default: None,
            flag: true,
        }
    }
}

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A non-empty string without control characters.
    Text,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A host name with an optional port, not a URL; `builds` is the URL made from it, shown
    /// when a URL is given instead.
    Host { builds: &'static str },
    /// A list of hosts, each with an optional port (`git_hosts`).
    Hosts,
    /// The name of an environment variable holding this secret.
    EnvName(Field),
    /// `true` or `false`.
    Bool,
    /// A path (relative to the config file; `~/` allowed).
    Path,
    /// A URL that may receive secrets.
    Url,
    /// A table of extra form fields; these names are set by tokfetch itself.
    Params { reserved: &'static [&'static str] },
    /// A TCP port, 1–65535 (an integer).
    Port,
}

/// A problem found by [`Provider::settle`]: the key it concerns (its line is shown) and what is
/// wrong, naming the profile as `{profile}`.
#[derive(Debug)]
pub struct Problem {
    pub key: &'static str,
    pub message: String,
}

/// A profile's provider settings: what goes on the wire, checked and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub client_id: String,
    pub endpoint: Endpoint,
    /// The scope actually sent (the profile's, else the provider's default).
    pub scope: Option<String>,
    /// Extra form fields, in key order.
    pub params: Vec<(String, String)>,
    /// What the token request carries that must not cross the network in the clear.
    pub carries: crate::endpoint::Credential,
    /// The provider's own settings, as [`Provider::settle`] typed them.
    pub own: Own,
}

/// A provider's own settings, typed once when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Own {
    /// Nothing besides the common settings (the provider's keys only made the endpoint).
    Common,
    /// &Open's tenant reference, sent in every body.
    AndOpen {
        tenant: String,
    },
    OAuth2(Box<OAuth2Settings>),
    Google(Box<GoogleSettings>),
}

/// The values of a provider's own keys, by key, as the config file has them: read only while
/// the config is turned into [`Settings`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<&'static str, String>);

impl Values {
    pub fn new(values: BTreeMap<&'static str, String>) -> Self {
        Values(values)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Which grant to perform.
#[derive(Debug, Clone, Copy)]
pub enum Grant<'a> {
    /// The profile's own grant: client credentials, or what its settings say (oauth2's
    /// `grant = "token_exchange"`).
    Primary,
    /// RFC 6749 §6, with a refresh token kept from an earlier response.
    Refresh(&'a str),
    /// RFC 8628 §3.4: the device code the device authorization request gave.
    DeviceCode(&'a str),
    /// RFC 6749 §4.1.3 with RFC 7636 §4.5: the code the redirect carried, the PKCE verifier,
    /// and the redirect URI the authorization request named.
    AuthorizationCode {
        code: &'a str,
        verifier: &'a str,
        redirect_uri: &'a str,
    },
    /// RFC 8628 §3.1: the device authorization request (not a grant, but the same client
    /// authentication, sent to the device authorization endpoint).
    DeviceAuthorization,
    /// RFC 7009 §2.1: revoke `token` of type `hint` (`refresh_token`, `access_token`) at the
    /// revocation endpoint, with the same client authentication.
    Revocation { token: &'a str, hint: &'static str },
}

/// Where a private key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFrom {
    /// A PEM file, which must be private to its owner.
    File(PathBuf),
    /// A secret field holding the PEM text (README "Secrets").
    Field(Field),
}

/// Something a request needs besides secret fields. The flow (`gather`) reads or fetches it
/// before `build`; providers only say what they need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The token endpoint, from the issuer's metadata.
    Discovery(Discovery),
    /// A private key that signs JWS, with the algorithm it must fit when the profile names one.
    SigningKey { from: KeyFrom, alg: Option<Alg> },
    /// The `x5t#S256` and `x5t` thumbprints of the leaf certificate in this PEM file.
    Thumbprints(PathBuf),
    /// A client certificate chain (PEM, leaf first) and its key, for the TLS handshake.
    ClientCertificate { chain: PathBuf, key: KeyFrom },
    /// An identity token issued to this job or workload, from outside.
    IdentityToken(TokenSource),
    /// A Google service account's JSON key; with `token_uri`, the request goes to the key's
    /// `token_uri` (the profile gave no `token_url`).
    ServiceAccount { from: KeyFrom, token_uri: bool },
}

/// What `build` gets: the secrets and inputs it asked for, the time, and fresh random bytes.
pub struct Inputs<'a> {
    pub secrets: &'a BTreeMap<Field, Secret>,
    pub signing_key: Option<&'a SigningKey>,
    /// `x5t#S256` and `x5t`.
    pub thumbprints: Option<&'a (String, String)>,
    pub identity_token: Option<&'a Secret>,
    pub service_account: Option<&'a ServiceAccount>,
    /// Unix seconds.
    pub now: u64,
    /// For a JWT's `jti` (RFC 7519 §4.1.7): fresh for every request.
    pub nonce: [u8; 16],
    /// The DPoP key of the token being fetched, with the server's nonce when it gave one.
    pub dpop: Option<DpopInput<'a>>,
}

/// What a DPoP proof of a token request needs besides the time.
#[derive(Clone, Copy)]
pub struct DpopInput<'a> {
    pub key: &'a DpopKey,
    /// The server's `DPoP-Nonce` (RFC 9449 §8).
    pub nonce: Option<&'a str>,
    /// The proof's `jti`: fresh for every request.
    pub jti: [u8; 16],
}

impl<'a> Inputs<'a> {
    /// Only these secrets (providers that need nothing else).
    pub fn secrets(secrets: &'a BTreeMap<Field, Secret>, now: u64, nonce: [u8; 16]) -> Self {
        Inputs {
            secrets,
            signing_key: None,
            thumbprints: None,
            identity_token: None,
            service_account: None,
            now,
            nonce,
            dpop: None,
        }
    }

    pub(crate) fn secret(&self, field: Field) -> Result<&'a Secret> {
        self.secrets.get(&field).ok_or_else(|| {
            Failure::internal(format!("{} was not read before the request", field.name()))
        })
    }

    pub(crate) fn missing(what: &str) -> Failure {
        Failure::internal(format!("{what} was not gathered before the request"))
    }
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// The headers of a form POST that expects JSON back.
fn form_headers() -> Vec<Header> {
    vec![
        Header::new("Content-Type", FORM),
        Header::new("Accept", JSON),
    ]
}

/// Unencoded HTTP Basic cannot carry a client id with `:` (RFC 7617 §2): a check of every
/// provider that sends it.
fn unencoded_basic_id(s: &Settings) -> std::result::Result<(), Problem> {
    if s.client_id.contains(':') {
        return Err(Problem {
            key: "client_id",
            message: "client_id of profile `{profile}` contains `:`, which unencoded HTTP Basic cannot carry".to_string(),
        });
    }
    Ok(())
}

/// The error for settings that `settle` of another provider made: a bug, never the user's.
fn unsettled(provider: &str) -> Failure {
    Failure::internal(format!("the settings are not provider {provider}'s"))
}

/// The error for a grant the provider does not perform.
fn unsupported(provider: &str, grant: Grant) -> Failure {
    Failure::internal(format!("provider {provider} has no {grant:?} grant"))
}

#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::{Grant, Inputs, TokenRequest};
    use crate::config::{self, Profile};
    use crate::secret::{Field, Secret};

    /// A profile parsed from a config snippet, for request-shape tests.
    pub fn profile(toml: &str) -> Profile {
        let cfg = config::parse(Path::new("/t/config.toml"), toml)
            .unwrap_or_else(|e| panic!("test config: {}", e.message));
        cfg.profiles
            .into_values()
            .next()
            .unwrap_or_else(|| panic!("test config has no profile"))
    }

    /// The request `profile` sends for `grant` with these secrets.
    pub fn build(
        profile: &Profile,
        grant: Grant,
        secrets: &[(Field, &str)],
    ) -> crate::error::Result<TokenRequest> {
        let map: BTreeMap<Field, Secret> = secrets
            .iter()
            .map(|(f, s)| (*f, Secret::new(s.to_string())))
            .collect();
        profile.provider.build(
            &profile.settings,
            grant,
            &Inputs::secrets(&map, 1_700_000_000, [7; 16]),
        )
    }

    pub fn body(req: &TokenRequest) -> String {
        String::from_utf8(req.body.to_vec()).unwrap_or_else(|_| panic!("body is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_names_each_provider_once() {
        let mut names: Vec<&str> = ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        assert_eq!(
            ProviderRef::list(),
            "\"onepassword\", \"andopen\", \"configapi\", \"oauth2\" or \"google\""
        );
        assert!(ProviderRef::named("andopen").is_some());
        assert!(ProviderRef::named("AndOpen").is_none());
    }

    #[test]
    fn every_key_with_a_default_accepts_it() {
        for p in &ALL {
            for k in p.keys() {
                if let (Some(d), KeyKind::OneOf(allowed)) = (k.default, k.kind) {
                    assert!(allowed.contains(&d), "{}.{}", p.name(), k.name);
                }
            }
        }
    }
}
