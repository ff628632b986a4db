//! The X.509 thumbprints `x5t` and `x5t#S256` (RFC 7515 §4.1.7–8).

use ring::digest;

use super::b64url;

/// `x5t#S256` and `x5t` of a DER certificate: base64url of its SHA-256 and SHA-1 digests.
pub fn thumbprints(cert_der: &[u8]) -> (String, String) {
    (
        b64url(digest::digest(&digest::SHA256, cert_der).as_ref()),
        b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der).as_ref()),
    )
}
