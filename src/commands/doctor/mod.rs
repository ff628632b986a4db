//! `tokfetch doctor [PROFILE] [--offline] [--fetch]` (README "doctor"): the checks a person
//! would make to debug a set-up, in the order they would make them, one line each — config,
//! profile, secrets, keyring, cache directory, CA file, proxy (`local`), then DNS, TCP, TLS,
//! clock skew and discovery (`network`), and with `--fetch` one real token request. A check
//! that cannot run because one it depends on failed is shown as `skip` with the reason (after
//! the config itself fails, nothing else is shown). Exit 0 when nothing FAILs, else the exit
//! status of the first FAIL's kind.

mod local;
mod network;

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::DoctorArgs;
use crate::error::{self, Failure, Kind};
use crate::output::emit;
use crate::redact;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    /// Not made: a check it depends on failed (the detail says which).
    Skip,
    /// Failed: with the kind whose exit status `doctor` ends with, if it is the first.
    Fail(Kind),
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    pub hints: Vec<String>,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Ok,
            detail: detail.into(),
            hints: Vec::new(),
        }
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: detail.into(),
            hints: vec![hint.into()],
        }
    }

    /// A check not made because `because` failed.
    pub fn skip(name: &'static str, because: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Skip,
            detail: format!("not checked: {}", because.into()),
            hints: Vec::new(),
        }
    }

    /// A failed check from tokfetch's own error for it: its message, hints and kind.
    pub fn fail(name: &'static str, f: Failure) -> Check {
        Check {
            name,
            status: Status::Fail(f.kind),
            detail: f.message,
            hints: f.hints,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Check {
        self.hints.push(hint.into());
        self
    }

    pub fn failed(&self) -> bool {
        matches!(self.status, Status::Fail(_))
    }
}

/// The report so far; each check is printed as soon as it is made, so a slow step shows
/// where it is.
pub struct Report {
    checks: Vec<Check>,
    colour: bool,
}

impl Report {
    fn new() -> Report {
        Report {
            checks: Vec::new(),
            colour: error::colour(std::io::stdout().is_terminal()),
        }
    }

    /// Add and print `check`; false when it failed (so what depends on it is skipped).
    pub fn add(&mut self, check: Check) -> anyhow::Result<bool> {
        emit(&render(&check, self.colour))?;
        let ok = !check.failed();
        self.checks.push(check);
        Ok(ok)
    }

    pub fn any_failed(&self) -> bool {
        self.checks.iter().any(Check::failed)
    }

    fn exit(&self) -> ExitCode {
        self.checks
            .iter()
            .find_map(|c| match c.status {
                Status::Fail(kind) => Some(error::exit_for(kind)),
                _ => None,
            })
            .unwrap_or(ExitCode::SUCCESS)
    }
}

/// `ok    name        detail`, then `      hint: …` lines. Everything from outside is cleaned
/// of secrets and control characters; only the status word is coloured.
fn render(c: &Check, colour: bool) -> String {
    let (word, code) = match c.status {
        Status::Ok => ("ok", "32"),
        Status::Warn => ("warn", "33"),
        Status::Skip => ("skip", "2"),
        Status::Fail(_) => ("FAIL", "1;31"),
    };
    let status = if colour {
        format!("\x1b[{code}m{word:<4}\x1b[0m")
    } else {
        format!("{word:<4}")
    };
    let mut out = format!(
        "{status}  {:<10}  {}\n",
        c.name,
        redact::for_terminal(&c.detail)
    );
    if c.status != Status::Ok {
        for h in &c.hints {
            out.push_str(&format!("      hint: {}\n", redact::for_terminal(h)));
        }
    }
    out
}

pub fn run(config_flag: Option<&std::path::Path>, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut report = Report::new();
    let Some(config) = local::config(&mut report, config_flag)? else {
        return Ok(report.exit());
    };
    let Some(profile) = local::profile(&mut report, &config, args.profile.as_deref())? else {
        return Ok(report.exit());
    };
    local::secrets_and_keyring(&mut report, profile)?;
    local::cache_dir(&mut report)?;
    local::ca_file(&mut report, profile)?;
    local::proxy(&mut report, profile)?;
    local::git_scope(&mut report, profile)?;
    if !args.offline {
        network::run(&mut report, profile)?;
    }
    local::user_grant(&mut report, profile)?;
    if args.fetch {
        network::fetch(&mut report, profile)?;
    }
    Ok(report.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_hints() {
        let ok = Check::ok("config", "/c.toml");
        assert_eq!(render(&ok, false), "ok    config      /c.toml\n");
        let bad = Check::fail(
            "secret",
            Failure::credentials("no client_secret\x1b[2J").hint("set it"),
        );
        assert_eq!(
            render(&bad, false),
            "FAIL  secret      no client_secret\\u{1b}[2J\n      hint: set it\n"
        );
        assert!(render(&bad, true).starts_with("\x1b[1;31mFAIL\x1b[0m  secret"));
        let warn = Check::warn("keyring", "unreachable", "fine on CI");
        assert!(render(&warn, false).ends_with("hint: fine on CI\n"));
        let skip = Check::skip("tcp", "dns failed");
        assert_eq!(
            render(&skip, false),
            "skip  tcp         not checked: dns failed\n"
        );
    }

    #[test]
    fn exit_is_the_first_failures() {
        let mut r = Report {
            checks: vec![
                Check::warn("a", "x", "y"),
                Check::fail("b", Failure::credentials("x")),
                Check::fail("c", Failure::network("x")),
            ],
            colour: false,
        };
        assert_eq!(r.exit(), ExitCode::from(4));
        r.checks.remove(1);
        assert_eq!(r.exit(), ExitCode::from(6));
        r.checks.clear();
        assert_eq!(r.exit(), ExitCode::SUCCESS);
    }
}
