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
    let Some(opened) = open(path)? else {
        return Ok(None);
    };
    let bytes = opened.read().map_err(|r| refused(path, r))?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| not_utf8(path))?;
    Ok(Some(text))
}

/// The config file as [`read`] reads it (the same checks first, the same errors), handed to
/// `each` in pieces of whole lines through one small buffer, so that a large file is never
/// held whole (a fresh buffer costs a page fault per 4 KiB: most of a cache hit in a 1 MiB
/// config). `each` returns `false` to stop early: then `Ok(Some(false))`, and the rest was
/// neither read nor checked.
pub fn read_lines(path: &Path, mut each: impl FnMut(&str) -> bool) -> Result<Option<bool>> {
    use std::io::Read;
    const PIECE: usize = 16 * 1024;
    let Some(opened) = open(path)? else {
        return Ok(None);
    };
    let len = opened.meta.len();
    let mut file = opened.into_file();
    // The whole of a small file in one piece (and one more byte, to see its end at once).
    let mut buf = vec![0u8; usize::try_from(len).map_or(PIECE, |l| (l + 1).clamp(256, PIECE))];
    let (mut filled, mut total) = (0usize, 0u64);
    loop {
        if filled == buf.len() {
            // A line longer than the buffer.
            buf.resize(buf.len() * 2, 0);
        }
        let n = match file.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(refused(path, fsread::Refusal::Io(e))),
        };
        total += n as u64;
        if total > MAX_CONFIG {
            // A file that grew since it was checked.
            return Err(too_large(path));
        }
        if n == 0 {
            // The last line, without a newline.
            let rest = std::str::from_utf8(&buf[..filled]).map_err(|_| not_utf8(path))?;
            return Ok(Some(rest.is_empty() || each(rest)));
        }
        filled += n;
        if let Some(nl) = memchr::memrchr(b'\n', &buf[..filled]) {
            // A newline never falls inside a UTF-8 sequence: each piece is checked alone.
            let lines = std::str::from_utf8(&buf[..=nl]).map_err(|_| not_utf8(path))?;
            if !each(lines) {
                return Ok(Some(false));
            }
            buf.copy_within(nl + 1..filled, 0);
            filled -= nl + 1;
        }
    }
}

/// The config file opened and checked (type, size, owner, mode) before a byte is read; `None`
/// when there is none.
fn open(path: &Path) -> Result<Option<fsread::Opened>> {
    let opened = match fsread::open(path, fsread::Rules::named(MAX_CONFIG)) {
        Ok(o) => o,
        Err(fsread::Refusal::NotFound) => return Ok(None),
        Err(r) => return Err(refused(path, r)),
    };
    trusted(path, &opened.meta)?;
    Ok(Some(opened))
}

fn refused(path: &Path, r: fsread::Refusal) -> Failure {
    match r {
        fsread::Refusal::Io(e) => {
            Failure::config(format!("cannot read config file {}: {e}", path.display()))
        }
        fsread::Refusal::TooLarge(_) => too_large(path),
        fsread::Refusal::NotRegular(what) => not_a_file(path, what),
        other => Failure::config(format!("config file {} {other}", path.display())),
    }
}

fn not_utf8(path: &Path) -> Failure {
    Failure::config(format!("{}: the config file is not UTF-8", path.display()))
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
