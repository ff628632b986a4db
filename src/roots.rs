//! The system's trusted root certificates, read the way curl and OpenSSL read them.
//!
//! On Linux and the BSDs the roots exist twice: once as a bundle file
//! (`/etc/ssl/certs/ca-certificates.crt` on Debian and Ubuntu) and once as a hashed directory of
//! one file per root (`/etc/ssl/certs`), the same certificates again. Reading both, as
//! `rustls_native_certs::load_native_certs` does, opens and parses some 150 files for every
//! TLS fetch. Here the bundle is read alone where there is one, the directory only where there is
//! none; `SSL_CERT_FILE` names another bundle and `SSL_CERT_DIR` adds directories, as with
//! OpenSSL (README "Network behaviour"). macOS and Windows keep their platform stores.
//!
//! `ca_file` / `$TOKFETCH_CA_FILE` add to these roots (`http/tls.rs`); where the system has none,
//! Mozilla's bundled roots are used instead.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;

/// Bundle files, in the order OpenSSL's probe and Go's crypto/x509 try them; the first that
/// exists is used.
#[cfg(target_os = "linux")]
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL 7+, CentOS
    "/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem",             // openSUSE, SLES
    "/etc/pki/tls/cacert.pem",            // OpenELEC
    "/etc/ssl/cert.pem",                  // Alpine, Void
    "/opt/etc/ssl/certs/ca-certificates.crt", // Entware
];
#[cfg(any(target_os = "freebsd", target_os = "dragonfly"))]
const BUNDLES: &[&str] = &[
    "/usr/local/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    "/etc/ssl/cert.pem",
];
#[cfg(target_os = "netbsd")]
const BUNDLES: &[&str] = &["/etc/openssl/certs/ca-certificates.crt"];
#[cfg(target_os = "openbsd")]
const BUNDLES: &[&str] = &["/etc/ssl/cert.pem"];
#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
)))]
const BUNDLES: &[&str] = &["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"];

/// Hashed certificate directories, read only where no bundle exists.
#[cfg(target_os = "linux")]
const DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];
#[cfg(target_os = "netbsd")]
const DIRS: &[&str] = &["/etc/openssl/certs"];
#[cfg(not(any(target_os = "linux", target_os = "netbsd")))]
const DIRS: &[&str] = &["/etc/ssl/certs"];

/// Where the roots are read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locations {
    pub file: Option<PathBuf>,
    pub dirs: Vec<PathBuf>,
}

impl Locations {
    /// Where the roots are on this system, as OpenSSL (and so curl) finds them:
    ///
    /// - the bundle file is `SSL_CERT_FILE` if set, else the first distro bundle that exists;
    /// - directories are read in addition only when `SSL_CERT_DIR` names them, and then not a
    ///   distro certificate directory while a bundle is read (it holds the bundle's roots
    ///   again, one file each: `SSL_CERT_DIR=/etc/ssl/certs`, as some images set, would
    ///   otherwise cost ~150 files per fetch);
    /// - with no bundle at all, the distro certificate directories that exist.
    ///
    /// Empty variables count as unset. `var`, `is_file` and `is_dir` are the environment and
    /// the file system (tests pass their own).
    pub fn find(
        var: impl Fn(&str) -> Option<OsString>,
        is_file: impl Fn(&Path) -> bool,
        is_dir: impl Fn(&Path) -> bool,
    ) -> Locations {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let file = set("SSL_CERT_FILE").map(PathBuf::from).or_else(|| {
            BUNDLES
                .iter()
                .map(Path::new)
                .find(|p| is_file(p))
                .map(Path::to_path_buf)
        });
        let system_dir = |d: &Path| DIRS.iter().any(|s| Path::new(s) == d);
        let dirs: Vec<PathBuf> = match set("SSL_CERT_DIR") {
            Some(v) => std::env::split_paths(&v)
                .filter(|d| !d.as_os_str().is_empty())
                .filter(|d| file.is_none() || !system_dir(d))
                .collect(),
            None if file.is_none() => DIRS
                .iter()
                .map(Path::new)
                .filter(|d| is_dir(d))
                .map(Path::to_path_buf)
                .collect(),
            None => Vec::new(),
        };
        Locations { file, dirs }
    }

    /// Read the certificates (PEM) there: the file, then every file of each directory, each
    /// certificate once. Unreadable files and bad PEM sections are counted, not fatal (a stray
    /// file in a certificate directory must not break TLS).
    pub fn load(&self) -> Loaded {
        let mut certs = Vec::new();
        let mut errors = 0;
        if let Some(file) = &self.file {
            // The bundle is read here, not by rustls-native-certs: see [`pem_certificates`].
            match std::fs::read(file) {
                Ok(pem) => {
                    let (found, bad) = pem_certificates(&pem);
                    certs.extend(found);
                    errors += bad;
                }
                Err(_) => errors += 1,
            }
        }
        for dir in &self.dirs {
            let r = rustls_native_certs::load_certs_from_paths(None, Some(dir));
            certs.extend(r.certs);
            errors += r.errors.len();
        }
        certs.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
        certs.dedup();
        Loaded { certs, errors }
    }

