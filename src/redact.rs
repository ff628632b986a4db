//! Redaction (README "Security model"): every secret of the run is registered here where it is
//! read or received, and every line tokfetch writes to stderr passes through [`clean`], which
//! replaces each registered secret with `[redacted]` in every form a server may echo it:
//!
//! - raw;
//! - percent-encoded, upper- or lower-case hex, any set of characters escaped, space as `+` or
//!   `%20` (RFC 3986 §2.1, WHATWG `application/x-www-form-urlencoded`);
//! - JSON-string-escaped (RFC 8259 §7: `\"`, `\\`, `\/`, `\n`…, `\uXXXX` in either case,
//!   surrogate pairs);
//! - base64 of an HTTP Basic credential in either form (raw `id:secret`, or both parts
//!   form-encoded first, RFC 6749 §2.3.1), registered whole by [`register_basic`].
//!
//! One matcher handles the first three together, character by character, so mixtures (a JSON
//! body quoting a form-encoded secret) are caught too. Control characters are escaped by
//! [`escape_controls`] so that nothing printed can move the cursor or recolour the terminal.
//!
//! Secrets shorter than [`MIN_LEN`] characters are not redacted: replacing every `a` in a
//! message would make it unreadable, and such a value protects nothing.

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

/// What replaces a secret.
pub const MARK: &str = "[redacted]";

/// Shorter secrets are not redacted (see the module comment).
pub const MIN_LEN: usize = 4;

static SECRETS: Mutex<Vec<Zeroizing<String>>> = Mutex::new(Vec::new());

