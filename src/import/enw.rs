//! EndNote tagged format (`%0`, `%A`, `%T` …), the Refer/BibIX layout that
//! EndNote and many web sites export as `.enw`.
//!
//! A field line is `%X value`: a percent sign, a one-character tag, a space
//! and the value (a bare `%X` is an empty field). Records are separated by
//! blank lines and start with `%0` (the reference type). Real files bend this:
//! - some exporters omit `%0`, or put it after `%T` (the AIS eLibrary), so a
//!   blank line followed by a tag line starts a record whatever the tag;
//! - some run records together with no blank line: a second `%0` in a record
//!   then starts the next one;
//! - lines without a tag continue the previous field (wrapped abstracts, a
//!   blank line inside an abstract); under `%K` each such line is a keyword.

use super::fields::{
    all, doi_from_field, doi_from_url, first, first_url, is_pmid, split_keywords, split_pages,
};
use super::tagged::{self, Raw, Records, Syntax};
use super::{Author, Parsed, Record, parse_year};

/// How many non-blank lines [`looks_like`] inspects.
const SNIFF_LINES: usize = 10;

/// True if the file opens with an EndNote field line and more follow (or the
/// file is that one line, as a minimal export can be).
pub fn looks_like(text: &str) -> bool {
    let sniffed: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(SNIFF_LINES)
        .collect();
    let Some(first) = sniffed.first() else {
        return false;
    };
    // The first tag must be a letter or digit: `%%`, `% ` and `%!` open LaTeX
    // and BibTeX comment lines, never an EndNote record.
    if !field_line(first).is_some_and(|(tag, _)| tag.is_ascii_alphanumeric()) {
        return false;
    }
    let tagged = sniffed
        .iter()
        .filter(|line| field_line(line).is_some())
        .count();
    tagged >= 2 || sniffed.len() == 1
}

/// Parses EndNote tagged text (already decoded, LF line endings).
pub fn parse(text: &str) -> Parsed {
    tagged::parse(text, Enw::default())
}

/// Tag characters EndNote writes after `%`.
fn is_tag(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || "!@#$^&*()+=?[]~<>|".contains(c)
}

/// Splits `%X value` into tag and trimmed value; `None` for other lines.
fn field_line(line: &str) -> Option<(char, &str)> {
    let rest = line.trim_start().strip_prefix('%')?;
    let mut chars = rest.chars();
    let tag = chars.next().filter(|c| is_tag(*c))?;
    let after = chars.as_str();
    if after.trim().is_empty() {
        return Some((tag, ""));
    }
    let value = after.strip_prefix([' ', '\t'])?;
    Some((tag, value.trim()))
}

#[derive(Default)]
struct Enw {
    /// A blank line since the last field line: the next tag line starts a
    /// new record.
    after_blank: bool,
}

impl<'a> Syntax<'a> for Enw {
    type Tag = char;

    fn line(
        &mut self,
        records: &mut Records<'a, char>,
        number: usize,
        line: &'a str,
        _: Option<&'a str>,
    ) {
        if line.trim().is_empty() {
            self.after_blank = true;
            return;
        }
        match field_line(line) {
            Some((tag, value)) => {
                let starts_record = records.open().is_some_and(|open| {
                    (self.after_blank && !open.fields.is_empty()) || (tag == '0' && open.has('0'))
                });
                if starts_record {
                    records.start(number, "");
                }
                records.push(number, tag, value);
            }
            // Text before the first field line (a banner) has nowhere to go.
            None if records.last_tag().is_none() => return,
            None if records.last_tag() == Some('K') => records.repeat(number, line.trim()),
            None => {
                records.join(line.trim());
            }
        }
        self.after_blank = false;
    }

    fn build(&mut self, raw: Raw<'a, char>, parsed: &mut Parsed) -> Record {
        let mut titles = raw
            .fields
            .iter()
            .filter(|f| f.tag == 'T' && !f.value.is_empty());
        if let Some(second) = titles.nth(1) {
            parsed.problem(
                second.line,
                format!(
                    "second %T title in the record that starts at line {}; the blank line \
                     between two records may be missing (the first title was kept)",
                    raw.line
                ),
            );
        }
        build(raw)
    }
}

