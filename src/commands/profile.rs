//! `tokfetch profile add|remove`: onboarding without hand-editing TOML. The file is edited in
//! place with comments and layout kept, validated before it is written, and written atomically.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use super::{check_name, secret};
use crate::cache::Cache;
use crate::cli::{ProfileAddArgs, ProfileCommand};
use crate::config::{self, COMMON_KEYS, Chosen, NewProfile, Profile};
use crate::error::Failure;
use crate::keystore;
use crate::output::note;
use crate::provider::{KeyKind, Values};
use crate::secret::{Field, conventional_env};

pub fn run(path: &Path, cmd: ProfileCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ProfileCommand::Add(args) => add(path, args),
        ProfileCommand::Remove { profile } => remove(path, &profile),
    }
}

/// The config text, empty when there is no file yet; the same checks as every read.
fn read_existing(path: &Path) -> anyhow::Result<String> {
    Ok(config::read(path)?.unwrap_or_default())
}

/// A flag value must say something: an empty one is usually an unset shell variable
/// (`--client-id "$ID"`), and is caught here, before any file is touched.
fn check_value(flag: &str, value: &str) -> anyhow::Result<()> {
    if value.trim().is_empty() {
        return Err(Failure::usage(format!(
            "--{flag} is empty; if you passed a shell variable (--{flag} \"$VAR\"), it is not set"
        ))
        .into());
    }
    if value.chars().any(char::is_control) {
        return Err(Failure::usage(format!("--{flag} contains control characters")).into());
    }
    Ok(())
}

/// The error of a profile that would be invalid, without the `file:line:` of a file that
/// may not exist yet: the user typed flags, not lines.
fn invalid_new_profile(name: &str, path: &Path, f: &Failure) -> Failure {
    let prefix = format!("{}:", path.display());
    let message = f
        .message
        .strip_prefix(&prefix)
        .and_then(|rest| rest.split_once(": "))
        .map_or(f.message.as_str(), |(_, m)| m);
    let mut out = Failure::config(format!("cannot add profile `{name}`: {message}"));
    out.hints = f.hints.clone();
    out
}

fn add(path: &Path, a: ProfileAddArgs) -> anyhow::Result<ExitCode> {
    check_name(&a.name)?;
    let mut keys = keys_of(&a)?;
    // A Google service account is named by its key, not by a client id.
    if a.provider.client_id() {
        let client_id = match a.client_id.clone() {
            Some(id) => id,
            None => ask_client_id(&a.name)?,
        };
        check_value("client-id", &client_id)?;
        keys.push(("client_id", client_id));
    } else if a.client_id.is_some() {
        return Err(Failure::usage(format!(
            "--client-id does not apply to provider {}: the key names the service account",
            a.provider.name()
        ))
        .into());
    }

    let before = read_existing(path)?;
    let after = config::add_profile(
        &before,
        &NewProfile {
            name: a.name.clone(),
            booleans: keys
                .iter()
                .filter(|(k, _)| {
                    COMMON_KEYS
                        .iter()
                        .chain(a.provider.keys())
                        .any(|s| s.name == *k && s.kind == KeyKind::Bool)
                })
                .map(|(k, _)| *k)
                .collect(),
            keys,
            make_default: a.default,
        },
    )
    .map_err(|why| Failure::config(format!("{}: {why}", path.display())))?;
    // Never write a config tokfetch itself would refuse.
    let cfg = config::parse(path, &after)?;
    let profile = cfg
        .profile(&a.name, Chosen::Argument)
        .map_err(|f| invalid_new_profile(&a.name, path, &f))?;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    // Ask the keyring before asking the user anything: with none (a headless box), say which
    // variable to set instead of prompting for a secret that cannot be stored.
    let keyring = if interactive && !a.no_secret {
        Some(keystore::probe())
    } else {
        None
    };
    write_atomically(path, &after)?;
    note(&format!("added profile `{}` to {}", a.name, path.display()));
    offer_secrets(profile, keyring)?;
    Ok(ExitCode::SUCCESS)
}

