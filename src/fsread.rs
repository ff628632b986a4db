//! The one way tokfetch reads a file that a user or a profile names (README "Security model",
//! "Every file a profile names is read safely"): the config, `private_key_file`,
//! `client_cert_file`, `ca_file`/`$TOKFETCH_CA_FILE`, `file:` identity sources and the cache
//! files.
//!
//! The file is opened **non-blocking** (a FIFO opened for reading would otherwise wait for a
//! writer forever), then checked with `fstat` on the open descriptor **before any byte is
//! read**: it must be a regular file (a symbolic link to one is followed unless the caller
//! says not to) of at most the caller's limit. A FIFO, socket, device or directory is refused at
//! once, never a hang. The caller then checks ownership and mode on the same metadata (no race
//! between the check and the read), and reads at most the limit.
//!
//! Each caller words a [`Refusal`] for its own file and exit code. Leaf.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

use zeroize::Zeroizing;

/// Why a file was not read.
#[derive(Debug)]
pub enum Refusal {
    /// There is no such file.
    NotFound,
    /// It exists but is not a regular file: "a directory", "a FIFO", "a socket", "a device".
    NotRegular(&'static str),
    /// It is larger than the limit (in bytes).
    TooLarge(u64),
    /// A symbolic link where the caller does not follow one.
    Link,
    /// Any other error opening or reading it.
    Io(io::Error),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotFound => f.write_str("no such file"),
            Refusal::NotRegular(what) => write!(f, "is {what}"),
            Refusal::TooLarge(max) => write!(f, "is larger than {}", size(*max)),
            Refusal::Link => f.write_str("is a symbolic link"),
            Refusal::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `1 MiB`, `4 MiB`, `64 KiB`: a limit as a person reads it.
pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// A file opened and checked, not yet read.
#[derive(Debug)]
pub struct Opened {
    file: File,
    pub meta: Metadata,
    max: u64,
}

/// How to open.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The most bytes the file may hold.
    pub max: u64,
    /// Follow a symbolic link (Kubernetes mounts secrets through them). Cache files are never
    /// followed: another user could point one elsewhere.
    pub follow_links: bool,
}

impl Rules {
    /// A file a user names: links followed, at most `max` bytes.
    pub const fn named(max: u64) -> Rules {
        Rules {
            max,
            follow_links: true,
        }
    }
}

/// Open `path` for reading without blocking, and check what it is before reading anything.
pub fn open(path: &Path, rules: Rules) -> Result<Opened, Refusal> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        if !rules.follow_links {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Refusal::NotFound,
        // O_NOFOLLOW on a link fails with ELOOP.
        _ if !rules.follow_links && e.raw_os_error() == Some(libc_eloop()) => Refusal::Link,
        _ => Refusal::Io(e),
    })?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if let Some(what) = not_regular(&meta) {
        return Err(Refusal::NotRegular(what));
    }
    if meta.len() > rules.max {
        return Err(Refusal::TooLarge(rules.max));
    }
    Ok(Opened {
        file,
        meta,
        max: rules.max,
    })
}

impl Opened {
    /// The open file, for a caller that reads it in pieces (and keeps to the limit itself:
    /// the config's reader for a cache hit, which never holds a large file whole).
    pub fn into_file(self) -> File {
        self.file
    }

    /// The whole file, at most the limit (a file that grew since it was checked is refused).
    pub fn read(self) -> Result<Zeroizing<Vec<u8>>, Refusal> {
        let mut buf = Zeroizing::new(Vec::with_capacity(self.meta.len() as usize));
        self.file
            .take(self.max + 1)
            .read_to_end(&mut buf)
            .map_err(Refusal::Io)?;
        if buf.len() as u64 > self.max {
            return Err(Refusal::TooLarge(self.max));
        }
        Ok(buf)
    }
}

/// Open, check and read in one step, for files with no ownership rule.
pub fn read(path: &Path, rules: Rules) -> Result<Zeroizing<Vec<u8>>, Refusal> {
    open(path, rules)?.read()
}

/// What a non-regular file is, in words; `None` for a regular file.
pub fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

#[cfg(unix)]
fn libc_eloop() -> i32 {
    libc::ELOOP
}

#[cfg(not(unix))]
fn libc_eloop() -> i32 {
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_its_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").expect("write");
        assert_eq!(
            read(&p, Rules::named(5)).expect("read").as_slice(),
            b"hello"
        );
        assert!(matches!(
            read(&p, Rules::named(4)),
            Err(Refusal::TooLarge(4))
        ));
        assert!(matches!(
            read(&dir.path().join("nope"), Rules::named(4)),
            Err(Refusal::NotFound)
        ));
        assert!(matches!(
            read(dir.path(), Rules::named(4)),
            Err(Refusal::NotRegular("a directory"))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_and_a_device_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("fifo");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            read(&p, Rules::named(1024)),
            Err(Refusal::NotRegular("a FIFO"))
        ));
        assert!(matches!(
            read(Path::new("/dev/zero"), Rules::named(1024)),
            Err(Refusal::NotRegular("a device"))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_only_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("t");
        std::fs::write(&target, b"x").expect("write");
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(read(&link, Rules::named(8)).is_ok());
        let strict = Rules {
            max: 8,
            follow_links: false,
        };
        assert!(matches!(read(&link, strict), Err(Refusal::Link)));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(4 << 20), "4 MiB");
        assert_eq!(size(64 * 1024), "64 KiB");
    }
}
