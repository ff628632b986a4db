//! `tokfetch git-credential PROFILE ACTION`: a git credential helper (README "git"), speaking
//! the `key=value` protocol of git-credential(1). `get` answers with the profile's token as the
//! password and its expiry as `password_expiry_utc`, so git drops it in time; `erase` (git
//! saying the server refused the password) forgets the cached token, so the next `get` fetches
//! a new one; `store` and actions git may add later do nothing. A failure prints nothing on
//! stdout: git then goes on to its next helper or its prompt.

use std::io::{BufRead, Read};
use std::process::ExitCode;

use crate::cache::{Cache, Identity};
use crate::cli::GitCredentialArgs;
use crate::config::Config;
use crate::credentials::Credentials;
use crate::error::{Failure, Result};
use crate::log::vlog;
use crate::output::emit;
use crate::token::{self, Options};

/// The most of git's description of a credential that is read (it is a handful of short lines).
const MAX_INPUT: u64 = 64 * 1024;

/// Whether `action` does anything; the others are answered without reading the config.
pub fn acts(action: &str) -> bool {
    matches!(action, "get" | "erase")
}

pub fn run(config: &Config, args: GitCredentialArgs) -> anyhow::Result<ExitCode> {
    let input = read_input(std::io::stdin().lock());
    let profile = config.profile(&args.profile, crate::config::Chosen::Argument)?;
    match args.action.as_str() {
        "get" => {
            let opts = Options {
                no_cache: false,
                refresh: false,
                min_ttl: 60,
                timeout: std::time::Duration::from_secs(30),
            };
            let token = token::obtain(profile, &opts, &mut Credentials::new(profile))?;
            let mut out = format!(
                "username={}\npassword={}\n",
                profile.git_username(),
                token.access_token.as_str()
            );
            if let Some(at) = token.expires_at {
                out.push_str(&format!("password_expiry_utc={at}\n"));
            }
            emit(&out)?;
        }
        "erase" => erase(profile, input.password.as_deref())?,
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The action for anything but `get` and `erase`: drain git's description (so git never writes
/// into a closed pipe) and succeed.
pub fn ignore() -> ExitCode {
    let _ = read_input(std::io::stdin().lock());
    ExitCode::SUCCESS
}

/// What git told the helper: only the password matters here (for `erase`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Input {
    pub password: Option<String>,
}

/// Read `key=value` lines up to a blank line or the end, at most [`MAX_INPUT`] bytes.
fn read_input(reader: impl Read) -> Input {
    let mut input = Input::default();
    let mut lines = std::io::BufReader::new(reader.take(MAX_INPUT));
    let mut line = String::new();
    while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
        let l = line.trim_end_matches(['\n', '\r']);
        if l.is_empty() {
            break;
        }
        if let Some(("password", value)) = l.split_once('=') {
            crate::redact::register(value);
            input.password = Some(value.to_string());
        }
        line.clear();
    }
    input
}

/// Forget the cached token, unless git is erasing some other password than the one cached (a
/// token tokfetch has already replaced, or another helper's credential).
fn erase(profile: &crate::config::Profile, password: Option<&str>) -> Result<()> {
    let Some(cache) = Cache::open() else {
        return Ok(());
    };
    if let (Some(given), Some(cached)) =
        (password, cache.load(&profile.name, &Identity::of(profile)))
        && given != cached.access_token.as_str()
    {
        vlog!(
            "git-credential erase: not the cached token of `{}`; kept",
            profile.name
        );
        return Ok(());
    }
    let removed = cache.remove(&profile.name).map_err(|e| {
        Failure::config(format!(
            "cannot remove the cached token of `{}`: {e}",
            profile.name
        ))
    })?;
    if removed {
        vlog!(
            "git-credential erase: forgot the cached token of `{}`",
            profile.name
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_blank_line() {
        let got = read_input(
            &b"protocol=https\nhost=git.example\npassword=tok=en\n\npassword=later\n"[..],
        );
        assert_eq!(got.password.as_deref(), Some("tok=en"));
        assert_eq!(read_input(&b""[..]), Input::default());
        let got = read_input(&b"host=x\r\npassword=p\r\n"[..]);
        assert_eq!(got.password.as_deref(), Some("p"));
    }
}
