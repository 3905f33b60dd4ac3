//! One reviewer's codings: which factors each paper supports, the quotes
//! that support each, and a note.
//!
//! The file is plain TOML written in a fixed order (papers sorted, factor lists
//! sorted, LF, final newline) so it diffs and merges cleanly in git. Saves are
//! atomic: temp file in the same folder, fsync, rename over, fsync the folder.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::{self, File, TryLockError};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::infra::diagnostic::{Diagnostic, from_toml_error};

/// One supporting quote: a passage of the paper, where it is, and why it
/// supports its factor. In the file: `[[papers."<id>".quotes]]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Quote {
    /// The factor id it supports; "" = not assigned to a factor (a quote
    /// from a file written before quotes had factors).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub factor: String,
    #[serde(default)]
    pub text: String,
    /// Page, section or line: free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub location: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// The id the file holds when the codebook merged it into `factor`:
    /// written back as it was (as factors are), so undoing the merge finds
    /// the quote under its own factor again.
    #[serde(skip)]
    pub read_as: Option<String>,
    /// Fields a later version or another tool added: kept, written back.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

impl Quote {
    pub fn new(factor: &str, text: &str, location: &str, comment: &str) -> Quote {
        Quote {
            factor: factor.to_string(),
            text: text.to_string(),
            location: location.to_string(),
            comment: comment.to_string(),
            ..Quote::default()
        }
    }

    /// The factor id as the file holds it.
    pub fn raw_factor(&self) -> &str {
        self.read_as.as_deref().unwrap_or(&self.factor)
    }
}

/// What one reviewer recorded for one paper.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(from = "PaperCodingIn")]
pub struct PaperCoding {
    /// The paper this was coded on, as it was then ("Walshe 2008"), with
    /// [`PaperCoding::title`]: a source that later gives this id to another
    /// paper is noticed, never followed (see [`crate::review::identity::Stamp`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cite: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default)]
    pub factors: BTreeSet<String>,
    /// Factors read under an id the codebook merged into them: factor →
    /// the ids the file holds for it. Written back as they were, so undoing
    /// the merge (by any reviewer, at any time) finds them as they were.
    #[serde(skip)]
    pub merged_from: BTreeMap<String, BTreeSet<String>>,
    /// Supporting quotes, each for one factor (or none), in the order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
    /// The reviewer's own note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Marked to come back to.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flagged: bool,
    /// Excluded at full text, with the reason; empty when included.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excluded: String,
    /// Study characteristics by field id, as the file holds them (see
    /// [`crate::review::characteristics`]): a field no longer declared is
    /// kept and written back.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub characteristics: BTreeMap<String, toml::Value>,
    /// Quality appraisal answers by checklist item id (see
    /// [`crate::review::appraisal`]); an item no longer declared is kept.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub appraisal: BTreeMap<String, String>,
    /// The reviewer's reason for each answer, by item id: a table of its
    /// own, so an answer and a comment each diff as one line.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub appraisal_comments: BTreeMap<String, String>,
    /// Fields a later version or another tool added: kept, written back.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// A paper's coding as read: as [`PaperCoding`], plus the one per-paper
/// `quote` files written before quotes had factors.
#[derive(Deserialize)]
struct PaperCodingIn {
    #[serde(default)]
    cite: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    factors: BTreeSet<String>,
    /// The earlier per-paper quote: read as one quote assigned to no
    /// factor (never guessed), written back in the new form.
    #[serde(default)]
    quote: String,
    #[serde(default)]
    quotes: Vec<Quote>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    flagged: bool,
    #[serde(default)]
    excluded: String,
    #[serde(default)]
    characteristics: BTreeMap<String, toml::Value>,
    #[serde(default)]
    appraisal: BTreeMap<String, String>,
    #[serde(default)]
    appraisal_comments: BTreeMap<String, String>,
    #[serde(flatten)]
    extra: BTreeMap<String, toml::Value>,
}

impl From<PaperCodingIn> for PaperCoding {
    fn from(raw: PaperCodingIn) -> PaperCoding {
        let mut quotes = raw.quotes;
        if !raw.quote.is_empty() {
            quotes.insert(0, Quote::new("", &raw.quote, "", ""));
        }
        PaperCoding {
            cite: raw.cite,
            title: raw.title,
            factors: raw.factors,
            merged_from: BTreeMap::new(),
            quotes,
            note: raw.note,
            flagged: raw.flagged,
            excluded: raw.excluded,
            characteristics: raw.characteristics,
            appraisal: raw.appraisal,
            appraisal_comments: raw.appraisal_comments,
            extra: raw.extra,
        }
    }
}

impl PaperCoding {
    /// The quotes for one factor ("" = those assigned to none), with their
    /// places in [`PaperCoding::quotes`].
    pub fn quotes_for<'a>(&'a self, factor: &'a str) -> impl Iterator<Item = (usize, &'a Quote)> {
        self.quotes
            .iter()
            .enumerate()
            .filter(move |(_, q)| q.factor == factor)
    }

