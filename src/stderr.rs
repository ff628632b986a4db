//! The one stderr sink (README "Security model"): every line tokfetch writes to stderr —
//! errors, hints, warnings, notes, `-v`, keyring backend errors, prompts — passes through
//! here, and here alone it is cleaned: every registered secret redacted in every encoding and
//! control characters escaped ([`redact::for_terminal`]). Nothing else in the crate writes to
//! stderr (`tests/architecture.rs` checks it).
//!
//! The only text that is not cleaned is a `&'static str` style prefix, which can only be a
//! literal of tokfetch's own (colour codes of the error label).

use std::io::Write;

use crate::redact;

/// Write `prefix` (tokfetch's own literal, e.g. a coloured `error:` label) and then `text`,
/// cleaned, as one line.
pub fn line(prefix: &'static str, text: &str) {
    let cleaned = redact::for_terminal(text);
    let mut err = std::io::stderr().lock();
    // A closed or full stderr is nothing to fail over: the exit status still says what happened.
    let _ = writeln!(err, "{prefix}{cleaned}");
}

/// A block of several lines (a report that must not go to stdout), each line cleaned.
pub fn block(text: &str) {
    let mut err = std::io::stderr().lock();
    for l in text.lines() {
        let _ = writeln!(err, "{}", redact::for_terminal(l));
    }
}

/// A prompt: cleaned, no newline, flushed so it shows before the answer is read.
pub fn prompt(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", redact::for_terminal(text));
    let _ = err.flush();
}
