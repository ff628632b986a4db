//! Keys of every format read and sign, signatures verified with ring; pinned outputs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair};

use super::*;
use crate::der::element;

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
    let e =
        SigningKey::from_der(&private_key_der(p384.as_bytes()).expect("pem")).expect_err("refused");
    assert!(e.0.contains("other than P-256"), "{e}");
}

#[test]
fn thumbprints_are_base64url_digests() {
    let (s256, s1) = thumbprints(b"abc");
    assert_eq!(s256, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    assert_eq!(s1, "qZk-NkcGgWq6PiVxeFDCbJzQ2J0");
}

/// A compact JWS's header and claims.
pub fn decode(jwt: &str) -> (serde_json::Value, serde_json::Value) {
    parts(jwt)
}

/// Verify a JWS with the public key a JWK gives (EC P-256, OKP Ed25519 or RSA with PS256).
pub fn verify_with_jwk(jwt: &str, jwk: &serde_json::Value) -> Result<(), String> {
    let b = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(jwk[name].as_str().unwrap_or(""))
            .map_err(|e| e.to_string())
    };
    let (input, sig) = jwt.rsplit_once('.').ok_or("not a JWS")?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?;
    let ok = match jwk["kty"].as_str() {
        Some("EC") => {
            let point = [&[4u8][..], &b("x")?, &b("y")?].concat();
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
        }
        Some("OKP") => signature::UnparsedPublicKey::new(&signature::ED25519, b("x")?)
            .verify(input.as_bytes(), &sig),
        Some("RSA") => signature::RsaPublicKeyComponents {
            n: b("n")?,
            e: b("e")?,
        }
        .verify(&signature::RSA_PSS_2048_8192_SHA256, input.as_bytes(), &sig),
        other => return Err(format!("kty {other:?}")),
    };
    ok.map_err(|_| "bad signature".to_string())
}
