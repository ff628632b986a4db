//! The TOML config (SPEC §3): where it lives, what every key means, and errors that name the file,
//! the line and the key, with the closest valid alternative.
//!
//! The file is walked by hand over `toml`'s spanned tree rather than deserialised with serde, so
//! that every error can point at a line and so that keys can be checked per provider.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::endpoint::{self, Endpoint};
use crate::error::{Failure, Result};
use crate::secret::Field;
use crate::suggest;

/// The providers tokfetch knows, by their `provider =` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    OnePassword,
    AndOpen,
    ConfigApi,
    OAuth2,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::OnePassword,
        ProviderKind::AndOpen,
        ProviderKind::ConfigApi,
        ProviderKind::OAuth2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::OnePassword => "onepassword",
            ProviderKind::AndOpen => "andopen",
            ProviderKind::ConfigApi => "configapi",
            ProviderKind::OAuth2 => "oauth2",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Keys that only this provider accepts.
    fn own_keys(self) -> &'static [&'static str] {
        match self {
            ProviderKind::OnePassword => &["region", "scope"],
            ProviderKind::AndOpen => &["environment", "tenant", "api_key_env"],
            ProviderKind::ConfigApi => &["host", "scope"],
            ProviderKind::OAuth2 => &["auth_method", "scope", "audience", "params"],
        }
    }

    /// Every key a profile of this provider may hold.
    pub fn keys(self) -> impl Iterator<Item = &'static str> {
        COMMON_KEYS.iter().chain(self.own_keys()).copied()
    }

    /// The secrets a profile of this provider needs.
    pub fn secret_fields(self) -> &'static [Field] {
        match self {
            ProviderKind::AndOpen => &[Field::ClientSecret, Field::ApiKey],
            _ => &[Field::ClientSecret],
        }
    }
}

const COMMON_KEYS: &[&str] = &[
    "provider",
    "client_id",
    "token_url",
    "allow_insecure_http",
    "cache",
    "ca_file",
    "client_secret_env",
];

const TOP_LEVEL_KEYS: &[&str] = &["default_profile", "profiles"];

/// Keys that would hold a secret: never read from the config (README "Secrets").
const SECRET_KEYS: &[Field] = &[Field::ClientSecret, Field::ApiKey];

/// Form fields tokfetch sets itself; `params` may not override them.
const RESERVED_PARAMS: &[&str] = &["grant_type", "client_id", "client_secret", "refresh_token"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic with id and secret form-urlencoded first (RFC 6749 §2.3.1).
    Basic,
    /// HTTP Basic over the raw `id:secret`, as `curl --user` sends it.
    BasicUnencoded,
    /// `client_id` and `client_secret` in the form body (client_secret_post).
    Post,
}

impl AuthMethod {
    const NAMES: [&'static str; 3] = ["basic", "basic-unencoded", "post"];

    fn parse(s: &str) -> Option<Self> {
        match s {
            "basic" => Some(AuthMethod::Basic),
            "basic-unencoded" => Some(AuthMethod::BasicUnencoded),
            "post" => Some(AuthMethod::Post),
            _ => None,
        }
    }
}

/// What is particular to each provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    OnePassword { region: String },
    AndOpen { environment: String, tenant: String },
    ConfigApi { host: String },
    OAuth2 { auth_method: AuthMethod },
}

/// A validated profile: everything needed to ask for a token, except the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub provider: Provider,
    pub client_id: String,
    pub endpoint: Endpoint,
    /// The scope actually sent (for configapi, the host when none is set).
    pub scope: Option<String>,
    pub audience: Option<String>,
    /// Extra form fields (`[profiles.X.params]`), in key order.
    pub params: Vec<(String, String)>,
    pub cache: bool,
    pub ca_file: Option<PathBuf>,
    pub client_secret_env: Option<String>,
    pub api_key_env: Option<String>,
}

impl Profile {
    pub fn kind(&self) -> ProviderKind {
        match self.provider {
            Provider::OnePassword { .. } => ProviderKind::OnePassword,
            Provider::AndOpen { .. } => ProviderKind::AndOpen,
            Provider::ConfigApi { .. } => ProviderKind::ConfigApi,
            Provider::OAuth2 { .. } => ProviderKind::OAuth2,
        }
    }

    pub fn tenant(&self) -> Option<&str> {
        match &self.provider {
            Provider::AndOpen { tenant, .. } => Some(tenant),
            _ => None,
        }
    }

