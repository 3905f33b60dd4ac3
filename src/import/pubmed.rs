//! PubMed/MEDLINE tagged format (`PMID- `, `TI  - ` …), as PubMed exports .nbib/.txt.
//!
//! A field line is a tag of up to four capitals, padded with spaces to four
//! characters, then `- ` and the value (`PMID- 1`, `TI  - x`, `FAU - y`);
//! a value goes on in lines indented by six spaces. Records are separated by
//! blank lines, and PubMed starts each with `PMID-`. ERIC and other
//! MEDLINE-style exports write the same layout without `PMID`, and Ovid puts
//! `<1>` lines between records, so the parser is tolerant:
//! - a blank line, an Ovid `<n>` line or a second `PMID` line ends a record;
//! - the tag may be followed by any number of spaces, and the dash by none
//!   (`TI  -Title`, `SO- x`);
//! - lines that are neither fields nor indented continuations are reported and
//!   left out, rather than glued to a field (`SO  invalid line` must not
//!   become part of a PMID).

use super::fields::{Field, all, doi_from_url, expand_pages, first, is_pmid};
use super::tagged::{self, Raw, Records, Run, Syntax};
use super::{Author, Parsed, Record, normalise_doi, parse_year};

/// How many non-blank lines [`looks_like`] inspects.
const SNIFF_LINES: usize = 30;

/// Tags only MEDLINE writes (RIS, RefWorks and Web of Science have none of
/// them; RIS's `DP` and `TA` are left out for that reason), so one of them
/// in MEDLINE layout marks a MEDLINE file.
const MEDLINE_TAGS: [&str; 34] = [
    "PMID", "PMC", "PMCR", "OWN", "STAT", "DCOM", "LR", "JT", "JID", "VI", "IP", "PG", "LID",
    "AID", "FAU", "FED", "MH", "OT", "OTO", "PT", "PL", "PST", "EDAT", "MHDA", "CRDT", "PHST",
    "DEP", "BTI", "CTI", "OID", "SB", "GR", "CIN", "CON",
];

/// True if the text looks like MEDLINE: a `PMID- ` line near the top, or
/// field lines in MEDLINE's four-wide layout of which one is a MEDLINE-only
/// tag. RIS (`TY  - `) is detected before this runs, and its two-letter tags
/// alone never qualify.
pub fn looks_like(text: &str) -> bool {
    let mut fields = 0;
    let mut medline_only = false;
    for line in text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(SNIFF_LINES)
    {
        if line.starts_with("PMID-") {
            return true;
        }
        if let Some(tag) = four_wide_tag(line) {
            fields += 1;
            medline_only |= MEDLINE_TAGS.contains(&tag);
        }
    }
    fields >= 3 && medline_only
}

/// The tag of a line in strict MEDLINE layout (`TAG ` padded to four, `-`,
/// then a space or the end of the line).
fn four_wide_tag(line: &str) -> Option<&str> {
    let head = line.get(..4)?;
    let tag = head.trim_end_matches(' ');
    let rest = line.get(4..)?;
    let valid = !tag.is_empty()
        && tag.starts_with(|c: char| c.is_ascii_uppercase())
        && tag
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && (rest == "-" || rest.starts_with("- "));
    valid.then_some(tag)
}

/// Parses MEDLINE text (already decoded, LF line endings) into records.
pub fn parse(text: &str) -> Parsed {
    tagged::parse(text, Medline)
}

/// Splits a field line into tag and trimmed value; `None` for other lines.
fn field_line(line: &str) -> Option<(&str, &str)> {
    let tag_len = line
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        .count();
    if !(1..=4).contains(&tag_len) || !line.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let tag = line.get(..tag_len)?;
    let rest = line.get(tag_len..)?.trim_start_matches(' ');
    let value = rest.strip_prefix('-')?;
    Some((tag, value.trim()))
}

