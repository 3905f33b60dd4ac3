//! Web of Science plain text (`FN`, `VR`, `PT J`, `ER`, `EF`), also written by
//! other ISI-format exporters (Inspec, MEDLINE via Web of Knowledge).
//!
//! A field line has a two-character tag in columns 1–2 and its value from
//! column 4; continuation lines are indented. A record runs from `PT` to `ER`;
//! the file opens with `FN`/`VR` and ends with `EF`. Each continuation line of
//! an author field (`AU`, `AF`, …) is another author; in other fields it
//! continues the text, and keyword fields (`DE`, `ID`) are split on `;` after
//! joining. Tolerated: a missing `ER` (the next `PT`, an `EF` or the end of
//! the file closes the record, with a problem), a missing `PT` (fields after
//! an `ER` start a record, with a problem), several exports run together
//! (`EF` then `FN` again), and MEDLINE-flavoured files with all authors on one
//! `;`-separated line.

use super::fields::{Field, is_pmid, split_keywords, split_pages};
use super::tagged::{self, Raw, Records, Syntax};
use super::{Author, Parsed, Record, normalise_doi, parse_year};

/// How many non-blank lines [`looks_like`] inspects.
const SNIFF_LINES: usize = 30;

/// Tags outside records that carry no bibliographic data.
const FILE_TAGS: [&str; 3] = ["FN", "VR", "EF"];

/// True for a Web of Science file: `FN` then `VR` or `PT` at the top, or a
/// `PT x` first line with WoS field lines and an `ER` terminator.
pub fn looks_like(text: &str) -> bool {
    let sniffed: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(SNIFF_LINES)
        .collect();
    // RIS and MEDLINE share two-letter tags; their separators rule them out.
    if sniffed
        .iter()
        .any(|line| line.starts_with("PMID-") || line.get(2..6) == Some("  - "))
    {
        return false;
    }
    let tags: Vec<&str> = sniffed
        .iter()
        .filter_map(|line| field_line(line).map(|(tag, _)| tag))
        .collect();
    match tags.first() {
        Some(&"FN") => tags.iter().take(4).any(|t| *t == "VR" || *t == "PT"),
        Some(&"PT") => {
            let kind_ok = sniffed
                .first()
                .and_then(|line| field_line(line))
                .is_some_and(|(_, v)| v.len() == 1 && v.chars().all(|c| c.is_ascii_uppercase()));
            let wos_fields = tags
                .iter()
                .filter(|t| matches!(**t, "AU" | "AF" | "TI" | "SO" | "PY" | "UT" | "DT"))
                .count();
            kind_ok && wos_fields >= 2 && text.lines().any(|line| line.trim_end() == "ER")
        }
        _ => false,
    }
}

/// Parses Web of Science plain text (already decoded, LF line endings).
pub fn parse(text: &str) -> Parsed {
    tagged::parse(text, Wos)
}

/// Splits a field line into tag and trimmed value; `None` for other lines.
fn field_line(line: &str) -> Option<(&str, &str)> {
    let tag = line.get(..2)?;
    let mut chars = tag.chars();
    let (first, second) = (chars.next()?, chars.next()?);
    if !first.is_ascii_uppercase() || !(second.is_ascii_uppercase() || second.is_ascii_digit()) {
        return None;
    }
    let rest = line.get(2..)?;
    if rest.trim().is_empty() {
        return Some((tag, ""));
    }
    rest.strip_prefix(' ').map(|value| (tag, value.trim()))
}

struct Wos;

impl<'a> Syntax<'a> for Wos {
    type Tag = &'a str;
    const ENDS: Option<(&'static str, &'static str)> = Some(("PT", "ER"));
    // Each line of an author field is an author.
    const JOIN: char = '\n';

    fn line(
        &mut self,
        records: &mut Records<'a, &'a str>,
        number: usize,
        line: &'a str,
        _: Option<&'a str>,
    ) {
        if line.trim().is_empty() {
            return;
        }
        let field = if line.starts_with([' ', '\t']) {
            None
        } else {
            field_line(line)
        };
        match field {
            // A continuation line (indented, or one that lost its indent);
            // outside a record there is nothing to join it to.
            None => {
                records.join(line.trim());
            }
            Some(("PT", kind)) => records.start(number, kind),
            Some(("ER", _)) => records.end(),
            Some((tag, _)) if FILE_TAGS.contains(&tag) => records.cut(number, tag),
            Some((tag, value)) => {
                if records.open().is_none() {
                    records.parsed.problem(
                        number,
                        format!(
                            "record has no PT line (it starts with {tag}); read up to the next ER"
                        ),
                    );
                }
                records.push(number, tag, value);
            }
        }
    }