    /// For `-v`: the file or directories read, or that none was found.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.file.iter().map(|f| f.display().to_string()).collect();
        parts.extend(self.dirs.iter().map(|d| format!("{}/", d.display())));
        if parts.is_empty() {
            "no system certificate store found".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Every `CERTIFICATE` section of a PEM bundle, decoded, and how many could not be. Roots are
/// public, so they are decoded with the ordinary base64 decoder: the constant-time one that
/// rustls' PEM reader uses (right for private keys) made decoding the ~150 roots of a distro
/// bundle the largest part of tokfetch's own work in a cold TLS fetch (README "Performance").
/// Anything outside the sections (comments, `# name` lines, other PEM types) is skipped.
pub fn pem_certificates(pem: &[u8]) -> (Vec<CertificateDer<'static>>, usize) {
    use base64::Engine;
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let (mut certs, mut errors) = (Vec::new(), 0);
    let mut body = Vec::new();
    let mut rest = pem;
    while let Some(start) = memchr::memmem::find(rest, BEGIN) {
        rest = &rest[start + BEGIN.len()..];
        let Some(end) = memchr::memmem::find(rest, END) else {
            errors += 1;
            break;
        };
        body.clear();
        body.extend(
            rest[..end]
                .iter()
                .filter(|b| !matches!(b, b'\n' | b'\r' | b' ' | b'\t')),
        );
        match base64::engine::general_purpose::STANDARD.decode(&body) {
            Ok(der) if !der.is_empty() => certs.push(CertificateDer::from(der)),
            _ => errors += 1,
        }
        rest = &rest[end + END.len()..];
    }
    (certs, errors)
}

/// Certificates read, and how many files or sections could not be used.
#[derive(Debug, Default)]
pub struct Loaded {
    pub certs: Vec<CertificateDer<'static>>,
    pub errors: usize,
}

/// The system's roots and where they came from (for `-v`).
#[cfg(all(unix, not(target_os = "macos")))]
pub fn system() -> (Loaded, String) {
    let at = Locations::find(|k| std::env::var_os(k), Path::is_file, Path::is_dir);
    (at.load(), at.describe())
}

/// The system's roots: the Keychain's trust settings on macOS, the certificate store on
/// Windows (both also honour `SSL_CERT_FILE` / `SSL_CERT_DIR`).
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn system() -> (Loaded, String) {
    let r = rustls_native_certs::load_native_certs();
    (
        Loaded {
            certs: r.certs,
            errors: r.errors.len(),
        },
        "the system certificate store".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// `Locations::find` over a made-up environment and file system.
    fn find(env: &[(&str, &str)], files: &[&str], dirs: &[&str]) -> Locations {
        let env: HashMap<String, OsString> = env
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Locations::find(
            |k| env.get(k).cloned(),
            |p| files.iter().any(|f| Path::new(f) == p),
            |p| dirs.iter().any(|d| Path::new(d) == p),
        )
    }

    fn loc(file: Option<&str>, dirs: &[&str]) -> Locations {
        Locations {
            file: file.map(PathBuf::from),
            dirs: dirs.iter().map(PathBuf::from).collect(),
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_bundle_alone_where_there_is_one() {
        let debian = find(
            &[],
            &["/etc/ssl/certs/ca-certificates.crt"],
            &["/etc/ssl/certs"],
        );
        assert_eq!(debian, loc(Some("/etc/ssl/certs/ca-certificates.crt"), &[]));
        let fedora = find(
            &[],
            &[
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            ],
            &["/etc/pki/tls/certs", "/etc/ssl/certs"],
        );
        assert_eq!(
            fedora,
            loc(
                Some("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),
                &[]
            )
        );
        let alpine = find(&[], &["/etc/ssl/cert.pem"], &["/etc/ssl/certs"]);
        assert_eq!(alpine, loc(Some("/etc/ssl/cert.pem"), &[]));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_directory_only_where_there_is_no_bundle() {
        assert_eq!(
            find(&[], &[], &["/etc/ssl/certs"]),
            loc(None, &["/etc/ssl/certs"])
        );
        assert_eq!(
            find(&[], &[], &["/etc/pki/tls/certs", "/etc/ssl/certs"]),
            loc(None, &["/etc/ssl/certs", "/etc/pki/tls/certs"])
        );
    }

    #[test]
    fn nothing_where_the_system_has_no_roots() {
        let none = find(&[], &[], &[]);
        assert_eq!(none, Locations::default());
        assert_eq!(none.describe(), "no system certificate store found");
        let loaded = none.load();
        assert!(loaded.certs.is_empty());
        assert_eq!(loaded.errors, 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ssl_cert_file_replaces_the_bundle_and_ssl_cert_dir_adds_directories() {
        let bundle = "/etc/ssl/certs/ca-certificates.crt";
        let system = (&[bundle][..], &["/etc/ssl/certs"][..]);
        assert_eq!(
            find(&[("SSL_CERT_FILE", "/corp/roots.pem")], system.0, system.1),
            loc(Some("/corp/roots.pem"), &[])
        );
        // An explicit file is used even where it is missing (its error is counted), rather
        // than quietly trusting something else.
        assert_eq!(
            find(&[("SSL_CERT_FILE", "/corp/gone.pem")], &[], system.1),
            loc(Some("/corp/gone.pem"), &[])
        );
        assert_eq!(
            find(&[("SSL_CERT_DIR", "/a:/b::")], system.0, system.1),
            loc(Some(bundle), &["/a", "/b"])
        );
        assert_eq!(
            find(
                &[("SSL_CERT_FILE", "/f.pem"), ("SSL_CERT_DIR", "/d")],
                system.0,
                system.1
            ),
            loc(Some("/f.pem"), &["/d"])
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn variables_naming_the_system_store_read_the_bundle_once() {
        // What some images export: both variables at the distro's own locations.
        let both = [
            ("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
            ("SSL_CERT_DIR", "/etc/ssl/certs/:/corp/certs"),
        ];
        assert_eq!(
            find(
                &both,
                &["/etc/ssl/certs/ca-certificates.crt"],
                &["/etc/ssl/certs"]
            ),
            loc(Some("/etc/ssl/certs/ca-certificates.crt"), &["/corp/certs"])
        );
        // Without any bundle, a distro directory named by SSL_CERT_DIR is read.
        assert_eq!(
            find(
                &[("SSL_CERT_DIR", "/etc/ssl/certs")],
                &[],
                &["/etc/ssl/certs"]
            ),
            loc(None, &["/etc/ssl/certs"])
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn empty_variables_count_as_unset() {
        let found = find(
            &[("SSL_CERT_FILE", ""), ("SSL_CERT_DIR", "")],
            &["/etc/ssl/certs/ca-certificates.crt"],
            &[],
        );
        assert_eq!(found, loc(Some("/etc/ssl/certs/ca-certificates.crt"), &[]));
    }

    /// A self-signed CA certificate in PEM, and its DER.
    fn ca(name: &str) -> (String, Vec<u8>) {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("self-signed");
        (cert.pem(), cert.der().to_vec())
    }

    #[test]
    fn loads_a_bundle_and_a_hashed_directory_each_certificate_once() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (a_pem, a_der) = ca("root A");
        let (b_pem, b_der) = ca("root B");
        let bundle = tmp.path().join("bundle.pem");
        std::fs::write(&bundle, format!("# comment\n{a_pem}{b_pem}")).expect("write");
        let from_file = loc(bundle.to_str(), &[]).load();
        let mut want = vec![a_der.clone(), b_der.clone()];
        want.sort();
        let got: Vec<Vec<u8>> = from_file.certs.iter().map(|c| c.to_vec()).collect();
        assert_eq!(got, want);
        assert_eq!(from_file.errors, 0);

        // A directory as c_rehash leaves it: one file per root, hash-named links to them, and
        // a stray non-PEM file. Each root is read once; the stray file is no error.
        let dir = tmp.path().join("certs");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("A.pem"), &a_pem).expect("write");
        std::fs::write(dir.join("B.pem"), &b_pem).expect("write");
        std::fs::write(dir.join("README"), "not a certificate\n").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("A.pem"), dir.join("1a2b3c4d.0")).expect("link");
        let from_dir = loc(None, &[dir.to_str().unwrap_or_default()]).load();
        let got: Vec<Vec<u8>> = from_dir.certs.iter().map(|c| c.to_vec()).collect();
        assert_eq!(got, want);

        // Both, overlapping: still each root once.
        let both = loc(bundle.to_str(), &[dir.to_str().unwrap_or_default()]).load();
        assert_eq!(both.certs.len(), 2);
        assert_eq!(
            loc(bundle.to_str(), &[dir.to_str().unwrap_or_default()]).describe(),
            format!("{}, {}/", bundle.display(), dir.display())
        );
    }

    #[test]
    fn pem_sections_decode_as_rustls_decodes_them() {
        use rustls::pki_types::pem::PemObject;
        let (a_pem, a_der) = ca("root A");
        let (b_pem, b_der) = ca("root B");
        let crlf = b_pem.replace('\n', "\r\n");
        let bundle = format!(
            "# Mozilla roots\n{a_pem}\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n{crlf}"
        );
        let (certs, errors) = pem_certificates(bundle.as_bytes());
        let got: Vec<Vec<u8>> = certs.iter().map(|c| c.to_vec()).collect();
        assert_eq!(got, vec![a_der.clone(), b_der]);
        assert_eq!(errors, 0);
        let rustls: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(bundle.as_bytes())
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(got, rustls);
        // A damaged section is counted and skipped; an unterminated one too.
        let damaged = format!(
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n{a_pem}-----BEGIN CERTIFICATE-----\nMII"
        );
        let (certs, errors) = pem_certificates(damaged.as_bytes());
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].as_ref(), &a_der[..]);
        assert_eq!(errors, 2);
    }

    #[test]
    fn a_missing_file_is_an_error_counted_not_a_failure() {
        let loaded = loc(Some("/nonexistent/tokfetch/roots.pem"), &[]).load();
        assert!(loaded.certs.is_empty());
        assert_eq!(loaded.errors, 1);
    }
}
