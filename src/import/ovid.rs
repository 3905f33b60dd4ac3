//! Ovid's own text export (MEDLINE, Embase, PsycINFO, Journals@Ovid …):
//! numbered records `<1>`, each field a label on its own line (`Title`,
//! `Authors`, `Source` …) followed by its value on indented lines.
//!
//! The file may open with a banner (`Database: Ovid MEDLINE(R) <1946 to …>`,
//! `Search Strategy:` and the numbered search lines), which is skipped. Field
//! labels differ between databases (`Author` in Embase and Journals@Ovid,
//! `Authors` in MEDLINE), so the mapping below accepts each database's names.
//! `Source` carries the whole citation (`Journal of X. 12(3):100-107, 2006
//! Mar.`); journal, volume, issue, pages and year are parsed from it when the
//! record has no dedicated fields for them.
//!
//! Records copied from Ovid's screen sometimes lose their `<n>` lines. Such a
//! file is still read: a label already seen in the current record starts the
//! next one, and a problem says the numbers are missing.

use std::collections::HashSet;

use super::fields::{self, doi_from_field, first_url, is_pmid, split_keywords, split_pages};
use super::tagged::{self, Records, Syntax};
use super::{Author, Parsed, Record, parse_year};

/// How many non-blank lines [`looks_like`] inspects.
const SNIFF_LINES: usize = 60;

/// Labels Ovid writes in every database's records; used to recognise files
/// that lack the `<n>` record numbers.
const COMMON_LABELS: [&str; 24] = [
    "Unique Identifier",
    "Accession Number",
    "Author",
    "Authors",
    "Authors Full Name",
    "Institution",
    "Title",
    "Source",
    "Abstract",
    "Publication Type",
    "Document Type",
    "Language",
    "ISSN",
    "Year of Publication",
    "Digital Object Identifier",
    "Digital Object Identifier (DOI)",
    "DOI Number",
    "Keyword Heading",
    "MeSH Subject Headings",
    "Author Keywords",
    "Journal Name",
    "Country of Publication",
    "Status",
    "Score",
];

/// True for an Ovid export: a `<1>`-style record number followed by a label
/// line and an indented value, Ovid's `Database:` banner, or (for files that
/// lost their numbers) several known labels each followed by a value.
pub fn looks_like(text: &str) -> bool {
    let sniffed: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(SNIFF_LINES)
        .collect();
    let numbered = sniffed.windows(3).any(|w| match w {
        [marker, label, value] => {
            record_number(marker).is_some() && is_label(label) && is_value(value)
        }
        _ => false,
    });
    if numbered {
        return true;
    }
    if looks_like_tagged(text) {
        return true;
    }
    let banner = sniffed
        .first()
        .is_some_and(|line| line.starts_with("Database: "))
        && sniffed.iter().any(|line| line.trim() == "Search Strategy:");
    if banner {
        return true;
    }
    let labelled = sniffed
        .windows(2)
        .filter(|w| match w {
            [label, value] => is_value(value) && COMMON_LABELS.contains(&label.trim()),
            _ => false,
        })
        .count();
    let starts_with_label = sniffed.first().is_some_and(|line| is_label(line));
    starts_with_label && labelled >= 3
}

/// True for Ovid's tagged export: a `<1. >` or `<1>` record head followed by
/// a `XX  - ` field line. PubMed's MEDLINE format has the same field lines,
/// but never such heads, so this is checked before it.
pub fn looks_like_tagged(text: &str) -> bool {
    let sniffed: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(SNIFF_LINES)
        .collect();
    sniffed.windows(2).any(|w| match w {
        [marker, field] => {
            marker.trim_end().starts_with('<')
                && record_number(marker).is_some()
                && tagged_line(field).is_some()
        }
        _ => false,
    })
}

/// Parses Ovid text (already decoded, LF line endings) into records.
pub fn parse(text: &str) -> Parsed {
    let numbered = text.lines().any(|line| record_number(line).is_some());
    tagged::parse(
        text,
        Ovid {
            numbered,
            ..Ovid::default()
        },
    )
}

/// `AU  - Smith J`: a field of Ovid's tagged export (Medlars Ready,
/// Reprint/Medlars), tag and value. The tag is 2 to 4 capitals or digits,
/// the dash at the fifth column, as Ovid pads it.
fn tagged_line(line: &str) -> Option<(&str, &str)> {
    let head = line.get(..5)?;
    let (tag, dash) = head.split_at_checked(4)?;
    let tag = tag.trim_end_matches(' ');
    let ok = dash == "-"
        && (2..=4).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let value = line.get(5..)?;
    let value = value.strip_prefix(' ').unwrap_or(value);
    ok.then_some((tag, value.trim_end()))
}

