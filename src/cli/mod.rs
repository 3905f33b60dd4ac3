//! The command line: the TUI by default, and headless commands that print the
//! same numbers for scripts and papers.

pub mod tui;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::app::App;
use crate::export::{Export, Format as ExportFormat, TableKind};
use crate::import::Format;
use crate::infra::diagnostic::escape_line;
use crate::review::Review;
use crate::review::check;
use crate::review::codings::{Codings, Lock, Store};
use crate::review::config::CONFIG_FILE;
use crate::review::places::Places;
use crate::review::tally;
use crate::ui::theme::Theme;

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
    /// Crosstab a factor (or every factor) against a study characteristic:
    /// included papers per value, and how many of them are coded with it.
    Crosstab {
        /// The factor id (default: every factor, one column each).
        #[arg(long, value_name = "FACTOR")]
        factor: Option<String>,
        /// The characteristic id, as declared in [[characteristics]].
        #[arg(long, value_name = "CHARACTERISTIC")]
        by: String,
        #[arg(long, value_enum, default_value_t = TallyFormat::Table)]
        format: TallyFormat,
    },
    /// Validate config, sources and codings; exit non-zero on errors.
    Check {
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// List duplicate records that were merged into one paper.
    Dedupe {
        /// Print the merges (the default; merging itself happens on load).
        #[arg(long)]
        report: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Add reference files to the review: shows what each holds, copies it
    /// into the review's data/ folder, and adds a [[sources]] entry to
    /// config.toml (comments and layout kept).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Read the files as this format instead of detecting it.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// Only show the counts; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the review's tables (md, html, csv, xlsx, docx) or its coded
    /// papers (json, ris): to standard output, or to --out.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Only these tables, comma-separated (default: every table the
        /// review has data for). Not for json or ris, which hold every
        /// included paper.
        #[arg(long, value_enum, value_delimiter = ',', value_name = "TABLE,...")]
        tables: Vec<TableKind>,
        /// Write to this file (replaced if it exists; a symbolic link there
        /// is replaced, never written through). csv with several tables:
        /// a folder, holding one <table>.csv each.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Create a new review folder with a commented starter config.toml.
    Init {
        /// Folder to create (may exist, but must not hold a config.toml).
        dir: PathBuf,
        /// A reference file to include; copied into DIR/data/. Repeatable.
        #[arg(long = "source", value_name = "FILE")]
        sources: Vec<PathBuf>,
        /// Declare a bundled quality appraisal checklist: casp-qualitative,
        /// jbi-qualitative or mmat (each keeps its own licence).
        #[arg(long, value_name = "TEMPLATE")]
        appraisal: Option<String>,
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
pub enum ReportFormat {
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// Runs the command line; the `u8` is the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let places = Places::from_env();
    match cli.command {
        None => {
            open_workbench(&cli.review, cli.reviewer.as_deref(), cli.theme, &places)?;
            Ok(0)
        }
        Some(Command::Tally { format }) => {
            let mut review = open_review(&cli.review, &places)?;
            let reviewer = resolve_reviewer(cli.reviewer.as_deref())?;
            let path = Codings::path(&review.config.codings_dir, &reviewer);
            if !path.exists() {
                eprintln!(
                    "thema: no codings yet for `{reviewer}` ({}); the tally counts nothing",
                    escape_line(&path.display().to_string())
                );
            }
            let mut codings = Codings::load(&path, &reviewer)?;
            review.reconcile(&mut codings);
            let t = tally::compute(&review.config.factors, &review.papers, &codings);
            let out = match format {
                TallyFormat::Table => t.to_table(),
                TallyFormat::Csv => t.to_csv(),
                TallyFormat::Markdown => t.to_markdown(),
                TallyFormat::Json => t.to_json(),
            };
            print!("{out}");
            // After the answer is out: scripts that tally again start faster.
            review.write_cache().ok();
            Ok(0)
        }
        Some(Command::Crosstab { factor, by, format }) => {
            crosstab(
                &cli.review,
                cli.reviewer.as_deref(),
                factor.as_deref(),
                &by,
                format,
                &places,
            )?;
            Ok(0)
        }
        Some(Command::Check { format }) => {
            let report = check::check(&cli.review, &places);
            match format {
                CheckFormat::Text => print!("{}", report.to_text()),
                CheckFormat::Json => print!("{}", report.to_json()),
            }
            Ok(if report.errors() > 0 { 1 } else { 0 })
        }
        Some(Command::Dedupe { report: _, format }) => {
            let mut review = open_review(&cli.review, &places)?;
            print!("{}", dedupe_report(&review.report.merges, format));
            review.write_cache().ok();
            Ok(0)
        }
        Some(Command::Import {
            files,
            format,
            dry_run,
        }) => {
            let format = match format {
                None => None,
                Some(name) => Some(Format::from_name(&name).ok_or_else(|| {
                    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                    anyhow!("unknown format `{name}`; use one of: {}", names.join(", "))
                })?),
            };
            import(&cli.review, &files, format, dry_run, &places)
        }
        Some(Command::Export {
            format,
            tables,
            out,
        }) => {
            let asked = (!tables.is_empty()).then_some(tables.as_slice());
            export(
                &cli.review,
                cli.reviewer.as_deref(),
                format,
                asked,
                out.as_deref(),
                &places,
            )?;
            Ok(0)
        }
        Some(Command::Init {
            dir,
            sources,
            appraisal,
        }) => {
            init(&dir, &sources, appraisal.as_deref(), &places)?;
            Ok(0)
        }
    }
}

/// `thema crosstab`: one reviewer's codings of the included papers, a
/// factor (or each) against the values of one characteristic.
fn crosstab(
    dir: &Path,
    reviewer: Option<&str>,
    factor: Option<&str>,
    by: &str,
    format: TallyFormat,
    places: &Places,
) -> Result<()> {
    let mut review = open_review(dir, places)?;
    let config = &review.config;
    let Some(ch) = config.characteristic(by) else {
        let ids: Vec<&str> = config
            .characteristics
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        if ids.is_empty() {
            bail!("no characteristic `{by}`: config.toml declares no [[characteristics]]");
        }
        bail!("no characteristic `{by}`; declared: {}", ids.join(", "));
    };
    let factors: Vec<&crate::review::config::Factor> = match factor {
        Some(id) => match config.factor_index(id) {
            Some(i) => vec![&config.factors[i]],
            None => {
                let ids: Vec<&str> = config.factors.iter().map(|f| f.id.as_str()).collect();
                bail!(
                    "no factor `{id}` in the codebook; factors: {}",
                    ids.join(", ")
                );
            }
        },
        None => config.factors.iter().collect(),
    };
    let reviewer = resolve_reviewer(reviewer)?;
    let path = Codings::path(&config.codings_dir, &reviewer);
    if !path.exists() {
        eprintln!(
            "thema: no codings yet for `{reviewer}` ({}); the crosstab counts nothing",
            escape_line(&path.display().to_string())
        );
    }
    let mut codings = Codings::load(&path, &reviewer)?;
    review.reconcile(&mut codings);
    let included = tally::compute(&[], &review.papers, &codings).papers;
    let table = crate::review::characteristics::crosstab(ch, &factors, &codings, included, |id| {
        review.paper_index(id).is_some()
    });
    let out = match format {
        TallyFormat::Table => table.to_table(),
        TallyFormat::Csv => table.to_csv(),
        TallyFormat::Markdown => table.to_markdown(),
        TallyFormat::Json => table.to_json(),
    };
    print!("{out}");
    review.write_cache().ok();
    Ok(())
}

/// `thema export`: one reviewer's codings of the included papers.
fn export(
    dir: &Path,
    reviewer: Option<&str>,
    format: ExportFormat,
    asked: Option<&[TableKind]>,
    out: Option<&Path>,
    places: &Places,
) -> Result<()> {
    use std::io::{IsTerminal as _, Write as _};
    let whole = matches!(format, ExportFormat::Json | ExportFormat::Ris);
    if whole && asked.is_some() {
        bail!(
            "--tables does not apply to {}: it holds every included paper with its codings",
            format.ext()
        );
    }
    // Checked before any work: a zip archive on a terminal is noise.
    if out.is_none() && format.is_binary() && std::io::stdout().is_terminal() {
        bail!(
            "{} is a binary file: pass --out FILE (or redirect standard output)",
            format.ext()
        );
    }
    let mut review = open_review(dir, places)?;
    let reviewer = resolve_reviewer(reviewer)?;
    let path = Codings::path(&review.config.codings_dir, &reviewer);
    if !path.exists() {
        eprintln!(
            "thema: no codings yet for `{reviewer}` ({}); the export shows every paper uncoded",
            escape_line(&path.display().to_string())
        );
    }
    let mut codings = Codings::load(&path, &reviewer)?;
    review.reconcile(&mut codings);
    let export = Export::new(&review, &codings).with_cerqual(&cerqual_for_export(dir, asked)?);
    let tables = if whole {
        Vec::new()
    } else {
        export.tables(asked)?
    };
    if format == ExportFormat::Csv && tables.len() > 1 {
        let Some(folder) = out else {
            bail!(
                "csv holds one table per file: pass --out DIR (one <table>.csv each), or --tables NAME"
            );
        };
        if folder.is_file() {
            bail!(
                "{} is a file; csv with several tables writes a folder of <table>.csv files",
                folder.display()
            );
        }
        refuse_review_file(&review, folder)?;
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        for (name, bytes) in crate::export::render_csv(&tables) {
            let file = folder.join(name);
            refuse_review_file(&review, &file)?;
            write_export(&file, &bytes)?;
        }
    } else {
        let bytes = crate::export::render(&export, &tables, format)?;
        match out {
            Some(out) => {
                // One table asked for, as csv, into a folder: named for it.
                let out = match tables.as_slice() {
                    [one] if format == ExportFormat::Csv && out.is_dir() => {
                        out.join(format!("{}.csv", one.kind.name()))
                    }
                    _ => out.to_path_buf(),
                };
                refuse_review_file(&review, &out)?;
                write_export(&out, &bytes)?;
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(&bytes).and_then(|()| stdout.flush())?;
            }
        }
    }
    // After the answer is out: scripts that export again start faster.
    review.write_cache().ok();
    Ok(())
}

/// The CERQual assessments an export shows. A cerqual.toml that cannot be
/// read fails an export that asks for its tables; any other goes on without
/// them, saying why.
fn cerqual_for_export(
    dir: &Path,
    asked: Option<&[TableKind]>,
) -> Result<crate::review::cerqual::Assessments> {
    match crate::review::cerqual::Assessments::load(dir) {
        Ok(a) => Ok(a),
        Err(e) => {
            let wanted = asked.is_some_and(|kinds| {
                kinds
                    .iter()
                    .any(|k| matches!(k, TableKind::Findings | TableKind::Cerqual))
            });
            if wanted {
                return Err(e.into());
            }
            eprintln!(
                "thema: {}; exporting without the CERQual findings",
                escape_line(&e.to_string())
            );
            Ok(Default::default())
        }
    }
}

/// An export never lands on a file the review is made of: config.toml,
/// cerqual.toml, a source, anything in data/ or the codings folder
/// (codings, history, lock). `--out` is the reviewer's to choose, and a
/// slip of the shell's tab key must not turn their codings into a
/// spreadsheet.
fn refuse_review_file(review: &Review, target: &Path) -> Result<()> {
    // Compared as absolute paths with links resolved, as far as they exist.
    fn resolved(path: &Path) -> PathBuf {
        let mut rest = Vec::new();
        let mut at = path.to_path_buf();
        loop {
            if let Ok(real) = std::fs::canonicalize(&at) {
                return rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c));
            }
            match (at.parent(), at.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    at = if parent.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        parent.to_path_buf()
                    };
                }
                _ => return path.to_path_buf(),
            }
        }
    }
    let dir = &review.config.dir;
    let target = resolved(target);
    let protected_file = [
        dir.join("config.toml"),
        crate::review::cerqual::Assessments::path(dir),
        crate::review::cerqual::WriteLock::path(dir),
    ]
    .into_iter()
    .chain(review.config.sources.iter().map(|s| dir.join(&s.path)))
    .any(|p| resolved(&p) == target);
    let protected_folder = [dir.join("data"), review.config.codings_dir.clone()]
        .iter()
        .any(|f| target.starts_with(resolved(f)));
    if protected_file || protected_folder {
        bail!(
            "{} is part of the review (config.toml, cerqual.toml, its sources, data/ and the codings files are never overwritten by an export); choose another --out",
            escape_line(&target.display().to_string())
        );
    }
    Ok(())
}

