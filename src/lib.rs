//! tokfetch: OAuth 2.0 client-credentials tokens for named profiles, from the command line.
//!
//! `main.rs` only calls [`main_entry`]; the library exists so that tests can regenerate the man
//! page and completions from the same clap definition the binary uses.

mod cache;
mod cli;
mod commands;
mod completions;
mod config;
mod credentials;
mod der;
mod endpoint;
mod error;
mod fast;
mod format;
mod fsread;
mod gather;
mod http;
mod jws;
mod jwt;
mod keystore;
mod log;
mod login;
mod oauth;
mod output;
mod perms;
mod provider;
mod proxy;
mod redact;
mod request;
mod response;
mod retry;
mod roots;
mod secret;
mod stderr;
mod subprocess;
mod suggest;
mod time;
mod token;
mod x509;

use std::process::ExitCode;

/// What the integration tests and the man-page/completion generators reach inside the crate,
/// and nothing else. `#[doc(hidden)]`: tokfetch is a binary; its library has no public API, and
/// this is not one (ARCHITECTURE.md, "The public surface"). Every module stays private, so the
/// compiler still reports dead code and no test can grow a dependency on internals unseen.
#[doc(hidden)]
pub mod testing {
    pub use crate::cli::command;
    pub use crate::completions::script as completions;
    pub use crate::error::EXIT_STATUS;
    pub use crate::roots::Locations;

    /// The config parser (property tests: arbitrary text never panics).
    pub mod config {
        pub use crate::config::parse;
    }

    /// The token-response parsers (property tests).
    pub mod oauth {
        pub use crate::oauth::{MAX_EXPIRES_IN, is_b64token, parse_error, parse_token};
    }

    /// The redactor (property tests: no encoding of a secret survives).
    pub mod redact {
        pub use crate::redact::{MIN_LEN, basic_forms, escape_controls, forms, redact_all};
    }
}

use clap::Parser;

/// Parse the command line, run it, print any error as `tokfetch: error: …`, return the exit code.
pub fn main_entry() -> ExitCode {
    // Exit 1 as README "Exit codes" says, rather than unwinding or aborting (release builds
    // abort).
    std::panic::set_hook(Box::new(|info| error::panic_exit(info.location())));
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if let Some(code) = fast::try_cached(&args) {
        return code;
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return error::clap_error(&e),
    };
    log::init(cli.verbose, cli.quiet);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => error::report(&e),
    }
}
