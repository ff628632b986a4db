//! TLS for every request (README "Network behaviour"): the roots a server's certificate is
//! checked against — the system's (Mozilla's bundled ones where it has none), plus
//! `ca_file`/`$TOKFETCH_CA_FILE` — and, for `tls_client_auth`, the client certificate shown in
//! the handshake (RFC 8705).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use rustls::{ClientConfig, RootCertStore};

use crate::config::Profile;
use crate::error::{Failure, Result};
use crate::jws::{Format, KeyDer};
use crate::vlog;

/// A client certificate chain and the private key that goes with it, checked to match.
pub struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for ClientIdentity {
    fn clone(&self) -> ClientIdentity {
        ClientIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

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
        let provider = rustls::crypto::ring::default_provider();
        rustls::sign::CertifiedKey::from_der(chain.clone(), der(key), &provider).map_err(|e| {
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
        Ok(ClientIdentity {
            chain,
            key: der(key),
        })
    }
}

/// The certificates of a PEM chain, in order, DER; `Err` says what is wrong with it.
pub fn pem_certs(pem: &[u8]) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        match item {
            Ok(c) => certs.push(c),
            Err(e) => return Err(format!("is not a valid PEM bundle: {e}")),
        }
    }
    if certs.is_empty() {
        return Err("contains no PEM certificates".to_string());
    }
    Ok(certs)
}

/// The roots of this run, read once: every request of a run (discovery, an ID token, the token
/// itself, `doctor`'s handshake) trusts the same ones.
static ROOTS: Mutex<Option<(Option<PathBuf>, Arc<RootCertStore>)>> = Mutex::new(None);

/// The one TLS configuration: the trusted roots, and the client certificate when there is one.
pub(super) fn config(
    profile: &Profile,
    client: Option<&ClientIdentity>,
) -> Result<Arc<ClientConfig>> {
    let ca_file = ca_file(profile);
    let roots = {
        let mut memo = ROOTS.lock().unwrap_or_else(|e| e.into_inner());
        match memo.as_ref() {
            Some((file, roots)) if *file == ca_file => roots.clone(),
            _ => {
                let roots = Arc::new(root_store(ca_file.as_deref())?);
                *memo = Some((ca_file, roots.clone()));
                roots
            }
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::internal(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some(c) => builder
            .with_client_auth_cert(c.chain.clone(), c.key.clone_key())
            .map_err(|e| {
                Failure::credentials(format!("the client certificate cannot be used: {e}"))
            })?,
    };
    Ok(Arc::new(config))
}

/// The system's roots (or Mozilla's bundled ones where the system has none), plus `ca_file`.
fn root_store(ca_file: Option<&Path>) -> Result<RootCertStore> {
    let extra = match ca_file {
        Some(path) => read_pem_certs(path)?,
        None => Vec::new(),
    };
    let (system, from) = crate::roots::system();
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(system.certs);
    vlog!(
        "trusting {} system root certificates ({from}){}",
        roots.len(),
        match ca_file {
            Some(p) => format!(" and {} from {}", extra.len(), p.display()),
            None => String::new(),
        }
    );
    if ignored > 0 {
        vlog!("{ignored} system root certificates do not parse; ignored");
    }
    let (_, bad) = roots.add_parsable_certificates(extra);
    if bad > 0
        && let Some(p) = ca_file
    {
        vlog!(
            "{bad} certificates in {} are not usable roots; ignored",
            p.display()
        );
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    Ok(roots)
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

fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    // The one safe reader: a FIFO or device named as ca_file is exit 3 at once, never a hang.
    let pem = crate::fsread::read(path, crate::fsread::Rules::named(1 << 20))
        .map_err(|e| Failure::config(format!("cannot read ca_file {}: {e}", path.display())))?;
    pem_certs(&pem).map_err(|why| Failure::config(format!("ca_file {} {why}", path.display())))
}
