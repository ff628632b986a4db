//! The command line, and nothing else: clap definitions from which help, the man page and the
//! shell completions are all generated.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Arg, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::config::COMMON_KEYS;
use crate::format::Format;
use crate::provider::{self, KeyKind, KeySpec, ProviderRef};
use crate::secret::Field;

const EXAMPLES: &str = "\
Examples:
  tokfetch get onepassword-eu
  curl -H \"$(tokfetch header andopen)\" https://api.andopen.co/
  tokfetch get andopen -o curl | curl -K - https://api.andopen.co/
  tokfetch exec corp -- ./deploy.sh          # token in $TOKFETCH_TOKEN, never on argv
  printf '%s' \"$SECRET\" | tokfetch secret set corp";

/// `tokfetch --version`: the version and the target triple the binary was built for (a bug
/// report then says which build it is about). `-V` prints the version alone.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("TOKFETCH_TARGET"),
    ")"
);

/// Fetch OAuth 2.0 client-credentials tokens for named profiles.
///
/// Profiles live in a TOML config; their secrets in the OS keyring or, on CI, in environment
/// variables. Tokens are cached privately until shortly before they expire, so repeated calls
/// cost no network round trip.
#[derive(Debug, Parser)]
#[command(name = "tokfetch", version, long_version = LONG_VERSION, after_help = EXAMPLES)]
pub struct Cli {
    /// Config file [default: $TOKFETCH_CONFIG, else ~/.config/tokfetch/config.toml]
    #[arg(long, global = true, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// Say what tokfetch does, on stderr (secrets and tokens are never shown)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print nothing but errors: no hints, no notes
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a valid token for a profile
    Get(GetArgs),
    /// Print `Authorization: Bearer <token>` (same as `get -o header`); a DPoP profile: `Authorization: DPoP` and `DPoP: <proof>`
    Header(HeaderArgs),
    /// Print a DPoP proof (RFC 9449) for one API request with a DPoP profile's token
    Proof(ProofArgs),
    /// Run a command with the token in its environment, never on its command line
    Exec(ExecArgs),
    /// Store, delete or check a profile's secrets
    #[command(subcommand)]
    Secret(SecretCommand),
    /// List profiles: provider, endpoint, secrets present, cached token's remaining lifetime
    Profiles(ProfilesArgs),
    /// Add a profile to the config file, or remove one (comments and layout are kept)
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Manage the token cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Show a profile and its cached token, offline (never the token or a secret)
    Inspect(InspectArgs),
    /// Check a profile's set-up step by step: config, secrets, keyring, cache, network, clock
    Doctor(DoctorArgs),
    /// A git credential helper: `git config credential.https://HOST.helper "!tokfetch git-credential PROFILE"`
    GitCredential(GitCredentialArgs),
    /// Log in as a user: run a device_code or authorization_code profile's login now
    Login(LoginArgs),
    /// Log out: revoke a user's tokens (RFC 7009) and forget them
    Logout(LogoutArgs),
    /// Print shell completions
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

/// `tokfetch login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The profile to log in with (grant = "device_code" or "authorization_code")
    pub profile: String,

    /// Print the authorization URL instead of opening a browser (then paste the URL the browser ends on)
    #[arg(long)]
    pub no_browser: bool,

    /// Give up on the login after this long
    #[arg(long, value_name = "SECONDS", default_value_t = crate::login::LOGIN_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(TIMEOUT_RANGE))]
    pub timeout: u64,
}

/// `tokfetch logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The profile to log out of
    pub profile: String,

    /// Give up on the revocation after this long
    #[arg(long, value_name = "SECONDS", default_value_t = TIMEOUT,
          value_parser = clap::value_parser!(u64).range(TIMEOUT_RANGE))]
    pub timeout: u64,
}

/// `--min-ttl`'s default, in seconds.
pub const MIN_TTL: u64 = 60;
/// `--timeout`'s default, and the values it takes, in seconds.
pub const TIMEOUT: u64 = 30;
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u64> = 1..=86_400;

