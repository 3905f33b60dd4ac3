//! RIS, the tagged format nearly every database and reference manager exports.
//!
//! A field line is `XX  - value`: a two-character tag (uppercase letter, then
//! uppercase letter or digit), whitespace, a dash, then the value. A record
//! runs from `TY` to `ER`. Real exports bend this in many ways, so the parser
//! is tolerant:
//! - tabs or a single space around the dash (`A1\t- x`, `KW - x`), and `ER  -`
//!   with nothing after the dash;
//! - a missing `ER`: a new `TY` or the end of the file closes the record (and
//!   a problem is reported, because it can mean a truncated file);
//! - lines that are not field lines continue the previous field (wrapped
//!   abstracts, addresses); under `KW` each such line is its own keyword,
//!   because EndNote writes one `KW` tag followed by one keyword per line;
//! - junk outside records (`1.`, `Provider: ...`, database banners) is skipped.

use super::fields::{
    all, doi_from_url, first, first_of, first_url, is_pmid, split_keywords, split_pages,
};
use super::tagged::{self, Raw, Records, Run, Syntax};
use super::{Author, Parsed, Record, normalise_doi, parse_year};

/// How many non-blank lines [`looks_like`] inspects.
const SNIFF_LINES: usize = 50;

/// True if the text looks like RIS: a `TY  - ` line near the top.
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .take(SNIFF_LINES)
        .any(|line| matches!(field_line(line), Some(("TY", _))))
}

/// Parses RIS text (already decoded, LF line endings) into records.
pub fn parse(text: &str) -> Parsed {
    tagged::parse(text, Ris)
}

/// Splits a field line into tag and trimmed value; `None` for other lines.
fn field_line(line: &str) -> Option<(&str, &str)> {
    // `PMID` is not RIS, but some exports (PsycINFO via APA, CoLRev) write it
    // in RIS layout; reading it beats treating it as a continuation line.
    let tag_len = if line.starts_with("PMID") {
        4
    } else {
        let mut chars = line.chars();
        let first = chars.next()?;
        let second = chars.next()?;
        if !first.is_ascii_uppercase() || !(second.is_ascii_uppercase() || second.is_ascii_digit())
        {
            return None;
        }
        2
    };
    let tag = line.get(..tag_len)?;
    let rest = line.get(tag_len..)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('-')?;
    // `-` must end the line or be followed by whitespace, so that text such as
    // `AB -based` in a wrapped line is not taken for a field.
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((tag, rest.trim()))
}

struct Ris;

impl<'a> Syntax<'a> for Ris {
    type Tag = &'a str;
    const ENDS: Option<(&'static str, &'static str)> = Some(("TY", "ER"));

    fn line(
        &mut self,
        records: &mut Records<'a, &'a str>,
        number: usize,
        line: &'a str,
        _: Option<&'a str>,
    ) {
        let inside = records.open().is_some();
        match field_line(line) {
            Some(("TY", kind)) => records.start(number, kind),
            Some(("ER", _)) if inside => records.end(),
            // A stray empty `ER  -` (doubled terminator) loses nothing.
            Some((tag, value)) if !inside && !value.is_empty() => records.stray(number, Some(tag)),
            Some((tag, value)) if inside => records.push(number, tag, value),
            Some(_) => {}
            None if line.trim().is_empty() => {}
            None if records.last_tag() == Some("KW") => records.repeat(number, line.trim()),
            // Outside records (banners, `1.` numbering, "Link to ..." lines)
            // and right after TY there is no field to join: left out.
            None => {
                records.join(line.trim());
            }
        }
    }

    /// One problem per run of field lines outside records, not one per line.
    fn stray(&self, run: &Run<&'a str>) -> String {
        if let [tag] = run.tags.as_slice() {
            return format!("{tag} field outside a record (no TY line before it); ignored");
        }
        let mut shown: Vec<&str> = Vec::new();
        for tag in &run.tags {
            if !shown.contains(tag) {
                shown.push(tag);
            }
        }
        format!(
            "{} field lines outside a record (no TY line before them: {}); ignored",
            run.tags.len(),
            shown.join(", ")
        )
    }

    fn build(&mut self, raw: Raw<'a, &'a str>, _: &mut Parsed) -> Record {
        build(raw)
    }
}

