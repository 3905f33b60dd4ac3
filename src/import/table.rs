//! CSV and TSV exports with a header row (Rayyan, Covidence, ASReview,
//! Zotero, Scopus, Web of Science, PubMed, Embase, Springer, IEEE Xplore,
//! EPPI-Reviewer, litstudy, CoLRev …), mapped by header names.
//!
//! - The delimiter is the most frequent of `,` `;` tab `|` outside quotes in
//!   the header line, or the one an Excel `sep=;` line names.
//! - Header names are normalised (lowercase, punctuation and underscores
//!   collapsed to one space) and looked up in [`SYNONYMS`]; unknown columns
//!   (screening labels, affiliations, citation counts …) are ignored.
//!   `[sources.columns]` overrides the lookup for the fields it names.
//! - Web of Science "tab-delimited" exports use two-letter tags as headers
//!   (`PT AU … TI SO … DI PM … UT`) and never quote fields, so such files are
//!   read without quote handling (a title starting with `"` would otherwise
//!   swallow the rest of the file), and the tags that mean something else in
//!   other tables (`ID` = Keywords Plus) are only read there. Other
//!   tab-delimited files are written both with and without quoting, so both
//!   readings are tried and the one whose rows fit the header wins.
//! - A whole citation in one cell (PubMed's "Citation", Embase's "Source")
//!   fills volume, issue, pages, year and DOI when no column gives them; a
//!   DOI inside a link-resolver URL (Embase) is used when there is no DOI
//!   column.
//! - Author cells come in many shapes; see [`split_authors`].
//! - Each data row is a record whose line is the physical line where the row
//!   starts (quoted fields may span lines). Blank rows are skipped silently.
//! - Rows longer than the header with values in the extra cells, much
//!   shorter rows, and a quoted field that is never closed are reported; what
//!   the row holds is still read.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::fields::{doi_from_url, first_url, is_pmid, split_pages};
use super::{Author, Parsed, Record, is_initials, normalise_doi, parse_year};

/// What a column can hold. `Citation` is a whole reference in one cell
/// (PubMed's "Citation", Embase's "Source"), used to fill gaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Title,
    Authors,
    Year,
    Journal,
    JournalAbbrev,
    Volume,
    Issue,
    Pages,
    StartPage,
    EndPage,
    ArticleNumber,
    Doi,
    Pmid,
    Abstract,
    Keywords,
    Url,
    Language,
    Kind,
    Notes,
    Citation,
}

const FIELD_COUNT: usize = 20;

/// Normalised header names for each field, in order of preference (for a
/// field with several columns, the first non-empty cell in this order wins;
/// keywords and notes are gathered from all of them).
const SYNONYMS: [(Field, &[&str]); FIELD_COUNT] = [
    (
        Field::Title,
        &[
            "title",
            "article title",
            "document title",
            "item title",
            "primary title",
            "ti",
        ],
    ),
    (
        Field::Authors,
        // Full names before abbreviated ones (WoS `AF` before `AU`, Scopus
        // "Author full names" before "Authors").
        &[
            "author full names",
            "af",
            "authors",
            "author",
            "au",
            "author names",
            "creators",
            "creator",
            "first authors",
        ],
    ),
    (
        Field::Year,
        &[
            "year",
            "publication year",
            "py",
            "published year",
            "pubyear",
            "pub year",
            "year published",
            "publication date",
            "date",
            "pub date",
            "issue date",
        ],
    ),
    (
        Field::Journal,
        &[
            "journal",
            "source title",
            "so",
            "publication title",
            "journal book",
            "journal title",
            "journal name",
            "journal full",
            "secondary title",
            "alternate title3",
            "publication",
        ],
    ),
    (
        Field::JournalAbbrev,
        &[
            "journal iso abbreviation",
            "ji",
            "journal abbreviation",
            "abbreviated source title",
            "j9",
            "alternate title2",
            "alternate title1",
        ],
    ),
    (Field::Volume, &["volume", "vl", "journal volume"]),
    (Field::Issue, &["issue", "is", "journal issue", "number"]),
    (Field::Pages, &["pages", "pagination", "page range"]),
    (
        Field::StartPage,
        &["start page", "page start", "bp", "first page"],
    ),
    (Field::EndPage, &["end page", "page end", "ep", "last page"]),
    (
        Field::ArticleNumber,
        &["art no", "article number", "article no"],
    ),
    (Field::Doi, &["doi", "di", "item doi"]),
    (Field::Pmid, &["pmid", "pubmed id", "pm"]),
    (
        Field::Abstract,
        &["abstract", "ab", "abstract note", "notes abstract"],
    ),
    (
        Field::Keywords,
        &[
            "keywords",
            "author keywords",
            "de",
            "index keywords",
            "keywords plus",
            "manual tags",
            "automatic tags",
            "mesh terms",
            "ieee terms",
        ],
    ),
    (
        Field::Url,
        &["url", "link", "ur", "urls", "pdf link", "open url link"],
    ),
    (
        Field::Language,
        &["language", "la", "language of original document"],
    ),
    (
        Field::Kind,
        &[
            "type",
            "document type",
            "dt",
            "item type",
            "publication type",
            "type of reference",
            "reference type",
            "content type",
            "document identifier",
        ],
    ),
    (Field::Notes, &["notes", "note"]),
    (Field::Citation, &["citation", "source"]),
];

/// Web of Science tags read only in WoS-style tables, after the synonyms
/// above: elsewhere `id` is a row number and `pt`/`ar`/`ca` mean nothing.
const WOS_ONLY: [(Field, &str); 4] = [
    (Field::Keywords, "id"),
    (Field::Kind, "pt"),
    (Field::ArticleNumber, "ar"),
    // Group author ("Brit Thoracic Soc"), read when AF/AU are empty.
    (Field::Authors, "ca"),
];

/// `[sources.columns]` keys and the field each overrides.
const OVERRIDES: [(&str, Field); 18] = [
    ("title", Field::Title),
    ("authors", Field::Authors),
    ("year", Field::Year),
    ("journal", Field::Journal),
    ("journal_abbrev", Field::JournalAbbrev),
    ("volume", Field::Volume),
    ("issue", Field::Issue),
    ("pages", Field::Pages),
    ("start_page", Field::StartPage),
    ("end_page", Field::EndPage),
    ("doi", Field::Doi),
    ("pmid", Field::Pmid),
    ("abstract", Field::Abstract),
    ("keywords", Field::Keywords),
    ("url", Field::Url),
    ("language", Field::Language),
    ("kind", Field::Kind),
    ("notes", Field::Notes),
];

/// Candidate delimiters; on a tie the earlier one wins.
const DELIMITERS: [u8; 4] = [b'\t', b',', b';', b'|'];

/// Header names longer than this are taken for prose, not a header.
const MAX_HEADER_LEN: usize = 64;

/// Header rows this wide or wider are not read: exports have a few dozen
/// columns, and each cell of a row costs memory while it is read.
const MAX_COLUMNS: usize = 10_000;

/// Non-blank lines [`find_header`] looks at before giving up.
const SNIFF_LINES: usize = 4;

/// Whether the text looks like a delimited table with a bibliographic header:
/// the header line (the first non-blank one, after an optional `sep=` line
/// or a one-cell title line) has at least two short cells, at least two of
/// them known headers, one of which is a title, author, DOI or abstract.
pub fn looks_like(text: &str) -> bool {
    find_header(text).is_some_and(|h| h.recognised)
}

/// Parses the table; `columns` maps field names to headers, overriding detection.
pub fn parse(text: &str, columns: &BTreeMap<String, String>) -> Parsed {
    let mut parsed = Parsed::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(header) = find_header(text) else {
        return parsed;
    };
    if let Some(&first) = header.preamble.first() {
        let n = header.preamble.len();
        parsed.problem(
            first,
            format!(
                "{n} line{} before the header row (line {}) {} not part of the table; skipped",
                if n == 1 { "" } else { "s" },
                header.line,
                if n == 1 { "is" } else { "are" },
            ),
        );
    }
    if header.too_wide {
        parsed.problem(
            header.line,
            format!(
                "the header row has {MAX_COLUMNS} cells or more; exports have far fewer, so this \
                 is not read as a table"
            ),
        );
        return parsed;
    }
    let body = text.get(header.offset..).unwrap_or_default();
    let mut lines = LineCounter::new(text);
    let wos = header.wos;
    let quoting = quoting_for(body, header.delimiter, wos);
    // Rows are read into reused buffers and made into records as they come,
    // not all held as strings first.
    let mut rows = Rows::new(body, header.offset, header.delimiter, quoting);
    let mut head = csv::ByteRecord::new();
    // The first row read is the header itself (it may differ from the sniffed
    // cells only if a header name spans lines, which the csv reader handles).
    if rows.next_into(&mut head).is_none() {
        return parsed;
    }
    let mapping = Mapping::new(&head, wos, columns, header.line, &mut parsed);
    if !mapping.identifies() {
        // Header names are file content: quoted only when some of them are
        // known, i.e. the file is a bibliographic table (it may be any file
        // a source points at, /etc/passwd included).
        let message = if mapping.known {
            format!(
                "no title, author, DOI or PMID column; headers are: {}; map them with [sources.columns]",
                list_headers(&head)
            )
        } else {
            format!(
                "the header row has {} but names no column thema knows (title, authors, DOI …), \
                 so this does not look like a reference export; map its columns with \
                 [sources.columns] if it is one",
                count(head.len(), "cell")
            )
        };
        parsed.problem(header.line, message);
        return parsed;
    }

    let width = head.len();
    let shapes = Shapes::new(&head, wos);
    let mut report = WidthReport::default();
    let mut take =
        |cells: &dyn Cells, start: usize, parsed: &mut Parsed, report: &mut WidthReport| {
            if (0..cells.len()).all(|i| cells.get(i).is_none_or(|c| c.trim().is_empty())) {
                return;
            }
            let line = lines.line_of(start);
            let aligned = shapes.align(cells, width);
            report.check(cells, width, line, aligned.as_ref(), &shapes, parsed);
            let mut record = match &aligned {
                Some(a) => mapping.record(&a.view(cells)),
                None => mapping.record(cells),
            };
            record.line = line;
            parsed.accept(record);
        };
    // Rows are read in batches on one side of a `rayon::join` while the
    // batch before is made into records on the other: the csv reading and
    // the record making each take about half the time. Three batches take
    // turns, so their buffers are reused. A batch is made into records once
    // the next has been read (or none will): the file's last row may hold a
    // quote that never closed.
    // The whole loop runs on rayon's pool, so each join hands work between
    // its threads rather than waking this one.
    rayon::scope(|_| {
        let mut current = RowBatch::default();
        current.fill(&mut rows);
        let mut ahead = RowBatch::default();
        if current.is_full() {
            ahead.fill(&mut rows);
        }
        let mut spare = RowBatch::default();
        while !current.starts.is_empty() {
            let last = ahead.starts.is_empty().then(|| current.starts.len() - 1);
            let more = ahead.is_full();
            rayon::join(
                || {
                    spare.starts.clear();
                    if more {
                        spare.fill(&mut rows);
                    }
                },
                || {
                    for (k, (&start, row)) in current.starts.iter().zip(&current.rows).enumerate() {
                        let tail = text.get(start..).unwrap_or_default();
                        if quoting && last == Some(k) && unclosed_quote(tail) {
                            let line = LineCounter::new(text).line_of(start);
                            parsed.problem(
                                line,
                                format!(
                                    "a quoted field in the row at line {line} is never closed; \
                                     the rest of the file was read one row per line, without quote handling"
                                ),
                            );
                            // One row at a time: the rest of the file may be large.
                            let mut rest = Rows::new(tail, start, header.delimiter, false);
                            let mut row = csv::ByteRecord::new();
                            while let Some(at) = rest.next_into(&mut row) {
                                take(&Unquoted(&row), at, &mut parsed, &mut report);
                            }
                            break;
                        }
                        take(row, start, &mut parsed, &mut report);
                    }
                },
            );
            // The batch just read is the next ahead; the one made into records
            // is refilled after.
            std::mem::swap(&mut current, &mut ahead);
            std::mem::swap(&mut ahead, &mut spare);
        }
    });
    report.finish(width, &mut parsed);
    parsed.problems.sort_by_key(|p| p.line);
    parsed
}