/// Flags shared by `get`, `header` and `exec`.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// Neither read nor write the token cache
    #[arg(long)]
    pub no_cache: bool,

    /// Fetch a new token even if a cached one is still valid, then cache it
    #[arg(long)]
    pub refresh: bool,

    /// Reuse a cached token only if it stays valid at least this long
    #[arg(long, value_name = "SECONDS", default_value_t = MIN_TTL)]
    pub min_ttl: u64,

    /// Give up on the whole fetch, all attempts included, after this long
    #[arg(long, value_name = "SECONDS", default_value_t = TIMEOUT,
          value_parser = clap::value_parser!(u64).range(TIMEOUT_RANGE))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Profile name [default: $TOKFETCH_PROFILE, else default_profile]
    pub profile: Option<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Raw)]
    pub output: Format,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub struct HeaderArgs {
    /// Profile name [default: $TOKFETCH_PROFILE, else default_profile]
    pub profile: Option<String>,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

/// The API request a DPoP proof is for (`header` and `-o header|curl` of a DPoP profile).
#[derive(Debug, Clone, Default, Args)]
pub struct RequestArgs {
    /// DPoP profiles: the HTTP method of the API request the proof is for
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,

    /// DPoP profiles: the URL of the API request the proof is for
    #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
    pub url: Option<String>,

    /// DPoP profiles: the nonce the API server asked for (its `DPoP-Nonce` header)
    #[arg(long, value_name = "NONCE")]
    pub nonce: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProofArgs {
    /// Profile name [default: $TOKFETCH_PROFILE, else default_profile]
    pub profile: Option<String>,

    /// The HTTP method of the API request (`htm`)
    #[arg(long, value_name = "METHOD", required = true)]
    pub method: String,

    /// The URL of the API request (`htu`: without query and fragment)
    #[arg(long, value_name = "URL", required = true, value_hint = clap::ValueHint::Url)]
    pub url: String,

    /// The nonce the API server asked for (its `DPoP-Nonce` header)
    #[arg(long, value_name = "NONCE")]
    pub nonce: Option<String>,

    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Profile name [default: $TOKFETCH_PROFILE, else default_profile]
    pub profile: Option<String>,

    /// Environment variable to put the token in
    #[arg(long, value_name = "VAR", default_value = "TOKFETCH_TOKEN")]
    pub env: String,

    #[command(flatten)]
    pub fetch: FetchArgs,

    /// The command to run, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Profile name [default: $TOKFETCH_PROFILE, else default_profile]
    pub profile: Option<String>,

    /// One JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Profile name [default: $TOKFETCH_PROFILE, else default_profile]
    pub profile: Option<String>,

    /// Skip the network checks (DNS, TCP, TLS, clock, discovery)
    #[arg(long, conflicts_with = "fetch")]
    pub offline: bool,

    /// Also make one real token request (not cached; the token is never printed)
    #[arg(long)]
    pub fetch: bool,
}

#[derive(Debug, Args)]
pub struct GitCredentialArgs {
    /// The profile whose token is the password
    pub profile: String,

    /// What git asks: get, store or erase (store and any other action do nothing)
    pub action: String,
}

/// A secret field of a profile, as `--field` takes it: the list and the help come from the
/// fields and the providers that use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldArg(pub Field);

const FIELD_ARGS: [FieldArg; 4] = [
    FieldArg(Field::ALL[0]),
    FieldArg(Field::ALL[1]),
    FieldArg(Field::ALL[2]),
    FieldArg(Field::ALL[3]),
];

impl ValueEnum for FieldArg {
    fn value_variants<'a>() -> &'a [Self] {
        &FIELD_ARGS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let users: Vec<&str> = provider::ALL
            .iter()
            .filter(|p| p.fields().contains(&self.0))
            .map(|p| p.name())
            .collect();
        let who = if users.len() == provider::ALL.len() {
            "every provider".to_string()
        } else {
            users.join(", ")
        };
        Some(
            clap::builder::PossibleValue::new(self.0.name())
                .help(format!("{} ({who})", self.0.about())),
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret in the OS keyring, read from a hidden prompt or from stdin
    Set {
        /// Profile the secret belongs to
        profile: String,

        /// Which secret
        #[arg(long, value_enum, default_value = "client_secret")]
        field: FieldArg,

        /// Secrets are never accepted as arguments (they would show in `ps` and shell history)
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        refused: Vec<OsString>,
    },
    /// Remove a profile's secret(s) from the OS keyring
    Delete {
        /// Profile the secret belongs to
        profile: String,

        /// Which secret [default: all of the profile's]
        #[arg(long, value_enum)]
        field: Option<FieldArg>,
    },
    /// Report which secrets are present and where they come from (never their values)
    Status {
        /// Only this profile [default: all]
        profile: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// One JSON array instead of a table
    #[arg(long)]
    pub json: bool,

    /// Only the names, one per line (for shell completion; reads no secret)
    #[arg(long, hide = true, conflicts_with = "json")]
    pub names: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile to the config (created if missing), then offer to store its secret
    Add(ProfileAddArgs),
    /// Remove a profile from the config, and its cached token
    Remove {
        /// The profile to remove
        profile: String,
    },
}

#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// Name of the new profile (letters, digits, `.`, `_`, `-`)
    pub name: String,

    /// Which provider the profile talks to
    #[arg(long, value_enum)]
    pub provider: ProviderRef,

    /// The OAuth client id [prompted for on a terminal when missing]
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    #[command(flatten)]
    pub keys: KeyFlags,

    /// Also make it the default_profile
    #[arg(long)]
    pub default: bool,

    /// Do not offer to store the secret now
    #[arg(long)]
    pub no_secret: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Forget cached tokens (of one profile, or all)
    Clear {
        /// Only this profile [default: all]
        profile: Option<String>,
    },
}

/// The `profile add` flags for config keys, made from the key specs of the profile and of
/// every provider (a key several providers share is one flag, its help naming each).
#[derive(Debug, Clone, Default)]
pub struct KeyFlags(pub Vec<(&'static str, String)>);

/// Every flagged key, once: its name, kind, and help.
fn key_flags() -> Vec<(&'static str, KeyKind, String)> {
    let mut out: Vec<(&'static str, KeyKind, String)> = COMMON_KEYS
        .iter()
        .filter(|k| k.flag)
        .map(|k| (k.name, k.kind, capitalized(k.help)))
        .collect();
    for p in &provider::ALL {
        for k in p.keys().iter().filter(|k| k.flag) {
            let help = provider_help(p.name(), k);
            match out.iter_mut().find(|(n, _, _)| *n == k.name) {
                Some((_, _, h)) => {
                    h.push_str("; ");
                    h.push_str(&help);
                }
                None => out.push((k.name, k.kind, help)),
            }
        }
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn provider_help(provider: &str, k: &KeySpec) -> String {
    let required = if k.required { " (required)" } else { "" };
    format!("{provider}: {}{required}", k.help)
}

impl FromArgMatches for KeyFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(KeyFlags(
            key_flags()
                .into_iter()
                .filter_map(|(name, _, _)| m.get_one::<String>(name).map(|v| (name, v.clone())))
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for KeyFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        key_flags()
            .into_iter()
            .fold(cmd, |cmd, (name, kind, help)| {
                let mut arg = Arg::new(name)
                    .long(name.replace('_', "-"))
                    .help(help)
                    .value_name(name.to_uppercase());
                arg = match kind {
                    KeyKind::OneOf(values) => arg.value_parser(values.to_vec()),
                    KeyKind::Bool => arg.value_parser(["true", "false"]),
                    KeyKind::Url => arg.value_name("URL").value_hint(clap::ValueHint::Url),
                    KeyKind::Path => arg.value_name("PATH").value_hint(clap::ValueHint::FilePath),
                    _ => arg,
                };
                cmd.arg(arg)
            })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// The clap command, for generating completions and the man page.
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        super::command().debug_assert();
    }
}
