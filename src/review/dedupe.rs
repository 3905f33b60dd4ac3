//! Finding the same paper exported twice: across sources (PubMed and Embase)
//! and within one (a database that lists a record twice). Records match on
//! DOI, on PMID, or on the same normalised title in the same year; matches are
//! transitive (a PubMed record and a Scopus record with the same title match
//! even when only the Scopus one has a DOI).

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::Serialize;

use crate::import::Record;
use crate::infra::par;

/// Why two records were taken for one paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchReason {
    SameDoi,
    SamePmid,
    SameTitleAndYear,
    /// A title too generic to match on alone ("The authors reply"), or a
    /// record without a year: the abstracts agree too.
    SameTitleAndAbstract,
    /// As [`MatchReason::SameTitleAndAbstract`], with the journal and first
    /// page agreeing instead.
    SameTitleJournalAndPage,
}

impl MatchReason {
    pub const ALL: [MatchReason; 5] = [
        MatchReason::SameDoi,
        MatchReason::SamePmid,
        MatchReason::SameTitleAndYear,
        MatchReason::SameTitleAndAbstract,
        MatchReason::SameTitleJournalAndPage,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            MatchReason::SameDoi => "same DOI",
            MatchReason::SamePmid => "same PMID",
            MatchReason::SameTitleAndYear => "same title and year",
            MatchReason::SameTitleAndAbstract => "same title, year and abstract",
            MatchReason::SameTitleJournalAndPage => "same title, year, journal and first page",
        }
    }
}

/// What two records share to be one paper. Kinds never equal each other,
/// as the `d:`/`p:`/`t:` prefixes of a single string key would keep apart.
#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    /// Lowercase DOI.
    Doi(Cow<'a, str>),
    Pmid(&'a str),
    /// Year and [`title_key`].
    Title(Option<u16>, &'a str),
}

/// Groups of record indices, in order of each group's first record; every
/// member after the first carries the reason it joined.
pub fn group(records: &[Record]) -> Vec<Vec<(usize, Option<MatchReason>)>> {
    group_by(records, |r| r)
}

/// [`group`] over items that hold a record, so callers need not copy the
/// records out into a slice of their own.
pub fn group_by<T: Sync>(
    items: &[T],
    record: impl Fn(&T) -> &Record + Sync,
) -> Vec<Vec<(usize, Option<MatchReason>)>> {
    let n = items.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut reason: Vec<Option<MatchReason>> = vec![None; n];
    // Every title key in one string, each record's as a span of it (empty
    // when the title is too short to match on). Keys are made on every core.
    let (titles, spans) = par::joined_text(items, |item, out| {
        let start = out.len();
        push_title_key(&record(item).title, out);
        [start, out.len()]
    });
    let mut seen: HashMap<Key<'_>, usize> = HashMap::with_capacity(n * 2);

    for (i, (item, span)) in items.iter().zip(&spans).enumerate() {
        let r = record(item);
        let keys = [
            (!r.doi.is_empty()).then(|| (Key::Doi(lowercase(&r.doi)), MatchReason::SameDoi)),
            (!r.pmid.is_empty()).then_some((Key::Pmid(&r.pmid), MatchReason::SamePmid)),
            titles
                .get(span[0]..span[1])
                .filter(|t| !t.is_empty())
                .map(|t| (Key::Title(r.year, t), MatchReason::SameTitleAndYear)),
        ];
        for (key, why) in keys.into_iter().flatten() {
            let j = match seen.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(i);
                    continue;
                }
                Entry::Occupied(slot) => *slot.get(),
            };
            let other = record(&items[j]);
            let why = if why == MatchReason::SameTitleAndYear {
                let title = titles.get(span[0]..span[1]).unwrap_or_default();
                match title_match(r, other, title) {
                    Some(why) => why,
                    None => continue,
                }
            } else {
                why
            };
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                // The earlier record stays the root: groups keep
                // source order and the first export leads.
                let (root, child) = if a < b { (a, b) } else { (b, a) };
                parent[child] = root;
                if reason[i].is_none() {
                    reason[i] = Some(why);
                }
            }
        }
    }

    let mut groups: Vec<Vec<(usize, Option<MatchReason>)>> = Vec::new();
    // Root record → its group's index; `usize::MAX` until the root is met.
    let mut slot: Vec<usize> = vec![usize::MAX; n];
    for (i, joined_because) in reason.iter().enumerate() {
        let root = find(&mut parent, i);
        let g = if slot[root] == usize::MAX {
            groups.push(Vec::new());
            slot[root] = groups.len() - 1;
            groups.len() - 1
        } else {
            slot[root]
        };
        let why = if groups[g].is_empty() {
            None
        } else {
            joined_because.or(Some(MatchReason::SameTitleAndYear))
        };
        groups[g].push((i, why));
    }
    groups
}

