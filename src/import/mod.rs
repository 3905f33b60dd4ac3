//! Reading reference files exported by databases and reference managers.
//!
//! Every format parser turns decoded text into [`Record`]s plus the problems it
//! met. A bad record is skipped and reported; it never costs the other records.
//! Files are only ever read, never rewritten.

mod bibtex;
mod decode;
mod endnote_xml;
mod enw;
mod fields;
mod ovid;
mod pubmed;
mod pubmed_xml;
mod refworks;
mod ris;
mod table;
mod tagged;
#[cfg(test)]
pub(crate) mod test_support;
mod wos;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use decode::{decode, decode_owned};

/// One author as written in the source: family name and given names/initials.
/// (rkyv: kept in the papers cache, src/review/cache.rs.)
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct Author {
    pub family: String,
    pub given: String,
}

impl Author {
    /// Splits "Family, Given", "Family D.G." (Embase, no comma) or
    /// "Given Family" into its parts.
    pub fn parse(raw: &str) -> Author {
        let raw = raw.trim();
        if !raw.contains(',')
            && let Some((family, last)) = raw.rsplit_once(' ')
            && is_initials(last)
            && !family.trim().is_empty()
        {
            return Author {
                family: family.trim().to_string(),
                given: last.to_string(),
            };
        }
        if let Some((family, given)) = raw.split_once(',') {
            return Author {
                family: family.trim().to_string(),
                given: given.trim().to_string(),
            };
        }
        match raw.rsplit_once(' ') {
            Some((given, family)) => Author {
                family: family.trim().to_string(),
                given: given.trim().to_string(),
            },
            None => Author {
                family: raw.to_string(),
                given: String::new(),
            },
        }
    }

    /// Whether [`Author::parse`] was given a database's "no author"
    /// placeholder ([`is_placeholder_name`]), which it splits like a name:
    /// "[No author name available]" → given "[No author name", family
    /// "available]".
    pub fn is_placeholder(&self) -> bool {
        // Only a bracket can make one; most names are decided here.
        (self.family.starts_with('[') || self.family.ends_with(']'))
            && is_placeholder_name(format!("{} {}", self.given, self.family).trim())
    }
}

/// What a database writes where a record has no author, in brackets:
/// Scopus `[No author name available]`, Web of Science `[Anonymous]`. Never
/// a name (it would become the paper's first author and id).
pub(crate) fn is_placeholder_name(name: &str) -> bool {
    let name = name.trim();
    name.len() > 2
        && name.starts_with('[')
        && name.ends_with(']')
        && !name.contains(['\'', '"', ','])
}

/// `R.`, `D.G.`, `J.-P.`, or up to three capitals (`JM`).
fn is_initials(token: &str) -> bool {
    let allowed = token
        .chars()
        .all(|c| c.is_uppercase() || c == '.' || c == '-');
    let letters = token.chars().filter(|c| c.is_uppercase()).count();
    allowed && letters >= 1 && (token.contains('.') || letters <= 3)
}

/// One bibliographic record, as read from one place in one file.
/// (rkyv: kept in the papers cache, src/review/cache.rs.)
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct Record {
    pub authors: Vec<Author>,
    pub title: String,
    pub year: Option<u16>,
    pub journal: String,
    pub journal_abbrev: String,
    pub volume: String,
    pub issue: String,
    pub start_page: String,
    pub end_page: String,
    /// Normalised: no `https://doi.org/` prefix, no `doi:` prefix, trimmed.
    pub doi: String,
    pub pmid: String,
    pub abstract_text: String,
    pub keywords: Vec<String>,
    pub url: String,
    pub language: String,
    pub kind: String,
    /// The record's own notes (RIS `N1`, RefWorks `NO`, ...), kept verbatim.
    pub notes: Vec<String>,
    /// 1-based line in the source file where the record starts.
    pub line: usize,
}

/// Something wrong with one record or line of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line number in the file.
    pub line: usize,
    pub message: String,
}

/// What parsing one file gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
}

impl Parsed {
    /// The one rule every parser uses to keep or drop a finished record. A
    /// record with a title, author, DOI or PMID is kept. One with none of
    /// those but some other content (only notes, only an abstract) is kept
    /// too, with a problem, so no record is lost silently; one with nothing
    /// at all is dropped with a problem.
    pub fn accept(&mut self, mut record: Record) {
        record.clean_control_chars();
        record.shrink_to_fit();
        record.authors.retain(|a| !a.is_placeholder());
        let identified = !record.title.is_empty()
            || !record.authors.is_empty()
            || !record.doi.is_empty()
            || !record.pmid.is_empty();
        if identified {
            self.records.push(record);
        } else if record.has_content() {
            self.problems.push(Problem {
                line: record.line,
                message: "record has no title, author or DOI; kept (check it in the source)".into(),
            });
            self.records.push(record);
        } else {
            self.problems.push(Problem {
                line: record.line,
                message: "record has no bibliographic fields; skipped".into(),
            });
        }
    }

