//! `tokfetch git-credential PROFILE ACTION`: a git credential helper (README "git"), speaking
//! the `key=value` protocol of git-credential(1). `get` answers with the profile's token as the
//! password and its expiry as `password_expiry_utc`, so git drops it in time; `erase` (git
//! saying the server refused the password) forgets the cached token when git names it, so the
//! next `get` fetches a new one; `store` and actions git may add later do nothing. A failure
//! prints nothing on stdout: git then goes on to its next helper or its prompt.
//!
//! It answers only where it should (README "Security model"): `protocol=https`, and, when the
//! profile sets `git_hosts`, only those hosts. Anything else gets no output and exit 0, so git
//! asks its next helper; a token is never offered to a host in cleartext or to a stranger.

use std::io::{BufRead, Read};
use std::process::ExitCode;

use crate::cache::{Cache, Identity};
use crate::cli::GitCredentialArgs;
use crate::config::{Config, Profile};
use crate::credentials::Credentials;
use crate::error::{Failure, Result};
use crate::log::vlog;
use crate::output::emit;
use crate::token::{self, Options};

/// The longest line of git's description that is read (README "git").
const MAX_LINE: usize = 64 * 1024;
/// The most of git's description that is read.
const MAX_INPUT: u64 = 1 << 20;

/// Whether `action` does anything; the others are answered without reading the config.
pub fn acts(action: &str) -> bool {
    matches!(action, "get" | "erase")
}

pub fn run(config: &Config, args: GitCredentialArgs) -> anyhow::Result<ExitCode> {
    let input = read_input(std::io::stdin().lock())?;
    let profile = config.profile(&args.profile, crate::config::Chosen::Argument)?;
    if let Some(why) = refusal(profile, &input) {
        vlog!("git-credential: not answering: {why}");
        return Ok(ExitCode::SUCCESS);
    }
    match args.action.as_str() {
        "get" => {
            let opts = Options {
                no_cache: false,
                refresh: false,
                min_ttl: 60,
                timeout: std::time::Duration::from_secs(30),
                withhold: Default::default(),
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

/// Why git's request is none of this profile's business, if it is not: not https, or a host
/// the profile's `git_hosts` does not list (host compared case-insensitively, port exactly).
fn refusal(profile: &Profile, input: &Input) -> Option<String> {
    match input.protocol.as_deref() {
        Some("https") => {}
        Some(other) => return Some(format!("protocol {other}, not https")),
        None => return Some("git named no protocol".to_string()),
    }
    // git sends a password as HTTP Basic: a DPoP token needs its own scheme and a proof.
    if profile.provider.dpop(&profile.settings).is_some() {
        return Some(format!(
            "`{}` uses DPoP, and git can send no DPoP proof",
            profile.name
        ));
    }
    let Some(hosts) = &profile.git_hosts else {
        return None;
    };
    let host = input.host.as_deref().unwrap_or("");
    let listed = hosts.iter().any(|h| same_host(h, host));
    (!listed).then(|| format!("host {host} is not in git_hosts of `{}`", profile.name))
}

/// `git.example.com` matches `GIT.example.com` but not `git.example.com:8443`.
fn same_host(listed: &str, given: &str) -> bool {
    let (a, ap) = host_port(listed);
    let (b, bp) = host_port(given);
    a.eq_ignore_ascii_case(b) && ap == bp
}

/// `host`, `host:port`, `[::1]`, `[::1]:8443` into the name and the port.
fn host_port(h: &str) -> (&str, Option<&str>) {
    if let Some(rest) = h.strip_prefix('[')
        && let Some((name, after)) = rest.split_once(']')
    {
        return (name, after.strip_prefix(':'));
    }
    match h.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            (name, Some(port))
        }
        _ => (h, None),
    }
}

/// The action for anything but `get` and `erase`: drain git's description (so git never writes
/// into a closed pipe) and succeed.
pub fn ignore() -> ExitCode {
    let _ = std::io::copy(
        &mut std::io::stdin().lock().take(MAX_INPUT),
        &mut std::io::sink(),
    );
    ExitCode::SUCCESS
}

/// What git told the helper.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Input {
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub password: Option<String>,
}

/// Read `key=value` lines up to a blank line or the end. Input git never sends (a NUL, a line
/// over 64 KiB, more than 1 MiB in all) is a usage error (exit 2), answered with nothing.
fn read_input(reader: impl Read) -> Result<Input> {
    let malformed = |why: &str| {
        Failure::usage(format!("git-credential: malformed input from git: {why}"))
            .hint("git sends key=value lines (git-credential(1)); nothing was answered")
    };
    let mut input = Input::default();
    let mut limited = reader.take(MAX_INPUT + 1);
    let mut lines = std::io::BufReader::new(&mut limited);
    let mut total: u64 = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = lines
            .by_ref()
            .take(MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut line)
            .map_err(|e| malformed(&e.to_string()))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_INPUT {
            return Err(malformed("more than 1 MiB"));
        }
        let l = line.strip_suffix(b"\n").unwrap_or(&line);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.len() > MAX_LINE {
            return Err(malformed("a line longer than 64 KiB"));
        }
        if l.contains(&0) {
            return Err(malformed("a NUL byte"));
        }
        if l.is_empty() {
            break;
        }
        let l = String::from_utf8_lossy(l);
        match l.split_once('=') {
            Some(("password", value)) => {
                crate::redact::register(value);
                input.password = Some(value.to_string());
            }
            Some(("protocol", value)) => input.protocol = Some(value.to_string()),
            Some(("host", value)) => input.host = Some(value.to_string()),
            _ => {}
        }
    }
    Ok(input)
}