    /// The config key naming an environment variable for `field`, if the profile sets one.
    pub fn env_override(&self, field: Field) -> Option<&str> {
        match field {
            Field::ClientSecret => self.client_secret_env.as_deref(),
            Field::ApiKey => self.api_key_env.as_deref(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, Profile>,
    /// Profiles with an error, and the error. A broken profile fails only the commands that
    /// use it (README "Configuration reference"); `profiles` lists it with its error.
    pub broken: BTreeMap<String, Failure>,
    /// Every variable a `*_env` key of any profile names, broken profiles included: `exec`
    /// withholds them all from the command (README "Security model").
    pub secret_env_vars: std::collections::BTreeSet<String>,
}

/// `--config` > `$TOKFETCH_CONFIG` > `<config dir>/tokfetch/config.toml`.
pub fn resolve_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("TOKFETCH_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir()
        .map(|d| d.join("tokfetch").join("config.toml"))
        .ok_or_else(|| {
            Failure::config("cannot determine the config directory (is $HOME set?)")
                .hint("pass --config PATH or set TOKFETCH_CONFIG")
        })
}

/// The largest config file tokfetch reads (README "Configuration reference").
pub const MAX_CONFIG: u64 = 1 << 20;

/// Read and validate the config file at `path`.
pub fn load(path: &Path) -> Result<Config> {
    match read(path)? {
        Some(text) => parse(path, &text),
        None => Err(
            Failure::config(format!("no config file at {}", path.display()))
                .hint("start with: tokfetch profile add NAME --provider onepassword --client-id ID")
                .hint("providers: onepassword (--region), andopen (--tenant), configapi (--host), oauth2 (--token-url)")
                .hint("or write the file by hand; README.md has an example for every provider"),
        ),
    }
}

/// The text of the config file, `None` when there is none. Refused before a byte is read: a
/// FIFO, device or directory (which would hang or never end), a file over [`MAX_CONFIG`], and
/// on Unix a file others may write or that another user owns (root aside): the config decides
/// where secrets are sent, so it gets the trust ssh gives `~/.ssh/config`.
pub fn read(path: &Path) -> Result<Option<String>> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        Failure::config(format!("cannot read config file {}: {e}", path.display()))
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Opening a FIFO for reading would block until a writer came; non-blocking returns at
        // once, and the type check below refuses it.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let meta = file.metadata().map_err(cannot)?;
    check_file(path, &meta)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_CONFIG + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_CONFIG {
        return Err(too_large(path));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::config(format!("{}: the config file is not UTF-8", path.display()))
    })?;
    Ok(Some(text))
}

fn too_large(path: &Path) -> Failure {
    Failure::config(format!(
        "config file {} is larger than {} KiB; that is not a tokfetch config",
        path.display(),
        MAX_CONFIG / 1024
    ))
}

/// A regular file (a link to one is followed), small enough, and on Unix trusted.
fn check_file(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(
            Failure::config(format!("config file {} is {what}", path.display()))
                .hint("point --config or TOKFETCH_CONFIG at a TOML file"),
        );
    }
    if meta.len() > MAX_CONFIG {
        return Err(too_large(path));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me && meta.uid() != 0 {
            return Err(Failure::config(format!(
                "config file {} is owned by another user (uid {}); refusing it, as ssh refuses such a ~/.ssh/config: it decides where secrets are sent",
                path.display(),
                meta.uid()
            ))
            .hint(format!("take it over: chown \"$(id -u)\" {}", path.display())));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(Failure::config(format!(
                "config file {} is writable by others (mode {:o}); refusing it, as ssh refuses such a ~/.ssh/config: it decides where secrets are sent",
                path.display(),
                meta.mode() & 0o777
            ))
            .hint(format!("chmod go-w {}", path.display())));
        }
    }
    Ok(())
}

/// Validate config text; `path` is used in messages and to resolve relative `ca_file` paths.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let file = path.display().to_string();
    let cx = Cx { file: &file, text };
    let root = DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|s| cx.position(s.start)).unwrap_or_default();
        Failure::config(format!("{file}{at}: invalid TOML: {}", e.message().trim()))
    })?;
    let root = root.get_ref();

    let mut default_profile = None;
    let mut profiles = BTreeMap::new();
    let mut broken = BTreeMap::new();
    let mut secret_env_vars = std::collections::BTreeSet::new();
    for (key, value) in root.iter() {
        match key.get_ref().as_ref() {
            "default_profile" => {
                default_profile = Some((cx.string(key, value, None)?, key.span()));
            }
            "profiles" => {
                let DeValue::Table(table) = value.get_ref() else {
                    return Err(cx.err(
                        key.span(),
                        "`profiles` must be a table of [profiles.NAME] tables",
                    ));
                };
                for (name, body) in table.iter() {
                    if let DeValue::Table(t) = body.get_ref() {
                        for (k, v) in t.iter() {
                            if let (true, DeValue::String(var)) = (
                                SECRET_KEYS.iter().any(|f| f.env_key() == k.get_ref()),
                                v.get_ref(),
                            ) {
                                secret_env_vars.insert(var.to_string());
                            }
                        }
                    }
                    match cx.profile(path, name, body) {
                        Ok(profile) => {
                            profiles.insert(profile.name.clone(), profile);
                        }
                        Err(f) => {
                            broken.insert(name.get_ref().to_string(), f);
                        }
                    }
                }
            }
            other => {
                let mut msg = format!("unknown top-level key `{other}`");
                if let Some(s) = suggest::closest(other, TOP_LEVEL_KEYS.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                } else if matches!(value.get_ref(), DeValue::Table(_)) {
                    msg.push_str(&format!("; profiles are written [profiles.{other}]"));
                }
                return Err(cx.err(key.span(), msg));
            }
        }
    }

    let default_profile = match default_profile {
        Some((name, span)) => {
            if !profiles.contains_key(&name) && !broken.contains_key(&name) {
                return Err(cx.err(
                    span,
                    format!(
                        "default_profile `{name}` is not a profile in this file{}",
                        known_list(profiles.keys().chain(broken.keys()))
                    ),
                ));
            }
            Some(name)
        }
        None => None,
    };

    Ok(Config {
        path: path.to_path_buf(),
        default_profile,
        profiles,
        broken,
        secret_env_vars,
    })
}