/// Whether two records with the same title key and year are one paper, and
/// why. Two different DOIs are two papers, however alike the titles (an
/// erratum, a reprint, a two-part paper), and so are two volumes or first
/// pages. A title alone decides only when it says enough and both records
/// have the year it is paired with; otherwise ("The authors reply", a record
/// without a year) the abstracts, or the journal and first page, must agree.
fn title_match(a: &Record, b: &Record, title: &str) -> Option<MatchReason> {
    if !a.doi.is_empty() && !b.doi.is_empty() && !a.doi.eq_ignore_ascii_case(&b.doi)
        || numbers_differ(&a.volume, &b.volume)
        || numbers_differ(&a.start_page, &b.start_page)
    {
        return None;
    }
    if a.year.is_some() && is_specific_title(title) {
        return Some(MatchReason::SameTitleAndYear);
    }
    if same_abstract(&a.abstract_text, &b.abstract_text) {
        return Some(MatchReason::SameTitleAndAbstract);
    }
    let same = |x: &str, y: &str| {
        !x.trim().is_empty() && fold(x.trim()).eq_ignore_ascii_case(&fold(y.trim()))
    };
    (same(&a.journal, &b.journal) && same(&a.start_page, &b.start_page))
        .then_some(MatchReason::SameTitleJournalAndPage)
}

/// Words that say what kind of item a record is, not what it is about: a
/// title made of these and short words ("The authors reply", "Response to
/// the letter to the editor", "Erratum") names many papers.
const GENRE_WORDS: &[&str] = &[
    "abstract",
    "abstracts",
    "announcement",
    "author",
    "authors",
    "book",
    "books",
    "comment",
    "commentary",
    "comments",
    "conference",
    "contents",
    "correction",
    "corrigendum",
    "editor",
    "editorial",
    "editors",
    "erratum",
    "foreword",
    "index",
    "introduction",
    "issue",
    "letter",
    "letters",
    "meeting",
    "news",
    "notes",
    "obituary",
    "preface",
    "proceedings",
    "reply",
    "response",
    "retraction",
    "review",
    "reviews",
    "session",
    "supplement",
    "volume",
];

/// A title key with at least three words of four or more letters that are
/// not [`GENRE_WORDS`]: enough, with the year, to name one paper.
pub(crate) fn is_specific_title(title_key: &str) -> bool {
    title_key
        .split(' ')
        .filter(|w| w.len() >= 4 && !GENRE_WORDS.contains(w))
        .count()
        >= 3
}

/// Both abstracts given and the same in their first 40 words, or one the
/// start of the other in at least 10 (exports differ in what they append: a
/// copyright line, a truncation).
fn same_abstract(a: &str, b: &str) -> bool {
    fn words(s: &str) -> Vec<String> {
        fold(s)
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(40)
            .map(str::to_ascii_lowercase)
            .collect()
    }
    let (a, b) = (words(a), words(b));
    let n = a.len().min(b.len());
    n > 0 && (a.len() == b.len() || n >= 10) && a[..n] == b[..n]
}

