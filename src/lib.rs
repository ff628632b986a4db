//! tokfetch: OAuth 2.0 client-credentials tokens for named profiles, from the command line.
//!
//! `main.rs` only calls [`main_entry`]; the library exists so that tests can regenerate the man
//! page and completions from the same clap definition the binary uses.

pub mod cache;
pub mod cli;
mod commands;
pub mod completions;
pub mod config;
pub mod config_edit;
pub mod endpoint;
pub mod error;
mod fast;
pub mod http;
pub mod keystore;
pub mod log;
pub mod oauth;
pub mod output;
pub mod provider;
pub mod proxy;
pub mod redact;
pub mod retry;
pub mod roots;
pub mod secret;
pub mod suggest;
pub mod time;
pub mod token;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::error::Failure;

/// Parse the command line, run it, print any error as `tokfetch: error: …`, return the exit code.
pub fn main_entry() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        // Never the payload: it could in principle carry data; the location is enough to report.
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("tokfetch: error: internal error{at}; please report it");
        // Exit 1 as SPEC §7 says, rather than unwinding or aborting (release builds abort).
        std::process::exit(1);
    }));
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if let Some(code) = fast::try_cached(&args) {
        return code;
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return clap_error(&e),
    };
    log::init(cli.verbose, cli.quiet);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

/// Colour only on a terminal, never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`.
fn use_colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>, term: Option<&str>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty()) && term != Some("dumb")
}

fn error_prefix() -> &'static str {
    let no_color = std::env::var_os("NO_COLOR");
    let term = std::env::var("TERM").ok();
    if use_colour(
        std::io::stderr().is_terminal(),
        no_color.as_deref(),
        term.as_deref(),
    ) {
        "tokfetch: \x1b[1;31merror:\x1b[0m "
    } else {
        "tokfetch: error: "
    }
}

/// One line for stderr: secrets redacted, line breaks folded, other control characters escaped.
fn one_line(s: &str) -> String {
    // Redact first: a secret may itself span lines (a PEM key).
    redact::escape_controls(&redact::clean(s).replace(['\r', '\n'], " "))
}

fn report(e: &anyhow::Error) -> ExitCode {
    if let Some(x) = e.downcast_ref::<commands::ExecFailure>() {
        eprintln!("{}{}", error_prefix(), one_line(&x.message));
        return ExitCode::from(x.code);
    }
    let failure = e.chain().find_map(|c| c.downcast_ref::<Failure>());
    eprintln!("{}{}", error_prefix(), one_line(&format!("{e:#}")));
    match failure {
        Some(f) => {
            if !log::quiet() {
                for h in &f.hints {
                    eprintln!("  hint: {}", one_line(h));
                }
            }
            ExitCode::from(f.kind.exit_code())
        }
        None => ExitCode::from(1),
    }
}

/// Clap's own errors, in tokfetch's shape: one `tokfetch: error:` line, then hints. Help and
/// version go to stdout with exit 0, as usual.
fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    eprintln!(
        "{}{}",
        error_prefix(),
        one_line(first.trim_start_matches("error: "))
    );
    let quiet = std::env::args().any(|a| a == "-q" || a == "--quiet");
    if !quiet {
        for l in lines {
            let l = l.trim();
            let l = l.strip_prefix("tip: ").unwrap_or(l);
            eprintln!("  hint: {}", one_line(l));
        }
    }
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::use_colour;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(use_colour(true, None, Some("xterm")));
        assert!(use_colour(true, Some(OsStr::new("")), None));
        assert!(!use_colour(false, None, Some("xterm")));
        assert!(!use_colour(true, Some(OsStr::new("1")), Some("xterm")));
        assert!(!use_colour(true, None, Some("dumb")));
    }
}