/// Writes one exported file: replaced whole (temp file, then rename), and
/// a symbolic link at its name is replaced too, never written through.
fn write_export(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.display().to_string();
    let shown = escape_line(&name);
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let kind = meta.file_type();
        if kind.is_dir() {
            bail!("{shown} is a folder; name a file for --out");
        }
        // A device or a pipe would be replaced by a plain file, not
        // written to: without --out the export goes to standard output.
        if !kind.is_file() && !kind.is_symlink() {
            bail!(
                "{shown} is {}, not a file; name a file for --out, or leave --out out to write to standard output",
                crate::infra::fsx::kind_name(kind)
            );
        }
    }
    crate::infra::fsx::write_atomically(path, bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", escape_line(&path.display().to_string()));
    Ok(())
}

fn open_review(dir: &Path, places: &Places) -> Result<Review> {
    Review::open(dir, places).map_err(|d| anyhow!("{d}"))
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
            "reviewer name `{name}` must be letters, digits, `-`, `_` or `.`, not starting with `.` (it names the codings file)"
        );
    }
    Ok(name)
}

fn open_workbench(
    dir: &Path,
    reviewer: Option<&str>,
    theme: ThemeName,
    places: &Places,
) -> Result<()> {
    use std::io::IsTerminal as _;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!(
            "the coding workbench needs a terminal (run it in one, or `ssh -t`); \
             for scripts use `thema tally` or `thema check`"
        );
    }
    let Workbench { app, store, lock } = prepare_workbench(dir, reviewer, places)?;
    let theme = Theme::from_env(matches!(theme, ThemeName::Mono));
    let workspace = crate::review::workspace::Workspace::new(&app.review.config.dir, store)
        .with_lock(lock)
        .with_exporter(crate::export::files_for_workbench);
    crate::cli::tui::run(app, workspace, theme)
}

