//! The one error path (README "Exit codes"): what can go wrong, the exit status of each kind,
//! and how an error is printed — one `tokfetch: error:` line, then `  hint:` lines — for
//! tokfetch's own errors, clap's usage errors and commands `exec` cannot start alike. No other
//! file decides an exit number; the man page's EXIT STATUS and README's table are checked
//! against [`EXIT_STATUS`].

use std::fmt;
use std::io::IsTerminal;
use std::process::ExitCode;

/// What went wrong, as far as the exit status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bug or an environment we did not expect (exit 1).
    Internal,
    /// The command line does not make sense (exit 2).
    Usage,
    /// No config, a bad config, an unknown profile or an insecure URL (exit 3).
    Config,
    /// A secret is missing or the keyring cannot be used (exit 4).
    Credentials,
    /// The server refused the request: 400/401/403 and other final 4xx (exit 5).
    Rejected,
    /// DNS, connect, TLS, timeouts, 429/5xx after all retries (exit 6).
    Network,
    /// The server answered with something we will not use (exit 7).
    Unusable,
    /// `exec`: the command exists but cannot be run (126, as shells say).
    CannotRun,
    /// `exec`: there is no such command (127, as shells say).
    NotFound,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Internal => 1,
            Kind::Usage => 2,
            Kind::Config => 3,
            Kind::Credentials => 4,
            Kind::Rejected => 5,
            Kind::Network => 6,
            Kind::Unusable => 7,
            Kind::CannotRun => 126,
            Kind::NotFound => 127,
        }
    }
}

/// Every exit status and what it means, in the words README's table and the man page use.
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "success"),
    ("1", "unexpected internal error"),
    ("2", "command-line usage error"),
    (
        "3",
        "configuration error: no or invalid config file, unknown profile, bad key, insecure URL",
    ),
    (
        "4",
        "credentials unavailable: secret missing, keyring unreachable or locked",
    ),
    (
        "5",
        "the server rejected the request: HTTP 400/401/403 (and other final 4xx)",
    ),
    (
        "6",
        "network failure after retries: DNS, connect, TLS, timeout, 429/5xx exhausted",
    ),
    (
        "7",
        "unusable response: not JSON, no access_token, bad token characters, unsupported token type, too large, redirect, discovery document for another issuer",
    ),
    (
        "N",
        "`exec`: the command's own exit status (127: command not found, 126: not executable)",
    ),
];

/// An error meant for the user: one line of message, then optional hints.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub hints: Vec<String>,
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config, message)
    }
    pub fn credentials(message: impl Into<String>) -> Self {
        Self::new(Kind::Credentials, message)
    }
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(Kind::Rejected, message)
    }
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(Kind::Network, message)
    }
    pub fn unusable(message: impl Into<String>) -> Self {
        Self::new(Kind::Unusable, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }

    /// A command `exec` could not start: 127 when it does not exist, 126 otherwise.
    pub fn cannot_run(program: &str, err: &std::io::Error) -> Self {
        let kind = if err.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::CannotRun
        };
        Self::new(kind, format!("cannot run `{program}`: {err}"))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit status for `kind` (`doctor` exits with the kind of its first failed check).
pub fn exit_for(kind: Kind) -> ExitCode {
    ExitCode::from(kind.exit_code())
}

/// Print `e` and give its exit status. An error without a [`Failure`] in its chain is a bug.
pub fn report(e: &anyhow::Error) -> ExitCode {
    let failure = e.chain().find_map(|c| c.downcast_ref::<Failure>());
    let kind = failure.map_or(Kind::Internal, |f| f.kind);
    let hints = failure.map(|f| f.hints.as_slice()).unwrap_or_default();
    print(&format!("{e:#}"), hints);
    ExitCode::from(kind.exit_code())
}

/// clap's own errors, in tokfetch's shape: one `tokfetch: error:` line, then hints. Help and
/// version go to stdout with exit 0, as usual.
pub fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(Kind::Usage.exit_code());
        }
        _ => {}
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    let hints: Vec<String> = lines
        .map(|l| {
            let l = l.trim();
            l.strip_prefix("tip: ").unwrap_or(l).to_string()
        })
        .collect();
    // clap errors come before `-q` is known to the logger: look for it on the command line.
    let quiet = std::env::args().any(|a| a == "-q" || a == "--quiet");
    print(
        first.trim_start_matches("error: "),
        if quiet { &[] } else { &hints },
    );
    ExitCode::from(Kind::Usage.exit_code())
}

/// The internal-error line a panic prints (never its payload: it could carry data), and the
/// status it exits with.
pub fn panic_exit(location: Option<&std::panic::Location>) -> ! {
    let at = location
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    print(&format!("internal error{at}; please report it"), &[]);
    std::process::exit(i32::from(Kind::Internal.exit_code()))
}

/// `exec` without replacing the process (Windows): the command's own status, passed through;
/// one that reports none (a signal) is a failure.
pub fn child_status(code: Option<i32>) -> ExitCode {
    match code.and_then(|c| u8::try_from(c).ok()) {
        Some(c) => ExitCode::from(c),
        None => ExitCode::FAILURE,
    }
}

/// stdout was closed under us (`tokfetch get | head -c0`): nothing went wrong for the user.
pub fn exit_quietly() -> ! {
    std::process::exit(0)
}

/// The error line and its hints, redacted and with control characters escaped.
fn print(message: &str, hints: &[String]) {
    crate::stderr::line(prefix(), message);
    if !crate::log::quiet() {
        for h in hints {
            crate::stderr::line("  hint: ", h);
        }
    }
}

/// Colour only on a terminal, never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`.
fn use_colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>, term: Option<&str>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty()) && term != Some("dumb")
}

/// Whether a stream that `is_terminal` may be coloured, by the rule above and the
/// environment (`doctor` colours its report on stdout by the same rule).
pub fn colour(is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR");
    let term = std::env::var("TERM").ok();
    use_colour(is_terminal, no_color.as_deref(), term.as_deref())
}

fn prefix() -> &'static str {
    if colour(std::io::stderr().is_terminal()) {
        "tokfetch: \x1b[1;31merror:\x1b[0m "
    } else {
        "tokfetch: error: "
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn every_kind_has_its_row_in_the_table() {
        let kinds = [
            Kind::Internal,
            Kind::Usage,
            Kind::Config,
            Kind::Credentials,
            Kind::Rejected,
            Kind::Network,
            Kind::Unusable,
        ];
        for (kind, want) in kinds.into_iter().zip(1u8..) {
            assert_eq!(kind.exit_code(), want, "{kind:?}");
            assert!(
                EXIT_STATUS.iter().any(|(c, _)| *c == want.to_string()),
                "{kind:?}"
            );
        }
        let exec = EXIT_STATUS.iter().find(|(c, _)| *c == "N").map(|r| r.1);
        for code in [Kind::CannotRun, Kind::NotFound].map(Kind::exit_code) {
            assert!(
                exec.is_some_and(|m| m.contains(&code.to_string())),
                "{code}"
            );
        }
    }

    #[test]
    fn launch_failures_are_127_or_126() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(Failure::cannot_run("x", &missing).kind.exit_code(), 127);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(Failure::cannot_run("x", &denied).kind.exit_code(), 126);
    }

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(use_colour(true, None, Some("xterm")));
        assert!(use_colour(true, Some(OsStr::new("")), None));
        assert!(!use_colour(false, None, Some("xterm")));
        assert!(!use_colour(true, Some(OsStr::new("1")), Some("xterm")));
        assert!(!use_colour(true, None, Some("dumb")));
    }
}
