//! `tokfetch login PROFILE` and `tokfetch logout PROFILE` (README "User tokens").

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::config::{Config, Profile};
use crate::credentials::Credentials;
use crate::error::{Failure, Result};
use crate::login::LoginOptions;
use crate::output::note;
use crate::token;

/// The profile, which must get a user's token.
fn user_profile<'c>(config: &'c Config, name: &str, command: &str) -> Result<&'c Profile> {
    let profile = config.select(Some(name))?;
    if profile.provider.user_grant(&profile.settings).is_none() {
        return Err(Failure::usage(format!(
            "profile `{}` gets the client's own token, not a user's: tokfetch {command} applies to grant = \"device_code\" or \"authorization_code\"",
            profile.name
        ))
        .hint(format!("tokfetch get {} fetches its token", profile.name)));
    }
    Ok(profile)
}

pub fn login(config: &Config, args: LoginArgs) -> anyhow::Result<ExitCode> {
    let profile = user_profile(config, &args.profile, "login")?;
    let opts = LoginOptions {
        no_browser: args.no_browser,
        withhold: config.secret_env_vars.clone(),
    };
    let mut credentials = Credentials::new(profile);
    if token::login_command(profile, args.timeout, &opts, &mut credentials)? {
        note(&format!("logged in as profile `{}`", profile.name));
    } else {
        note(&format!(
            "profile `{}` was logged in by another tokfetch while this one waited; using that login",
            profile.name
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn logout(config: &Config, args: LogoutArgs) -> anyhow::Result<ExitCode> {
    let profile = user_profile(config, &args.profile, "logout")?;
    let mut credentials = Credentials::new(profile);
    token::logout_command(profile, Duration::from_secs(args.timeout), &mut credentials)?;
    note(&format!("logged out of profile `{}`", profile.name));
    Ok(ExitCode::SUCCESS)
}
