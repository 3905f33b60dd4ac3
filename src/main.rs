use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = thema::cli::Cli::parse();
    match thema::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // Errors name files and quote them: never raw control characters.
            let message = format!("{err:#}");
            eprintln!("thema: {}", thema::infra::diagnostic::escape_text(&message));
            ExitCode::from(2)
        }
    }
}
