//! The checks that need no network: config, profile, secrets, keyring, cache directory, CA
//! file, proxy.

use std::path::Path;
use std::time::Duration;

use super::{Check, Report};
use crate::cache::Cache;
use crate::config::{self, Config, Profile};
use crate::credentials::{self, FromEnv, Presence};
use crate::error::Failure;
use crate::{http, keystore, proxy};

/// How long the keyring may take to answer (README "doctor").
const KEYRING_WAIT: Duration = Duration::from_secs(5);

/// Config found, readable and trusted (permissions), parsed. `None` when one failed.
pub fn config(report: &mut Report, flag: Option<&Path>) -> anyhow::Result<Option<Config>> {
    let path = match config::resolve_path(flag) {
        Ok(p) => p,
        Err(f) => {
            report.add(Check::fail("config", f))?;
            return Ok(None);
        }
    };
    let shown = path.display().to_string();
    let text = match config::read(&path) {
        Ok(Some(t)) => t,
        Ok(None) => {
            let f = Failure::config(format!("no config file at {shown}"))
                .hint("start with: tokfetch profile add NAME --provider PROVIDER --client-id ID");
            report.add(Check::fail("config", f))?;
            return Ok(None);
        }
        Err(f) => {
            report.add(Check::ok("config", format!("found {shown}")))?;
            report.add(Check::fail("file", f))?;
            return Ok(None);
        }
    };
    report.add(Check::ok("config", format!("found {shown}")))?;
    report.add(Check::ok("file", permissions(&path)))?;
    match config::parse(&path, &text) {
        Ok(c) => {
            let broken = if c.broken.is_empty() {
                String::new()
            } else {
                format!(", {} with errors", c.broken.len())
            };
            report.add(Check::ok(
                "parsed",
                format!("{} profile(s){broken}", c.profiles.len() + c.broken.len()),
            ))?;
            Ok(Some(c))
        }
        Err(f) => {
            report.add(Check::fail("parsed", f))?;
            Ok(None)
        }
    }
}

#[cfg(unix)]
fn permissions(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(m) => format!("mode {:o}, yours, not writable by others", m.mode() & 0o777),
        Err(_) => "readable".to_string(),
    }
}

#[cfg(not(unix))]
fn permissions(_path: &Path) -> String {
    "readable".to_string()
}

/// The profile chosen and valid. `None` when it is not.
pub fn profile<'c>(
    report: &mut Report,
    config: &'c Config,
    arg: Option<&str>,
) -> anyhow::Result<Option<&'c Profile>> {
    match config.select(arg) {
        Ok(p) => {
            let auth = p.provider.client_auth(&p.settings);
            report.add(Check::ok(
                "profile",
                format!(
                    "`{}`: {}, {}, auth {auth}",
                    p.name,
                    p.provider.name(),
                    p.endpoint().url
                ),
            ))?;
            Ok(Some(p))
        }
        Err(f) => {
            report.add(Check::fail("profile", f))?;
            Ok(None)
        }
    }
}