/// The label the labelled export uses for a tag (MEDLINE, Embase and
/// PsycINFO tags); an unknown tag stands for itself.
fn label_of_tag(tag: &str) -> &str {
    match tag {
        "UI" => "Unique Identifier",
        "AN" => "Accession Number",
        "DB" => "Database",
        "AU" => "Authors",
        "FA" | "AF" => "Authors Full Name",
        "ED" => "Editors",
        "IN" => "Institution",
        "TI" => "Title",
        "CT" => "Chapter Title",
        "BT" => "Book Title",
        "SO" => "Source",
        "AB" => "Abstract",
        "PT" => "Publication Type",
        "DT" => "Document Type",
        "LG" => "Language",
        "IS" => "ISSN",
        "JN" | "JT" => "Journal Name",
        "JA" => "Journal Abbreviation",
        "VO" | "VI" => "Volume",
        "IP" => "Issue",
        "PG" => "Pagination",
        "YR" => "Year of Publication",
        "DP" => "Date of Publication",
        "DO" => "Digital Object Identifier (DOI)",
        "PM" => "PubMed ID",
        "MH" => "MeSH Subject Headings",
        "KW" => "Keywords",
        "SH" | "EM" => "Emtree Heading",
        "UR" | "XL" => "URL",
        other => other,
    }
}

/// `<12>`, Ovid's record number line. `Record 12` and `12.` are accepted too:
/// result lists copied or re-saved from Ovid's display may be numbered so.
fn record_number(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let line = line.trim();
    let number = line
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        // `<1. >`: how the tagged (Medlars Ready / Reprint) format numbers.
        .map(|inner| inner.trim().strip_suffix('.').unwrap_or(inner).trim())
        .or_else(|| line.strip_prefix("Record "))
        .or_else(|| line.strip_suffix('.'))?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(number)
}

/// A field label: a non-indented line that is not a record number.
fn is_label(line: &str) -> bool {
    !line.starts_with([' ', '\t']) && !line.trim().is_empty() && record_number(line).is_none()
}

/// A value line: indented, not blank.
fn is_value(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !line.trim().is_empty()
}

type Raw<'a> = tagged::Raw<'a, &'a str>;
type Field<'a> = fields::Field<&'a str>;

#[derive(Default)]
struct Ovid<'a> {
    /// Whether the file has `<n>` lines; without them labels split records.
    numbered: bool,
    /// The labels in the open record, so a repeated one is found without
    /// comparing each new label with all before it.
    labels: HashSet<&'a str>,
    /// `Database: …` from the banner: which database the records come from.
    database: String,
    /// Line of the first record read without a record number.
    unnumbered_at: Option<usize>,
}

impl<'a> Syntax<'a> for Ovid<'a> {
    type Tag = &'a str;
    // A field's value lines are read one by one (an author per line).
    const JOIN: char = '\n';

    fn line(
        &mut self,
        records: &mut Records<'a, &'a str>,
        number: usize,
        line: &'a str,
        next: Option<&'a str>,
    ) {
        // The tagged form (`AU  - Smith J`) is read as the labelled one: its
        // label, then its value as an indented line.
        if let Some((tag, value)) = tagged_line(line) {
            let value = value.trim();
            self.label(records, number, label_of_tag(tag), !value.is_empty());
            if !value.is_empty() {
                records.join(value);
            }
            return;
        }
        if line.trim().is_empty() {
            return;
        }
        if record_number(line).is_some() && (self.numbered || records.open().is_none()) {
            self.labels.clear();
            records.start(number, "");
            return;
        }
        if is_value(line) {
            // Outside a record (the banner, the search strategy) there is
            // nothing to attach a value to.
            records.join(line.trim());
            return;
        }
        self.label(records, number, line.trim(), next.is_some_and(is_value));
    }

    fn build(&mut self, raw: Raw<'a>, _: &mut Parsed) -> Record {
        build(&raw, &self.database)
    }

    fn finish(&mut self, parsed: &mut Parsed) {
        if let Some(line) = self.unnumbered_at
            && !parsed.records.is_empty()
        {
            parsed.problem(
                line,
                "records have no <n> record numbers; they were split where a field label repeats \
                 (check the record count against the source)",
            );
        }
    }
}

