//! tokfetch: OAuth 2.0 client-credentials tokens for named profiles, from the command line.
//!
//! `main.rs` only calls [`main_entry`]; the library exists so that tests can regenerate the man
//! page and completions from the same clap definition the binary uses.

mod cache;
pub mod cli;
mod commands;
pub mod completions;
pub mod config;
mod credentials;
mod der;
mod endpoint;
pub mod error;
mod fast;
mod fsread;
mod gather;
mod http;
mod jws;
mod jwt;
mod keystore;
mod log;
pub mod oauth;
mod output;
mod perms;
mod provider;
mod proxy;
pub mod redact;
mod response;
mod retry;
pub mod roots;
mod secret;
mod stderr;
mod suggest;
mod time;
mod token;
mod x509;

use std::process::ExitCode;

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
