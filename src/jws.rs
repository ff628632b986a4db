//! JSON Web Signature (RFC 7515) without I/O: private keys read from PEM (PKCS#8, PKCS#1 RSA,
//! SEC1 EC), compact JWS signed with RS256, PS256, ES256, EdDSA (RFC 7518 §3, RFC 8037) or
//! HS256, and the X.509 thumbprints `x5t` and `x5t#S256` (RFC 7515 §4.1.7–8). Leaf.
//!
//! The cryptography is ring's, the same implementation rustls already uses for TLS, so that
//! tokfetch carries one crypto library; the PEM reader is rustls' (`rustls::pki_types`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use ring::{digest, hmac};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use zeroize::{Zeroize, Zeroizing};

use crate::der::element;

/// A JWS algorithm tokfetch signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    RS256,
    PS256,
    ES256,
    EdDSA,
    HS256,
}

impl Alg {
    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::PS256 => "PS256",
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
            Alg::HS256 => "HS256",
        }
    }

    pub fn named(name: &str) -> Option<Alg> {
        [Alg::RS256, Alg::PS256, Alg::ES256, Alg::EdDSA, Alg::HS256]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

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

/// Why a key cannot be used. The text never holds key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(msg: impl Into<String>) -> KeyError {
    KeyError(msg.into())
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

// Object identifiers, DER-encoded (RFC 8017, RFC 5480, RFC 8410).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

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

/// base64url without padding (RFC 7515 §2).
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `x5t#S256` and `x5t` of a DER certificate: base64url of its SHA-256 and SHA-1 digests.
pub fn thumbprints(cert_der: &[u8]) -> (String, String) {
    (
        b64url(digest::digest(&digest::SHA256, cert_der).as_ref()),
        b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der).as_ref()),
    )
}

/// Random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N], KeyError> {
    use ring::rand::SecureRandom;
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| err("the operating system gave no random bytes"))?;
    Ok(out)
}

