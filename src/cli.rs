//! The command line: the TUI by default, and headless commands that print the
//! same numbers for scripts and papers.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::app::App;
use crate::check;
use crate::codings::{Codings, Lock};
use crate::config::CONFIG_FILE;
use crate::review::Review;
use crate::tally;
use crate::theme::Theme;

#[derive(Debug, Parser)]
#[command(
    name = "thema",
    version,
    about = "A terminal workbench for evidence synthesis: code included studies with themes, watch the tally.",
    long_about = "A terminal workbench for evidence synthesis.\n\nWith no command, opens the coding workbench on the review in --review DIR (default: the current folder)."
)]
pub struct Cli {
    /// The review folder (holding config.toml).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub review: PathBuf,
    /// Whose codings to open: --reviewer, else $THEMA_REVIEWER, else $USER.
    #[arg(long, global = true, value_name = "NAME")]
    pub reviewer: Option<String>,
    /// Colour theme; NO_COLOR in the environment also selects mono.
    #[arg(long, value_enum, default_value_t = ThemeName::Color)]
    pub theme: ThemeName,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ThemeName {
    Color,
    Mono,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the thematic tally: studies per factor, % of included papers.
    Tally {
        #[arg(long, value_enum, default_value_t = TallyFormat::Table)]
        format: TallyFormat,
    },
    /// Validate config, sources and codings; exit non-zero on errors.
    Check {
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Create a new review folder with a commented starter config.toml.
    Init {
        /// Folder to create (may exist, but must not hold a config.toml).
        dir: PathBuf,
        /// A reference file to include; copied into DIR/data/. Repeatable.
        #[arg(long = "source", value_name = "FILE")]
        sources: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TallyFormat {
    Table,
    Csv,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// Runs the command line; the `u8` is the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        None => {
            open_workbench(&cli.review, cli.reviewer.as_deref(), cli.theme)?;
            Ok(0)
        }
        Some(Command::Tally { format }) => {
            let review = open_review(&cli.review)?;
            let reviewer = resolve_reviewer(cli.reviewer.as_deref())?;
            let path = Codings::path(&review.config.codings_dir, &reviewer);
            let codings = Codings::load(&path, &reviewer)?;
            let t = tally::compute(&review.config.factors, &review.papers, &codings);
            let out = match format {
                TallyFormat::Table => t.to_table(),
                TallyFormat::Csv => t.to_csv(),
                TallyFormat::Markdown => t.to_markdown(),
                TallyFormat::Json => t.to_json(),
            };
            print!("{out}");
            Ok(0)
        }
        Some(Command::Check { format }) => {
            let report = check::check(&cli.review);
            match format {
                CheckFormat::Text => print!("{}", report.to_text()),
                CheckFormat::Json => print!("{}", report.to_json()),
            }
            Ok(if report.errors() > 0 { 1 } else { 0 })
        }
        Some(Command::Init { dir, sources }) => {
            init(&dir, &sources)?;
            Ok(0)
        }
    }
}

fn open_review(dir: &Path) -> Result<Review> {
    Review::open(dir).map_err(|d| anyhow!("{d}"))
}

/// --reviewer, else THEMA_REVIEWER, else USER (LOGNAME, then `reviewer`);
/// must be usable as a file name.
pub fn resolve_reviewer(flag: Option<&str>) -> Result<String> {
    let name = flag
        .map(str::to_string)
        .or_else(|| {
            std::env::var("THEMA_REVIEWER")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("USER").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("LOGNAME").ok().filter(|s| !s.is_empty()))
        // A container or CI shell may set neither; a shared default beats refusing to open.
        .unwrap_or_else(|| "reviewer".to_string());
    let ok = !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        bail!(
            "reviewer name `{name}` must be letters, digits, `-`, `_` or `.` (it names the codings file)"
        );
    }
    Ok(name)
}

fn open_workbench(dir: &Path, reviewer: Option<&str>, theme: ThemeName) -> Result<()> {
    let review = open_review(dir)?;
    let reviewer = resolve_reviewer(reviewer)?;
    let codings_dir = review.config.codings_dir.clone();
    let lock = Lock::acquire(&codings_dir, &reviewer)?;
    let path = Codings::path(&codings_dir, &reviewer);
    let codings = Codings::load(&path, &reviewer)?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let orphans = check::orphans(&review, &codings, &path.display().to_string(), &text);
    let skipped = review.warnings.len();
    let mut app = App::new(review, codings);
    if let Some(pid) = &lock.took_over_from {
        app.set_notice(format!("took over a stale lock left by pid {pid}"), true);
    } else if !orphans.is_empty() {
        app.set_notice(
            format!(
                "{} codings refer to papers or factors not in the review; kept (see thema check)",
                orphans.len()
            ),
            true,
        );
    } else if skipped > 0 {
        app.set_notice(
            format!("{skipped} source problems; records skipped (see thema check)"),
            true,
        );
    }
    let theme = Theme::from_env(matches!(theme, ThemeName::Mono));
    crate::tui::run(app, path, lock, theme)
}

const STARTER_CONFIG: &str = r#"# thema review. Paths are relative to this folder.
# Docs: run `thema --help`; `thema check` validates this file.

# Where each reviewer's codings file (<reviewer>.toml) lives.
codings_dir = "data/codings"

[review]
title = "{title}"
# short_title = "Smith 2026"     # shown in the status line
question = ""

# One [[sources]] entry per reference file, exactly as exported.
# `format` is detected from the content; set it to override (ris, refworks).
{sources}
# The codebook: one [[factors]] entry per theme. `key` toggles it while coding.
# origin is "a-priori" (planned) or "emergent" (arose while coding).
#
# [[factors]]
# id = "communication"
# label = "Communication"
# key = "1"
# definition = "Good communication between providers"
# origin = "a-priori"
"#;

fn init(dir: &Path, sources: &[PathBuf]) -> Result<()> {
    let config = dir.join(CONFIG_FILE);
    if config.exists() {
        bail!(
            "{} already exists; thema init never overwrites a review",
            config.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut entries = String::new();
    let mut report = Vec::new();
    for source in sources {
        let (format, parsed) = crate::import::read_file(source, None)?;
        let name = source
            .file_name()
            .ok_or_else(|| anyhow!("{}: not a file", source.display()))?;
        let inside = source
            .canonicalize()
            .ok()
            .zip(dir.canonicalize().ok())
            .and_then(|(s, d)| s.strip_prefix(&d).ok().map(Path::to_path_buf));
        let rel = match inside {
            Some(rel) => rel,
            None => {
                let rel = Path::new("data").join(name);
                let target = dir.join(&rel);
                if target.exists() {
                    bail!("{} already exists; not overwriting it", target.display());
                }
                std::fs::create_dir_all(dir.join("data"))?;
                std::fs::copy(source, &target).with_context(|| {
                    format!("copying {} to {}", source.display(), target.display())
                })?;
                rel
            }
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        entries.push_str(&format!("[[sources]]\npath = {}\n\n", toml_string(&rel)));
        report.push(format!(
            "  {rel}: {format}, {} records{}",
            parsed.records.len(),
            if parsed.problems.is_empty() {
                String::new()
            } else {
                format!(" ({} problems: see thema check)", parsed.problems.len())
            }
        ));
    }
    let title = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "My review".to_string());
    let text = STARTER_CONFIG
        .replace("\"{title}\"", &toml_string(&title))
        .replace("{sources}", &entries);
    crate::codings::write_atomically(&config, text.as_bytes())
        .with_context(|| format!("writing {}", config.display()))?;
    println!("Created {}", config.display());
    for line in report {
        println!("{line}");
    }
    println!(
        "Next: add your [[factors]] to {}, then run `thema --review {}`",
        config.display(),
        dir.display()
    );
    Ok(())
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
