//! `tokfetch get`, `tokfetch header` and `tokfetch proof`.

use std::process::ExitCode;

use crate::cli::{GetArgs, HeaderArgs, ProofArgs, RequestArgs};
use crate::config::{Config, Profile};
use crate::credentials::Credentials;
use crate::error::{Failure, Result};
use crate::format::Format;
use crate::output;
use crate::time;
use crate::token;

pub fn get(config: &Config, args: GetArgs) -> anyhow::Result<ExitCode> {
    let profile = config.select(args.profile.as_deref())?;
    // A DPoP token is useless without a proof for the request it goes with: the outputs that
    // carry a proof need the request before anything is fetched.
    let dpop = profile.provider.dpop(&profile.settings).is_some();
    let request = match args.output {
        Format::Header | Format::Curl if dpop => {
            Some(request(profile, &args.request, args.output)?)
        }
        Format::ExecCredential if dpop => {
            return Err(Failure::usage(format!(
                "profile `{}` uses DPoP: -o exec-credential cannot carry a DPoP token (kubectl sends it as a Bearer token without a proof)",
                profile.name
            ))
            .into());
        }
        _ => None,
    };
    let mut credentials = Credentials::new(profile);
    let token = token::obtain(
        profile,
        &super::options(config, &args.fetch),
        &mut credentials,
    )?;
    // The headers an API call needs besides Authorization (&Open's API key): only this output
    // reads a secret on a cache hit.
    let mut headers = Vec::new();
    if args.output == Format::Curl {
        for &(name, field) in profile.provider.header_fields() {
            headers.push((name, credentials.get(field)?.clone()));
        }
    }
    let proof = match &request {
        Some((method, url)) => token.proof(method, url, args.request.nonce.as_deref())?,
        None => None,
    };
    let text = output::render(
        args.output,
        &token,
        &profile.name,
        &headers,
        time::now_unix(),
        proof.as_deref().map(String::as_str),
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
            request: args.request,
            fetch: args.fetch,
        },
    )
}

/// `tokfetch proof`: one DPoP proof (RFC 9449 §7) for one request with the profile's token,
/// cached or fetched as `get` would.
pub fn proof(config: &Config, args: ProofArgs) -> anyhow::Result<ExitCode> {
    let profile = config.select(args.profile.as_deref())?;
    if profile.provider.dpop(&profile.settings).is_none() {
        return Err(Failure::usage(format!(
            "profile `{}` does not use DPoP: its tokens are Bearer tokens and need no proof",
            profile.name
        ))
        .hint(format!(
            "to bind its tokens to a key, set dpop = true in profile `{}` (the server must support DPoP)",
            profile.name
        ))
        .into());
    }
    let given = RequestArgs {
        method: Some(args.method),
        url: Some(args.url),
        nonce: args.nonce,
    };
    let (method, url) = request(profile, &given, Format::Header)?;
    let token = token::obtain(
        profile,
        &super::options(config, &args.fetch),
        &mut Credentials::new(profile),
    )?;
    let Some(proof) = token.proof(&method, &url, given.nonce.as_deref())? else {
        return Err(Failure::internal("a DPoP profile's token has no key").into());
    };
    output::emit(&format!("{}\n", proof.as_str()))?;
    Ok(ExitCode::SUCCESS)
}

/// The request a proof is for: `--method` (upper-cased: `get` means GET) and `--url` (an
/// absolute http or https URL), both required (exit 2).
fn request(profile: &Profile, args: &RequestArgs, format: Format) -> Result<(String, String)> {
    let what = match format {
        Format::Curl => "-o curl",
        _ => "the header output",
    };
    let (Some(method), Some(url)) = (&args.method, &args.url) else {
        let missing = match (&args.method, &args.url) {
            (None, None) => "--method and --url",
            (None, Some(_)) => "--method",
            _ => "--url",
        };
        return Err(Failure::usage(format!(
            "profile `{}` uses DPoP: {what} needs {missing}, the API request the DPoP proof is for",
            profile.name
        ))
        .hint(format!(
            "tokfetch header {} --method GET --url https://api.example/resource",
            profile.name
        )));
    };
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(tchar) {
        return Err(Failure::usage(format!(
            "--method {:?} is not an HTTP method",
            crate::redact::clean(method)
        )));
    }
    if let Some(nonce) = &args.nonce
        && (nonce.is_empty()
            || !nonce
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\'))
    {
        return Err(Failure::usage(
            "--nonce must be the DPoP-Nonce the server sent: printable ASCII without quotes or backslashes",
        ));
    }
    Ok((method.to_ascii_uppercase(), target_url(url)?))
}

/// An absolute `http://` or `https://` URL with a host, and nothing a header could not carry.
fn target_url(url: &str) -> Result<String> {
    let bad = |why: &str| Failure::usage(format!("--url {:?} {why}", crate::redact::clean(url)));
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("is not an absolute http:// or https:// URL"))?;
    if url
        .bytes()
        .any(|b| b <= b' ' || b == 0x7f || b == b'"' || b == b'\\')
    {
        return Err(bad("contains spaces, quotes or control characters"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err(bad("has no host (or has user information)"));
    }
    Ok(url.to_string())
}