    /// Whether [`PaperCoding::read_factors`] has anything to do under `merged`.
    pub fn reads_merged(&self, merged: &BTreeMap<String, String>) -> bool {
        !self.merged_from.is_empty()
            || self.factors.iter().any(|f| merged.contains_key(f))
            || self
                .quotes
                .iter()
                .any(|q| q.read_as.is_some() || merged.contains_key(&q.factor))
    }

    /// The factor ids as the file holds them: each merged factor as the ids
    /// it was read under.
    pub fn raw_factors(&self) -> BTreeSet<String> {
        self.raw_factor_ids()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// [`PaperCoding::raw_factors`], borrowed (the writer's, once per save).
    fn raw_factor_ids(&self) -> BTreeSet<&str> {
        let mut raw = BTreeSet::new();
        for f in &self.factors {
            match self.merged_from.get(f) {
                Some(ids) => raw.extend(ids.iter().map(String::as_str)),
                None => {
                    raw.insert(f.as_str());
                }
            }
        }
        raw
    }

    /// Reads the file's factor ids through `merged` (an id the codebook
    /// merged away → the factor it became), remembering what was read.
    pub fn read_factors(&mut self, merged: &BTreeMap<String, String>) {
        let raw = self.raw_factors();
        self.factors.clear();
        self.merged_from.clear();
        for id in &raw {
            match merged.get(id) {
                Some(into) => {
                    self.factors.insert(into.clone());
                    self.merged_from
                        .entry(into.clone())
                        .or_default()
                        .insert(id.clone());
                }
                None => {
                    self.factors.insert(id.clone());
                }
            }
        }
        // A factor also held under its own id is written back under it too.
        for (into, ids) in &mut self.merged_from {
            if raw.contains(into) {
                ids.insert(into.clone());
            }
        }
        // Quotes as factors: shown under what their factor became, written
        // back under the id they were read as.
        for q in &mut self.quotes {
            let raw = q.read_as.take().unwrap_or_else(|| q.factor.clone());
            match merged.get(&raw) {
                Some(into) => {
                    q.factor = into.clone();
                    q.read_as = Some(raw);
                }
                None => q.factor = raw,
            }
        }
    }

    /// Forgets what a factor no longer on the paper was read as, so adding
    /// it again writes its own id.
    fn prune_merged(&mut self) {
        let factors = &self.factors;
        self.merged_from.retain(|f, _| factors.contains(f));
    }

    /// What `/` finds a paper by besides its record: its quotes (with
    /// their locations and comments) and the note.
    pub fn search_text(&self) -> String {
        let mut out = String::new();
        for q in &self.quotes {
            for part in [&q.text, &q.location, &q.comment] {
                if !part.is_empty() {
                    out.push_str(part);
                    out.push(' ');
                }
            }
        }
        out.push_str(&self.note);
        out
    }

    /// Nothing the reviewer recorded (the stamp is not a record).
    pub fn is_empty(&self) -> bool {
        self.factors.is_empty()
            && self.quotes.is_empty()
            && self.note.is_empty()
            && !self.flagged
            && self.excluded.is_empty()
            && self.characteristics.is_empty()
            && self.appraisal.is_empty()
            && self.appraisal_comments.is_empty()
            && self.extra.is_empty()
    }
}

/// All of one reviewer's codings, keyed by paper id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Codings {
    pub reviewer: String,
    pub papers: BTreeMap<String, PaperCoding>,
    /// Codings whose id a source now gives to another paper: kept as they
    /// were, under the id they were filed under, counted nowhere, and
    /// reported until the reviewer moves them (`[aside."<id>"]`).
    pub aside: BTreeMap<String, PaperCoding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    reviewer: Option<String>,
    #[serde(default)]
    papers: BTreeMap<String, PaperCoding>,
    #[serde(default)]
    aside: BTreeMap<String, PaperCoding>,
}