impl<'a> Ovid<'a> {
    /// A field label line; `has_value` when a value line follows it.
    fn label(
        &mut self,
        records: &mut Records<'a, &'a str>,
        number: usize,
        label: &'a str,
        has_value: bool,
    ) {
        if records.open().is_none() {
            if let Some(database) = label.strip_prefix("Database:") {
                self.database = database.trim().to_string();
            }
            if self.numbered {
                return; // banner and search strategy before the first `<1>`
            }
        }
        if !self.numbered {
            let starts_record = match records.open() {
                // Only a label with a value opens the first record, so that
                // banner lines are not read as one.
                None => has_value,
                Some(_) => self.labels.contains(label),
            };
            if starts_record {
                self.unnumbered_at.get_or_insert(number);
                self.labels.clear();
                records.start(number, "");
            }
        }
        if records.open().is_some() {
            self.labels.insert(label);
            records.push(number, label, "");
        }
    }
}

/// The first field with one of `labels` (compared without case) that has a
/// value.
fn field<'f>(raw: &'f Raw, labels: &[&str]) -> Option<&'f Field<'f>> {
    labels.iter().find_map(|label| {
        raw.fields
            .iter()
            .find(|f| f.tag.eq_ignore_ascii_case(label) && !f.value.is_empty())
    })
}

/// All fields with one of `labels`.
fn fields<'f>(raw: &'f Raw, labels: &'f [&str]) -> impl Iterator<Item = &'f Field<'f>> {
    raw.fields
        .iter()
        .filter(|f| labels.iter().any(|l| f.tag.eq_ignore_ascii_case(l)))
}

/// Its value lines joined with spaces.
fn joined(field: &Field) -> String {
    field.value.replace('\n', " ")
}

/// A short value as Ovid writes it, with its trailing full stop dropped
/// (`English.`, `Journal Article.`).
fn plain(value: &str) -> String {
    let value = value.trim();
    value.strip_suffix('.').unwrap_or(value).trim().to_string()
}

fn text(raw: &Raw, labels: &[&str]) -> String {
    field(raw, labels).map(joined).unwrap_or_default()
}

fn build(raw: &Raw, database: &str) -> Record {
    let full_names = authors(raw, &["Authors Full Name", "Author Full Name"]);
    let mut authors = if full_names.is_empty() {
        self::authors(raw, &["Authors", "Author", "Author Name"])
    } else {
        full_names
    };
    if authors.is_empty() {
        authors = self::authors(raw, &["Editors", "Editor"]);
    }

    // A book chapter: the chapter is the work, the book its container.
    let chapter = text(raw, &["Chapter Title"]);
    let source = parse_source(&text(raw, &["Source", "Bibliographic Source"]));
    let mut main_title = strip_title_tags(&text(raw, &["Title"]));
    if main_title.is_empty() {
        main_title.clone_from(&source.book);
    }
    let (title, container) = if chapter.is_empty() {
        (main_title, String::new())
    } else {
        (strip_title_tags(&chapter), main_title)
    };

    let abbreviated = parse_source(&text(raw, &["Abbreviated Source"]));
    let or = |own: String, fallback: &str| {
        if own.is_empty() {
            fallback.to_string()
        } else {
            own
        }
    };

    let journal = or(
        plain(&text(raw, &["Journal Name", "Journal Title", "Book Title"])),
        &source.journal,
    );
    let journal = or(journal, &container);
    let journal_abbrev = or(
        plain(&text(
            raw,
            &["ISO Journal Abbreviation", "Journal Abbreviation"],
        )),
        &abbreviated.journal,
    );

    let page_field = plain(&text(raw, &["Page", "Pages", "Pagination"]));
    let (start_page, end_page) = if page_field.is_empty() {
        (source.start_page.clone(), source.end_page.clone())
    } else {
        split_pages(&page_field, "")
    };
    let year = field(raw, &["Year of Publication", "Publication Year"])
        .and_then(|f| parse_year(&joined(f)))
        .or(source.year)
        .or_else(|| {
            field(raw, &["Date of Publication", "Publication Date"])
                .and_then(|f| parse_year(&joined(f)))
        });

    let doi = fields(
        raw,
        &[
            "Digital Object Identifier (DOI)",
            "Digital Object Identifier",
            "DOI Number",
            "DOI",
        ],
    )
    .flat_map(|f| f.value.split('\n'))
    .find_map(doi_from_field)
    .unwrap_or_default();

    // A MEDLINE record's Unique Identifier is its PMID; other databases use
    // the label for their own numbers, so it counts only when the export
    // names no database, or names MEDLINE/PubMed.
    let record_database = text(raw, &["Database"]);
    let database = if record_database.is_empty() {
        database
    } else {
        &record_database
    };
    let lowered = database.to_ascii_lowercase();
    let medline = database.is_empty() || lowered.contains("medline") || lowered.contains("pubmed");
    let first_token = |f: &Field| plain(f.value.split_whitespace().next().unwrap_or_default());
    let explicit_pmid = fields(
        raw,
        &["PubMed ID", "PMID", "MEDLINE PMID", "PubMed Identifier"],
    )
    .map(first_token)
    .find(|id| is_pmid(id));
    let uid = field(raw, &["Unique Identifier"]).map(first_token);
    let pmid = explicit_pmid
        .or_else(|| uid.clone().filter(|id| medline && is_pmid(id)))
        .unwrap_or_default();
    let mut notes = Vec::new();
    for accession in fields(
        raw,
        &[
            "Unique Identifier",
            "Accession Number",
            "Embase Accession Number",
        ],
    )
    .map(first_token)
    {
        if !accession.is_empty() && accession != pmid {
            notes.push(format!("Accession number: {accession}"));
        }
    }

    let keywords = fields(
        raw,
        &[
            "Keyword Heading",
            "Author Keywords",
            "Keywords",
            "MeSH Subject Headings",
            "Subject Headings",
            "Emtree Heading",
            "Key Concepts",
        ],
    )
    .flat_map(|f| f.value.split('\n'))
    .flat_map(|line| split_keywords(line).collect::<Vec<_>>())
    .map(|k| plain(&k))
    .filter(|k| !k.is_empty())
    .collect();

    let url = text(
        raw,
        &[
            "URL",
            "Full Text URL",
            "Link to the Ovid Full Text or citation",
        ],
    );

    Record {
        authors,
        title,
        year,
        journal,
        journal_abbrev,
        volume: or(plain(&text(raw, &["Volume"])), &source.volume),
        issue: or(plain(&text(raw, &["Issue", "Issue/Part"])), &source.issue),
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text: text(raw, &["Abstract"]),
        keywords,
        url: first_url(&url),
        language: field(raw, &["Language"])
            .and_then(|f| f.value.split('\n').next())
            .map(plain)
            .unwrap_or_default(),
        kind: field(raw, &["Publication Type", "Document Type"])
            .and_then(|f| f.value.split('\n').next())
            .map(plain)
            .unwrap_or_default(),
        notes,
        line: raw.line,
    }
}

