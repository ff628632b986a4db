//! `-v` and `-q`: what tokfetch says on stderr besides the requested output.
//!
//! Verbose lines go through the one stderr sink (`stderr`) like every other stderr line, so a
//! secret or token that slipped into one would still never be shown.

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

/// A `warning:` line on stderr, unless `-q`, with its hints.
pub fn warn(text: &str, hints: &[&str]) {
    if quiet() {
        return;
    }
    crate::stderr::line("tokfetch: warning: ", text);
    for h in hints {
        crate::stderr::line("  hint: ", h);
    }
}

/// Print a `-v` line to stderr (`tokfetch: …`).
#[macro_export]
macro_rules! vlog {
    ($($arg:tt)*) => {
        if $crate::log::verbose() {
            $crate::stderr::line("tokfetch: ", &format!($($arg)*));
        }
    };
}