fn known_list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names
        .map(String::as_str)
        .filter(|n| valid_profile_name(n))
        .collect();
    if names.is_empty() {
        "; the file defines no profiles".to_string()
    } else {
        format!("; known profiles: {}", names.join(", "))
    }
}

/// The longest profile name: it must fit in a file name with the cache's suffixes.
pub const MAX_PROFILE_NAME: usize = 64;

/// Valid profile names: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`, so that no name is `.` or `..`,
/// hidden, or too long for a cache or lock file name.
pub fn valid_profile_name(name: &str) -> bool {
    let b = name.as_bytes();
    matches!(b.first(), Some(c) if c.is_ascii_alphanumeric())
        && b.len() <= MAX_PROFILE_NAME
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// What a profile name must look like, for messages.
pub const PROFILE_NAME_RULE: &str =
    "a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`";

/// Valid environment variable names for `*_env` keys: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn valid_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Where a profile name came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Argument,
    Environment,
    Default,
}

impl Config {
    /// Every profile name in the file, usable or broken, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut all: Vec<&str> = self
            .profiles
            .keys()
            .chain(self.broken.keys())
            .map(String::as_str)
            .filter(|n| valid_profile_name(n))
            .collect();
        all.sort_unstable();
        all.into_iter()
    }

    /// The profile to use: the argument, else `$TOKFETCH_PROFILE`, else `default_profile`.
    pub fn select(&self, arg: Option<&str>) -> Result<&Profile> {
        let env = std::env::var("TOKFETCH_PROFILE")
            .ok()
            .filter(|v| !v.is_empty());
        let (name, chosen) = match (arg, env.as_deref(), self.default_profile.as_deref()) {
            (Some(a), _, _) => (a, Chosen::Argument),
            (None, Some(e), _) => (e, Chosen::Environment),
            (None, None, Some(d)) => (d, Chosen::Default),
            (None, None, None) => {
                let mut f = Failure::usage("no profile given");
                f = f.hint(format!(
                    "name one (tokfetch get PROFILE), set TOKFETCH_PROFILE, or set default_profile in {}",
                    self.path.display()
                ));
                if !self.profiles.is_empty() {
                    let names: Vec<&str> = self.names().collect();
                    f = f.hint(format!("profiles: {}", names.join(", ")));
                }
                return Err(f);
            }
        };
        self.profile(name, chosen)
    }

    /// The profile called `name`, or an error listing the known ones.
    pub fn profile(&self, name: &str, chosen: Chosen) -> Result<&Profile> {
        if let Some(p) = self.profiles.get(name) {
            return Ok(p);
        }
        if let Some(f) = self.broken.get(name) {
            return Err(f.clone());
        }
        Err(self.unknown_profile(name, chosen))
    }

    /// The error for a name that is not a profile of this file, listing the known ones.
    pub fn unknown_profile(&self, name: &str, chosen: Chosen) -> Failure {
        let origin = match chosen {
            Chosen::Argument => "",
            Chosen::Environment => " (from TOKFETCH_PROFILE)",
            Chosen::Default => " (from default_profile)",
        };
        let mut msg = format!(
            "unknown profile `{name}`{origin} in {}{}",
            self.path.display(),
            known_list(self.profiles.keys().chain(self.broken.keys()))
        );
        if let Some(s) = suggest::closest(name, self.names()) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        }
        Failure::config(msg)
    }
}

/// The file being validated, for errors that point into it.
struct Cx<'a> {
    file: &'a str,
    text: &'a str,
}

type Key<'i> = Spanned<std::borrow::Cow<'i, str>>;
type Value<'i> = Spanned<DeValue<'i>>;

