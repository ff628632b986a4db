//! Signing keys (RSA, P-256, Ed25519) from DER, and the compact JWS (RFC 7515 §7.1) signed
//! with RS256, PS256, ES256, EdDSA (RFC 7518 §3, RFC 8037) or HS256.

use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use zeroize::Zeroizing;

use super::pem::{
    Format, KeyDer, OID_EC, OID_ED25519, OID_P256, OID_RSA, OID_RSA_PSS, pkcs8_algorithm,
    sec1_to_pkcs8,
};
use super::{Alg, KeyError, b64url, err};

/// A key that signs JWS.
pub struct SigningKey {
    pair: Pair,
}

enum Pair {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, redacted)", self.kind())
    }
}

impl SigningKey {
    /// The key in `der`: RSA (2048 bits or more), EC on P-256, or Ed25519.
    pub fn from_der(key: &KeyDer) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        let rejected = |what: &str, e: ring::error::KeyRejected| {
            err(format!("it is not a usable {what} key ({e})"))
        };
        let pair = match key.format {
            Format::Pkcs1 => {
                Pair::Rsa(RsaKeyPair::from_der(&key.der).map_err(|e| rejected("RSA", e))?)
            }
            Format::Sec1 => {
                let pkcs8 = sec1_to_pkcs8(&key.der)?;
                Pair::P256(
                    EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &pkcs8,
                        &rng,
                    )
                    .map_err(|e| rejected("P-256 EC", e))?,
                )
            }
            Format::Pkcs8 => match pkcs8_algorithm(&key.der)? {
                (OID_RSA, _) => {
                    Pair::Rsa(RsaKeyPair::from_pkcs8(&key.der).map_err(|e| rejected("RSA", e))?)
                }
                (OID_EC, Some(OID_P256)) => Pair::P256(
                    EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &key.der,
                        &rng,
                    )
                    .map_err(|e| rejected("P-256 EC", e))?,
                ),
                (OID_EC, _) => {
                    return Err(err(
                        "it is an EC key on a curve other than P-256; tokfetch signs with RSA, P-256 (ES256) or Ed25519 keys",
                    ));
                }
                (OID_ED25519, _) => Pair::Ed25519(
                    Ed25519KeyPair::from_pkcs8_maybe_unchecked(&key.der)
                        .map_err(|e| rejected("Ed25519", e))?,
                ),
                (OID_RSA_PSS, _) => {
                    return Err(err(
                        "it is an RSASSA-PSS-only key; use a plain RSA key (signing_alg = \"PS256\" signs PSS with it)",
                    ));
                }
                _ => {
                    return Err(err(
                        "its key type is not supported; tokfetch signs with RSA, P-256 (ES256) or Ed25519 keys",
                    ));
                }
            },
        };
        Ok(SigningKey { pair })
    }

    /// `RSA`, `P-256` or `Ed25519`, for messages.
    pub fn kind(&self) -> &'static str {
        match self.pair {
            Pair::Rsa(_) => "RSA",
            Pair::P256(_) => "P-256 EC",
            Pair::Ed25519(_) => "Ed25519",
        }
    }

    /// The algorithm used when the profile names none.
    pub fn default_alg(&self) -> Alg {
        match self.pair {
            Pair::Rsa(_) => Alg::RS256,
            Pair::P256(_) => Alg::ES256,
            Pair::Ed25519(_) => Alg::EdDSA,
        }
    }

    /// Whether this key can sign with `alg`.
    pub fn fits(&self, alg: Alg) -> bool {
        matches!(
            (&self.pair, alg),
            (Pair::Rsa(_), Alg::RS256 | Alg::PS256)
                | (Pair::P256(_), Alg::ES256)
                | (Pair::Ed25519(_), Alg::EdDSA)
        )
    }

    /// The public key, as ring verifies with it (tests, diagnostics).
    pub fn public_key(&self) -> &[u8] {
        match &self.pair {
            Pair::Rsa(k) => k.public_key().as_ref(),
            Pair::P256(k) => k.public_key().as_ref(),
            Pair::Ed25519(k) => k.public_key().as_ref(),
        }
    }

    /// The public key's numbers, for a JWK.
    pub(super) fn public(&self) -> Result<Public, KeyError> {
        match &self.pair {
            Pair::P256(k) => {
                // The uncompressed point: 0x04, X, Y (SEC 1 §2.3.3).
                let p = k.public_key().as_ref();
                match p.split_first() {
                    Some((4, xy)) if xy.len() == 64 => Ok(Public::Ec {
                        x: xy[..32].to_vec(),
                        y: xy[32..].to_vec(),
                    }),
                    _ => Err(err("the P-256 public key is not an uncompressed point")),
                }
            }
            Pair::Ed25519(k) => Ok(Public::Okp {
                x: k.public_key().as_ref().to_vec(),
            }),
            Pair::Rsa(k) => {
                // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
                let bad = || err("the RSA public key is not DER");
                let (_, seq, _) = crate::der::element(k.public_key().as_ref()).ok_or_else(bad)?;
                let (_, n, rest) = crate::der::element(seq).ok_or_else(bad)?;
                let (_, e, _) = crate::der::element(rest).ok_or_else(bad)?;
                let unsigned = |v: &[u8]| v.strip_prefix(&[0]).unwrap_or(v).to_vec();
                Ok(Public::Rsa {
                    n: unsigned(n),
                    e: unsigned(e),
                })
            }
        }
    }

    fn sign(&self, alg: Alg, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        let failed = |_| err(format!("signing with the {} key failed", self.kind()));
        match (&self.pair, alg) {
            (Pair::Rsa(k), Alg::RS256 | Alg::PS256) => {
                let padding: &'static dyn signature::RsaEncoding = if alg == Alg::PS256 {
                    &signature::RSA_PSS_SHA256
                } else {
                    &signature::RSA_PKCS1_SHA256
                };
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(padding, &rng, msg, &mut sig).map_err(failed)?;
                Ok(sig)
            }
            (Pair::P256(k), Alg::ES256) => Ok(k.sign(&rng, msg).map_err(failed)?.as_ref().to_vec()),
            (Pair::Ed25519(k), Alg::EdDSA) => Ok(k.sign(msg).as_ref().to_vec()),
            _ => Err(err(format!(
                "a {} key cannot sign {}",
                self.kind(),
                alg.name()
            ))),
        }
    }
}

