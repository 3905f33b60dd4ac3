//! A paper's identity: the id it is filed under in every codings file, and
//! the stamp a coding keeps of the paper it was made on.
//!
//! An id is a function of the paper's own record, never of where the record
//! sits in its source: `doi:<doi>`, else `pmid:<n>`, else
//! `<surname><year><word>-<tag>`, where the tag is drawn from the normalised
//! title. Inserting, removing or reordering other records never changes it.
//! Before this, colliding author-year-word ids took letters (`-b`, `-c`) in
//! source order; those legacy ids are still worked out so codings filed
//! under them move to the new ids once.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::import::Record;
use crate::review::dedupe::{self, fold};

/// `doi:<doi>`, else `pmid:<n>`, else `<surname><year><word>-<tag>`.
pub fn base_id(record: &Record) -> String {
    if let Some(id) = registry_id(record) {
        return id;
    }
    let mut id = author_year_word(record);
    id.push('-');
    push_tag(&mut id, &title_words(&record.title));
    id
}

/// The id an earlier thema gave a record alone: `<surname><year><word>`,
/// with no tag (collisions then took a letter in source order).
pub fn legacy_base_id(record: &Record) -> String {
    registry_id(record).unwrap_or_else(|| author_year_word(record))
}

fn registry_id(record: &Record) -> Option<String> {
    if !record.doi.is_empty() {
        return Some(format!("doi:{}", record.doi.to_lowercase()));
    }
    if !record.pmid.is_empty() {
        return Some(format!("pmid:{}", record.pmid));
    }
    None
}

/// `<surname><year><first title word of four letters or more>`, lowercase
/// ASCII; `anon` without an author, `nd` without a year.
fn author_year_word(record: &Record) -> String {
    // Built in one string: this runs for every record at load.
    let mut id = String::with_capacity(40);
    if let Some(a) = record.authors.first() {
        ascii_letters(&a.family, &mut id);
    }
    if id.is_empty() {
        id.push_str("anon");
    }
    // Writing to a String cannot fail.
    let _ = match record.year {
        Some(y) => write!(id, "{y}"),
        None => write!(id, "nd"),
    };
    let title = fold(&record.title);
    if let Some(word) = title
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| w.len() >= 4)
    {
        id.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    id
}

/// Appends `s` as lowercase ASCII letters only, accents folded:
/// "Müller-Lüdenscheidt" → "mullerludenscheidt".
fn ascii_letters(s: &str, out: &mut String) {
    out.extend(
        fold(s)
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase()),
    );
}

/// The title as lowercase ASCII words joined by single spaces: what two
/// exports of one paper agree on however they punctuate, case or accent it.
pub fn title_words(title: &str) -> String {
    words(title, usize::MAX)
}

/// The first `limit` words of `s`, folded to lowercase ASCII.
fn words(s: &str, limit: usize) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    for word in folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(limit)
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

/// Letters for tags: no `l`, `o`, `0` or `1`, which read alike.
const TAG_LETTERS: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Appends four letters drawn from `text` by a fixed hash (FNV-1a, 64 bits):
/// the same on every machine and in every version, unlike std's hashers.
fn push_tag(out: &mut String, text: &str) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    for _ in 0..4 {
        out.push(char::from(TAG_LETTERS[(hash & 31) as usize]));
        hash >>= 5;
    }
}

/// The fields beyond the title that tell two records apart when their ids
/// still collide (two untitled letters by the same author in one year).
fn detail_text(record: &Record) -> String {
    let mut text = String::new();
    for part in [
        record.journal.as_str(),
        &record.volume,
        &record.issue,
        &record.start_page,
        &record.end_page,
    ] {
        text.push_str(&words(part, usize::MAX));
        text.push('\u{1f}');
    }
    for author in &record.authors {
        text.push_str(&words(&author.family, usize::MAX));
        text.push(' ');
    }
    text.push('\u{1f}');
    text.push_str(&words(&record.abstract_text, 40));
    text
}

/// Makes every id in `ids` unique, from the records' own content alone: ids
/// that collide take a second tag from the journal, volume, pages, authors
/// and abstract; records that agree on all of that too are the same in
/// every field thema reads, and are numbered in the order of their full
/// content, so their order in the sources still plays no part.
pub fn disambiguate(ids: &mut [String], records: &[&Record]) {
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        seen.entry(id.as_str()).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = seen.into_values().filter(|g| g.len() > 1).collect();
    for group in groups {
        for &i in &group {
            let detail = detail_text(records[i]);
            let id = &mut ids[i];
            id.push('-');
            push_tag(id, &detail);
        }
        let mut again: HashMap<String, Vec<usize>> = HashMap::new();
        for &i in &group {
            again.entry(ids[i].clone()).or_default().push(i);
        }
        for (_, mut same) in again.into_iter().filter(|(_, g)| g.len() > 1) {
            same.sort_by_cached_key(|&i| format!("{:?}", records[i]));
            for (n, &i) in same.iter().enumerate().skip(1) {
                let _ = write!(ids[i], "-{}", n + 1);
            }
        }
    }
}