/// Why codings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodingsError {
    #[error("{0}")]
    Invalid(Diagnostic),
    // The cause is in the message, so it is no `source` too: `{:#}` at
    // the top would print it twice.
    #[error("{path}: {cause}")]
    Io { path: String, cause: io::Error },
    #[error(
        "{reviewer} already has this review open in another thema (pid {pid}, lock {path}); close it first, or pass --reviewer NAME"
    )]
    Locked {
        reviewer: String,
        pid: String,
        path: String,
    },
    #[error("the codings could not be written as TOML: {0}")]
    Unwritable(String),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> CodingsError + '_ {
    move |cause| CodingsError::Io {
        path: path.display().to_string(),
        cause,
    }
}

impl Codings {
    pub fn new(reviewer: &str) -> Codings {
        Codings {
            reviewer: reviewer.to_string(),
            papers: BTreeMap::new(),
            aside: BTreeMap::new(),
        }
    }

    /// The codings file of `reviewer` in `dir`.
    pub fn path(dir: &Path, reviewer: &str) -> PathBuf {
        dir.join(format!("{reviewer}.toml"))
    }

    /// Reads a codings file; a missing file is an empty set of codings.
    /// A file that does not parse is an error naming its line, and is never
    /// touched: the caller must not save over it.
    pub fn load(path: &Path, reviewer: &str) -> Result<Codings, CodingsError> {
        let text = match crate::infra::fsx::read_regular_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Codings::new(reviewer)),
            Err(err) => return Err(io_error(path)(err)),
        };
        Codings::parse(&path.display().to_string(), &text, reviewer)
    }

    pub fn parse(shown: &str, text: &str, reviewer: &str) -> Result<Codings, CodingsError> {
        let raw: RawFile = toml::from_str(text).map_err(|err| {
            let mut d = from_toml_error(shown, text, &err);
            d.message = format!(
                "{} — fix or move the file; thema will not overwrite it",
                d.message
            );
            CodingsError::Invalid(d)
        })?;
        // The file name is the reviewer's identity; a different name inside
        // (a copied file) is reported by `thema check`, not adopted.
        let _ = raw.reviewer;
        Ok(Codings {
            reviewer: reviewer.to_string(),
            papers: raw.papers,
            aside: raw.aside,
        })
    }

    pub fn factors_of(&self, paper_id: &str) -> Option<&BTreeSet<String>> {
        self.papers.get(paper_id).map(|c| &c.factors)
    }

    pub fn has(&self, paper_id: &str, factor_id: &str) -> bool {
        self.factors_of(paper_id)
            .is_some_and(|f| f.contains(factor_id))
    }

    /// Adds or removes a factor; returns whether the paper has it now.
    pub fn toggle(&mut self, paper_id: &str, factor_id: &str) -> bool {
        let entry = self.papers.entry(paper_id.to_string()).or_default();
        let now_has = if entry.factors.remove(factor_id) {
            false
        } else {
            entry.factors.insert(factor_id.to_string());
            true
        };
        entry.prune_merged();
        if entry.is_empty() {
            self.papers.remove(paper_id);
        }
        now_has
    }

    /// The paper's whole coding (empty when it has none).
    pub fn get(&self, paper_id: &str) -> PaperCoding {
        self.papers.get(paper_id).cloned().unwrap_or_default()
    }

    /// Replaces a paper's whole coding; an empty one is removed.
    pub fn set(&mut self, paper_id: &str, mut coding: PaperCoding) {
        coding.prune_merged();
        if coding.is_empty() {
            self.papers.remove(paper_id);
        } else {
            self.papers.insert(paper_id.to_string(), coding);
        }
    }

    /// Changes a paper's coding in place, dropping it if it ends up empty.
    pub fn update(&mut self, paper_id: &str, change: impl FnOnce(&mut PaperCoding)) {
        let mut coding = self.get(paper_id);
        change(&mut coding);
        self.set(paper_id, coding);
    }

    pub fn is_excluded(&self, paper_id: &str) -> bool {
        self.papers
            .get(paper_id)
            .is_some_and(|c| !c.excluded.is_empty())
    }

    /// The file's text: fixed order, so two saves of the same codings are
    /// byte-identical and git diffs show only what changed.
    /// The file's text: written by the `toml` serializer (so it is always
    /// TOML: a NaN kept from another tool comes out as `nan`), in a fixed
    /// order (reviewer, then papers and set-aside codings by id, each with
    /// its fields in one order), so it diffs and merges cleanly.
    pub fn to_toml(&self) -> Result<String, CodingsError> {
        let file = FileOut {
            reviewer: &self.reviewer,
            papers: EntriesOut(&self.papers),
            aside: EntriesOut(&self.aside),
        };
        let body = toml::to_string(&file).map_err(|e| CodingsError::Unwritable(e.to_string()))?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Writes atomically: a crash at any point leaves either the old file or
    /// the new one, never a torn one.
    pub fn save(&self, path: &Path) -> Result<(), CodingsError> {
        write_atomically(path, self.to_toml()?.as_bytes()).map_err(io_error(path))
    }
}