/// Whether quotes delimit cells. Web of Science tab-delimited files are
/// written without quoting, so a title that starts with `"` is text. Other
/// tab-delimited files may be written either way, so both readings are
/// tried and the one whose rows match the header's width more often wins
/// (quoted on a tie): a stray quote read as quoting joins rows, and real
/// quoting read as text splits them.
fn quoting_for(text: &str, delimiter: u8, wos: bool) -> bool {
    if wos && delimiter == b'\t' {
        return false;
    }
    if delimiter != b'\t' || !text.contains('"') {
        return true;
    }
    fitting_rows(text, delimiter, false) <= fitting_rows(text, delimiter, true)
}

/// Data rows as wide as the header row (the first read), ignoring empty
/// trailing cells.
fn fitting_rows(text: &str, delimiter: u8, quoting: bool) -> usize {
    let mut rows = Rows::new(text, 0, delimiter, quoting);
    let mut row = csv::ByteRecord::new();
    if rows.next_into(&mut row).is_none() {
        return 0;
    }
    let width = row.len();
    let mut fitting = 0;
    while rows.next_into(&mut row).is_some() {
        let used = row
            .iter()
            .rposition(|c| !cell(c).trim().is_empty())
            .map_or(0, |i| i + 1);
        if used <= width && row.len() >= width {
            fitting += 1;
        }
    }
    fitting
}

/// Where the header row is and how the table is delimited.
struct Header {
    /// Byte offset of the header line in the text.
    offset: usize,
    /// 1-based line of the header row.
    line: usize,
    delimiter: u8,
    /// Whether the header line has [`MAX_COLUMNS`] delimiters or more.
    too_wide: bool,
    /// Whether the sniffed header is a Web of Science tag row.
    wos: bool,
    /// Lines of one-cell title lines skipped before the header.
    preamble: Vec<usize>,
    /// Whether the header names bibliographic columns (see [`looks_like`]).
    recognised: bool,
}

/// Finds the header row: the first non-blank line, after an optional Excel
/// `sep=` line; up to two one-cell lines before it (a title such as
/// Dimensions' "About the data: …") are skipped when the next line is a
/// recognised header. `None` for a text with no non-blank line.
fn find_header(text: &str) -> Option<Header> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sep: Option<u8> = None;
    let mut preamble: Vec<usize> = Vec::new();
    let mut fallback: Option<Header> = None;
    let mut offset = 0;
    let mut seen = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let here = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        seen += 1;
        if seen > SNIFF_LINES {
            break;
        }
        if seen == 1
            && let Some(d) = sep_hint(line)
        {
            sep = Some(d);
            continue;
        }
        let delimiter = sep.unwrap_or_else(|| detect_delimiter(line));
        // Counted before splitting: a line of millions of delimiters is no
        // header, and splitting it would cost far more than the file.
        let too_wide = line.bytes().filter(|b| *b == delimiter).count() >= MAX_COLUMNS;
        let cells = if too_wide {
            csv::ByteRecord::new()
        } else {
            split_line(line, delimiter)
        };
        // After a skipped title line, ask for more evidence of a header.
        let recognised = recognised(&cells, if preamble.is_empty() { 2 } else { 3 });
        let single = cells.len() < 2;
        let header = Header {
            offset: here,
            line: index + 1,
            delimiter,
            too_wide,
            wos: is_wos_header(&cells),
            preamble: preamble.clone(),
            recognised,
        };
        if recognised {
            return Some(header);
        }
        if fallback.is_none() {
            fallback = Some(Header {
                preamble: Vec::new(),
                ..header
            });
        }
        if single && preamble.len() < 2 {
            preamble.push(index + 1);
            continue;
        }
        break;
    }
    fallback
}

/// `sep=;` (Excel's delimiter hint), possibly quoted.
fn sep_hint(line: &str) -> Option<u8> {
    // Not `trim()`: the delimiter may be a tab.
    let line = line.trim_matches([' ', '\r']).trim_matches('"');
    let rest = line
        .get(..4)?
        .eq_ignore_ascii_case("sep=")
        .then(|| line.get(4..))??;
    match rest.as_bytes() {
        [d] if DELIMITERS.contains(d) => Some(*d),
        _ => None,
    }
}

/// The delimiter occurring most often outside quotes in a header line.
fn detect_delimiter(line: &str) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted
            && let Some(count) = DELIMITERS
                .iter()
                .position(|d| *d == b)
                .and_then(|i| counts.get_mut(i))
        {
            *count += 1;
        }
    }
    let mut best = (b',', 0);
    for (d, n) in DELIMITERS.iter().zip(counts) {
        if n > best.1 {
            best = (*d, n);
        }
    }
    best.0
}

/// The cells of one line, with quotes handled.
fn split_line(line: &str, delimiter: u8) -> csv::ByteRecord {
    let mut record = csv::ByteRecord::new();
    Rows::new(line, 0, delimiter, true).next_into(&mut record);
    record
}

/// Whether header cells name a bibliographic table: all short, at least
/// `known` of them known, one a title, author, DOI or abstract column.
fn recognised(cells: &csv::ByteRecord, known: usize) -> bool {
    if cells.len() < 2
        || cells
            .iter()
            .any(|c| cell(c).trim().chars().count() > MAX_HEADER_LEN)
    {
        return false;
    }
    let fields: Vec<Field> = cells
        .iter()
        .filter_map(|c| field_of(&normalise(&cell(c)), false))
        .collect();
    fields.len() >= known
        && fields.iter().any(|f| {
            matches!(
                f,
                Field::Title | Field::Authors | Field::Doi | Field::Abstract
            )
        })
}

/// Web of Science tab-delimited header: mostly two-character tags, `PT` or
/// `UT` among them.
fn is_wos_header(cells: &csv::ByteRecord) -> bool {
    let (mut tags, mut named, mut pt_or_ut) = (0usize, 0usize, false);
    for c in cells.iter() {
        let c = c.trim_ascii();
        if c.is_empty() {
            continue;
        }
        named += 1;
        if c.len() == 2
            && c.iter()
                .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit())
        {
            tags += 1;
            pt_or_ut |= c == b"PT" || c == b"UT";
        }
    }
    tags >= 5 && tags * 5 >= named * 4 && pt_or_ut
}

/// Lowercase, trimmed, runs of punctuation, underscores and spaces as one
/// space: `Author(s) ID` → `author s id`, `Mesh_Terms` → `mesh terms`.
fn normalise(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// The field a normalised header name maps to.
fn field_of(name: &str, wos: bool) -> Option<Field> {
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(f, _)| *f)
        .or_else(|| {
            wos.then(|| WOS_ONLY.iter().find(|(_, n)| *n == name).map(|(f, _)| *f))
                .flatten()
        })
}

/// Preference rank of a header name within its field (lower is preferred).
fn rank(field: Field, name: &str) -> usize {
    let names = SYNONYMS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, n)| *n)
        .unwrap_or_default();
    names.iter().position(|n| *n == name).unwrap_or(names.len())
}

/// Header names listed in a message: the first few, clipped.
fn list_headers(head: &csv::ByteRecord) -> String {
    const SHOWN: usize = 40;
    let names = head.iter().map(cell).filter(|n| !n.trim().is_empty());
    let total = names.clone().count();
    let mut shown: Vec<String> = names
        .take(SHOWN)
        .map(|n| format!("`{}`", clip(n.trim())))
        .collect();
    if total > SHOWN {
        shown.push(format!("… and {} more", total - SHOWN));
    }
    if shown.is_empty() {
        "(none)".into()
    } else {
        shown.join(", ")
    }
}

fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Rows read with the csv crate (flexible widths). `base` is the byte offset
/// of `text` in the whole file.
struct Rows<'t> {
    text: &'t str,
    base: usize,
    reader: csv::Reader<&'t [u8]>,
}

impl<'t> Rows<'t> {
    fn new(text: &'t str, base: usize, delimiter: u8, quoting: bool) -> Rows<'t> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .quoting(quoting)
            .from_reader(text.as_bytes());
        Rows { text, base, reader }
    }

