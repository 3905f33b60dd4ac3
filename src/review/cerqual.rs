//! GRADE-CERQual: how much confidence each review finding deserves. One
//! finding per factor, in `cerqual.toml` in the review folder: one file for
//! the whole team (an assessment is the review's, not one reviewer's).
//!
//! The file is plain TOML in a fixed order (factors by id, then the finding,
//! the four components and the overall confidence), written atomically as
//! codings are. Keys thema does not know are kept and written back. A file
//! that does not parse is an error naming its line and is never written
//! over. Two reviewers saving at once: a save takes an exclusive lock file,
//! reads the file again and merges per (factor, field) against what this
//! session showed the reviewer (see [`merge`]): nothing either side wrote is
//! dropped without being said.
//!
//! The contributing studies are never typed: they are the papers coded with
//! the factor ([`contributing`]).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::infra::diagnostic::{Diagnostic, from_toml_error};
use crate::review::Review;
use crate::review::codings::Codings;

/// The file's name in the review folder.
pub const CERQUAL_FILE: &str = "cerqual.toml";

/// Larger than any real set of findings (a few hundred kB at most): a file
/// this big is refused rather than read into memory.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// A lock file older than this is a crashed writer's: a save takes
/// milliseconds.
pub const STALE_LOCK: Duration = Duration::from_secs(30);

/// How long a save waits for another thema's lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// A component's level of concern (stable ids in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    NoOrVeryMinor,
    Minor,
    Moderate,
    Serious,
}

/// The overall confidence in a finding (stable ids in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Moderate,
    Low,
    VeryLow,
}

/// A level with its id (as written) and its label (as shown).
pub trait Level: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn id(self) -> &'static str;
    fn label(self) -> &'static str;
}

impl Level for Concern {
    const ALL: &'static [Concern] = &[
        Concern::NoOrVeryMinor,
        Concern::Minor,
        Concern::Moderate,
        Concern::Serious,
    ];
    fn id(self) -> &'static str {
        match self {
            Concern::NoOrVeryMinor => "no_or_very_minor",
            Concern::Minor => "minor",
            Concern::Moderate => "moderate",
            Concern::Serious => "serious",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Concern::NoOrVeryMinor => "No or very minor concerns",
            Concern::Minor => "Minor concerns",
            Concern::Moderate => "Moderate concerns",
            Concern::Serious => "Serious concerns",
        }
    }
}

impl Level for Confidence {
    const ALL: &'static [Confidence] = &[
        Confidence::High,
        Confidence::Moderate,
        Confidence::Low,
        Confidence::VeryLow,
    ];
    fn id(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Moderate => "moderate",
            Confidence::Low => "low",
            Confidence::VeryLow => "very_low",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Confidence::High => "High confidence",
            Confidence::Moderate => "Moderate confidence",
            Confidence::Low => "Low confidence",
            Confidence::VeryLow => "Very low confidence",
        }
    }
}

/// One judgement: a level (none: not judged yet) and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de>", serialize = "L: Serialize"))]
pub struct Judgement<L> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<L>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub explanation: String,
    /// Keys a later version or another tool added: kept, written back.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

impl<L> Default for Judgement<L> {
    fn default() -> Self {
        Judgement {
            level: None,
            explanation: String::new(),
            extra: BTreeMap::new(),
        }
    }
}

impl<L> Judgement<L> {
    pub fn is_empty(&self) -> bool {
        self.level.is_none() && self.explanation.is_empty() && self.extra.is_empty()
    }
}

/// The four CERQual components, in the order the approach lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    MethodologicalLimitations,
    Coherence,
    Adequacy,
    Relevance,
}

impl Component {
    pub const ALL: [Component; 4] = [
        Component::MethodologicalLimitations,
        Component::Coherence,
        Component::Adequacy,
        Component::Relevance,
    ];

