//! PEM private keys (PKCS#8, PKCS#1 RSA, SEC1 EC) into DER, and back; the PKCS#8 framing of
//! a SEC1 key that ring reads, and the algorithm a PKCS#8 key names.

use base64::Engine;
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use zeroize::{Zeroize, Zeroizing};

use super::{KeyError, err};
use crate::der::element;

/// How a private key's DER is framed, as TLS libraries want to be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pkcs8,
    Pkcs1,
    Sec1,
}

/// A private key's DER, zeroed when dropped.
pub struct KeyDer {
    pub format: Format,
    pub der: Zeroizing<Vec<u8>>,
}

impl KeyDer {
    /// The key as PEM again, labelled by its format.
    pub fn to_pem(&self) -> Zeroizing<String> {
        use base64::engine::general_purpose::STANDARD;
        let label = match self.format {
            Format::Pkcs8 => "PRIVATE KEY",
            Format::Pkcs1 => "RSA PRIVATE KEY",
            Format::Sec1 => "EC PRIVATE KEY",
        };
        let b64 = Zeroizing::new(STANDARD.encode(&*self.der));
        let mut out = Zeroizing::new(format!("-----BEGIN {label}-----\n"));
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str(&format!("-----END {label}-----\n"));
        out
    }
}

impl std::fmt::Debug for KeyDer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyDer({:?}, redacted)", self.format)
    }
}

/// The first private key in `pem`: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or `EC
/// PRIVATE KEY` (SEC1). Other sections (a certificate beside the key) are skipped.
pub fn private_key_der(pem: &[u8]) -> Result<KeyDer, KeyError> {
    let text = String::from_utf8_lossy(pem);
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(err(
            "it is encrypted with a passphrase, which tokfetch cannot ask for; decrypt it with `openssl pkey -in KEY -out PLAIN`",
        ));
    }
    let mut key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => err(
            "it holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)",
        ),
        _ => err("it is not valid PEM"),
    })?;
    let format = match &key {
        PrivateKeyDer::Pkcs1(_) => Format::Pkcs1,
        PrivateKeyDer::Sec1(_) => Format::Sec1,
        _ => Format::Pkcs8,
    };
    let der = Zeroizing::new(key.secret_der().to_vec());
    key.zeroize();
    Ok(KeyDer { format, der })
}

// Object identifiers, DER-encoded (RFC 8017, RFC 5480, RFC 8410).
pub(super) const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub(super) const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
pub(super) const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub(super) const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(super) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The algorithm OID of a PKCS#8 key and, for EC keys, the curve OID (RFC 5958, RFC 5480).
pub(super) fn pkcs8_algorithm(der: &[u8]) -> Result<(&[u8], Option<&[u8]>), KeyError> {
    let malformed = || err("it is not a well-formed PKCS#8 key");
    let (0x30, body, _) = element(der).ok_or_else(malformed)? else {
        return Err(malformed());
    };
    let (0x02, _version, rest) = element(body).ok_or_else(malformed)? else {
        return Err(malformed());
    };
    let (0x30, alg_id, _) = element(rest).ok_or_else(malformed)? else {
        return Err(malformed());
    };
    let (0x06, oid, params) = element(alg_id).ok_or_else(malformed)? else {
        return Err(malformed());
    };
    let curve = match element(params) {
        Some((0x06, curve, _)) => Some(curve),
        _ => None,
    };
    Ok((oid, curve))
}

/// A SEC1 `ECPrivateKey` (RFC 5915) wrapped in PKCS#8 for P-256, which is what ring reads. A
/// key that names another curve is refused.
pub(super) fn sec1_to_pkcs8(sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let malformed = || err("it is not a well-formed EC PRIVATE KEY");
    let (0x30, body, _) = element(sec1).ok_or_else(malformed)? else {
        return Err(malformed());
    };
    // version, privateKey, then [0] parameters when present.
    let (_, _, rest) = element(body).ok_or_else(malformed)?;
    let (_, _, rest) = element(rest).ok_or_else(malformed)?;
    if let Some((0xa0, params, _)) = element(rest)
        && !matches!(element(params), Some((0x06, OID_P256, _)))
    {
        return Err(err(
            "it is an EC key on a curve other than P-256; tokfetch signs with RSA, P-256 (ES256) or Ed25519 keys",
        ));
    }
    let mut alg = vec![0x06, OID_EC.len() as u8];
    alg.extend_from_slice(OID_EC);
    alg.extend_from_slice(&[0x06, OID_P256.len() as u8]);
    alg.extend_from_slice(OID_P256);
    let mut inner = Zeroizing::new(vec![0x02, 0x01, 0x00]);
    inner.extend(der_element(0x30, &alg).iter());
    inner.extend(der_element(0x04, sec1).iter());
    Ok(der_element(0x30, &inner))
}

fn der_element(tag: u8, contents: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![tag]);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(contents);
    out
}