/// A public key's numbers (RFC 7518 §6), big-endian without leading zeros.
pub(super) enum Public {
    Ec { x: Vec<u8>, y: Vec<u8> },
    Okp { x: Vec<u8> },
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

/// What signs a JWS.
pub enum Signer<'a> {
    /// A private key and an algorithm it fits.
    Key(&'a SigningKey, Alg),
    /// HS256 with a shared secret (RFC 7518 §3.2).
    Hs256(&'a [u8]),
}

impl Signer<'_> {
    pub fn alg(&self) -> Alg {
        match self {
            Signer::Key(_, alg) => *alg,
            Signer::Hs256(_) => Alg::HS256,
        }
    }
}

/// The compact serialisation `header.claims.signature` (RFC 7515 §7.1). `header` gets its
/// `alg` from the signer.
pub fn sign(
    header: &serde_json::Map<String, serde_json::Value>,
    claims: &serde_json::Value,
    signer: &Signer,
) -> Result<Zeroizing<String>, KeyError> {
    let mut header = header.clone();
    header.insert("alg".into(), signer.alg().name().into());
    let encode = |v: &serde_json::Value| -> Result<String, KeyError> {
        let json = serde_json::to_vec(v).map_err(|e| err(format!("cannot encode JSON: {e}")))?;
        Ok(b64url(&json))
    };
    let mut out = Zeroizing::new(format!(
        "{}.{}",
        encode(&serde_json::Value::Object(header))?,
        encode(claims)?
    ));
    let sig = match signer {
        Signer::Key(key, alg) => key.sign(*alg, out.as_bytes())?,
        Signer::Hs256(secret) => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
            hmac::sign(&key, out.as_bytes()).as_ref().to_vec()
        }
    };
    out.push('.');
    out.push_str(&b64url(&sig));
    Ok(out)
}