/// `s.to_lowercase()`, borrowed when that changes nothing (DOIs are
/// mostly written in lowercase already).
fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Two volumes (or first pages) that both give a number, and not the same
/// one: the volumes of one proceedings, the parts of a paper, are different
/// papers however alike their titles. "Vol. 11" and "11(3)" are the same.
fn numbers_differ(a: &str, b: &str) -> bool {
    fn number(s: &str) -> Option<&str> {
        let start = s.find(|c: char| c.is_ascii_digit())?;
        let digits = &s[start..];
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        Some(digits[..end].trim_start_matches('0'))
    }
    matches!((number(a), number(b)), (Some(x), Some(y)) if x != y)
}

/// Title reduced to lowercase ASCII words: "Care at home: a review." and
/// "CARE AT HOME - A REVIEW" are the same. Short titles ("Editorial",
/// "Correction") say too little to match on.
pub fn title_key(title: &str) -> Option<String> {
    let mut key = String::new();
    push_title_key(title, &mut key).map(|_| key)
}

/// Appends the [`title_key`] of `title` to `out` and returns its span there;
/// appends nothing when the title is too short to match on.
fn push_title_key(title: &str, out: &mut String) -> Option<(usize, usize)> {
    let folded = fold(title);
    let start = out.len();
    let mut words = 0;
    // Words are runs of ASCII letters and digits, found byte by byte: no
    // byte of a multi-byte character is one, so runs end on char boundaries.
    let bytes = folded.as_bytes();
    let mut at = 0;
    while let Some(begin) = bytes[at..]
        .iter()
        .position(u8::is_ascii_alphanumeric)
        .map(|n| at + n)
    {
        let end = bytes[begin..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |n| begin + n);
        if words > 0 {
            out.push(' ');
        }
        out.push_str(folded.get(begin..end).unwrap_or_default());
        words += 1;
        at = end;
    }
    // Words are ASCII letters and digits only.
    out[start..].make_ascii_lowercase();
    if words >= 3 && out.len() - start >= 15 {
        Some((start, out.len()))
    } else {
        out.truncate(start);
        None
    }
}

/// `deunicode(s)`: accents and other scripts transliterated to ASCII.
/// Borrowed when `s` is ASCII already (as nearly all text is), which is
/// checked word by word rather than deunicode's byte by byte. DEL is the one
/// ASCII character deunicode changes, so it takes the slow path.
pub(crate) fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && !s.as_bytes().contains(&0x7f) {
        Cow::Borrowed(s)
    } else {
        deunicode::deunicode_with_tofu_cow(s, "[?]")
    }
}