/// Authors from every field with one of `labels`: one per value line, or
/// several on a line separated by `;` (Embase, Journals@Ovid) or by two
/// spaces (older MEDLINE displays).
fn authors(raw: &Raw, labels: &[&str]) -> Vec<Author> {
    let mut out = Vec::new();
    for line in fields(raw, labels).flat_map(|f| f.value.split('\n')) {
        let parts: Vec<&str> = if line.contains(';') {
            line.split(';').collect()
        } else {
            line.split("  ").collect()
        };
        out.extend(parts.into_iter().filter_map(author));
    }
    out
}

/// Degrees Journals@Ovid appends to names (`Verbeek, Jan MD`).
const CREDENTIALS: [&str; 40] = [
    "MD", "PhD", "RN", "FAAN", "MSc", "BSc", "MPH", "DrPH", "DPhil", "MBBS", "MBChB", "FRCP",
    "FRCS", "FRCPC", "FRACP", "FACP", "FACS", "FAHA", "FACC", "BSN", "MSN", "DNP", "DNSc", "CNM",
    "APRN", "PharmD", "DDS", "DMD", "MBA", "MSW", "LCSW", "PsyD", "EdD", "ScD", "CRNA", "FNP",
    "MHSc", "MMed", "FRCSC", "CNS",
];

fn is_credential(token: &str) -> bool {
    let token = token.trim_matches(|c: char| c == '.' || c == ',');
    CREDENTIALS.contains(&token)
}

/// Affiliation markers after a name: `1`, `*`, `+`, `(2)`.
fn is_marker(token: &str) -> bool {
    token
        .chars()
        .all(|c| c.is_ascii_digit() || "*+†‡§¶#()".contains(c))
}

/// One author from a part of an author line, without editor tags, degrees
/// and affiliation markers; `None` for a part that is only those (a name's
/// `PhD` split off by a `;`).
fn author(part: &str) -> Option<Author> {
    let part = part
        .replace("[Ed]", " ")
        .replace("(Ed)", " ")
        .replace("(Eds)", " ");
    let mut tokens: Vec<&str> = part.split_whitespace().collect();
    while tokens.last().is_some_and(|t| is_marker(t)) {
        tokens.pop();
    }
    if tokens.is_empty() || tokens.iter().all(|t| is_credential(t) || is_marker(t)) {
        return None;
    }
    let cleaned = tokens.join(" ");
    let Some((family, given)) = cleaned.split_once(',') else {
        return Some(Author::parse(&cleaned));
    };
    // Only after the comma: there a trailing `MD` is a degree, while before
    // it (`Smith MD`) it would be initials.
    let mut given: Vec<&str> = given.split_whitespace().collect();
    while given.len() > 1
        && given
            .last()
            .is_some_and(|t| is_credential(t) || is_marker(t))
    {
        given.pop();
    }
    let given = given.join(" ");
    let given = given.trim_end_matches(',').trim();
    Some(Author {
        family: family.trim().to_string(),
        given: given.to_string(),
    })
}