impl CodingsError {
    /// A short form for the status line: the cause and the file name.
    pub fn brief(&self) -> String {
        match self {
            CodingsError::Io { path, cause } => {
                let name = Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.clone());
                format!("{cause} ({name})")
            }
            other => other.to_string(),
        }
    }
}

/// What a save did besides writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveOutcome {
    Written,
    /// The file had been changed outside thema (a hand edit, a `git pull`):
    /// its content was taken, with this session's change to the one paper
    /// re-applied on top, so neither side's work is lost.
    MergedOutsideChanges,
}

/// The codings file of one reviewer, and what thema last read or wrote there,
/// so a change made outside thema while it runs is merged, never overwritten.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    known: Option<String>,
}

impl Store {
    /// Loads `path` (a missing file is empty codings).
    pub fn open(path: &Path, reviewer: &str) -> Result<(Store, Codings), CodingsError> {
        let known = match crate::infra::fsx::read_regular_string(path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => return Err(io_error(path)(err)),
        };
        let codings = match &known {
            Some(text) => Codings::parse(&path.display().to_string(), text, reviewer)?,
            None => Codings::new(reviewer),
        };
        Ok((
            Store {
                path: path.to_path_buf(),
                known,
            },
            codings,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text as thema last read or wrote it (empty if none yet).
    pub fn text(&self) -> &str {
        self.known.as_deref().unwrap_or("")
    }

    /// Reads the file again (after thema itself rewrote it for a codebook
    /// change), so the next save does not take that for an outside edit.
    pub fn reload(&mut self, reviewer: &str) -> Result<Codings, CodingsError> {
        let (fresh, codings) = Store::open(&self.path, reviewer)?;
        self.known = fresh.known;
        Ok(codings)
    }

    /// Saves `codings` after a change to paper `changed`. If the file changed
    /// on disk since thema last read or wrote it, the disk version wins for
    /// every other paper and `codings` is replaced by the merge.
    pub fn save(
        &mut self,
        codings: &mut Codings,
        changed: Option<&str>,
    ) -> Result<SaveOutcome, CodingsError> {
        let changed: Vec<String> = changed.map(str::to_string).into_iter().collect();
        self.save_changes(codings, &changed)
    }

    /// [`Store::save`] after changes to several papers (those not yet on
    /// disk because an earlier save failed, say).
    pub fn save_changes(
        &mut self,
        codings: &mut Codings,
        changed: &[String],
    ) -> Result<SaveOutcome, CodingsError> {
        let on_disk = match crate::infra::fsx::read_regular_string(&self.path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => return Err(io_error(&self.path)(err)),
        };
        let mut outcome = SaveOutcome::Written;
        if on_disk != self.known
            && let Some(text) = &on_disk
        {
            let shown = self.path.display().to_string();
            let mut merged =
                Codings::parse(&shown, text, &codings.reviewer).map_err(|e| match e {
                    CodingsError::Invalid(mut d) => {
                        d.message = format!(
                            "changed outside thema and no longer parses ({}); not overwritten",
                            d.message
                        );
                        CodingsError::Invalid(d)
                    }
                    other => other,
                })?;
            merged.reviewer = codings.reviewer.clone();
            for id in changed {
                match codings.papers.get(id) {
                    Some(entry) => {
                        merged.papers.insert(id.to_string(), entry.clone());
                    }
                    None => {
                        merged.papers.remove(id);
                    }
                }
            }
            *codings = merged;
            outcome = SaveOutcome::MergedOutsideChanges;
        }
        let text = codings.to_toml()?;
        write_atomically(&self.path, text.as_bytes()).map_err(io_error(&self.path))?;
        self.known = Some(text);
        Ok(outcome)
    }
}

/// Temp file beside the target → fsync → rename over → fsync the folder
/// (see [`crate::infra::fsx::write_atomically`]: never through a link).
pub use crate::infra::fsx::write_atomically;

/// One paper's lines: the stamp first, so a diff shows which paper changed.
const HEADER: &str =
    "# thema codings: one reviewer's judgements. Sorted so it diffs and merges cleanly.\n";

/// The codings file as written; field order here is the order in the file.
#[derive(Serialize)]
struct FileOut<'a> {
    reviewer: &'a str,
    #[serde(skip_serializing_if = "EntriesOut::is_empty")]
    papers: EntriesOut<'a>,
    #[serde(skip_serializing_if = "EntriesOut::is_empty")]
    aside: EntriesOut<'a>,
}

/// The non-empty codings of a table, by id, streamed to the serializer.
struct EntriesOut<'a>(&'a BTreeMap<String, PaperCoding>);

impl EntriesOut<'_> {
    fn is_empty(&self) -> bool {
        self.0.values().all(PaperCoding::is_empty)
    }
}

