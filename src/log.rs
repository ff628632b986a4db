//! `-v` and `-q`: what tokfetch says on stderr besides the requested output.
//!
//! Verbose lines pass through the redactor like every other stderr line, so a secret or token
//! that slipped into one would still never be shown.

use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn init(verbose: bool, quiet: bool) {
    VERBOSE.store(verbose, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Print a `-v` line to stderr (`tokfetch: …`).
macro_rules! vlog {
    ($($arg:tt)*) => {
        if $crate::log::verbose() {
            eprintln!(
                "tokfetch: {}",
                $crate::redact::for_terminal(&format!($($arg)*))
            );
        }
    };
}

/// Crate-private: `use crate::log::vlog;` (not exported from the published crate).
pub(crate) use vlog;