/// The profile's keys from the flags: each must apply to the provider, and nothing the file
/// would need may be missing (a required key, or a token URL the provider does not compute
/// from what was given).
fn keys_of(a: &ProfileAddArgs) -> anyhow::Result<Vec<(&'static str, String)>> {
    let provider = a.provider;
    let mut keys: Vec<(&'static str, String)> = vec![("provider", provider.name().to_string())];
    for (key, v) in &a.keys.0 {
        check_value(&key.replace('_', "-"), v)?;
        let Some(spec) = COMMON_KEYS
            .iter()
            .chain(provider.keys())
            .find(|k| k.name == *key)
        else {
            return Err(Failure::usage(format!(
                "--{} does not apply to provider {}",
                key.replace('_', "-"),
                provider.name()
            ))
            .into());
        };
        // A relative path on the command line is relative to where the command runs; in the
        // file it would be relative to the file: write it absolute.
        let value = match spec.kind {
            KeyKind::Path => absolute(v),
            _ => v.clone(),
        };
        keys.push((key, value));
    }
    let given = |name: &str| keys.iter().any(|(k, _)| *k == name);
    let values = Values::new(keys.iter().map(|(k, v)| (*k, v.clone())).collect());
    let missing = provider
        .keys()
        .iter()
        .find(|k| k.required && !given(k.name))
        .map(|k| k.name)
        .or_else(|| {
            let computed = provider.default_endpoint(&values).is_some();
            (!computed && !given("token_url")).then_some("token_url")
        });
    if let Some(missing) = missing {
        return Err(Failure::usage(format!(
            "--{} is required for provider {}",
            missing.replace('_', "-"),
            provider.name()
        ))
        .into());
    }
    Ok(keys)
}

fn absolute(path: &str) -> String {
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with("~/") {
        return path.to_string();
    }
    std::env::current_dir()
        .map(|dir| dir.join(p).to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// For each secret of the new profile: store it now (a keyring answered, the user agrees),
/// or say how to provide it.
fn offer_secrets(
    profile: &Profile,
    keyring: Option<Result<(), keystore::Unavailable>>,
) -> anyhow::Result<()> {
    for field in profile.provider.secret_fields(&profile.settings) {
        let set_cmd = format!("tokfetch secret set {}{}", profile.name, field.flag());
        let env = conventional_env(&profile.name, field);
        match &keyring {
            // A PEM document is piped in, never typed at a prompt.
            _ if field == Field::CredentialsJson => note(&format!(
                "next: store the {}: {set_cmd} < key.json  (or set credentials_file; on CI, set {env} to the JSON)",
                field.name(),
            )),
            _ if field.multiline() => note(&format!(
                "next: store the {}: {set_cmd} < key.pem  (or, on CI, set {env} to the PEM text)",
                field.name(),
            )),
            Some(Ok(()))
                if confirm(&format!(
                    "Store its {} in the OS keyring now?",
                    field.name()
                ))? =>
            {
                secret::store(profile, field)?
            }
            Some(Err(why)) => note(&format!(
                "no OS keyring is usable here ({why}); set {env} in the environment to provide the {}",
                field.name()
            )),
            _ => note(&format!(
                "next: store the {}: {set_cmd}  (or, on CI, set {env})",
                field.name(),
            )),
        }
    }
    Ok(())
}

fn remove(path: &Path, name: &str) -> anyhow::Result<ExitCode> {
    check_name(name)?;
    let Some(before) = config::read(path)? else {
        return Err(Failure::config(format!("no config file at {}", path.display())).into());
    };
    let (after, was_default) = config::remove_profile(&before, name)
        .map_err(|why| Failure::config(format!("{}: {why}", path.display())))?;
    config::parse(path, &after)?;
    write_atomically(path, &after)?;
    note(&format!("removed profile `{name}` from {}", path.display()));
    if was_default {
        note("it was the default_profile; that line is gone too");
    }
    if let Some(cache) = Cache::open() {
        let _ = cache.remove(name);
    }
    note(&format!(
        "secrets stored for it were kept; delete them with: tokfetch secret delete {name}"
    ));
    Ok(ExitCode::SUCCESS)
}

/// Ask for the client id on a terminal; refuse to guess otherwise.
fn ask_client_id(name: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage("--client-id is required when not on a terminal").into());
    }
    let id = ask(&format!("client_id for profile `{name}`: "))?;
    if id.is_empty() {
        return Err(Failure::usage("no client id given").into());
    }
    Ok(id)
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    let answer = ask(&format!("{question} [Y/n] "))?;
    Ok(matches!(
        answer.to_ascii_lowercase().as_str(),
        "" | "y" | "yes"
    ))
}

/// Print `prompt` on stderr and read one trimmed line from stdin.
fn ask(prompt: &str) -> anyhow::Result<String> {
    crate::stderr::prompt(prompt);
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read from the terminal: {e}")))?;
    Ok(line.trim().to_string())
}

/// Replace `path` with `text` via a temp file and a rename, keeping the file's permissions.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::config(format!("cannot create {}: {e}", dir.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.toml".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| Failure::config(format!("cannot write {}: {e}", path.display())).into())
}