    /// Reads the next row into `record`; returns where its first character
    /// is, blank lines before it skipped, or `None` at the end.
    fn next_into(&mut self, record: &mut csv::ByteRecord) -> Option<usize> {
        // Only I/O and UTF-8 errors exist for flexible byte records read from
        // memory; neither can happen here, so an error just ends the reading.
        if !matches!(self.reader.read_byte_record(record), Ok(true)) {
            return None;
        }
        let at = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or_default();
        let skipped = self
            .text
            .get(at..)
            .map(|rest| rest.len() - rest.trim_start_matches(['\n', '\r']).len())
            .unwrap_or_default();
        Some(self.base + at + skipped)
    }
}

/// Rows per batch read on one thread while the batch before is made into
/// records: a hand-over per row would cost more than reading the row.
const ROW_BATCH: usize = 256;

/// Consecutive rows and where each starts; `rows` may hold more records
/// than `starts` (buffers kept from an earlier, fuller batch).
#[derive(Default)]
struct RowBatch {
    starts: Vec<usize>,
    rows: Vec<csv::ByteRecord>,
}

impl RowBatch {
    /// Whether the batch holds [`ROW_BATCH`] rows, so more may follow.
    fn is_full(&self) -> bool {
        self.starts.len() == ROW_BATCH
    }

    /// Reads up to [`ROW_BATCH`] rows, fewer only at the end.
    fn fill(&mut self, reader: &mut Rows<'_>) {
        self.starts.clear();
        while self.starts.len() < ROW_BATCH {
            let k = self.starts.len();
            if self.rows.len() == k {
                self.rows.push(csv::ByteRecord::new());
            }
            let Some(start) = self.rows.get_mut(k).and_then(|r| reader.next_into(r)) else {
                break;
            };
            self.starts.push(start);
        }
    }
}

/// A cell's text. Cells of text read from a `&str` are always UTF-8 (the
/// reader splits and unquotes at ASCII bytes only), so this borrows; the
/// lossy conversion is only a guard.
fn cell(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A row's cells, read by index: no list of every cell is made per row (a
/// row of ten million empty cells would cost 24 bytes each as `String`s).
trait Cells {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Option<Cow<'_, str>>;
}

impl Cells for csv::ByteRecord {
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }

    fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        csv::ByteRecord::get(self, i).map(cell)
    }
}

/// A row read without quote handling, its cells unquoted as the csv reader
/// would have.
struct Unquoted<'r>(&'r csv::ByteRecord);

impl Cells for Unquoted<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        self.0.get(i).map(|c| Cow::Owned(unquote(&cell(c))))
    }
}

#[cfg(test)]
impl<S: AsRef<str>> Cells for [S] {
    fn len(&self) -> usize {
        <[S]>::len(self)
    }

    fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        <[S]>::get(self, i).map(|c| Cow::Borrowed(c.as_ref()))
    }
}

/// Whether the text from a row's start ends inside a quoted field: read as
/// CSV, quotes open and close in pairs, so an odd number of quote characters
/// that open a field (or follow one) means one never closed. Only called
/// for the last row, whose reading ran to the end of the file.
fn unclosed_quote(tail: &str) -> bool {
    let quotes = tail.bytes().filter(|b| *b == b'"').count();
    quotes % 2 == 1 && tail.trim_end().contains('\n')
}

/// Strips the quotes the csv reader would have removed: `"a ""b"""` → `a "b"`.
fn unquote(cell: &str) -> String {
    let t = cell.trim();
    match t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => cell.to_string(),
    }
}

/// A kind of value recognisable by its shape, for finding where a row's
/// extra cells sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Doi,
    Issn,
    Pmid,
    Year,
    Language,
    Eid,
    Url,
}

impl Shape {
    fn of(name: &str, wos: bool) -> Option<Shape> {
        match name {
            "issn" | "eissn" | "e issn" | "print issn" | "electronic issn" => {
                return Some(Shape::Issn);
            }
            "eid" => return Some(Shape::Eid),
            "sn" | "ei" if wos => return Some(Shape::Issn),
            _ => {}
        }
        match field_of(name, wos)? {
            Field::Doi => Some(Shape::Doi),
            Field::Pmid => Some(Shape::Pmid),
            Field::Year => Some(Shape::Year),
            Field::Language => Some(Shape::Language),
            Field::Url => Some(Shape::Url),
            _ => None,
        }
    }

    fn fits(self, v: &str) -> bool {
        match self {
            Shape::Doi => {
                let d = normalise_doi(v);
                d.starts_with("10.") && d.contains('/')
            }
            Shape::Issn => v.split([';', ',']).all(|one| {
                let b: Vec<u8> = one.bytes().filter(|b| !matches!(b, b'-' | b' ')).collect();
                b.len() == 8
                    && b[..7].iter().all(u8::is_ascii_digit)
                    && (b[7].is_ascii_digit() || b[7] == b'X' || b[7] == b'x')
            }),
            Shape::Pmid => is_pmid(v.trim_start_matches("PMID:")),
            Shape::Year => v.len() <= 32 && parse_year(v).is_some(),
            Shape::Language => {
                v.chars().count() <= 60
                    && v.chars().any(char::is_alphabetic)
                    && v.chars()
                        .all(|c| c.is_alphabetic() || matches!(c, ' ' | ';' | ',' | '-'))
            }
            Shape::Eid => v.starts_with("2-s2.0-"),
            Shape::Url => ["http://", "https://", "www."]
                .iter()
                .any(|p| v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Shape::Doi => "DOI",
            Shape::Issn => "ISSN",
            Shape::Pmid => "PubMed ID",
            Shape::Year => "year",
            Shape::Language => "language",
            Shape::Eid => "EID",
            Shape::Url => "URL",
        }
    }
}

/// Header columns whose values have a recognisable shape, and the header
/// names, used to place the extra cells of a too-long row.
struct Shapes {
    typed: Vec<(usize, Shape)>,
    names: Vec<String>,
}

/// Headers wider than this are not realigned (real exports have < 100).
const MAX_ALIGN_WIDTH: usize = 1024;
/// Rows with more extra cells than this are not realigned.
const MAX_ALIGN_EXTRA: usize = 4;

impl Shapes {
    fn new(head: &csv::ByteRecord, wos: bool) -> Shapes {
        if head.len() > MAX_ALIGN_WIDTH {
            return Shapes {
                typed: Vec::new(),
                names: Vec::new(),
            };
        }
        let names: Vec<String> = head.iter().map(|n| cell(n).trim().to_string()).collect();
        let typed = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, Shape::of(&normalise(n), wos)?)))
            .collect();
        Shapes { typed, names }
    }

    /// Where a row's extra cells most likely sit: at each possible place,
    /// count the shape-typed columns that get a value of their shape (minus
    /// those that get one of another shape). The unique best place wins; a
    /// tie is broken by a numbered column (`Funding Text 1`) just before
    /// one place, whose repeats an exporter writes without a header.
    /// Otherwise the columns the tied places disagree on are unsure.
    fn align(&self, row: &dyn Cells, width: usize) -> Option<Alignment> {
        let extra = row
            .len()
            .checked_sub(width)
            .filter(|k| (1..=MAX_ALIGN_EXTRA).contains(k))?;
        if self.typed.is_empty()
            || !(width..row.len()).any(|i| row.get(i).is_some_and(|c| !c.trim().is_empty()))
        {
            return None;
        }
        let value = |i: usize, at: usize| {
            let j = if i < at { i } else { i + extra };
            row.get(j).map(|c| c.trim().to_string()).unwrap_or_default()
        };
        let mut best = (i64::MIN, Vec::new());
        for at in 0..=width {
            let score: i64 = self
                .typed
                .iter()
                .map(|&(i, shape)| {
                    let v = value(i, at);
                    if v.is_empty() {
                        0
                    } else if shape.fits(&v) {
                        1
                    } else {
                        -1
                    }
                })
                .sum();
            if score > best.0 {
                best = (score, vec![at]);
            } else if score == best.0 {
                best.1.push(at);
            }
        }
        let mut tied = best.1;
        if tied.len() > 1 {
            let numbered: Vec<usize> = tied
                .iter()
                .copied()
                .filter(|&at| {
                    at > 0
                        && self
                            .names
                            .get(at - 1)
                            .is_some_and(|n| n.ends_with(" 1") || n.ends_with("_1"))
                })
                .collect();
            if numbered.len() == 1 {
                tied = numbered;
            }
        }
        let (first, last) = (*tied.first()?, *tied.last()?);
        Some(Alignment {
            at: last,
            extra,
            unsure: first..last,
        })
    }
}

/// How a too-long row is read: cells from `at` on moved left by `extra`;
/// columns in `unsure` (where the place could not be told) left empty
/// unless every reading agrees.
struct Alignment {
    at: usize,
    extra: usize,
    unsure: std::ops::Range<usize>,
}

impl Alignment {
    fn view<'a>(&'a self, row: &'a dyn Cells) -> AlignedRow<'a> {
        AlignedRow { row, how: self }
    }

    fn describe(&self, head: &str, row: &dyn Cells, shapes: &Shapes) -> String {
        let column = |i: usize| {
            format!(
                "column {} `{}`",
                i + 1,
                clip(shapes.names.get(i).map(String::as_str).unwrap_or_default())
            )
        };
        let fitted: Vec<&str> = {
            let mut names: Vec<&str> = shapes.typed.iter().map(|(_, s)| s.name()).collect();
            names.dedup();
            names
        };
        if self.unsure.is_empty() {
            let dropped: Vec<String> = (self.at..self.at + self.extra)
                .filter_map(|i| row.get(i))
                .map(|c| match c.trim() {
                    "" => "an empty cell".to_string(),
                    c => format!("`{}`", clip(c)),
                })
                .collect();
            let (value, sits) = if self.extra == 1 {
                ("value", "sits")
            } else {
                ("values", "sit")
            };
            let place = match self.at.checked_sub(1) {
                Some(i) => format!("after {}", column(i)),
                None => "before the first column".to_string(),
            };
            format!(
                "{head}; the extra {value} ({}) {sits} {place}, where the {} columns get values \
                 of their shape; read that way, without {}",
                dropped.join(", "),
                fitted.join(", "),
                if self.extra == 1 { "it" } else { "them" }
            )
        } else {
            format!(
                "{head}; the extra values could sit anywhere from {} to {}, so those columns \
                 were left empty; the columns around them were read where the {} values fit",
                column(self.unsure.start),
                column(self.at.saturating_sub(1)),
                fitted.join(", ")
            )
        }
    }
}