/// Ovid's record number line, `<12>`.
fn is_ovid_number(line: &str) -> bool {
    line.trim()
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

struct Medline;

impl<'a> Syntax<'a> for Medline {
    type Tag = &'a str;

    fn line(
        &mut self,
        records: &mut Records<'a, &'a str>,
        number: usize,
        line: &'a str,
        _: Option<&'a str>,
    ) {
        if line.trim().is_empty() || is_ovid_number(line) {
            records.end();
        } else if let Some((tag, value)) = field_line(line) {
            if tag == "PMID" && records.open().is_some_and(|open| open.has("PMID")) {
                records.start(number, "");
            }
            records.push(number, tag, value);
        } else if !(line.starts_with([' ', '\t']) && records.join(line.trim())) {
            records.stray(number, None);
        }
    }

    /// One problem per run of lines that are not fields, not one per line.
    fn stray(&self, run: &Run<&'a str>) -> String {
        let what = if run.count == 1 {
            "line is".to_string()
        } else {
            format!("{} lines are", run.count)
        };
        if run.inside {
            format!(
                "{what} neither a MEDLINE field (`TAG - value`) nor an indented continuation; ignored"
            )
        } else {
            format!("{what} outside any record (no MEDLINE field line); ignored")
        }
    }

    fn build(&mut self, raw: Raw<'a, &'a str>, _: &mut Parsed) -> Record {
        build(raw)
    }
}

/// Maps fields into a record.
fn build(raw: Raw<'_, &str>) -> Record {
    let f = raw.fields.as_slice();
    let text = |tag| first(f, tag).unwrap_or_default().to_string();
    let joined = |tag| all(f, tag).collect::<Vec<_>>().join(" ");

    // FAU has the full names; AU (initials) only counts when no FAU is
    // given. CN (a group author) stands in the author list where it occurs.
    let has_fau = first(f, "FAU").is_some();
    let authors = f
        .iter()
        .filter(|x| !x.value.is_empty())
        .filter_map(|x| match x.tag {
            "FAU" => Some(Author::parse(&x.value)),
            "AU" if !has_fau => Some(parse_au(&x.value)),
            "CN" => Some(Author {
                family: x.value.clone(),
                given: String::new(),
            }),
            _ => None,
        })
        .collect();

    // A book chapter has TI (the chapter) and BTI (the book); a whole book
    // only BTI.
    let mut title = joined("TI");
    let mut journal = text("JT");
    if title.is_empty() {
        title = joined("BTI");
    } else if journal.is_empty() {
        journal = text("BTI");
    }
    let journal_abbrev = text("TA");
    if journal.is_empty() {
        journal = journal_abbrev.clone();
    }

    let (start_page, end_page) = expand_pages(first(f, "PG").unwrap_or_default());
    let pmid = ["PMID", "UI"]
        .iter()
        .flat_map(|tag| all(f, tag))
        .find(|v| is_pmid(v))
        .unwrap_or_default()
        .to_string();
    let year = ["DP", "DEP"]
        .iter()
        .flat_map(|tag| all(f, tag))
        .find_map(parse_year);
    let keywords = f
        .iter()
        .filter(|x| matches!(x.tag, "MH" | "OT" | "KW"))
        .map(|x| x.value.strip_prefix('*').unwrap_or(&x.value).trim())
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    let ids: Vec<&str> = all(f, "LID").chain(all(f, "AID")).collect();
    let url = ids
        .iter()
        .find(|v| v.starts_with("http") && doi_from_url(v).is_none())
        .or_else(|| ids.iter().find(|v| v.starts_with("http")))
        .map(|v| v.to_string())
        .unwrap_or_default();

    Record {
        authors,
        title,
        year,
        journal,
        journal_abbrev,
        volume: text("VI"),
        issue: text("IP"),
        start_page,
        end_page,
        doi: doi(f, &ids),
        pmid,
        abstract_text: joined("AB"),
        keywords,
        url,
        language: text("LA"),
        kind: text("PT"),
        notes: all(f, "GN").map(str::to_string).collect(),
        line: raw.line,
    }
}

/// The DOI: an `LID`/`AID` marked `[doi]`, else a DOI resolver URL there
/// (ERIC), else the `doi: ` that PubMed writes into `SO`.
fn doi(fields: &[Field<&str>], ids: &[&str]) -> String {
    let marked = ids.iter().find_map(|v| {
        let v = v.trim();
        v.strip_suffix("[doi]")
            .map(normalise_doi)
            .filter(|doi| !doi.is_empty())
    });
    marked
        .or_else(|| ids.iter().find_map(|v| doi_from_url(v)))
        .or_else(|| {
            all(fields, "SO").find_map(|so| {
                let at = so.find("doi: ")?;
                let doi = so.get(at + 5..)?.split_whitespace().next()?;
                let doi = doi.trim_end_matches(['.', ',', ';']);
                doi.starts_with("10.").then(|| doi.to_string())
            })
        })
        .unwrap_or_default()
}

/// `Family Initials` as MEDLINE's `AU` writes it (`Long V`, `van der Berg
/// JP`, `Smith JR Jr`); a single word is a family name.
fn parse_au(raw: &str) -> Author {
    let raw = raw.trim();
    if raw.contains(',') {
        return Author::parse(raw);
    }
    let mut words: Vec<&str> = raw.split_whitespace().collect();
    let suffix = match words.last() {
        Some(&w)
            if ["Jr", "Sr", "2nd", "3rd", "II", "III", "IV"].contains(&w) && words.len() > 2 =>
        {
            words.pop();
            Some(w)
        }
        _ => None,
    };
    let initials = match words.as_slice() {
        [_, .., last] if last.chars().all(|c| c.is_uppercase() || c == '-') => Some(*last),
        _ => None,
    };
    let (family, mut given) = match initials {
        Some(initials) => (
            words
                .get(..words.len().saturating_sub(1))
                .unwrap_or_default()
                .join(" "),
            initials.to_string(),
        ),
        None => (words.join(" "), String::new()),
    };
    if let Some(suffix) = suffix {
        given = format!("{given} {suffix}").trim().to_string();
    }
    Author { family, given }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, families, fixture, one, titles};
    use crate::import::{Format, decode, detect};
    use proptest::prelude::*;

    const COMPLETE: &str = fixture!("pubmed/jabref__MedlinePlainImporterTestCompleteEntry.txt");
    const NBIB: &str = fixture!("pubmed/jabref__NbibImporterTest.nbib");
    const MULTIPLE: &str = fixture!("pubmed/jabref__MedlinePlainImporterTestMultipleEntries.txt");
    const ERIC: &str = fixture!("pubmed/colrev__eric_nbib.nbib");

    #[test]
    fn complete_pubmed_entry() {
        assert_eq!(detect(COMPLETE), Some(Format::Pubmed));
        let r = one(parse, COMPLETE);
        assert_eq!(r.line, 1);
        assert_eq!(r.pmid, "20481061");
        assert_eq!(
            r.title,
            "From danger and motherhood to health and beauty: health advice for the factory \
             girl in early twentieth-century Britain."
        );
        assert_eq!(
            r.authors,
            vec![
                Author {
                    family: "Long".into(),
                    given: "Vicky".into()
                },
                Author {
                    family: "Marland".into(),
                    given: "Hilary".into()
                }
            ]
        );
        assert_eq!(r.year, Some(2009));
        assert_eq!(r.journal, "20 century British history");
        assert_eq!(r.journal_abbrev, "20 Century Br Hist");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("20", "4"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("454", "481"));
        assert_eq!(r.abstract_text, "Lorem ipsum abstract");
        assert_eq!(r.language, "eng");
        assert_eq!(r.kind, "Historical Article");
        assert_eq!(r.keywords.len(), 10);
        assert_eq!(r.keywords[7], "Occupational Health/*history");
        assert_eq!(r.doi, "");
    }

    #[test]
    fn nbib_entry_with_doi_keywords_and_note() {
        let r = one(parse, NBIB);
        assert_eq!(r.pmid, "27169098");
        assert_eq!(r.doi, "10.4103/2277-9175.180636");
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("67", ""));
        assert_eq!(
            families(&r),
            ["Shruthi", "Vinodhkumar", "Selvamani", "corporater"]
        );
        assert_eq!(r.authors[0].given, "Basavaradhya Sahukar");
        assert_eq!(
            r.keywords,
            [
                "Biomarkers",
                "electrophoresis",
                "neoplasia",
                "spectrometry",
                "translation"
            ]
        );
        assert_eq!(r.notes, ["some notes about the article"]);
        assert_eq!(r.kind, "Journal Article");
    }

    #[test]
    fn multiple_entries_split_at_blank_lines_and_stray_text_is_reported() {
        let parsed = parse(MULTIPLE);
        assert_eq!(parsed.records.len(), 7);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines[..3], [1, 55, 77]);
        // The second record (from `PMC -22664230`) has no title or author:
        // kept, with a problem.
        let second = &parsed.records[1];
        assert_eq!(second.title, "");
        assert_eq!(second.journal, "Test Journal");
        assert_eq!(second.abstract_text, "Old Abstract new abstract");
        assert_eq!(second.year, Some(2013));
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.line == 53 && p.message.contains("outside any record"))
        );
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.line == 55 && p.message.contains("kept"))
        );
    }

    #[test]
    fn eric_export_without_pmid() {
        assert_eq!(detect(ERIC), Some(Format::Pubmed));
        let r = one(parse, ERIC);
        assert_eq!(r.line, 2);
        assert_eq!(r.pmid, "");
        assert_eq!(r.doi, "10.1000/123456789");
        assert_eq!(r.url, "http://eric.ed.gov/?id=EJ1131633");
        assert_eq!(r.authors[1], Author::parse("Hunter, Shawn"));
        assert_eq!(r.keywords, ["Keyword 1", "Keyword 2"]);
        assert_eq!(r.language, "English");
        assert_eq!(r.kind, "Journal Articles");
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("1", "9"));
    }

    #[test]
    fn malformed_tag_lines() {
        let text = "\nPMID- 27433151\nSO  invalid line\nTI  - This is a test title\n\n\
                    PMID- 27394443\nSO- another invalid line\nTI  -This is also a test title";
        let parsed = parse(text);
        assert_eq!(
            titles(&parsed),
            ["This is a test title", "This is also a test title"]
        );
        assert_eq!(parsed.records[0].pmid, "27433151");
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 3);
        assert!(
            parsed.problems[0]
                .message
                .contains("neither a MEDLINE field")
        );
    }

    #[test]
    fn au_only_group_author_and_mesh_stars() {
        let r = one(
            parse,
            "PMID- 1\nTI  - T\nAU  - van der Berg JP\nAU  - Smith JR Jr\nAU  - Plato\n\
             CN  - COVID Study Group\nMH  - *Humans\nMH  - Lung/*pathology\nOT  - covid\n\
             PG  - 1224-35\nLID - S0140 [pii]\nLID - 10.1/ABC [doi]\nDP  - 2020 Jan-Feb",
        );
        let got: Vec<(&str, &str)> = r
            .authors
            .iter()
            .map(|a| (a.family.as_str(), a.given.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("van der Berg", "JP"),
                ("Smith", "JR Jr"),
                ("Plato", ""),
                ("COVID Study Group", "")
            ]
        );
        assert_eq!(r.keywords, ["Humans", "Lung/*pathology", "covid"]);
        assert_eq!(
            (r.start_page.as_str(), r.end_page.as_str()),
            ("1224", "1235")
        );
        assert_eq!(r.doi, "10.1/ABC");
        assert_eq!(r.year, Some(2020));
    }

    #[test]
    fn book_chapter_and_whole_book() {
        let r = one(
            parse,
            "PMID- 1\nTI  - Chapter one\nBTI - The Book\nDP  - 2001",
        );
        assert_eq!(
            (r.title.as_str(), r.journal.as_str()),
            ("Chapter one", "The Book")
        );
        let r = one(parse, "PMID- 2\nBTI - The Book\nPT  - Book");
        assert_eq!((r.title.as_str(), r.kind.as_str()), ("The Book", "Book"));
    }

    #[test]
    fn doi_from_source_line_and_missing_blank_lines() {
        let parsed = parse(
            "PMID- 11\nTI  - A\nSO  - J. 2016;5:67. doi: 10.4103/x.1. eCollection\nPMID- 12\nTI  - B\n",
        );
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].doi, "10.4103/x.1");
        assert_eq!(parsed.records[1].line, 4);
        assert_eq!(parsed.problems, vec![]);
    }

    #[test]
    fn ovid_numbered_records() {
        let text =
            "<1>\nUI  - 21041412\nTI  - One\nAU  - Doe J\n<2>\nUI  - 2005123456\nTI  - Two\n";
        let parsed = parse(text);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].pmid, "21041412");
        // An Embase-sized accession number is not a PMID.
        assert_eq!(parsed.records[1].pmid, "");
        assert_eq!(parsed.records[1].line, 6);
    }

    #[test]
    fn crlf_and_windows_1252_through_decode() {
        let parsed = parse(&decode(
            b"PMID- 5\r\nTI  - Caf\xE9\r\n      society\r\n\r\nPMID- 6\r\nTI  - B\r\n",
        ));
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].title, "Café society");
        assert_eq!(parsed.records[1].line, 5);
    }

    #[test]
    fn looks_like_medline_but_not_ris() {
        assert!(looks_like("\nPMID- 1\nTI  - x\n"));
        assert!(looks_like(ERIC));
        assert!(looks_like("PMC - PMC1\nTI  - x\nFAU - Doe, J\n"));
        // RIS-shaped lines alone are not MEDLINE.
        assert!(!looks_like("TI  - x\nAU  - y\nPY  - 2001\nER  - \n"));
        assert!(!looks_like("PT J\nAU Doe, J\nTI x\nER\n"));
        assert!(!looks_like("RT Journal Article\nA1 Doe\n"));
        let late = format!("{}PMID- 1\n", "junk\n".repeat(40));
        assert!(!looks_like(&late));
    }

    fn tag_line() -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            Just("PMID".to_string()),
            Just("FAU".to_string()),
            Just("PG".to_string()),
            Just("LID".to_string()),
            Just("      ".to_string()),
            Just("<1>".to_string()),
            "[A-Z][A-Z0-9]{0,4}",
            "[A-Za-z0-9 *]{0,3}",
        ];
        let gap = prop_oneof![Just("- "), Just("  - "), Just(" -"), Just("-"), Just("")];
        (tag, gap, "\\PC{0,12}").prop_map(|(t, g, v)| format!("{t}{g}{v}"))
    }

    fn check(bytes: &[u8]) {
        check_parser(&decode(bytes), parse, looks_like);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check(&bytes);
        }

        #[test]
        fn tag_shaped_lines_never_panic(
            lines in proptest::collection::vec(tag_line(), 0..40),
            ending in prop_oneof![Just("\n"), Just("\r\n"), Just("")],
        ) {
            check(lines.join(ending).as_bytes());
        }
    }
}
