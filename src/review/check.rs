//! `thema check` and the start-up report: everything wrong with a review's
//! config, sources and codings files, each located by file and line.

use std::path::Path;

use serde::Serialize;

use crate::import::Problem;
use crate::infra::diagnostic::{Diagnostic, Severity, escape_line};
use crate::review::codings::Codings;
use crate::review::config::Config;
use crate::review::places::Places;
use crate::review::{Merge, Review};
use std::collections::HashMap;

#[derive(Debug, Serialize)]
pub struct SourceSummary {
    pub path: String,
    pub format: Option<String>,
    pub records: usize,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub sources: Vec<SourceSummary>,
    pub papers: usize,
    pub factors: usize,
    /// Codings files found, with how many papers each codes.
    pub codings: Vec<CodingsSummary>,
    /// Duplicate records merged into one paper.
    pub merges: Vec<Merge>,
    pub problems: Vec<Diagnostic>,
}

#[derive(Debug, Serialize)]
pub struct CodingsSummary {
    pub path: String,
    pub reviewer: String,
    pub papers: usize,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }

    /// The report for a terminal: paths, ids and messages come from files,
    /// so each is shown with control characters escaped ([`escape_line`]).
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for s in &self.sources {
            let _ = writeln!(
                out,
                "{}: {}, {} records{}",
                escape_line(&s.path),
                s.format.as_deref().unwrap_or("unknown format"),
                s.records,
                if s.problems.is_empty() {
                    String::new()
                } else {
                    format!(", {} skipped or odd", s.problems.len())
                }
            );
        }
        if !self.sources.is_empty() || self.errors() == 0 {
            let _ = writeln!(out, "{} papers, {} factors", self.papers, self.factors);
        }
        for m in &self.merges {
            for (at, why) in &m.merged {
                let _ = writeln!(
                    out,
                    "merged {} into {} (first read at {}; {why})",
                    escape_line(at),
                    escape_line(&m.id),
                    escape_line(&m.kept)
                );
            }
        }
        for c in &self.codings {
            let papers = if c.papers == 1 { "paper" } else { "papers" };
            let _ = writeln!(
                out,
                "{}: {} codes {} {papers}",
                escape_line(&c.path),
                escape_line(&c.reviewer),
                c.papers
            );
        }
        for p in &self.problems {
            let _ = writeln!(out, "{p}");
        }
        let _ = match (self.errors(), self.warnings()) {
            (0, 0) => writeln!(out, "ok: no problems found"),
            (e, w) => writeln!(out, "{}, {}", plural(e, "error"), plural(w, "warning")),
        };
        out
    }

    pub fn to_json(&self) -> String {
        // Paths and messages quote files: C1 controls escaped too.
        crate::infra::diagnostic::json_safe(serde_json::to_string_pretty(self).unwrap_or_default())
            + "\n"
    }
}

/// Leaves the papers cache holding what check read from the sources, so
/// the next start is a cached one: written when missing, rewritten when it
/// held other papers (a source edited by a tool that put its old size and
/// timestamp back), which is reported. `review` was read from the sources.
fn refresh_cache(review: &Review, cache_dir: Option<&Path>) -> Option<Diagnostic> {
    let slot =
        crate::review::cache::Slot::new(cache_dir?, &review.config.dir, &review.config.sources)?;
    let stale = match slot.load() {
        Some((cached, _)) if cached == *review.papers => return None,
        Some(_) => true,
        None => false,
    };
    // Not written when a source changed a moment ago: then a stale cache
    // must go, so the next start reads the sources.
    let written = slot.store(&review.papers, &review.report).unwrap_or(false);
    if !stale {
        return None;
    }
    if !written {
        std::fs::remove_file(slot.file()).ok();
    }
    Some(Diagnostic::warning(
        slot.file().display().to_string(),
        None,
        if written {
            "the papers cache disagreed with the sources (a source changed but kept its size and \
             timestamp); rewritten from the sources"
        } else {
            "the papers cache disagreed with the sources (a source changed but kept its size and \
             timestamp); removed, so the next start reads the sources"
        },
    ))
}