/// A too-long row read through its [`Alignment`].
struct AlignedRow<'a> {
    row: &'a dyn Cells,
    how: &'a Alignment,
}

impl Cells for AlignedRow<'_> {
    fn len(&self) -> usize {
        self.row.len() - self.how.extra
    }

    fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        let shifted = || self.row.get(i + self.how.extra);
        if self.how.unsure.contains(&i) {
            let (a, b) = (self.row.get(i), shifted());
            (a == b).then_some(a).flatten()
        } else if i < self.how.at {
            self.row.get(i)
        } else {
            shifted()
        }
    }
}

/// How a row's width shows it is broken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Width {
    /// Values beyond the header: a delimiter inside an unquoted cell shifts
    /// everything after it, or the header lacks a column.
    Extra,
    /// Fewer than half the header's cells: a row cut by an unquoted line
    /// break. Rows a little short are normal (some tools drop trailing empty
    /// cells) and are not reported.
    Short,
}

/// Width problems: the first few reported row by row, the rest summed up,
/// so a file whose every row is off gives a readable report.
#[derive(Default)]
struct WidthReport {
    extra: Vec<usize>,
    short: Vec<usize>,
    /// Rows beyond the detailed ones whose extra cells could not be placed.
    unsure: usize,
}

/// Rows of one kind reported one by one before the rest are summed up.
const WIDTH_DETAILS: usize = 3;

impl WidthReport {
    fn check(
        &mut self,
        cells: &dyn Cells,
        width: usize,
        line: usize,
        aligned: Option<&Alignment>,
        shapes: &Shapes,
        parsed: &mut Parsed,
    ) {
        // Only the few extra values a message shows are kept.
        let extra: Vec<String> = (width..cells.len())
            .filter_map(|i| cells.get(i))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .take(3)
            .collect();
        let kind = if !extra.is_empty() {
            Width::Extra
        } else if width >= 4 && cells.len() * 2 < width {
            Width::Short
        } else {
            return;
        };
        let seen = match kind {
            Width::Extra => &mut self.extra,
            Width::Short => &mut self.short,
        };
        seen.push(line);
        if seen.len() > WIDTH_DETAILS {
            if kind == Width::Extra && aligned.is_some_and(|a| !a.unsure.is_empty()) {
                self.unsure += 1;
            }
            return;
        }
        let message = match kind {
            Width::Extra => {
                let shown: Vec<String> = extra.iter().map(|c| format!("`{}`", clip(c))).collect();
                let head = format!("row has {} cells but the header has {width}", cells.len());
                match aligned {
                    None => format!(
                        "{head}; the extra values ({}) were ignored and the others may be in \
                         the wrong columns",
                        shown.join(", ")
                    ),
                    Some(a) => a.describe(&head, cells, shapes),
                }
            }
            Width::Short => format!(
                "row has only {} of the header's {width} cells (a line break inside an \
                 unquoted cell?); read as it is",
                cells.len()
            ),
        };
        parsed.problem(line, message);
    }

    fn finish(self, width: usize, parsed: &mut Parsed) {
        let unsure = match self.unsure {
            0 => String::new(),
            n => format!(
                " ({n} of them with columns left empty where the extra cells' place could not be told)"
            ),
        };
        for (lines, what) in [
            (
                self.extra,
                format!("more cells than the header's {width}{unsure}"),
            ),
            (
                self.short,
                format!("fewer than half the header's {width} cells"),
            ),
        ] {
            let rest = lines.get(WIDTH_DETAILS..).unwrap_or_default();
            if let (Some(first), Some(last)) = (rest.first(), rest.last()) {
                parsed.problem(
                    *first,
                    format!(
                        "{} more rows, from line {first} to line {last}, have {what}, like the rows \
                         reported above",
                        rest.len()
                    ),
                );
            }
        }
    }
}

/// The start of a cell for a message.
fn clip(cell: &str) -> String {
    const MAX: usize = 40;
    if cell.chars().count() <= MAX {
        cell.to_string()
    } else {
        let mut s: String = cell.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// Byte offset → 1-based line number, for offsets asked in increasing
/// order (rows come in file order): counts the line breaks since the last
/// answer, so it holds nothing per line.
struct LineCounter<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> LineCounter<'t> {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.at {
            (self.at, self.line) = (0, 1);
        }
        // memchr: a byte-by-byte scan of a large file cost more than parsing it.
        let between = self.text.get(self.at..offset).unwrap_or_default();
        self.line += memchr::memchr_iter(b'\n', between).count();
        self.at = offset;
        self.line
    }
}

/// Which columns feed which field, in order of preference.
struct Mapping {
    columns: [Vec<usize>; FIELD_COUNT],
    /// Whether any header name is a known one: only then is the file taken
    /// for a bibliographic table whose header may be quoted in messages.
    known: bool,
}

impl Mapping {
    fn new(
        names: &csv::ByteRecord,
        wos: bool,
        overrides: &BTreeMap<String, String>,
        header_line: usize,
        parsed: &mut Parsed,
    ) -> Mapping {
        let mut columns: [Vec<usize>; FIELD_COUNT] = Default::default();
        // Only known columns are kept: a header may have millions of cells.
        let mut ranked: Vec<(Field, usize, usize)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let n = normalise(&cell(n));
                let field = field_of(&n, wos)?;
                Some((field, rank(field, &n), i))
            })
            .collect();
        let known = !ranked.is_empty();
        ranked.sort_by_key(|(_, rank, i)| (*rank, *i));
        for (field, _, i) in ranked {
            if let Some(list) = columns.get_mut(field as usize) {
                list.push(i);
            }
        }

        for (key, header) in overrides {
            let Some(field) = OVERRIDES
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key.trim()))
                .map(|(_, f)| *f)
            else {
                let known: Vec<&str> = OVERRIDES.iter().map(|(k, _)| *k).collect();
                parsed.problem(
                    header_line,
                    format!(
                        "[sources.columns] names unknown field `{key}`; fields are: {}",
                        known.join(", ")
                    ),
                );
                continue;
            };
            let wanted = header.trim();
            let found = names
                .iter()
                .position(|n| cell(n).trim().eq_ignore_ascii_case(wanted))
                .or_else(|| {
                    let wanted = normalise(wanted);
                    names.iter().position(|n| normalise(&cell(n)) == wanted)
                })
                .filter(|_| !wanted.is_empty());
            match found {
                Some(i) => {
                    if let Some(list) = columns.get_mut(field as usize) {
                        *list = vec![i];
                    }
                }
                None => parsed.problem(
                    header_line,
                    format!(
                        "[sources.columns] maps `{key}` to column `{wanted}`, which is not in \
                         the header{}; using the usual columns for `{key}`",
                        if known {
                            format!("; headers are: {}", list_headers(names))
                        } else {
                            String::new()
                        }
                    ),
                ),
            }
        }
        Mapping { columns, known }
    }

    fn has(&self, field: Field) -> bool {
        self.columns
            .get(field as usize)
            .is_some_and(|c| !c.is_empty())
    }

    /// Whether any column can identify a work (see [`Parsed::accept`]).
    fn identifies(&self) -> bool {
        [Field::Title, Field::Authors, Field::Doi, Field::Pmid]
            .into_iter()
            .any(|f| self.has(f))
    }

    /// Non-empty trimmed cells of a field's columns, in preference order.
    fn cells<'a>(
        &'a self,
        row: &'a dyn Cells,
        field: Field,
    ) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.columns
            .get(field as usize)
            .into_iter()
            .flatten()
            .filter_map(|i| row.get(*i))
            .map(|c| match c {
                Cow::Borrowed(c) => Cow::Borrowed(c.trim()),
                Cow::Owned(c) => Cow::Owned(c.trim().to_string()),
            })
            .filter(|c| !c.is_empty())
    }

    fn first(&self, row: &dyn Cells, field: Field) -> String {
        self.cells(row, field)
            .next()
            .map(Cow::into_owned)
            .unwrap_or_default()
    }

    fn record(&self, row: &dyn Cells) -> Record {
        let mut r = Record {
            authors: self
                .cells(row, Field::Authors)
                .map(|c| split_authors(&c))
                .find(|a| !a.is_empty())
                .unwrap_or_default(),
            title: self.first(row, Field::Title),
            year: self.cells(row, Field::Year).find_map(|c| parse_year(&c)),
            journal: self.first(row, Field::Journal),
            journal_abbrev: self.first(row, Field::JournalAbbrev),
            volume: self.first(row, Field::Volume),
            issue: self.first(row, Field::Issue),
            doi: self
                .cells(row, Field::Doi)
                .map(|c| normalise_doi(&c))
                .find(|d| !d.is_empty())
                .unwrap_or_default(),
            pmid: self
                .cells(row, Field::Pmid)
                .map(|p| p.trim_start_matches("PMID:").trim().to_string())
                .find(|p| is_pmid(p))
                .unwrap_or_default(),
            abstract_text: self.first(row, Field::Abstract),
            url: first_url(&self.first(row, Field::Url)),
            language: self.first(row, Field::Language),
            kind: self.first(row, Field::Kind),
            notes: self.cells(row, Field::Notes).map(Cow::into_owned).collect(),
            ..Record::default()
        };

        let start = self.first(row, Field::StartPage);
        let end = self.first(row, Field::EndPage);
        let (start, end) = if start.is_empty() && end.is_empty() {
            split_pages(&self.first(row, Field::Pages), "")
        } else {
            split_pages(&start, &end)
        };
        r.start_page = if start.is_empty() {
            // E-journals cite an article number in place of pages.
            self.first(row, Field::ArticleNumber)
        } else {
            start
        };
        r.end_page = end;

        let mut keywords: Vec<String> = Vec::new();
        for cell in self.cells(row, Field::Keywords) {
            for k in split_list(&cell) {
                if !keywords.contains(&k) {
                    keywords.push(k);
                }
            }
        }
        r.keywords = keywords;

        if r.doi.is_empty() {
            r.doi = self
                .cells(row, Field::Url)
                .find_map(|c| doi_in_url(&c))
                .unwrap_or_default();
        }
        for cell in self.cells(row, Field::Citation) {
            if let Some(c) = embase_source(&cell).or_else(|| pubmed_citation(&cell)) {
                c.fill(&mut r);
            }
        }
        if r.journal.is_empty() {
            r.journal = r.journal_abbrev.clone();
        }
        r
    }
}

