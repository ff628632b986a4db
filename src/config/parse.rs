//! TOML → [`Config`]: the file is walked over `toml`'s spanned tree rather than deserialised
//! with serde, so that every error names the file, the line and the key and suggests the
//! closest valid one, and so that keys are checked against the profile's provider: the common
//! keys are [`COMMON_KEYS`], each provider's own come from its [`KeySpec`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::keys::COMMON_KEYS;
use super::values::{Cx, Key, Value, resolve_path};
use super::{Config, PROFILE_NAME_RULE, Profile, known_list, valid_profile_name};
use crate::endpoint;
use crate::error::{Failure, Result};
use crate::provider::{self, KeyKind, Own, ProviderRef, Settings, Values};
use crate::secret::Field;
use crate::suggest;

const TOP_LEVEL_KEYS: &[&str] = &["default_profile", "profiles"];

/// Validate config text; `path` is used in messages and to resolve relative `ca_file` paths.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let file = path.display().to_string();
    let cx = Cx { file: &file, text };
    let root = DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|s| cx.position(s.start)).unwrap_or_default();
        Failure::config(format!("{file}{at}: invalid TOML: {}", e.message().trim()))
    })?;
    let mut config = Config {
        path: path.to_path_buf(),
        default_profile: None,
        profiles: BTreeMap::new(),
        broken: BTreeMap::new(),
        secret_env_vars: BTreeSet::new(),
    };
    let mut default_profile = None;
    for (key, value) in root.get_ref().iter() {
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
                    config.secret_env_vars.extend(named_variables(body));
                    match cx.profile(path, name, body) {
                        Ok(profile) => {
                            config.profiles.insert(profile.name.clone(), profile);
                        }
                        Err(f) => {
                            config.broken.insert(name.get_ref().to_string(), f);
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
    if let Some((name, span)) = default_profile {
        if !config.profiles.contains_key(&name) && !config.broken.contains_key(&name) {
            return Err(cx.err(
                span,
                format!(
                    "default_profile `{name}` is not a profile in this file{}",
                    known_list(config.profiles.keys().chain(config.broken.keys()))
                ),
            ));
        }
        config.default_profile = Some(name);
    }
    Ok(config)
}

/// The variables a profile's `*_env` keys name, and those a provider's key names in its own
/// way (`Provider::variable_in`), read even from a profile that is broken otherwise: `exec`
/// withholds them all.
fn named_variables(body: &Value) -> Vec<String> {
    let DeValue::Table(t) = body.get_ref() else {
        return Vec::new();
    };
    t.iter()
        .filter_map(|(k, v)| match v.get_ref() {
            DeValue::String(var) if Field::ALL.iter().any(|f| f.env_key() == k.get_ref()) => {
                Some(var.to_string())
            }
            DeValue::String(value) => provider::ALL
                .iter()
                .find_map(|p| p.variable_in(k.get_ref(), value)),
            _ => None,
        })
        .collect()
}

impl Cx<'_> {
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
        let at = At {
            name: &name,
            header: name_key.span(),
        };
        let provider = self.provider(table, &at)?;
        let mut raw = self.read_keys(table, provider, &at, config_path)?;
        self.complete(&raw, provider, &at)?;
        // Not provider settings: they never go on the wire to the token endpoint.
        let git_username = raw.text.remove("git_username");
        raw.text.remove("ca_file");
        let ca_file = raw.paths.remove("ca_file");
        let settings = self.settings(&mut raw, provider, &at)?;
        // A command for a secret the profile does not read, as configured, would never run:
        // refused like every key that has no effect (a `private_key_command` beside a
        // `private_key_file`, a `client_secret_command` for `private_key_jwt`).
        let used = provider.secret_fields(&settings);
        for (field, span) in &raw.command_spans {
            if !used.contains(field) {
                return Err(self.err(
                    span.clone(),
                    format!(
                        "`{}` in profile `{name}` has no effect here: the profile does not read a {} as it is configured",
                        field.command_key(),
                        field.name()
                    ),
                ));
            }
        }
        Ok(Profile {
            name,
            provider,
            settings,
            allow_insecure_http: raw
                .flags
                .get("allow_insecure_http")
                .copied()
                .unwrap_or(false),
            cache: raw.flags.get("cache").copied().unwrap_or(true),
            ca_file,
            env_overrides: raw.env_overrides,
            commands: raw.commands,
            git_username,
            git_hosts: raw.git_hosts.take(),
        })
    }

    /// Every key of the table, checked against its spec: the values of the provider's own keys
    /// are kept for it, the common ones go where the profile needs them.
    fn read_keys(
        &self,
        table: &DeTable,
        provider: ProviderRef,
        at: &At,
        config_path: &Path,
    ) -> Result<RawProfile> {
        let name = at.name;
        let mut p = RawProfile::default();
        for (key, value) in table.iter() {
            let k = key.get_ref().as_ref();
            if k == "provider" {
                continue;
            }
            if let Some(field) = Field::of_command_key(k) {
                if !provider.fields().contains(&field) {
                    return Err(self.err(
                        key.span(),
                        format!(
                            "key `{k}` does not apply to provider \"{}\" (profile `{name}`): it has no {}",
                            provider.name(),
                            field.name()
                        ),
                    ));
                }
                p.commands.insert(field, self.argv(key, value, name)?);
                p.command_spans.insert(field, key.span());
                continue;
            }
            let Some(spec) = COMMON_KEYS
                .iter()
                .chain(provider.keys())
                .find(|s| s.name == k)
            else {
                return Err(self.misplaced(key, provider, name));
            };
            p.spans.insert(spec.name, value.span());
            match spec.kind {
                KeyKind::Text | KeyKind::Url => {
                    p.text
                        .insert(spec.name, self.string(key, value, Some(name))?);
                }
                KeyKind::OneOf(allowed) => {
                    p.text
                        .insert(spec.name, self.one_of(key, value, name, allowed)?);
                }
                KeyKind::Host { builds } => {
                    p.text
                        .insert(spec.name, self.host(key, value, name, builds)?);
                }
                KeyKind::Hosts => {
                    p.git_hosts = Some(self.hosts(key, value, name)?);
                }
                KeyKind::EnvName(field) => {
                    let var = self.env_name(key, value, name)?;
                    // Among the values too, for the provider's checks across keys.
                    p.text.insert(spec.name, var.clone());
                    p.env_overrides.insert(field, var);
                }
                KeyKind::Bool => {
                    let b = self.boolean(key, value, name)?;
                    p.flags.insert(spec.name, b);
                    // A provider's own switch (oauth2's `dpop`) is among its values too.
                    if provider.keys().iter().any(|s| s.name == spec.name) {
                        p.text.insert(spec.name, b.to_string());
                    }
                }
                KeyKind::Path => {
                    let raw = self.string(key, value, Some(name))?;
                    let path = resolve_path(config_path, &raw);
                    p.text
                        .insert(spec.name, path.to_string_lossy().into_owned());
                    p.paths.insert(spec.name, path);
                }
                KeyKind::Params { reserved } => {
                    p.params = self.params(value, name, reserved)?;
                }
                KeyKind::Port => {
                    p.text.insert(spec.name, self.port(key, value, name)?);
                }
            }
        }
        Ok(p)
    }

    /// Every required key is there, and no param repeats a key the profile sets.
    fn complete(&self, p: &RawProfile, provider: ProviderRef, at: &At) -> Result<()> {
        for spec in COMMON_KEYS.iter().chain(provider.keys()) {
            let unnamed = spec.name == "client_id" && !provider.client_id();
            if spec.required
                && spec.name != "provider"
                && !unnamed
                && !p.text.contains_key(spec.name)
            {
                return Err(self.missing(at, spec.name));
            }
        }
        for (key, _) in &p.params {
            let set_as_key = provider
                .keys()
                .iter()
                .any(|s| s.name == key && s.kind == KeyKind::Text && p.text.contains_key(s.name));
            if set_as_key {
                let name = at.name;
                return Err(self.err(
                    at.header.clone(),
                    format!(
                        "profile `{name}` sets `{key}` both as a key and in [profiles.{name}.params]; keep one"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The provider's settings: its values with defaults, the endpoint (the profile's
    /// `token_url`, else the provider's), the scope, then the provider's own checks.
    fn settings(&self, p: &mut RawProfile, provider: ProviderRef, at: &At) -> Result<Settings> {
        let client_id = p.text.remove("client_id").unwrap_or_default();
        // Kept among the values too: a provider's checks may weigh it against its own keys.
        let token_url = p.text.get("token_url").cloned();
        let mut values = std::mem::take(&mut p.text);
        for spec in provider.keys() {
            if let (Some(d), false) = (spec.default, values.contains_key(spec.name)) {
                values.insert(spec.name, d.to_string());
            }
        }
        let values = Values::new(values);
        let span_of = |key: &str| p.spans.get(key).cloned().unwrap_or(at.header.clone());
        // The profile's token_url, else the provider's (the URL an error about it points at
        // the key it came from).
        let (url, url_key) = match token_url.map(|u| (u, None)) {
            Some(given) => given,
            None => provider.default_endpoint(&values).ok_or_else(|| {
                self.err(
                    at.header.clone(),
                    format!(
                        "profile `{}` is missing required key {}",
                        at.name,
                        provider.endpoint_keys()
                    ),
                )
            })?,
        };
        let url_key = url_key.unwrap_or("token_url");
        let allow_insecure_http = p.flags.get("allow_insecure_http").copied().unwrap_or(false);
        let carries = provider.credential(&values);
        let endpoint = endpoint::may_carry(&url, carries, allow_insecure_http).map_err(|why| {
            let f = self.err(span_of(url_key), format!("profile `{}`: {why}", at.name));
            if why.starts_with("refusing plain http") {
                f.hint("use https, or set allow_insecure_http = true in the profile if you really mean it")
            } else {
                f
            }
        })?;
        let scope = values
            .get("scope")
            .map(str::to_string)
            .or_else(|| provider.default_scope(&values));
        let mut settings = Settings {
            client_id,
            endpoint,
            scope,
            params: std::mem::take(&mut p.params),
            carries,
            own: Own::Common,
        };
        settings.own = provider.settle(&settings, &values).map_err(|problem| {
            self.err(
                span_of(problem.key),
                problem.message.replace("{profile}", at.name),
            )
        })?;
        Ok(settings)
    }

    fn missing(&self, at: &At, key: &str) -> Failure {
        self.err(
            at.header.clone(),
            format!("profile `{}` is missing required key `{key}`", at.name),
        )
    }

    /// The profile's provider, read first: it decides which other keys are allowed.
    fn provider(&self, table: &DeTable, at: &At) -> Result<ProviderRef> {
        let (header, name) = (at.header.clone(), at.name);
        let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == "provider") else {
            return Err(self.err(
                header,
                format!(
                    "profile `{name}` has no `provider`; set provider = {}",
                    ProviderRef::list()
                ),
            ));
        };
        let s = self.string(k, v, Some(name))?;
        ProviderRef::named(&s).ok_or_else(|| {
            let mut msg = format!(
                "unknown provider \"{s}\" in profile `{name}`; expected {}",
                ProviderRef::list()
            );
            if let Some(c) = suggest::closest(&s, provider::ALL.iter().map(|p| p.name())) {
                msg.push_str(&format!("; did you mean \"{c}\"?"));
            }
            self.err(v.span(), msg)
        })
    }
    /// The error for a key this provider does not accept, saying where it belongs or what was meant.
    fn misplaced(&self, key: &Key, provider: ProviderRef, profile: &str) -> Failure {
        let k = key.get_ref().as_ref();
        if let Some(field) = Field::ALL.iter().find(|f| f.name() == k) {
            return self.secret_in_config(key.span(), *field, profile);
        }
        let owners: Vec<&str> = provider::ALL
            .iter()
            .filter(|o| o.keys().iter().any(|s| s.name == k))
            .map(|o| o.name())
            .collect();
        let mut msg = if owners.is_empty() {
            format!("unknown key `{k}` in profile `{profile}`")
        } else {
            format!(
                "key `{k}` does not apply to provider \"{}\" (profile `{profile}`); it is for {}",
                provider.name(),
                owners.join(", ")
            )
        };
        let valid = || COMMON_KEYS.iter().chain(provider.keys()).map(|s| s.name);
        if let Some(s) = suggest::closest(k, valid()) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        }
        let f = self.err(key.span(), msg);
        if owners.is_empty() {
            let valid: Vec<&str> = valid().collect();
            f.hint(format!(
                "valid keys for provider {}: {}",
                provider.name(),
                valid.join(", ")
            ))
        } else {
            f
        }
    }
}

/// The profile being read, for errors that point at its header line.
struct At<'a> {
    name: &'a str,
    header: std::ops::Range<usize>,
}

/// Keys read from one profile table before they are combined and checked together.
#[derive(Default)]
struct RawProfile {
    /// Text values by key (common and provider keys).
    text: BTreeMap<&'static str, String>,
    flags: BTreeMap<&'static str, bool>,
    spans: BTreeMap<&'static str, std::ops::Range<usize>>,
    /// Path values as resolved (`text` has them as text, for the provider's settings).
    paths: BTreeMap<&'static str, PathBuf>,
    env_overrides: BTreeMap<Field, String>,
    commands: BTreeMap<Field, Vec<String>>,
    command_spans: BTreeMap<Field, std::ops::Range<usize>>,
    params: Vec<(String, String)>,
    git_hosts: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Chosen, valid_env_name};

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

    const README_EXAMPLE: &str = r#"
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
    fn the_readme_example_parses_with_every_endpoint_computed() {
        let c = parse_ok(README_EXAMPLE);
        assert_eq!(c.default_profile.as_deref(), Some("onepassword-eu"));
        let url = |n: &str| c.profiles[n].endpoint().url.clone();
        assert_eq!(
            url("onepassword-eu"),
            "https://api.1password.eu/v1beta1/users/oauth2/token"
        );
        assert_eq!(url("andopen"), "https://auth.andopen.co/auth/token");
        assert_eq!(url("corp"), "https://example.com/configapi/v2/oauth/token");
        assert_eq!(url("okta"), "https://acme.okta.com/oauth2/default/v1/token");
        assert_eq!(
            c.profiles["corp"].settings.scope.as_deref(),
            Some("example.com")
        );
        assert_eq!(
            c.profiles["andopen"].settings.own,
            crate::provider::Own::AndOpen {
                tenant: "acme".into()
            }
        );
        assert_eq!(
            c.profiles["okta"].settings.params,
            vec![(
                "audience".to_string(),
                "https://api.acme.example".to_string()
            )]
        );
        assert_eq!(c.profiles["okta"].provider.name(), "oauth2");
        let p = &c.profiles["okta"];
        assert_eq!(p.provider.client_auth(&p.settings), "post");
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
            c.profiles["op"].endpoint().url,
            "https://api.1password.com/v1beta1/users/oauth2/token"
        );
        assert_eq!(c.profiles["op"].settings.scope, None);
        assert_eq!(
            c.profiles["ao"].endpoint().url,
            "https://auth.andopen.co/auth/token"
        );
        assert_eq!(
            c.profiles["staging"].endpoint().url,
            "https://staging.auth.andopen.co/auth/token"
        );
        let p = &c.profiles["o"];
        assert_eq!(p.provider.client_auth(&p.settings), "basic");
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
        assert_eq!(c.profiles["op"].settings.scope.as_deref(), Some("openid"));
        let c = parse_ok(
            "[profiles.c]\nprovider = \"configapi\"\nhost = \"h.example:8443\"\nclient_id = \"x\"\nscope = \"tenant-a\"\n",
        );
        assert_eq!(c.profiles["c"].settings.scope.as_deref(), Some("tenant-a"));
        assert_eq!(
            c.profiles["c"].endpoint().url,
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
            c.profiles["o"].settings.params,
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