impl Cx<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn position(&self, offset: usize) -> String {
        format!(":{}", self.line(offset))
    }

    fn err(&self, span: std::ops::Range<usize>, msg: impl AsRef<str>) -> Failure {
        Failure::config(format!(
            "{}:{}: {}",
            self.file,
            self.line(span.start),
            msg.as_ref()
        ))
    }

    fn describe(key: &str, profile: Option<&str>) -> String {
        match profile {
            Some(p) => format!("`{key}` in profile `{p}`"),
            None => format!("`{key}`"),
        }
    }

    /// A non-empty string without control characters.
    fn string(&self, key: &Key, value: &Value, profile: Option<&str>) -> Result<String> {
        let what = Self::describe(key.get_ref(), profile);
        match value.get_ref() {
            DeValue::String(s) if s.trim().is_empty() => {
                Err(self.err(value.span(), format!("{what} must not be empty")))
            }
            DeValue::String(s) if s.chars().any(char::is_control) => Err(self.err(
                value.span(),
                format!("{what} must not contain control characters"),
            )),
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.err(value.span(), format!("{what} must be a string (in quotes)"))),
        }
    }

    fn boolean(&self, key: &Key, value: &Value, profile: &str) -> Result<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.err(
                value.span(),
                format!(
                    "{} must be true or false",
                    Self::describe(key.get_ref(), Some(profile))
                ),
            )),
        }
    }

    fn one_of(
        &self,
        key: &Key,
        value: &Value,
        profile: &str,
        allowed: &[&'static str],
    ) -> Result<String> {
        let s = self.string(key, value, Some(profile))?;
        if allowed.contains(&s.as_str()) {
            return Ok(s);
        }
        let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
        let mut msg = format!(
            "{} must be one of {}, not \"{s}\"",
            Self::describe(key.get_ref(), Some(profile)),
            list.join(", ")
        );
        if let Some(c) = suggest::closest(&s, allowed.iter().copied()) {
            msg.push_str(&format!("; did you mean \"{c}\"?"));
        }
        Err(self.err(value.span(), msg))
    }

    fn env_name(&self, key: &Key, value: &Value, profile: &str) -> Result<String> {
        let s = self.string(key, value, Some(profile))?;
        if valid_env_name(&s) {
            Ok(s)
        } else {
            Err(self.err(
                value.span(),
                format!(
                    "{} must be the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*), not \"{s}\"; the secret itself never goes in the config",
                    Self::describe(key.get_ref(), Some(profile))
                ),
            ))
        }
    }

    fn profile(&self, config_path: &Path, name_key: &Key, body: &Value) -> Result<Profile> {
        let name = name_key.get_ref().to_string();
        if !valid_profile_name(&name) {
            return Err(self.err(
                name_key.span(),
                format!(
                    "profile name `{name}` is not valid: a profile name is {PROFILE_NAME_RULE}"
                ),
            ));
        }
        let DeValue::Table(table) = body.get_ref() else {
            return Err(self.err(
                name_key.span(),
                format!("profile `{name}` must be a table ([profiles.{name}])"),
            ));
        };
        let header = name_key.span();

        // The provider decides which other keys are allowed, so read it first.
        let kind = match table.iter().find(|(k, _)| k.get_ref() == "provider") {
            None => {
                return Err(self.err(
                    header,
                    format!(
                        "profile `{name}` has no `provider`; set provider = \"onepassword\", \"andopen\", \"configapi\" or \"oauth2\""
                    ),
                ));
            }
            Some((k, v)) => {
                let s = self.string(k, v, Some(&name))?;
                ProviderKind::parse(&s).ok_or_else(|| {
                    let mut msg = format!(
                        "unknown provider \"{s}\" in profile `{name}`; expected \"onepassword\", \"andopen\", \"configapi\" or \"oauth2\""
                    );
                    if let Some(c) =
                        suggest::closest(&s, ProviderKind::ALL.iter().map(|k| k.name()))
                    {
                        msg.push_str(&format!("; did you mean \"{c}\"?"));
                    }
                    self.err(v.span(), msg)
                })?
            }
        };

        let mut p = RawProfile::default();
        for (key, value) in table.iter() {
            let k = key.get_ref().as_ref();
            if !kind.keys().any(|allowed| allowed == k) {
                return Err(self.misplaced(key, kind, &name));
            }
            match k {
                "provider" => {}
                "client_id" => p.client_id = Some(self.string(key, value, Some(&name))?),
                "token_url" => {
                    p.token_url = Some((self.string(key, value, Some(&name))?, value.span()))
                }
                "allow_insecure_http" => p.allow_insecure_http = self.boolean(key, value, &name)?,
                "cache" => p.cache = Some(self.boolean(key, value, &name)?),
                "ca_file" => {
                    p.ca_file = Some(resolve_ca_path(
                        config_path,
                        &self.string(key, value, Some(&name))?,
                    ))
                }
                "client_secret_env" => {
                    p.client_secret_env = Some(self.env_name(key, value, &name)?)
                }
                "api_key_env" => p.api_key_env = Some(self.env_name(key, value, &name)?),
                "region" => {
                    p.region = Some(self.one_of(key, value, &name, &["com", "ca", "eu"])?)
                }
                "environment" => {
                    p.environment =
                        Some(self.one_of(key, value, &name, &["production", "staging"])?)
                }
                "tenant" => p.tenant = Some(self.string(key, value, Some(&name))?),
                "host" => p.host = Some((self.host(key, value, &name)?, value.span())),
                "scope" => {
                    let scope = self.string(key, value, Some(&name))?;
                    if kind == ProviderKind::OnePassword && scope != "openid" {
                        return Err(self.err(
                            value.span(),
                            format!(
                                "`scope` in profile `{name}` must be \"openid\" for provider onepassword (the only scope 1Password issues), not \"{scope}\""
                            ),
                        ));
                    }
                    p.scope = Some(scope);
                }
                "audience" => p.audience = Some(self.string(key, value, Some(&name))?),
                "auth_method" => {
                    let s = self.one_of(key, value, &name, &AuthMethod::NAMES)?;
                    p.auth_method = AuthMethod::parse(&s);
                }
                "params" => p.params = self.params(key, value, &name)?,
                _ => unreachable!("every allowed key is handled above"),
            }
        }

        let missing = |key: &str| {
            self.err(
                header.clone(),
                format!("profile `{name}` is missing required key `{key}`"),
            )
        };
        let client_id = p.client_id.ok_or_else(|| missing("client_id"))?;

        let provider = match kind {
            ProviderKind::OnePassword => Provider::OnePassword {
                region: p.region.unwrap_or_else(|| "com".to_string()),
            },
            ProviderKind::AndOpen => Provider::AndOpen {
                environment: p.environment.unwrap_or_else(|| "production".to_string()),
                tenant: p.tenant.ok_or_else(|| missing("tenant"))?,
            },
            ProviderKind::ConfigApi => Provider::ConfigApi {
                host: p.host.clone().ok_or_else(|| missing("host"))?.0,
            },
            ProviderKind::OAuth2 => Provider::OAuth2 {
                auth_method: p.auth_method.unwrap_or(AuthMethod::Basic),
            },
        };

        let unencoded_basic = matches!(
            provider,
            Provider::OnePassword { .. }
                | Provider::OAuth2 {
                    auth_method: AuthMethod::BasicUnencoded
                }
        );
        if unencoded_basic && client_id.contains(':') {
            return Err(self.err(
                header,
                format!(
                    "client_id of profile `{name}` contains `:`, which unencoded HTTP Basic cannot carry"
                ),
            ));
        }

        for (key, _) in &p.params {
            let clash = match key.as_str() {
                "scope" => p.scope.is_some(),
                "audience" => p.audience.is_some(),
                _ => false,
            };
            if clash {
                return Err(self.err(
                    header,
                    format!(
                        "profile `{name}` sets `{key}` both as a key and in [profiles.{name}.params]; keep one"
                    ),
                ));
            }
        }

        let (url, url_span) = match (&p.token_url, &provider) {
            (Some((u, span)), _) => (u.clone(), span.clone()),
            (None, Provider::OAuth2 { .. }) => return Err(missing("token_url")),
            (None, _) => (default_endpoint(&provider), header.clone()),
        };
        let endpoint = endpoint::parse(&url, p.allow_insecure_http).map_err(|why| {
            let f = self.err(url_span, format!("profile `{name}`: {why}"));
            if why.starts_with("refusing plain http") {
                f.hint("use https, or set allow_insecure_http = true in the profile if you really mean it")
            } else {
                f
            }
        })?;

        let scope = match (&provider, p.scope) {
            (Provider::ConfigApi { host }, None) => Some(host.clone()),
            (_, s) => s,
        };

        Ok(Profile {
            name,
            provider,
            client_id,
            endpoint,
            scope,
            audience: p.audience,
            params: p.params,
            cache: p.cache.unwrap_or(true),
            ca_file: p.ca_file,
            client_secret_env: p.client_secret_env,
            api_key_env: p.api_key_env,
        })
    }

    /// The error for a key this provider does not accept, saying where it belongs or what was meant.
    fn misplaced(&self, key: &Key, kind: ProviderKind, profile: &str) -> Failure {
        let k = key.get_ref().as_ref();
        if let Some(field) = SECRET_KEYS.iter().find(|f| f.name() == k) {
            return self.secret_in_config(key.span(), *field, profile);
        }
        let owners: Vec<&str> = ProviderKind::ALL
            .iter()
            .filter(|o| o.own_keys().contains(&k))
            .map(|o| o.name())
            .collect();
        let mut msg = if owners.is_empty() {
            format!("unknown key `{k}` in profile `{profile}`")
        } else {
            format!(
                "key `{k}` does not apply to provider \"{}\" (profile `{profile}`); it is for {}",
                kind.name(),
                owners.join(", ")
            )
        };
        if let Some(s) = suggest::closest(k, kind.keys()) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        }
        let f = self.err(key.span(), msg);
        if owners.is_empty() {
            let valid: Vec<&str> = kind.keys().collect();
            f.hint(format!(
                "valid keys for provider {}: {}",
                kind.name(),
                valid.join(", ")
            ))
        } else {
            f
        }
    }

    /// A secret written into the config: refused, its value never echoed, with the two ways
    /// a secret is given instead (README "Secrets").
    fn secret_in_config(
        &self,
        span: std::ops::Range<usize>,
        field: Field,
        profile: &str,
    ) -> Failure {
        let flag = crate::secret::field_flag(field);
        self.err(
            span,
            format!(
                "`{}` in profile `{profile}`: secrets are never read from the config file; remove the line",
                field.name()
            ),
        )
        .hint(format!(
            "store it in the OS keyring: tokfetch secret set {profile}{flag}"
        ))
        .hint(format!(
            "or set {} in the environment (CI), or name your own variable with {} = \"VAR\"",
            crate::secret::conventional_env(profile, field),
            field.env_key()
        ))
    }

    /// `host = "example.com"` or `"example.com:8443"`: a host, not a URL.
    fn host(&self, key: &Key, value: &Value, profile: &str) -> Result<String> {
        let s = self.string(key, value, Some(profile))?;
        let ok = !s.contains("://")
            && !s
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#' | '\\'));
        if ok {
            Ok(s)
        } else {
            let mut f = self.err(
                value.span(),
                format!("`host` in profile `{profile}` must be a host name such as \"example.com\", not \"{s}\""),
            );
            if s.contains("://") {
                f = f.hint("drop the scheme and path: tokfetch builds https://<host>/configapi/v2/oauth/token");
            }
            Err(f)
        }
    }

    fn params(&self, key: &Key, value: &Value, profile: &str) -> Result<Vec<(String, String)>> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.err(
                value.span(),
                format!(
                    "`params` in profile `{profile}` must be a table ([profiles.{profile}.params])"
                ),
            ));
        };
        let _ = key;
        let mut out = Vec::new();
        for (k, v) in table.iter() {
            let name = k.get_ref().to_string();
            if let Some(field) = SECRET_KEYS.iter().find(|f| f.name() == name) {
                return Err(self.secret_in_config(k.span(), *field, profile));
            }
            if RESERVED_PARAMS.contains(&name.as_str()) {
                return Err(self.err(
                    k.span(),
                    format!("`{name}` in [profiles.{profile}.params] is set by tokfetch itself and cannot be overridden"),
                ));
            }
            let text = match v.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Integer(i) => i.as_str().to_string(),
                DeValue::Boolean(b) => b.to_string(),
                _ => {
                    return Err(self.err(
                        v.span(),
                        format!("`{name}` in [profiles.{profile}.params] must be a string, integer or boolean"),
                    ));
                }
            };
            if text.chars().any(char::is_control) {
                return Err(self.err(
                    v.span(),
                    format!("`{name}` in [profiles.{profile}.params] must not contain control characters"),
                ));
            }
            out.push((name, text));
        }
        Ok(out)
    }
}

