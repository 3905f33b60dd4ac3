//! A paper as thema holds it, and what reading the sources reported: the
//! types the papers cache stores, kept apart from opening a review so the
//! cache and the review do not depend on each other.

use std::sync::Arc;

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

/// A paper's abstract: from the cache, in one string shared by a block of
/// papers (abstracts are three quarters of a review's text, and one
/// allocation each cost ~15 MB more at 100,000 papers); read from the
/// sources, its own. Reads as `&str`.
#[derive(Clone, Default)]
pub struct SharedText(Repr);

#[derive(Clone, Default)]
enum Repr {
    /// No text: most records without an abstract hold nothing.
    #[default]
    Empty,
    /// Read from the sources: the paper's own.
    Own(Box<str>),
    /// From the cache: `start..end` of its block's abstracts.
    Span {
        text: Arc<String>,
        start: u32,
        end: u32,
    },
}

impl SharedText {
    /// `start..end` of `text`; None when that is not a span of it (offsets
    /// past u32 or off a character boundary), which a caller treats as
    /// damage.
    pub fn span(text: &Arc<String>, start: usize, end: usize) -> Option<SharedText> {
        text.get(start..end)?;
        Some(SharedText(Repr::Span {
            text: Arc::clone(text),
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        }))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Empty => "",
            Repr::Own(text) => text,
            Repr::Span { text, start, end } => {
                text.get(*start as usize..*end as usize).unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
impl SharedText {
    /// Whether both are spans of one string.
    pub(crate) fn shares_with(&self, other: &SharedText) -> bool {
        match (&self.0, &other.0) {
            (Repr::Span { text: a, .. }, Repr::Span { text: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<String> for SharedText {
    fn from(text: String) -> SharedText {
        if text.is_empty() {
            return SharedText::default();
        }
        SharedText(Repr::Own(text.into_boxed_str()))
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> SharedText {
        SharedText::from(text.to_string())
    }
}

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedText {
    fn eq(&self, other: &SharedText) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedText {}

impl std::fmt::Debug for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Gives each of `papers` its abstract from one string for them all, as a
/// cached start reads them, taken out of its record.
#[cfg(test)]
pub fn share_abstracts(papers: &mut [Paper]) {
    let len = papers.iter().map(|p| p.record.abstract_text.len()).sum();
    let mut text = String::with_capacity(len);
    let mut spans = Vec::with_capacity(papers.len());
    for p in papers.iter_mut() {
        let start = text.len();
        text.push_str(&p.record.abstract_text);
        spans.push((start, text.len()));
    }
    let text = Arc::new(text);
    for (p, (start, end)) in papers.iter_mut().zip(spans) {
        let own = std::mem::take(&mut p.record.abstract_text);
        p.abstract_text = if start == end {
            SharedText::default()
        } else {
            SharedText::span(&text, start, end).unwrap_or_else(|| SharedText::from(own))
        };
    }
}

/// One included paper.
#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Paper {
    /// Stable across runs and machines; the key in codings files.
    pub id: String,
    /// The record as read, but for its abstract: that is `abstract_text`.
    pub record: Record,
    /// The abstract; the cache stores it beside the papers, a block's in
    /// one string.
    #[rkyv(with = rkyv::with::Skip)]
    pub abstract_text: SharedText,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_reads_its_span_and_refuses_one_off_the_text() {
        let text = Arc::new("café au lait".to_string());
        let cafe = SharedText::span(&text, 0, 5).expect("a span");
        assert_eq!(cafe.as_str(), "café");
        assert_eq!(cafe, SharedText::from("café"));
        // Inside the é, and past the end: damage, never a panic.
        assert!(SharedText::span(&text, 0, 4).is_none());
        assert!(SharedText::span(&text, 5, 99).is_none());
        assert_eq!(SharedText::from(String::new()).as_str(), "");
    }

    #[test]
    fn a_paper_read_from_records_keeps_its_abstract_once() {
        let record = Record {
            title: "Care at home".into(),
            abstract_text: "Nurses described referral.".into(),
            ..Record::default()
        };
        let (papers, _) = crate::review::papers_from_records(vec![("a.ris".into(), record)]);
        assert_eq!(
            papers[0].abstract_text.as_str(),
            "Nurses described referral."
        );
        assert_eq!(papers[0].record.abstract_text, "");
    }
}
