//! The tokfetch binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    tokfetch::main_entry()
}
