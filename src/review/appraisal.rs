//! Quality appraisal: the checklist a review declares in config.toml
//! (`[appraisal]`, a bundled template or its own `[[appraisal.items]]`),
//! each paper's answers (in the reviewer's codings file,
//! `[papers."<id>".appraisal]` and `[papers."<id>".appraisal_comments]`),
//! and what is wrong with them.
//!
//! The bundled templates are data files under `data/appraisal/`, each with
//! its own licence in its header (CASP's is CC BY-NC-SA, not MIT); they are
//! embedded as text, never as code.

use std::collections::HashSet;

use serde::Deserialize;

use crate::review::codings::PaperCoding;

/// Answers an item offers when it names none (CASP's).
pub const DEFAULT_ANSWERS: [&str; 3] = ["yes", "no", "can't tell"];

/// The bundled templates: name → the file's text.
pub const TEMPLATES: [(&str, &str); 3] = [
    (
        "casp-qualitative",
        include_str!("../../data/appraisal/casp-qualitative.toml"),
    ),
    (
        "jbi-qualitative",
        include_str!("../../data/appraisal/jbi-qualitative.toml"),
    ),
    ("mmat", include_str!("../../data/appraisal/mmat.toml")),
];

/// The template names, for messages.
pub fn template_names() -> String {
    TEMPLATES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One question of the checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    /// As the checklist numbers it ("3", "S1", "1.2"); the id when none.
    pub number: String,
    pub question: String,
    /// The answers allowed, in the order offered; the first is the
    /// favourable one ("yes"), which the summary counts.
    pub answers: Vec<String>,
    pub guidance: String,
}

/// The review's checklist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checklist {
    /// The template's name ("casp-qualitative"); "" for a review's own.
    pub template: String,
    pub title: String,
    /// Where the template comes from, its licence and how to cite it
    /// (empty for a review's own checklist).
    pub licence: String,
    pub citation: String,
    pub source: String,
    pub items: Vec<Item>,
}

/// An item as written in a template or config.toml (unknown fields are
/// reported by the config's own pass, with their lines).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct RawItem {
    pub id: toml::Spanned<String>,
    #[serde(default)]
    pub number: Option<String>,
    pub question: String,
    pub answers: Option<toml::Spanned<Vec<String>>>,
    #[serde(default)]
    pub guidance: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    checklist: RawHeader,
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    title: String,
    licence: String,
    copyright: String,
    citation: String,
    source: String,
    wording: String,
}

/// What is wrong with one item, each with the byte offset it is at.
pub(crate) fn item_problems(raw: &RawItem, seen: &mut HashSet<String>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let id = raw.id.get_ref();
    let at = raw.id.span().start;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        out.push((
            at,
            format!("appraisal item id `{id}` must be letters, digits, `-` or `_` (e.g. `q1`)"),
        ));
    }
    if !seen.insert(id.clone()) {
        out.push((
            at,
            format!("duplicate appraisal item id `{id}`; give each item its own id"),
        ));
    }
    if raw.question.trim().is_empty() {
        out.push((at, format!("appraisal item `{id}` has no question")));
    }
    if let Some(answers) = &raw.answers {
        let at = answers.span().start;
        if answers.get_ref().is_empty() {
            out.push((
                at,
                format!(
                    "appraisal item `{id}`: answers is empty; list them (or leave it out for: {})",
                    DEFAULT_ANSWERS.join(", ")
                ),
            ));
        }
        let mut distinct = HashSet::new();
        for a in answers.get_ref() {
            if a.trim().is_empty() {
                out.push((at, format!("appraisal item `{id}`: an answer is empty")));
            } else if !distinct.insert(a.to_lowercase()) {
                out.push((at, format!("appraisal item `{id}` lists “{a}” twice")));
            }
        }
    }
    out
}

impl RawItem {
    pub(crate) fn into_item(self) -> Item {
        let id = self.id.into_inner();
        Item {
            number: self
                .number
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| id.clone()),
            id,
            question: self.question,
            answers: self
                .answers
                .map(toml::Spanned::into_inner)
                .unwrap_or_else(|| DEFAULT_ANSWERS.map(String::from).to_vec()),
            guidance: self.guidance,
        }
    }
}

