//! RefWorks tagged format: one field per line, `XX value`, records start at
//! `RT` (the reference type) and run to the next `RT` or the end of the file.
//!
//! Some exports (BJGP's "download citation", for one) arrive flattened: a
//! whole record on one line with the tags run together (`RT Journal Article
//! SR Electronic T1 ... JF ... A1 ... AB ...`). Such a line is split back into
//! fields at ` TAG ` boundaries; see [`split_flattened`] for the guards that
//! keep ordinary text (an `ED` or `NO` in an abstract) from being cut up.

use super::fields::{all, doi_from_url, first, first_url, is_pmid, split_keywords, split_pages};
use super::tagged::{self, Raw, Records, Run, Syntax};
use super::{Author, Parsed, Record, normalise_doi, parse_year};

/// The tags RefWorks writes. Only these start a field, so a line of prose
/// that happens to start with two capitals stays a continuation line.
const TAGS: [&str; 52] = [
    "RT", "SR", "ID", "A1", "A2", "A3", "A4", "A5", "A6", "T1", "T2", "T3", "JF", "JO", "YR", "FD",
    "VO", "IS", "SP", "OP", "K1", "AB", "NO", "PB", "PP", "ED", "SN", "AV", "AD", "AN", "LA", "CL",
    "SF", "OT", "LK", "DO", "CN", "DB", "DS", "IP", "RD", "ST", "U1", "U2", "U3", "U4", "U5", "UL",
    "WP", "WT", "WV", "OL",
];

/// Tags that may occur many times in one record.
const REPEATABLE: [&str; 7] = ["A1", "A2", "A3", "A4", "A5", "A6", "K1"];

/// RefWorks reference types, used to recognise a second record's `RT` inside
/// a flattened line (plain `RT` is also "radiotherapy" in abstracts).
const REFERENCE_TYPES: [&str; 31] = [
    "Abstract",
    "Artwork",
    "Bills/Resolutions",
    "Book, Edited",
    "Book, Section",
    "Book, Whole",
    "Case/Court Decisions",
    "Computer Program",
    "Conference Proceedings",
    "Dissertation",
    "Generic",
    "Grant",
    "Hearing",
    "Journal Article",
    "Journal, Electronic",
    "Laws/Statutes",
    "Magazine Article",
    "Map",
    "Monograph",
    "Motion Picture",
    "Music Score",
    "Newspaper Article",
    "Online Discussion Forum",
    "Patent",
    "Personal Communication",
    "Report",
    "Sound Recording",
    "Thesis",
    "Unpublished Material",
    "Video/DVD",
    "Web Page",
];

/// True if the first non-blank line starts a RefWorks record (`RT type`),
/// or opens RefWorks' tag legend with a record after it.
pub fn looks_like(text: &str) -> bool {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if is_legend_title(first) {
        return lines
            .take(SNIFF_LINES)
            .any(|line| record_start(line).is_some());
    }
    first
        .strip_prefix("RT ")
        .is_some_and(|kind| !kind.trim().is_empty())
}

/// How many lines after a legend title [`looks_like`] looks for a record.
const SNIFF_LINES: usize = 200;

/// `Refworks Export Tagged Format`, the title of the tag legend some
/// RefWorks exports open with (`RT Reference Type`, `A1 Primary Authors`,
/// ...): lines shaped like fields that are not a record.
fn is_legend_title(line: &str) -> bool {
    let line = line.trim().to_ascii_lowercase();
    line.starts_with("refworks") && line.contains("tagged format")
}

/// `RT` with a reference type, not the legend's `RT Reference Type`.
fn record_start(line: &str) -> Option<&str> {
    let kind = line.strip_prefix("RT ")?.trim();
    (!kind.is_empty() && !kind.eq_ignore_ascii_case("Reference Type")).then_some(kind)
}

/// Parses RefWorks text (already decoded, LF line endings) into records.
pub fn parse(text: &str) -> Parsed {
    // The legend runs from its title to the first real record.
    let in_legend = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .is_some_and(is_legend_title);
    tagged::parse(text, RefWorks { in_legend })
}

fn is_tag(tag: &str) -> bool {
    TAGS.contains(&tag)
}

/// Splits `XX value` into tag and trimmed value; `None` for other lines.
fn field_line(line: &str) -> Option<(&str, &str)> {
    let tag = line.get(..2).filter(|t| is_tag(t))?;
    let rest = line.get(2..)?;
    if rest.trim().is_empty() {
        return Some((tag, ""));
    }
    Some((tag, rest.strip_prefix(' ')?.trim()))
}

