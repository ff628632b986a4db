//! Who owns a file and who else may touch it (README "Security model"): the checks ssh makes
//! on its own files, in one place, for the config, the token cache and key files. Each caller
//! words the refusal for its file. On other systems than Unix nothing is checked here: the
//! per-user folders' ACLs stand in.

use std::fs::Metadata;

/// What is wrong with a file's ownership or mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(unix), allow(dead_code))]
pub enum Exposure {
    /// Owned by another user (this uid).
    Owner(u32),
    /// Others may write it (this mode).
    Writable(u32),
    /// Others may read it (this mode).
    Readable(u32),
}

/// What a file must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Ours (or root's, with `root_ok`), and writable by nobody else: the config, the cache
    /// directory.
    NotWritable { root_ok: bool },
    /// Readable by its owner only, and, with `ours`, owned by us: cached tokens, private keys.
    Private { ours: bool },
}

/// Check `meta` against `rule`.
pub fn check(meta: &Metadata, rule: Rule) -> Result<(), Exposure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (uid, mode) = (meta.uid(), meta.mode() & 0o7777);
        let owner_ok = match rule {
            Rule::NotWritable { root_ok } => uid == euid() || (root_ok && uid == 0),
            Rule::Private { ours } => !ours || uid == euid(),
        };
        if !owner_ok {
            return Err(Exposure::Owner(uid));
        }
        match rule {
            Rule::NotWritable { .. } if mode & 0o022 != 0 => Err(Exposure::Writable(mode)),
            Rule::Private { .. } if mode & 0o077 != 0 => Err(Exposure::Readable(mode)),
            _ => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (meta, rule);
        Ok(())
    }
}

/// Our effective user id, asked of the kernel once per run.
#[cfg(unix)]
fn euid() -> u32 {
    static EUID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    // SAFETY: geteuid has no preconditions and cannot fail.
    *EUID.get_or_init(|| unsafe { libc::geteuid() })
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn meta_with(mode: u32) -> (tempfile::NamedTempFile, Metadata) {
        let f = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(mode)).expect("chmod");
        let m = std::fs::metadata(f.path()).expect("metadata");
        (f, m)
    }

    #[test]
    fn modes_are_judged_by_the_rule() {
        let loose = Rule::NotWritable { root_ok: true };
        let private = Rule::Private { ours: true };
        assert_eq!(check(&meta_with(0o644).1, loose), Ok(()));
        assert_eq!(
            check(&meta_with(0o620).1, loose),
            Err(Exposure::Writable(0o620))
        );
        assert_eq!(
            check(&meta_with(0o602).1, loose),
            Err(Exposure::Writable(0o602))
        );
        assert_eq!(check(&meta_with(0o600).1, private), Ok(()));
        assert_eq!(
            check(&meta_with(0o640).1, private),
            Err(Exposure::Readable(0o640))
        );
        assert_eq!(
            check(&meta_with(0o604).1, private),
            Err(Exposure::Readable(0o604))
        );
    }
}
