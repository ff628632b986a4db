//! `tokfetch exec PROFILE -- CMD…`: the token goes into the child's environment, never onto a
//! command line where `ps` would show it. On Unix tokfetch replaces itself with the command, so
//! signals and the exit status are the command's own.

use std::process::{Command, ExitCode};

use crate::cli::ExecArgs;
use crate::config::{self, Config};
use crate::credentials::Credentials;
use crate::error::Failure;
use crate::token;

/// Where `exec` says what kind of token the command got (`DPoP`).
const TOKEN_TYPE_VAR: &str = "TOKFETCH_TOKEN_TYPE";

pub fn exec(config: &Config, args: ExecArgs) -> anyhow::Result<ExitCode> {
    if !config::valid_env_name(&args.env) {
        return Err(Failure::usage(format!(
            "--env {:?} is not a valid environment variable name",
            args.env
        ))
        .into());
    }
    let profile = config.select(args.profile.as_deref())?;
    // The command makes its proofs with `tokfetch proof`, which finds the token's key in the
    // cache: a token that is not cached is one it could not use.
    if profile.provider.dpop(&profile.settings).is_some() && (args.fetch.no_cache || !profile.cache)
    {
        return Err(Failure::usage(format!(
            "profile `{}` uses DPoP: exec needs the token cached, so that the command's `tokfetch proof` signs with its key (drop --no-cache, or cache = false)",
            profile.name
        ))
        .into());
    }
    let token = token::obtain(
        profile,
        &super::options(config, &args.fetch),
        &mut Credentials::new(profile),
    )?;
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Failure::usage("no command given after --").into());
    };
    let mut cmd = Command::new(program);
    // The command gets the token, not a secret: not the ones this profile's token was obtained
    // with, nor any other profile's (README "Security model").
    for var in crate::secret::secret_vars(&config.secret_env_vars) {
        cmd.env_remove(var);
    }
    cmd.args(rest).env(&args.env, token.access_token.as_str());
    // A DPoP token needs a proof per request: the command asks `tokfetch proof` for each, and
    // learns from here that it must (README "DPoP").
    if token.dpop.is_some() {
        cmd.env(TOKEN_TYPE_VAR, crate::output::token_type(&token));
    } else {
        cmd.env_remove(TOKEN_TYPE_VAR);
    }
    crate::log::vlog!(
        "running {} with the token in ${}",
        program.to_string_lossy(),
        args.env
    );
    run(cmd, &program.to_string_lossy())
}

#[cfg(unix)]
fn run(mut cmd: Command, program: &str) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(Failure::cannot_run(program, &err).into())
}

#[cfg(not(unix))]
fn run(mut cmd: Command, program: &str) -> anyhow::Result<ExitCode> {
    let status = cmd.status().map_err(|e| Failure::cannot_run(program, &e))?;
    Ok(crate::error::child_status(status.code()))
}