/// Splits a flattened record line (`RT Journal Article SR Electronic T1 ...`)
/// into fields, or `None` when the line is not flattened (no field boundary
/// after `RT`; reference type names never contain one).
///
/// A boundary is ` TAG ` followed by a non-space character, where TAG is a
/// known tag. To avoid cutting free text at capitalised words that happen to
/// be tags (`NO` for nitric oxide, `ED`, `ST`, `RT` for radiotherapy):
/// - a tag that occurs once per record only splits the first time it is seen;
/// - `RT` only splits (a next record) when followed by a reference type name;
/// - inside free-text fields (`AB`, `NO`), only tags whose value has an
///   unmistakable shape split: URLs (`UL`, `LK`), DOIs (`DO`), ISSN/ISBN
///   (`SN`), a four-digit year (`YR`) and a next record (`RT`). Exporters put
///   the abstract last or near the end, so this costs little.
fn split_flattened(line: &str) -> Option<Vec<(&str, &str)>> {
    if !line.starts_with("RT ") {
        return None;
    }
    let bytes = line.as_bytes();
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let mut seen: Vec<&str> = vec!["RT"];
    let (mut tag, mut start) = ("RT", 3);
    let mut i = 3;
    while i + 4 < bytes.len() {
        let candidate = (bytes.get(i) == Some(&b' ')
            && bytes.get(i + 3) == Some(&b' ')
            && bytes.get(i + 4).is_some_and(|b| !b.is_ascii_whitespace()))
        .then(|| line.get(i + 1..i + 3))
        .flatten()
        .filter(|t| is_tag(t));
        if let Some(next) = candidate {
            let after = line.get(i + 4..).unwrap_or_default();
            if accepts(tag, next, after, &seen) {
                fields.push((tag, line.get(start..i).unwrap_or_default().trim()));
                if next == "RT" {
                    seen.clear();
                }
                // Only once-per-record tags are looked up, so repeated ones
                // (thousands of `A1`) are not kept to be searched through.
                if !REPEATABLE.contains(&next) && !seen.contains(&next) {
                    seen.push(next);
                }
                tag = next;
                start = i + 4;
                i += 4;
                continue;
            }
        }
        i += 1;
    }
    fields.push((tag, line.get(start..).unwrap_or_default().trim()));
    (fields.len() >= 2).then_some(fields)
}

/// Whether ` next ` may start a new field while reading field `current`.
fn accepts(current: &str, next: &str, after: &str, seen: &[&str]) -> bool {
    if next == "RT" {
        return REFERENCE_TYPES.iter().any(|t| after.starts_with(t));
    }
    if seen.contains(&next) && !REPEATABLE.contains(&next) {
        return false;
    }
    if current == "AB" || current == "NO" {
        return has_field_shape(next, after);
    }
    true
}

