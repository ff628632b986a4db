//! Secrets (SPEC §4): a type that never prints itself, and the sources a profile's secrets come
//! from, in order: the profile's `*_env` variable, `TOKFETCH_<PROFILE>_<FIELD>`, the OS keyring.

use std::fmt;

use zeroize::Zeroizing;

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::keystore;

/// A secret value. No `Display`; `Debug` is redacted; the memory is zeroed on drop.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// The value itself, for the one place it must go (a request, the keyring).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// The secret fields a profile can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ClientSecret,
    ApiKey,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::ClientSecret => "client_secret",
            Field::ApiKey => "api_key",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client_secret" => Some(Field::ClientSecret),
            "api_key" => Some(Field::ApiKey),
            _ => None,
        }
    }

    /// Every field, in order.
    pub const ALL: [Field; 2] = [Field::ClientSecret, Field::ApiKey];

    pub fn env_suffix(self) -> &'static str {
        match self {
            Field::ClientSecret => "CLIENT_SECRET",
            Field::ApiKey => "API_KEY",
        }
    }

    /// The config key that names an environment variable for this field.
    pub fn env_key(self) -> &'static str {
        match self {
            Field::ClientSecret => "client_secret_env",
            Field::ApiKey => "api_key_env",
        }
    }
}

/// The `<FIELD>` part of every `TOKFETCH_<PROFILE>_<FIELD>` variable that holds a secret,
/// including `PRIVATE_KEY` (signed client assertions): `exec` withholds them all.
pub const ENV_SUFFIXES: [&str; 3] = ["CLIENT_SECRET", "API_KEY", "PRIVATE_KEY"];

/// `TOKFETCH_<PROFILE>_<FIELD>`, the profile upper-cased with anything outside `[A-Z0-9]` as `_`.
pub fn conventional_env(profile: &str, field: Field) -> String {
    let mangled: String = profile
        .chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("TOKFETCH_{mangled}_{}", field.env_suffix())
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The variable named by the profile's `*_env` key.
    NamedEnv(String),
    /// `TOKFETCH_<PROFILE>_<FIELD>`.
    ConventionalEnv(String),
    Keyring,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::NamedEnv(v) | Source::ConventionalEnv(v) => write!(f, "env ${v}"),
            Source::Keyring => f.write_str("keyring"),
        }
    }
}

/// The environment variables to look at for a field, in order.
pub fn env_candidates(profile: &Profile, field: Field) -> Vec<Source> {
    let mut out = Vec::with_capacity(2);
    if let Some(named) = profile.env_override(field) {
        out.push(Source::NamedEnv(named.to_string()));
    }
    out.push(Source::ConventionalEnv(conventional_env(
        &profile.name,
        field,
    )));
    out
}

/// What the environment holds for a field.
pub enum FromEnv {
    Found(Secret, Source),
    /// The first variable that is set is empty: a CI secret that expanded to nothing. That is
    /// an error to report, not a reason to look elsewhere (README "Secrets").
    Empty(String),
    Unset,
}

/// The field's variables in order: the first one that is set decides.
pub fn from_env(profile: &Profile, field: Field) -> FromEnv {
    for src in env_candidates(profile, field) {
        let (Source::NamedEnv(var) | Source::ConventionalEnv(var)) = &src else {
            continue;
        };
        let Some(value) = std::env::var_os(var) else {
            continue;
        };
        if value.is_empty() {
            return FromEnv::Empty(var.clone());
        }
        let value = Zeroizing::new(value.to_string_lossy().into_owned());
        return FromEnv::Found(Secret::new(value.to_string()), src);
    }
    FromEnv::Unset
}

/// The secret for `field`, from the first source that has it; exit 4 when none does.
pub fn resolve(profile: &Profile, field: Field) -> Result<(Secret, Source)> {
    let found = resolve_unregistered(profile, field)?;
    // From here on the value can never be printed, in any encoding a server may echo it in.
    match field {
        Field::ClientSecret => crate::redact::register_basic(&profile.client_id, found.0.expose()),
        _ => crate::redact::register(found.0.expose()),
    }
    Ok(found)
}

fn resolve_unregistered(profile: &Profile, field: Field) -> Result<(Secret, Source)> {
    match from_env(profile, field) {
        FromEnv::Found(secret, source) => return Ok((secret, source)),
        FromEnv::Empty(var) => {
            return Err(Failure::credentials(format!(
                "no {} for profile `{}`: ${var} is set but empty",
                field.name(),
                profile.name
            ))
            .hint(format!(
                "give ${var} the secret (on CI: is the secret defined for this job?), or unset it to use the next source"
            )));
        }
        FromEnv::Unset => {}
    }
    let conventional = conventional_env(&profile.name, field);
    let vars = match profile.env_override(field) {
        Some(named) => format!("${named} ({}) and ${conventional} are", field.env_key()),
        None => format!("${conventional} is"),
    };
    let set_cmd = format!("tokfetch secret set {}{}", profile.name, field_flag(field));
    match keystore::get(&profile.name, field) {
        Ok(Some(secret)) => Ok((secret, Source::Keyring)),
        Ok(None) => Err(Failure::credentials(format!(
            "no {} for profile `{}`: {vars} not set and the OS keyring has none; run `{set_cmd}` or set {conventional}",
            field.name(),
            profile.name
        ))
        .hint(format!("store it in the OS keyring: {set_cmd}"))
        .hint(format!("or, on CI, set {conventional} in the environment"))),
        Err(e) => Err(Failure::credentials(format!(
            "no {} for profile `{}`: {vars} not set and the OS keyring is unavailable ({e}); on a machine without a keyring (CI), set {conventional}",
            field.name(),
            profile.name
        ))
        .hint(format!("export {conventional}=… (from your CI's secret store)"))
        .hint(format!("or, where a keyring runs, store it: {set_cmd}"))),
    }
}

/// ` --field api_key` where the field is not the default one.
pub fn field_flag(field: Field) -> &'static str {
    match field {
        Field::ClientSecret => "",
        Field::ApiKey => " --field api_key",
    }
}

/// Where a field's secret would come from right now, without revealing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    Found(Source),
    /// This variable is set but empty.
    Empty(String),
    Missing,
    /// Not in the environment, and the keyring could not be asked.
    Unknown(String),
}

/// Look for `field` of `profile` in every source, in order. With `keyring` false (the keyring
/// already failed once in this run), the keyring is not asked again.
pub fn presence(profile: &Profile, field: Field, keyring: bool) -> Presence {
    match from_env(profile, field) {
        FromEnv::Found(_, source) => return Presence::Found(source),
        FromEnv::Empty(var) => return Presence::Empty(var),
        FromEnv::Unset => {}
    }
    if !keyring {
        return Presence::Unknown("keyring unavailable".to_string());
    }
    match keystore::get(&profile.name, field) {
        Ok(Some(_)) => Presence::Found(Source::Keyring),
        Ok(None) => Presence::Missing,
        Err(e) => Presence::Unknown(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_names_follow_the_spec() {
        assert_eq!(
            conventional_env("onepassword-eu", Field::ClientSecret),
            "TOKFETCH_ONEPASSWORD_EU_CLIENT_SECRET"
        );
        assert_eq!(
            conventional_env("andopen", Field::ApiKey),
            "TOKFETCH_ANDOPEN_API_KEY"
        );
        assert_eq!(
            conventional_env("a.b_c-9", Field::ClientSecret),
            "TOKFETCH_A_B_C_9_CLIENT_SECRET"
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Secret(redacted)");
        assert_eq!(s.expose(), "hunter2");
    }
}
