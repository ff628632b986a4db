//! Just enough DER (X.690) to read when an X.509 certificate expires (RFC 5280 §4.1.2.5), for
//! `doctor`'s TLS check: the certificate is already verified by rustls; this only reads
//! `tbsCertificate.validity.notAfter`. Pure.

use crate::der::element;
use crate::time;

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT Version` at the start of a v2/v3 tbsCertificate.
const VERSION: u8 = 0xa0;

/// When the certificate `der` stops being valid, Unix seconds.
pub fn not_after(der: &[u8]) -> Option<u64> {
    let (SEQUENCE, cert, _) = element(der)? else {
        return None;
    };
    let (SEQUENCE, mut tbs, _) = element(cert)? else {
        return None;
    };
    if tbs.first() == Some(&VERSION) {
        tbs = element(tbs)?.2;
    }
    // serialNumber, signature, issuer: skipped.
    for _ in 0..3 {
        tbs = element(tbs)?.2;
    }
    let (SEQUENCE, validity, _) = element(tbs)? else {
        return None;
    };
    let (_, _, rest) = element(validity)?;
    let (tag, when, _) = element(rest)?;
    let text = std::str::from_utf8(when).ok()?.strip_suffix('Z')?;
    match tag {
        // RFC 5280 §4.1.2.5.1: YY of 50 and above is 19YY.
        UTC_TIME if text.len() == 12 => {
            let century = if text[..2].parse::<u32>().ok()? >= 50 {
                "19"
            } else {
                "20"
            };
            time::from_digits(&format!("{century}{text}"))
        }
        GENERALIZED_TIME => time::from_digits(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_not_after_of_a_real_certificate() {
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.not_after = rcgen::date_time_ymd(2031, 5, 17);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        assert_eq!(not_after(cert.der()), Some(1_936_742_400));
        params.not_after = rcgen::date_time_ymd(2051, 1, 2);
        let cert = params.self_signed(&key).expect("cert");
        assert_eq!(
            not_after(cert.der()).map(time::rfc3339).as_deref(),
            Some("2051-01-02T00:00:00Z")
        );
    }

    #[test]
    fn garbage_is_none() {
        for der in [
            &b""[..],
            b"\x30",
            b"\x30\x84\xff\xff\xff\xff",
            b"\x02\x01\x00",
        ] {
            assert_eq!(not_after(der), None);
        }
    }
}