/// A DOI in a URL: a resolver link, or a `doi=`/`id=doi:` query parameter
/// (Scopus and Embase link-resolver URLs, percent-encoded).
fn doi_in_url(url: &str) -> Option<String> {
    if let Some(doi) = doi_from_url(url) {
        return Some(doi);
    }
    let lower = url.to_ascii_lowercase();
    let at = ["doi=", "doi:"]
        .iter()
        .filter_map(|m| lower.find(m).map(|i| i + m.len()))
        .min()?;
    let rest = url.get(at..)?;
    let raw = rest.split(['&', ' ', ';', '#']).next()?;
    let doi = percent_decode(raw);
    let doi = doi.strip_prefix("doi:").unwrap_or(&doi).trim().to_string();
    doi.starts_with("10.").then_some(doi)
}

/// Decodes `%2F`-style escapes; anything malformed is kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Bibliographic details read from a one-cell citation.
#[derive(Debug, Default, PartialEq, Eq)]
struct Citation {
    journal: String,
    year: Option<u16>,
    volume: String,
    issue: String,
    pages: String,
    doi: String,
}

impl Citation {
    /// Volume, issue and pages short enough to be what they claim: a
    /// "Source" or "Citation" cell of another shape reads as nothing.
    fn plausible(self) -> Option<Citation> {
        let short = |s: &str, max: usize| s.chars().count() <= max;
        (short(&self.volume, 16)
            && short(&self.issue, 16)
            && short(&self.pages, 32)
            && !(self.volume.is_empty() && self.pages.is_empty()))
        .then_some(self)
    }

    /// Fills the record's empty fields; the table's own columns win.
    fn fill(self, r: &mut Record) {
        let set = |slot: &mut String, value: String| {
            if slot.is_empty() {
                *slot = value;
            }
        };
        set(&mut r.journal, self.journal);
        set(&mut r.volume, self.volume);
        set(&mut r.issue, self.issue);
        set(&mut r.doi, self.doi);
        if r.year.is_none() {
            r.year = self.year;
        }
        if r.start_page.is_empty() && r.end_page.is_empty() {
            let (start, end) = split_pages(&self.pages, "");
            r.start_page = start;
            r.end_page = end;
        }
    }
}

/// Embase's "Source": `Cancer (2004) 102:4 (253-258). Date of Publication: …`.
fn embase_source(cell: &str) -> Option<Citation> {
    // The first ` (YYYY)` ends the journal name.
    let (at, year) = cell.match_indices(" (").find_map(|(i, _)| {
        let inner = cell.get(i + 2..i + 6)?;
        let closed = cell.get(i + 6..i + 7) == Some(")");
        let year =
            parse_year(inner).filter(|_| closed && inner.bytes().all(|b| b.is_ascii_digit()))?;
        Some((i, year))
    })?;
    let journal = cell.get(..at)?.trim().to_string();
    let rest = cell.get(at + 7..)?.trim_start();
    let rest = rest.split(". Date of Publication").next().unwrap_or(rest);
    let (numbers, pages) = match rest.split_once('(') {
        Some((numbers, pages)) => (numbers, pages.split(')').next().unwrap_or_default()),
        None => (rest.trim_end_matches('.'), ""),
    };
    let (volume, issue) = numbers
        .trim()
        .split_once(':')
        .unwrap_or((numbers.trim(), ""));
    Citation {
        journal,
        year: Some(year),
        volume: volume.trim().to_string(),
        issue: issue.trim().to_string(),
        pages: pages.trim().to_string(),
        doi: String::new(),
    }
    .plausible()
}

/// PubMed's "Citation": `Behav Ther. 2022 Mar;53(2):334-347. doi: 10.1016/…`.
/// The journal is already in "Journal/Book", so only numbers and the DOI.
fn pubmed_citation(cell: &str) -> Option<Citation> {
    let (head, rest) = cell.split_once(';')?;
    let year = parse_year(head)?;
    let numbers = rest
        .split(". ")
        .next()
        .unwrap_or(rest)
        .trim_end_matches('.');
    let (volume_issue, pages) = numbers.split_once(':').unwrap_or((numbers, ""));
    let (volume, issue) = match volume_issue.split_once('(') {
        Some((v, i)) => (v, i.split(')').next().unwrap_or_default()),
        None => (volume_issue, ""),
    };
    let doi = cell
        .find("doi: ")
        .and_then(|i| cell.get(i + 5..))
        .and_then(|s| s.split_whitespace().next())
        .map(|d| normalise_doi(d.trim_end_matches('.')))
        .unwrap_or_default();
    Citation {
        journal: String::new(),
        year: Some(year),
        volume: volume.trim().to_string(),
        issue: issue.trim().to_string(),
        pages: pages.trim().to_string(),
        doi,
    }
    .plausible()
}

/// Splits an authors cell into authors. Handled shapes:
/// - `;`-separated (WoS `Owen-Smith, J; Powell, WW`, IEEE `P. Kogge; J.
///   Shalf`, Scopus "Author full names" with `(57202138757)` ids dropped);
/// - ` and `-separated (BibTeX-style, Rayyan);
/// - a Python or JSON list (ASReview: `['Marx, Karl', 'Lindgren, Astrid']`);
/// - `,`-separated "Family Initials" names (PubMed `Smith A, Walter B`,
///   Scopus and Embase `Liu R., Adler D.G.`), told apart from one
///   "Family, Given" name by every part having a space (and, with only two
///   parts, initials);
/// - names run together with no separator (Springer: `Andy SmithTom Weber`),
///   split where a lowercase letter meets a capital, unless that would leave
///   a one-word name (`Maria DeAngelis`) or split `Mc`/`Mac`.
fn split_authors(cell: &str) -> Vec<Author> {
    let cell = cell.trim();
    if crate::import::is_placeholder_name(cell) {
        return Vec::new();
    }
    let parts: Vec<String> = if let Some(items) = list_literal(cell) {
        items
    } else if cell.contains(';') {
        cell.split(';').map(str::to_string).collect()
    } else if cell.contains(" and ") {
        // "A. Bilgin, A. Yesilada and R. Sunal": an English list, whose
        // parts before the "and" may themselves be comma-separated names.
        cell.split(" and ").flat_map(comma_authors).collect()
    } else if cell.contains(',') {
        comma_authors(cell)
    } else {
        run_together(cell)
    };
    parts
        .iter()
        .map(|p| clean_name(p))
        .filter(|p| !p.is_empty() && !is_et_al(p))
        .map(|p| Author::parse(&p))
        .collect()
}

fn is_et_al(name: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    n == "et al" || n == "et al."
}

/// One name trimmed, without a trailing Scopus author id `(57202138757)` and
/// leading titles (`Prof. Dr.`, as Springer writes them).
fn clean_name(raw: &str) -> String {
    let mut name = raw.trim();
    if let Some(open) = name.rfind('(')
        && name.ends_with(')')
        && name
            .get(open + 1..name.len() - 1)
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    {
        name = name.get(..open).unwrap_or(name).trim_end();
    }
    while let Some((first, rest)) = name.split_once(' ')
        && ["Prof.", "Prof", "Dr.", "Dr", "Professor"].contains(&first)
        && !rest.trim().is_empty()
    {
        name = rest.trim_start();
    }
    name.to_string()
}

/// `Smith A, Walter B` → two names; `Smith, John` → one.
fn comma_authors(cell: &str) -> Vec<String> {
    let parts: Vec<&str> = cell
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !is_et_al(p))
        .collect();
    let all_spaced = parts.iter().all(|p| p.contains(' '));
    let separate = match parts.len() {
        0 | 1 => false,
        2 => all_spaced && parts.iter().all(|p| has_initials_end(p)),
        _ => all_spaced,
    };
    if separate {
        parts.into_iter().map(str::to_string).collect()
    } else {
        vec![cell.to_string()]
    }
}

/// `Smith A`, `Adler D.G.`, `J. Smith`: initials at one end.
fn has_initials_end(name: &str) -> bool {
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or_default();
    let last = words.next_back().unwrap_or_default();
    is_initials(first) || is_initials(last)
}

/// Springer runs "Given Family" names together: `Vivek K. PallipuramMohammad
/// Bhuiyan`. Splits where a lowercase letter meets a capital, then joins back
/// any piece of one word (a split inside `DeAngelis`), never splitting after
/// `Mc`/`Mac`. Returns the cell whole unless every name has two words.
fn run_together(cell: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for c in cell.chars() {
        let word = current.rsplit(' ').next().unwrap_or_default();
        if prev.is_some_and(char::is_lowercase) && c.is_uppercase() && !matches!(word, "Mc" | "Mac")
        {
            pieces.push(std::mem::take(&mut current));
        }
        current.push(c);
        prev = Some(c);
    }
    pieces.push(current);
    let mut names: Vec<String> = Vec::new();
    for piece in pieces {
        match names.last_mut() {
            Some(last) if piece.split_whitespace().count() < 2 => last.push_str(&piece),
            _ => names.push(piece),
        }
    }
    if names.len() >= 2 && names.iter().all(|n| n.split_whitespace().count() >= 2) {
        names
    } else {
        vec![cell.to_string()]
    }
}

/// Items of a Python or JSON list literal (`['a', "b's"]`), or `None`.
fn list_literal(cell: &str) -> Option<Vec<String>> {
    let inner = cell.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let Some(quote) = chars.next() else {
            break;
        };
        if quote != '\'' && quote != '"' {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '\\' => item.push(chars.next()?),
                c if c == quote => break,
                c => item.push(c),
            }
        }
        items.push(item);
        // After an item only a separator or the end may follow.
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_some_and(|c| *c != ',') {
            return None;
        }
    }
    Some(items)
}

