//! One function per subcommand; each returns the exit code on success.

mod cache;
mod doctor;
mod exec;
mod get;
mod git_credential;
mod inspect;
mod login;
mod profile;
mod profiles;
mod secret;

use std::process::ExitCode;

use crate::cli::{Cli, Command, FetchArgs};
use crate::config::{self, Config};
use crate::error::{Failure, Result};
use crate::output::emit;
use crate::token::Options;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config_flag = cli.config.as_deref();
    match cli.command {
        Command::Get(a) => get::get(&load(config_flag)?, a),
        Command::Header(a) => get::header(&load(config_flag)?, a),
        Command::Proof(a) => get::proof(&load(config_flag)?, a),
        Command::Exec(a) => exec::exec(&load(config_flag)?, a),
        Command::Secret(c) => secret::run(&load(config_flag)?, c),
        Command::Profiles(a) => profiles::list(&load(config_flag)?, a),
        Command::Profile(c) => profile::run(&config::resolve_path(config_flag)?, c),
        Command::Cache(c) => cache::run(c, || load(config_flag)),
        Command::Inspect(a) => inspect::run(&load(config_flag)?, a),
        Command::Doctor(a) => doctor::run(config_flag, a),
        Command::GitCredential(a) if !git_credential::acts(&a.action) => {
            Ok(git_credential::ignore())
        }
        Command::GitCredential(a) => {
            check_name(&a.profile)?;
            git_credential::run(&load(config_flag)?, a)
        }
        Command::Login(a) => {
            check_name(&a.profile)?;
            login::login(&load(config_flag)?, a)
        }
        Command::Logout(a) => {
            check_name(&a.profile)?;
            login::logout(&load(config_flag)?, a)
        }
        Command::Completions { shell } => {
            emit(&crate::completions::script(shell))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(flag: Option<&std::path::Path>) -> Result<Config> {
    let path = config::resolve_path(flag)?;
    crate::log::vlog!("config: {}", path.display());
    config::load(&path)
}

impl From<&FetchArgs> for Options {
    fn from(a: &FetchArgs) -> Self {
        Options {
            no_cache: a.no_cache,
            refresh: a.refresh,
            min_ttl: a.min_ttl,
            timeout: std::time::Duration::from_secs(a.timeout),
            withhold: Default::default(),
        }
    }
}

/// The fetch options of `get`, `header`, `exec`: the flags, and the variables of every
/// profile's `*_env` keys, which a browser started for a login must not see.
fn options(config: &Config, a: &FetchArgs) -> Options {
    let mut o = Options::from(a);
    o.withhold = config.secret_env_vars.clone();
    o
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
