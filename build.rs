//! Passes the target triple through to the crate, so `tokfetch --version` can say which build
//! it is (a static musl binary, the glibc one, a Windows .exe): cargo gives build scripts
//! `TARGET`, but not the crate itself.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=TOKFETCH_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
