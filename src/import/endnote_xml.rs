//! EndNote XML (`<xml><records><record>…`), as EndNote, Bookends, Papers and
//! Zotero write it ("EndNote XML" export).
//!
//! Field text is usually wrapped in `<style face="normal" …>` elements, one
//! per run of formatting (a title may be three styles: plain, italic species
//! name, plain); the runs are joined. Reading and recovery from broken XML
//! are shared with PubMed XML (see [`super::pubmed_xml`]).

use super::fields::{doi_from_url, expand_pages, is_pmid};
use super::pubmed_xml::{Element, RecordNames, head, read_records};
use super::{Author, Parsed, Record, normalise_doi, parse_year};

/// How much of the start of a file [`looks_like`] inspects.
const SNIFF_BYTES: usize = 8192;

const RECORDS: RecordNames = RecordNames {
    anywhere: &["record"],
    top_level: &[],
};

/// True if the start of the text has `<xml>`, `<records>` and `<record>`,
/// or a `<record>` with elements only EndNote XML uses.
pub fn looks_like(text: &str) -> bool {
    let head = head(text, SNIFF_BYTES);
    let has_record = head.contains("<record>") || head.contains("<record ");
    let endnote_element = ["<ref-type", "<rec-number>", "<source-app", "<contributors>"]
        .iter()
        .any(|mark| head.contains(mark));
    has_record && ((head.contains("<xml>") && head.contains("<records>")) || endnote_element)
}

/// Parses EndNote XML into records; a broken record is reported and the
/// others still load.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for record in read_records(text, &RECORDS, &mut parsed) {
        parsed.accept(build(&record.element, record.line));
    }
    parsed.problems.sort_by_key(|p| p.line);
    parsed
}