    fn build(&mut self, raw: Raw<'a, &'a str>, parsed: &mut Parsed) -> Record {
        build(&raw, parsed)
    }
}

type Fields<'f> = [Field<&'f str>];

/// The first field with `tag` that has a value.
fn field<'f>(f: &'f Fields<'_>, tag: &str) -> Option<&'f Field<&'f str>> {
    f.iter().find(|x| x.tag == tag && !x.value.is_empty())
}

/// Its lines joined with spaces.
fn joined(field: &Field<&str>) -> String {
    field.value.replace('\n', " ")
}

/// The joined text of the first non-empty field among `tags`, in that order
/// of preference.
fn text(f: &Fields<'_>, tags: &[&str]) -> String {
    tags.iter()
        .find_map(|tag| field(f, tag))
        .map(joined)
        .unwrap_or_default()
}

/// Names, one per line or `;`-separated.
fn names(f: &Fields<'_>, tag: &str) -> Vec<String> {
    f.iter()
        .filter(|x| x.tag == tag)
        .flat_map(|x| x.value.split(['\n', ';']))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

fn build(raw: &Raw<'_, &str>, parsed: &mut Parsed) -> Record {
    let f = raw.fields.as_slice();
    // Full names ("Family, Given") beat short ones ("Family, GI").
    let people = ["AF", "AU", "BF", "BA"]
        .iter()
        .map(|tag| names(f, tag))
        .find(|list| !list.is_empty());
    let authors: Vec<Author> = match people {
        Some(list) => list.iter().map(|n| Author::parse(n)).collect(),
        // Group authors are names of bodies, not "Family, Given".
        None => ["CA", "GP"]
            .iter()
            .flat_map(|tag| names(f, tag))
            .map(|family| Author {
                family,
                given: String::new(),
            })
            .collect(),
    };

    let year = ["PY", "EA", "PD"]
        .iter()
        .filter_map(|tag| field(f, tag))
        .find_map(|x| parse_year(&joined(x)));

    let (start_page, end_page) = match field(f, "BP") {
        Some(bp) => split_pages(&joined(bp), &text(f, &["EP"])),
        None => match field(f, "PS") {
            // `PS 2457-71`: the page span of MEDLINE-flavoured files.
            Some(ps) => split_pages(&joined(ps), ""),
            // Electronic journals number articles instead of pages.
            None => (text(f, &["AR"]), text(f, &["EP"])),
        },
    };

    let mut doi = String::new();
    for tag in ["DI", "D2"] {
        let Some(found) = field(f, tag) else {
            continue;
        };
        let value = normalise_doi(&joined(found));
        if value.starts_with("10.") {
            doi = value;
            break;
        }
        parsed.problem(
            found.line,
            format!("{tag} `{value}` is not a DOI (no `10.` prefix); ignored"),
        );
    }

    let accession = text(f, &["UT"]);
    let medline_uid = accession
        .strip_prefix("MEDLINE:")
        .filter(|id| is_pmid(id))
        .unwrap_or_default();
    let pmid = match field(f, "PM").map(joined) {
        Some(pm) if is_pmid(&pm) => pm,
        _ => medline_uid.to_string(),
    };
    let mut notes = Vec::new();
    if !accession.is_empty() && medline_uid.is_empty() {
        notes.push(format!("Accession number: {accession}"));
    }

    let kind = match text(f, &["DT"]) {
        // Inspec-flavoured files write `DT -` for "none".
        dt if dt.is_empty() || dt == "-" => raw.kind.to_string(),
        dt => dt,
    };

    Record {
        authors,
        title: text(f, &["TI"]),
        year,
        journal: text(f, &["SO", "SE"]),
        journal_abbrev: text(f, &["JI", "J9"]),
        volume: text(f, &["VL"]),
        issue: text(f, &["IS"]),
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text: text(f, &["AB"]),
        keywords: f
            .iter()
            .filter(|x| x.tag == "DE" || x.tag == "ID")
            .flat_map(|x| split_keywords(&joined(x)).collect::<Vec<_>>())
            .collect(),
        url: String::new(),
        language: text(f, &["LA"]),
        kind,
        notes,
        line: raw.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, fixture, one, titles};
    use crate::import::{Format, Problem, decode, detect};
    use proptest::prelude::*;

    const WOS: &str = fixture!("wos/jabref__IsiImporterTestWOS.isi");
    const MEDLINE: &str = fixture!("wos/jabref__IsiImporterTestMedline.isi");
    const SINGLE: &str = fixture!("wos/python-wostools__single-article.txt");

    #[test]
    fn a_stray_pt_line_is_one_problem() {
        let parsed = parse("FN Clarivate\nPT J\nPT J\nTI A title\nAU Smith, J\nER\n");
        assert_eq!(titles(&parsed), ["A title"]);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2], "{:?}", parsed.problems);
    }

    #[test]
    fn a_record_without_pt_or_er_is_reported_whatever_its_size() {
        let parsed = parse("TI One\nPT J\nTI Two\nER\n");
        assert_eq!(titles(&parsed), ["One", "Two"]);
        let messages: Vec<&str> = parsed.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "record has no PT line (it starts with TI); read up to the next ER",
                "record has no ER line; it was ended by the next PT at line 2"
            ]
        );
    }

    #[test]
    fn wos_export() {
        assert_eq!(detect(WOS), Some(Format::Wos));
        let parsed = parse(WOS);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0];
        assert_eq!(r.line, 3);
        assert_eq!(r.authors.len(), 5);
        assert_eq!(
            r.authors[1],
            Author {
                family: "Gnatenko".into(),
                given: "YP".into()
            }
        );
        assert_eq!(
            r.title,
            "Optical and photoelectric spectroscopy of photorefractive Sn2P2S6 crystals"
        );
        assert_eq!(r.journal, "JOURNAL OF PHYSICS-CONDENSED MATTER");
        assert_eq!(r.journal_abbrev, "J. Phys.-Condes. Matter");
        assert_eq!(r.year, Some(2006));
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("18", "23"));
        assert_eq!(
            (r.start_page.as_str(), r.end_page.as_str()),
            ("5323", "5331")
        );
        assert_eq!(r.kind, "Article");
        assert_eq!(r.language, "English");
        assert_eq!(r.keywords, ["ELECTRIC-FIELD"]);
        assert_eq!(r.notes, ["Accession number: ISI:000238592600006"]);
        let r = &parsed.records[1];
        assert_eq!(
            r.keywords,
            [
                "REFRACTIVE-INDEX PROFILES",
                "INFRARED WAVELENGTHS",
                "PHASE-CONJUGATION",
                "KNBO3",
                "MODES"
            ]
        );
        assert!(r.abstract_text.starts_with(
            "Planar waveguides in nonlinear optical crystals of Sn2P2S6 have been produced by"
        ));
        assert!(
            r.abstract_text
                .ends_with("(c) 2006 Optical Society of America.")
        );
    }

    #[test]
    fn full_record_without_header_or_ef() {
        assert_eq!(detect(SINGLE), Some(Format::Wos));
        let r = one(parse, SINGLE);
        let names: Vec<(&str, &str)> = r
            .authors
            .iter()
            .map(|a| (a.family.as_str(), a.given.as_str()))
            .collect();
        // AF (full names) is preferred to AU.
        assert_eq!(
            names,
            [
                ("Wodarz", "Siggi"),
                ("Hasegawa", "Takashi"),
                ("Ishio", "Shunji"),
                ("Homma", "Takayuki")
            ]
        );
        assert_eq!(r.doi, "10.1016/j.jmmm.2017.01.061");
        assert_eq!(r.year, Some(2017));
        assert_eq!(
            r.keywords[..5],
            [
                "Electrodeposition",
                "Structural control",
                "Nanodot array",
                "Bit-patterned media",
                "CoPt alloy"
            ]
        );
        assert_eq!(r.keywords.len(), 13);
        assert_eq!(r.journal_abbrev, "J. Magn. Magn. Mater.");
        assert_eq!(r.notes, ["Accession number: WOS:000397201600008"]);
    }

    #[test]
    fn medline_flavoured_isi_file() {
        let parsed = parse(MEDLINE);
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[1];
        assert_eq!(r.authors.len(), 7);
        assert_eq!(r.authors[0].family, "Joffe");
        assert_eq!(r.authors[6].given, "Kathryn A");
        // UT MEDLINE:… is the PubMed ID; PS is the page span.
        assert_eq!(r.pmid, "16735938");
        assert!(r.notes.is_empty());
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("411", "22"));
        assert_eq!(r.journal, "Menopause");
    }

    #[test]
    fn missing_er_and_missing_pt_keep_the_records() {
        let text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI One\nPT J\nTI Two\nER\n\
                    TI Three\nAU Doe, J\nER\nPT J\nTI Four\nEF\nPT J\nTI Five\n";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["One", "Two", "Three", "Four", "Five"]);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 8, 11, 14]);
        assert!(parsed.problems[0].message.contains("next PT at line 5"));
        assert!(parsed.problems[1].message.contains("no PT line"));
        assert!(
            parsed.problems[2]
                .message
                .contains("ended by EF at line 13")
        );
        assert!(parsed.problems[3].message.contains("truncated"));
    }

    #[test]
    fn page_and_doi_fallbacks() {
        let r = one(
            parse,
            "PT J\nTI T\nAR e0815\nDI 467-72\nPD JUN 14\nEA MAR 2021\nER\n",
        );
        assert_eq!(r.start_page, "e0815");
        assert_eq!(r.doi, "");
        assert_eq!(r.year, Some(2021));
        let parsed = parse("PT J\nTI T\nDI 467-72\nER\n");
        assert_eq!(
            parsed.problems,
            vec![Problem {
                line: 3,
                message: "DI `467-72` is not a DOI (no `10.` prefix); ignored".into()
            }]
        );
    }

    #[test]
    fn group_authors_and_empty_author_lines() {
        let r = one(
            parse,
            "PT J\nAU \nCA World Health Organization\nTI T\nPM 12345678\nER\n",
        );
        assert_eq!(
            r.authors,
            vec![Author {
                family: "World Health Organization".into(),
                given: String::new()
            }]
        );
        assert_eq!(r.pmid, "12345678");
        assert_eq!(r.kind, "J");
    }

    #[test]
    fn record_with_nothing_is_skipped_and_reported() {
        let parsed = parse("PT J\nTI Kept\nER\n\nPT J\nNR 0\nER\n");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 5);
    }

    #[test]
    fn concatenated_exports_and_crlf() {
        let one_file =
            "FN Thomson Reuters Web of Science\r\nVR 1.0\r\nPT J\r\nTI A\r\nER\r\n\r\nEF\r\n";
        let two = format!("\u{feff}{one_file}{one_file}");
        let parsed = parse(&decode(two.as_bytes()));
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records[1].line, 10);
    }

    #[test]
    fn looks_like_rules() {
        assert!(looks_like(
            "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n"
        ));
        assert!(looks_like("PT J\nAU Doe, J\nTI T\nER\n"));
        assert!(!looks_like("PT J\nAU Doe, J\nTI T\n"), "no ER");
        assert!(!looks_like("TY  - JOUR\nPT  - x\nTI  - y\nER  - \n"));
        assert!(!looks_like("PMID- 1\nTI  - x\n"));
        assert!(!looks_like("RT Journal Article\nA1 Doe\nT1 x\n"));
        assert!(!looks_like("FN something\nnothing else\n"));
        assert!(!looks_like(" ##"));
    }

    fn tag_line() -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            Just("PT ".to_string()),
            Just("ER".to_string()),
            Just("EF".to_string()),
            Just("FN ".to_string()),
            Just("   ".to_string()),
            "[A-Z][A-Z0-9] ",
            "[A-Za-z0-9 ]{0,3}",
        ];
        (tag, "\\PC{0,12}").prop_map(|(t, v)| format!("{t}{v}"))
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
            ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        ) {
            check(lines.join(ending).as_bytes());
        }
    }
}