/// Keywords from one cell: a list literal, `;`-separated, or else
/// `,`-separated outside parentheses (Embase: `cyst (diagnosis, surgery),
/// colonoscopy`).
fn split_list(cell: &str) -> Vec<String> {
    let parts: Vec<String> = if let Some(items) = list_literal(cell) {
        items
    } else if cell.contains(';') {
        cell.split(';').map(str::to_string).collect()
    } else {
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut current = String::new();
        for c in cell.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current);
        parts
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{
        assert_lines_in_range, author, check_parser, families, fixture, titles, utf16le,
    };
    use crate::import::{Format, Problem, decode, detect};
    use proptest::prelude::*;

    const PUBMED: &str = fixture!("csv/colrev__pubmed-chatbot.csv");
    const ASREVIEW: &str = fixture!("csv/asreview__generic_labels_no_abs.csv");
    const SPRINGER: &str = fixture!("csv/litstudy__resources__springer.csv");
    const SCOPUS: &str = fixture!("csv/litstudy__scopus-3rows.csv");

    fn read(text: &str) -> Parsed {
        parse(text, &BTreeMap::new())
    }

    fn one(text: &str) -> Record {
        let parsed = read(text);
        assert_eq!(parsed.records.len(), 1, "problems: {:?}", parsed.problems);
        assert_eq!(parsed.problems, vec![]);
        parsed.records.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn pubmed_csv_export() {
        assert_eq!(detect(PUBMED), Some(Format::Csv));
        let parsed = read(PUBMED);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 6);
        let r = &parsed.records[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.pmid, "35227408");
        assert!(r.title.starts_with("Chatbot-Delivered Psychotherapy"));
        assert_eq!(
            r.authors,
            vec![
                author("Lim", "SM"),
                author("Shiau", "CWC"),
                author("Cheng", "LJ"),
                author("Lau", "Y.")
            ]
        );
        assert_eq!(r.journal, "Behav Ther");
        assert_eq!(r.year, Some(2022));
        // Volume, issue and pages come from the "Citation" cell.
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("53", "2"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("334", "347"));
        assert_eq!(r.doi, "10.1016/j.beth.2021.09.007");
        let misrai = &parsed.records[4];
        assert_eq!((misrai.volume.as_str(), misrai.issue.as_str()), ("3", ""));
        assert_eq!(misrai.start_page, "617013");
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn asreview_export_with_python_lists() {
        assert_eq!(detect(ASREVIEW), Some(Format::Csv));
        let parsed = read(ASREVIEW);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 6);
        let r = &parsed.records[0];
        assert_eq!(r.title, "Title of reference");
        assert_eq!(
            r.authors,
            vec![author("Marx", "Karl"), author("Lindgren", "Astrid")]
        );
        assert_eq!(r.keywords, ["Pippi", "Nordwind", "Piraten"]);
        assert_eq!(r.year, Some(2014));
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("9", "3"));
        assert_eq!(r.start_page, "e0815");
        assert_eq!(r.kind, "JOUR");
        assert_eq!(r.url, "http://example_url.com");
        // `label_included` is a screening decision, not bibliographic data,
        // and `id` outside a Web of Science table is not Keywords Plus.
        assert!(!r.keywords.iter().any(|k| k == "12345" || k == "1"));
    }

    #[test]
    fn springer_names_run_together_are_split() {
        let parsed = read(SPRINGER);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 18);
        let r = &parsed.records[0];
        assert_eq!(r.doi, "10.1007/978-3-030-92127-9_33");
        assert_eq!(r.year, Some(2022));
        assert_eq!(r.kind, "Chapter");
        assert_eq!(
            r.authors,
            vec![author("Aliev", "Araz R."), author("Ismayilova", "Nigar T.")]
        );
        assert_eq!(
            families(&parsed.records[1]),
            [
                "Aliev",
                "Kacprzyk",
                "Pedrycz",
                "Jamshidi",
                "Babanli",
                "Sadikoglu"
            ]
        );
        assert_eq!(
            families(&parsed.records[2]),
            ["Bede", "Ceberio", "Cock", "Kreinovich"]
        );
    }

    const WOS_HEADER: &str = "PT\tAU\tBA\tBE\tGP\tAF\tBF\tCA\tTI\tSO\tSE\tBS\tLA\tDT\tCT\tCY\tCL\tSP\tHO\tDE\tID\tAB\tC1\tRP\tEM\tRI\tOI\tFU\tFX\tCR\tNR\tTC\tZ9\tPU\tPI\tPA\tSN\tEI\tBN\tJ9\tJI\tPD\tPY\tVL\tIS\tPN\tSU\tSI\tMA\tBP\tEP\tAR\tDI\tD2\tPG\tWC\tSC\tGA\tUT\tPM\tOA\tHC\tHP\tDA";

    /// A WoS tab-delimited row with the given tags filled in.
    fn wos_row(values: &[(&str, &str)]) -> String {
        WOS_HEADER
            .split('\t')
            .map(|tag| {
                values
                    .iter()
                    .find(|(t, _)| *t == tag)
                    .map(|(_, v)| *v)
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\t")
            + "\t"
    }

    #[test]
    fn web_of_science_tab_delimited() {
        let text = format!(
            "{WOS_HEADER}\n{}\n{}\n",
            wos_row(&[
                ("PT", "J"),
                ("AU", "Owen-Smith, J; Powell, WW"),
                ("AF", "Owen-Smith, Jason; Powell, Walter W."),
                ("TI", "\"Knowledge\" networks as channels"),
                ("SO", "ORGANIZATION SCIENCE"),
                ("LA", "English"),
                ("DT", "Article"),
                ("DE", "knowledge networks; spillovers"),
                ("ID", "STRATEGIC ALLIANCE; spillovers"),
                ("AB", "We contend that \"two"),
                ("J9", "ORGAN SCI"),
                ("JI", "Organ Sci."),
                ("PY", "2004"),
                ("VL", "15"),
                ("IS", "1"),
                ("BP", "5"),
                ("EP", "21"),
                ("DI", "10.1287/orsc.1030.0054"),
                ("PM", "15661234"),
                ("UT", "WOS:000220015600001"),
            ]),
            wos_row(&[
                ("PT", "J"),
                ("AU", "Kerrien, S"),
                ("TI", "IntAct"),
                ("AR", "e100"),
                ("PY", "2007"),
            ]),
        );
        assert_eq!(detect(&text), Some(Format::Csv));
        let parsed = read(&text);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0];
        // WoS writes no quotes: a title starting with one is kept verbatim
        // instead of swallowing the following cells.
        assert_eq!(r.title, "\"Knowledge\" networks as channels");
        assert_eq!(r.abstract_text, "We contend that \"two");
        assert_eq!(
            r.authors,
            vec![author("Owen-Smith", "Jason"), author("Powell", "Walter W.")]
        );
        assert_eq!(r.journal, "ORGANIZATION SCIENCE");
        assert_eq!(r.journal_abbrev, "Organ Sci.");
        assert_eq!(
            r.keywords,
            ["knowledge networks", "spillovers", "STRATEGIC ALLIANCE"]
        );
        assert_eq!(r.year, Some(2004));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("5", "21"));
        assert_eq!(r.doi, "10.1287/orsc.1030.0054");
        assert_eq!(r.pmid, "15661234");
        assert_eq!(
            (r.language.as_str(), r.kind.as_str()),
            ("English", "Article")
        );
        let second = &parsed.records[1];
        assert_eq!(second.line, 3);
        // AF empty: AU is used; no DT: PT is the kind; AR stands in for pages.
        assert_eq!(second.authors, vec![author("Kerrien", "S")]);
        assert_eq!(second.kind, "J");
        assert_eq!(second.start_page, "e100");
    }

    #[test]
    fn tab_delimited_files_with_and_without_quoting() {
        // Unquoted: the title starting with `"` is text, not an opening quote
        // (read as one, it would run into the next rows).
        let plain = "Title\tAuthors\tYear\n\"Big data in health\tDoe J\t2001\nTwo \"x\tRoe K\t2002\nThree\tPoe E\t2003\n";
        let parsed = read(plain);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(
            titles(&parsed),
            ["\"Big data in health", "Two \"x", "Three"]
        );
        // Quoted (as Python's csv module writes TSV): a cell spans lines.
        let quoted =
            "Title\tAbstract\tYear\nOne\t\"First line\nsecond\tline\"\t2001\nTwo\tText\t2002\n";
        let parsed = read(quoted);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(
            parsed.records[0].abstract_text,
            "First line\nsecond\tline".replace('\t', " ")
        );
        assert_eq!(parsed.records[1].line, 4);
    }

    #[test]
    fn scopus_and_zotero_headers() {
        let scopus = "Authors,Author full names,Author(s) ID,Title,Year,Source title,Volume,Issue,Art. No.,Page start,Page end,DOI,Link,Abstract,Author Keywords,Index Keywords,PubMed ID,Language of Original Document,Abbreviated Source Title,Document Type,Source,EID\n\
            \"Phillips J.C.; Braun R.\",\"Phillips, James C. (57202138757); Braun, Rosemary (7402220509)\",\"1;2\",Scalable MD,2005,J Comput Chem,26,16,,1781,1802,10.1002/jcc.20289,https://www.scopus.com/x,Abstract.,\"MD; NAMD\",\"NAMD; Algorithms\",16222654,English,J. Comput. Chem.,Review,Scopus,2-s2.0-1\n";
        let r = one(scopus);
        assert_eq!(
            r.authors,
            vec![author("Phillips", "James C."), author("Braun", "Rosemary")]
        );
        assert_eq!(r.journal, "J Comput Chem");
        assert_eq!(r.journal_abbrev, "J. Comput. Chem.");
        assert_eq!(r.keywords, ["MD", "NAMD", "Algorithms"]);
        assert_eq!(r.pmid, "16222654");
        assert_eq!(
            (r.language.as_str(), r.kind.as_str()),
            ("English", "Review")
        );
        assert_eq!(r.url, "https://www.scopus.com/x");

        let zotero = "\"Key\",\"Item Type\",\"Publication Year\",\"Author\",\"Title\",\"Publication Title\",\"DOI\",\"Url\",\"Abstract Note\",\"Date\",\"Pages\",\"Issue\",\"Volume\",\"Journal Abbreviation\",\"Language\",\"Notes\",\"Manual Tags\",\"Automatic Tags\"\n\
            \"ABCD1234\",\"journalArticle\",\"2019\",\"Smith, John; Doe, Jane\",\"A title\",\"Journal of Things\",\"https://doi.org/10.1/ABC\",\"https://example.org/a\",\"An abstract.\",\"2019-03-01\",\"100–107\",\"2\",\"12\",\"J Things\",\"en\",\"<p>note</p>\",\"b; c\",\"c; d\"\n";
        let r = one(zotero);
        assert_eq!(r.kind, "journalArticle");
        assert_eq!(
            r.authors,
            vec![author("Smith", "John"), author("Doe", "Jane")]
        );
        assert_eq!(r.doi, "10.1/ABC");
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("100", "107"));
        assert_eq!(r.abstract_text, "An abstract.");
        assert_eq!(r.keywords, ["b", "c", "d"]);
        assert_eq!(r.notes, ["<p>note</p>"]);
        assert_eq!(r.journal_abbrev, "J Things");
    }

    #[test]
    fn embase_source_and_link_resolver_doi() {
        let text = "Title,Author Names,Source,Abstract,keywords,Open URL Link\n\
            \"Duplication cysts\",\"Liu R., Adler D.G.\",\"Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014\",Text,\"article, cyst (diagnosis, surgery), human\",http://sfx.example/x?sid=EMBASE&id=doi:10.4103%2F2303-9027.138783&atitle=D\n";
        let r = one(text);
        assert_eq!(
            r.authors,
            vec![author("Liu", "R."), author("Adler", "D.G.")]
        );
        assert_eq!(r.journal, "Endoscopic Ultrasound");
        assert_eq!(r.year, Some(2014));
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("3", "3"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("152", "160"));
        assert_eq!(r.doi, "10.4103/2303-9027.138783");
        assert_eq!(
            r.keywords,
            ["article", "cyst (diagnosis, surgery)", "human"]
        );
    }

    #[test]
    fn one_cell_citations() {
        let c =
            pubmed_citation("Prof Case Manag. 2022 Jan-Feb 01;27(1):19-25. doi: 10.1097/NCM.1.");
        assert_eq!(
            c,
            Some(Citation {
                journal: String::new(),
                year: Some(2022),
                volume: "27".into(),
                issue: "1".into(),
                pages: "19-25".into(),
                doi: "10.1097/NCM.1".into(),
            })
        );
        let c = embase_source("Cancer (2004) 102:4 (253-258). Date of Publication: 25 Aug 2004");
        assert_eq!(
            c.map(|c| (c.journal, c.year, c.volume, c.issue, c.pages)),
            Some((
                "Cancer".into(),
                Some(2004),
                "102".into(),
                "4".into(),
                "253-258".into()
            ))
        );
        // Scopus' "Source" column names the database; other prose is not a
        // citation either.
        assert_eq!(embase_source("Scopus"), None);
        assert_eq!(pubmed_citation("Scopus"), None);
        assert_eq!(
            pubmed_citation(
                "Survey of 2019 practice; responses from many clinics in three regions"
            ),
            None
        );
    }

    #[test]
    fn delimiters_and_excel_sep_line() {
        for text in [
            "title;authors;year\nOne;Doe, J;2001\n",
            "title\tauthors\tyear\nOne\tDoe, J\t2001\n",
            "title|authors|year\nOne|Doe, J|2001\n",
            "sep=;\ntitle;authors;year\nOne;Doe, J;2001\n",
            "sep=\t\ntitle\tauthors\tyear\nOne\tDoe, J\t2001\n",
            "\u{feff}\"title\",\"authors\",\"year\"\n\"One\",\"Doe, J\",\"2001\"\n",
        ] {
            assert!(looks_like(text), "{text:?}");
            let r = one(text);
            assert_eq!(r.title, "One", "{text:?}");
            assert_eq!(r.authors, vec![author("Doe", "J")]);
            assert_eq!(r.year, Some(2001));
        }
    }

    #[test]
    fn multi_line_cells_and_blank_rows_keep_line_numbers() {
        let text = "Title,Abstract,Authors\n\
                    First,\"Line one\nline two, \"\"quoted\"\"\n\nline four\",Doe J\n\
                    \n\
                    ,,\n\
                    Second,Plain,Roe K\n";
        let parsed = read(text);
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].line, 2);
        assert_eq!(
            parsed.records[0].abstract_text,
            "Line one\nline two, \"quoted\"\n\nline four"
        );
        assert_eq!(parsed.records[1].title, "Second");
        assert_eq!(parsed.records[1].line, 8);
    }

    #[test]
    fn rows_without_bibliographic_fields() {
        let text = "title,abstract,label_included\nKept,,1\n,Only an abstract,0\n,,1\n";
        let parsed = read(text);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(
            parsed.problems,
            vec![
                Problem {
                    line: 3,
                    message: "record has no title, author or DOI; kept (check it in the source)"
                        .into()
                },
                Problem {
                    line: 4,
                    message: "record has no bibliographic fields; skipped".into()
                },
            ]
        );
    }

    #[test]
    fn a_table_without_identifying_columns_is_refused_clearly() {
        let parsed = read("Name,Score\nx,1\ny,2\n");
        assert_eq!(parsed.records, vec![]);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 1);
        // No header is known, so none is quoted: the file may be anything.
        assert_eq!(
            parsed.problems[0].message,
            "the header row has 2 cells but names no column thema knows (title, authors, DOI …), \
             so this does not look like a reference export; map its columns with \
             [sources.columns] if it is one"
        );
        assert!(!looks_like("Name,Score\nx,1\n"));
        // Known headers are quoted.
        let parsed = read("Abstract,Score\nx,1\n");
        assert_eq!(
            parsed.problems[0].message,
            "no title, author, DOI or PMID column; headers are: `Abstract`, `Score`; \
             map them with [sources.columns]"
        );
    }

    #[test]
    fn columns_override_maps_unknown_headers() {
        let text =
            "Titel,Autoren,Jahr,Heft,Seiten,Title\nEin Titel,\"Müller, K\",1999,4,10-12,other\n";
        let columns: BTreeMap<String, String> = [
            ("title", "titel"),
            ("authors", "AUTOREN"),
            ("year", "Jahr"),
            ("issue", "Heft"),
            ("pages", "Seiten"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let parsed = parse(text, &columns);
        assert_eq!(parsed.problems, vec![]);
        let r = &parsed.records[0];
        assert_eq!(r.title, "Ein Titel");
        assert_eq!(r.authors, vec![author("Müller", "K")]);
        assert_eq!(r.year, Some(1999));
        assert_eq!(r.issue, "4");
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("10", "12"));

        let columns: BTreeMap<String, String> =
            [("doi".to_string(), "Digital Object".to_string())].into();
        let parsed = parse(text, &columns);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 1);
        assert!(
            parsed.problems[0].message.starts_with(
                "[sources.columns] maps `doi` to column `Digital Object`, which is not in the \
                 header; headers are: `Titel`, `Autoren`, `Jahr`, `Heft`, `Seiten`, `Title`"
            ),
            "{}",
            parsed.problems[0].message
        );
    }

    #[test]
    fn broken_rows_are_reported_but_read() {
        // Row 3 has an extra value (an unquoted comma); row 4 is short by
        // one trailing cell, which is normal; row 5 is cut in two.
        let text = "Title,Authors,Year,Journal,DOI,Notes\n\
                    A,Doe J,2001,J,10.1/a,n\n\
                    B, the sequel,Roe K,2002,J,10.1/b,n\n\
                    C,Poe E,2003,J,10.1/c\n\
                    D,Moe\n\
                    F,2004,J,10.1/d,n\n";
        let parsed = read(text);
        assert_eq!(parsed.records.len(), 5);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 5], "{:?}", parsed.problems);
        // Where the extra value sits cannot be told: title and authors
        // are left empty, the DOI after them is read.
        assert!(parsed.problems[0].message.contains("could sit anywhere"));
        assert_eq!(parsed.records[1].doi, "10.1/b");
        assert!(
            parsed.problems[1]
                .message
                .contains("only 2 of the header's 6 cells")
        );
    }

    #[test]
    fn a_scopus_row_with_a_second_funding_text_is_read_in_its_columns() {
        let parsed = read(SCOPUS);
        assert_eq!(parsed.records.len(), 3);
        let r = &parsed.records[2];
        assert_eq!(r.journal, "Scientific Reports");
        assert_eq!(r.journal_abbrev, "Sci. Rep.");
        assert_eq!(r.pmid, "35064163");
        assert_eq!(r.language, "English");
        assert_eq!(r.kind, "Article");
        assert_eq!(r.doi, "10.1038/s41598-022-04849-0");
        let r = &parsed.records[1];
        assert_eq!(
            (r.journal.as_str(), r.language.as_str()),
            ("Proceedings of the IEEE", "English")
        );
        assert_eq!(r.kind, "Article");
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4], "{:?}", parsed.problems);
        assert!(
            parsed.problems[0]
                .message
                .contains("the extra value (an empty cell) sits after column 25 `Funding Text 1`"),
            "{}",
            parsed.problems[0].message
        );
    }

    #[test]
    fn an_extra_cell_whose_place_cannot_be_told_leaves_only_those_columns_empty() {
        let parsed = read(
            "Title,Authors,Year,Journal,DOI,Language\n\
             B, the sequel,Roe K,2002,J,10.1/b,English\n",
        );
        let r = &parsed.records[0];
        // Title and authors could be `B`/` the sequel` or ` the sequel`/`Roe K`.
        assert_eq!((r.title.as_str(), r.authors.len()), ("", 0));
        assert_eq!(r.year, Some(2002));
        assert_eq!((r.journal.as_str(), r.doi.as_str()), ("J", "10.1/b"));
        assert_eq!(r.language, "English");
        assert!(
            parsed.problems[0]
                .message
                .contains("could sit anywhere from column 1 `Title` to column 2 `Authors`"),
            "{}",
            parsed.problems[0].message
        );
    }

    /// Peak resident memory of this process so far, in MB (Linux only).
    fn peak_mb() -> Option<usize> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024)
    }

    #[test]
    fn a_header_or_row_of_millions_of_commas_stays_small_in_memory() {
        // Each empty cell once cost ~130 bytes in per-cell strings and
        // lists: this 2 MB header took some 300 MB. Peak memory only grows,
        // so other tests running beside this one cannot make it fail.
        let commas = ",".repeat(2_000_000);
        let header = format!("Title,Authors{commas}\nOne,Doe J\n");
        let row = format!("Title,Authors\nOne,Doe J{commas}x\n");
        let before = peak_mb();
        let parsed = read(&header);
        assert_eq!(parsed.records, vec![]);
        assert!(parsed.problems[0].message.contains("10000 cells or more"));
        let parsed = read(&row);
        assert_eq!(titles(&parsed), ["One"]);
        assert!(parsed.problems[0].message.contains("extra values (`x`)"));
        if let (Some(before), Some(after)) = (before, peak_mb()) {
            assert!(after - before < 120, "peak grew by {} MB", after - before);
        }
    }

    #[test]
    fn many_broken_rows_are_summed_up() {
        let mut text = String::from("Title,DOI\n");
        for i in 0..10 {
            text.push_str(&format!("T{i},10.1/{i},junk\n"));
        }
        let parsed = read(&text);
        assert_eq!(parsed.records.len(), 10);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert_eq!(
            parsed.problems[3].message,
            "7 more rows, from line 5 to line 11, have more cells than the header's 2, like the \
             rows reported above"
        );
    }

    #[test]
    fn an_unclosed_quote_does_not_swallow_the_rest_of_the_file() {
        let text = "Title,Authors\nOne,Doe J\n\"Two,Roe K\nThree,Poe E\nFour,Moe F\n";
        let parsed = read(text);
        assert_eq!(titles(&parsed), ["One", "\"Two", "Three", "Four"]);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 3);
        assert!(parsed.problems[0].message.contains("never closed"));
    }

    #[test]
    fn rows_across_batches_and_a_quote_left_open_at_the_very_end() {
        // Row counts around the batch size: the last batch part-full, full,
        // or just one row.
        for rows in [
            ROW_BATCH - 1,
            ROW_BATCH,
            ROW_BATCH + 1,
            2 * ROW_BATCH,
            3 * ROW_BATCH + 1,
        ] {
            let mut text = String::from("Title,Authors\n");
            for i in 1..rows {
                text.push_str(&format!("Title {i},Doe J\n"));
            }
            let closed = format!("{text}\"Last, quoted\",Roe K\n");
            let parsed = read(&closed);
            assert_eq!(parsed.records.len(), rows, "{rows} rows");
            assert_eq!(parsed.problems, vec![], "{rows} rows");
            assert_eq!(titles(&parsed).last().copied(), Some("Last, quoted"));

            let open = format!("{text}\"Last,Roe K\nAfter,Poe E\n");
            let parsed = read(&open);
            assert_eq!(parsed.records.len(), rows + 1, "{rows} rows");
            let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
            assert_eq!(lines, (2..rows + 3).collect::<Vec<_>>(), "{rows} rows");
            assert_eq!(parsed.problems.len(), 1, "{rows} rows");
            assert_eq!(parsed.problems[0].line, rows + 1);
            assert!(parsed.problems[0].message.contains("never closed"));
            assert_eq!(titles(&parsed)[rows - 1..], ["\"Last", "After"]);
        }
    }

    #[test]
    fn a_title_line_before_the_header_is_skipped_and_reported() {
        let text = "\"About the data: Exported on Jan 14, 2022. Criteria: x\"\n\
                    Rank,Publication ID,DOI,PMID,Title,Source title,PubYear,Volume,Issue,Pagination,Authors\n\
                    1,pub.1,10.1/x,31234567,T,J,2020,1,2,3-9,\"Smith, John; Doe, Jane\"\n";
        assert!(looks_like(text));
        let parsed = read(text);
        assert_eq!(parsed.records.len(), 1);
        let r = &parsed.records[0];
        assert_eq!(r.line, 3);
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("3", "9"));
        assert_eq!(r.pmid, "31234567");
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 1);
        assert!(
            parsed.problems[0]
                .message
                .contains("before the header row (line 2)")
        );
    }

    #[test]
    fn author_cells() {
        let names = |cell: &str| -> Vec<(String, String)> {
            split_authors(cell)
                .into_iter()
                .map(|a| (a.family, a.given))
                .collect()
        };
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(f, g)| (f.to_string(), g.to_string()))
                .collect()
        };
        assert_eq!(names("Smith, John"), pairs(&[("Smith", "John")]));
        assert_eq!(
            names("de Souza, Maria Clara"),
            pairs(&[("de Souza", "Maria Clara")])
        );
        assert_eq!(names("Smith, John, Jr."), pairs(&[("Smith", "John, Jr.")]));
        assert_eq!(
            names("Smith A, Walter B"),
            pairs(&[("Smith", "A"), ("Walter", "B")])
        );
        assert_eq!(
            names("J. Smith, K. Walter, et al."),
            pairs(&[("Smith", "J."), ("Walter", "K.")])
        );
        assert_eq!(
            names("Smith, J. and Doe, K."),
            pairs(&[("Smith", "J."), ("Doe", "K.")])
        );
        assert_eq!(
            names("[\"O'Neil, Ann\", 'Roe, K']"),
            pairs(&[("O'Neil", "Ann"), ("Roe", "K")])
        );
        assert_eq!(names("Tom McDonald"), pairs(&[("McDonald", "Tom")]));
        assert_eq!(names("Maria DeAngelis"), pairs(&[("DeAngelis", "Maria")]));
        assert_eq!(
            names("Simon McIntosh-SmithTom Deakin"),
            pairs(&[("McIntosh-Smith", "Simon"), ("Deakin", "Tom")])
        );
        assert_eq!(
            names("World Health Organization"),
            pairs(&[("Organization", "World Health")])
        );
        assert_eq!(names(" ; "), pairs(&[]));
        assert_eq!(
            names("A. A. Bilgin, A. Yesilada, E. Palaska and R. Sunal"),
            pairs(&[
                ("Bilgin", "A. A."),
                ("Yesilada", "A."),
                ("Palaska", "E."),
                ("Sunal", "R.")
            ])
        );
        assert_eq!(
            names("Smith, John, Jr. and Doe, Jane"),
            pairs(&[("Smith", "John, Jr."), ("Doe", "Jane")])
        );
        // Scopus writes this where a record has no author.
        assert_eq!(names("[No author name available]"), pairs(&[]));
    }

    #[test]
    fn list_literals() {
        assert_eq!(list_literal("[]"), Some(vec![]));
        assert_eq!(
            list_literal(r#"['a\'b', "c"]"#),
            Some(vec!["a'b".to_string(), "c".to_string()])
        );
        assert_eq!(list_literal("[1, 2]"), None);
        assert_eq!(list_literal("['open"), None);
        assert_eq!(list_literal("['a' 'b']"), None);
    }

    #[test]
    fn looks_like_is_conservative() {
        assert!(looks_like("\n\nTitle,Authors,Year\n"));
        assert!(looks_like("PT\tAU\tTI\tSO\tUT\n"));
        assert!(!looks_like("TY  - JOUR\nTI  - Title, with comma\n"));
        assert!(!looks_like("@article{key,\n  title = {A, B},\n}\n"));
        assert!(!looks_like(
            "Title, abstract and full-text screening were done twice.\n"
        ));
        assert!(!looks_like("title\nOnly one column\n"));
        assert!(!looks_like("{\"title\": \"x\", \"doi\": \"y\"}\n"));
        assert!(!looks_like(""));
        assert!(!looks_like("Year,Volume\n2001,3\n"));
    }

    #[test]
    fn crlf_and_utf16_through_decode() {
        let text = "Title,Authors\r\n\"Café\r\nau lait\",\"Doe, J\"\r\nTwo,Roe K\r\n";
        let utf16 = utf16le(text, true);
        for bytes in [text.as_bytes(), utf16.as_slice()] {
            let decoded = decode(bytes);
            assert_eq!(detect(&decoded), Some(Format::Csv));
            let parsed = read(&decoded);
            assert_eq!(parsed.records.len(), 2);
            // A line break inside a title cell reads as a space.
            assert_eq!(parsed.records[0].title, "Café au lait");
            assert_eq!(parsed.records[1].line, 4);
        }
    }

    fn check(text: &str) {
        let columns: BTreeMap<String, String> = [
            ("title".to_string(), "b".to_string()),
            ("x".to_string(), "y".to_string()),
        ]
        .into();
        check_parser(text, read, looks_like);
        assert_lines_in_range(text, &parse(text, &columns));
        let _ = split_authors(text);
        let _ = split_list(text);
        let _ = embase_source(text);
        let _ = pubmed_citation(text);
        let _ = doi_in_url(text);
    }

    fn table_line() -> impl Strategy<Value = String> {
        let cell = prop_oneof![
            Just("title".to_string()),
            Just("Authors".to_string()),
            Just("DOI".to_string()),
            Just("\"".to_string()),
            Just("\"a\nb\"".to_string()),
            Just("sep=;".to_string()),
            Just("PT".to_string()),
            Just("['a', \"b".to_string()),
            "[A-Za-zé(),.: 0-9%\\[\\]'-]{0,12}",
        ];
        let delimiter = prop_oneof![Just(","), Just(";"), Just("\t"), Just("|")];
        (proptest::collection::vec(cell, 0..6), delimiter).prop_map(|(c, d)| c.join(d))
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check(&decode(&bytes));
        }

        #[test]
        fn table_shaped_lines_never_panic(lines in proptest::collection::vec(table_line(), 0..12)) {
            check(&decode(lines.join("\n").as_bytes()));
        }
    }
}
