use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = thema::cli::Cli::parse();
    match thema::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("thema: {err:#}");
            ExitCode::from(2)
        }
    }
}
