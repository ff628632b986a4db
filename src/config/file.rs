//! Where the config file is (`--config` > `$TOKFETCH_CONFIG` > `<config dir>/tokfetch/config.toml`)
//! and reading it safely: checked before a byte is read (README "Configuration reference").

use std::path::{Path, PathBuf};

use super::{Config, parse};
use crate::error::{Failure, Result};
use crate::fsread;
use crate::perms::{self, Exposure, Rule};

/// `--config` > `$TOKFETCH_CONFIG` > `<config dir>/tokfetch/config.toml`.
pub fn resolve_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("TOKFETCH_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir()
        .map(|d| d.join("tokfetch").join("config.toml"))
        .ok_or_else(|| {
            Failure::config("cannot determine the config directory (is $HOME set?)")
                .hint("pass --config PATH or set TOKFETCH_CONFIG")
        })
}

/// The largest config file tokfetch reads (README "Configuration reference").
pub const MAX_CONFIG: u64 = 1 << 20;

/// Read and validate the config file at `path`.
pub fn load(path: &Path) -> Result<Config> {
    match read(path)? {
        Some(text) => parse(path, &text),
        None => Err(
            Failure::config(format!("no config file at {}", path.display()))
                .hint("start with: tokfetch profile add NAME --provider onepassword --client-id ID")
                .hint("providers: onepassword (--region), andopen (--tenant), configapi (--host), oauth2 (--token-url)")
                .hint("or write the file by hand; README.md has an example for every provider"),
        ),
    }
}

/// The text of the config file, `None` when there is none. Refused before a byte is read: a
/// FIFO, device or directory (which would hang or never end), a file over [`MAX_CONFIG`], and
/// on Unix a file others may write or that another user owns (root aside): the config decides
/// where secrets are sent, so it gets the trust ssh gives `~/.ssh/config`.
pub fn read(path: &Path) -> Result<Option<String>> {
    let cannot = |e: std::io::Error| {
        Failure::config(format!("cannot read config file {}: {e}", path.display()))
    };
    let refused = |r: fsread::Refusal| match r {
        fsread::Refusal::Io(e) => cannot(e),
        fsread::Refusal::TooLarge(_) => too_large(path),
        fsread::Refusal::NotRegular(what) => not_a_file(path, what),
        other => Failure::config(format!("config file {} {other}", path.display())),
    };
    let opened = match fsread::open(path, fsread::Rules::named(MAX_CONFIG)) {
        Ok(o) => o,
        Err(fsread::Refusal::NotFound) => return Ok(None),
        Err(r) => return Err(refused(r)),
    };
    trusted(path, &opened.meta)?;
    let bytes = opened.read().map_err(refused)?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        Failure::config(format!("{}: the config file is not UTF-8", path.display()))
    })?;
    Ok(Some(text))
}

fn too_large(path: &Path) -> Failure {
    Failure::config(format!(
        "config file {} is larger than {} KiB; that is not a tokfetch config",
        path.display(),
        MAX_CONFIG / 1024
    ))
}

fn not_a_file(path: &Path, what: &str) -> Failure {
    Failure::config(format!(
        "config file {} is {what}, not a regular file",
        path.display()
    ))
    .hint("point --config or TOKFETCH_CONFIG at a TOML file")
}

/// On Unix, ours (or root's) and writable by nobody else.
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    match perms::check(meta, Rule::NotWritable { root_ok: true }) {
        Ok(()) => Ok(()),
        Err(Exposure::Owner(uid)) => Err(Failure::config(format!(
            "config file {} is owned by another user (uid {uid}); refusing it, as ssh refuses such a ~/.ssh/config: it decides where secrets are sent",
            path.display()
        ))
        .hint(format!("take it over: chown \"$(id -u)\" {}", path.display()))),
        Err(Exposure::Writable(mode) | Exposure::Readable(mode)) => Err(Failure::config(format!(
            "config file {} is writable by others (mode {:o}); refusing it, as ssh refuses such a ~/.ssh/config: it decides where secrets are sent",
            path.display(),
            mode & 0o777
        ))
        .hint(format!("chmod go-w {}", path.display()))),
    }
}