impl Serialize for EntriesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .filter(|(_, c)| !c.is_empty())
                .map(|(id, c)| (id, EntryOut::of(c))),
        )
    }
}

/// One paper's coding as written: merged factors under the ids they were
/// read as (see [`PaperCoding::raw_factors`]).
#[derive(Serialize)]
struct EntryOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    cite: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    title: &'a str,
    factors: BTreeSet<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    note: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    flagged: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    excluded: &'a str,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, toml::Value>,
    // Tables last: after them a key would belong to the last quote.
    // Characteristics by field id (sorted), as one table per paper.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    characteristics: &'a BTreeMap<String, toml::Value>,
    // Appraisal answers, then their comments, each by item id (sorted).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    appraisal: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    appraisal_comments: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    quotes: Vec<QuoteOut<'a>>,
}

/// One quote as written: factor, text, location, comment (empty ones
/// left out), its factor under the id it was read as.
#[derive(Serialize)]
struct QuoteOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    factor: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    location: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    comment: &'a str,
    #[serde(flatten)]
    extra: &'a BTreeMap<String, toml::Value>,
}

impl<'a> EntryOut<'a> {
    fn of(c: &'a PaperCoding) -> EntryOut<'a> {
        EntryOut {
            cite: &c.cite,
            title: &c.title,
            factors: c.raw_factor_ids(),
            note: &c.note,
            flagged: c.flagged,
            excluded: &c.excluded,
            extra: &c.extra,
            characteristics: &c.characteristics,
            appraisal: &c.appraisal,
            appraisal_comments: &c.appraisal_comments,
            quotes: c
                .quotes
                .iter()
                .map(|q| QuoteOut {
                    factor: q.raw_factor(),
                    text: &q.text,
                    location: &q.location,
                    comment: &q.comment,
                    extra: &q.extra,
                })
                .collect(),
        }
    }
}

/// Folds one paper's coding into another's: nothing the reviewer wrote is
/// dropped (factors are joined, quotes gathered, a second note is
/// appended, a flag or an exclusion on either side stays).
pub(crate) fn merge_into(entry: &mut PaperCoding, old: PaperCoding) {
    for (f, ids) in old.merged_from {
        if !entry.factors.contains(&f) {
            entry.merged_from.insert(f, ids);
        }
    }
    entry.factors.extend(old.factors);
    if entry.title.is_empty() {
        entry.cite = old.cite;
        entry.title = old.title;
    }
    for q in old.quotes {
        if !entry.quotes.contains(&q) {
            entry.quotes.push(q);
        }
    }
    if entry.note.is_empty() {
        entry.note = old.note;
    } else if !old.note.is_empty() && entry.note != old.note {
        entry.note = format!("{} / {}", entry.note, old.note);
    }
    entry.flagged |= old.flagged;
    if entry.excluded.is_empty() {
        entry.excluded = old.excluded;
    }
    for (k, v) in old.characteristics {
        entry.characteristics.entry(k).or_insert(v);
    }
    for (k, v) in old.appraisal {
        entry.appraisal.entry(k).or_insert(v);
    }
    for (k, v) in old.appraisal_comments {
        entry.appraisal_comments.entry(k).or_insert(v);
    }
    for (k, v) in old.extra {
        entry.extra.entry(k).or_insert(v);
    }
}

/// A TOML basic string.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One thema per (review, reviewer). Held as an OS file lock, so a crashed
/// process never leaves it stuck; the file holds the pid for the message.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
    /// Pid written by a previous thema that did not clean up, if any.
    pub took_over_from: Option<String>,
}