fn build(raw: Raw<'_, char>) -> Record {
    let f = raw.fields.as_slice();
    let text = |tag| first(f, tag).unwrap_or_default().to_string();

    let mut authors: Vec<Author> = all(f, 'A').map(Author::parse).collect();
    if authors.is_empty() {
        // An edited book is cited by its editors.
        authors = all(f, 'E').map(Author::parse).collect();
    }
    // EndNote calls `%R` "Electronic Resource Number"; other tools fill it
    // with report numbers or OAI identifiers.
    let doi = all(f, 'R')
        .find_map(doi_from_field)
        .or_else(|| all(f, 'U').find_map(doi_from_url))
        .unwrap_or_default();
    let (start_page, end_page) = split_pages(first(f, 'P').unwrap_or_default(), "");
    let year = all(f, 'D').chain(all(f, '8')).find_map(parse_year);
    let pmid = all(f, 'M')
        .find(|v| is_pmid(v))
        .unwrap_or_default()
        .to_string();
    let mut notes: Vec<String> = f
        .iter()
        .filter(|x| matches!(x.tag, 'Z' | 'O') && !x.value.is_empty())
        .map(|x| x.value.clone())
        .collect();
    notes.extend(
        all(f, 'M')
            .filter(|v| !is_pmid(v))
            .map(|v| format!("Accession number: {v}")),
    );
    let kind = first(f, '0').or_else(|| first(f, '9')).unwrap_or_default();

    Record {
        authors,
        title: text('T'),
        year,
        journal: first(f, 'J')
            .or_else(|| first(f, 'B'))
            .unwrap_or_default()
            .to_string(),
        journal_abbrev: String::new(),
        volume: text('V'),
        issue: text('N'),
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text: all(f, 'X').collect::<Vec<_>>().join(" "),
        keywords: all(f, 'K').flat_map(split_keywords).collect(),
        url: first_url(first(f, 'U').unwrap_or_default()),
        language: text('G'),
        kind: kind.to_string(),
        notes,
        line: raw.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, families, fixture, one, titles};
    use crate::import::{Format, Problem, decode, detect};
    use proptest::prelude::*;

    const AIS: &str = fixture!("enw/colrev__ais_enl.txt");
    const ENTRIES: &str = fixture!("enw/jabref__Endnote.entries.enw");
    const BIBIX: &str = fixture!("enw/jabref__refer.bibIX.ref");

    #[test]
    fn ais_export_records_start_with_title_not_type() {
        assert_eq!(detect(AIS), Some(Format::Enw));
        let parsed = parse(AIS);
        assert_eq!(parsed.records.len(), 6);
        assert_eq!(parsed.problems, vec![]);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 17, 27, 37, 50, 61]);

        let guo = &parsed.records[0];
        assert!(guo.title.starts_with("How Trust Leads to Commitment"));
        assert_eq!(guo.kind, "Journal Article");
        assert_eq!(families(guo), ["Guo", "Straub", "Zhang", "Cai"]);
        assert_eq!(guo.authors[1].given, "Detmar W.");
        assert_eq!(guo.journal, "Management Information Systems Quarterly");
        assert_eq!(guo.year, Some(2021));
        assert_eq!((guo.volume.as_str(), guo.issue.as_str()), ("45", "3"));
        assert_eq!(
            (guo.start_page.as_str(), guo.end_page.as_str()),
            ("1309", "1348")
        );
        assert_eq!(guo.url, "https://aisel.aisnet.org/misq/vol45/iss3/13");
        assert!(guo.abstract_text.starts_with("IS research has extensively"));

        // A table of contents: no %0, no author, but a title.
        assert_eq!(
            parsed.records[1].title,
            "MISQ Volume 45, Issue 3 Table of Contents"
        );
        assert_eq!(parsed.records[1].kind, "");
        assert_eq!(parsed.records[3].authors[2].family, "Osório");
    }

    #[test]
    fn type_only_records_are_dropped_and_reported() {
        let parsed = parse(ENTRIES);
        assert_eq!(parsed.records.len(), 5);
        // Eight `%0 Type` lines with nothing under them.
        let skipped: Vec<usize> = parsed
            .problems
            .iter()
            .filter(|p| p.message.contains("skipped"))
            .map(|p| p.line)
            .collect();
        assert_eq!(skipped, [7, 8, 9, 10, 11, 12, 13, 14]);

        let first = &parsed.records[0];
        assert_eq!(first.title, "testT");
        assert_eq!(families(first), ["testA0", "testA1"]);

        let test0 = &parsed.records[1];
        assert_eq!(test0.kind, "Test0");
        assert_eq!(test0.journal, "testJ");

        let thesis = &parsed.records[4];
        assert_eq!(thesis.kind, "Thesis");
        // `doi:testR` is not a DOI (no `10.` prefix), so it is not kept as one.
        assert_eq!(thesis.doi, "");
        assert_eq!(thesis.notes, ["Artn \\\\s testO0", "testO1"]);
        assert_eq!(thesis.keywords, ["testK"]);
        assert_eq!(thesis.abstract_text, "testX");
        assert_eq!(thesis.url, "testU");
    }

    #[test]
    fn bibix_book_conference_and_thesis() {
        let parsed = parse(BIBIX);
        assert_eq!(parsed.records.len(), 4);
        assert_eq!(parsed.problems, vec![]);
        let conf = &parsed.records[1];
        assert_eq!(conf.kind, "Conference Paper");
        assert_eq!(conf.line, 18);
        // %B is the proceedings title, the container for a conference paper.
        assert_eq!(conf.journal, "Proceedings Title");
        assert_eq!(conf.authors.len(), 3);
        assert_eq!(conf.language, "");
        assert_eq!(parsed.records[0].language, "en");
        // A thesis `%R` is its type, not a DOI.
        assert_eq!(parsed.records[3].doi, "");
    }

    #[test]
    fn field_mapping() {
        let r = one(
            parse,
            "%0 Journal Article\n%A Shipman, C.\n%A Addington-Hall, J. M.\n%T A title\n\
             wrapped onto two lines\n%J Palliative Medicine\n%B Ignored secondary\n%D 2002\n\
             %8 May\n%V 16\n%N 3\n%P 241-6\n%R https://doi.org/10.1191/0269216302pm534oa\n\
             %M 12047001\n%U http://example.org/a http://example.org/b\n%X First part.\n\
             Second part.\n%K Palliative Care\nGeneral Practice\n%K a; b\n%G English\n\
             %Z note one\n%9 Research\n",
        );
        assert_eq!(r.title, "A title wrapped onto two lines");
        assert_eq!(r.authors[1].family, "Addington-Hall");
        assert_eq!(r.journal, "Palliative Medicine");
        assert_eq!(r.year, Some(2002));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("241", "6"));
        assert_eq!(r.doi, "10.1191/0269216302pm534oa");
        assert_eq!(r.pmid, "12047001");
        assert_eq!(r.url, "http://example.org/a");
        assert_eq!(r.abstract_text, "First part. Second part.");
        assert_eq!(
            r.keywords,
            ["Palliative Care", "General Practice", "a", "b"]
        );
        assert_eq!(r.language, "English");
        assert_eq!(r.notes, ["note one"]);
        assert_eq!(r.kind, "Journal Article");
    }

    #[test]
    fn fallbacks() {
        // Year from %8, DOI from a doi.org URL, editors when no author,
        // a non-PubMed accession number kept as a note, corporate author.
        let r = one(
            parse,
            "%0 Edited Book\n%E Smith, Jane\n%T Book\n%8 2019-03-01\n\
             %U https://dx.doi.org/10.1000/xyz\n%M 2019-65183-001\n",
        );
        assert_eq!(r.authors, vec![Author::parse("Smith, Jane")]);
        assert_eq!(r.year, Some(2019));
        assert_eq!(r.doi, "10.1000/xyz");
        assert_eq!(r.pmid, "");
        assert_eq!(r.notes, ["Accession number: 2019-65183-001"]);
        let r = one(
            parse,
            "%0 Report\n%A World Health Organization,\n%T Report\n",
        );
        assert_eq!(r.authors[0].family, "World Health Organization");
        assert_eq!(r.authors[0].given, "");
    }

    #[test]
    fn records_without_blank_lines_split_at_the_next_type() {
        let parsed = parse("%0 Book\n%T One\n%0 Journal Article\n%T Two\n%A X\n");
        assert_eq!(titles(&parsed), ["One", "Two"]);
        assert_eq!(parsed.records[1].line, 3);
    }

    #[test]
    fn blank_line_then_author_starts_a_record_without_type() {
        let parsed = parse("\n\n%A Doe, J\n%T One\n\n\n%A Roe, R\n%T Two\n");
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].line, 3);
        assert_eq!(parsed.records[1].line, 7);
        assert_eq!(parsed.records[1].authors[0].family, "Roe");
    }

    #[test]
    fn blank_line_inside_an_abstract_does_not_split_the_record() {
        let r = one(
            parse,
            "%0 Journal Article\n%T T\n%X Para one.\n\nPara two.\n%K k\n",
        );
        assert_eq!(r.abstract_text, "Para one. Para two.");
        assert_eq!(r.keywords, ["k"]);
    }

    #[test]
    fn a_second_title_is_reported() {
        let parsed = parse("%0 Journal Article\n%T One\n%A X\n%T Two\n");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].title, "One");
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 4);
        assert!(parsed.problems[0].message.contains("second %T"));
    }

    #[test]
    fn a_bad_record_costs_only_itself() {
        let parsed =
            parse("%0 Book\n%T Kept\n\n%0 Book\n%D 2001\n%I Publisher\n\n%0 Book\n%T Also\n");
        assert_eq!(titles(&parsed), ["Kept", "Also"]);
        assert_eq!(
            parsed.problems,
            vec![Problem {
                line: 4,
                message: "record has no bibliographic fields; skipped".into()
            }]
        );
    }

    #[test]
    fn empty_tags_and_missing_space() {
        // Bibsonomy writes every tag, empty ones bare.
        let r = one(
            parse,
            "%0 Book\n%A Gentle, James E.\n%E\n%T Matrix algebra\n%V\n%K\n%Z\n",
        );
        assert_eq!(r.title, "Matrix algebra");
        assert_eq!(r.authors.len(), 1);
        assert!(r.keywords.is_empty() && r.notes.is_empty());
        // `%Tx` is not a field line: it continues the previous field.
        let r = one(parse, "%0 Book\n%T A\n%Tx\n");
        assert_eq!(r.title, "A %Tx");
    }

    #[test]
    fn crlf_and_windows_1252_through_decode() {
        let bytes = b"%0 Journal Article\r\n%T Caf\xE9\r\n%A Doe, J\r\n\r\n%0 Book\r\n%T Two\r\n";
        let parsed = parse(&decode(bytes));
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].title, "Café");
        assert_eq!(parsed.records[1].line, 5);
    }

    #[test]
    fn looks_like_needs_tag_lines_at_the_top() {
        assert!(looks_like("%0 Journal Article\n%T x\n"));
        assert!(looks_like("\n%T x\n%A y\n"));
        assert!(looks_like("%E testE"));
        assert!(!looks_like("% Encoding: UTF-8\n@article{a, title={x}}\n"));
        assert!(!looks_like("%% comment\n%A not\n"));
        assert!(!looks_like("TY  - JOUR\n%A x\n%T y\n"));
        assert!(!looks_like("%A x\nsome prose\nmore prose\n"));
        assert!(!looks_like(""));
    }

    fn tag_line() -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            Just("%0".to_string()),
            Just("%A".to_string()),
            Just("%T".to_string()),
            Just("%K".to_string()),
            "%[A-Z0-9!@#$^&*()+=?~]",
            "[%A-Za-z ]{0,3}",
        ];
        let gap = prop_oneof![Just(" "), Just(""), Just("\t")];
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
            ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("\n\n")],
        ) {
            check(lines.join(ending).as_bytes());
        }
    }
}
