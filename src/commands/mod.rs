//! One function per subcommand; each returns the exit code on success.

mod cache;
mod exec;
pub use exec::ExecFailure;
mod get;
mod profile;
mod profiles;
mod secret;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Command, FetchArgs};
use crate::config::{self, Config};
use crate::error::{Failure, Result};
use crate::token::Options;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config_flag = cli.config.as_deref();
    match cli.command {
        Command::Get(a) => get::get(&load(config_flag)?, a),
        Command::Header(a) => get::header(&load(config_flag)?, a),
        Command::Exec(a) => exec::exec(&load(config_flag)?, a),
        Command::Secret(c) => secret::run(&load(config_flag)?, c),
        Command::Profiles(a) => profiles::list(&load(config_flag)?, a),
        Command::Profile(c) => profile::run(&config::resolve_path(config_flag)?, c),
        Command::Cache(c) => cache::run(c, || load(config_flag)),
        Command::Completions { shell } => {
            emit(&crate::completions::script(shell))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(flag: Option<&std::path::Path>) -> Result<Config> {
    let path = config::resolve_path(flag)?;
    crate::vlog!("config: {}", path.display());
    config::load(&path)
}

impl From<&FetchArgs> for Options {
    fn from(a: &FetchArgs) -> Self {
        Options {
            no_cache: a.no_cache,
            refresh: a.refresh,
            min_ttl: a.min_ttl,
            timeout: std::time::Duration::from_secs(a.timeout),
        }
    }
}

/// Write the requested output to stdout. A closed pipe (`tokfetch get | head -c0`) ends the
/// process quietly instead of panicking.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}

/// A note for the user on stderr, unless `-q`.
pub fn note(text: &str) {
    if !crate::log::quiet() {
        eprintln!("tokfetch: {}", crate::redact::for_terminal(text));
    }
}

/// A profile name given on the command line must at least look like one.
fn check_name(name: &str) -> Result<()> {
    if config::valid_profile_name(name) {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "`{name}` is not a profile name (letters, digits, `.`, `_`, `-`)"
        )))
    }
}