impl Lock {
    pub fn acquire(dir: &Path, reviewer: &str) -> Result<Lock, CodingsError> {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        let path = dir.join(format!(".{reviewer}.lock"));
        // Never through a link, never a FIFO or device, never a hard link
        // to another file: the lock is emptied and written.
        let mut file = crate::infra::fsx::open_lock(&path).map_err(io_error(&path))?;
        let mut previous = String::new();
        file.read_to_string(&mut previous).ok();
        let previous = previous.trim().to_string();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(CodingsError::Locked {
                    reviewer: reviewer.to_string(),
                    pid: if previous.is_empty() {
                        "unknown".into()
                    } else {
                        previous
                    },
                    path: path.display().to_string(),
                });
            }
            Err(TryLockError::Error(err)) => return Err(io_error(&path)(err)),
        }
        crate::infra::fsx::overwrite(&file, format!("{}\n", std::process::id()).as_bytes())
            .map_err(io_error(&path))?;
        // Saves killed mid-write left their temp files here.
        crate::infra::fsx::remove_stale_temps(dir);
        Ok(Lock {
            file,
            path,
            took_over_from: (!previous.is_empty()).then_some(previous),
        })
    }
}

impl Lock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Empty the file, not delete it: a second thema that opened the path
        // a moment ago must lock the same file, not a name-less one. An
        // empty lock file is a free lock.
        self.file.set_len(0).ok();
        self.file.unlock().ok();
    }
}