    /// The table's name in the file.
    pub fn id(self) -> &'static str {
        match self {
            Component::MethodologicalLimitations => "methodological_limitations",
            Component::Coherence => "coherence",
            Component::Adequacy => "adequacy",
            Component::Relevance => "relevance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Component::MethodologicalLimitations => "Methodological limitations",
            Component::Coherence => "Coherence",
            Component::Adequacy => "Adequacy",
            Component::Relevance => "Relevance",
        }
    }
}

/// What one factor's finding is, and how much confidence it deserves.
/// In the file: `[factors.<id>]` with `finding`, then one table per
/// component and `overall`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The review finding: a sentence or two.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub finding: String,
    /// Keys a later version or another tool added: kept, written back.
    /// (Plain keys before the tables below; the serializer places any
    /// table among them after the plain ones.)
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub methodological_limitations: Judgement<Concern>,
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub coherence: Judgement<Concern>,
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub adequacy: Judgement<Concern>,
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub relevance: Judgement<Concern>,
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub overall: Judgement<Confidence>,
}

impl Assessment {
    pub fn component(&self, c: Component) -> &Judgement<Concern> {
        match c {
            Component::MethodologicalLimitations => &self.methodological_limitations,
            Component::Coherence => &self.coherence,
            Component::Adequacy => &self.adequacy,
            Component::Relevance => &self.relevance,
        }
    }

    pub fn component_mut(&mut self, c: Component) -> &mut Judgement<Concern> {
        match c {
            Component::MethodologicalLimitations => &mut self.methodological_limitations,
            Component::Coherence => &mut self.coherence,
            Component::Adequacy => &mut self.adequacy,
            Component::Relevance => &mut self.relevance,
        }
    }

    /// Nothing assessed (no table is written for it).
    pub fn is_empty(&self) -> bool {
        self.finding.is_empty()
            && self.extra.is_empty()
            && Component::ALL.iter().all(|&c| self.component(c).is_empty())
            && self.overall.is_empty()
    }

    /// Whether one field is the same in both.
    fn same(&self, other: &Assessment, field: Field) -> bool {
        match field {
            Field::Finding => self.finding == other.finding,
            Field::Component(c) => self.component(c) == other.component(c),
            Field::Overall => self.overall == other.overall,
        }
    }

    fn take(&mut self, from: &Assessment, field: Field) {
        match field {
            Field::Finding => self.finding = from.finding.clone(),
            Field::Component(c) => *self.component_mut(c) = from.component(c).clone(),
            Field::Overall => self.overall = from.overall.clone(),
        }
    }
}

/// The unit a merge decides on: the finding, one component (level and
/// explanation together), or the overall confidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Finding,
    Component(Component),
    Overall,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Finding,
        Field::Component(Component::MethodologicalLimitations),
        Field::Component(Component::Coherence),
        Field::Component(Component::Adequacy),
        Field::Component(Component::Relevance),
        Field::Overall,
    ];

    /// As a sentence says it: "coherence", "the finding".
    pub fn name(self) -> &'static str {
        match self {
            Field::Finding => "the finding",
            Field::Component(Component::MethodologicalLimitations) => "methodological limitations",
            Field::Component(Component::Coherence) => "coherence",
            Field::Component(Component::Adequacy) => "adequacy",
            Field::Component(Component::Relevance) => "relevance",
            Field::Overall => "overall confidence",
        }
    }
}

/// Every assessment of a review, by factor id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessments {
    /// Top-level keys a later version or another tool added.
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub factors: BTreeMap<String, Assessment>,
}

/// Why the assessments could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CerqualError {
    #[error("{0}")]
    Invalid(Diagnostic),
    #[error("{path}: {cause}")]
    Io { path: String, cause: io::Error },
    /// Not a plain file, or too large: never read, never written over.
    #[error("{path}: {why}")]
    Refused { path: String, why: String },
    #[error(
        "{path} is being written by another thema (lock {lock}, pid {pid}); nothing lost: keep again in a moment"
    )]
    Busy {
        path: String,
        lock: String,
        pid: String,
    },
    #[error("the assessments could not be written as TOML: {0}")]
    Unwritable(String),
}