/// Everything the workbench holds before its first frame.
pub struct Workbench {
    pub app: App,
    pub store: Store,
    pub lock: Lock,
}

/// Opens the review and this reviewer's codings, lock and history, exactly
/// as the workbench does before it draws (the scale benchmark times this).
pub fn prepare_workbench(dir: &Path, reviewer: Option<&str>, places: &Places) -> Result<Workbench> {
    let review = open_review(dir, places)?;
    let reviewer = resolve_reviewer(reviewer)?;
    let codings_dir = review.config.codings_dir.clone();
    let lock = Lock::acquire(&codings_dir, &reviewer)?;
    // Codebook edits killed mid-write left their temp files beside config.toml.
    crate::infra::fsx::remove_stale_temps_of(dir, CONFIG_FILE);
    let path = Codings::path(&codings_dir, &reviewer);
    // Seen before any save below replaces the link.
    let linked = check::linked_codings(&path, &reviewer).is_some();
    let (mut store, mut codings) = Store::open(&path, &reviewer)?;
    let done = review.reconcile(&mut codings);
    let skipped = review.report.warnings.len();
    if done.changed() {
        // Persist now, so the file and the screen agree, and a coding set
        // aside is kept aside even if this session changes nothing.
        store.save(&mut codings, None)?;
    }
    // Line numbers from the file as it now is (after any move above).
    let lines = check::paper_lines(store.text());
    let orphans = check::orphans(&review, &codings, &path.display().to_string(), &lines);
    let history_path = crate::review::history::History::path(&codings_dir, &reviewer);
    let (history, history_problem) = crate::review::history::History::load(&history_path);
    let cerqual = crate::review::cerqual::Assessments::load(dir);
    let mut app = App::new(review, codings);
    app.history = history;
    let cerqual_problem = cerqual.as_ref().err().map(|e| e.brief());
    app.set_cerqual(cerqual);
    if let Some(problem) = history_problem {
        app.set_notice(problem, true);
    } else if let Some(problem) = cerqual_problem {
        app.set_notice(format!("CERQual not editable until fixed: {problem}"), true);
    } else if linked {
        app.set_notice(
            format!(
                "{reviewer}.toml is a symbolic link: saving replaces it with a regular file, never writing through it (thema check explains)"
            ),
            true,
        );
    } else if let Some(pid) = &lock.took_over_from {
        app.set_notice(format!("took over a stale lock left by pid {pid}"), true);
    } else if !done.set_aside.is_empty() {
        app.set_notice(
            format!(
                "{} set aside: their ids now name other papers (thema check lists them)",
                plural(done.set_aside.len(), "coding")
            ),
            true,
        );
    } else if done.moved > 0 {
        app.set_notice(
            format!(
                "{} moved to their papers' current ids (thema check explains)",
                plural(done.moved, "coding")
            ),
            true,
        );
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
            format!("{skipped} warnings about the sources (thema check lists them)"),
            true,
        );
    }
    Ok(Workbench { app, store, lock })
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
# `format` is detected from the content; set it to override: ris, refworks,
# pubmed, pubmed-xml, endnote-xml, enw, bibtex, wos, ovid or csv.
{sources}
# Study characteristics, recorded per paper (`c` in the workbench) and
# crosstabbed against factors (`thema crosstab`). kind is text, number,
# one_of or several_of (the last two choose from `values`). Uncomment the
# ones you use; change the values to your review's.
#
# [[characteristics]]
# id = "country"
# label = "Country"
# kind = "text"
#
# [[characteristics]]
# id = "setting"
# label = "Setting"
# kind = "text"
# definition = "Where care was given (primary care, hospice, hospital ...)"
#
# [[characteristics]]
# id = "design"
# label = "Design"
# kind = "one_of"
# values = ["Qualitative", "Quantitative", "Mixed methods"]
#
# [[characteristics]]
# id = "data_collection"
# label = "Data collection"
# kind = "several_of"
# values = ["Interviews", "Focus groups", "Observation", "Documents", "Survey"]
#
# [[characteristics]]
# id = "participants"
# label = "Participants"
# kind = "text"
#
# [[characteristics]]
# id = "sample_size"
# label = "Sample size"
# kind = "number"
{appraisal}
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

