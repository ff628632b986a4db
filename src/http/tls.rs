//! The roots a token endpoint's certificate is checked against (README "Network behaviour"):
//! the system's (Mozilla's bundled ones where it has none), plus `ca_file`/`$TOKFETCH_CA_FILE`.

use std::path::PathBuf;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::vlog;

/// The trusted roots: the system's (or Mozilla's bundled ones where the system has none), plus
/// the PEM bundle of `ca_file` / `$TOKFETCH_CA_FILE`.
pub(super) fn tls_config(profile: &Profile) -> Result<TlsConfig> {
    let ca_file = ca_file(profile);
    let extra = match &ca_file {
        Some(path) => read_pem_certs(path)?,
        None => Vec::new(),
    };
    let (system, from) = crate::roots::system();
    let mut roots: Vec<Certificate<'static>> = system
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    vlog!(
        "trusting {} system root certificates ({from}){}",
        roots.len(),
        match &ca_file {
            Some(p) => format!(" and {} from {}", extra.len(), p.display()),
            None => String::new(),
        }
    );
    let root_certs = if roots.is_empty() && extra.is_empty() {
        RootCerts::WebPki
    } else {
        roots.extend(extra);
        RootCerts::new_with_certs(&roots)
    };
    Ok(TlsConfig::builder().root_certs(root_certs).build())
}

/// `ca_file`, else `$TOKFETCH_CA_FILE`.
fn ca_file(profile: &Profile) -> Option<PathBuf> {
    profile.ca_file.clone().or_else(|| {
        std::env::var_os("TOKFETCH_CA_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The CA file that applies, and how many certificates it holds; an error when it does not
/// parse (`doctor`).
pub fn check_ca_file(profile: &Profile) -> Result<Option<(PathBuf, usize)>> {
    match ca_file(profile) {
        Some(path) => Ok(Some((path.clone(), read_pem_certs(&path)?.len()))),
        None => Ok(None),
    }
}

/// The same roots as [`tls_config`], for a handshake of tokfetch's own (`doctor`'s probe).
pub(super) fn rustls_config(profile: &Profile) -> Result<rustls::ClientConfig> {
    let extra = match ca_file(profile) {
        Some(path) => read_pem_certs(&path)?,
        None => Vec::new(),
    };
    let mut roots = rustls::RootCertStore::empty();
    for c in crate::roots::system().0.certs {
        let _ = roots.add(c);
    }
    for c in &extra {
        let _ = roots.add(rustls::pki_types::CertificateDer::from(c.der().to_vec()));
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::internal(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn read_pem_certs(path: &std::path::Path) -> Result<Vec<Certificate<'static>>> {
    let pem = std::fs::read(path)
        .map_err(|e| Failure::config(format!("cannot read ca_file {}: {e}", path.display())))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c.to_owned()),
            Ok(_) => {}
            Err(e) => {
                return Err(Failure::config(format!(
                    "ca_file {} is not a valid PEM bundle: {e}",
                    path.display()
                )));
            }
        }
    }
    if certs.is_empty() {
        return Err(Failure::config(format!(
            "ca_file {} contains no PEM certificates",
            path.display()
        )));
    }
    Ok(certs)
}