impl CerqualError {
    /// Short enough for the status line: without the folder in front.
    pub fn brief(&self) -> String {
        let name = |path: &str| {
            Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string())
        };
        match self {
            CerqualError::Invalid(d) => {
                let at = d.line.map(|l| format!(":{l}")).unwrap_or_default();
                let message = crate::infra::diagnostic::escape_line(&d.message);
                format!("{}{at}: {message}", name(&d.file))
            }
            CerqualError::Io { path, cause } => format!("{cause} ({})", name(path)),
            CerqualError::Refused { path, why } => format!("{}: {why}", name(path)),
            CerqualError::Busy { pid, .. } => format!(
                "{CERQUAL_FILE} is being written by another thema (pid {pid}); nothing lost: keep again in a moment"
            ),
            CerqualError::Unwritable(_) => self.to_string(),
        }
    }
}

const HEADER: &str = "# thema GRADE-CERQual: confidence in each review finding, one [factors.<id>] per factor.\n\
# Levels: no_or_very_minor, minor, moderate, serious (components); high, moderate, low, very_low (overall).\n";

impl Assessments {
    /// The file in `review_dir`.
    pub fn path(review_dir: &Path) -> PathBuf {
        review_dir.join(CERQUAL_FILE)
    }

    pub fn get(&self, factor: &str) -> Option<&Assessment> {
        self.factors.get(factor).filter(|a| !a.is_empty())
    }

    /// Reads the text of a file (`shown` names it in errors).
    pub fn parse(shown: &str, text: &str) -> Result<Assessments, CerqualError> {
        toml::from_str(text).map_err(|err| {
            let mut d = from_toml_error(shown, text, &err);
            d.message = format!(
                "{} — fix or move the file; thema will not overwrite it",
                d.message
            );
            CerqualError::Invalid(d)
        })
    }

