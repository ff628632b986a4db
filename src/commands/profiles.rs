//! `tokfetch profiles`: every profile with its provider, endpoint, secrets and cached token.

use std::process::ExitCode;

use serde::Serialize;

use super::emit;
use crate::cache::{Cache, Identity};
use crate::cli::ProfilesArgs;
use crate::config::{Config, Profile};
use crate::secret::{self, Presence, Source};
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
}

#[derive(Serialize)]
struct SecretRow {
    field: &'static str,
    /// `env:VAR`, `keyring`, `missing` or `unknown`.
    source: String,
}

pub fn list(config: &Config, args: ProfilesArgs) -> anyhow::Result<ExitCode> {
    if args.names {
        let names: String = config.profiles.keys().map(|n| format!("{n}\n")).collect();
        emit(&names)?;
        return Ok(ExitCode::SUCCESS);
    }
    let cache = Cache::locate();
    let now = time::now_unix();
    let mut keyring_ok = true;
    let rows: Vec<Row> = config
        .profiles
        .values()
        .map(|p| row(config, p, cache.as_ref(), now, &mut keyring_ok))
        .collect();
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&rows)?)
    } else {
        table(&rows)
    };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn row(
    config: &Config,
    p: &Profile,
    cache: Option<&Cache>,
    now: u64,
    keyring_ok: &mut bool,
) -> Row {
    let secrets = p
        .kind()
        .secret_fields()
        .iter()
        .map(|&f| {
            let source = match secret::presence(p, f, *keyring_ok) {
                Presence::Found(Source::NamedEnv(v) | Source::ConventionalEnv(v)) => {
                    format!("env:{v}")
                }
                Presence::Found(Source::Keyring) => "keyring".to_string(),
                Presence::Missing => "missing".to_string(),
                Presence::Unknown(_) => {
                    *keyring_ok = false;
                    "unknown".to_string()
                }
            };
            SecretRow {
                field: f.name(),
                source,
            }
        })
        .collect();
    let entry = cache
        .filter(|_| p.cache)
        .and_then(|c| c.load(&p.name, &Identity::of(p)))
        .filter(|e| e.remaining(now) > 0);
    Row {
        name: p.name.clone(),
        provider: p.kind().name(),
        endpoint: p.endpoint.url.clone(),
        default: config.default_profile.as_deref() == Some(p.name.as_str()),
        secrets,
        cached_expires_in: entry.as_ref().map(|e| e.remaining(now)),
        cached_expires_at: entry.as_ref().map(|e| time::rfc3339(e.expires_at)),
        cache: p.cache,
    }
}

fn human(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h{:02}m left", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m{:02}s left", s / 60, s % 60),
        s => format!("{s}s left"),
    }
}

fn table(rows: &[Row]) -> String {
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
                (false, _) => "not cached".to_string(),
                (true, Some(s)) => human(s),
                (true, None) => "-".to_string(),
            };
            let name = if r.default {
                format!("{} (default)", r.name)
            } else {
                r.name.clone()
            };
            [
                name,
                r.provider.to_string(),
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
