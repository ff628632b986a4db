//! DPoP (RFC 9449): a fresh key pair per token, its public JWK and RFC 7638 thumbprint, and
//! the proof JWT a request carries (§4.2). Pure but for the random bytes of a new key.

use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::pem::{Format, KeyDer};
use super::sign::{Public, Signer, SigningKey, sign};
use super::{Alg, KeyError, b64url, err};

/// The `typ` of a DPoP proof (RFC 9449 §4.2).
pub const PROOF_TYP: &str = "dpop+jwt";

/// The algorithms a DPoP key may use (`dpop_alg`), the default first.
pub const DPOP_ALGS: [Alg; 3] = [Alg::ES256, Alg::EdDSA, Alg::PS256];

/// A DPoP key pair: the private key (PKCS#8, kept with its token in the cache), the key that
/// signs, and its public JWK with the thumbprint.
pub struct DpopKey {
    alg: Alg,
    pkcs8: Zeroizing<Vec<u8>>,
    key: SigningKey,
    jwk: Value,
    jkt: String,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DpopKey({}, {}, redacted)", self.alg.name(), self.jkt)
    }
}

impl DpopKey {
    /// A new key pair for `alg` (ES256, EdDSA or PS256).
    pub fn generate(alg: Alg) -> Result<DpopKey, KeyError> {
        let rng = SystemRandom::new();
        let failed = |_| err("the operating system gave no random bytes for a DPoP key");
        let pkcs8 = match alg {
            Alg::ES256 => {
                EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .map_err(failed)?
                    .as_ref()
                    .to_vec()
            }
            Alg::EdDSA => Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Alg::PS256 => super::rsa::generate_pkcs8(2048)?,
            other => {
                return Err(err(format!(
                    "{} cannot sign DPoP proofs; use ES256, EdDSA or PS256",
                    other.name()
                )));
            }
        };
        DpopKey::from_pkcs8(alg, Zeroizing::new(pkcs8))
    }

    /// The key kept in a cache file: `alg` and its PKCS#8 DER.
    pub fn from_pkcs8(alg: Alg, pkcs8: Zeroizing<Vec<u8>>) -> Result<DpopKey, KeyError> {
        let key = SigningKey::from_der(&KeyDer {
            format: Format::Pkcs8,
            der: pkcs8.clone(),
        })?;
        if !DPOP_ALGS.contains(&alg) || !key.fits(alg) {
            return Err(err(format!(
                "a {} key cannot sign DPoP proofs with {}",
                key.kind(),
                alg.name()
            )));
        }
        let jwk = match key.public()? {
            Public::Ec { x, y } => {
                json!({"crv": "P-256", "kty": "EC", "x": b64url(&x), "y": b64url(&y)})
            }
            Public::Okp { x } => json!({"crv": "Ed25519", "kty": "OKP", "x": b64url(&x)}),
            Public::Rsa { n, e } => json!({"e": b64url(&e), "kty": "RSA", "n": b64url(&n)}),
        };
        let jkt = thumbprint(&jwk);
        Ok(DpopKey {
            alg,
            pkcs8,
            key,
            jwk,
            jkt,
        })
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The private key, PKCS#8 DER: for the cache file only.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as a JWK (RFC 7517), with only the required members.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// The JWK SHA-256 thumbprint (RFC 7638): the `jkt` a bound token's `cnf` names.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// A DPoP proof (RFC 9449 §4.2) for one request: `htm` the method, `htu` the URL without
    /// query and fragment, `iat` now, a fresh `jti`; `nonce` when the server gave one, `ath`
    /// (the token's SHA-256, base64url) when the request carries an access token.
    pub fn proof(&self, p: &Proof) -> Result<Zeroizing<String>, KeyError> {
        let mut header = Map::new();
        header.insert("typ".into(), PROOF_TYP.into());
        header.insert("jwk".into(), self.jwk.clone());
        let mut claims = Map::new();
        claims.insert("jti".into(), b64url(&p.jti).into());
        claims.insert("htm".into(), p.method.into());
        claims.insert("htu".into(), htu(p.url).into());
        claims.insert("iat".into(), p.now.into());
        if let Some(n) = p.nonce {
            claims.insert("nonce".into(), n.into());
        }
        if let Some(token) = p.access_token {
            claims.insert("ath".into(), ath(token).into());
        }
        sign(
            &header,
            &Value::Object(claims),
            &Signer::Key(&self.key, self.alg),
        )
    }
}

/// What one proof is for.
pub struct Proof<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub now: u64,
    pub jti: [u8; 16],
    pub nonce: Option<&'a str>,
    pub access_token: Option<&'a str>,
}

/// The `htu` of a request to `url`: the URL without its query and fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// `ath`: base64url of the SHA-256 of the access token (RFC 9449 §4.2).
pub fn ath(token: &str) -> String {
    b64url(digest::digest(&digest::SHA256, token.as_bytes()).as_ref())
}

/// RFC 7638 §3: the SHA-256 of the required members, in lexicographic order, without
/// whitespace (serde_json's maps are ordered by key and print compactly).
fn thumbprint(jwk: &Value) -> String {
    let canonical = serde_json::to_string(jwk).unwrap_or_default();
    b64url(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7638_example_thumbprint() {
        // RFC 7638 §3.1.
        let jwk = json!({
            "e": "AQAB",
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        });
        assert_eq!(
            thumbprint(&jwk),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn htu_drops_query_and_fragment() {
        assert_eq!(htu("https://a/b?c=1#d"), "https://a/b");
        assert_eq!(htu("https://a/b#d?x"), "https://a/b");
        assert_eq!(htu("https://a/b"), "https://a/b");
    }

    #[test]
    fn each_algorithm_makes_a_proof_its_jwk_verifies() {
        for alg in DPOP_ALGS {
            let key = DpopKey::generate(alg).expect("key");
            let again = DpopKey::from_pkcs8(alg, Zeroizing::new(key.pkcs8().to_vec())).expect("k");
            assert_eq!(again.jkt(), key.jkt());
            let proof = key
                .proof(&Proof {
                    method: "GET",
                    url: "https://api.example/r?x=1",
                    now: 1_700_000_000,
                    jti: [3; 16],
                    nonce: Some("n-1"),
                    access_token: Some("tok"),
                })
                .expect("proof");
            let (header, claims) = crate::jws::tests::decode(&proof);
            assert_eq!(header["typ"], "dpop+jwt");
            assert_eq!(header["alg"], alg.name());
            assert_eq!(&header["jwk"], key.jwk());
            assert_eq!(claims["htm"], "GET");
            assert_eq!(claims["htu"], "https://api.example/r");
            assert_eq!(claims["iat"], 1_700_000_000);
            assert_eq!(claims["nonce"], "n-1");
            assert_eq!(claims["ath"], ath("tok"));
            assert_eq!(claims["jti"], b64url(&[3; 16]));
            crate::jws::tests::verify_with_jwk(&proof, key.jwk()).expect("verifies");
            let other = DpopKey::generate(alg).expect("key");
            assert_ne!(other.jkt(), key.jkt());
        }
        assert!(
            DpopKey::from_pkcs8(
                Alg::PS256,
                Zeroizing::new(DpopKey::generate(Alg::ES256).expect("key").pkcs8().to_vec())
            )
            .is_err()
        );
    }
}
