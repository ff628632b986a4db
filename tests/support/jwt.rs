//! Test keys (tests/keys/*.pem, made with openssl for these tests only) and JWTs: decoding,
//! verifying what tokfetch signs with ring (as a server would), and minting identity tokens the
//! way a CI platform's issuer does, with its JWKS.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::{Value, json};

pub const RSA_A: &str = include_str!("../keys/rsa-a.pem");
/// The same key as [`RSA_A`], as PKCS#1 (`RSA PRIVATE KEY`).
pub const RSA_A_PKCS1: &str = include_str!("../keys/rsa-a.pkcs1.pem");
pub const RSA_B: &str = include_str!("../keys/rsa-b.pem");
pub const EC: &str = include_str!("../keys/ec.pem");
/// The same key as [`EC`], as SEC1 (`EC PRIVATE KEY`).
pub const EC_SEC1: &str = include_str!("../keys/ec.sec1.pem");
pub const ED25519: &str = include_str!("../keys/ed25519.pem");
pub const EC_P384: &str = include_str!("../keys/ec-p384.pem");
pub const RSA_1024: &str = include_str!("../keys/rsa-1024.pem");
/// A 4096-bit RSA key (PKCS#8, 3,268 bytes): more than one Windows Credential Manager entry
/// holds, so the keyring tests see it split and joined (README "Big secrets").
pub const RSA_4096: &str = include_str!("../keys/rsa-4096.pem");
/// The CI platform's signing key in the federation tests.
pub const ISSUER: &str = include_str!("../keys/issuer.pem");

pub const ALL_KEYS: &[&str] = &[
    RSA_A,
    RSA_A_PKCS1,
    RSA_B,
    EC,
    EC_SEC1,
    ED25519,
    EC_P384,
    RSA_1024,
    RSA_4096,
    ISSUER,
];

/// The base64 lines of every test key: no part of a key may appear in any output either.
pub fn key_lines() -> Vec<String> {
    ALL_KEYS
        .iter()
        .flat_map(|k| k.lines())
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_string)
        .collect()
}

/// The DER inside a PEM.
pub fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM base64")
}

/// The header and claims of a compact JWS.
pub fn decode(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut next = || -> Value {
        let part = parts.next().expect("JWS part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    (next(), next())
}

/// Check `jwt`'s signature with the public half of `pem` (PKCS#8), for the `alg` it names.
pub fn verify(jwt: &str, pem: &str) -> Result<(), String> {
    let (header, _) = decode(jwt);
    let (input, sig) = jwt.rsplit_once('.').ok_or("not a JWS")?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?;
    let der = der(pem);
    let (alg, public): (&dyn signature::VerificationAlgorithm, Vec<u8>) =
        match header["alg"].as_str() {
            Some("RS256") => (
                &signature::RSA_PKCS1_2048_8192_SHA256,
                rsa(&der).public_key().as_ref().to_vec(),
            ),
            Some("PS256") => (
                &signature::RSA_PSS_2048_8192_SHA256,
                rsa(&der).public_key().as_ref().to_vec(),
            ),
            Some("ES256") => (
                &signature::ECDSA_P256_SHA256_FIXED,
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                    &SystemRandom::new(),
                )
                .expect("EC key")
                .public_key()
                .as_ref()
                .to_vec(),
            ),
            Some("EdDSA") => (
                &signature::ED25519,
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
                    .expect("Ed25519 key")
                    .public_key()
                    .as_ref()
                    .to_vec(),
            ),
            other => return Err(format!("unexpected alg {other:?}")),
        };
    signature::UnparsedPublicKey::new(alg, public)
        .verify(input.as_bytes(), &sig)
        .map_err(|_| "bad signature".to_string())
}

fn rsa(pkcs8: &[u8]) -> RsaKeyPair {
    RsaKeyPair::from_pkcs8(pkcs8).expect("RSA key")
}

/// An RS256 JWT signed with `pem` (PKCS#8 RSA), `kid` in its header.
pub fn sign_rs256(pem: &str, kid: &str, claims: &Value) -> String {
    let key = rsa(&der(pem));
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": "RS256", "typ": "JWT", "kid": kid})),
        b64(claims)
    );
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// The public JWK of `pem` (PKCS#8 RSA), as an issuer publishes it in its JWKS.
pub fn rsa_jwk(pem: &str, kid: &str) -> Value {
    let key = rsa(&der(pem));
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    let public = key.public_key().as_ref().to_vec();
    let (n, rest) = der_integer(&public[header_len(&public)..]);
    let (e, _) = der_integer(rest);
    json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
           "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e)})
}

/// Verify an RS256 `jwt` against a JWKS, picking the key by `kid`; the claims when it holds.
pub fn verify_with_jwks(jwt: &str, jwks: &Value) -> Result<Value, String> {
    let (header, claims) = decode(jwt);
    if header["alg"] != "RS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let keys = jwks["keys"].as_array().ok_or("no keys")?;
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .ok_or("no key with that kid")?;
    let part = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(jwk[name].as_str().unwrap_or(""))
            .map_err(|e| e.to_string())
    };
    let (input, sig) = jwt.rsplit_once('.').ok_or("not a JWS")?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?;
    signature::RsaPublicKeyComponents {
        n: part("n")?,
        e: part("e")?,
    }
    .verify(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        input.as_bytes(),
        &sig,
    )
    .map_err(|_| "bad signature".to_string())?;
    Ok(claims)
}

fn header_len(der: &[u8]) -> usize {
    if der[1] < 0x80 {
        2
    } else {
        2 + usize::from(der[1] & 0x7f)
    }
}

/// One DER INTEGER's magnitude (leading zero dropped), and what follows it.
fn der_integer(der: &[u8]) -> (&[u8], &[u8]) {
    assert_eq!(der[0], 0x02, "INTEGER");
    let h = header_len(der);
    let len = if der[1] < 0x80 {
        usize::from(der[1])
    } else {
        der[2..h].iter().fold(0, |a, b| a << 8 | usize::from(*b))
    };
    let value = &der[h..h + len];
    let value = value.strip_prefix(&[0]).unwrap_or(value);
    (value, &der[h + len..])
}

/// Unix seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}