/// Checks the review in `dir` without changing it, but for the papers
/// cache (only a copy), left agreeing with the sources it read.
pub fn check(dir: &Path, places: &Places) -> CheckReport {
    let review = match Review::open_fresh(dir, places) {
        Ok(r) => r,
        Err(diags) => {
            // Still report the sources we could read, so one bad line in the
            // config does not hide everything else.
            return CheckReport {
                sources: Vec::new(),
                papers: 0,
                factors: Config::load(dir).map(|c| c.factors.len()).unwrap_or(0),
                codings: Vec::new(),
                merges: Vec::new(),
                problems: diags.0,
            };
        }
    };
    let mut problems = review.report.warnings.clone();
    problems.extend(refresh_cache(&review, places.cache_dir.as_deref()));
    if review.config.factors.is_empty() {
        problems.push(Diagnostic::warning(
            review.config.path().display().to_string(),
            None,
            "the codebook is empty: add [[factors]] entries (the themes papers are coded with)",
        ));
    }
    let mut codings = Vec::new();
    let dir_entries = std::fs::read_dir(&review.config.codings_dir);
    let mut files: Vec<_> = dir_entries
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    problems.extend(odd_reviewer_files(&review.config.codings_dir));
    for path in files {
        let shown = path.display().to_string();
        let reviewer = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(note) = linked_codings(&path, &reviewer) {
            problems.push(Diagnostic::warning(&shown, None, note));
        }
        let text = match crate::infra::fsx::read_regular_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(Diagnostic::error(&shown, None, format!("cannot read: {e}")));
                continue;
            }
        };
        if let Ok(table) = text.parse::<toml::Table>()
            && let Some(inside) = table.get("reviewer").and_then(|v| v.as_str())
            && inside != reviewer
        {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("reviewer"))
                .map(|i| i + 1);
            problems.push(Diagnostic::warning(
                &shown,
                line,
                format!("says reviewer = \"{inside}\" but is {reviewer}'s file (the file name decides whose codings these are)"),
            ));
        }
        match Codings::parse(&shown, &text, &reviewer) {
            Ok(mut c) => {
                let lines = paper_lines(&text);
                let done = review.reconcile(&mut c);
                if done.moved > 0 {
                    problems.push(Diagnostic::warning(
                        &shown,
                        None,
                        format!("{} filed under an id the paper no longer has (an earlier thema's id, or one a new source replaced with a DOI); thema moves them when {reviewer} next opens the review", plural(done.moved, "coding")),
                    ));
                }
                for s in &done.set_aside {
                    problems.push(Diagnostic::warning(
                        &shown,
                        lines.get(&("papers", s.id.as_str())).copied(),
                        format!(
                            "the codings under `{}` were made on {} \"{}\", but the sources now give that id to {} \"{}\"; they will be set aside (kept under [aside] in this file, counted nowhere) when {reviewer} next opens the review: move them by hand to the paper they belong to",
                            s.id, s.was.cite, s.was.title, s.now.cite, s.now.title
                        ),
                    ));
                }
                for (id, coding) in &c.aside {
                    if done.set_aside.iter().any(|s| s.id == *id) {
                        continue;
                    }
                    problems.push(Diagnostic::warning(
                        &shown,
                        lines.get(&("aside", id.as_str())).copied(),
                        format!(
                            "codings set aside under `{id}` (made on {} \"{}\") are counted nowhere until moved by hand to the paper they belong to",
                            coding.cite, coding.title
                        ),
                    ));
                }
                problems.extend(orphans(&review, &c, &shown, &lines));
                let values = value_lines(&text);
                problems.extend(characteristic_problems(
                    &review, &c, &shown, &lines, &values,
                ));
                problems.extend(appraisal_problems(&review, &c, &shown, &lines, &values));
                codings.push(CodingsSummary {
                    path: shown,
                    reviewer: c.reviewer.clone(),
                    papers: c.papers.values().filter(|p| !p.factors.is_empty()).count(),
                });
            }
            Err(crate::review::codings::CodingsError::Invalid(d)) => problems.push(d),
            Err(e) => problems.push(Diagnostic::error(&shown, None, e.to_string())),
        }
    }
    problems.extend(cerqual_problems(&review));
    CheckReport {
        sources: review
            .report
            .sources
            .iter()
            .map(|s| SourceSummary {
                path: s.path.clone(),
                format: s.format.map(|f| f.name().to_string()),
                records: s.records,
                problems: s.problems.clone(),
            })
            .collect(),
        papers: review.papers.len(),
        factors: review.config.factors.len(),
        codings,
        merges: review.report.merges.clone(),
        problems,
    }
}