/// True when `after` starts like a value of `tag` could and prose rarely does.
fn has_field_shape(tag: &str, after: &str) -> bool {
    let token = after.split_whitespace().next().unwrap_or_default();
    match tag {
        "UL" | "LK" => token.starts_with("http") || token.starts_with("www."),
        "DO" => token.starts_with("10."),
        "SN" => {
            token.len() >= 8
                && token
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'X' || b == b'x')
        }
        "YR" => token.len() == 4 && token.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

struct RefWorks {
    in_legend: bool,
}

impl<'a> Syntax<'a> for RefWorks {
    type Tag = &'a str;

    fn line(
        &mut self,
        records: &mut Records<'a, &'a str>,
        number: usize,
        line: &'a str,
        _: Option<&'a str>,
    ) {
        if self.in_legend {
            if record_start(line).is_none() {
                return;
            }
            self.in_legend = false;
        }
        let field = |records: &mut Records<'a, &'a str>, (tag, value): (&'a str, &'a str)| {
            if tag == "RT" {
                records.start(number, value);
            } else if records.open().is_some() {
                records.push(number, tag, value);
            } else if !value.is_empty() {
                records.stray(number, None);
            }
        };
        if let Some(fields) = split_flattened(line) {
            for f in fields {
                field(records, f);
            }
        } else if let Some(f) = field_line(line) {
            field(records, f);
        } else if !line.trim().is_empty() {
            records.join(line.trim());
        }
    }

    /// Field lines before the first `RT`.
    fn stray(&self, run: &Run<&'a str>) -> String {
        format!(
            "{} field line(s) before the first RT line (no record to put them in); ignored",
            run.count
        )
    }

    fn build(&mut self, raw: Raw<'a, &'a str>, _: &mut Parsed) -> Record {
        build(raw)
    }
}

/// Maps fields into a record; `None` when nothing identifies the work.
fn build(raw: Raw<'_, &str>) -> Record {
    let f = raw.fields.as_slice();
    let get = |tag: &str| first(f, tag).unwrap_or_default().to_string();

    let authors: Vec<Author> = all(f, "A1").map(Author::parse).collect();
    let title = first(f, "T1")
        .or_else(|| first(f, "ST"))
        .unwrap_or_default()
        .to_string();
    let doi = match first(f, "DO") {
        Some(doi) => normalise_doi(doi),
        None => all(f, "UL").find_map(doi_from_url).unwrap_or_default(),
    };
    let (start_page, end_page) = split_pages(
        first(f, "SP").unwrap_or_default(),
        first(f, "OP").unwrap_or_default(),
    );
    let journal_abbrev = get("JO");
    let journal = first(f, "JF")
        .map(str::to_string)
        .unwrap_or_else(|| journal_abbrev.clone());

    Record {
        authors,
        title,
        year: all(f, "YR").chain(all(f, "FD")).find_map(parse_year),
        journal,
        journal_abbrev,
        volume: get("VO"),
        issue: get("IS"),
        start_page,
        end_page,
        doi,
        pmid: all(f, "AN")
            .find(|v| is_pmid(v))
            .unwrap_or_default()
            .to_string(),
        abstract_text: all(f, "AB").collect::<Vec<_>>().join(" "),
        keywords: all(f, "K1").flat_map(split_keywords).collect(),
        url: first_url(first(f, "UL").unwrap_or_default()),
        language: get("LA"),
        kind: raw.kind.to_string(),
        notes: all(f, "NO").map(str::to_string).collect(),
        line: raw.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, fixture, one, titles, utf16le};
    use crate::import::{Format, Problem, decode, detect};
    use proptest::prelude::*;

    const FLATTENED: &str = fixture!("refworks/bjgp-gardiner2012-flattened.txt");

    #[test]
    fn flattened_bjgp_record() {
        assert_eq!(detect(FLATTENED), Some(Format::Refworks));
        let parsed = parse(FLATTENED);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 1);
        let r = &parsed.records[0];
        assert_eq!(
            r.title,
            "Factors supporting good partnership working between generalist and specialist \
             palliative care services: a systematic review"
        );
        let names: Vec<(&str, &str)> = r
            .authors
            .iter()
            .map(|a| (a.family.as_str(), a.given.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("Gardiner", "Clare"),
                ("Gott", "Merryn"),
                ("Ingleton", "Christine")
            ]
        );
        assert_eq!(r.year, Some(2012));
        assert_eq!(r.journal, "British Journal of General Practice");
        assert_eq!(r.journal_abbrev, "Br J Gen Pract");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("62", "598"));
        assert_eq!(
            (r.start_page.as_str(), r.end_page.as_str()),
            ("e353", "e362")
        );
        assert_eq!(r.doi, "10.3399/bjgp12X641474");
        assert_eq!(r.url, "http://bjgp.org/content/62/598/e353.abstract");
        assert!(r.abstract_text.starts_with("Background The care"));
        assert!(r.abstract_text.ends_with("models for partnership working."));
        assert_eq!(r.kind, "Journal Article");
        assert_eq!(r.line, 1);
    }

    #[test]
    fn flattened_abstract_keeps_tag_like_words() {
        let text = "RT Journal Article T1 Nitric oxide A1 Doe, J YR 2001 AB We measured NO levels \
                    in the ED and ST segments, T1 weighted. UL http://x.org/1 NO A note";
        let r = one(parse, text);
        assert_eq!(
            r.abstract_text,
            "We measured NO levels in the ED and ST segments, T1 weighted."
        );
        assert_eq!(r.url, "http://x.org/1");
        assert_eq!(r.notes, ["A note"]);
        assert_eq!(r.title, "Nitric oxide");
    }

    #[test]
    fn flattened_line_with_two_records() {
        let text = "RT Journal Article T1 One A1 Doe, J AB radiotherapy (RT given) RT Report T1 Two YR 1999";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["One", "Two"]);
        assert_eq!(parsed.records[0].abstract_text, "radiotherapy (RT given)");
        assert_eq!(parsed.records[1].kind, "Report");
        assert_eq!(parsed.records[1].year, Some(1999));
    }

    #[test]
    fn normal_form_records() {
        let text = "RT Journal Article\nSR Electronic(1)\nID 271\nA1 Allan,Steven\nA1 Paul Gilbert\n\
                    T1 Anger and anger expression\nJF Personality & Individual Differences\n\
                    JO Pers Individ Dif\nYR 2002\nFD Feb\nVO 32\nIS 3\nSP 551\nOP 565\nK1 Anger\n\
                    K1 Self Report; Status\nAB Explored the relationship\nbetween rank and anger.\n\
                    NO PO: Human PB Elsevier\nAN 2002-00282-017\nLA English\nUL http://a.b/c\n\
                    \nRT Dissertation\nA1 Catrambone, C.D.\nT1 Effect of case management\nFD 2000\n\
                    DO 10.1/xyz\nAN 12345678\n";
        let parsed = parse(text);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0];
        assert_eq!(r.kind, "Journal Article");
        assert_eq!(r.authors[0], Author::parse("Allan, Steven"));
        assert_eq!(r.authors[1], Author::parse("Paul Gilbert"));
        assert_eq!(r.journal, "Personality & Individual Differences");
        assert_eq!(r.journal_abbrev, "Pers Individ Dif");
        assert_eq!(r.year, Some(2002));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("551", "565"));
        assert_eq!(r.keywords, ["Anger", "Self Report", "Status"]);
        assert_eq!(
            r.abstract_text,
            "Explored the relationship between rank and anger."
        );
        assert_eq!(r.notes, ["PO: Human PB Elsevier"]);
        assert_eq!(r.pmid, "");
        assert_eq!(r.language, "English");
        assert_eq!(r.url, "http://a.b/c");

        let d = &parsed.records[1];
        assert_eq!(d.line, 24);
        assert_eq!(d.year, Some(2000));
        assert_eq!(d.doi, "10.1/xyz");
        assert_eq!(d.pmid, "12345678");
    }

    #[test]
    fn rt_line_with_one_more_field_then_normal_lines() {
        let r = one(
            parse,
            "RT Journal Article SR Electronic(1)\nT1 Title\nA1 Doe, J\n",
        );
        assert_eq!(r.kind, "Journal Article");
        assert_eq!(r.title, "Title");
        let r = one(parse, "RT Book, Section\nT1 Title\n");
        assert_eq!(r.kind, "Book, Section");
    }

    #[test]
    fn journal_abbreviation_stands_in_for_missing_full_name() {
        let r = one(parse, "RT Journal Article\nT1 T\nJO Br J Gen Pract\n");
        assert_eq!(r.journal, "Br J Gen Pract");
        assert_eq!(r.journal_abbrev, "Br J Gen Pract");
    }

    #[test]
    fn empty_records_are_skipped_with_their_line() {
        let parsed = parse("RT Journal Article\nT1 Kept\n\nRT Abstract\nYR 2022\nFD Summer\n");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(
            parsed.problems,
            vec![Problem {
                line: 4,
                message: "record has no bibliographic fields; skipped".into()
            }]
        );
    }

    #[test]
    fn fields_before_the_first_rt_are_reported() {
        let parsed = parse("Exported from RefWorks\nT1 Orphan\nA1 Nobody\nRT Generic\nT1 Kept\n");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 2);
    }

    #[test]
    fn crlf_cr_utf16_and_windows_1252_through_decode() {
        let lf = "RT Journal Article\nT1 Caf\u{e9}\nA1 Doe, J\nRT Report\nT1 Second\n";
        let crlf = lf.replace('\n', "\r\n");
        let cr = lf.replace('\n', "\r");
        let utf16 = utf16le(&crlf, false);
        let cp1252 = b"RT Journal Article\r\nT1 Caf\xE9\r\nA1 Doe, J\r\nRT Report\r\nT1 Second\r\n";
        for bytes in [crlf.as_bytes(), cr.as_bytes(), &utf16, cp1252] {
            let text = decode(bytes);
            assert_eq!(detect(&text), Some(Format::Refworks));
            let parsed = parse(&text);
            assert_eq!(parsed.records.len(), 2);
            assert_eq!(parsed.records[0].title, "Café");
            assert_eq!(parsed.records[1].line, 4);
        }
    }

    #[test]
    fn looks_like_wants_rt_first() {
        assert!(looks_like("\n\nRT Journal Article\nT1 x"));
        assert!(!looks_like("RT \nT1 x"));
        assert!(!looks_like("T1 x\nRT Journal Article"));
        assert!(!looks_like("TY  - JOUR\n"));
    }

    fn tag_line() -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            Just("RT".to_string()),
            Just("AB".to_string()),
            Just("NO".to_string()),
            proptest::sample::select(TAGS.to_vec()).prop_map(str::to_string),
            "[A-Za-z0-9 ]{0,3}",
        ];
        let body = proptest::collection::vec(
            prop_oneof![
                "\\PC{0,8}",
                proptest::sample::select(TAGS.to_vec()).prop_map(|t| format!(" {t} ")),
                Just(" RT Journal Article ".to_string()),
                Just(" UL http://x ".to_string()),
            ],
            0..6,
        );
        (tag, prop_oneof![Just(" "), Just("")], body)
            .prop_map(|(t, sep, body)| format!("{t}{sep}{}", body.concat()))
    }

    proptest! {
        #[test]
        fn tag_shaped_lines_never_panic(
            lines in proptest::collection::vec(tag_line(), 0..30),
            ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        ) {
            check_parser(&decode(lines.join(ending).as_bytes()), parse, looks_like);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check_parser(&decode(&bytes), parse, looks_like);
        }
    }
}