    /// The file's text: factors by id, empty assessments left out.
    pub fn to_toml(&self) -> Result<String, CerqualError> {
        let mut kept = self.clone();
        kept.factors.retain(|_, a| !a.is_empty());
        let body = toml::to_string(&kept).map_err(|e| CerqualError::Unwritable(e.to_string()))?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Reads `cerqual.toml` of `review_dir`: a missing file is no
    /// assessments. Never follows a symbolic link, never reads anything but
    /// a plain file, nor one larger than [`MAX_BYTES`].
    pub fn load(review_dir: &Path) -> Result<Assessments, CerqualError> {
        match read_file(&Assessments::path(review_dir))? {
            None => Ok(Assessments::default()),
            Some((shown, text)) => Assessments::parse(&shown, &text),
        }
    }
}

/// The file's text, or none when there is no file.
fn read_file(path: &Path) -> Result<Option<(String, String)>, CerqualError> {
    let shown = path.display().to_string();
    let refused = |why: String| CerqualError::Refused {
        path: shown.clone(),
        why,
    };
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(cause) => {
            return Err(CerqualError::Io { path: shown, cause });
        }
    };
    if meta.file_type().is_symlink() {
        return Err(refused(
            "is a symbolic link; thema reads and writes only a plain cerqual.toml: replace the link with the file".into(),
        ));
    }
    if !meta.is_file() {
        return Err(refused(format!(
            "is {}, not a plain file: remove it",
            crate::infra::fsx::kind_name(meta.file_type())
        )));
    }
    if meta.len() > MAX_BYTES {
        return Err(refused(format!(
            "is {} bytes, more than the {MAX_BYTES} a CERQual file can be; not read",
            meta.len()
        )));
    }
    match crate::infra::fsx::read_regular_string(path) {
        Ok(text) => Ok(Some((shown, text))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(cause) => Err(CerqualError::Io { path: shown, cause }),
    }
}

/// Merges this session's change to one factor into `theirs` (the file as
/// it is now), field by field against `base` (the assessment as this
/// session showed it before the change):
/// - a field only they changed keeps theirs; one only we changed takes ours;
/// - a field both changed the same way is that;
/// - a field both changed differently keeps theirs, and is returned, so
///   the caller says so and keeps ours in front of the reviewer.
pub fn merge(
    theirs: &mut Assessments,
    factor: &str,
    base: &Assessment,
    ours: &Assessment,
) -> Vec<Field> {
    let entry = theirs.factors.entry(factor.to_string()).or_default();
    let mut conflicts = Vec::new();
    for field in Field::ALL {
        if ours.same(base, field) || ours.same(entry, field) {
            continue;
        }
        if entry.same(base, field) {
            entry.take(ours, field);
            continue;
        }
        // Both changed a judgement: its level and its explanation are
        // merged each on its own, so one reviewer's level and the other's
        // explanation both stand.
        let clash = match field {
            Field::Finding => true,
            Field::Component(c) => {
                merge_judgement(entry.component_mut(c), base.component(c), ours.component(c))
            }
            Field::Overall => merge_judgement(&mut entry.overall, &base.overall, &ours.overall),
        };
        if clash {
            conflicts.push(field);
        }
    }
    if entry.is_empty() {
        theirs.factors.remove(factor);
    }
    conflicts
}

/// Merges our change to one judgement into theirs, level and explanation
/// each by the rule of [`merge`]; whether either clashed (theirs kept).
fn merge_judgement<L: Clone + PartialEq>(
    theirs: &mut Judgement<L>,
    base: &Judgement<L>,
    ours: &Judgement<L>,
) -> bool {
    fn part<T: Clone + PartialEq>(theirs: &mut T, base: &T, ours: &T) -> bool {
        if ours == base || ours == theirs {
            false
        } else if theirs == base {
            *theirs = ours.clone();
            false
        } else {
            true
        }
    }
    let level = part(&mut theirs.level, &base.level, &ours.level);
    let explanation = part(
        &mut theirs.explanation,
        &base.explanation,
        &ours.explanation,
    );
    level || explanation
}

/// What a save did.
#[derive(Debug)]
pub struct Saved {
    /// Every assessment as the file now holds it.
    pub assessments: Assessments,
    /// Fields of the factor someone else changed too: theirs was kept.
    pub conflicts: Vec<Field>,
    /// Whether the file held changes from elsewhere that were merged.
    pub merged: bool,
}

/// Saves this session's change to one factor: under the lock, reads the
/// file again, merges (see [`merge`]) and writes it atomically. A file that
/// no longer parses is not written over.
pub fn save(
    review_dir: &Path,
    factor: &str,
    base: &Assessment,
    ours: &Assessment,
) -> Result<Saved, CerqualError> {
    let path = Assessments::path(review_dir);
    let _lock = WriteLock::acquire(review_dir)?;
    let mut theirs = match read_file(&path)? {
        None => Assessments::default(),
        Some((shown, text)) => Assessments::parse(&shown, &text).map_err(|e| match e {
            CerqualError::Invalid(mut d) => {
                d.message = format!(
                    "changed since it was read and no longer parses ({})",
                    d.message
                );
                CerqualError::Invalid(d)
            }
            other => other,
        })?,
    };
    let merged = theirs.get(factor).cloned().unwrap_or_default() != *base;
    let conflicts = merge(&mut theirs, factor, base, ours);
    let text = theirs.to_toml()?;
    crate::infra::fsx::write_atomically(&path, text.as_bytes()).map_err(|cause| {
        CerqualError::Io {
            path: path.display().to_string(),
            cause,
        }
    })?;
    Ok(Saved {
        assessments: theirs,
        conflicts,
        merged,
    })
}

/// The exclusive lock around read-merge-write: `.cerqual.toml.lock`,
/// created new (never through a link), removed when dropped. One left by a
/// crashed thema is taken over once it is [`STALE_LOCK`] old.
#[derive(Debug)]
pub struct WriteLock {
    path: PathBuf,
}

impl WriteLock {
    pub fn path(review_dir: &Path) -> PathBuf {
        review_dir.join(format!(".{CERQUAL_FILE}.lock"))
    }