/// `thema init` without --appraisal: the block offered, commented.
const APPRAISAL_OFFER: &str = r#"
# Quality appraisal, per paper (`p` in the workbench): a bundled checklist
# (casp-qualitative, jbi-qualitative or mmat; each keeps its own licence,
# which the README lists) or your own [[appraisal.items]] with id, question,
# answers (default ["yes", "no", "can't tell"]) and guidance.
#
# [appraisal]
# template = "casp-qualitative"
"#;

/// The `[appraisal]` block `thema init --appraisal NAME` writes: the
/// template's licence and citation as comments, then the table.
fn appraisal_block(name: Option<&str>) -> Result<String> {
    use crate::review::appraisal;
    let Some(name) = name else {
        return Ok(APPRAISAL_OFFER.to_string());
    };
    let Some(header) = appraisal::template_header(name) else {
        bail!(
            "unknown appraisal template `{name}`; use one of: {} (nothing created)",
            appraisal::template_names()
        );
    };
    Ok(format!(
        "\n# Quality appraisal, per paper (`p` in the workbench), with this bundled\n\
         # template (data/appraisal/{name}.toml in thema's source). Its header:\n#\n\
         {header}\n[appraisal]\ntemplate = {}\n",
        crate::review::codings::quoted(name)
    ))
}

