pub fn run(_c: Option<&std::path::Path>, _a: crate::cli::DoctorArgs) -> anyhow::Result<std::process::ExitCode> { todo!() }
