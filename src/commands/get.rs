//! `tokfetch get` and `tokfetch header`.

use std::process::ExitCode;

use crate::cli::{GetArgs, HeaderArgs};
use crate::config::Config;
use crate::credentials::Credentials;
use crate::format::Format;
use crate::output;
use crate::time;
use crate::token;

pub fn get(config: &Config, args: GetArgs) -> anyhow::Result<ExitCode> {
    let profile = config.select(args.profile.as_deref())?;
    let mut credentials = Credentials::new(profile);
    let token = token::obtain(profile, &(&args.fetch).into(), &mut credentials)?;
    // The headers an API call needs besides Authorization (&Open's API key): only this output
    // reads a secret on a cache hit.
    let mut headers = Vec::new();
    if args.output == Format::Curl {
        for &(name, field) in profile.provider.header_fields() {
            headers.push((name, credentials.get(field)?.clone()));
        }
    }
    let text = output::render(
        args.output,
        &token,
        &profile.name,
        &headers,
        time::now_unix(),
    );
    output::emit(&text)?;
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