/// Maps fields into a record; `None` when nothing identifies the work.
fn build(raw: Raw<'_, &str>) -> Record {
    let f = raw.fields.as_slice();
    let pick = |chain: &[&[&str]]| {
        chain
            .iter()
            .find_map(|tags| first_of(f, tags))
            .unwrap_or_default()
            .to_string()
    };

    let authors: Vec<Author> = f
        .iter()
        .filter(|x| (x.tag == "AU" || x.tag == "A1") && !x.value.is_empty())
        .map(|x| Author::parse(&x.value))
        .collect();
    let title = pick(&[&["TI", "T1"], &["CT"], &["BT"]]);
    let doi = match first(f, "DO") {
        Some(doi) => normalise_doi(doi),
        None => ["UR", "L3"]
            .iter()
            .flat_map(|tag| all(f, tag))
            .find_map(doi_from_url)
            .unwrap_or_default(),
    };
    let (start_page, end_page) = split_pages(
        first(f, "SP").unwrap_or_default(),
        first(f, "EP").unwrap_or_default(),
    );
    let year = ["PY", "Y1", "DA"]
        .iter()
        .flat_map(|tag| all(f, tag))
        .find_map(parse_year);
    let pmid = all(f, "PMID")
        .chain(all(f, "AN"))
        .find(|v| is_pmid(v))
        .unwrap_or_default()
        .to_string();
    let abstract_text = {
        let ab: Vec<&str> = all(f, "AB").collect();
        if ab.is_empty() {
            all(f, "N2").collect::<Vec<_>>().join(" ")
        } else {
            ab.join(" ")
        }
    };
    let url = pick(&[&["UR"], &["L1"], &["L2"]]);

    Record {
        authors,
        title,
        year,
        journal: pick(&[&["T2"], &["JF"], &["JO"]]),
        journal_abbrev: pick(&[&["JO"], &["JA"], &["J2"]]),
        volume: pick(&[&["VL"]]),
        issue: pick(&[&["IS"]]),
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text,
        keywords: all(f, "KW").flat_map(split_keywords).collect(),
        url: first_url(&url),
        language: pick(&[&["LA"]]),
        kind: raw.kind.to_string(),
        notes: all(f, "N1").map(str::to_string).collect(),
        line: raw.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{
        assert_lines_in_range, check_parser, families, fixture, one, titles, utf16le,
    };
    use crate::import::{Format, Problem, decode, detect};
    use proptest::prelude::*;

    const STUDIES: &str = fixture!("ris/gardiner2012-studies.ris");

    #[test]
    fn demo_studies_file() {
        assert_eq!(detect(STUDIES), Some(Format::Ris));
        let parsed = parse(STUDIES);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 8);

        let aitken = &parsed.records[0];
        assert_eq!(aitken.line, 1);
        assert_eq!(aitken.authors, vec![Author::parse("Aitken")]);
        assert_eq!(aitken.year, Some(2006));
        assert_eq!(aitken.pmid, "16607244");
        assert_eq!(aitken.doi, "");
        assert_eq!(aitken.journal, "British Journal of Community Nursing");
        assert_eq!(aitken.journal_abbrev, "Br J Community Nurs");
        assert_eq!((aitken.volume.as_str(), aitken.issue.as_str()), ("11", "3"));
        assert_eq!(
            (aitken.start_page.as_str(), aitken.end_page.as_str()),
            ("100", "107")
        );
        assert_eq!(aitken.kind, "JOUR");

        let shipman = &parsed.records[2];
        assert_eq!(shipman.authors.len(), 7);
        assert_eq!(
            shipman.authors[1],
            Author {
                family: "Addington-Hall".into(),
                given: "JM".into()
            }
        );
        assert_eq!(shipman.doi, "10.1191/0269216302pm534oa");
        assert_eq!(shipman.pmid, "12047001");
        assert_eq!(
            shipman.title,
            "How and why do GPs use specialist palliative care services?"
        );

        for record in &parsed.records {
            assert_eq!(record.notes.len(), 1, "{}", record.title);
            assert!(record.notes[0].starts_with("Inclusion in Gardiner 2012: "));
        }
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 15, 24, 45, 63, 81, 98, 115]);
    }

    #[test]
    fn missing_er_at_end_still_gives_the_last_record() {
        let parsed = parse("TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\n");
        assert_eq!(titles(&parsed), ["One", "Two"]);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 5);
        assert!(parsed.problems[0].message.contains("truncated"));
    }

    #[test]
    fn new_ty_before_er_closes_the_previous_record() {
        let parsed = parse("TY  - JOUR\nTI  - One\nTY  - BOOK\nTI  - Two\nER  -");
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[1].kind, "BOOK");
        assert_eq!(parsed.records[1].line, 3);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 1);
    }

    #[test]
    fn an_empty_record_before_the_next_ty_is_one_problem() {
        let parsed = parse("TY  - JOUR\nTY  - JOUR\nTI  - Two\nER  - \n");
        assert_eq!(titles(&parsed), ["Two"]);
        assert_eq!(
            parsed.problems,
            vec![Problem {
                line: 1,
                message: "record has no bibliographic fields; skipped".into()
            }]
        );
    }

    #[test]
    fn a_record_with_only_notes_is_kept_and_reported() {
        let text = "TY  - JOUR\nN1  - Only a note\nER  - \n";
        let parsed = parse(text);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].notes, ["Only a note"]);
        assert_eq!(parsed.problems.len(), 1);
        assert!(parsed.problems[0].message.contains("kept"));
    }

    #[test]
    fn record_without_title_author_or_doi_is_skipped_and_reported() {
        let text = "TY  - JOUR\nTI  - Kept\nER  - \n\nTY  - JOUR\nPY  - 2001\nER  - \n";
        let parsed = parse(text);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(
            parsed.problems,
            vec![Problem {
                line: 5,
                message: "record has no bibliographic fields; skipped".into()
            }]
        );
    }

    #[test]
    fn tolerant_tag_spacing() {
        let r = one(
            parse,
            "TY - JOUR\nA1\t- Smith, J\nID \t- 7\nKW -  x\nER  -\n",
        );
        assert_eq!(r.authors[0].family, "Smith");
        assert_eq!(r.keywords, ["x"]);
    }

    #[test]
    fn continuation_lines_join_abstract_and_title() {
        let r = one(
            parse,
            "TY  - JOUR\nTI  - Improving Urban Road Extraction\nImages Exploiting Filtering\n\n\
             AB  - Background: first.\n   Methods: second.\nER  - \n",
        );
        assert_eq!(
            r.title,
            "Improving Urban Road Extraction Images Exploiting Filtering"
        );
        assert_eq!(r.abstract_text, "Background: first. Methods: second.");
    }

    #[test]
    fn endnote_keyword_lines_and_semicolons() {
        let r = one(
            parse,
            "TY  - JOUR\nTI  - T\nKW  - Animals\nBoswellia/*chemistry\nDisease Models, Animal\n\
             KW  - a; b ;\nLA  - eng\nER  - \n",
        );
        assert_eq!(
            r.keywords,
            [
                "Animals",
                "Boswellia/*chemistry",
                "Disease Models, Animal",
                "a",
                "b"
            ]
        );
        assert_eq!(r.language, "eng");
    }

    #[test]
    fn field_mapping_and_fallbacks() {
        let r = one(
            parse,
            "TY  - JOUR\nT1  - Title\nAU  - Gamba, P.\nA1  - Lisini, G.\nA2  - Editor, E.\n\
             JF  - Full Journal\nJA  - Abbr J\nY1  - 2006/03/01\nSP  - 100-107\n\
             UR  - http://dx.doi.org/10.1023/A:1017379030770; http://x\nN2  - Abstract text\n\
             AN  - 2019-65183-001\nN1  - first\n  * second\nN1  - third\nER  - \n",
        );
        assert_eq!(r.title, "Title");
        assert_eq!(families(&r), ["Gamba", "Lisini"]);
        assert_eq!(r.journal, "Full Journal");
        assert_eq!(r.journal_abbrev, "Abbr J");
        assert_eq!(r.year, Some(2006));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("100", "107"));
        assert_eq!(r.doi, "10.1023/A:1017379030770");
        assert_eq!(r.url, "http://dx.doi.org/10.1023/A:1017379030770");
        assert_eq!(r.abstract_text, "Abstract text");
        assert_eq!(r.pmid, "");
        assert_eq!(r.notes, ["first * second", "third"]);
    }

    #[test]
    fn preferences_between_tags() {
        let r = one(
            parse,
            "TY  - JOUR\nTI  - T\nJO  - J Abbr\nT2  - Journal\nY1  - 1999\nPY  - 2001\n\
             AB  - one\nN2  - other\nAB  - two\nDO  - https://doi.org/10.1/X\nUR  - u\nL1  - l\n\
             AN  - 123456789\nPMID  - 33355555\nER  - \n",
        );
        assert_eq!(r.journal, "Journal");
        assert_eq!(r.journal_abbrev, "J Abbr");
        assert_eq!(r.year, Some(2001));
        assert_eq!(r.abstract_text, "one two");
        assert_eq!(r.doi, "10.1/X");
        assert_eq!(r.url, "u");
        assert_eq!(r.pmid, "33355555");
        // Only a journal abbreviation: it stands in for the full name too.
        let r = one(parse, "TY  - JOUR\nTI  - T\nJO  - J Abbr\nER  - \n");
        assert_eq!(
            (r.journal.as_str(), r.journal_abbrev.as_str()),
            ("J Abbr", "J Abbr")
        );
    }

    #[test]
    fn junk_outside_records_is_ignored_but_stray_fields_are_reported() {
        let text = "Provider: JSTOR\n1.\nTY  - JOUR\nTI  - T\nER  - \nNL  - Clin Psychol\n\
                    Link to the Ovid Full Text\n\n2.\nTY  - JOUR\nTI  - U\nER  -\nER  -\n";
        let parsed = parse(text);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 6);
        assert!(
            parsed.problems[0]
                .message
                .starts_with("NL field outside a record")
        );
    }

    #[test]
    fn fields_without_any_ty_give_one_problem() {
        let parsed = parse("\nJF  - J\nT1  - T\nAU  - A\nER  -\n");
        assert_eq!(parsed.records, vec![]);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 2);
        assert!(parsed.problems[0].message.contains("3 field lines"));
    }

    #[test]
    fn crlf_cr_only_and_utf16_files_through_decode() {
        let lf = "TY  - JOUR\nTI  - Café\nAU  - Doe, J\nER  - \nTY  - JOUR\nTI  - Second\nER  - \n";
        let crlf = lf.replace('\n', "\r\n");
        let cr = lf.replace('\n', "\r");
        let utf16 = utf16le(&crlf, true);
        for bytes in [crlf.as_bytes(), cr.as_bytes(), utf16.as_slice()] {
            let parsed = parse(&decode(bytes));
            assert_eq!(parsed.records.len(), 2);
            assert_eq!(parsed.records[0].title, "Café");
            assert_eq!(parsed.records[1].line, 5);
        }
    }

    #[test]
    fn windows_1252_byte_through_decode() {
        let r = one(
            parse,
            &decode(b"TY  - JOUR\r\nTI  - Caf\xE9 society\r\nER  - \r\n"),
        );
        assert_eq!(r.title, "Café society");
    }

    #[test]
    fn looks_like_needs_a_ty_line_near_the_top() {
        assert!(looks_like("Provider: X\n\n1.\nTY  - JOUR\n"));
        assert!(!looks_like("PMID- 123\nTI  - x\n"));
        assert!(!looks_like("RT Journal Article\nT1 x\n"));
        let late = format!("{}TY  - JOUR\n", "junk\n".repeat(60));
        assert!(!looks_like(&late));
    }

    #[test]
    fn family_initials_without_comma() {
        let parse = |raw| {
            let a = Author::parse(raw);
            (a.family, a.given)
        };
        assert_eq!(parse("Adler D.G."), ("Adler".into(), "D.G.".into()));
        assert_eq!(
            parse("Van der Berg J.-P."),
            ("Van der Berg".into(), "J.-P.".into())
        );
        assert_eq!(parse("Shipman C"), ("Shipman".into(), "C".into()));
        // Everything else is left to Author::parse.
        assert_eq!(parse("G. Kalbe"), ("Kalbe".into(), "G.".into()));
        assert_eq!(parse("Jean DUPONT"), ("DUPONT".into(), "Jean".into()));
        assert_eq!(parse("Shipman, C"), ("Shipman".into(), "C".into()));
        assert_eq!(parse("Aitken"), ("Aitken".into(), "".into()));
    }

    fn tag_line() -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            Just("TY".to_string()),
            Just("ER".to_string()),
            Just("PMID".to_string()),
            "[A-Z][A-Z0-9]",
            "[A-Za-z0-9 ]{0,3}",
        ];
        let gap = prop_oneof![
            Just("  - "),
            Just(" - "),
            Just("\t- "),
            Just("  -"),
            Just("")
        ];
        (tag, gap, "\\PC{0,12}").prop_map(|(t, g, v)| format!("{t}{g}{v}"))
    }

    fn check(bytes: &[u8]) {
        let text = decode(bytes);
        check_parser(&text, parse, |text| detect(text).is_some());
        assert_lines_in_range(&text, &Format::Refworks.parse(&text));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check(&bytes);
        }

        #[test]
        fn tag_shaped_lines_never_panic(
            lines in proptest::collection::vec(tag_line(), 0..40),
            ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        ) {
            check(lines.join(ending).as_bytes());
        }
    }
}
