//! `tokfetch get` and `tokfetch header`.

use std::process::ExitCode;

use crate::cli::{GetArgs, HeaderArgs};
use crate::config::{Config, ProviderKind};
use crate::output::{self, Format};
use crate::time;
use crate::token::{self, Secrets};

pub fn get(config: &Config, args: GetArgs) -> anyhow::Result<ExitCode> {
    let profile = config.select(args.profile.as_deref())?;
    let mut secrets = Secrets::new(profile);
    let token = token::obtain(profile, &(&args.fetch).into(), &mut secrets)?;
    // &Open's API calls need the api key too; only this output reads a secret on a cache hit.
    let api_key = if args.output == Format::Curl && profile.kind() == ProviderKind::AndOpen {
        Some(secrets.api_key()?.clone())
    } else {
        None
    };
    let text = output::render(
        args.output,
        &token,
        &profile.name,
        api_key.as_ref(),
        time::now_unix(),
    );
    super::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn header(config: &Config, args: HeaderArgs) -> anyhow::Result<ExitCode> {
    get(
        config,
        GetArgs {
            profile: args.profile,
            output: Format::Header,
            fetch: args.fetch,
        },
    )
}
