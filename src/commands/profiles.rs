//! `tokfetch profiles`: every profile with its provider, endpoint, secrets and cached token.

use std::process::ExitCode;

use serde::Serialize;

use crate::cache::{Cache, Identity};
use crate::cli::ProfilesArgs;
use crate::config::{Config, Profile};
use crate::credentials::{self, Presence};
use crate::output::emit;
use crate::redact::escape_controls;
use crate::time;

#[derive(Serialize)]
struct Row {
    name: String,
    provider: &'static str,
    endpoint: String,
    default: bool,
    secrets: Vec<SecretRow>,
    /// Seconds left on the cached token; `None` when there is none (or caching is off).
    cached_expires_in: Option<u64>,
    cached_expires_at: Option<String>,
    cache: bool,
    /// A user's grant (`device_code`, `authorization_code`): the token is a user's, from
    /// `tokfetch login` (README "User tokens").
    #[serde(skip_serializing_if = "Option::is_none")]
    user_grant: Option<&'static str>,
    /// Why the profile cannot be used, for a broken one (README "Configuration reference").
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct SecretRow {
    field: &'static str,
    /// `env:VAR`, `keyring`, `empty`, `missing` or `unknown`; for a key, certificate or
    /// identity token that is not a secret field, `file:PATH`, `env:VAR` or `github-actions`.
    source: String,
    /// For `unknown`: why the keyring could not be asked; for a file or a source: what is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
}

pub fn list(config: &Config, args: ProfilesArgs) -> anyhow::Result<ExitCode> {
    if args.names {
        let names: String = config.names().map(|n| format!("{n}\n")).collect();
        emit(&names)?;
        return Ok(ExitCode::SUCCESS);
    }
    let cache = Cache::open();
    let now = time::now_unix();
    let mut keyring = Ok(());
    let mut rows: Vec<Row> = config
        .profiles
        .values()
        .map(|p| row(config, p, cache.as_ref(), now, &mut keyring))
        .collect();
    rows.extend(config.broken.iter().map(|(name, f)| broken(name, f)));
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let text = if args.json {
        let json = serde_json::to_string_pretty(&rows)
            .map_err(|e| crate::error::Failure::internal(format!("cannot encode JSON: {e}")))?;
        format!("{json}\n")
    } else {
        table(&rows, keyring.err().as_deref())
    };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// A broken profile: its name (control characters escaped: it is not a valid name) and error.
fn broken(name: &str, f: &crate::error::Failure) -> Row {
    Row {
        name: escape_controls(name),
        provider: "?",
        endpoint: "-".to_string(),
        default: false,
        secrets: Vec::new(),
        cached_expires_in: None,
        cached_expires_at: None,
        cache: false,
        user_grant: None,
        error: Some(escape_controls(&f.message)),
    }
}

/// `keyring` is the keyring's state so far: once it failed, it is not asked again, and the
/// reason is shown once under the table.
fn row(
    config: &Config,
    p: &Profile,
    cache: Option<&Cache>,
    now: u64,
    keyring: &mut Result<(), String>,
) -> Row {
    let mut secrets: Vec<SecretRow> = p
        .provider
        .secret_fields(&p.settings)
        .into_iter()
        .map(|f| {
            let mut why = None;
            let presence = credentials::presence(p, f);
            if let Presence::Unknown(reason) = &presence {
                if keyring.is_ok() {
                    *keyring = Err(reason.clone());
                }
                why = keyring.clone().err();
            }
            let source = presence.terse();
            SecretRow {
                field: f.name(),
                source,
                why,
            }
        })
        .collect();
    secrets.extend(credentials::material(p).into_iter().map(|m| SecretRow {
        field: m.name,
        source: m.terse,
        why: m.problem,
    }));
    let entry = cache
        .filter(|_| p.cache)
        .and_then(|c| c.load(&p.name, &Identity::of(p)))
        .filter(|e| e.remaining(now) > 0);
    Row {
        name: p.name.clone(),
        provider: p.provider.name(),
        endpoint: p.endpoint().url.clone(),
        default: config.default_profile.as_deref() == Some(p.name.as_str()),
        secrets,
        cached_expires_in: entry.as_ref().map(|e| e.remaining(now)),
        cached_expires_at: entry.as_ref().map(|e| time::rfc3339(e.expires_at)),
        cache: p.cache,
        user_grant: p.provider.user_grant(&p.settings).map(|g| g.kind.name()),
        error: None,
    }
}

fn human(secs: u64) -> String {
    format!("{} left", time::duration(secs))
}

fn table(rows: &[Row], keyring_error: Option<&str>) -> String {
    if rows.is_empty() {
        return "no profiles; add one with: tokfetch profile add NAME --provider …\n".to_string();
    }
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let secrets: Vec<String> = r
                .secrets
                .iter()
                .map(|s| format!("{}={}", s.field, s.source))
                .collect();
            let token = match (r.cache, r.cached_expires_in) {
                _ if r.error.is_some() => "BROKEN (see below)".to_string(),
                (false, _) => "not cached".to_string(),
                (true, Some(s)) => human(s),
                (true, None) if r.user_grant.is_some() => "- (user: tokfetch login)".to_string(),
                (true, None) => "-".to_string(),
            };
            let name = if r.default {
                format!("{} (default)", r.name)
            } else {
                r.name.clone()
            };
            [
                name,
                match r.user_grant {
                    Some(g) => format!("{} ({g})", r.provider),
                    None => r.provider.to_string(),
                },
                r.endpoint.clone(),
                secrets.join(" "),
                token,
            ]
        })
        .collect();
    let header = ["PROFILE", "PROVIDER", "ENDPOINT", "SECRETS", "TOKEN"];
    let mut widths = header.map(str::len);
    for c in &cells {
        for (w, cell) in widths.iter_mut().zip(c) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cols: [&str; 5]| {
        let mut s = String::new();
        for (i, (col, w)) in cols.iter().zip(widths).enumerate() {
            if i == 4 {
                s.push_str(col);
            } else {
                s.push_str(&format!("{col:<w$}  "));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(header);
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    for r in rows {
        if let Some(e) = &r.error {
            out.push_str(&format!("\n{}: {e}\n", r.name));
        }
    }
    if let Some(why) = keyring_error {
        out.push_str(&format!(
            "\nunknown: not in the environment, and the OS keyring could not be asked: {}; set the TOKFETCH_<PROFILE>_<FIELD> variable instead\n",
            escape_controls(why)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_naturally() {
        assert_eq!(human(59), "59s left");
        assert_eq!(human(900), "15m00s left");
        assert_eq!(human(4000), "1h06m left");
    }
}
