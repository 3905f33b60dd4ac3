use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a large review is a million small strings, made on several
/// threads at start-up. mimalloc backs them with transparent huge pages, so
/// far fewer page faults: the cached start at 100,000 papers went from
/// ~0.5-1 s to ~0.2 s to the first frame (benches/startup.rs), for ~5% more
/// peak memory. Its v2: v3 made the cold start (sources parsed) ~30% slower
/// here, v2 leaves it as it was.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
