//! `tokfetch secret set|delete|status`: the OS keyring side of README "Secrets".

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use zeroize::Zeroizing;

use crate::cli::SecretCommand;
use crate::config::{Chosen, Config, Profile};
use crate::credentials::{self, FromEnv};
use crate::error::{Failure, Result};
use crate::keystore;
use crate::output::{emit, note};
use crate::secret::{Field, Secret, conventional_env};

/// Longest secret accepted on stdin; anything larger is a mistake (a file piped by accident).
const MAX_SECRET: u64 = 64 * 1024;

pub fn run(config: &Config, cmd: SecretCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SecretCommand::Set {
            profile,
            field,
            refused,
        } => set(config, &profile, field.0, !refused.is_empty()),
        SecretCommand::Delete { profile, field } => delete(config, &profile, field.map(|f| f.0)),
        SecretCommand::Status { profile } => status(config, profile.as_deref()),
    }
}

/// The profile, checked to have `field` (as configured; or at all, when `as_configured` is
/// false: a secret left over from an earlier configuration can still be deleted).
fn profile_with<'c>(
    config: &'c Config,
    name: &str,
    field: Field,
    as_configured: bool,
) -> Result<&'c Profile> {
    let profile = config.profile(name, Chosen::Argument)?;
    let provider = profile.provider;
    if as_configured
        && provider.fields().contains(&field)
        && !provider.secret_fields(&profile.settings).contains(&field)
    {
        let has: Vec<&str> = provider
            .secret_fields(&profile.settings)
            .iter()
            .map(|f| f.name())
            .collect();
        return Err(Failure::usage(format!(
            "profile `{name}` does not use a {} as it is configured; its secrets: {}",
            field.name(),
            if has.is_empty() {
                "none (see `tokfetch secret status`)".to_string()
            } else {
                has.join(", ")
            }
        )));
    }
    if !provider.fields().contains(&field) {
        let users: Vec<&str> = crate::provider::ALL
            .iter()
            .filter(|p| p.fields().contains(&field))
            .map(|p| p.name())
            .collect();
        let article = if field.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let mut f = Failure::usage(format!(
            "profile `{name}` (provider {}) has no {}; only {} profiles use {article} {}",
            profile.provider.name(),
            field.name(),
            users.join(", "),
            field.name()
        ));
        // `--field` left at its default (client_secret) for a provider without one: say which
        // field it has (a Google profile's JSON key).
        if let [only] = provider.fields() {
            f = f.hint(format!("its secret is the {0}: --field {0}", only.name()));
        }
        return Err(f);
    }
    Ok(profile)
}

fn set(config: &Config, name: &str, field: Field, had_argument: bool) -> anyhow::Result<ExitCode> {
    if had_argument {
        // Deliberately not echoing what was given: it is probably the secret.
        return Err(Failure::usage(
            "secrets are never taken from command-line arguments (ps and shell history would show them)",
        )
        .hint(format!(
            "pipe it in: printf '%s' \"$SECRET\" | tokfetch secret set {name}{}",
            field.flag()
        ))
        .hint("or run the command in a terminal and type it at the hidden prompt")
        .into());
    }
    let profile = profile_with(config, name, field, true)?;
    store(profile, field)?;
    Ok(ExitCode::SUCCESS)
}

/// Read the secret (prompt or stdin) and store it in the keyring, with the notes that go with it.
pub fn store(profile: &Profile, field: Field) -> anyhow::Result<()> {
    let value = read_secret(profile, field)?;
    keystore::set(&profile.name, field, &value).map_err(|e| {
        Failure::credentials(format!("cannot store the secret in the OS keyring: {e}")).hint(
            format!(
                "on a machine without a keyring (CI), set {} in the environment instead",
                conventional_env(&profile.name, field)
            ),
        )
    })?;
    note(&format!(
        "stored {} of profile `{}` in the OS keyring",
        field.name(),
        profile.name
    ));
    if let FromEnv::Found(_, source) = credentials::from_env(profile, field) {
        note(&format!(
            "note: {source} is set and takes precedence over the keyring"
        ));
    } else if profile.command(field).is_some() {
        note(&format!(
            "note: the profile's {} takes precedence over the keyring",
            field.command_key()
        ));
    }
    Ok(())
}