/// Fills the fields `into` lacks from `from`, so a merged paper shows the
/// fullest record (PubMed's abstract, Scopus's DOI).
pub fn fill_missing(into: &mut Record, from: &Record) {
    fn take(a: &mut String, b: &str) {
        if a.is_empty() && !b.is_empty() {
            *a = b.to_string();
        }
    }
    if into.authors.is_empty() {
        into.authors = from.authors.clone();
    }
    take(&mut into.title, &from.title);
    if into.year.is_none() {
        into.year = from.year;
    }
    take(&mut into.journal, &from.journal);
    take(&mut into.journal_abbrev, &from.journal_abbrev);
    take(&mut into.volume, &from.volume);
    take(&mut into.issue, &from.issue);
    take(&mut into.start_page, &from.start_page);
    take(&mut into.end_page, &from.end_page);
    take(&mut into.doi, &from.doi);
    take(&mut into.pmid, &from.pmid);
    take(&mut into.abstract_text, &from.abstract_text);
    if into.keywords.is_empty() {
        into.keywords = from.keywords.clone();
    }
    take(&mut into.url, &from.url);
    take(&mut into.language, &from.language);
    take(&mut into.kind, &from.kind);
    for note in &from.notes {
        if !into.notes.contains(note) {
            into.notes.push(note.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(title: &str, year: u16, doi: &str, pmid: &str) -> Record {
        Record {
            title: title.into(),
            year: Some(year),
            doi: doi.into(),
            pmid: pmid.into(),
            ..Record::default()
        }
    }

    fn members(groups: &[Vec<(usize, Option<MatchReason>)>]) -> Vec<Vec<usize>> {
        groups
            .iter()
            .map(|g| g.iter().map(|(i, _)| *i).collect())
            .collect()
    }

    #[test]
    fn doi_pmid_and_title_matches_are_transitive() {
        let records = [
            rec("Palliative care at home: a review", 2010, "", "123"),
            rec("Something else entirely here", 2010, "", ""),
            rec("PALLIATIVE CARE AT HOME — A REVIEW.", 2010, "10.1/X", ""),
            rec("Another title", 2011, "10.1/x", "123"),
        ];
        let groups = group(&records);
        assert_eq!(members(&groups), vec![vec![0, 2, 3], vec![1]]);
        assert_eq!(groups[0][1].1, Some(MatchReason::SameTitleAndYear));
        assert_eq!(groups[0][2].1, Some(MatchReason::SameDoi));
    }

    #[test]
    fn same_title_in_another_year_or_with_another_doi_is_another_paper() {
        let records = [
            rec("Palliative care at home: a review", 2010, "10.1/a", ""),
            rec("Palliative care at home: a review", 2011, "", ""),
            rec("Palliative care at home: a review", 2010, "10.1/b", ""),
        ];
        assert_eq!(members(&group(&records)), vec![vec![0], vec![1], vec![2]]);
    }

    #[test]
    fn same_title_and_year_in_another_volume_or_at_another_page_is_another_paper() {
        let title = "Computational Science and Its Applications, ICCSA 2010";
        let with = |volume: &str, page: &str| Record {
            volume: volume.into(),
            start_page: page.into(),
            ..rec(title, 2010, "", "")
        };
        let records = [
            with("6016 LNCS", ""),
            with("6017 LNCS", ""),
            with("Vol. 6016", ""),
            with("", ""),
            with("12", "431"),
            with("12(3)", "502"),
        ];
        // Volumes 6016 match each other and the record without one; 6017,
        // and the two parts at other pages, stay apart.
        assert_eq!(
            members(&group(&records)),
            vec![vec![0, 2, 3], vec![1], vec![4], vec![5]]
        );
        assert!(!numbers_differ("11", "11(3)"));
        assert!(!numbers_differ("011", "Vol. 11"));
        assert!(!numbers_differ("", "12"));
        assert!(numbers_differ("e1234", "e1235"));
    }

    #[test]
    fn short_titles_never_match_on_title_alone() {
        let records = [
            rec("Editorial", 2010, "", ""),
            rec("Editorial", 2010, "", ""),
        ];
        assert_eq!(group(&records).len(), 2);
    }

    #[test]
    fn generic_titles_and_yearless_records_merge_only_when_more_agrees() {
        let letter = |abstract_text: &str, journal: &str, page: &str| Record {
            title: "The authors reply".into(),
            abstract_text: abstract_text.into(),
            journal: journal.into(),
            start_page: page.into(),
            ..Record::default()
        };
        // Two replies to two different letters: no author, no year.
        let records = [
            letter("We thank Dr Smith for the comments on sedation.", "", ""),
            letter("We agree with Dr Jones that dosing matters.", "", ""),
        ];
        assert_eq!(group(&records).len(), 2);

        // The same reply exported twice: the abstract agrees.
        let records = [
            letter(
                "We thank Dr Smith for the comments on sedation in the ward.",
                "BMJ",
                "",
            ),
            letter(
                "We thank Dr Smith for the comments on sedation in the ward. (c) 2010 BMJ",
                "",
                "",
            ),
        ];
        let groups = group(&records);
        assert_eq!(members(&groups), vec![vec![0, 1]]);
        assert_eq!(groups[0][1].1, Some(MatchReason::SameTitleAndAbstract));

        // Without abstracts, the journal and first page must agree.
        let records = [
            letter("", "Chest", "1021"),
            letter("", "CHEST", "1021"),
            letter("", "Chest", ""),
        ];
        let groups = group(&records);
        assert_eq!(members(&groups), vec![vec![0, 1], vec![2]]);
        assert_eq!(groups[0][1].1, Some(MatchReason::SameTitleJournalAndPage));

        // A specific title with no year on either record needs the same.
        let mut a = rec("Palliative care at home for older people", 2010, "", "");
        a.year = None;
        let b = a.clone();
        assert_eq!(group(&[a, b]).len(), 2);
    }

    /// The title key as first written, on chars and an owned fold.
    fn title_key_reference(title: &str) -> Option<String> {
        let folded = deunicode::deunicode(title);
        let mut key = String::new();
        let mut words = 0;
        for word in folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !key.is_empty() {
                key.push(' ');
            }
            key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            words += 1;
        }
        (words >= 3 && key.len() >= 15).then_some(key)
    }

    #[test]
    fn fold_is_deunicode() {
        for s in [
            "Smith",
            "",
            "Ñúñez-Gómez",
            "Müller",
            "中文",
            "a\u{7f}b",
            "\u{7f}",
            "Straße",
            "tab\t",
        ] {
            assert_eq!(fold(s), deunicode::deunicode(s), "{s:?}");
        }
        assert!(matches!(fold("Smith 2001"), Cow::Borrowed(_)));
    }

    #[test]
    fn title_keys_of_ascii_and_other_titles() {
        for title in [
            "Care at home: a review.",
            "CARE AT HOME - A REVIEW",
            "  leading and trailing  ",
            "Ærø café: Müller's Straße über alles",
            "Ñúñez — “quoted” ‘words’ …",
            "中文标题：姑息治疗的合作 and more words",
            "tab\tand\x7fdel and more words",
            "Editorial",
            "",
        ] {
            assert_eq!(title_key(title), title_key_reference(title), "{title:?}");
        }
        assert_eq!(
            title_key("Ærø café: Müller's Straße").as_deref(),
            Some("aero cafe muller s strasse")
        );
    }

    proptest::proptest! {
        #[test]
        fn title_key_matches_the_plain_definition(title in "(?s).{0,40}") {
            proptest::prop_assert_eq!(title_key(&title), title_key_reference(&title));
        }
    }

    #[test]
    fn doi_matches_ignore_case_and_titles_need_the_same_year_or_none() {
        let mut undated = rec("Palliative care at home: a review", 2010, "", "");
        undated.year = None;
        // Without a year, the title alone is not enough: the abstracts agree.
        undated.abstract_text = "Care at home is what most patients want.".into();
        let records = [
            rec("One title", 2010, "10.1/ABC", ""),
            rec("Another title", 2011, "10.1/abc", ""),
            undated.clone(),
            rec("Palliative care at home: a review", 2010, "", ""),
            undated,
        ];
        let groups = group(&records);
        assert_eq!(members(&groups), vec![vec![0, 1], vec![2, 4], vec![3]]);
        assert_eq!(groups[0][1].1, Some(MatchReason::SameDoi));
        assert_eq!(groups[1][1].1, Some(MatchReason::SameTitleAndAbstract));
    }

    #[test]
    fn titles_match_across_the_parts_keyed_on_other_threads() {
        let mut records: Vec<Record> = (0..6000)
            .map(|i| rec(&format!("Distinct title number {i} here"), 2010, "", ""))
            .collect();
        records[5999].title = "DISTINCT title number 0, here".into();
        let groups = group(&records);
        assert_eq!(groups.len(), 5999);
        assert_eq!(members(&groups[..1]), vec![vec![0, 5999]]);
    }

    #[test]
    fn merging_fills_gaps_without_overwriting() {
        let mut a = rec("Title one two", 2010, "", "1");
        let mut b = rec("Other title", 2011, "10.1/x", "2");
        b.abstract_text = "Abstract".into();
        b.notes = vec!["n".into()];
        a.notes = vec!["n".into()];
        fill_missing(&mut a, &b);
        assert_eq!(a.title, "Title one two");
        assert_eq!(a.doi, "10.1/x");
        assert_eq!(a.pmid, "1");
        assert_eq!(a.abstract_text, "Abstract");
        assert_eq!(a.notes, ["n"]);
    }
}