/// cerqual.toml: unreadable (an error: the workbench will not edit it), or
/// assessments of factors the codebook no longer has (kept in the file,
/// shown nowhere): merged away (their finding belongs in the factor they
/// became) or gone.
pub fn cerqual_problems(review: &Review) -> Vec<Diagnostic> {
    use crate::review::cerqual::{Assessments, CerqualError};
    let dir = &review.config.dir;
    let assessed = match Assessments::load(dir) {
        Ok(a) => a,
        Err(CerqualError::Invalid(d)) => return vec![d],
        // The file is the diagnostic's own: said once, in front.
        Err(CerqualError::Refused { path, why }) => {
            return vec![Diagnostic::error(path, None, why)];
        }
        Err(CerqualError::Io { path, cause }) => {
            return vec![Diagnostic::error(path, None, cause.to_string())];
        }
        Err(e) => {
            return vec![Diagnostic::error(
                Assessments::path(dir).display().to_string(),
                None,
                e.to_string(),
            )];
        }
    };
    let path = Assessments::path(dir);
    let shown = path.display().to_string();
    let text = crate::infra::fsx::read_regular_string(&path).unwrap_or_default();
    let line_of = |id: &str| {
        let plain = format!("[factors.{id}]");
        let quoted = format!("[factors.\"{id}\"]");
        text.lines()
            .position(|l| {
                let l = l.trim();
                l == plain || l == quoted
            })
            .map(|i| i + 1)
    };
    let mut problems = Vec::new();
    for id in assessed.factors.keys() {
        if assessed.get(id).is_none() || review.config.factor_index(id).is_some() {
            continue;
        }
        let into = review
            .config
            .factors
            .iter()
            .find(|f| f.merged.iter().any(|m| m == id));
        let message = match into {
            Some(f) => format!(
                "the CERQual assessment of `{id}` stays in the file, but `{id}` was merged into `{}` ({}): fold its finding into that factor's assessment (c in the codebook view) and remove this one",
                f.id, f.label
            ),
            None => format!(
                "a CERQual assessment for factor `{id}`, which is not in the codebook (removed, or the id mistyped): kept, but shown and exported nowhere"
            ),
        };
        problems.push(Diagnostic::warning(&shown, line_of(id), message));
    }
    problems
}

/// What to tell `reviewer` when their codings file is a symbolic link:
/// thema reads through it, but saves by replacing the link with a regular
/// file (it never writes through a link), so the file it points to stops
/// getting the codings. None when it is no link.
pub fn linked_codings(path: &Path, reviewer: &str) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_symlink() {
        return None;
    }
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "somewhere".into());
    Some(format!(
        "is a symbolic link (to {target}); thema never writes through one: {reviewer}'s next save replaces the link with a regular file holding the codings, and {target} stops getting them"
    ))
}

/// Locks and undo histories in the codings folder that are not regular
/// files (a link, a FIFO, a device planted there): thema refuses to open
/// the review as that reviewer while the lock is one, and sets such a
/// history aside (or cannot save one that is a link).
fn odd_reviewer_files(codings_dir: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(codings_dir) else {
        return out;
    };
    let mut found: Vec<(String, std::path::PathBuf, std::fs::Metadata)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            // DirEntry::metadata does not follow links.
            let meta = e.metadata().ok()?;
            Some((name, e.path(), meta))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, meta) in found {
        let shown = path.display().to_string();
        let kind = crate::infra::fsx::kind_name(meta.file_type());
        if let Some(reviewer) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".lock")) {
            let what = if !meta.is_file() {
                Some(kind)
            } else if hard_linked(&meta) {
                Some("a hard link to another file")
            } else {
                None
            };
            if let Some(what) = what {
                out.push(Diagnostic::error(
                    &shown,
                    None,
                    format!(
                        "{reviewer}'s lock is {what}, not a regular file; thema will refuse to open this review as {reviewer} until it is removed"
                    ),
                ));
            }
        } else if let Some(reviewer) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".history.jsonl"))
        {
            if meta.file_type().is_symlink() {
                out.push(Diagnostic::warning(
                    &shown,
                    None,
                    format!(
                        "{reviewer}'s undo history is a symbolic link; thema never writes through one, so {reviewer}'s undo steps are not saved until it is removed"
                    ),
                ));
            } else if !meta.is_file() {
                out.push(Diagnostic::warning(
                    &shown,
                    None,
                    format!(
                        "{reviewer}'s undo history is {kind}, not a regular file; thema never reads it, and sets it aside (renamed .bad) when {reviewer} next opens the review: remove it"
                    ),
                ));
            }
        }
    }
    out
}