/// Drops the tags Ovid appends to titles: `[Article]`, `[Review]`, `[45 refs]`.
/// A title that is wholly bracketed (MEDLINE's translated titles) is kept.
fn strip_title_tags(title: &str) -> String {
    let mut title = title.trim();
    while let Some(inner) = title.strip_suffix(']')
        && let Some((before, tag)) = inner.rsplit_once('[')
        && !before.trim().is_empty()
        && tag.len() <= 30
        && tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && tag.chars().all(|c| c.is_alphanumeric() || c == ' ')
    {
        title = before.trim_end();
    }
    title.to_string()
}

/// What a `Source` citation says.
#[derive(Default, Debug, PartialEq)]
struct Citation {
    journal: String,
    /// A book's own title, from a book citation.
    book: String,
    volume: String,
    issue: String,
    start_page: String,
    end_page: String,
    year: Option<u16>,
}

/// Reads the citation forms Ovid databases write:
/// - MEDLINE, Journals@Ovid: `Journal. 39(4):700-710, 2021 04 01.`
/// - Embase: `Lancet. 389 (10072) (pp 917-929), 2017. Date of Publication: …`
/// - PsycINFO: `Journal. Vol.126(3), 2017, pp. 275-285.` or
///   `Journal. Vol 28(2) April 2015, 103-106.`
/// - books: `(2014). Title 58 pp. Place: Publisher.` (no journal)
fn parse_source(raw: &str) -> Citation {
    let source = raw.trim();
    let mut citation = Citation::default();
    if source.is_empty() {
        return citation;
    }
    // A book: `(2014). Title. xvii, 331 pp. Place: Publisher.`
    if source.starts_with('(') && source.get(5..7) == Some(").") {
        citation.year = source.get(1..5).and_then(parse_year);
        citation.book = book_title(source.get(7..).unwrap_or_default());
        return citation;
    }
    let Some((journal, rest)) = split_journal(source) else {
        citation.journal = plain(source);
        citation.year = parse_year(source);
        return citation;
    };
    // `Editor (2015). Book Title` — the container is after the year.
    let journal = journal
        .rsplit_once("). ")
        .map_or(journal, |(_, after)| after);
    citation.journal = journal.trim().to_string();

    let mut rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix("Vol") {
        rest = after.trim_start_matches('.').trim_start();
    }
    let volume_end = rest.find(['(', ':', ',', ' ']).unwrap_or(rest.len());
    citation.volume = rest.get(..volume_end).unwrap_or_default().to_string();
    rest = rest.get(volume_end..).unwrap_or_default().trim_start();
    if let Some(after) = rest.strip_prefix('(')
        && let Some((issue, after)) = after.split_once(')')
        && !issue.starts_with("pp")
    {
        citation.issue = issue.trim().to_string();
        rest = after.trim_start();
    }
    let pages = if let Some(after) = rest.strip_prefix(':') {
        token(after)
    } else if let Some(after) = after_pp(rest) {
        token(after)
    } else if let Some((_, after)) = rest.split_once(':')
        && after.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        // `39 Suppl 1:S10-S15`
        token(after)
    } else {
        // `April 2015, 103-106.`: a last comma part shaped like a range.
        rest.rsplit(',')
            .next()
            .map(|last| last.trim().trim_end_matches('.'))
            .filter(|last| {
                last.contains('-') && last.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            .unwrap_or_default()
    };
    (citation.start_page, citation.end_page) = split_pages(pages, "");
    // The year is read with the pages taken out: `1044-1061, 2021`.
    let rest = if pages.is_empty() {
        rest.to_string()
    } else {
        rest.replacen(pages, " ", 1)
    };
    // `Editor (2015). Book. (pp. …)`: the year is before the container.
    citation.year = parse_year(&rest).or_else(|| parse_year(source));
    citation
}

/// The title in a book citation's remainder: the text before its page count
/// (`Title. xvii, 331 pp. …`) or before its first full stop.
fn book_title(rest: &str) -> String {
    let rest = rest.trim();
    let before = match rest.find(" pp.") {
        Some(at) => {
            let mut words: Vec<&str> = rest.get(..at).unwrap_or_default().split(' ').collect();
            // Drop the page count: `331`, `xvii,`.
            while words.last().is_some_and(|w| {
                let w = w.trim_end_matches(',');
                !w.is_empty()
                    && (w.bytes().all(|b| b.is_ascii_digit())
                        || w.chars().all(|c| "ivxlcdm".contains(c)))
            }) {
                words.pop();
            }
            words.join(" ")
        }
        None => rest.split(". ").next().unwrap_or_default().to_string(),
    };
    plain(before.trim())
}

/// Splits `Journal. 12(3)…` at the `. ` that is followed by the numbers.
fn split_journal(source: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(found) = source.get(from..).and_then(|s| s.find(". ")) {
        let at = from + found;
        let journal = source.get(..at)?;
        let rest = source.get(at + 1..)?.trim_start();
        let numeric =
            rest.starts_with(|c: char| c.is_ascii_digit() || c == '(') || rest.starts_with("Vol");
        if numeric && !journal.trim().is_empty() {
            return Some((journal, rest));
        }
        from = at + 2;
    }
    None
}

/// The text after the word `pp` / `pp.` (`(pp 917-929)`, `pp. 275-285`).
fn after_pp(text: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|s| s.find("pp")) {
        let at = from + found;
        let before_ok = text
            .get(..at)
            .and_then(|b| b.chars().next_back())
            .is_none_or(|c| !c.is_alphabetic());
        let after = text.get(at + 2..).unwrap_or_default();
        if before_ok && after.starts_with(['.', ' ']) {
            return Some(after.trim_start_matches('.').trim_start());
        }
        from = at + 2;
    }
    None
}