/// Each secret a token request reads, and where it comes from; then the keyring. The keyring
/// is asked once, within [`KEYRING_WAIT`]: unreachable is only a warning when every secret
/// comes from the environment.
pub fn secrets_and_keyring(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    let fields = profile.provider.secret_fields(&profile.settings);
    // A `*_command` is named, never run, here (README "Secrets from a command").
    let all_from_env = fields.iter().all(|&f| {
        matches!(credentials::from_env(profile, f), FromEnv::Found(..))
            || profile.command(f).is_some()
    });
    let keyring = keystore::probe_within(KEYRING_WAIT);
    for field in fields {
        let name = field.name();
        let presence = credentials::presence(profile, field);
        let said = presence.describe(profile, field);
        let check = match presence {
            Presence::Found(_) => Check::ok("secret", format!("{name}: from {said}")),
            Presence::Empty(var) => Check::fail(
                "secret",
                Failure::credentials(format!("{name}: {said}")).hint(format!(
                    "give ${var} the secret, or unset it to use the next source"
                )),
            ),
            Presence::Unrunnable(..) => Check::fail(
                "secret",
                Failure::credentials(format!("{name}: {said}")).hint(format!(
                    "install the program, or name it by its full path in {}",
                    field.command_key()
                )),
            ),
            Presence::Missing | Presence::Unknown(_) => {
                let var = crate::secret::conventional_env(&profile.name, field);
                Check::fail(
                    "secret",
                    Failure::credentials(format!("{name}: {said}"))
                        .hint(format!(
                            "tokfetch secret set {}{}",
                            profile.name,
                            field.flag()
                        ))
                        .hint(format!("or, on CI, set {var}")),
                )
            }
        };
        report.add(check)?;
    }
    // Key and certificate files, and where an identity token comes from.
    for m in credentials::material(profile) {
        let check = match m.problem {
            None => Check::ok("secret", format!("{}: {}", m.name, m.source)),
            Some(why) => Check::fail(
                "secret",
                Failure::credentials(format!("{}: {}: {why}", m.name, m.source)),
            ),
        };
        report.add(check)?;
    }
    let check = match keyring {
        Ok(()) => Check::ok("keyring", "reachable"),
        Err(why) if all_from_env => Check::warn(
            "keyring",
            format!("unreachable ({why})"),
            "every secret of this profile comes from the environment or a command, so this does not matter here",
        ),
        Err(why) => Check::fail(
            "keyring",
            Failure::credentials(format!("unreachable ({why})")).hint(
                "on a machine without a keyring (CI), give the secrets in environment variables",
            ),
        ),
    };
    report.add(check)?;
    Ok(())
}

/// The cache directory: ours and private, or not there yet. Only a warning otherwise:
/// tokfetch then works without the cache.
pub fn cache_dir(report: &mut Report) -> anyhow::Result<()> {
    let check = match Cache::locate() {
        None => Check::warn(
            "cache",
            "no cache directory; every call fetches a token",
            "set TOKFETCH_CACHE_DIR",
        ),
        Some(cache) => {
            let dir = cache.dir().display().to_string();
            match cache.trusted() {
                Ok(()) if cache.dir().exists() => {
                    Check::ok("cache", format!("{dir}: yours, private"))
                }
                Ok(()) => Check::ok(
                    "cache",
                    format!("{dir}: not there yet (made private on first use)"),
                ),
                Err(why) => Check::warn(
                    "cache",
                    format!("{dir} is not used: {why}"),
                    format!(
                        "chmod 700 {dir} (it must be yours and private), or set TOKFETCH_CACHE_DIR"
                    ),
                ),
            }
        }
    };
    report.add(check)?;
    Ok(())
}

/// The CA file, when one applies, parses.
pub fn ca_file(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    let check = match http::check_ca_file(profile.ca_file.as_deref()) {
        Ok(None) => Check::ok("ca file", "none; the system's roots are trusted"),
        Ok(Some((path, n))) => Check::ok(
            "ca file",
            format!(
                "{}: {n} certificate(s), trusted besides the system's",
                path.display()
            ),
        ),
        Err(f) => Check::fail("ca file", f),
    };
    report.add(check)?;
    Ok(())
}

/// Which hosts `git-credential` answers for (README "git"): without `git_hosts`, every https
/// host, which an unscoped `[credential] helper` would turn into a token for any server.
pub fn git_scope(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    let check = match &profile.git_hosts {
        Some(hosts) => Check::ok(
            "git",
            format!("git-credential answers only for {}", hosts.join(", ")),
        ),
        None => Check::warn(
            "git",
            "git-credential is unscoped: it would answer every https host (no git_hosts)",
            format!(
                "if git uses this profile, list its hosts: git_hosts = [\"git.example.com\"] in [profiles.{}]",
                profile.name
            ),
        ),
    };
    report.add(check)?;
    Ok(())
}