/// Keys read from one profile table before they are combined and checked together.
#[derive(Default)]
struct RawProfile {
    client_id: Option<String>,
    token_url: Option<(String, std::ops::Range<usize>)>,
    allow_insecure_http: bool,
    cache: Option<bool>,
    ca_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    api_key_env: Option<String>,
    region: Option<String>,
    environment: Option<String>,
    tenant: Option<String>,
    host: Option<(String, std::ops::Range<usize>)>,
    scope: Option<String>,
    audience: Option<String>,
    auth_method: Option<AuthMethod>,
    params: Vec<(String, String)>,
}

/// The provider's documented token endpoint.
fn default_endpoint(provider: &Provider) -> String {
    match provider {
        Provider::OnePassword { region } => {
            format!("https://api.1password.{region}/v1beta1/users/oauth2/token")
        }
        Provider::AndOpen { environment, .. } if environment == "staging" => {
            "https://staging.auth.andopen.co/auth/token".to_string()
        }
        Provider::AndOpen { .. } => "https://auth.andopen.co/auth/token".to_string(),
        Provider::ConfigApi { host } => format!("https://{host}/configapi/v2/oauth/token"),
        Provider::OAuth2 { .. } => String::new(),
    }
}

/// `~/x` is under the home directory; a relative path is relative to the config file's directory.
fn resolve_ca_path(config_path: &Path, raw: &str) -> PathBuf {
    if let Some(rest) = raw.strip_prefix("~/")
        && let Some(home) = dirs::home_dir()
    {
        return home.join(rest);
    }
    let p = PathBuf::from(raw);
    if p.is_absolute() {
        p
    } else {
        config_path.parent().map(|dir| dir.join(&p)).unwrap_or(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Config {
        match parse(Path::new("/etc/t/config.toml"), text) {
            Ok(c) => c,
            Err(e) => panic!("config should parse: {}", e.message),
        }
    }

    /// The error of a refused file, or of its one broken profile.
    fn parse_err(text: &str) -> String {
        let e = match parse(Path::new("/etc/t/config.toml"), text) {
            Err(e) => e,
            Ok(c) => match c.broken.into_values().next() {
                Some(e) => e,
                None => panic!("config should be refused:\n{text}"),
            },
        };
        assert_eq!(e.kind, crate::error::Kind::Config);
        e.message
    }

    const SPEC_EXAMPLE: &str = r#"
default_profile = "onepassword-eu"

[profiles.onepassword-eu]
provider = "onepassword"
region = "eu"
client_id = "op-client"

[profiles.andopen]
provider = "andopen"
environment = "production"
tenant = "acme"
client_id = "andopen_client_id_1"

[profiles.corp]
provider = "configapi"
host = "example.com"
client_id = "sheila.thomas"

[profiles.okta]
provider = "oauth2"
token_url = "https://acme.okta.com/oauth2/default/v1/token"
auth_method = "post"
client_id = "okta-client"
scope = "api.read"
[profiles.okta.params]
audience = "https://api.acme.example"
"#;

    #[test]
    fn the_spec_example_parses_with_every_endpoint_computed() {
        let c = parse_ok(SPEC_EXAMPLE);
        assert_eq!(c.default_profile.as_deref(), Some("onepassword-eu"));
        let url = |n: &str| c.profiles[n].endpoint.url.clone();
        assert_eq!(
            url("onepassword-eu"),
            "https://api.1password.eu/v1beta1/users/oauth2/token"
        );
        assert_eq!(url("andopen"), "https://auth.andopen.co/auth/token");
        assert_eq!(url("corp"), "https://example.com/configapi/v2/oauth/token");
        assert_eq!(url("okta"), "https://acme.okta.com/oauth2/default/v1/token");
        assert_eq!(c.profiles["corp"].scope.as_deref(), Some("example.com"));
        assert_eq!(c.profiles["andopen"].tenant(), Some("acme"));
        assert_eq!(
            c.profiles["okta"].params,
            vec![(
                "audience".to_string(),
                "https://api.acme.example".to_string()
            )]
        );
        assert_eq!(
            c.profiles["okta"].provider,
            Provider::OAuth2 {
                auth_method: AuthMethod::Post
            }
        );
    }

    #[test]
    fn defaults_are_com_production_and_basic() {
        let c = parse_ok(
            r#"
[profiles.op]
provider = "onepassword"
client_id = "a"
[profiles.ao]
provider = "andopen"
tenant = "t"
client_id = "b"
[profiles.staging]
provider = "andopen"
environment = "staging"
tenant = "t"
client_id = "b"
[profiles.o]
provider = "oauth2"
token_url = "https://idp.example/token"
client_id = "c"
"#,
        );
        assert_eq!(
            c.profiles["op"].endpoint.url,
            "https://api.1password.com/v1beta1/users/oauth2/token"
        );
        assert_eq!(c.profiles["op"].scope, None);
        assert_eq!(
            c.profiles["ao"].endpoint.url,
            "https://auth.andopen.co/auth/token"
        );
        assert_eq!(
            c.profiles["staging"].endpoint.url,
            "https://staging.auth.andopen.co/auth/token"
        );
        assert_eq!(
            c.profiles["o"].provider,
            Provider::OAuth2 {
                auth_method: AuthMethod::Basic
            }
        );
        assert!(c.profiles["o"].cache);
    }

    #[test]
    fn unknown_keys_name_file_line_key_and_suggestion() {
        let msg = parse_err(
            "[profiles.ao]\nprovider = \"andopen\"\nclient_id = \"x\"\ntenent = \"acme\"\n",
        );
        assert!(msg.starts_with("/etc/t/config.toml:4: "), "{msg}");
        assert!(msg.contains("`tenent`"), "{msg}");
        assert!(msg.contains("did you mean `tenant`?"), "{msg}");
    }

    #[test]
    fn keys_of_another_provider_are_refused() {
        let msg = parse_err(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\ntenant = \"acme\"\n",
        );
        assert!(msg.contains(":4: "), "{msg}");
        assert!(
            msg.contains("does not apply to provider \"onepassword\""),
            "{msg}"
        );
        assert!(msg.contains("it is for andopen"), "{msg}");
    }

    #[test]
    fn bad_values_are_refused_with_the_allowed_ones() {
        let msg = parse_err(
            "[profiles.op]\nprovider = \"onepassword\"\nregion = \"us\"\nclient_id = \"x\"\n",
        );
        assert!(msg.contains(":3: "), "{msg}");
        assert!(msg.contains("\"com\", \"ca\", \"eu\""), "{msg}");
        let msg = parse_err(
            "[profiles.o]\nprovider = \"oauth2\"\ntoken_url = \"https://x/t\"\nauth_method = \"bearer\"\nclient_id = \"x\"\n",
        );
        assert!(
            msg.contains("\"basic\", \"basic-unencoded\", \"post\""),
            "{msg}"
        );
        let msg = parse_err("[profiles.x]\nprovider = \"onepasword\"\nclient_id = \"x\"\n");
        assert!(msg.contains("did you mean \"onepassword\"?"), "{msg}");
        let msg = parse_err("[profiles.x]\nprovider = \"onepassword\"\nclient_id = 5\n");
        assert!(msg.contains("must be a string"), "{msg}");
        let msg = parse_err(
            "[profiles.x]\nprovider = \"onepassword\"\nclient_id = \"a\"\ncache = \"no\"\n",
        );
        assert!(msg.contains("true or false"), "{msg}");
    }

    #[test]
    fn missing_required_keys_are_named() {
        let msg = parse_err("[profiles.ao]\nprovider = \"andopen\"\nclient_id = \"x\"\n");
        assert!(msg.contains("missing required key `tenant`"), "{msg}");
        let msg = parse_err("[profiles.c]\nprovider = \"configapi\"\nclient_id = \"x\"\n");
        assert!(msg.contains("missing required key `host`"), "{msg}");
        let msg = parse_err("[profiles.o]\nprovider = \"oauth2\"\nclient_id = \"x\"\n");
        assert!(msg.contains("missing required key `token_url`"), "{msg}");
        let msg = parse_err("[profiles.o]\nprovider = \"onepassword\"\n");
        assert!(msg.contains("missing required key `client_id`"), "{msg}");
        let msg = parse_err("[profiles.o]\nclient_id = \"x\"\n");
        assert!(msg.contains("has no `provider`"), "{msg}");
    }

    #[test]
    fn invalid_toml_is_reported_with_its_line() {
        let msg = parse_err("[profiles.a]\nprovider = \"oauth2\nclient_id = \"x\"\n");
        assert!(msg.starts_with("/etc/t/config.toml:2"), "{msg}");
        assert!(msg.contains("invalid TOML"), "{msg}");
    }

    #[test]
    fn plain_http_is_refused_unless_loopback_or_allowed() {
        let base = "[profiles.o]\nprovider = \"oauth2\"\nclient_id = \"x\"\n";
        let msg = parse_err(&format!("{base}token_url = \"http://idp.example/token\"\n"));
        assert!(msg.contains(":4: "), "{msg}");
        assert!(msg.contains("refusing plain http"), "{msg}");
        parse_ok(&format!("{base}token_url = \"http://127.0.0.1:9/token\"\n"));
        parse_ok(&format!(
            "{base}token_url = \"http://idp.example/token\"\nallow_insecure_http = true\n"
        ));
        let msg = parse_err(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\ntoken_url = \"http://proxy.corp/t\"\n",
        );
        assert!(msg.contains("refusing plain http"), "{msg}");
    }

    #[test]
    fn secrets_in_the_config_are_refused_with_the_right_way() {
        let msg = parse_err(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\nclient_secret = \"hunter2\"\n",
        );
        assert!(
            msg.contains("secrets are never read from the config file"),
            "{msg}"
        );
        assert!(!msg.contains("did you mean"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        let msg = parse_err(
            "[profiles.ao]\nprovider = \"andopen\"\ntenant = \"t\"\nclient_id = \"x\"\napi_key = \"hunter2\"\n",
        );
        assert!(
            msg.contains("`api_key` in profile `ao`: secrets are never read"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2"), "{msg}");
        let msg = parse_err(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\nclient_secret_env = \"hunter 2\"\n",
        );
        assert!(msg.contains("name of an environment variable"), "{msg}");
    }

    #[test]
    fn profile_names_and_top_level_keys_are_checked() {
        let msg = parse_err("[profiles.\"a b\"]\nprovider = \"onepassword\"\nclient_id = \"x\"\n");
        assert!(msg.contains("is not valid: a profile name is"), "{msg}");
        let msg = parse_err("default_profle = \"a\"\n");
        assert!(msg.contains("did you mean `default_profile`?"), "{msg}");
        let msg = parse_err("[andopen]\nprovider = \"andopen\"\n");
        assert!(msg.contains("[profiles.andopen]"), "{msg}");
        let msg = parse_err(
            "default_profile = \"nope\"\n[profiles.a]\nprovider = \"onepassword\"\nclient_id = \"x\"\n",
        );
        assert!(msg.contains(":1: "), "{msg}");
        assert!(msg.contains("known profiles: a"), "{msg}");
    }

    #[test]
    fn scope_rules_per_provider() {
        let msg = parse_err(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\nscope = \"email\"\n",
        );
        assert!(msg.contains("must be \"openid\""), "{msg}");
        let c = parse_ok(
            "[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"x\"\nscope = \"openid\"\n",
        );
        assert_eq!(c.profiles["op"].scope.as_deref(), Some("openid"));
        let c = parse_ok(
            "[profiles.c]\nprovider = \"configapi\"\nhost = \"h.example:8443\"\nclient_id = \"x\"\nscope = \"tenant-a\"\n",
        );
        assert_eq!(c.profiles["c"].scope.as_deref(), Some("tenant-a"));
        assert_eq!(
            c.profiles["c"].endpoint.url,
            "https://h.example:8443/configapi/v2/oauth/token"
        );
        let msg = parse_err(
            "[profiles.c]\nprovider = \"configapi\"\nhost = \"https://h.example/\"\nclient_id = \"x\"\n",
        );
        assert!(msg.contains("must be a host name"), "{msg}");
    }

    #[test]
    fn params_cannot_override_what_tokfetch_sends() {
        let base =
            "[profiles.o]\nprovider = \"oauth2\"\ntoken_url = \"https://i/t\"\nclient_id = \"x\"\n";
        let msg = parse_err(&format!(
            "{base}[profiles.o.params]\ngrant_type = \"password\"\n"
        ));
        assert!(msg.contains("cannot be overridden"), "{msg}");
        let msg = parse_err(&format!(
            "{base}audience = \"a\"\n[profiles.o.params]\naudience = \"b\"\n"
        ));
        assert!(msg.contains("keep one"), "{msg}");
        let c = parse_ok(&format!(
            "{base}[profiles.o.params]\nresource = \"https://api\"\nmax = 5\n"
        ));
        assert_eq!(
            c.profiles["o"].params,
            vec![
                ("max".to_string(), "5".to_string()),
                ("resource".to_string(), "https://api".to_string())
            ]
        );
    }

    #[test]
    fn relative_ca_files_are_next_to_the_config() {
        let c = parse_ok(
            "[profiles.o]\nprovider = \"onepassword\"\nclient_id = \"x\"\nca_file = \"certs/ca.pem\"\n",
        );
        assert_eq!(
            c.profiles["o"].ca_file.as_deref(),
            Some(Path::new("/etc/t/certs/ca.pem"))
        );
    }

    #[test]
    fn colons_in_client_id_are_refused_for_unencoded_basic() {
        let msg = parse_err("[profiles.op]\nprovider = \"onepassword\"\nclient_id = \"a:b\"\n");
        assert!(msg.contains("contains `:`"), "{msg}");
        parse_ok(
            "[profiles.o]\nprovider = \"oauth2\"\ntoken_url = \"https://i/t\"\nclient_id = \"a:b\"\n",
        );
    }

    #[test]
    fn one_broken_profile_leaves_the_others_usable() {
        let c = parse_ok(
            "[profiles.good]\nprovider = \"onepassword\"\nclient_id = \"x\"\n[profiles.bad]\nprovider = \"onepassword\"\nclient_id = \"x\"\ntenent = \"t\"\n",
        );
        assert!(c.profile("good", Chosen::Argument).is_ok());
        let e = c.profile("bad", Chosen::Argument).expect_err("broken");
        assert!(
            e.message.contains(":7: unknown key `tenent`"),
            "{}",
            e.message
        );
        assert_eq!(c.names().collect::<Vec<_>>(), ["bad", "good"]);
    }

    #[test]
    fn valid_names() {
        assert!(valid_profile_name("onepassword-eu.v2_x"));
        assert!(valid_profile_name(&"a".repeat(64)));
        assert!(!valid_profile_name(&"a".repeat(65)));
        for bad in ["", ".", "..", ".hidden", "-x", "_x", "a b", "é"] {
            assert!(!valid_profile_name(bad), "{bad:?}");
        }
        assert!(!valid_profile_name("a/b"));
        assert!(valid_env_name("MY_SECRET_1"));
        assert!(valid_env_name("_X"));
        assert!(!valid_env_name("1X"));
        assert!(!valid_env_name("A-B"));
    }
}