/// Forget the cached token, unless git is erasing some other password than the one cached (a
/// token tokfetch has already replaced, or another helper's credential).
fn erase(profile: &Profile, password: Option<&str>) -> Result<()> {
    let Some(cache) = Cache::open() else {
        return Ok(());
    };
    let Some(given) = password else {
        vlog!("git-credential erase: git named no password; nothing forgotten");
        return Ok(());
    };
    let cached = cache.load(&profile.name, &Identity::of(profile));
    if cached.is_none_or(|c| given != c.access_token.as_str()) {
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
        )
        .expect("valid");
        assert_eq!(got.password.as_deref(), Some("tok=en"));
        assert_eq!(got.protocol.as_deref(), Some("https"));
        assert_eq!(got.host.as_deref(), Some("git.example"));
        assert_eq!(read_input(&b""[..]).expect("empty"), Input::default());
        let got = read_input(&b"host=x\r\npassword=p\r\n"[..]).expect("crlf");
        assert_eq!(got.password.as_deref(), Some("p"));
    }

    #[test]
    fn input_git_never_sends_is_refused() {
        assert!(read_input(&b"host=a\0b\n"[..]).is_err());
        let long = format!("host={}\n", "a".repeat(MAX_LINE));
        assert!(read_input(long.as_bytes()).is_err());
        let line = format!("x={}\n", "a".repeat(1000));
        let many = line.repeat(1100);
        assert!(read_input(many.as_bytes()).is_err());
        let ok = format!("host={}\n", "a".repeat(MAX_LINE - 5));
        assert!(read_input(ok.as_bytes()).is_ok());
    }

    #[test]
    fn hosts_compare_case_insensitively_and_ports_exactly() {
        assert!(same_host("git.example.com", "GIT.Example.com"));
        assert!(same_host("git.example.com:8443", "git.example.com:8443"));
        assert!(!same_host("git.example.com", "git.example.com:8443"));
        assert!(!same_host("git.example.com:8443", "git.example.com"));
        assert!(!same_host("git.example.com", "evil.example"));
        assert!(same_host("[::1]:8443", "[::1]:8443"));
        assert!(!same_host("[::1]:8443", "[::1]:9443"));
    }
}