/// How a coding remembers the paper it was made on: "Walshe 2008" and the
/// title, so a later source that gives the same id to another paper is
/// noticed instead of followed. Long titles are kept to their start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub cite: String,
    pub title: String,
}

/// How much of a title a stamp keeps.
const STAMP_TITLE_CHARS: usize = 200;

impl Stamp {
    pub fn new(cite: &str, title: &str) -> Stamp {
        Stamp {
            cite: cite.to_string(),
            title: title.chars().take(STAMP_TITLE_CHARS).collect(),
        }
    }

    /// Whether a coding stamped `self` belongs to the paper now stamped
    /// `now`. The same title words are the same paper, unless the title is
    /// one many papers share ("The authors reply") and the citation differs;
    /// titles that differ are the same paper only with the same citation and
    /// nearly all their words in common (a corrected typo).
    pub fn same_paper(&self, now: &Stamp) -> bool {
        let (was, is) = (title_words(&self.title), title_words(&now.title));
        let same_cite = fold(&self.cite).eq_ignore_ascii_case(&fold(&now.cite));
        if was == is {
            return same_cite || dedupe::is_specific_title(&was);
        }
        same_cite && word_overlap(&was, &is) >= 0.8
    }
}

/// Dice coefficient of two titles' sets of words: 1 when they have the same
/// words, 0 when none in common.
fn word_overlap(a: &str, b: &str) -> f64 {
    use std::collections::BTreeSet;
    let a: BTreeSet<&str> = a.split(' ').filter(|w| !w.is_empty()).collect();
    let b: BTreeSet<&str> = b.split(' ').filter(|w| !w.is_empty()).collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(&b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Author;

    fn record(family: &str, year: Option<u16>, title: &str) -> Record {
        Record {
            authors: if family.is_empty() {
                Vec::new()
            } else {
                vec![Author {
                    family: family.into(),
                    given: String::new(),
                }]
            },
            year,
            title: title.into(),
            ..Record::default()
        }
    }

    #[test]
    fn id_prefers_doi_then_pmid_then_author_year_word_and_a_title_tag() {
        let mut r = record("Aitken", Some(2006), "District nurses' triggers");
        let id = base_id(&r);
        assert!(id.starts_with("aitken2006district-"), "{id}");
        assert_eq!(id.len(), "aitken2006district-".len() + 4);
        assert_eq!(legacy_base_id(&r), "aitken2006district");
        r.pmid = "16607244".into();
        assert_eq!(base_id(&r), "pmid:16607244");
        r.doi = "10.3399/BJGP08X279652".into();
        assert_eq!(base_id(&r), "doi:10.3399/bjgp08x279652");
    }

    #[test]
    fn the_tag_ignores_case_punctuation_and_accents_but_not_words() {
        let a = base_id(&record("Núñez", Some(2010), "Café care: at HOME"));
        let b = base_id(&record("Nunez", Some(2010), "cafe care at home."));
        let c = base_id(&record("Nunez", Some(2010), "Cafe care at work"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("nunez2010cafe-"));
    }

    #[test]
    fn the_tag_is_fixed_across_versions_and_machines() {
        // Written once: a change here moves every reviewer's codings.
        assert_eq!(
            base_id(&record("", None, "Cluster trial of gamma nudges")),
            "anonndcluster-j3ee"
        );
    }

    #[test]
    fn colliding_ids_are_told_apart_by_content_in_any_order() {
        let mut a = record("", None, "The authors reply");
        a.journal = "Chest".into();
        a.start_page = "12".into();
        let mut b = a.clone();
        b.start_page = "14".into();
        let c = a.clone();
        let run = |records: Vec<&Record>| {
            let mut ids: Vec<String> = records.iter().map(|r| base_id(r)).collect();
            disambiguate(&mut ids, &records);
            ids
        };
        let forward = run(vec![&a, &b, &c]);
        let backward = run(vec![&c, &b, &a]);
        assert_eq!(forward[1], backward[1], "b's id does not depend on order");
        let mut unique = forward.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3, "{forward:?}");
        // a and c are identical: one keeps the id, the other is numbered.
        assert!(forward.iter().any(|id| id.ends_with("-2")));
    }

    #[test]
    fn a_stamp_knows_its_paper_through_corrections_but_not_another_paper() {
        let coded = Stamp::new("Walshe 2008", "Judgements about fellow professionals");
        assert!(coded.same_paper(&Stamp::new(
            "Walshe 2008",
            "Judgements about fellow-professionals."
        )));
        // A corrected author list keeps a specific title the same paper.
        assert!(coded.same_paper(&Stamp::new(
            "Walsh 2008",
            "Judgements about fellow professionals"
        )));
        assert!(!coded.same_paper(&Stamp::new("Dunne 2005", "Palliative care at home")));
        let reply = Stamp::new("Smith 2010", "The authors reply");
        assert!(!reply.same_paper(&Stamp::new("Jones 2010", "The authors reply")));
        assert!(reply.same_paper(&Stamp::new("Smith 2010", "The authors' reply")));
    }
}
