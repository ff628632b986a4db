//! RSA key generation for PS256 DPoP keys (FIPS 186-5 §A.1.3 in outline): ring signs with RSA
//! keys but does not make them. Two random primes of half the size each (the top two bits set,
//! so that the modulus has exactly `bits` bits), e = 65537, the CRT values, in the PKCS#8
//! framing ring reads.

use num_bigint::BigUint;
use num_traits::{One, Zero};
use zeroize::Zeroizing;

use super::pem::OID_RSA;
use super::{KeyError, random};

/// The public exponent (RFC 8017 §3.1; what every RSA key of the last 25 years has).
const E: u32 = 65_537;

/// Miller–Rabin rounds: an error probability below 2^-100 for random 1024-bit candidates
/// (FIPS 186-5 Table B.1 asks for 4–5 for these sizes; more costs little).
const ROUNDS: usize = 16;

/// Small primes for trial division before Miller–Rabin.
const SMALL_PRIMES: [u32; 53] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251,
];

/// A new RSA private key of `bits` bits (a multiple of 16), PKCS#8 DER.
pub fn generate_pkcs8(bits: usize) -> Result<Vec<u8>, KeyError> {
    let e = BigUint::from(E);
    loop {
        let p = prime(bits / 2)?;
        let q = prime(bits / 2)?;
        if p == q {
            continue;
        }
        let (p, q) = if p > q { (p, q) } else { (q, p) };
        let one = BigUint::one();
        let (p1, q1) = (&p - &one, &q - &one);
        let phi = &p1 * &q1;
        let Some(d) = e.modinv(&phi) else {
            continue;
        };
        let n = &p * &q;
        if n.bits() as usize != bits {
            continue;
        }
        let Some(qinv) = q.modinv(&p) else {
            continue;
        };
        let (dp, dq) = (&d % &p1, &d % &q1);
        let mut key = Zeroizing::new(Vec::new());
        for v in [&BigUint::zero(), &n, &e, &d, &p, &q, &dp, &dq, &qinv] {
            key.extend(integer(v));
        }
        let rsa_private_key = Zeroizing::new(tlv(0x30, &key));
        let algorithm = tlv(0x30, &[tlv(0x06, OID_RSA), vec![0x05, 0x00]].concat());
        let info = Zeroizing::new(
            [
                integer(&BigUint::zero()),
                algorithm,
                tlv(0x04, &rsa_private_key),
            ]
            .concat(),
        );
        return Ok(tlv(0x30, &info));
    }
}

/// A random prime of exactly `bits` bits, its top two bits set.
fn prime(bits: usize) -> Result<BigUint, KeyError> {
    let bytes = bits / 8;
    loop {
        let mut buf = Zeroizing::new(vec![0u8; bytes]);
        for chunk in buf.chunks_mut(32) {
            let r: [u8; 32] = random()?;
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
        buf[0] |= 0xc0;
        buf[bytes - 1] |= 1;
        let candidate = BigUint::from_bytes_be(&buf);
        if probably_prime(&candidate)? {
            return Ok(candidate);
        }
    }
}

/// Trial division, then Miller–Rabin with random bases.
fn probably_prime(n: &BigUint) -> Result<bool, KeyError> {
    for &sp in &SMALL_PRIMES {
        if (n % sp).is_zero() {
            return Ok(false);
        }
    }
    let one = BigUint::one();
    let two = BigUint::from(2u32);
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    let len = n.to_bytes_be().len();
    'rounds: for _ in 0..ROUNDS {
        let mut raw = vec![0u8; len];
        for chunk in raw.chunks_mut(32) {
            let r: [u8; 32] = random()?;
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
        // A base in [2, n - 2].
        let a = BigUint::from_bytes_be(&raw) % (n - 3u32) + &two;
        let mut x = a.modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&two, n);
            if x == n1 {
                continue 'rounds;
            }
        }
        return Ok(false);
    }
    Ok(true)
}

/// A DER INTEGER holding a non-negative value.
fn integer(v: &BigUint) -> Vec<u8> {
    let mut bytes = v.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    tlv(0x02, &bytes)
}

/// A DER element: tag, definite length, contents.
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (be.len() - skip) as u8);
        out.extend(&be[skip..]);
    }
    out.extend(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers_are_told_apart() {
        for p in [257u32, 65_537, 2_147_483_647] {
            assert!(probably_prime(&BigUint::from(p)).expect("random"), "{p}");
        }
        for c in [255u32, 65_535, 561 * 1_000_003] {
            assert!(!probably_prime(&BigUint::from(c)).expect("random"), "{c}");
        }
    }

    #[test]
    fn tlv_lengths() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![4, 2, 1, 2]);
        assert_eq!(&tlv(0x04, &[0; 300])[..4], &[4, 0x82, 1, 44]);
        assert_eq!(integer(&BigUint::from(128u32)), vec![2, 2, 0, 128]);
        assert_eq!(integer(&BigUint::zero()), vec![2, 1, 0]);
    }
}