    pub fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            message: message.into(),
        });
    }
}

impl Record {
    /// Tabs, escapes, bells and other control characters in a field would
    /// corrupt the screen; they become spaces. Line breaks in abstracts and
    /// notes are kept.
    fn clean_control_chars(&mut self) {
        fn clean(s: &mut String, keep_newlines: bool) {
            // Control characters are C0 (< 0x20), DEL and C1 (0xC2 0x80-0x9F
            // in UTF-8): a byte scan finds them without decoding characters.
            let b = s.as_bytes();
            // Nearly every field is clean: first a branch-free pass for the
            // bytes that could start a control character, which the compiler
            // runs many bytes at a time, then the exact check if one is seen.
            let maybe = b.chunks(256).any(|chunk| {
                chunk.iter().fold(false, |seen, &c| {
                    seen | ((c < 0x20) & !(keep_newlines & (c == b'\n')))
                        | (c == 0x7f)
                        | (c == 0xc2)
                })
            });
            if !maybe {
                return;
            }
            let suspect = b.iter().enumerate().any(|(i, &c)| {
                (c < 0x20 && !(keep_newlines && c == b'\n'))
                    || c == 0x7f
                    || (c == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
            });
            if suspect {
                *s = s
                    .chars()
                    .map(|c| {
                        if c.is_control() && !(keep_newlines && c == '\n') {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
            }
        }
        for a in &mut self.authors {
            clean(&mut a.family, false);
            clean(&mut a.given, false);
        }
        for field in [
            &mut self.title,
            &mut self.journal,
            &mut self.journal_abbrev,
            &mut self.volume,
            &mut self.issue,
            &mut self.start_page,
            &mut self.end_page,
            &mut self.doi,
            &mut self.pmid,
            &mut self.url,
            &mut self.language,
            &mut self.kind,
        ] {
            clean(field, false);
        }
        for k in &mut self.keywords {
            clean(k, false);
        }
        clean(&mut self.abstract_text, true);
        for n in &mut self.notes {
            clean(n, true);
        }
    }

    /// Gives back what parsing reserved and did not use (a vector of
    /// authors grown by doubling, a field built up line by line): kept for
    /// every record of a review, that slack was 5 MB at 100,000 papers.
    fn shrink_to_fit(&mut self) {
        self.authors.shrink_to_fit();
        for a in &mut self.authors {
            a.family.shrink_to_fit();
            a.given.shrink_to_fit();
        }
        for field in [
            &mut self.title,
            &mut self.journal,
            &mut self.journal_abbrev,
            &mut self.volume,
            &mut self.issue,
            &mut self.start_page,
            &mut self.end_page,
            &mut self.doi,
            &mut self.pmid,
            &mut self.abstract_text,
            &mut self.url,
            &mut self.language,
            &mut self.kind,
        ] {
            field.shrink_to_fit();
        }
        for list in [&mut self.keywords, &mut self.notes] {
            list.shrink_to_fit();
            for s in list.iter_mut() {
                s.shrink_to_fit();
            }
        }
    }

    /// Anything a reviewer could use to find the paper.
    pub fn has_content(&self) -> bool {
        !(self.title.is_empty()
            && self.authors.is_empty()
            && self.doi.is_empty()
            && self.pmid.is_empty()
            && self.abstract_text.is_empty()
            && self.journal.is_empty()
            && self.keywords.is_empty()
            && self.url.is_empty()
            && self.notes.is_empty())
    }
}

/// Per-source options from `[[sources]]` that a parser may need.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceOptions {
    /// CSV/TSV: field name (`title`, `authors`, `year`, `doi` …) → column
    /// header, overriding the header-driven mapping (`[sources.columns]`).
    pub columns: BTreeMap<String, String>,
}

/// The reference file formats thema reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Ris,
    Refworks,
    /// PubMed/MEDLINE tagged (`PMID- `, `TI  - `), .nbib/.txt.
    Pubmed,
    PubmedXml,
    EndnoteXml,
    /// EndNote tagged (`%A`, `%T`), .enw.
    Enw,
    /// BibTeX and BibLaTeX.
    Bibtex,
    /// Web of Science plain text (`FN`, `PT J`, `ER`, `EF`).
    Wos,
    /// Ovid's own export: numbered records `<1>` with field labels.
    Ovid,
    /// CSV or TSV with a header row (Rayyan, Covidence, ASReview, Zotero,
    /// Scopus, Web of Science …).
    Csv,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::Ris,
        Format::Refworks,
        Format::Pubmed,
        Format::PubmedXml,
        Format::EndnoteXml,
        Format::Enw,
        Format::Bibtex,
        Format::Wos,
        Format::Ovid,
        Format::Csv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Ris => "ris",
            Format::Refworks => "refworks",
            Format::Pubmed => "pubmed",
            Format::PubmedXml => "pubmed-xml",
            Format::EndnoteXml => "endnote-xml",
            Format::Enw => "enw",
            Format::Bibtex => "bibtex",
            Format::Wos => "wos",
            Format::Ovid => "ovid",
            Format::Csv => "csv",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.trim();
        let alias = match name.to_ascii_lowercase().as_str() {
            "medline" | "nbib" => Some(Format::Pubmed),
            "biblatex" | "bib" => Some(Format::Bibtex),
            "tsv" => Some(Format::Csv),
            "endnote" => Some(Format::Enw),
            _ => None,
        };
        alias.or_else(|| {
            Format::ALL
                .into_iter()
                .find(|f| f.name().eq_ignore_ascii_case(name))
        })
    }

    /// Parses decoded text in this format.
    pub fn parse(self, text: &str) -> Parsed {
        self.parse_with(text, &SourceOptions::default())
    }

    pub fn parse_with(self, text: &str, options: &SourceOptions) -> Parsed {
        let mut parsed = match self {
            Format::Ris => ris::parse(text),
            Format::Refworks => refworks::parse(text),
            Format::Pubmed => pubmed::parse(text),
            Format::PubmedXml => pubmed_xml::parse(text),
            Format::EndnoteXml => endnote_xml::parse(text),
            Format::Enw => enw::parse(text),
            Format::Bibtex => bibtex::parse(text),
            Format::Wos => wos::parse(text),
            Format::Ovid => ovid::parse(text),
            Format::Csv => table::parse(text, &options.columns),
        };
        // Problems quote the file (keys, cells, names) and are printed as
        // they are; a quoted ESC or CR would restyle or overwrite the screen.
        for p in &mut parsed.problems {
            escape_control_chars(&mut p.message);
        }
        parsed
    }
}

/// Control characters (line breaks too: a problem is one line) become
/// visible escapes such as `\t` or `\u{1b}`, so the reader can still see
/// what is in the file.
fn escape_control_chars(s: &mut String) {
    if s.chars().any(char::is_control) {
        *s = s
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Guesses the format from the text itself, never from the file name. The
/// order matters: the most distinctive signatures are tried first, and the
/// loosest (CSV) last.
pub fn detect(text: &str) -> Option<Format> {
    type LooksLike = fn(&str) -> bool;
    let checks: [(LooksLike, Format); 11] = [
        (pubmed_xml::looks_like, Format::PubmedXml),
        (endnote_xml::looks_like, Format::EndnoteXml),
        (wos::looks_like, Format::Wos),
        (ris::looks_like, Format::Ris),
        // Its field lines are PubMed's; its `<1. >` record heads are not.
        (ovid::looks_like_tagged, Format::Ovid),
        (pubmed::looks_like, Format::Pubmed),
        (refworks::looks_like, Format::Refworks),
        (enw::looks_like, Format::Enw),
        (ovid::looks_like, Format::Ovid),
        (bibtex::looks_like, Format::Bibtex),
        (table::looks_like, Format::Csv),
    ];
    checks
        .into_iter()
        .find(|(looks_like, _)| looks_like(text))
        .map(|(_, format)| format)
}

/// Why a whole file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    // The cause is part of the message, not a `source`, so error chains
    // (`thema: …: cannot read: …`) do not print it twice.
    #[error("{path}: cannot read: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error(
        "{path}: format not recognised; thema reads {}. Name the format with `format = \"…\"` in its [[sources]] entry (or --format)",
        Format::ALL.map(Format::name).join(", ")
    )]
    UnknownFormat { path: String },
    #[error("{path}: the file is empty")]
    Empty { path: String },
}

