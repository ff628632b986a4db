//! `tokfetch cache clear [PROFILE]`. Clearing everything needs no config (it only touches the
//! cache directory); clearing one profile checks the name against the config, like every other
//! command that takes a profile. Discovery documents go too: all of them, or the profile's.

use std::process::ExitCode;

use super::check_name;
use crate::cache::Cache;
use crate::cli::CacheCommand;
use crate::config::{Chosen, Config};
use crate::error::{Failure, Result};
use crate::output::note;
use crate::provider::{Grant, Input};

pub fn run(cmd: CacheCommand, config: impl FnOnce() -> Result<Config>) -> anyhow::Result<ExitCode> {
    let CacheCommand::Clear { profile } = cmd;
    let cache = Cache::locate()
        .ok_or_else(|| Failure::config("no cache directory (set TOKFETCH_CACHE_DIR)"))?;
    if let Err(why) = cache.trusted() {
        return Err(Failure::config(format!(
            "refusing to touch the token cache {}: {why}",
            cache.dir().display()
        ))
        .hint("tokfetch neither reads, writes nor removes files there; chmod 700 it, or set TOKFETCH_CACHE_DIR to a directory of your own")
        .into());
    }
    match profile {
        Some(name) => {
            check_name(&name)?;
            // An unknown name is a typo to report, not a silent success (a broken profile is
            // still a profile: its token can be forgotten).
            let config = config()?;
            if !config.names().any(|n| n == name) {
                return Err(config.unknown_profile(&name, Chosen::Argument).into());
            }
            let removed = cache.remove(&name).map_err(|e| {
                Failure::config(format!("cannot remove the cached token of `{name}`: {e}"))
            })?;
            if removed {
                note(&format!("forgot the cached token of `{name}`"));
            } else {
                note(&format!("no cached token for `{name}`"));
            }
            for issuer in issuers(&config, &name) {
                if cache.remove_metadata(&issuer).unwrap_or(false) {
                    note(&format!("forgot the discovery document of {issuer}"));
                }
            }
        }
        None => {
            let n = cache.clear().map_err(|e| {
                Failure::config(format!("cannot clear {}: {e}", cache.dir().display()))
            })?;
            let documents = match n.documents {
                0 => String::new(),
                1 => " and 1 discovery document".to_string(),
                d => format!(" and {d} discovery documents"),
            };
            note(&format!(
                "forgot {} cached token{}{documents} in {}",
                n.tokens,
                if n.tokens == 1 { "" } else { "s" },
                cache.dir().display()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The issuers whose discovery documents the profile uses.
fn issuers(config: &Config, name: &str) -> Vec<String> {
    let Some(p) = config.profiles.get(name) else {
        return Vec::new();
    };
    p.provider
        .inputs(&p.settings, Grant::Primary)
        .into_iter()
        .filter_map(|i| match i {
            Input::Discovery(d) => Some(d.issuer),
            _ => None,
        })
        .collect()
}