/// Which proxy applies to the endpoint.
pub fn proxy(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    let endpoint = profile.endpoint();
    let check = match proxy::select(endpoint, |k| std::env::var(k).ok()) {
        None if crate::endpoint::is_loopback(&endpoint.host) => {
            Check::ok("proxy", "none (loopback is never proxied)")
        }
        None => Check::ok("proxy", "none (direct connection)"),
        Some((url, var)) => Check::ok("proxy", format!("{} (from {var})", proxy::redacted(&url))),
    };
    report.add(check)?;
    Ok(())
}

/// A user's grant (README "User tokens"): its endpoints known (the profile's keys, else the
/// issuer's discovery document as cached, which the network checks fetch), the redirect
/// port free, and whether a refresh token is kept.
pub fn user_grant(report: &mut Report, profile: &Profile) -> anyhow::Result<()> {
    use crate::provider::UserGrantKind;
    let Some(g) = profile.provider.user_grant(&profile.settings) else {
        return Ok(());
    };
    let meta = match (&g.issuer, profile.cache) {
        (Some(i), true) => Cache::open()
            .and_then(|c| c.load_metadata(i, crate::time::now_unix()))
            .map(|(m, _)| m),
        _ => None,
    };
    let (key, field, own, found) = match g.kind {
        UserGrantKind::Code => (
            "authorization_url",
            "authorization_endpoint",
            g.authorization_url.clone(),
            meta.as_ref().and_then(|m| m.authorization_endpoint.clone()),
        ),
        UserGrantKind::Device => (
            "device_authorization_url",
            "device_authorization_endpoint",
            g.device_authorization_url.clone(),
            meta.as_ref()
                .and_then(|m| m.device_authorization_endpoint.clone()),
        ),
    };
    let check = match (own, found, &g.issuer) {
        (Some(url), _, _) => {
            Check::ok("endpoints", format!("{} grant, {key} {url}", g.kind.name()))
        }
        (None, Some(url), _) => Check::ok(
            "endpoints",
            format!("{} grant, {field} {url} (discovered)", g.kind.name()),
        ),
        (None, None, Some(issuer)) if meta.is_some() => Check::fail(
            "endpoints",
            Failure::config(format!(
                "the discovery document of {issuer} names no {field}"
            ))
            .hint(format!("set {key} in profile `{}`", profile.name)),
        ),
        (None, None, _) => Check::skip(
            "endpoints",
            "the issuer's discovery document is not cached (run doctor without --offline)",
        ),
    };
    report.add(check)?;
    if g.kind == UserGrantKind::Code {
        let check = match (g.redirect_port, http::loopback::bind(g.redirect_port)) {
            (None, Ok(_)) => Check::ok("redirect", "http://127.0.0.1:<any free port>/callback"),
            (Some(p), Ok(_)) => Check::ok("redirect", format!("http://127.0.0.1:{p}/callback: port free")),
            (Some(p), Err(http::loopback::BindError::InUse)) => Check::fail(
                "redirect",
                Failure::config(format!(
                    "redirect_port {p} is in use by another program: a login could not receive its redirect"
                ))
                .hint("stop that program, or set another redirect_port (registered with the server)"),
            ),
            (_, Err(e)) => Check::fail(
                "redirect",
                Failure::internal(format!("cannot listen on 127.0.0.1: {e:?}")),
            ),
        };
        report.add(check)?;
    }
    let in_keyring = keystore::get_named(&profile.name, crate::login::store::REFRESH_TOKEN);
    let in_file = || {
        Cache::open()
            .filter(|_| profile.cache)
            .and_then(|c| c.load(&profile.name, &crate::cache::Identity::of(profile)))
            .is_some_and(|e| e.refresh_token.is_some())
    };
    let check = match in_keyring {
        Ok(Some(_)) => Check::ok("login", "a refresh token is kept in the OS keyring"),
        _ if in_file() => Check::warn(
            "login",
            "a refresh token is kept in the cache file (no keyring answered)",
            "start a Secret Service or another keyring, then tokfetch login again to move it there",
        ),
        _ => Check::warn(
            "login",
            "no refresh token: not logged in",
            format!("tokfetch login {}", profile.name),
        ),
    };
    report.add(check)?;
    Ok(())
}
