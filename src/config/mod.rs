//! The config (README "Configuration reference"): the typed model of profiles that the rest of
//! tokfetch uses. Reading the file is `file`, turning TOML into this model (with errors that
//! name the file, the line and the key) is `parse`, editing it in place is `edit`.

mod edit;
mod file;
mod keys;
mod parse;
mod scan;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use edit::{NewProfile, add_profile, remove_profile};
pub use file::{load, read, read_lines, resolve_path};
pub use keys::COMMON_KEYS;
pub use parse::parse;

use crate::error::{Failure, Result};
use crate::provider::{ProviderRef, Settings};
use crate::secret::Field;
use crate::suggest;

/// A validated profile: everything needed to ask for a token, except the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub provider: ProviderRef,
    /// What goes on the wire.
    pub settings: Settings,
    /// Plain http is allowed off loopback (for discovered endpoints too).
    pub allow_insecure_http: bool,
    pub cache: bool,
    pub ca_file: Option<PathBuf>,
    /// The variables named by the profile's `*_env` keys.
    pub env_overrides: BTreeMap<Field, String>,
    /// The argv arrays of the profile's `*_command` keys: run (without a shell) to print a
    /// field's secret when no variable has it (README "Secrets from a command").
    pub commands: BTreeMap<Field, Vec<String>>,
    /// The user name `git-credential` answers with (README "git").
    pub git_username: Option<String>,
    /// The hosts `git-credential` answers for (`host` or `host:port`); `None`: every https host.
    pub git_hosts: Option<Vec<String>>,
}

impl Profile {
    /// The variable the profile's `*_env` key names for `field`, if it sets one.
    pub fn env_override(&self, field: Field) -> Option<&str> {
        self.env_overrides.get(&field).map(String::as_str)
    }

    /// The argv the profile's `*_command` key gives for `field`, if it sets one.
    pub fn command(&self, field: Field) -> Option<&[String]> {
        self.commands.get(&field).map(Vec::as_slice)
    }

    pub fn endpoint(&self) -> &crate::endpoint::Endpoint {
        &self.settings.endpoint
    }

    /// All the network layer is told of the profile.
    pub fn trust(&self) -> crate::endpoint::Trust<'_> {
        crate::endpoint::Trust {
            ca_file: self.ca_file.as_deref(),
            allow_insecure_http: self.allow_insecure_http,
            carries: self.settings.carries,
        }
    }

    /// The user name git is given with the token: `git_username`, else `oauth2`, which the
    /// common forges accept with a token as the password.
    pub fn git_username(&self) -> &str {
        self.git_username.as_deref().unwrap_or("oauth2")
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
    pub secret_env_vars: BTreeSet<String>,
}

pub(crate) fn known_list<'a>(names: impl Iterator<Item = &'a String>) -> String {
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

/// The profile a cached `get` uses (the argument, else `$TOKFETCH_PROFILE`, else
/// `default_profile`), from the file read through the safe reader ([`read_lines`]: the checks
/// of [`read`], in pieces of whole lines): parsed from the profile's own tables alone where the scan proves they are all the file says about it (so a
/// hit costs the same with 5,000 profiles as with one), else from the whole file. `None` on any
/// problem: the caller takes the normal path, which reports it.
pub fn hit_profile(path: &Path, arg: Option<&str>) -> Option<Profile> {
    let env = std::env::var("TOKFETCH_PROFILE").ok();
    let wanted = arg.or(env.as_deref().filter(|v| !v.is_empty()));
    let mut scanner = scan::Scanner::new(wanted);
    let scanned = read_lines(path, |lines| scanner.lines(lines)).ok()??;
    if scanned && let Some(p) = scanner.profile(path) {
        return Some(p);
    }
    let text = read(path).ok()??;
    parse(path, &text).ok()?.select(arg).ok().cloned()
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
