//! `tokfetch cache clear [PROFILE]`. Needs no config: it only touches the cache directory.

use std::process::ExitCode;

use anyhow::Context;

use super::{check_name, note};
use crate::cache::Cache;
use crate::cli::CacheCommand;
use crate::error::Failure;

pub fn run(cmd: CacheCommand) -> anyhow::Result<ExitCode> {
    let CacheCommand::Clear { profile } = cmd;
    let cache = Cache::locate()
        .ok_or_else(|| Failure::config("no cache directory (set TOKFETCH_CACHE_DIR)"))?;
    match profile {
        Some(name) => {
            check_name(&name)?;
            let removed = cache
                .remove(&name)
                .with_context(|| format!("cannot remove the cached token of `{name}`"))?;
            if removed {
                note(&format!("forgot the cached token of `{name}`"));
            } else {
                note(&format!("no cached token for `{name}`"));
            }
        }
        None => {
            let n = cache
                .clear()
                .with_context(|| format!("cannot clear {}", cache.dir().display()))?;
            note(&format!(
                "forgot {n} cached token{} in {}",
                if n == 1 { "" } else { "s" },
                cache.dir().display()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