/// From a hidden prompt (typed twice) on a terminal, else all of stdin minus one trailing newline.
/// A private key is a PEM document: only from stdin, and it must parse.
fn read_secret(profile: &Profile, field: Field) -> Result<Secret> {
    let stdin = std::io::stdin();
    let json = field == Field::CredentialsJson;
    if field.multiline() && stdin.is_terminal() {
        let (what, file) = if json {
            ("JSON", "sa.json")
        } else {
            ("PEM", "key.pem")
        };
        return Err(Failure::usage(format!(
            "a {} is a {what} document: pipe it in rather than typing it",
            field.name()
        ))
        .hint(format!(
            "tokfetch secret set {}{} < {file}",
            profile.name,
            field.flag()
        )));
    }
    let value = if stdin.is_terminal() {
        let prompt = format!("{} for profile `{}`: ", field.name(), profile.name);
        let first = Zeroizing::new(
            rpassword::prompt_password(&prompt)
                .map_err(|e| Failure::usage(format!("cannot read from the terminal: {e}")))?,
        );
        let again = Zeroizing::new(
            rpassword::prompt_password("again, to confirm: ")
                .map_err(|e| Failure::usage(format!("cannot read from the terminal: {e}")))?,
        );
        if *first != *again {
            return Err(Failure::usage("the two entries differ; nothing was stored"));
        }
        first
    } else {
        let mut buf = Zeroizing::new(Vec::new());
        stdin
            .lock()
            .take(MAX_SECRET + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::usage(format!("cannot read the secret from stdin: {e}")))?;
        if buf.len() as u64 > MAX_SECRET {
            return Err(Failure::usage(format!(
                "stdin holds more than {} KiB; that is not a secret",
                MAX_SECRET / 1024
            )));
        }
        let text = std::str::from_utf8(&buf)
            .map_err(|_| Failure::usage("the secret on stdin is not UTF-8"))?;
        let text = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        Zeroizing::new(text.to_string())
    };
    if value.is_empty() {
        return Err(Failure::usage("empty secret; nothing was stored"));
    }
    if json {
        // Refused without a word of what was given: it holds a key.
        let key = crate::provider::parse_service_account(value.as_bytes()).map_err(|why| {
            Failure::usage(format!(
                "stdin does not hold a usable service account key: {why}; nothing was stored"
            ))
        })?;
        crate::jws::private_key_der(key.private_key.as_bytes()).map_err(|e| {
            Failure::usage(format!(
                "the private_key of the service account key on stdin cannot be used: {e}; nothing was stored"
            ))
        })?;
    } else if field.multiline() {
        // Refused without a word of what was given: it may be most of a key.
        crate::jws::private_key_der(value.as_bytes()).map_err(|e| {
            Failure::usage(format!(
                "stdin does not hold a usable PEM private key: {e}; nothing was stored"
            ))
        })?;
        if value.contains('\0') {
            return Err(Failure::usage("the key contains NUL; nothing was stored"));
        }
    } else if value.contains(['\n', '\r', '\0']) {
        return Err(Failure::usage(
            "the secret contains a line break or NUL; nothing was stored",
        ));
    }
    Ok(Secret::new(value.to_string()))
}

fn delete(config: &Config, name: &str, field: Option<Field>) -> anyhow::Result<ExitCode> {
    let profile = match field {
        Some(f) => profile_with(config, name, f, false)?,
        None => config.profile(name, Chosen::Argument)?,
    };
    let fields: Vec<Field> = match field {
        Some(f) => vec![f],
        None => profile.provider.secret_fields(&profile.settings),
    };
    for f in fields {
        let removed = keystore::delete(&profile.name, f)
            .map_err(|e| Failure::credentials(format!("cannot reach the OS keyring: {e}")))?;
        if removed {
            note(&format!(
                "deleted {} of profile `{}` from the OS keyring",
                f.name(),
                profile.name
            ));
        } else {
            note(&format!(
                "no {} of profile `{}` in the OS keyring",
                f.name(),
                profile.name
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn status(config: &Config, name: Option<&str>) -> anyhow::Result<ExitCode> {
    let profiles: Vec<&Profile> = match name {
        Some(n) => vec![config.profile(n, Chosen::Argument)?],
        None => config.profiles.values().collect(),
    };
    let mut out = String::new();
    let mut missing = false;
    for profile in profiles {
        out.push_str(&format!("{} ({})\n", profile.name, profile.provider.name()));
        for field in profile.provider.secret_fields(&profile.settings) {
            let presence = credentials::presence(profile, field);
            missing |= !presence.found();
            let line = presence.describe(profile, field);
            let label = format!("{}:", field.name());
            out.push_str(&format!("  {label:<15} {line}\n"));
        }
        for m in credentials::material(profile) {
            let line = match &m.problem {
                Some(why) => {
                    missing = true;
                    format!("{}: {why}", m.source)
                }
                None => m.source.clone(),
            };
            let label = format!("{}:", m.name);
            out.push_str(&format!("  {label:<15} {line}\n"));
        }
    }
    if name.is_none() {
        for (broken, f) in &config.broken {
            out.push_str(&format!(
                "{} (broken: {})\n",
                crate::redact::escape_controls(broken),
                crate::redact::escape_controls(&f.message)
            ));
        }
    }
    if let (true, Some(name)) = (missing, name) {
        // A failing command keeps stdout empty; the report still reaches the terminal.
        crate::stderr::block(&out);
        return Err(Failure::credentials(format!("profile `{name}` is missing a secret")).into());
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