/// Whether a file has other names (a lock with one is refused).
fn hard_linked(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.nlink() > 1
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Codings that point at papers or factors the review no longer has. They are
/// kept in the file (a source may come back, a factor may be re-added) and
/// reported as warnings, at their line in the file (`lines`, from
/// [`paper_lines`]).
pub fn orphans(
    review: &Review,
    codings: &Codings,
    shown: &str,
    lines: &HashMap<(&str, &str), usize>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (id, coding) in &codings.papers {
        let line = lines.get(&("papers", id.as_str())).copied();
        if review.paper_index(id).is_none() {
            let made_on = if coding.title.is_empty() {
                String::new()
            } else {
                format!(" (made on {} \"{}\")", coding.cite, coding.title)
            };
            out.push(Diagnostic {
                severity: Severity::Warning,
                file: shown.to_string(),
                line,
                message: format!(
                    "codings for paper `{id}`{made_on}, which is not in this review's sources (kept)"
                ),
            });
            continue;
        }
        for f in &coding.factors {
            if review.config.factor_index(f).is_none() {
                out.push(Diagnostic::warning(
                    shown,
                    line,
                    format!(
                        "paper `{id}` is coded with `{f}`, which is not in the codebook (kept)"
                    ),
                ));
            }
        }
    }
    out
}

/// Study characteristics that are invalid (an error per paper and field,
/// at the paper's line), missing on coded papers (one warning per field,
/// with the count, however many papers), or recorded for a field
/// config.toml does not declare (one warning per field; kept).
pub fn characteristic_problems(
    review: &Review,
    codings: &Codings,
    shown: &str,
    lines: &HashMap<(&str, &str), usize>,
    values: &HashMap<(&str, &str, &str), usize>,
) -> Vec<Diagnostic> {
    use std::collections::BTreeMap;
    let declared = &review.config.characteristics;
    let mut out = Vec::new();
    let mut missing = vec![0usize; declared.len()];
    let mut coded = 0usize;
    let mut undeclared: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, coding) in &codings.papers {
        if review.paper_index(id).is_none() {
            continue;
        }
        let line = lines.get(&("papers", id.as_str())).copied();
        for (field, value) in &coding.characteristics {
            match review.config.characteristic(field) {
                Some(ch) => {
                    if let Some(why) = ch.invalid(value) {
                        let at = values.get(&("characteristics", id.as_str(), field.as_str()));
                        out.push(Diagnostic::error(
                            shown,
                            at.copied().or(line),
                            format!("paper `{id}`: {} ({field}) {why}", ch.label),
                        ));
                    }
                }
                None => *undeclared.entry(field.as_str()).or_default() += 1,
            }
        }
        // Missing counts among the papers in the synthesis: included and
        // coded with a factor (not every record a search found).
        let in_synthesis = coding.excluded.is_empty()
            && coding
                .factors
                .iter()
                .any(|f| review.config.factor_index(f).is_some());
        if in_synthesis {
            coded += 1;
            for (n, ch) in missing.iter_mut().zip(declared) {
                if !crate::review::characteristics::recorded(coding, &ch.id) {
                    *n += 1;
                }
            }
        }
    }
    for (n, ch) in missing.into_iter().zip(declared) {
        if n > 0 {
            out.push(Diagnostic::warning(
                shown,
                None,
                format!(
                    "{} ({}) is not recorded for {n} of {coded} coded papers",
                    ch.label, ch.id
                ),
            ));
        }
    }
    for (field, n) in undeclared {
        out.push(Diagnostic::warning(
            shown,
            None,
            format!(
                "{} record characteristic `{field}`, which config.toml does not declare (kept)",
                plural(n, "paper")
            ),
        ));
    }
    out
}