/// The algorithm OID of a PKCS#8 key and, for EC keys, the curve OID (RFC 5958, RFC 5480).
fn pkcs8_algorithm(der: &[u8]) -> Result<(&[u8], Option<&[u8]>), KeyError> {
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
fn sec1_to_pkcs8(sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2048-bit RSA test key (PKCS#8), generated for these tests only.
    pub const RSA_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDHwfUDZqE2TOES\n\
TeBYIEGnY50wS4o5572GPyvVYOzJc+juYgEuBmWN6TPQmGckzotBWVx2TKHSp6WW\n\
+Wn81ALDP+m8K+ubXvL/Stg1ngxnmt+ode0R/cks8wP3wNbJvmHuL+pkYW53DMup\n\
6GrkNCGox9H4av/GsUrSFEEWkT7WiW0vUth9Fu6o+xFIxmw0IYTTuHsjKWAds++i\n\
Ap2OflvekCd5VJcQWJ3wf4I+yY/exZvpOEJV/aDeFyeFFZ55dV73vI+yCzgP7bB7\n\
lDeEGLLnsOoxYpkxy461GsXP3MCK8lYBJV1QEtemrKpgEjnAeaYaC+iF7qbac6tV\n\
EWI0aEwdAgMBAAECggEAAZkxIGSc4v1M8zT0aWGRDxr4LbWGfKw4ocmBWD21zp06\n\
JG0WbLFbOpWEcWWKbtZft4Xr8J7wRF6SagsUa4hyOE3Vql/YJARzWN4/rRrihEDO\n\
aRQV8cYL9qWdKexOgvQeW6vKBzhquqP1tQ7YLfAblEwG2PSe9OADqsDydr9yVDrb\n\
XrGchldRn8/wTa/plvEmKgq4tyVg9lVXGbi9TrGMONXIQMGc1wEPty9u3GGcKq36\n\
Yxzua7gxlQNnqB3EGFS/CykiHUeNmuMu7dwWMo5aPE+mAtYJqNNDJkJxldkJc1yV\n\
yE1mYWqU/zYBAlgUdUGUaDdUN4SR9wxJB1XS8UEIkQKBgQD9D2rvYy/BAOQH3dSC\n\
I4SuXWY4DzKLFaqZnb1Lm05aNYoD89npR1XWwpu/LrpzKFY0gFJ2mkq9LrsjJ4oh\n\
CyAAAAihg9aftk8cjN2CEByw3kPAm+kH2x6zWSbyCOntyl66ZUfvbifJr8okSLbc\n\
pE2mKrB/j0y/iv8TZW7U+bNoZQKBgQDKFAV+TeFtDfQN1q4wp3N9xDISl5GBrES5\n\
o7EJLdD3PnfRHPGRSAFLh689N7nQhyUxIlttjdJXCSqmtylai8/fquhRkLvUbH68\n\
m2JtbEKguQB0R/zSFnmRMPhoTelsr4/gUWtDi8Cl/y7s+CMfCY8ErBiyX9kTMBcp\n\
G3ya8t5tWQKBgHOhqeE810M/nvKhQEs+44+xCdYvy46WFeAfnbGAg6rgr/HiaP4Z\n\
JHX/cp9HQNcB5XIT+JpNIj2Trtr/ZDR5GuQlH8x9q4JLEZcgHs8hgZqn1RmbpD18\n\
uGiHIi6SOCH5yJMvWFFlajTUaG9v8m6bfQeilgeTeSRE5Qz92kji2EGpAoGABNzQ\n\
eQaUuxQP4FlfHaqZ29fhwJLHHJCxoqnus6LXmWt2ZKDGq1FJPrEIJXf2z67A1VrX\n\
Sl6URiXhUduschJVMTOinXvXGTh3IEC48JsfS1DIUwP8cG28BSNhhtkBGe1rj+FF\n\
rH1raFMopOkfpzqKp3kgqwIlbhHFLOcNa4kWkxkCgYEA08Og/0CFP5ylT+W6Ml1D\n\
sdmvKuypNfu6/N1cVdK7ZMoqt+NNduOakeo/fsf7Wn00xx7ufc1iZ6dabMsZZ5vT\n\
qXAXmXGuxPxvvDbynZ333YsC0CKYnG5KUXOIYwyHZWPhQXrsT1aH8xyxgN6h6Wqc\n\
o1GOJEZzYYxvKsU7KAuZpu8=\n\
-----END PRIVATE KEY-----\n\
";

    /// Fresh keys of the other types, in their PEM forms.
    pub fn p256_pkcs8_pem() -> String {
        let doc = EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &SystemRandom::new(),
        )
        .expect("generate");
        pem("PRIVATE KEY", doc.as_ref())
    }

    pub fn ed25519_pem() -> String {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("generate");
        pem("PRIVATE KEY", doc.as_ref())
    }

    pub fn pem(label: &str, der: &[u8]) -> String {
        use base64::engine::general_purpose::STANDARD;
        let b64 = STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    fn key(pem: &str) -> SigningKey {
        SigningKey::from_der(&private_key_der(pem.as_bytes()).expect("pem")).expect("key")
    }

    fn verify(jwt: &str, alg: &'static dyn signature::VerificationAlgorithm, public: &[u8]) {
        let (input, sig) = jwt.rsplit_once('.').expect("three parts");
        let sig = URL_SAFE_NO_PAD.decode(sig).expect("b64");
        signature::UnparsedPublicKey::new(alg, public)
            .verify(input.as_bytes(), &sig)
            .expect("signature verifies");
    }

    fn parts(jwt: &str) -> (serde_json::Value, serde_json::Value) {
        let mut it = jwt.split('.');
        let mut next = || -> serde_json::Value {
            let part = it.next().expect("part");
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("b64")).expect("json")
        };
        (next(), next())
    }

    fn header() -> serde_json::Map<String, serde_json::Value> {
        let mut h = serde_json::Map::new();
        h.insert("typ".into(), "JWT".into());
        h
    }

    #[test]
    fn every_algorithm_signs_what_ring_verifies() {
        let claims = serde_json::json!({"iss": "c", "n": 1});
        let rsa = key(RSA_PEM);
        for (alg, verify_alg) in [
            (
                Alg::RS256,
                &signature::RSA_PKCS1_2048_8192_SHA256 as &dyn signature::VerificationAlgorithm,
            ),
            (Alg::PS256, &signature::RSA_PSS_2048_8192_SHA256),
        ] {
            let jwt = sign(&header(), &claims, &Signer::Key(&rsa, alg)).expect("sign");
            verify(&jwt, verify_alg, rsa.public_key());
            let (h, c) = parts(&jwt);
            assert_eq!(h, serde_json::json!({"alg": alg.name(), "typ": "JWT"}));
            assert_eq!(c, claims);
        }
        let ec = key(&p256_pkcs8_pem());
        let jwt = sign(&header(), &claims, &Signer::Key(&ec, Alg::ES256)).expect("sign");
        verify(&jwt, &signature::ECDSA_P256_SHA256_FIXED, ec.public_key());
        let ed = key(&ed25519_pem());
        let jwt = sign(&header(), &claims, &Signer::Key(&ed, Alg::EdDSA)).expect("sign");
        verify(&jwt, &signature::ED25519, ed.public_key());
        assert_eq!(parts(&jwt).0["alg"], "EdDSA");
    }

    #[test]
    fn rs256_and_hs256_are_deterministic_and_pinned() {
        let claims = serde_json::json!({"a": "b"});
        let jwt = sign(&header(), &claims, &Signer::Hs256(b"secret")).expect("sign");
        // The same value as any RFC 7515 implementation: HMAC-SHA256 over the two parts.
        assert_eq!(
            jwt.as_str(),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoiYiJ9.jiMyrsmD8AoHWeQgmxZ5yq8z0lXS67_QGs52AzC8Ru8"
        );
        let rsa = key(RSA_PEM);
        let a = sign(&header(), &claims, &Signer::Key(&rsa, Alg::RS256)).expect("sign");
        let b = sign(&header(), &claims, &Signer::Key(&rsa, Alg::RS256)).expect("sign");
        assert_eq!(a, b);
    }

    #[test]
    fn pkcs1_and_sec1_read_as_the_same_keys() {
        let rsa = key(RSA_PEM);
        let pkcs1 = rsa_pkcs1_pem();
        let again = key(&pkcs1);
        assert_eq!(rsa.public_key(), again.public_key());
        assert_eq!(
            private_key_der(pkcs1.as_bytes()).expect("pem").format,
            Format::Pkcs1
        );
        // SEC1: the ECPrivateKey inside a PKCS#8 document.
        let pkcs8 = private_key_der(p256_pkcs8_pem().as_bytes()).expect("pem");
        let ec = SigningKey::from_der(&pkcs8).expect("key");
        let sec1 = pem("EC PRIVATE KEY", inner_private_key(&pkcs8.der));
        let der = private_key_der(sec1.as_bytes()).expect("pem");
        assert_eq!(der.format, Format::Sec1);
        let again = SigningKey::from_der(&der).expect("sec1 key");
        assert_eq!(ec.public_key(), again.public_key());
        assert_eq!(again.default_alg(), Alg::ES256);
    }

    /// The PKCS#1 `RSAPrivateKey` (or SEC1 `ECPrivateKey`) inside a PKCS#8 document.
    fn inner_private_key(pkcs8: &[u8]) -> &[u8] {
        let (_, body, _) = element(pkcs8).expect("seq");
        let (_, _, rest) = element(body).expect("version");
        let (_, _, rest) = element(rest).expect("alg");
        let (_, key, _) = element(rest).expect("octets");
        key
    }

    fn rsa_pkcs1_pem() -> String {
        let der = private_key_der(RSA_PEM.as_bytes()).expect("pem");
        pem("RSA PRIVATE KEY", inner_private_key(&der.der))
    }

    #[test]
    fn a_key_reads_back_from_its_own_pem() {
        let der = private_key_der(RSA_PEM.as_bytes()).expect("pem");
        assert_eq!(der.to_pem().as_str(), RSA_PEM);
        let sec1 = private_key_der(pem("EC PRIVATE KEY", &[0x30, 0]).as_bytes()).expect("pem");
        assert!(
            sec1.to_pem()
                .starts_with("-----BEGIN EC PRIVATE KEY-----\nMAA=\n")
        );
    }

    #[test]
    fn algorithms_follow_the_key() {
        assert_eq!(key(RSA_PEM).default_alg(), Alg::RS256);
        assert!(key(RSA_PEM).fits(Alg::PS256));
        assert!(!key(RSA_PEM).fits(Alg::ES256));
        assert_eq!(key(&ed25519_pem()).default_alg(), Alg::EdDSA);
        assert!(!key(&ed25519_pem()).fits(Alg::RS256));
        let rsa = key(RSA_PEM);
        let e = sign(
            &header(),
            &serde_json::json!({}),
            &Signer::Key(&rsa, Alg::ES256),
        );
        assert!(e.is_err());
    }

    #[test]
    fn bad_keys_are_explained_without_their_contents() {
        let cases = [
            ("not a key", "holds no PEM private key"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
                "encrypted",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIBxyz\n-----END PRIVATE KEY-----\n",
                "",
            ),
        ];
        for (pem_text, want) in cases {
            let e = private_key_der(pem_text.as_bytes())
                .and_then(|d| SigningKey::from_der(&d))
                .expect_err("refused");
            assert!(e.0.contains(want), "{e}");
            assert!(!e.0.contains("MIIB"), "{e}");
        }
        // A P-384 key, as openssl writes it (PKCS#8 with the secp384r1 curve).
        let p384 = pem(
            "PRIVATE KEY",
            &[
                0x30, 0x15, 0x02, 0x01, 0x00, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22,
            ],
        );
        let e = SigningKey::from_der(&private_key_der(p384.as_bytes()).expect("pem"))
            .expect_err("refused");
        assert!(e.0.contains("other than P-256"), "{e}");
    }

    #[test]
    fn thumbprints_are_base64url_digests() {
        let (s256, s1) = thumbprints(b"abc");
        assert_eq!(s256, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        assert_eq!(s1, "qZk-NkcGgWq6PiVxeFDCbJzQ2J0");
    }
}
