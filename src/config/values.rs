//! The file being read ([`Cx`]: errors that point at a line), and reading one value of a
//! profile key with such an error: strings, booleans,
//! one of a list, variable names, hosts, params tables, and the refusal of a secret written
//! into the file (README "Configuration reference").

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::DeValue;

use super::valid_env_name;
use crate::error::{Failure, Result};
use crate::secret::Field;
use crate::suggest;

/// The file being validated, for errors that point into it.
pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
}

pub(super) type Key<'i> = Spanned<std::borrow::Cow<'i, str>>;
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

impl Cx<'_> {
    pub(super) fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(super) fn position(&self, offset: usize) -> String {
        format!(":{}", self.line(offset))
    }

    pub(super) fn err(&self, span: std::ops::Range<usize>, msg: impl AsRef<str>) -> Failure {
        Failure::config(format!(
            "{}:{}: {}",
            self.file,
            self.line(span.start),
            msg.as_ref()
        ))
    }
}

impl Cx<'_> {
    fn describe(key: &str, profile: Option<&str>) -> String {
        match profile {
            Some(p) => format!("`{key}` in profile `{p}`"),
            None => format!("`{key}`"),
        }
    }

    /// A non-empty string without control characters.
    pub(super) fn string(&self, key: &Key, value: &Value, profile: Option<&str>) -> Result<String> {
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

    /// A TCP port: an integer from 1 to 65535 (a string of digits is taken too).
    pub(super) fn port(&self, key: &Key, value: &Value, profile: &str) -> Result<String> {
        let digits = match value.get_ref() {
            DeValue::Integer(i) => i.as_str().to_string(),
            DeValue::String(s) => s.to_string(),
            _ => String::new(),
        };
        match digits.parse::<u16>() {
            Ok(port) if port > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(port.to_string())
            }
            _ => Err(self.err(
                value.span(),
                format!(
                    "{} must be a port number from 1 to 65535",
                    Self::describe(key.get_ref(), Some(profile))
                ),
            )),
        }
    }

    pub(super) fn boolean(&self, key: &Key, value: &Value, profile: &str) -> Result<bool> {
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

    pub(super) fn one_of(
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

    pub(super) fn env_name(&self, key: &Key, value: &Value, profile: &str) -> Result<String> {
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

    /// A secret written into the config: refused, its value never echoed, with the two ways
    /// a secret is given instead (README "Secrets").
    pub(super) fn secret_in_config(
        &self,
        span: std::ops::Range<usize>,
        field: Field,
        profile: &str,
    ) -> Failure {
        let flag = field.flag();
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

    /// `client_secret_command = ["op", "read", "op://…"]`: a program and its arguments, run
    /// without a shell, so a non-empty list of strings whose first names the program.
    pub(super) fn argv(&self, key: &Key, value: &Value, profile: &str) -> Result<Vec<String>> {
        let what = Self::describe(key.get_ref(), Some(profile));
        let shape = "a list of strings, the program and its arguments (run without a shell), e.g. [\"op\", \"read\", \"op://Private/tokfetch/credential\"]";
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.err(value.span(), format!("{what} must be {shape}")));
        };
        if items.is_empty() {
            return Err(self.err(value.span(), format!("{what} must name a program: {shape}")));
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let DeValue::String(s) = item.get_ref() else {
                return Err(self.err(item.span(), format!("{what} must be {shape}")));
            };
            if s.contains('\0') {
                return Err(self.err(item.span(), format!("{what} must not contain NUL")));
            }
            out.push(s.to_string());
        }
        if out[0].trim().is_empty() {
            return Err(self.err(
                items[0].span(),
                format!("{what} must name a program first, not an empty string"),
            ));
        }
        Ok(out)
    }

    /// `git_hosts = ["git.example.com", "git.example.com:8443"]`: a non-empty list of hosts.
    pub(super) fn hosts(&self, key: &Key, value: &Value, profile: &str) -> Result<Vec<String>> {
        let what = Self::describe(key.get_ref(), Some(profile));
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.err(
                value.span(),
                format!("{what} must be a list of hosts, e.g. [\"git.example.com\"]"),
            ));
        };
        if items.is_empty() {
            return Err(self.err(
                value.span(),
                format!(
                    "{what} must name at least one host (leave it out to answer every https host)"
                ),
            ));
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let s = self.string(key, item, Some(profile))?;
            if !is_host(&s) {
                return Err(self.err(
                    item.span(),
                    format!("{what} must hold host names such as \"git.example.com\" or \"git.example.com:8443\", not \"{s}\""),
                ));
            }
            out.push(s);
        }
        Ok(out)
    }

    /// `host = "example.com"` or `"example.com:8443"`: a host, not a URL; the provider's URL
    /// made from it (`builds`) is the hint for a URL given instead.
    pub(super) fn host(
        &self,
        key: &Key,
        value: &Value,
        profile: &str,
        builds: &str,
    ) -> Result<String> {
        let s = self.string(key, value, Some(profile))?;
        let ok = is_host(&s);
        if ok {
            Ok(s)
        } else {
            let mut f = self.err(
                value.span(),
                format!(
                    "`{}` in profile `{profile}` must be a host name such as \"example.com\", not \"{s}\"",
                    key.get_ref()
                ),
            );
            if s.contains("://") {
                f = f.hint(format!(
                    "drop the scheme and path: tokfetch builds {builds}"
                ));
            }
            Err(f)
        }
    }

    pub(super) fn params(
        &self,
        value: &Value,
        profile: &str,
        reserved: &[&str],
    ) -> Result<Vec<(String, String)>> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.err(
                value.span(),
                format!(
                    "`params` in profile `{profile}` must be a table ([profiles.{profile}.params])"
                ),
            ));
        };
        let mut out = Vec::new();
        for (k, v) in table.iter() {
            let name = k.get_ref().to_string();
            if let Some(field) = Field::ALL.iter().find(|f| f.name() == name) {
                return Err(self.secret_in_config(k.span(), *field, profile));
            }
            if reserved.contains(&name.as_str()) {
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

/// `~/x` is under the home directory; a relative path is relative to the config file's directory.
/// A host name with an optional port, not a URL.
fn is_host(s: &str) -> bool {
    !s.contains("://")
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#' | '\\'))
}

pub(super) fn resolve_path(config_path: &Path, raw: &str) -> PathBuf {
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