/// A page token: up to a comma, space or full stop that ends it.
fn token(text: &str) -> &str {
    let text = text.trim_start();
    let end = text.find([',', ' ', ')', ';']).unwrap_or(text.len());
    let token = text.get(..end).unwrap_or_default();
    token.strip_suffix('.').unwrap_or(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, families, fixture, one};
    use crate::import::{Format, decode, detect};
    use proptest::prelude::*;

    const TEST1: &str = fixture!("ovid/jabref__OvidImporterTest1.txt");
    const UNNUMBERED: &str = fixture!("ovid/jabref__OvidImporterTest2Invalid.txt");
    const TEST5: &str = fixture!("ovid/jabref__OvidImporterTest5.txt");

    /// An Ovid MEDLINE export as Ovid writes it (banner, search strategy,
    /// one field per label), written for this test.
    const MEDLINE: &str = "Database: Ovid MEDLINE(R) ALL <1946 to March 22, 2021>
Search Strategy:
--------------------------------------------------------------------------------
1     exp Hypertension/ (260412)
2     limit 1 to yr=\"2020\" (12003)

***************************

<1>
Unique Identifier
  33750001
Authors
  Smith JA
  Jones B
Authors Full Name
  Smith, John A
  Jones, Bob
Institution
  Smith, John A. Department of Medicine, Somewhere, USA.
Title
  Blood pressure in the elderly: a systematic review. [Review] [45 refs]
Source
  Journal of Hypertension. 39(4):1044-1061, 2021 04 01.
MeSH Subject Headings
  Aged
  *Hypertension / dt [Drug Therapy]
Keyword Heading
  blood pressure
Abstract
  BACKGROUND: First part.
  CONCLUSIONS: Second part.
Publication Type
  Journal Article.
  Systematic Review.
Year of Publication
  2021
Digital Object Identifier (DOI)
  https://dx.doi.org/10.1097/HJH.0000000000002700
Language
  English

<2>
Unique Identifier
  33750002
Authors
  Roe R
Title
  [Hypertension in general practice].
Source
  Deutsche Medizinische Wochenschrift. 146(2):100-7, 2021 Jan.
Language
  German
";

    #[test]
    fn medline_export_with_banner() {
        assert_eq!(detect(MEDLINE), Some(Format::Ovid));
        let parsed = parse(MEDLINE);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0];
        assert_eq!(r.line, 9);
        assert_eq!(r.pmid, "33750001");
        assert!(r.notes.is_empty());
        assert_eq!(
            r.authors,
            vec![Author::parse("Smith, John A"), Author::parse("Jones, Bob")]
        );
        assert_eq!(
            r.title,
            "Blood pressure in the elderly: a systematic review."
        );
        assert_eq!(r.journal, "Journal of Hypertension");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("39", "4"));
        assert_eq!(
            (r.start_page.as_str(), r.end_page.as_str()),
            ("1044", "1061")
        );
        assert_eq!(r.year, Some(2021));
        assert_eq!(r.doi, "10.1097/HJH.0000000000002700");
        assert_eq!(
            r.keywords,
            [
                "Aged",
                "*Hypertension / dt [Drug Therapy]",
                "blood pressure"
            ]
        );
        assert_eq!(
            r.abstract_text,
            "BACKGROUND: First part. CONCLUSIONS: Second part."
        );
        assert_eq!(r.kind, "Journal Article");
        assert_eq!(r.language, "English");

        let r = &parsed.records[1];
        // A translated title is wholly bracketed: kept as it is.
        assert_eq!(r.title, "[Hypertension in general practice].");
        assert_eq!(r.authors, vec![Author::parse("Roe R")]);
        assert_eq!(r.journal, "Deutsche Medizinische Wochenschrift");
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("100", "7"));
        assert_eq!(r.year, Some(2021));
    }

    #[test]
    fn unique_identifier_is_a_pmid_only_for_medline() {
        let embase = MEDLINE.replace("Ovid MEDLINE(R) ALL", "Embase");
        let parsed = parse(&embase);
        assert_eq!(parsed.records[0].pmid, "");
        assert_eq!(parsed.records[0].notes, ["Accession number: 33750001"]);
        let r = one(
            parse,
            "<1>\nAccession Number\n  2011234567\nTitle\n  T\nPubMed ID\n  28123456\n",
        );
        assert_eq!(r.pmid, "28123456");
        assert_eq!(r.notes, ["Accession number: 2011234567"]);
    }

    #[test]
    fn jabref_display_records() {
        assert_eq!(detect(TEST1), Some(Format::Ovid));
        let parsed = parse(TEST1);
        assert_eq!(parsed.records.len(), 5);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 22, 35, 49, 59]);

        let r = &parsed.records[0];
        assert_eq!(families(r), ["Mustermann", "Musterfrau"]);
        // Chapter title is the work, the book title its container.
        assert_eq!(r.title, "Einleitung");
        assert_eq!(r.journal, "Source Very Long Title");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("28", ""));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("103", "106"));
        assert_eq!(r.year, Some(2015));
        assert_eq!(r.abstract_text, "Short abstract");

        let r = &parsed.records[1];
        assert_eq!(r.authors, vec![Author::parse("Max")]);
        assert_eq!(r.kind, "Conference Paper");
        assert_eq!(r.issue, "2");

        let r = &parsed.records[2];
        assert_eq!(r.journal, "Very Long Title");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("28", "2"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("103", "106"));
        assert_eq!(r.year, Some(2015));

        let r = &parsed.records[4];
        // A book citation in Source gives the title when there is no Title.
        assert_eq!(r.title, "Titel");
        assert_eq!(r.year, Some(2014));
        assert_eq!(r.kind, "Journal");
    }

    #[test]
    fn journals_at_ovid_record() {
        let r = one(parse, TEST5);
        assert_eq!(
            r.authors,
            vec![Author {
                family: "Bunkers".into(),
                given: "Sandra Schmidt".into()
            }]
        );
        assert_eq!(r.title, "Listening: Important to the Stuff of a Life.");
        assert_eq!(r.journal, "Nursing Science Quarterly");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("28", "2"));
        assert_eq!(r.year, Some(2015));
        assert_eq!(r.doi, "10.1177/0894318415571606");
        assert_eq!(r.pmid, "");
        assert_eq!(r.notes, ["Accession number: 00006236-201504000-00002"]);
    }

    #[test]
    fn records_without_numbers_are_read_and_reported() {
        assert_eq!(detect(UNNUMBERED), Some(Format::Ovid));
        let parsed = parse(UNNUMBERED);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 2);
        assert!(parsed.problems[0].message.contains("no <n> record numbers"));
        let r = &parsed.records[0];
        assert_eq!(r.line, 2);
        let names: Vec<(&str, &str)> = r
            .authors
            .iter()
            .map(|a| (a.family.as_str(), a.given.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("Verbeek", "Jan"),
                ("Hermans", "Erik"),
                ("van Vugt", "Arie"),
                ("Frolke", "Jan Paul")
            ]
        );
        assert_eq!(r.journal, "Journal of Orthopaedic Trauma");
        assert_eq!(r.keywords.len(), 17);
        assert_eq!(r.keywords[16], "pelvic fracture");
        assert_eq!(r.language, "English");
        assert_eq!(r.kind, "Original Article:  PDF Only");
        assert!(r.url.starts_with("http://ovidsp.ovid.com/"));
        let r = &parsed.records[1];
        assert_eq!(r.line, 37);
        assert_eq!(r.keywords[3], "progress monitoring");
        // The copyright line after a blank line still belongs to the abstract.
        assert!(
            r.abstract_text
                .ends_with("(C) 2015 by the American Psychological Association")
        );
    }

    #[test]
    fn source_forms() {
        let c = parse_source(
            "Lancet. 389 (10072) (pp 917-929), 2017. Date of Publication: 04 Mar 2017.",
        );
        assert_eq!(
            c,
            Citation {
                journal: "Lancet".into(),
                book: String::new(),
                volume: "389".into(),
                issue: "10072".into(),
                start_page: "917".into(),
                end_page: "929".into(),
                year: Some(2017),
            }
        );
        let c = parse_source("Journal of Abnormal Psychology. Vol.126(3), 2017, pp. 275-285.");
        assert_eq!(c.journal, "Journal of Abnormal Psychology");
        assert_eq!((c.volume.as_str(), c.issue.as_str()), ("126", "3"));
        assert_eq!((c.start_page.as_str(), c.end_page.as_str()), ("275", "285"));
        assert_eq!(c.year, Some(2017));
        let c = parse_source("Nurs. Stand. 12(3):44, 1998 Oct 7-13.");
        assert_eq!(c.journal, "Nurs. Stand");
        assert_eq!(c.start_page, "44");
        assert_eq!(c.year, Some(1998));
        let c = parse_source("Journal. 39 Suppl 1:S10-S15, 2021.");
        assert_eq!((c.volume.as_str(), c.start_page.as_str()), ("39", "S10"));
        assert_eq!(c.year, Some(2021));
        let c = parse_source("Journal of Orthopaedic Trauma. ");
        assert_eq!(c.journal, "Journal of Orthopaedic Trauma");
        assert_eq!(c.year, None);
        let c =
            parse_source("Editor(2015). Very Long Title. (pp. 103-106) X pp. Address: Publisher");
        assert_eq!(c.journal, "Very Long Title");
        assert_eq!((c.start_page.as_str(), c.end_page.as_str()), ("103", "106"));
        assert_eq!(c.year, Some(2015));
        let c = parse_source(
            "(2006). Case formulation in cognitive behaviour therapy. xvii, 331 pp. New York, NY, US: Routledge.",
        );
        assert_eq!(c.book, "Case formulation in cognitive behaviour therapy");
        assert_eq!((c.journal.as_str(), c.year), ("", Some(2006)));
        assert_eq!(parse_source("(2014). Titel. Test: X.").book, "Titel");
        assert_eq!(parse_source(""), Citation::default());
    }

    #[test]
    fn dedicated_fields_beat_the_source() {
        let r = one(
            parse,
            "<1>\nTitle\n  T\nSource\n  J. 1(2):3-4, 1999.\nJournal Name\n  Full Journal\n\
             Volume\n  10\nIssue\n  20\nPage\n  30-40\nYear of Publication\n  2001\n",
        );
        assert_eq!(r.journal, "Full Journal");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("10", "20"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("30", "40"));
        assert_eq!(r.year, Some(2001));
    }

    #[test]
    fn empty_record_is_skipped_and_reported() {
        let parsed = parse("<1>\nTitle\n  Kept\n<2>\nScore\n  ***\n<3>\nTitle\n  Also\n");
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 4);
    }

    #[test]
    fn crlf_through_decode() {
        let r = one(
            parse,
            &decode(b"<1>\r\nTitle\r\n  Caf\xE9\r\nAuthors\r\n  Doe J\r\n"),
        );
        assert_eq!(r.title, "Café");
        assert_eq!(r.authors[0].family, "Doe");
    }

    #[test]
    fn looks_like_rules() {
        assert!(looks_like("<1>\nTitle\n  x\n"));
        assert!(looks_like("\n<12>  \nUnique Identifier\n  1\n"));
        assert!(!looks_like("<1>\n<2>\n"));
        assert!(!looks_like("TY  - JOUR\nTI  - x\n"));
        assert!(!looks_like("PMID- 1\nTI  - x\n      wrapped\n"));
        assert!(!looks_like("title,author\nx,y\n"));
        assert!(!looks_like("Title\n  x\nOther\n  y\n"), "too few labels");
        assert!(looks_like("Title\n  x\nSource\n  y\nAbstract\n  z\n"));
    }

    fn field_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<1>".to_string()),
            "<[0-9]{1,3}>",
            "[0-9]{1,2}\\.",
            Just("Title".to_string()),
            Just("Authors".to_string()),
            Just("Source".to_string()),
            "  \\PC{0,20}",
            "[A-Z][a-z ]{0,12}",
        ]
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
        fn label_shaped_lines_never_panic(
            lines in proptest::collection::vec(field_line(), 0..40),
            ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        ) {
            check(lines.join(ending).as_bytes());
        }

        #[test]
        fn source_strings_never_panic(source in "\\PC{0,60}") {
            let _ = parse_source(&source);
        }
    }
}
