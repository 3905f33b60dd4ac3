//! A paper as thema holds it, and what reading the sources reported: the
//! types the papers cache stores, kept apart from opening a review so the
//! cache and the review do not depend on each other.

use serde::Serialize;

use crate::import::{Format, Problem, Record};
use crate::infra::diagnostic::Diagnostic;
use crate::review::identity::Stamp;

/// Where a paper was read from.
#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Provenance {
    pub source: String,
    pub line: usize,
}

/// One included paper.
#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Paper {
    /// Stable across runs and machines; the key in codings files.
    pub id: String,
    pub record: Record,
    pub provenance: Vec<Provenance>,
    /// Ids this paper had, or would have, from one of its records alone
    /// (before a second export added a DOI, say). Codings saved under an
    /// alias are moved to `id`, so adding a source never orphans them.
    pub aliases: Vec<String>,
    /// The id an earlier thema gave this paper (letters by position for
    /// colliding author-year-word ids): codings filed under it move here once.
    pub legacy_id: String,
}

impl Paper {
    pub fn first_author(&self) -> &str {
        self.record
            .authors
            .first()
            .map(|a| a.family.as_str())
            .unwrap_or("Anon")
    }

    /// "Walshe 2008": how reviewers name a study.
    pub fn short_cite(&self) -> String {
        let mut cite = String::new();
        self.push_cite(&mut cite);
        cite
    }

    /// [`Paper::short_cite`] appended to `out`.
    fn push_cite(&self, out: &mut String) {
        use std::fmt::Write as _;
        out.push_str(self.first_author());
        // Writing to a String cannot fail.
        let _ = match self.record.year {
            Some(y) => write!(out, " {y}"),
            None => write!(out, " n.d."),
        };
    }

    /// What a coding remembers of this paper.
    pub fn stamp(&self) -> Stamp {
        Stamp::new(&self.short_cite(), &self.record.title)
    }

    /// "Walshe 2008 Judgements about…": the cite, then the title. Made when
    /// shown (a screenful of rows), not kept: a copy of every title held
    /// for the list was 13 MB at 100,000 papers.
    pub fn list_label(&self) -> String {
        let title = &self.record.title;
        let mut label = String::with_capacity(self.first_author().len() + title.len() + 7);
        self.push_cite(&mut label);
        label.push(' ');
        label.push_str(title);
        label
    }
}

/// What one source file gave.
#[derive(Clone, Debug)]
pub struct SourceReport {
    pub path: String,
    pub format: Option<Format>,
    pub records: usize,
    pub problems: Vec<Problem>,
}

/// What a review's sources give besides the papers.
#[derive(Clone, Debug, Default)]
pub struct SourcesReport {
    /// Duplicate records merged into one paper.
    pub merges: Vec<Merge>,
    pub sources: Vec<SourceReport>,
    /// Record-level problems: the records were skipped, the rest loaded.
    pub warnings: Vec<Diagnostic>,
}

/// Records taken for one paper, for `thema check` and `thema dedupe --report`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Merge {
    pub id: String,
    pub kept: String,
    /// Each merged record's `source:line` and why it matched.
    pub merged: Vec<(String, &'static str)>,
}
