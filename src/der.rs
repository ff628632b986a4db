//! One DER element (ITU-T X.690 §8.1): tag, length, contents. What the key reader (`jws`) and
//! the certificate reader (`x509`) both walk; nothing else of ASN.1 is needed here. Pure. Leaf.

/// One DER element at the start of `input`: its tag, its contents and what follows it.
pub fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::element;

    #[test]
    fn short_and_long_lengths_and_what_follows() {
        assert_eq!(
            element(&[0x02, 0x01, 0x05, 0xff]),
            Some((0x02, &[0x05][..], &[0xff][..]))
        );
        let long = [&[0x04, 0x81, 0x03][..], &[1, 2, 3]].concat();
        assert_eq!(element(&long), Some((0x04, &[1, 2, 3][..], &[][..])));
        assert_eq!(element(&[0x04, 0x05, 1]), None, "shorter than its length");
        assert_eq!(element(&[0x04, 0x80]), None, "indefinite length");
        assert_eq!(element(&[0x04]), None);
    }
}
