//! TLS for every request (README "Network behaviour"): the roots a server's certificate is
//! checked against — the system's (Mozilla's bundled ones where it has none), plus
//! `ca_file`/`$TOKFETCH_CA_FILE` — and, for `tls_client_auth`, the client certificate shown in
//! the handshake (RFC 8705).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use ureq::tls::{Certificate, ClientCert, PemItem, RootCerts, TlsConfig};

use crate::error::{Failure, Result};
use crate::jws::{Format, KeyDer};
use crate::log::vlog;

/// A client certificate chain and the private key that goes with it, checked to match.
#[derive(Clone)]
pub struct ClientIdentity(ClientCert);

impl ClientIdentity {
    /// The chain in `chain_pem` (leaf first) with `key`. `key_source` names where the key came
    /// from, for messages; a key that does not match the leaf certificate is exit 4.
    pub fn new(
        chain_pem: &[u8],
        chain_path: &Path,
        key: &KeyDer,
        key_source: &str,
    ) -> Result<ClientIdentity> {
        let shown = chain_path.display();
        let chain = pem_certs(chain_pem)
            .map_err(|why| Failure::credentials(format!("client_cert_file {shown} {why}")))?;
        let der = |k: &KeyDer| -> PrivateKeyDer<'static> {
            let bytes = k.der.to_vec();
            match k.format {
                Format::Pkcs1 => PrivatePkcs1KeyDer::from(bytes).into(),
                Format::Sec1 => PrivateSec1KeyDer::from(bytes).into(),
                Format::Pkcs8 => PrivatePkcs8KeyDer::from(bytes).into(),
            }
        };
        let ders: Vec<CertificateDer<'static>> = chain
            .iter()
            .map(|c| CertificateDer::from(c.der().to_vec()))
            .collect();
        let provider = rustls::crypto::ring::default_provider();
        rustls::sign::CertifiedKey::from_der(ders, der(key), &provider).map_err(|e| {
            let why = match e {
                rustls::Error::InconsistentKeys(_) => {
                    format!("does not match the certificate in client_cert_file {shown}")
                }
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                    format!("cannot be checked against client_cert_file {shown}: its first certificate does not parse")
                }
                _ => "is not a key TLS can use".to_string(),
            };
            Failure::credentials(format!("the private key ({key_source}) {why}"))
        })?;
        let key = ureq::tls::PrivateKey::from_pem(key.to_pem().as_bytes())
            .map_err(|_| Failure::internal("a parsed private key did not parse again"))?;
        Ok(ClientIdentity(ClientCert::new_with_certs(&chain, key)))
    }
}

/// The certificates of a PEM chain, in order; `Err` says what is wrong with it.
pub fn pem_certs(pem: &[u8]) -> std::result::Result<Vec<Certificate<'static>>, String> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c.to_owned()),
            Ok(_) => {}
            Err(e) => return Err(format!("is not a valid PEM bundle: {e}")),
        }
    }
    if certs.is_empty() {
        return Err("contains no PEM certificates".to_string());
    }
    Ok(certs)
}

/// The roots of this run, read once: every request of a run (discovery, an ID token, the token
/// itself) trusts the same ones.
static ROOTS: Mutex<Option<(Option<PathBuf>, RootCerts)>> = Mutex::new(None);

/// The TLS configuration: the trusted roots, and the client certificate when there is one.
pub(super) fn tls_config(
    configured: Option<&Path>,
    client: Option<&ClientIdentity>,
) -> Result<TlsConfig> {
    let ca_file = ca_file(configured);
    let mut memo = ROOTS.lock().unwrap_or_else(|e| e.into_inner());
    let roots = match memo.as_ref() {
        Some((file, roots)) if *file == ca_file => roots.clone(),
        _ => {
            let roots = root_certs(ca_file.as_deref())?;
            *memo = Some((ca_file, roots.clone()));
            roots
        }
    };
    Ok(TlsConfig::builder()
        .root_certs(roots)
        .client_cert(client.map(|c| c.0.clone()))
        .build())
}

/// The system's roots (or Mozilla's bundled ones where the system has none), plus `ca_file`.
fn root_certs(ca_file: Option<&Path>) -> Result<RootCerts> {
    let extra = match ca_file {
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
        match ca_file {
            Some(p) => format!(" and {} from {}", extra.len(), p.display()),
            None => String::new(),
        }
    );
    Ok(if roots.is_empty() && extra.is_empty() {
        RootCerts::WebPki
    } else {
        roots.extend(extra);
        RootCerts::new_with_certs(&roots)
    })
}

/// The profile's `ca_file` (`configured`), else `$TOKFETCH_CA_FILE`.
fn ca_file(configured: Option<&Path>) -> Option<PathBuf> {
    configured.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("TOKFETCH_CA_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The CA file that applies, and how many certificates it holds; an error when it does not
/// parse (`doctor`).
pub fn check_ca_file(configured: Option<&Path>) -> Result<Option<(PathBuf, usize)>> {
    match ca_file(configured) {
        Some(path) => Ok(Some((path.clone(), read_pem_certs(&path)?.len()))),
        None => Ok(None),
    }
}

/// The same roots as [`tls_config`], for a handshake of tokfetch's own (`doctor`'s probe).
pub(super) fn rustls_config(configured: Option<&Path>) -> Result<rustls::ClientConfig> {
    let extra = match ca_file(configured) {
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

fn read_pem_certs(path: &Path) -> Result<Vec<Certificate<'static>>> {
    // The one safe reader: a FIFO or device named as ca_file is exit 3 at once, never a hang.
    let pem = crate::fsread::read(path, crate::fsread::Rules::named(1 << 20))
        .map_err(|e| Failure::config(format!("cannot read ca_file {}: {e}", path.display())))?;
    pem_certs(&pem).map_err(|why| Failure::config(format!("ca_file {} {why}", path.display())))
}