/// Appraisal answers the item does not allow (an error per paper and
/// item, at the paper's line), papers in the synthesis not appraised (one
/// warning with the count), and answers for items the checklist does not
/// have (one warning per item; kept).
pub fn appraisal_problems(
    review: &Review,
    codings: &Codings,
    shown: &str,
    lines: &HashMap<(&str, &str), usize>,
    values: &HashMap<(&str, &str, &str), usize>,
) -> Vec<Diagnostic> {
    use std::collections::BTreeMap;
    let Some(checklist) = &review.config.appraisal else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut in_synthesis = 0usize;
    let mut not_appraised = 0usize;
    let mut undeclared: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, coding) in &codings.papers {
        if review.paper_index(id).is_none() {
            continue;
        }
        let line = lines.get(&("papers", id.as_str())).copied();
        for (item, answer) in checklist.invalid(coding) {
            let at = values.get(&("appraisal", id.as_str(), item.id.as_str()));
            out.push(Diagnostic::error(
                shown,
                at.copied().or(line),
                format!(
                    "paper `{id}`: appraisal item {} ({}) is answered “{answer}”, not one of: {}",
                    item.number,
                    item.id,
                    item.answers.join(", ")
                ),
            ));
        }
        for item in coding.appraisal.keys() {
            if checklist.item(item).is_none() {
                *undeclared.entry(item.as_str()).or_default() += 1;
            }
        }
        // As for characteristics: the papers in the synthesis are those
        // included and coded with a factor, not every record found.
        let counted = coding.excluded.is_empty()
            && coding
                .factors
                .iter()
                .any(|f| review.config.factor_index(f).is_some());
        if counted {
            in_synthesis += 1;
            if checklist.summary(coding).is_none() {
                not_appraised += 1;
            }
        }
    }
    if not_appraised > 0 {
        out.push(Diagnostic::warning(
            shown,
            None,
            format!("{not_appraised} of {in_synthesis} coded papers are not appraised"),
        ));
    }
    for (item, n) in undeclared {
        out.push(Diagnostic::warning(
            shown,
            None,
            format!(
                "{} answer appraisal item `{item}`, which the checklist does not have (kept)",
                plural(n, "paper")
            ),
        ));
    }
    out
}

/// The line of every `[papers."<id>"]` and `[aside."<id>"]` header in a
/// codings file, found in one pass (looking each paper up in the text
/// would take time growing with the square of the papers coded).
pub fn paper_lines(text: &str) -> HashMap<(&str, &str), usize> {
    let mut lines = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        for table in ["papers", "aside"] {
            let Some(rest) = line
                .strip_prefix('[')
                .and_then(|l| l.strip_prefix(table))
                .and_then(|l| l.strip_prefix(".\""))
            else {
                continue;
            };
            // thema writes ids as basic strings; an id with a quote or a
            // backslash in it is found without its line.
            if let Some(id) = rest.strip_suffix("\"]") {
                lines.insert((table, id), n + 1);
            }
        }
    }
    lines
}

/// The line of each `key = …` in a `[papers."<id>".<table>]` of a codings
/// file, by (table, paper id, key), found in one pass. Keys as thema
/// writes them (bare, or a basic string without escapes); others are found
/// at their paper's line.
pub fn value_lines(text: &str) -> HashMap<(&str, &str, &str), usize> {
    let mut lines = HashMap::new();
    let mut table: Option<(&str, &str)> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            table = line
                .strip_prefix("[papers.\"")
                .and_then(|l| l.strip_suffix(']'))
                .and_then(|l| l.rsplit_once("\"."))
                .filter(|(id, sub)| !id.contains(['"', '\\']) && !sub.contains(['"', '.']))
                .map(|(id, sub)| (sub, id));
            continue;
        }
        let (Some((sub, id)), Some((key, _))) = (table, line.split_once('=')) else {
            continue;
        };
        let key = key.trim();
        let key = key
            .strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .unwrap_or(key);
        lines.entry((sub, id, key)).or_insert(n + 1);
    }
    lines
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
