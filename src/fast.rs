//! The cached path without clap: `get`/`header` invocations in their plain forms are recognised
//! by a tiny parser and, when the cache has a token for them, answered before clap builds its
//! command tree (which alone costs more than the rest of a hit).
//!
//! Anything the parser does not recognise exactly — any other flag, `-v`, `--no-cache`, help,
//! repeated options, a config problem, a cache miss — falls through to the normal path, which
//! re-does everything with full error reporting. A unit test checks that every accepted command
//! line means the same to clap.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cache::{Cache, Identity};
use crate::cli::{MIN_TTL, TIMEOUT_RANGE};
use crate::format::Format;
use crate::token::{self, Cached, Token};
use crate::{config, output, time};

/// What a plain `get`/`header` command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    pub profile: Option<String>,
    pub output: Format,
    pub min_ttl: u64,
    pub config: Option<PathBuf>,
}

/// Parse a plain `get`/`header` command line (without argv[0]); `None` for anything else.
pub fn parse(args: &[OsString]) -> Option<Plain> {
    let args: Vec<&str> = args.iter().map(|a| a.to_str()).collect::<Option<_>>()?;
    let mut plain = Plain {
        profile: None,
        output: Format::Raw,
        min_ttl: MIN_TTL,
        config: None,
    };
    let (mut command, mut output, mut min_ttl, mut timeout) = (None, None, None, None);
    let mut quiet = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        let value = |i: &mut usize| -> Option<&str> {
            *i += 1;
            args.get(*i).copied().filter(|v| !v.starts_with('-'))
        };
        match arg {
            // clap refuses a repeated flag, so the fast path does too.
            "-q" | "--quiet" => set_once(&mut quiet, ())?,
            "--config" => set_once(&mut plain.config, PathBuf::from(value(&mut i)?))?,
            _ if arg.starts_with("--config=") => {
                set_once(&mut plain.config, PathBuf::from(&arg["--config=".len()..]))?
            }
            "get" | "header" if command.is_none() => command = Some(arg),
            "-o" | "--output" if command == Some("get") => set_once(&mut output, value(&mut i)?)?,
            _ if command == Some("get") && arg.starts_with("--output=") => {
                set_once(&mut output, &arg["--output=".len()..])?
            }
            "--min-ttl" if command.is_some() => set_once(&mut min_ttl, value(&mut i)?)?,
            _ if command.is_some() && arg.starts_with("--min-ttl=") => {
                set_once(&mut min_ttl, &arg["--min-ttl=".len()..])?
            }
            "--timeout" if command.is_some() => set_once(&mut timeout, value(&mut i)?)?,
            _ if command.is_some() && arg.starts_with("--timeout=") => {
                set_once(&mut timeout, &arg["--timeout=".len()..])?
            }
            _ if command.is_some() && !arg.starts_with('-') => {
                set_once(&mut plain.profile, arg.to_string())?
            }
            _ => return None,
        }
        i += 1;
    }
    match command? {
        "header" => plain.output = Format::Header,
        _ => {
            if let Some(name) = output {
                plain.output = Format::named(name)?;
            }
        }
    }
    if let Some(m) = min_ttl {
        plain.min_ttl = digits(m)?;
    }
    if let Some(t) = timeout {
        let t = digits(t)?;
        if !TIMEOUT_RANGE.contains(&t) {
            return None;
        }
    }
    if plain
        .config
        .as_ref()
        .is_some_and(|c| c.as_os_str().is_empty())
    {
        return None;
    }
    Some(plain)
}

fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// A plain decimal u64, as clap would accept it.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Answer a plain `get`/`header` from the cache, or `None` to take the normal path.
pub fn try_cached(args: &[OsString]) -> Option<ExitCode> {
    let plain = parse(args)?;
    let path = config::resolve_path(plain.config.as_deref()).ok()?;
    let profile = &config::hit_profile(&path, plain.profile.as_deref())?;
    // A curl output with headers that carry a secret (&Open's API key) reads it: not here.
    let needs_secret = plain.output == Format::Curl && !profile.provider.header_fields().is_empty();
    // A DPoP token goes with its scheme, its thumbprint and a proof: the normal path's.
    if !profile.cache || needs_secret || profile.provider.dpop(&profile.settings).is_some() {
        return None;
    }
    let cache = Cache::locate()?;
    // An untrusted directory is the normal path's to report.
    cache.trusted().ok()?;
    let Cached::Hit(hit) = token::lookup(&cache, profile, &Identity::of(profile), plain.min_ttl)
    else {
        return None;
    };
    let token = Token::from_entry(hit);
    let text = output::render(
        plain.output,
        &token,
        &profile.name,
        &[],
        time::now_unix(),
        None,
    );
    output::emit(&text).ok()?;
    Some(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// What clap makes of the same command line, in the fast path's terms; `None` when clap
    /// rejects it or it is not a plain cached get/header.
    fn clap_view(args: &[&str]) -> Option<Plain> {
        let cli =
            Cli::try_parse_from(std::iter::once("tokfetch").chain(args.iter().copied())).ok()?;
        if cli.verbose {
            return None;
        }
        let (profile, output, fetch) = match cli.command {
            Command::Get(g) => (g.profile, g.output, g.fetch),
            Command::Header(h) => (h.profile, Format::Header, h.fetch),
            _ => return None,
        };
        if fetch.no_cache || fetch.refresh {
            return None;
        }
        Some(Plain {
            profile,
            output,
            min_ttl: fetch.min_ttl,
            config: cli.config,
        })
    }

    #[test]
    fn common_forms_are_taken() {
        let cases: [(&[&str], Plain); 4] = [
            (
                &["get", "p"],
                Plain {
                    profile: Some("p".into()),
                    output: Format::Raw,
                    min_ttl: 60,
                    config: None,
                },
            ),
            (
                &["header"],
                Plain {
                    profile: None,
                    output: Format::Header,
                    min_ttl: 60,
                    config: None,
                },
            ),
            (
                &[
                    "--config",
                    "c.toml",
                    "get",
                    "p",
                    "-o",
                    "json",
                    "--min-ttl",
                    "120",
                ],
                Plain {
                    profile: Some("p".into()),
                    output: Format::Json,
                    min_ttl: 120,
                    config: Some("c.toml".into()),
                },
            ),
            (
                &["get", "--output=curl", "p", "-q", "--timeout=5"],
                Plain {
                    profile: Some("p".into()),
                    output: Format::Curl,
                    min_ttl: 60,
                    config: None,
                },
            ),
        ];
        for (args, want) in cases {
            assert_eq!(parse(&os(args)), Some(want.clone()), "{args:?}");
            assert_eq!(clap_view(args), Some(want), "{args:?}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_clap() {
        for args in [
            &["get", "p", "-v"][..],
            &["get", "p", "--no-cache"],
            &["get", "p", "--refresh"],
            &["get", "--help"],
            &["get", "p", "q"],
            &["get", "-o", "json", "-o", "raw"],
            &["get", "-ojson"],
            &["header", "-o", "raw"],
            &["get", "--timeout", "0"],
            &["get", "--min-ttl", "-1"],
            &["get", "--", "p"],
            &["exec", "p"],
            &["profiles"],
            &[],
        ] {
            assert_eq!(parse(&os(args)), None, "{args:?}");
        }
    }

    /// Every command line the fast parser accepts means exactly the same to clap. Checked over
    /// all sequences of up to four tokens from a pool of the relevant words.
    #[test]
    fn every_accepted_command_line_agrees_with_clap() {
        let pool = [
            "get",
            "header",
            "p",
            "-o",
            "json",
            "--output=env",
            "exec-credential",
            "--min-ttl",
            "5",
            "--min-ttl=7",
            "--config",
            "c.toml",
            "--config=d.toml",
            "-q",
            "--timeout",
            "-v",
            "--",
            "x",
        ];
        let mut accepted = 0;
        let mut seq: Vec<&str> = Vec::new();
        fn walk<'a>(pool: &[&'a str], seq: &mut Vec<&'a str>, depth: usize, accepted: &mut usize) {
            if let Some(fast) = parse(&os(seq)) {
                *accepted += 1;
                assert_eq!(clap_view(seq), Some(fast), "{seq:?}");
            }
            if depth == 0 {
                return;
            }
            for t in pool {
                seq.push(t);
                walk(pool, seq, depth - 1, accepted);
                seq.pop();
            }
        }
        walk(&pool, &mut seq, 4, &mut accepted);
        assert!(
            accepted > 500,
            "the fast path took only {accepted} command lines"
        );
    }
}