/// A bundled template by name, read and checked; `None` if there is none
/// by that name. An `Err` is a broken template (a test reads them all).
pub fn template(name: &str) -> Option<Result<Checklist, String>> {
    let (_, text) = TEMPLATES.iter().find(|(n, _)| *n == name)?;
    Some(parse_template(text))
}

fn parse_template(text: &str) -> Result<Checklist, String> {
    let raw: RawTemplate = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = HashSet::new();
    let problems: Vec<String> = raw
        .items
        .iter()
        .flat_map(|i| item_problems(i, &mut seen))
        .map(|(_, why)| why)
        .collect();
    if let Some(first) = problems.into_iter().next() {
        return Err(first);
    }
    let h = raw.checklist;
    // The copyright line is for the file's readers; the licence names it.
    let _ = (&h.copyright, &h.wording);
    Ok(Checklist {
        template: h.name,
        title: h.title,
        licence: h.licence,
        citation: h.citation,
        source: h.source,
        items: raw.items.into_iter().map(RawItem::into_item).collect(),
    })
}

/// The comment lines a template's header starts with (its licence and
/// citation), for `thema init --appraisal` to copy into config.toml.
pub fn template_header(name: &str) -> Option<String> {
    let (_, text) = TEMPLATES.iter().find(|(n, _)| *n == name)?;
    let lines: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    Some(lines.join("\n") + "\n")
}

/// How far one paper is appraised: items answered, and of those the ones
/// answered with their first (favourable) answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub favourable: u32,
    pub answered: u32,
    pub items: u32,
}

impl Summary {
    /// Every item answered.
    pub fn complete(self) -> bool {
        self.answered >= self.items
    }
}

impl Checklist {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The paper's summary; `None` when no item of this checklist has an
    /// answer (not appraised).
    pub fn summary(&self, coding: &PaperCoding) -> Option<Summary> {
        let mut s = Summary {
            // A colleague's checklist may be any length: counts saturate.
            items: u32::try_from(self.items.len()).unwrap_or(u32::MAX),
            ..Summary::default()
        };
        for item in &self.items {
            if let Some(a) = coding.appraisal.get(&item.id)
                && item.answers.contains(a)
            {
                s.answered = s.answered.saturating_add(1);
                if item.answers.first() == Some(a) {
                    s.favourable = s.favourable.saturating_add(1);
                }
            }
        }
        (s.answered > 0).then_some(s)
    }

    /// Answers the paper holds that its item does not allow (a hand edit,
    /// a changed checklist): (item, answer, the item's answers).
    pub fn invalid<'a>(&'a self, coding: &'a PaperCoding) -> Vec<(&'a Item, &'a str)> {
        self.items
            .iter()
            .filter_map(|item| {
                let a = coding.appraisal.get(&item.id)?;
                (!item.answers.contains(a)).then_some((item, a.as_str()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_template_parses_and_says_its_licence_and_citation() {
        for (name, text) in TEMPLATES {
            let c = template(name).expect("listed").expect(name);
            assert_eq!(c.template, name);
            assert!(!c.items.is_empty(), "{name}");
            assert!(!c.licence.is_empty() && !c.citation.is_empty(), "{name}");
            let header = template_header(name).expect("header");
            assert!(
                header.contains("Licence:") && header.contains("Cite as:"),
                "{name}: {header}"
            );
            assert!(text.contains(&c.source), "{name}");
        }
        let casp = template("casp-qualitative").expect("casp").expect("parses");
        assert_eq!(casp.items.len(), 10);
        assert_eq!(casp.items[0].answers, ["yes", "no", "can't tell"]);
        assert!(casp.licence.contains("CC BY-NC-SA"));
        assert!(template("nope").is_none());
    }

    #[test]
    fn the_summary_counts_favourable_answers_and_skips_answers_not_allowed() {
        let casp = template("casp-qualitative").expect("casp").expect("parses");
        let mut c = PaperCoding::default();
        assert_eq!(casp.summary(&c), None);
        c.appraisal.insert("q1".into(), "yes".into());
        c.appraisal.insert("q2".into(), "no".into());
        c.appraisal.insert("q3".into(), "maybe".into());
        let s = casp.summary(&c).expect("appraised");
        assert_eq!((s.favourable, s.answered, s.items), (1, 2, 10));
        assert!(!s.complete());
        let bad = casp.invalid(&c);
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].0.id.as_str(), bad[0].1), ("q3", "maybe"));
    }
}