/// Remember `secret` for the rest of the run: it will never be printed on stderr, raw, in any
/// encoding the matcher knows, or as base64 in either alphabet, padded or not (README "Security
/// model").
pub fn register(secret: &str) {
    if secret.chars().count() < MIN_LEN {
        return;
    }
    let Ok(mut all) = SECRETS.lock() else { return };
    if all.iter().any(|s| s.as_str() == secret) {
        return;
    }
    for form in forms(secret) {
        if !all.iter().any(|s| s.as_str() == form.as_str()) {
            all.push(form);
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Everything [`register`] registers for `secret`: the value and its base64 forms (pure: the
/// property tests check that none of them survives [`redact_all`]).
pub fn forms(secret: &str) -> Vec<Zeroizing<String>> {
    let mut out = vec![Zeroizing::new(secret.to_string())];
    out.extend(base64_forms(secret));
    out
}

/// The base64 of `secret`: standard and URL-safe alphabets, padded and not (RFC 4648 §4, §5).
pub fn base64_forms(secret: &str) -> Vec<Zeroizing<String>> {
    let mut out: Vec<Zeroizing<String>> = Vec::with_capacity(4);
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        let form = Zeroizing::new(engine.encode(secret.as_bytes()));
        if !out.iter().any(|f| f.as_str() == form.as_str()) {
            out.push(form);
        }
    }
    out
}

/// Register a bearer credential sent as `Authorization: Bearer <token>` (the CI request token):
/// the token, and the base64 of the whole header value a server might echo.
pub fn register_bearer(token: &str) {
    register(token);
    if token.chars().count() >= MIN_LEN {
        register(&Zeroizing::new(format!("Bearer {token}")));
    }
}

/// Register a compact JWS (a signed assertion): the whole of it and its signature segment on
/// its own, which a server may quote apart from the rest.
pub fn register_jws(jws: &str) {
    register(jws);
    if let Some((_, signature)) = jws.rsplit_once('.') {
        register(signature);
    }
}

/// Register a PEM document (a private key): the text as read and trimmed, the base64 body in
/// one piece, and each of its lines, so that no part of the key can be shown either.
pub fn register_pem(pem: &str) {
    register(pem);
    register(pem.trim());
    let body: Vec<&str> = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----") && !l.contains(':'))
        .collect();
    register(&Zeroizing::new(body.concat()));
    for line in body {
        if line.len() >= 16 {
            register(line);
        }
    }
}

/// Register a Basic credential: the secret itself, and the base64 of both forms of the pair.
pub fn register_basic(client_id: &str, secret: &str) {
    for form in basic_forms(client_id, secret) {
        register(&form);
    }
}

/// The secret and the base64 of both HTTP Basic forms of `client_id:secret` (raw, and each
/// part form-encoded first, RFC 6749 §2.3.1), padded and not.
pub fn basic_forms(client_id: &str, secret: &str) -> Vec<Zeroizing<String>> {
    let raw = Zeroizing::new(format!("{client_id}:{secret}"));
    let encoded = Zeroizing::new(format!(
        "{}:{}",
        crate::oauth::form_encode(client_id),
        Zeroizing::new(crate::oauth::form_encode(secret)).as_str()
    ));
    let mut out = vec![Zeroizing::new(secret.to_string())];
    for pair in [raw, encoded] {
        out.push(Zeroizing::new(STANDARD.encode(pair.as_bytes())));
        out.push(Zeroizing::new(STANDARD_NO_PAD.encode(pair.as_bytes())));
    }
    out
}

/// `text` with every registered secret replaced by [`MARK`], in every encoding.
pub fn clean(text: &str) -> String {
    let Ok(all) = SECRETS.lock() else {
        return text.to_string();
    };
    let secrets: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
    redact_all(text, &secrets)
}

/// `text` with each of `secrets` replaced, in every encoding (pure; [`clean`] uses the registry).
pub fn redact_all(text: &str, secrets: &[&str]) -> String {
    // Longest first, so that a secret containing another is replaced whole.
    let mut secrets = secrets.to_vec();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in secrets {
        if secret.chars().count() >= MIN_LEN {
            out = redact_one(&out, secret);
        }
    }
    out
}

fn redact_one(text: &str, secret: &str) -> String {
    let units: Vec<char> = secret.chars().collect();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Only start at character boundaries; a match always ends on one.
        if text.is_char_boundary(i)
            && let Some(end) = match_at(bytes, i, &units)
        {
            out.push_str(&text[copied..i]);
            out.push_str(MARK);
            copied = end;
            i = end;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// If `secret` (as chars) is encoded in `text` starting at `at`, where the encoding ends.
///
/// A character may match in several ways (a `%` raw or as `%25`; a backslash raw or as `\\`),
/// so every way is followed: the set of positions reachable after each character is kept, which
/// stays small and never backtracks exponentially.
fn match_at(text: &[u8], at: usize, secret: &[char]) -> Option<usize> {
    let mut reach = vec![at];
    let mut next = Vec::new();
    for &c in secret {
        next.clear();
        for &pos in &reach {
            match_char(text, pos, c, &mut next);
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            return None;
        }
        std::mem::swap(&mut reach, &mut next);
    }
    reach.last().copied()
}

/// Every position after one character of a secret matched at `pos`, in any of its forms.
fn match_char(text: &[u8], pos: usize, c: char, ends: &mut Vec<usize>) {
    if text.get(pos) == Some(&b'\\')
        && let Some(end) = match_json_escape(text, pos, c)
    {
        ends.push(end);
    }
    if c == ' ' && text.get(pos) == Some(&b'+') {
        ends.push(pos + 1);
    }
    let mut utf8 = [0u8; 4];
    let encoded = c.encode_utf8(&mut utf8).as_bytes();
    // Each UTF-8 byte raw or percent-encoded, independently: follow both where both fit.
    let mut here = vec![pos];
    for &b in encoded {
        let mut after = Vec::with_capacity(2);
        for &p in &here {
            if text.get(p) == Some(&b) {
                after.push(p + 1);
            }
            if text.get(p) == Some(&b'%')
                && let (Some(hi), Some(lo)) = (
                    text.get(p + 1).copied().and_then(hex),
                    text.get(p + 2).copied().and_then(hex),
                )
                && hi * 16 + lo == b
            {
                after.push(p + 3);
            }
        }
        if after.is_empty() {
            return;
        }
        here = after;
    }
    ends.extend(here);
}

/// A JSON escape of `c` at `pos` (which holds a backslash).
fn match_json_escape(text: &[u8], pos: usize, c: char) -> Option<usize> {
    let next = *text.get(pos + 1)?;
    let short = match next {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        _ => None,
    };
    if let Some(s) = short {
        return (s == c).then_some(pos + 2);
    }
    if next != b'u' {
        return None;
    }
    let first = u16_at(text, pos + 2)?;
    if u32::from(first) == c as u32 {
        return Some(pos + 6);
    }
    // A surrogate pair for characters outside the Basic Multilingual Plane.
    let mut pair = [0u16; 2];
    if c.encode_utf16(&mut pair).len() == 2 && first == pair[0] {
        if text.get(pos + 6) != Some(&b'\\') || text.get(pos + 7) != Some(&b'u') {
            return None;
        }
        let second = u16_at(text, pos + 8)?;
        return (second == pair[1]).then_some(pos + 12);
    }
    None
}

/// Four hex digits at `at`, either case.
fn u16_at(text: &[u8], at: usize) -> Option<u16> {
    let mut v: u16 = 0;
    for i in 0..4 {
        v = v * 16 + u16::from(hex(*text.get(at + i)?)?);
    }
    Some(v)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Control characters (C0, DEL, C1) escaped as `\n`, `\u{1b}`…, so that text from outside, or a
/// name the user typed, can never move the cursor or recolour the terminal.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// What may be shown on stderr: registered secrets redacted, control characters escaped.
pub fn for_terminal(text: &str) -> String {
    escape_controls(&clean(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str, secret: &str) -> String {
        redact_all(text, &[secret])
    }

    #[test]
    fn raw_and_every_percent_form() {
        let s = "p@ss w0rd/é";
        for text in [
            "x p@ss w0rd/é y",
            "x p%40ss+w0rd%2F%C3%A9 y",
            "x p%40ss%20w0rd%2f%c3%a9 y",
            "x p%40ss w0rd/%C3%a9 y",
            "x %70%40%73%73+w0rd/é y",
        ] {
            assert_eq!(r(text, s), "x [redacted] y", "{text}");
        }
    }

    #[test]
    fn json_escapes_in_every_style() {
        let s = "a\"b\\c/dé😀";
        for text in [
            r#"{"m":"a\"b\\c/dé😀"}"#,
            r#"{"m":"a\"b\\c\/d\u00e9\ud83d\ude00"}"#,
            r#"{"m":"a\u0022b\u005Cc\u002fd\u00E9\uD83D\uDE00"}"#,
        ] {
            assert_eq!(r(text, s), r#"{"m":"[redacted]"}"#, "{text}");
        }
    }

    #[test]
    fn base64_of_both_basic_forms() {
        register_basic("my id", "s3cr3t pass");
        let raw = STANDARD.encode("my id:s3cr3t pass");
        let enc = STANDARD.encode("my+id:s3cr3t+pass");
        let out = clean(&format!("got Basic {raw} and {enc}!"));
        assert_eq!(out, "got Basic [redacted] and [redacted]!");
    }

    #[test]
    fn a_secret_inside_another_is_replaced_whole() {
        let out = redact_all("k=abcd-efgh", &["abcd-efgh", "abcd"]);
        assert_eq!(out, "k=[redacted]");
        let out = redact_all("k=abcd-efgh", &["abcd", "abcd-efgh"]);
        assert_eq!(out, "k=[redacted]");
        // The registry sorts longest first, so the order of registration does not matter.
        register("wxyz");
        register("wxyz-long-one");
        assert_eq!(clean("k=wxyz-long-one"), "k=[redacted]");
    }

    #[test]
    fn percent_and_backslash_match_raw_or_encoded_whichever_fits() {
        let s = "p@ss w0rd+%\"é\\/😀z";
        let t = "x=p%40ss+w0rd%2B%25%22%C3%A9%5C%2F%F0%9F%98%80z!";
        assert_eq!(r(t, s), "x=[redacted]!");
        assert_eq!(r("a%25b", "a%25b"), "[redacted]");
        assert_eq!(r("a%2525b", "a%25b"), "[redacted]");
        assert_eq!(
            r(r"ab\\\\c and ab\\c", r"ab\\c"),
            "[redacted] and [redacted]"
        );
        // Many ambiguous characters stay cheap.
        let pct = "%".repeat(200);
        assert_eq!(r(&"%25".repeat(200), &pct), "[redacted]");
    }

    #[test]
    fn short_values_and_near_misses_are_left_alone() {
        assert_eq!(r("abc abc", "abc"), "abc abc");
        assert_eq!(r("p%4", "p@ss"), "p%4");
        assert_eq!(r("p%4Gss", "p@ss"), "p%4Gss");
        assert_eq!(r(r"p\u004", "p@ss"), r"p\u004");
        assert_eq!(r("ééé", "éééé"), "ééé");
    }

    #[test]
    fn every_part_of_a_pem_key_is_redacted() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\nAASCBKcwggSjAgEAAoIBAQDHwfUD\n-----END PRIVATE KEY-----\n";
        register_pem(pem);
        assert_eq!(clean(&format!("a {pem} b")), "a [redacted] b");
        assert_eq!(clean("x AASCBKcwggSjAgEAAoIBAQDHwfUD y"), "x [redacted] y");
        assert_eq!(
            clean("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDHwfUD"),
            "[redacted]"
        );
        assert_eq!(
            clean("-----BEGIN PRIVATE KEY-----"),
            "-----BEGIN PRIVATE KEY-----"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("a\x1b[31mb\r\n"), "a\\u{1b}[31mb\\r\\n");
        assert_eq!(escape_controls("plain"), "plain");
        assert_eq!(escape_controls("\u{9b}x"), "\\u{9b}x");
    }
}