/// Reads, decodes and parses one file. `format` overrides detection.
pub fn read_file(path: &Path, format: Option<Format>) -> Result<(Format, Parsed), ImportError> {
    read_file_with(path, format, &SourceOptions::default())
}

/// [`read_file`] with per-source options (CSV column mapping).
pub fn read_file_with(
    path: &Path,
    format: Option<Format>,
    options: &SourceOptions,
) -> Result<(Format, Parsed), ImportError> {
    let bytes = crate::infra::fsx::read_regular(path).map_err(|cause| ImportError::Io {
        path: path.display().to_string(),
        cause,
    })?;
    let text = decode_owned(bytes);
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            path: path.display().to_string(),
        });
    }
    let format = format
        .or_else(|| detect(&text))
        .ok_or_else(|| ImportError::UnknownFormat {
            path: path.display().to_string(),
        })?;
    let mut parsed = format.parse_with(&text, options);
    if parsed.records.is_empty() && !text.trim().is_empty() {
        parsed.problems.push(Problem {
            line: 1,
            message: format!("no {format} records found in a non-empty file"),
        });
    }
    Ok((format, parsed))
}

/// Normalises a DOI as written in exports: strips resolver URLs and `doi:`.
pub fn normalise_doi(raw: &str) -> String {
    let mut s = raw.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
        "DOI:",
        "DOI ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim();
        }
    }
    s.to_string()
}