fn build(r: &Element, line: usize) -> Record {
    let first = |paths: &[&[&str]]| {
        paths
            .iter()
            .map(|path| r.text_at(path))
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    };

    let journal_abbrev = first(&[
        &["periodical", "abbr-1"],
        &["alt-periodical", "abbr-1"],
        &["titles", "alt-title"],
    ]);
    let mut journal = first(&[
        &["titles", "secondary-title"],
        &["periodical", "full-title"],
        &["alt-periodical", "full-title"],
    ]);
    if journal.is_empty() {
        journal = journal_abbrev.clone();
    }
    let year = ["year", "pub-dates"]
        .iter()
        .flat_map(|part| r.all_at(&["dates", part]))
        .find_map(|e| parse_year(&e.text()));
    let (start_page, end_page) = expand_pages(&r.text_at(&["pages"]));
    let urls: Vec<String> = [
        &["urls", "related-urls", "url"],
        &["urls", "web-urls", "url"],
    ]
    .iter()
    .flat_map(|path| r.all_at(*path))
    // One `<url>` may hold several, one per line; `<Go to ISI>://…`
    // links have spaces, so lines and not words are URLs here.
    .filter_map(|e| {
        e.raw_text()
            .split(['\r', '\n'])
            .map(str::trim)
            .find(|u| !u.is_empty())
            .map(str::to_string)
    })
    .collect();
    let doi = match normalise_doi(&r.text_at(&["electronic-resource-num"])) {
        doi if doi.is_empty() => urls
            .iter()
            .find_map(|u| doi_from_url(u))
            .unwrap_or_default(),
        doi => doi,
    };
    let kind = r
        .child("ref-type")
        .map(|t| match t.attr("name") {
            Some(name) if !name.trim().is_empty() => name.trim().to_string(),
            _ => t.text(),
        })
        .unwrap_or_default();

    Record {
        authors: r
            .all_at(&["contributors", "authors", "author"])
            .into_iter()
            .map(Element::text)
            .filter(|a| !a.is_empty())
            .map(|a| Author::parse(&a))
            .collect(),
        title: r.text_at(&["titles", "title"]),
        year,
        journal,
        journal_abbrev,
        volume: r.text_at(&["volume"]),
        issue: r.text_at(&["number"]),
        start_page,
        end_page,
        doi,
        pmid: pmid(r, &urls),
        abstract_text: r.text_at(&["abstract"]),
        keywords: r
            .all_at(&["keywords", "keyword"])
            .into_iter()
            .flat_map(|k| {
                // EndNote separates keywords inside one element with a
                // carriage return (`&#xD;`); other tools with `;`.
                k.raw_text()
                    .split(['\r', ';'])
                    .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|k| !k.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect(),
        url: urls.into_iter().next().unwrap_or_default(),
        language: r.text_at(&["language"]),
        kind,
        notes: ["notes", "research-notes"]
            .iter()
            .flat_map(|name| r.children(name))
            .map(|n| note_text(&n.raw_text()))
            .filter(|n| !n.is_empty())
            .collect(),
        line,
    }
}

/// The accession number when the record came from PubMed (or does not say
/// where it came from) and it has a PMID's shape; else a PubMed link.
fn pmid(r: &Element, urls: &[String]) -> String {
    let database = format!(
        "{} {}",
        r.text_at(&["remote-database-name"]),
        r.text_at(&["remote-database-provider"])
    )
    .to_lowercase();
    let from_pubmed = database.trim().is_empty()
        || ["pubmed", "medline", "nlm"]
            .iter()
            .any(|name| database.contains(name));
    let accession = r.text_at(&["accession-num"]);
    if from_pubmed && is_pmid(&accession) {
        return accession;
    }
    urls.iter()
        .find_map(|u| pmid_from_url(u))
        .unwrap_or_default()
}

/// The PMID in a PubMed link (`ncbi.nlm.nih.gov/pubmed/25647015`,
/// `pubmed.ncbi.nlm.nih.gov/25647015/`).
fn pmid_from_url(url: &str) -> Option<String> {
    let rest = ["ncbi.nlm.nih.gov/pubmed/", "pubmed.ncbi.nlm.nih.gov/"]
        .iter()
        .find_map(|mark| url.find(mark).and_then(|at| url.get(at + mark.len()..)))?;
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    is_pmid(&id).then_some(id)
}

/// Notes keep their line breaks (EndNote writes `&#xD;`), without the
/// indentation of a pretty-printed file.
fn note_text(raw: &str) -> String {
    raw.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, families, fixture, one, titles, utf16le};
    use crate::import::{Format, decode, detect};
    use proptest::prelude::*;

    const ARTICLE: &str = fixture!("endnote-xml/jabref__EndnoteXmlImporterTestArticle.xml");
    const MULTI_TITLE: &str =
        fixture!("endnote-xml/jabref__EndnoteXmlImporterTestLabelAndMultiTitle.xml");
    const REPORT: &str = fixture!("endnote-xml/jabref__EndnoteXmlImporterTestReport.xml");

    fn record(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<xml><records>\n<record>{body}</record>\n</records></xml>\n"
        )
    }

    #[test]
    fn bookends_article() {
        assert_eq!(detect(ARTICLE), Some(Format::EndnoteXml));
        let parsed = parse(ARTICLE);
        assert_eq!(parsed.problems, vec![]);
        let r = one(parse, ARTICLE);
        assert_eq!(r.kind, "Journal Article");
        assert_eq!(families(&r), ["Ahmad", "Ormiston-Smith", "Sasieni"]);
        assert_eq!(r.authors[2].given, "PD");
        assert_eq!(
            r.title,
            "Trends in the lifetime risk of developing cancer in Great Britain: \
             comparison of risk for those born from 1930 to 1960"
        );
        assert_eq!(r.journal, "Br J Cancer");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("112", "5"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("943", "947"));
        assert_eq!(r.year, Some(2015));
        assert_eq!(r.doi, "10.1038/bjc.2014.606");
        assert_eq!(r.pmid, "25647015");
        assert_eq!(r.abstract_text, "test abstract");
        assert_eq!(r.keywords.len(), 13);
        assert_eq!(r.keywords[2], "Aged, 80 and over");
        assert_eq!(r.keywords[9], "Neoplasms/*epidemiology");
        assert_eq!(r.url, "http://www.ncbi.nlm.nih.gov/pubmed/25647015");
        assert_eq!(r.notes, ["some notes"]);
        assert_eq!(r.line, 4);
    }

    #[test]
    fn styled_runs_join_into_one_title() {
        let parsed = parse(MULTI_TITLE);
        assert_eq!(parsed.records.len(), 3);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines[0], 4);
        let skua = &parsed.records[2];
        assert_eq!(
            skua.title,
            "A demographic study of the south polar skua Catharacta maccormicki at Cape Crozier"
        );
        assert_eq!(skua.authors[0], Author::parse("Ainley, D.G."));
        assert_eq!(skua.journal, "Journal of Animal Ecology");
        let first = &parsed.records[0];
        assert_eq!(first.journal_abbrev, "Ecology");
        assert_eq!(first.url, "<Go to ISI>://000200148800007");
        // A Web of Science accession number is not a PMID.
        assert_eq!(first.pmid, "");
        assert_eq!(first.language, "English");
        assert_eq!(parsed.records[1].kind, "Book");
    }

    #[test]
    fn report_with_empty_urls() {
        let r = one(parse, REPORT);
        assert_eq!(r.kind, "Report");
        assert_eq!(r.year, Some(2005));
        assert_eq!(r.url, "");
        assert_eq!(r.authors, vec![Author::parse("Wiggins, D. A.")]);
    }

    #[test]
    fn unstyled_fields_entities_and_split_keywords() {
        let r = one(
            parse,
            &record(
                "<ref-type>17</ref-type><titles><title>Fish &amp; chips &#x2013; a <style face=\"italic\">review</style></title></titles>\
             <contributors><authors><author>World Health Organization,</author></authors></contributors>\
             <keywords><keyword>a&#xD;b; c</keyword></keywords>\
             <notes>line one&#xD;line two</notes><research-notes>include</research-notes>\
             <urls><related-urls><url>https://doi.org/10.5/XY</url></related-urls></urls>\
             <remote-database-name>CINAHL</remote-database-name><accession-num>12345678</accession-num>",
            ),
        );
        assert_eq!(r.title, "Fish & chips – a review");
        assert_eq!(r.kind, "17");
        assert_eq!(r.authors[0].family, "World Health Organization");
        assert_eq!(r.keywords, ["a", "b", "c"]);
        assert_eq!(r.notes, ["line one\nline two", "include"]);
        assert_eq!(r.doi, "10.5/XY");
        assert_eq!(r.pmid, "");
    }

    #[test]
    fn broken_record_does_not_cost_the_others() {
        let text = "<xml><records>\n<record><titles><title>One</title></titles></record>\n\
                    <record><titles><title>Two</title></titles><volume x=\"1></volume></record>\n\
                    <record><titles><title>Three</title></titles></record>\n</records></xml>";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["One", "Two", "Three"]);
        assert_eq!(parsed.records[2].line, 4);
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.line == 3 && p.message.contains("cut off")),
            "{:?}",
            parsed.problems
        );
    }

    #[test]
    fn record_without_closing_tag() {
        let text = "<xml><records>\n<record><titles><title>One</title></titles>\n\
                    <record><titles><title>Two</title></titles></record>\n\
                    <record><titles><title>Three</title></titles>\n</records></xml>";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["One", "Two", "Three"]);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4]);
        assert!(parsed.problems[1].message.contains("</records> at line 5"));
    }

    #[test]
    fn utf16_file_through_decode() {
        let text = record("<titles><title>Café</title></titles>");
        let bytes = utf16le(&text.replace('\n', "\r\n"), true);
        let r = one(parse, &decode(&bytes));
        assert_eq!(r.title, "Café");
        assert_eq!(r.line, 3);
    }

    #[test]
    fn looks_like_endnote_not_pubmed() {
        assert!(looks_like(&record("<ref-type name=\"Book\">6</ref-type>")));
        assert!(looks_like("<records><record><rec-number>1</rec-number>"));
        assert!(!looks_like("<PubmedArticleSet><PubmedArticle>"));
        assert!(!looks_like("<record><foo/></record>"));
        assert!(!looks_like("TY  - JOUR\n"));
    }

    fn xml_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<record>".to_string()),
            Just("</record>".to_string()),
            Just("<titles><title>".to_string()),
            Just("</title></titles>".to_string()),
            Just("<style face=\"normal\">".to_string()),
            Just("</style>".to_string()),
            Just("<author>".to_string()),
            Just("</records>".to_string()),
            Just("&amp;&#xD;&bogus;&#0;&#x110000;".to_string()),
            Just("<![CDATA[x]]>".to_string()),
            Just("<!--".to_string()),
            Just("<".to_string()),
            Just("\n".to_string()),
            "\\PC{0,8}",
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check_parser(&decode(&bytes), parse, looks_like);
        }

        #[test]
        fn xml_shaped_text_never_panics(pieces in proptest::collection::vec(xml_piece(), 0..60)) {
            check_parser(&pieces.concat(), parse, looks_like);
        }
    }
}