fn init(dir: &Path, sources: &[PathBuf], appraisal: Option<&str>, places: &Places) -> Result<()> {
    let config = dir.join(CONFIG_FILE);
    if config.exists() {
        bail!(
            "{} already exists; thema init never overwrites a review",
            config.display()
        );
    }
    let appraisal = appraisal_block(appraisal)?;
    // Check every source before creating anything, so a failed init leaves
    // nothing behind to trip over on the next try.
    let mut names = std::collections::HashSet::new();
    for source in sources {
        let (found, parsed) = crate::import::read_file(source, None)?;
        if parsed.records.is_empty() {
            bail!(
                "{}: no {found} records found; nothing created",
                source.display()
            );
        }
        if relative_inside(dir, source).is_none() {
            let name = source.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name else {
                bail!("{}: not a file", source.display());
            };
            // symlink_metadata: a dangling link at the name counts too.
            let taken = std::fs::symlink_metadata(dir.join("data").join(&name)).is_ok();
            if !names.insert(name.clone()) || taken {
                bail!(
                    "data/{name} would be written twice or already exists; rename the source first (nothing created)"
                );
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut entries = String::new();
    let mut report = Vec::new();
    for source in sources {
        let (rel, line) = add_source(dir, source, None)?;
        entries.push_str(&format!(
            "[[sources]]\npath = {}\n\n",
            crate::review::codings::quoted(&rel)
        ));
        report.push(line);
    }
    let title = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "My review".to_string());
    let text = STARTER_CONFIG
        .replace("\"{title}\"", &crate::review::codings::quoted(&title))
        .replace("{sources}", &entries)
        .replace("{appraisal}", &appraisal);
    crate::review::codings::write_atomically(&config, text.as_bytes())
        .with_context(|| format!("writing {}", config.display()))?;
    println!("Created {}", config.display());
    // A review is shared through git: what one reviewer's thema keeps for
    // itself stays out of it. One already there is the team's: kept.
    let ignore = dir.join(".gitignore");
    if std::fs::symlink_metadata(&ignore).is_err() {
        crate::infra::fsx::write_atomically(&ignore, STARTER_GITIGNORE.as_bytes())
            .with_context(|| format!("writing {}", ignore.display()))?;
    }
    for line in report {
        println!("{line}");
    }
    println!(
        "Next: add your [[factors]] to {}, then run `thema --review {}`",
        config.display(),
        dir.display()
    );
    prepare_cache(dir, places);
    Ok(())
}

/// The `.gitignore` of a new review: locks, files being written, each
/// reviewer's undo history, and exports (made again from the review).
const STARTER_GITIGNORE: &str = "# Written by `thema init`. What each reviewer's thema keeps for itself:\n\
# locks held while it runs, files being written, and the undo history.\n\
.*.lock\n\
*.tmp\n\
.*.history.jsonl\n\
# Exports are made from the review (`thema export`); remove this line to\n\
# keep them in git too.\n\
exports/\n";

/// Reads `source`, copies it into `<dir>/data/` unless it is already inside
/// the review folder, and returns its path relative to `dir` with a one-line
/// summary ("data/x.ris: ris, 120 records").
fn add_source(dir: &Path, source: &Path, format: Option<Format>) -> Result<(String, String)> {
    let (format, parsed) = crate::import::read_file(source, format)?;
    if parsed.records.is_empty() {
        let why = parsed
            .problems
            .first()
            .map(|p| format!(" ({}:{}: {})", source.display(), p.line, p.message))
            .unwrap_or_default();
        bail!(
            "{}: no records found as {format}{why}; not added",
            source.display()
        );
    }
    let rel = match relative_inside(dir, source) {
        Some(rel) => rel,
        None => {
            let name = source
                .file_name()
                .ok_or_else(|| anyhow!("{}: not a file", source.display()))?;
            let rel = Path::new("data").join(name);
            let target = dir.join(&rel);
            refuse_import_target(dir, &target)?;
            std::fs::create_dir_all(dir.join("data"))?;
            copy_new(source, &target)
                .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
            // The copy keeps the export's timestamp (as `cp -p` does), so an
            // export that has settled can be cached right away.
            if let Ok(modified) = std::fs::metadata(source).and_then(|m| m.modified()) {
                std::fs::File::options()
                    .append(true)
                    .open(&target)
                    .and_then(|f| f.set_modified(modified))
                    .ok();
            }
            rel
        }
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    let summary = format!(
        "  {rel}: {format}, {}{}",
        plural(parsed.records.len(), "record"),
        if parsed.problems.is_empty() {
            String::new()
        } else {
            format!(
                " ({}: see thema check)",
                plural(parsed.problems.len(), "problem")
            )
        }
    );
    Ok((rel, summary))
}

/// Why a source cannot be copied to `target` in data/: anything already
/// there (a link, dangling or not, is never written through), or a data/
/// folder that leads out of the review.
fn refuse_import_target(dir: &Path, target: &Path) -> Result<()> {
    crate::infra::fsx::ensure_inside(dir, target)
        .with_context(|| format!("{}: not imported", target.display()))?;
    match std::fs::symlink_metadata(target) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => bail!(
            "{} is a symbolic link; thema never writes through one: remove it first (nothing imported)",
            target.display()
        ),
        Ok(m) if !m.is_file() => bail!(
            "{} exists and is not a regular file; remove it first (nothing imported)",
            target.display()
        ),
        Ok(_) => bail!(
            "{} already exists; rename the file or remove the old one first",
            target.display()
        ),
    }
}

/// Copies into a file created new: never over an existing file and never
/// through a link planted at the name.
fn copy_new(source: &Path, target: &Path) -> std::io::Result<()> {
    let mut from = crate::infra::fsx::open_regular(source)?;
    let mut to = crate::infra::fsx::create_new(target)?;
    let copied = std::io::copy(&mut from, &mut to).and_then(|_| to.sync_all());
    if copied.is_err() {
        drop(to);
        std::fs::remove_file(target).ok();
    }
    copied
}

fn relative_inside(dir: &Path, file: &Path) -> Option<PathBuf> {
    let file = file.canonicalize().ok()?;
    let dir = dir.canonicalize().ok()?;
    file.strip_prefix(&dir).ok().map(Path::to_path_buf)
}

/// `thema import`: counts first, then copy and add to config.toml.
fn import(
    dir: &Path,
    files: &[PathBuf],
    format: Option<Format>,
    dry_run: bool,
    places: &Places,
) -> Result<u8> {
    let config_path = dir.join(CONFIG_FILE);
    // A dry run only reads the files: it needs no review, so a missing
    // config.toml is no sources yet.
    let text = match crate::infra::fsx::read_regular_string(&config_path) {
        Err(e) if dry_run && e.kind() == std::io::ErrorKind::NotFound => String::new(),
        read => read.with_context(|| format!("reading {}", config_path.display()))?,
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{}: not valid TOML", config_path.display()))?;
    let existing: Vec<String> = doc
        .get("sources")
        .and_then(|s| s.as_array_of_tables())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.get("path").and_then(|p| p.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();

    // Read everything before touching anything: one unreadable file stops
    // the import with nothing half-done.
    let mut planned = Vec::new();
    for file in files {
        let (found, parsed) = crate::import::read_file(file, format)?;
        if parsed.records.is_empty() {
            bail!(
                "{}: no {found} records found; nothing imported",
                file.display()
            );
        }
        let inside = relative_inside(dir, file).map(|r| r.to_string_lossy().replace('\\', "/"));
        let target = inside.clone().unwrap_or_else(|| {
            format!(
                "data/{}",
                file.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            )
        });
        // Checked before anything is written: a link or odd file at the
        // name stops the whole import.
        if inside.is_none() && !existing.contains(&target) {
            refuse_import_target(dir, &dir.join(&target))?;
        }
        if existing.contains(&target) {
            let same = crate::infra::fsx::read_regular(&dir.join(&target)).ok()
                == crate::infra::fsx::read_regular(file).ok();
            if !same {
                bail!(
                    "{target} is already a source and {} differs from it; rename the file to import it as well",
                    file.display()
                );
            }
            println!(
                "  {}: already a source (same content); skipped",
                escape_line(&target)
            );
            continue;
        }
        let shown = file.display().to_string();
        let shown = escape_line(&shown);
        println!(
            "  {shown}: {found}, {}{}",
            plural(parsed.records.len(), "record"),
            match (parsed.problems.len(), dry_run) {
                (0, _) => String::new(),
                (n, true) => format!(", {}:", plural(n, "problem")),
                (n, false) => format!(", {} (thema check lists them)", plural(n, "problem")),
            }
        );
        // Not a source yet after a dry run, so `thema check` cannot list
        // them: show them here.
        if dry_run {
            const SHOWN: usize = 10;
            for p in parsed.problems.iter().take(SHOWN) {
                println!("    {shown}:{}: {}", p.line, escape_line(&p.message));
            }
            if parsed.problems.len() > SHOWN {
                println!("    … and {} more", parsed.problems.len() - SHOWN);
            }
        }
        planned.push(file);
    }
    if dry_run || planned.is_empty() {
        if dry_run {
            println!("dry run: nothing changed");
        }
        return Ok(0);
    }

    let mut added = Vec::new();
    for file in planned {
        let (rel, summary) = add_source(dir, file, format)?;
        println!("added {}", summary.trim());
        added.push(rel);
    }
    let sources = doc
        .entry("sources")
        .or_insert(toml_edit::Item::ArrayOfTables(
            toml_edit::ArrayOfTables::new(),
        ));
    let Some(array) = sources.as_array_of_tables_mut() else {
        bail!(
            "{}: `sources` is not a list of [[sources]] tables",
            config_path.display()
        );
    };
    // New entries go right after the last existing one, not at the end of
    // the file below the codebook.
    let position = array.iter().filter_map(|t| t.position()).max();
    for rel in added {
        let mut table = toml_edit::Table::new();
        table.insert("path", toml_edit::value(rel));
        if let Some(f) = format {
            table.insert("format", toml_edit::value(f.name()));
        }
        table.set_position(position);
        array.push(table);
    }
    crate::review::codings::write_atomically(&config_path, doc.to_string().as_bytes())
        .with_context(|| format!("writing {}", config_path.display()))?;
    println!("updated {}", config_path.display());
    prepare_cache(dir, places);
    Ok(0)
}

/// Reads the review once more and caches its papers, so the workbench's
/// first start after an import is as fast as every later one. Only a
/// speed-up: a review that does not open yet is left to `thema check`.
fn prepare_cache(dir: &Path, places: &Places) {
    if let Ok(mut review) = Review::open(dir, places) {
        review.write_cache().ok();
    }
}

fn dedupe_report(merges: &[crate::review::Merge], format: ReportFormat) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    match format {
        ReportFormat::Json => {
            // Ids and paths come from files: C1 controls escaped too.
            out = crate::infra::diagnostic::json_safe(
                serde_json::to_string_pretty(merges).unwrap_or_default(),
            ) + "\n";
        }
        ReportFormat::Csv => {
            let header = ["paper", "kept", "merged", "reason"].map(String::from);
            let rows = merges.iter().flat_map(|m| {
                m.merged
                    .iter()
                    .map(|(at, why)| [m.id.clone(), m.kept.clone(), at.clone(), why.to_string()])
            });
            out = tally::csv_text(std::iter::once(header).chain(rows));
        }
        ReportFormat::Table => {
            if merges.is_empty() {
                out.push_str("no duplicate records\n");
                return out;
            }
            // Ids and paths come from files: shown escaped.
            let rows: Vec<[String; 4]> = merges
                .iter()
                .flat_map(|m| {
                    m.merged.iter().map(move |(at, why)| {
                        [&m.id, &m.kept, at, *why].map(|s| escape_line(s).into_owned())
                    })
                })
                .collect();
            let header = ["paper", "kept", "merged", "why"].map(String::from);
            let mut widths = header.clone().map(|h| h.len());
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for row in std::iter::once(&header).chain(rows.iter()) {
                let line: Vec<String> = row
                    .iter()
                    .zip(widths)
                    // By hand: `{:<w$}` panics for widths past 65,535.
                    .map(|(cell, w)| {
                        let fill = w.saturating_sub(cell.chars().count());
                        format!("{cell}{}", " ".repeat(fill))
                    })
                    .collect();
                let _ = writeln!(out, "{}", line.join("  ").trim_end());
            }
            let records: usize = merges.iter().map(|m| m.merged.len()).sum();
            let _ = writeln!(
                out,
                "\n{records} duplicate records merged into {} papers",
                merges.len()
            );
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