/// Frees a lock from outside its owner (the signal path): empty the file.
pub fn release_lock_file(path: &Path) {
    crate::infra::fsx::empty_lock_file(path).ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_from_other_tools_are_written_back_as_toml_even_nan_and_tables() {
        let text = "reviewer = \"x\"\n\n[papers.a]\nfactors = [\"f\"]\nquote = \"one\\ntwo \\\"q\\\"\"\n\
                    score = nan\nweight = 2.0\nmeta = { by = \"tool\", n = [1, 2] }\n";
        let c = Codings::parse("f.toml", text, "x").expect("parses");
        let written = c.to_toml().expect("writes");
        let again = Codings::parse("f.toml", &written, "x").expect("what thema writes reads back");
        let a = &again.papers["a"];
        assert_eq!(a.quotes[0].text, "one\ntwo \"q\"");
        assert_eq!(
            a.quotes[0].factor, "",
            "a legacy quote is assigned to no factor"
        );
        assert!(matches!(a.extra.get("score"), Some(toml::Value::Float(f)) if f.is_nan()));
        assert_eq!(a.extra.get("weight"), Some(&toml::Value::Float(2.0)));
        assert_eq!(a.extra.get("meta"), c.papers["a"].extra.get("meta"));
    }
    #[test]
    fn characteristics_are_written_as_one_table_and_read_back() {
        let text = "reviewer = \"x\"\n\n[papers.a]\nfactors = [\"f\"]\nscore = 3\n\n\
                    [papers.a.characteristics]\nsample_size = 24\ncountry = \"UK\"\n\
                    design = [\"Interviews\", \"Focus groups\"]\nold_field = { n = 1 }\n\n\
                    [[papers.a.quotes]]\nfactor = \"f\"\ntext = \"q\"\n";
        let c = Codings::parse("f.toml", text, "x").expect("parses");
        let a = &c.papers["a"];
        assert_eq!(a.characteristics["sample_size"], toml::Value::Integer(24));
        assert_eq!(a.extra.get("score"), Some(&toml::Value::Integer(3)));
        let written = c.to_toml().expect("writes");
        assert!(
            written.contains(
                "[papers.a.characteristics]\ncountry = \"UK\"\ndesign = [\"Interviews\", \"Focus groups\"]\n"
            ),
            "{written}"
        );
        let again = Codings::parse("f.toml", &written, "x").expect("reads back");
        assert_eq!(c, again);
        assert_eq!(written, again.to_toml().expect("writes"));
    }

    #[test]
    fn appraisal_answers_and_comments_are_written_as_two_tables_and_read_back() {
        let text = "reviewer = \"x\"\n\n[papers.a]\nfactors = []\n\n\
                    [papers.a.appraisal]\nq2 = \"no\"\nq1 = \"yes\"\nold_item = \"can't tell\"\n\n\
                    [papers.a.appraisal_comments]\nq2 = \"no \\\"reflexivity\\\"\"\n";
        let c = Codings::parse("f.toml", text, "x").expect("parses");
        let a = &c.papers["a"];
        assert_eq!(a.appraisal["q1"], "yes");
        assert_eq!(a.appraisal_comments["q2"], "no \"reflexivity\"");
        let written = c.to_toml().expect("writes");
        assert!(
            written.contains(
                "[papers.a.appraisal]\nold_item = \"can't tell\"\nq1 = \"yes\"\nq2 = \"no\"\n\n\
                 [papers.a.appraisal_comments]\nq2 = 'no \"reflexivity\"'\n"
            ),
            "{written}"
        );
        let again = Codings::parse("f.toml", &written, "x").expect("reads back");
        assert_eq!(c, again);
        assert_eq!(written, again.to_toml().expect("writes"));
    }

    #[test]
    fn toggling_twice_leaves_no_empty_entry() {
        let mut c = Codings::new("alice");
        assert!(c.toggle("doi:10.1/x", "roles"));
        assert!(c.has("doi:10.1/x", "roles"));
        assert!(!c.toggle("doi:10.1/x", "roles"));
        assert!(c.papers.is_empty());
    }

    #[test]
    fn quoting_escapes_what_toml_needs() {
        assert_eq!(quoted("a \"b\" \\ c\nd"), r#""a \"b\" \\ c\nd""#);
    }

    #[test]
    fn extra_fields_survive_a_round_trip() {
        let text = "reviewer = \"bob\"\n[papers.\"pmid:1\"]\nfactors = [\"b\", \"a\"]\nconfidence = { level = 2, why = \"clear\" }\ntags = [\"x\"]\n";
        let c = Codings::parse("f.toml", text, "x").expect("parses");
        let again = Codings::parse("f.toml", &c.to_toml().expect("writes"), "x").expect("reparses");
        assert_eq!(c, again);
        assert!(
            c.to_toml()
                .expect("writes")
                .contains("factors = [\"a\", \"b\"]")
        );
    }
}