    pub fn acquire(review_dir: &Path) -> Result<WriteLock, CerqualError> {
        let path = WriteLock::path(review_dir);
        let io_err = |cause| CerqualError::Io {
            path: path.display().to_string(),
            cause,
        };
        let started = std::time::Instant::now();
        loop {
            match crate::infra::fsx::create_new(&path) {
                Ok(mut file) => {
                    use std::io::Write as _;
                    // The pid only names the holder in a message.
                    writeln!(file, "{}", std::process::id()).ok();
                    crate::infra::fsx::remove_stale_temps_of(review_dir, CERQUAL_FILE);
                    return Ok(WriteLock { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_err(e)),
            }
            let meta = match fs::symlink_metadata(&path) {
                Ok(m) => m,
                // Freed meanwhile: try again at once.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err(e)),
            };
            let age = meta
                .modified()
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or_default();
            if meta.is_dir() {
                // Not thema's: a lock is a file. Removing a folder might
                // lose what someone keeps in it.
                return Err(CerqualError::Refused {
                    path: path.display().to_string(),
                    why: "is a folder, not thema's lock file: remove it, then keep again".into(),
                });
            }
            if age >= STALE_LOCK || !meta.is_file() {
                // A crashed writer's (or something planted): removing the
                // entry never touches what a link points to.
                fs::remove_file(&path).or_else(|e| {
                    if e.kind() == io::ErrorKind::NotFound {
                        Ok(())
                    } else {
                        Err(io_err(e))
                    }
                })?;
                continue;
            }
            if started.elapsed() >= LOCK_WAIT {
                let pid = crate::infra::fsx::read_regular_string(&path)
                    .map(|t| t.trim().to_string())
                    .ok()
                    // Only a number names a process; anything else was
                    // not written by thema.
                    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                    .unwrap_or_else(|| "unknown".into());
                return Err(CerqualError::Busy {
                    path: Assessments::path(review_dir).display().to_string(),
                    lock: path.display().to_string(),
                    pid,
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        fs::remove_file(&self.path).ok();
    }
}

/// The papers that contribute to a factor's finding: those `codings` code
/// with it (not excluded), as indices into `review.papers` (display order:
/// first author, year, title).
pub fn contributing(review: &Review, codings: &Codings, factor: &str) -> Vec<usize> {
    let mut found: Vec<usize> = codings
        .papers
        .iter()
        .filter(|(_, c)| c.excluded.is_empty() && c.factors.contains(factor))
        .filter_map(|(id, _)| review.paper_index(id))
        .collect();
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(level: Concern, why: &str) -> Judgement<Concern> {
        Judgement {
            level: Some(level),
            explanation: why.into(),
            extra: BTreeMap::new(),
        }
    }

    #[test]
    fn merge_takes_each_sides_fields_and_reports_the_ones_both_changed() {
        let base = Assessment {
            finding: "Nurses value time".into(),
            ..Assessment::default()
        };
        let mut theirs = Assessments::default();
        let mut t = base.clone();
        t.adequacy = judged(Concern::Minor, "thin data");
        t.coherence = judged(Concern::Serious, "contradictory");
        theirs.factors.insert("f".into(), t);
        let mut ours = base.clone();
        ours.finding = "Nurses value protected time".into();
        ours.coherence = judged(Concern::Minor, "fits");
        let conflicts = merge(&mut theirs, "f", &base, &ours);
        assert_eq!(conflicts, [Field::Component(Component::Coherence)]);
        let got = &theirs.factors["f"];
        assert_eq!(got.finding, "Nurses value protected time", "ours only");
        assert_eq!(got.adequacy.level, Some(Concern::Minor), "theirs only");
        assert_eq!(
            got.coherence.level,
            Some(Concern::Serious),
            "conflict: disk kept"
        );
    }
}
