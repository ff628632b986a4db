//! The secret model (README "Secrets"): a value that never prints itself and is registered with
//! the redactor when it is made, and the names of the secret fields a profile can have. Where
//! secrets come from is `credentials`, where they are kept is `keystore`.

use std::fmt;

use zeroize::Zeroizing;

/// A secret value. No `Display`; `Debug` is redacted; the memory is zeroed on drop.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// A secret, registered with the redactor as it comes into being (README "Security
    /// model"): whoever makes one, it can never be printed on stderr in any encoding.
    pub fn new(value: String) -> Self {
        crate::redact::register(&value);
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    ClientSecret,
    ApiKey,
    /// A PEM private key for signed client assertions or TLS client authentication.
    PrivateKey,
    /// A Google service account's JSON key (README "Google service accounts").
    CredentialsJson,
}

impl Field {
    /// Every field, in order.
    pub const ALL: [Field; 4] = [
        Field::ClientSecret,
        Field::ApiKey,
        Field::PrivateKey,
        Field::CredentialsJson,
    ];

    /// The field's name: the keyring user's suffix, the `--field` value, the config key that
    /// is refused.
    pub fn name(self) -> &'static str {
        match self {
            Field::ClientSecret => "client_secret",
            Field::ApiKey => "api_key",
            Field::PrivateKey => "private_key",
            Field::CredentialsJson => "credentials_json",
        }
    }

    /// What the field holds, for help.
    pub fn about(self) -> &'static str {
        match self {
            Field::ClientSecret => "The OAuth client secret",
            Field::ApiKey => "The API key sent with every call",
            Field::PrivateKey => {
                "A PEM private key for private_key_jwt, tls_client_auth or jwt_bearer, read from stdin"
            }
            Field::CredentialsJson => {
                "A Google service account's JSON key (provider google), read from stdin"
            }
        }
    }

    /// The `<FIELD>` of `TOKFETCH_<PROFILE>_<FIELD>`.
    pub fn env_suffix(self) -> &'static str {
        match self {
            Field::ClientSecret => "CLIENT_SECRET",
            Field::ApiKey => "API_KEY",
            Field::PrivateKey => "PRIVATE_KEY",
            Field::CredentialsJson => "CREDENTIALS_JSON",
        }
    }

    /// The config key that names an environment variable for this field.
    pub fn env_key(self) -> &'static str {
        match self {
            Field::ClientSecret => "client_secret_env",
            Field::ApiKey => "api_key_env",
            Field::PrivateKey => "private_key_env",
            Field::CredentialsJson => "credentials_json_env",
        }
    }

    /// The config key whose argv array is run to print this field's secret (README "Secrets
    /// from a command"): the field's name and `_command`, for every field alike.
    pub fn command_key(self) -> String {
        format!("{}_command", self.name())
    }

    /// The field whose `*_command` key this is.
    pub fn of_command_key(key: &str) -> Option<Field> {
        let name = key.strip_suffix("_command")?;
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the value may span lines (a PEM document).
    pub fn multiline(self) -> bool {
        matches!(self, Field::PrivateKey | Field::CredentialsJson)
    }

    /// ` --field api_key` where the field is not the default one, for commands in messages.
    pub fn flag(self) -> &'static str {
        match self {
            Field::ClientSecret => "",
            Field::ApiKey => " --field api_key",
            Field::PrivateKey => " --field private_key",
            Field::CredentialsJson => " --field credentials_json",
        }
    }
}

/// The `<FIELD>` part of every `TOKFETCH_<PROFILE>_<FIELD>` variable that holds a secret,
/// including `PRIVATE_KEY` (signed client assertions) and `CREDENTIALS_JSON` (Google service
/// accounts): `exec` withholds them all.
pub const ENV_SUFFIXES: [&str; 4] = [
    "CLIENT_SECRET",
    "API_KEY",
    "PRIVATE_KEY",
    "CREDENTIALS_JSON",
];

/// Whether `name` is a `TOKFETCH_<PROFILE>_<FIELD>` variable of any profile: what `exec`'s
/// child and a started browser never see.
pub fn is_secret_variable(name: &str) -> bool {
    name.strip_prefix("TOKFETCH_").is_some_and(|rest| {
        ENV_SUFFIXES.iter().any(|suffix| {
            rest.strip_suffix(suffix)
                .and_then(|p| p.strip_suffix('_'))
                .is_some_and(|profile| !profile.is_empty())
        })
    })
}

/// The variables of this process's environment that hold, or may hold, a secret: every
/// `TOKFETCH_<PROFILE>_<FIELD>` and every variable in `named` (what the profiles' `*_env` keys
/// name). `exec`'s command and a started browser see none of them (README "Security model").
pub fn secret_vars(named: &std::collections::BTreeSet<String>) -> Vec<std::ffi::OsString> {
    std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| {
            name.to_str()
                .is_some_and(|n| is_secret_variable(n) || named.contains(n))
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_names_follow_the_readme() {
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
    fn every_field_has_a_conventional_suffix_exec_withholds() {
        for f in Field::ALL {
            assert!(ENV_SUFFIXES.contains(&f.env_suffix()), "{f:?}");
        }
    }

    #[test]
    fn every_field_has_a_command_key() {
        for f in Field::ALL {
            assert_eq!(Field::of_command_key(&f.command_key()), Some(f));
        }
        assert_eq!(
            Field::of_command_key("client_secret_command"),
            Some(Field::ClientSecret)
        );
        assert_eq!(Field::of_command_key("client_secret_env"), None);
        assert_eq!(Field::of_command_key("_command"), None);
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Secret(redacted)");
        assert_eq!(s.expose(), "hunter2");
    }
}