/// First four-digit number in the text, read as a year (`2006/03/01`, `c2006`).
pub fn parse_year(raw: &str) -> Option<u16> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let window = &bytes[i..i + 4];
        let bounded_before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let bounded_after = i + 4 == bytes.len() || !bytes[i + 4].is_ascii_digit();
        if window.iter().all(u8::is_ascii_digit) && bounded_before && bounded_after {
            let year: u16 = raw[i..i + 4].parse().ok()?;
            if (1000..=2999).contains(&year) {
                return Some(year);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_spaces_and_other_text_is_kept() {
        let long = "a".repeat(300);
        let mut r = Record {
            title: "Tab\there, bell\u{7} and DEL\u{7f}; NEL\u{85}".into(),
            journal: "No\u{a0}break, 37\u{b0}C, \u{b1}5 \u{b5}g, Ærø".into(),
            abstract_text: format!("{long}\nline two\r\u{1b}[31m{long}\u{9f}"),
            notes: vec!["kept\nnewline".into(), "clean".into()],
            keywords: vec!["key\nword".into()],
            ..Record::default()
        };
        r.clean_control_chars();
        assert_eq!(r.title, "Tab here, bell  and DEL ; NEL ");
        assert_eq!(r.journal, "No\u{a0}break, 37\u{b0}C, \u{b1}5 \u{b5}g, Ærø");
        assert_eq!(r.abstract_text, format!("{long}\nline two  [31m{long} "));
        assert_eq!(r.notes, ["kept\nnewline", "clean"]);
        assert_eq!(r.keywords, ["key word"]);
    }

    /// Memory at 100,000 papers: a record keeps no room it does not use.
    #[test]
    fn accepted_records_hold_no_unused_capacity() {
        let mut authors = Vec::with_capacity(8);
        authors.push(Author::parse("Walshe, C."));
        let mut title = String::with_capacity(200);
        title.push_str("Judgements about fact and fiction");
        let mut keywords = Vec::with_capacity(4);
        keywords.push(String::with_capacity(50) + "nursing");
        let mut parsed = Parsed::default();
        parsed.accept(Record {
            authors,
            title,
            keywords,
            ..Record::default()
        });
        let r = &parsed.records[0];
        assert_eq!((r.authors.len(), r.authors.capacity()), (1, 1));
        assert_eq!(r.title.capacity(), r.title.len());
        assert_eq!(r.keywords.capacity(), 1);
        assert_eq!(r.keywords[0].capacity(), "nursing".len());
        assert_eq!(r.title, "Judgements about fact and fiction");
    }

    #[test]
    fn problems_show_control_characters_as_escapes() {
        let parsed = Format::Csv.parse("title,author\nA title,Smith,tab\there,\u{1b}[31m\n");
        let messages: Vec<&str> = parsed.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains(r"tab\there") && m.contains(r"\u{1b}[31m")),
            "{messages:?}"
        );
        assert!(!messages.iter().any(|m| m.contains(char::is_control)));
    }

    #[test]
    fn bracketed_placeholders_are_no_author_in_any_format() {
        let mut parsed = Parsed::default();
        let name = |raw: &str| Author::parse(raw);
        parsed.accept(Record {
            title: "A paper with no author".into(),
            authors: vec![
                name("[No author name available]"),
                name("[Anonymous]"),
                name("Smith, J."),
                name("[Working Group on Care]"),
            ],
            ..Record::default()
        });
        let families: Vec<&str> = parsed.records[0]
            .authors
            .iter()
            .map(|a| a.family.as_str())
            .collect();
        assert_eq!(families, ["Smith"]);
        assert!(is_placeholder_name("[Anonymous]"));
        assert!(!is_placeholder_name("[]"));
        assert!(!is_placeholder_name("['Smith, J']"));
    }
}
