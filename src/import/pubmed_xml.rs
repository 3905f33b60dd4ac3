//! PubMed XML (`<PubmedArticleSet>` of `<PubmedArticle>` and
//! `<PubmedBookArticle>`, as PubMed's "Save → XML" and E-utilities write it;
//! also old MEDLINE `<MedlineCitationSet>` files).
//!
//! This module also holds the small XML layer EndNote XML shares: each record
//! element is read with quick-xml into a little tree, which the format then
//! maps into a [`Record`]. The layer is tolerant, because one broken record
//! must not cost the others:
//! - an end tag that does not match closes the elements it skips over, and an
//!   end tag of an element around the record (`</PubmedArticleSet>` inside a
//!   `<PubmedArticle>`) ends the record there;
//! - after a syntax error the reader starts again at the next record start
//!   tag; records cut off by an error or by the end of the file keep what was
//!   read, with a problem.

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};

use super::fields::{expand_pages, is_pmid};
use super::{Author, Parsed, Record, normalise_doi, parse_year};

/// How much of the start of a file [`looks_like`] inspects.
const SNIFF_BYTES: usize = 8192;

/// The elements that are records in PubMed XML.
const RECORDS: RecordNames = RecordNames {
    anywhere: &["PubmedArticle", "PubmedBookArticle"],
    top_level: &["MedlineCitation"],
};

/// True if the start of the text names PubMed's XML elements or DOCTYPE.
pub fn looks_like(text: &str) -> bool {
    let head = head(text, SNIFF_BYTES);
    [
        "<PubmedArticleSet",
        "<PubmedArticle>",
        "<PubmedArticle ",
        "<PubmedBookArticleSet",
        "<PubmedBookArticle>",
        "<MedlineCitationSet",
        "<!DOCTYPE PubmedArticleSet",
    ]
    .iter()
    .any(|mark| head.contains(mark))
}

/// Parses PubMed XML into records; see the module notes for broken files.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for record in read_records(text, &RECORDS, &mut parsed) {
        parsed.accept(build(&record.element, record.line));
    }
    parsed.problems.sort_by_key(|p| p.line);
    parsed
}

/// The first `max` bytes of the text, cut back to a character boundary.
pub(super) fn head(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

fn build(root: &Element, line: usize) -> Record {
    match root.name.as_str() {
        "PubmedBookArticle" => build_book(root, line),
        "MedlineCitation" => build_article(root, None, line),
        _ => {
            let citation = root.child("MedlineCitation").unwrap_or(root);
            build_article(citation, root.child("PubmedData"), line)
        }
    }
}

/// A journal article: `MedlineCitation` and the `PubmedData` beside it.
fn build_article(citation: &Element, data: Option<&Element>, line: usize) -> Record {
    let empty = Element::default();
    let article = citation.child("Article").unwrap_or(&empty);
    let journal = article.child("Journal").unwrap_or(&empty);
    let issue = journal.child("JournalIssue").unwrap_or(&empty);
    let article_ids = data.and_then(|d| d.child("ArticleIdList"));

    let mut title = article.text_at(&["ArticleTitle"]);
    if title.is_empty() {
        title = article.text_at(&["VernacularTitle"]);
    }
    let mut abstract_text = abstract_of(article.child("Abstract"));
    if abstract_text.is_empty() {
        abstract_text = abstract_of(citation.child("OtherAbstract"));
    }
    let journal_abbrev = match journal.text_at(&["ISOAbbreviation"]) {
        abbrev if abbrev.is_empty() => citation.text_at(&["MedlineJournalInfo", "MedlineTA"]),
        abbrev => abbrev,
    };
    let mut journal_title = journal.text_at(&["Title"]);
    if journal_title.is_empty() {
        journal_title = journal_abbrev.clone();
    }
    let year = pub_date_year(issue.child("PubDate")).or_else(|| {
        article
            .children("ArticleDate")
            .find_map(|d| parse_year(&d.text_at(&["Year"])))
    });
    let pmid = id_of(citation.child("PMID"), article_ids, "pubmed");
    let doi = doi_of(article, article_ids);
    let (start_page, end_page) = pagination(article.child("Pagination"));
    let mut keywords = keyword_lists(citation);
    keywords.extend(mesh_headings(citation));
    let url = article_ids
        .into_iter()
        .flat_map(|ids| ids.children("ArticleId"))
        .find(|id| id.attr("IdType") == Some("url"))
        .map(|id| id.text())
        .unwrap_or_default();

    Record {
        authors: authors(article.child("AuthorList")),
        title,
        year,
        journal: journal_title,
        journal_abbrev,
        volume: issue.text_at(&["Volume"]),
        issue: issue.text_at(&["Issue"]),
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text,
        keywords,
        url,
        language: article.text_at(&["Language"]),
        kind: article.text_at(&["PublicationTypeList", "PublicationType"]),
        notes: citation
            .children("GeneralNote")
            .map(Element::text)
            .filter(|n| !n.is_empty())
            .collect(),
        line,
    }
}

/// A book or book chapter from the NCBI Bookshelf.
fn build_book(root: &Element, line: usize) -> Record {
    let empty = Element::default();
    let document = root.child("BookDocument").unwrap_or(&empty);
    let book = document.child("Book").unwrap_or(&empty);
    let ids = document.child("ArticleIdList");
    let data_ids = root
        .child("PubmedBookData")
        .and_then(|d| d.child("ArticleIdList"));

    // A chapter has its own title inside the book; a whole book only the
    // book title.
    let book_title = book.text_at(&["BookTitle"]);
    let (title, container) = match document.text_at(&["ArticleTitle"]) {
        t if t.is_empty() => (book_title, book.text_at(&["CollectionTitle"])),
        t => (t, book_title),
    };
    let author_list = |e: &Element| {
        e.children("AuthorList")
            .find(|list| list.attr("Type").is_none_or(|t| t == "authors"))
            .map(|list| authors(Some(list)))
    };
    let pmid = match id_of(document.child("PMID"), ids, "pubmed") {
        pmid if pmid.is_empty() => id_of(None, data_ids, "pubmed"),
        pmid => pmid,
    };
    let doi = match doi_of(document, ids) {
        doi if doi.is_empty() => doi_of(book, data_ids),
        doi => doi,
    };
    let (start_page, end_page) = pagination(document.child("Pagination"));

    Record {
        authors: author_list(document)
            .filter(|a| !a.is_empty())
            .or_else(|| author_list(book))
            .unwrap_or_default(),
        title,
        year: pub_date_year(book.child("PubDate")),
        journal: container,
        journal_abbrev: String::new(),
        volume: book.text_at(&["Volume"]),
        issue: String::new(),
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text: abstract_of(document.child("Abstract")),
        keywords: keyword_lists(document),
        url: String::new(),
        language: document.text_at(&["Language"]),
        kind: document.text_at(&["PublicationType"]),
        notes: Vec::new(),
        line,
    }
}

/// Structured abstracts (several `AbstractText` with a `Label`) are joined
/// as `LABEL: text` parts separated by one space, as PubMed's own MEDLINE
/// export writes them, so the XML and .nbib of one article agree.
fn abstract_of(element: Option<&Element>) -> String {
    let Some(element) = element else {
        return String::new();
    };
    element
        .children("AbstractText")
        .filter_map(|part| {
            let text = part.text();
            match part.attr("Label").map(str::trim) {
                Some(label)
                    if !label.is_empty()
                        && !text.is_empty()
                        && !["UNLABELLED", "UNASSIGNED"].contains(&label) =>
                {
                    Some(format!("{label}: {text}"))
                }
                _ => (!text.is_empty()).then_some(text),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn authors(list: Option<&Element>) -> Vec<Author> {
    let Some(list) = list else {
        return Vec::new();
    };
    list.children("Author")
        // PubMed keeps misspelt names it has corrected as ValidYN="N".
        .filter(|a| a.attr("ValidYN") != Some("N"))
        .filter_map(|a| {
            let family = a.text_at(&["LastName"]);
            if family.is_empty() {
                let group = a.text_at(&["CollectiveName"]);
                return (!group.is_empty()).then_some(Author {
                    family: group,
                    given: String::new(),
                });
            }
            let mut given = a.text_at(&["ForeName"]);
            if given.is_empty() {
                given = a.text_at(&["Initials"]);
            }
            let suffix = a.text_at(&["Suffix"]);
            if !suffix.is_empty() {
                given = format!("{given} {suffix}").trim().to_string();
            }
            Some(Author { family, given })
        })
        .collect()
}

/// `Year`, else the first year in `MedlineDate` (`1998 Dec-1999 Jan`).
fn pub_date_year(date: Option<&Element>) -> Option<u16> {
    let date = date?;
    parse_year(&date.text_at(&["Year"])).or_else(|| parse_year(&date.text_at(&["MedlineDate"])))
}

fn pagination(element: Option<&Element>) -> (String, String) {
    let Some(element) = element else {
        return (String::new(), String::new());
    };
    let medline = element.text_at(&["MedlinePgn"]);
    if medline.is_empty() {
        (
            element.text_at(&["StartPage"]),
            element.text_at(&["EndPage"]),
        )
    } else {
        expand_pages(&medline)
    }
}

/// The record's own identifier: its `PMID` element, else the `ArticleId`
/// of that type.
fn id_of(own: Option<&Element>, ids: Option<&Element>, kind: &str) -> String {
    own.map(Element::text)
        .filter(|id| is_pmid(id))
        .or_else(|| {
            ids?.children("ArticleId")
                .filter(|id| id.attr("IdType") == Some(kind))
                .map(Element::text)
                .find(|id| is_pmid(id))
        })
        .unwrap_or_default()
}

/// A valid `ELocationID EIdType="doi"`, else the `ArticleId IdType="doi"` of
/// the record itself (not of its cited references).
fn doi_of(holder: &Element, ids: Option<&Element>) -> String {
    holder
        .children("ELocationID")
        .filter(|e| e.attr("EIdType") == Some("doi") && e.attr("ValidYN") != Some("N"))
        .chain(
            ids.into_iter()
                .flat_map(|ids| ids.children("ArticleId"))
                .filter(|id| id.attr("IdType") == Some("doi")),
        )
        .map(|e| normalise_doi(&e.text()))
        .find(|doi| !doi.is_empty())
        .unwrap_or_default()
}

fn keyword_lists(holder: &Element) -> Vec<String> {
    holder
        .children("KeywordList")
        .flat_map(|list| list.children("Keyword"))
        .map(Element::text)
        .filter(|k| !k.is_empty())
        .collect()
}

/// MeSH headings written as MEDLINE's `MH` lines are
/// (`Descriptor/qualifier/*major qualifier`), so both exports give the same
/// keywords.
fn mesh_headings(citation: &Element) -> Vec<String> {
    citation
        .children("MeshHeadingList")
        .flat_map(|list| list.children("MeshHeading"))
        .filter_map(|heading| {
            let mut text = heading.text_at(&["DescriptorName"]);
            if text.is_empty() {
                return None;
            }
            for qualifier in heading.children("QualifierName") {
                let star = if qualifier.attr("MajorTopicYN") == Some("Y") {
                    "*"
                } else {
                    ""
                };
                text.push_str(&format!("/{star}{}", qualifier.text()));
            }
            Some(text)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The XML layer shared with EndNote XML.

/// One element of a record, with its attributes and content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Element {
    /// Local name, without a namespace prefix.
    pub(super) name: String,
    attrs: Vec<(String, String)>,
    content: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn new(start: &BytesStart<'_>) -> Element {
        let attrs = start
            .attributes()
            .with_checks(false)
            .filter_map(Result::ok)
            .map(|a| {
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| a.value.to_string());
                (local(a.key.as_ref()).to_string(), value)
            })
            .collect();
        Element {
            name: local(start.name().as_ref()).to_string(),
            attrs,
            content: Vec::new(),
        }
    }

    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Child elements with this name.
    pub(super) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.content.iter().filter_map(move |node| match node {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.content.iter().find_map(|node| match node {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    /// Every element at the end of a path of child names.
    pub(super) fn all_at<'a>(&'a self, path: &[&str]) -> Vec<&'a Element> {
        let mut level = vec![self];
        for &name in path {
            level = level
                .into_iter()
                .flat_map(|e| &e.content)
                .filter_map(|node| match node {
                    Node::Element(e) if e.name == name => Some(e),
                    _ => None,
                })
                .collect();
        }
        level
    }

    /// The first non-empty text at the end of a path, whitespace collapsed.
    pub(super) fn text_at(&self, path: &[&str]) -> String {
        self.all_at(path)
            .into_iter()
            .map(Element::text)
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    }

    /// All the text inside, inline markup (`<i>`, `<style>`, MathML)
    /// flattened, runs of whitespace made one space, trimmed.
    pub(super) fn text(&self) -> String {
        self.raw_text()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// All the text inside, as written, except the line breaks and
    /// indentation between elements of a pretty-printed file.
    pub(super) fn raw_text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for node in &self.content {
            match node {
                Node::Text(t) if t.contains('\n') && t.trim().is_empty() => {}
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some(Node::Text(last)) = self.content.last_mut() {
            last.push_str(text);
        } else {
            self.content.push(Node::Text(text.to_string()));
        }
    }
}

/// `mml:math` → `math`.
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

/// Which elements are records: `anywhere` ones start a record wherever they
/// occur (and a second one ends a record left open); `top_level` ones only
/// outside a record (MEDLINE's `MedlineCitation` is a record on its own but
/// part of a `PubmedArticle`).
pub(super) struct RecordNames {
    pub(super) anywhere: &'static [&'static str],
    pub(super) top_level: &'static [&'static str],
}

impl RecordNames {
    fn all(&self) -> impl Iterator<Item = &'static str> {
        self.anywhere.iter().chain(self.top_level).copied()
    }
}

/// One record element as read.
pub(super) struct XmlRecord {
    pub(super) element: Element,
    /// 1-based line of its start tag.
    pub(super) line: usize,
}

/// Byte offset → 1-based line.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(text.match_indices('\n').map(|(at, _)| at).collect())
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&newline| newline < offset) + 1
    }
}

/// A record being read: its open elements, the record element first.
struct Open {
    line: usize,
    stack: Vec<Element>,
    /// Whether nesting beyond [`MAX_DEPTH`] has been reported.
    too_deep: bool,
}

/// How deep elements inside one record may nest. Real records go about ten
/// levels deep; the limit keeps the recursive text walk (and drop) of a
/// pathological file from overflowing the stack.
const MAX_DEPTH: usize = 200;

impl Open {
    fn name(&self) -> &str {
        self.stack.first().map_or("", |e| e.name.as_str())
    }

    /// Closes every open element into its parent and returns the record.
    fn finish(mut self) -> XmlRecord {
        while self.stack.len() > 1 {
            self.close_top();
        }
        XmlRecord {
            element: self.stack.pop().unwrap_or_default(),
            line: self.line,
        }
    }

    fn close_top(&mut self) {
        if let Some(done) = self.stack.pop() {
            match self.stack.last_mut() {
                Some(parent) => parent.content.push(Node::Element(done)),
                None => self.stack.push(done),
            }
        }
    }
}

/// Reads every record element of `names` in the text. Problems with the XML
/// go into `parsed`; records cut off by them are returned with what was read.
pub(super) fn read_records(text: &str, names: &RecordNames, parsed: &mut Parsed) -> Vec<XmlRecord> {
    let mut state = State {
        names,
        lines: Lines::new(text),
        open: None,
        outer: Vec::new(),
        out: Vec::new(),
        parsed,
    };
    let mut base = 0;
    while let Some(rest) = text.get(base..) {
        let mut reader = Reader::from_str(rest);
        let config = reader.config_mut();
        // End tags are matched by `State`, with recovery, not by quick-xml.
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
        let offset = |position: u64| base.saturating_add(usize::try_from(position).unwrap_or(0));
        loop {
            let at = offset(reader.buffer_position());
            match reader.read_event() {
                Ok(Event::Start(e)) => state.start(&e, false, at),
                Ok(Event::Empty(e)) => state.start(&e, true, at),
                Ok(Event::End(e)) => state.end(local(e.name().as_ref()), at),
                Ok(Event::Text(t)) => state.text(&t.xml10_content()),
                Ok(Event::CData(t)) => state.text(&t.xml10_content()),
                Ok(Event::GeneralRef(r)) => state.text(&resolve_reference(&r)),
                Ok(Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_)) => {}
                Ok(Event::Eof) => {
                    state.eof();
                    return state.out;
                }
                Err(err) => {
                    let at = offset(reader.error_position()).max(at);
                    match state.error(&err.to_string(), text, at) {
                        Some(next) => {
                            base = next;
                            break;
                        }
                        None => return state.out,
                    }
                }
            }
        }
    }
    state.out
}

/// Where [`read_records`] is: the record being read, the elements open
/// around it, and what it has found.
struct State<'p> {
    names: &'p RecordNames,
    lines: Lines,
    open: Option<Open>,
    /// Names of the elements open outside any record.
    outer: Vec<String>,
    out: Vec<XmlRecord>,
    parsed: &'p mut Parsed,
}

impl State<'_> {
    fn start(&mut self, tag: &BytesStart<'_>, empty: bool, at: usize) {
        let element = Element::new(tag);
        let name = element.name.as_str();
        let starts_record = self.names.anywhere.contains(&name)
            || (self.open.is_none() && self.names.top_level.contains(&name));
        if starts_record {
            let line = self.lines.line(at);
            if let Some(left) = self.open.take() {
                self.parsed.problem(
                    left.line,
                    format!(
                        "<{}> has no closing tag before the next <{name}> at line {line}; kept the fields read",
                        left.name()
                    ),
                );
                self.out.push(left.finish());
            }
            let record = Open {
                line,
                stack: vec![element],
                too_deep: false,
            };
            if empty {
                self.out.push(record.finish());
            } else {
                self.open = Some(record);
            }
        } else if let Some(open) = self.open.as_mut() {
            if open.stack.len() >= MAX_DEPTH {
                // Deeper elements are read as part of their ancestor's text,
                // so the tree stays shallow enough to walk and drop.
                if !open.too_deep {
                    open.too_deep = true;
                    let line = self.lines.line(at);
                    self.parsed.problem(
                        line,
                        format!("elements nested more than {MAX_DEPTH} deep; their text was kept, their structure ignored"),
                    );
                }
                return;
            }
            open.stack.push(element);
            if empty {
                open.close_top();
            }
        } else if !empty {
            self.outer.push(element.name);
        }
    }

    fn end(&mut self, name: &str, at: usize) {
        let Some(mut open) = self.open.take() else {
            if let Some(depth) = self.outer.iter().rposition(|n| n == name) {
                self.outer.truncate(depth);
            }
            return;
        };
        match open.stack.iter().rposition(|e| e.name == name) {
            Some(0) => self.out.push(open.finish()),
            // Closes the elements left open inside it too.
            Some(depth) => {
                while open.stack.len() > depth {
                    open.close_top();
                }
                self.open = Some(open);
            }
            None => match self.outer.iter().rposition(|n| n == name) {
                Some(depth) => {
                    self.parsed.problem(
                        open.line,
                        format!(
                            "<{}> has no closing tag before </{name}> at line {}; kept the fields read",
                            open.name(),
                            self.lines.line(at)
                        ),
                    );
                    self.outer.truncate(depth);
                    self.out.push(open.finish());
                }
                // A stray end tag inside the record: nothing to close.
                None => self.open = Some(open),
            },
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(top) = self.open.as_mut().and_then(|o| o.stack.last_mut()) {
            top.push_text(text);
        }
    }

    fn eof(&mut self) {
        if let Some(left) = self.open.take() {
            self.parsed.problem(
                left.line,
                format!(
                    "<{}> has no closing tag before the end of the file (truncated?); kept the fields read",
                    left.name()
                ),
            );
            self.out.push(left.finish());
        }
    }

    /// Reports a syntax error at byte `at`; returns where to read on from.
    fn error(&mut self, err: &str, text: &str, at: usize) -> Option<usize> {
        let line = self.lines.line(at);
        if let Some(cut) = self.open.take() {
            self.parsed.problem(
                cut.line,
                format!(
                    "<{}> is cut off by the XML error at line {line}; kept the fields read before it",
                    cut.name()
                ),
            );
            self.out.push(cut.finish());
        }
        self.outer.clear();
        match next_record_start(text, at + 1, self.names) {
            Some((next, name)) => {
                self.parsed.problem(
                    line,
                    format!(
                        "XML error: {err}; reading goes on at the next <{name}> (line {})",
                        self.lines.line(next)
                    ),
                );
                Some(next)
            }
            None => {
                self.parsed
                    .problem(line, format!("XML error: {err}; no record starts after it"));
                None
            }
        }
    }
}

/// `&amp;`, `&#x2019;` …; HTML names that turn up in exports; anything else
/// is kept as written.
fn resolve_reference(reference: &str) -> String {
    if let Some(number) = reference.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse().ok(),
        };
        if let Some(c) = code.and_then(char::from_u32).filter(|&c| c != '\0') {
            return c.to_string();
        }
    } else if let Some(resolved) = resolve_xml_entity(reference) {
        return resolved.to_string();
    } else {
        let html = match reference {
            "nbsp" => Some("\u{a0}"),
            "ndash" => Some("–"),
            "mdash" => Some("—"),
            "lsquo" => Some("‘"),
            "rsquo" => Some("’"),
            "ldquo" => Some("“"),
            "rdquo" => Some("”"),
            "hellip" => Some("…"),
            "deg" => Some("°"),
            "plusmn" => Some("±"),
            "times" => Some("×"),
            "micro" => Some("µ"),
            _ => None,
        };
        if let Some(s) = html {
            return s.to_string();
        }
    }
    format!("&{reference};")
}

/// The first record start tag at or after byte `from`: its offset and name.
fn next_record_start(
    text: &str,
    from: usize,
    names: &RecordNames,
) -> Option<(usize, &'static str)> {
    let mut from = from;
    while from < text.len() && !text.is_char_boundary(from) {
        from += 1;
    }
    let rest = text.get(from..)?;
    names
        .all()
        .filter_map(|name| {
            let pattern = format!("<{name}");
            rest.match_indices(&pattern)
                .find(|(at, _)| {
                    rest.get(at + pattern.len()..)
                        .and_then(|after| after.chars().next())
                        .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
                })
                .map(|(at, _)| (from + at, name))
        })
        .min_by_key(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{check_parser, fixture, one, titles};
    use crate::import::{Format, decode, detect};
    use proptest::prelude::*;

    const NBIB: &str = fixture!("pubmed-xml/jabref__MedlineImporterTestNbib.xml");
    const ITALICS: &str = fixture!("pubmed-xml/jabref__MedlineImporterTestArticleItalics.xml");
    const BOOKS: &str = fixture!("pubmed-xml/jabref__MedlineImporterTestBookArticleSet.xml");
    const MALFORMED: &str = fixture!("pubmed-xml/jabref__MedlineImporterTestMalformedEntry.xml");

    fn article(body: &str) -> String {
        format!(
            "<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation>\n{body}\n</MedlineCitation>\n</PubmedArticle>\n</PubmedArticleSet>\n"
        )
    }

    #[test]
    fn article_and_book_from_one_file() {
        assert_eq!(detect(NBIB), Some(Format::PubmedXml));
        let parsed = parse(NBIB);
        assert_eq!(parsed.records.len(), 2, "{:?}", parsed.problems);
        let r = &parsed.records[0];
        assert_eq!(r.line, 4);
        assert_eq!(r.pmid, "23633646");
        assert!(
            r.title
                .starts_with("Predictors of treatment failure, incipient")
        );
        assert_eq!(r.journal, "Journal of endocrinological investigation");
        assert_eq!(r.journal_abbrev, "J. Endocrinol. Invest.");
        assert_eq!((r.volume.as_str(), r.issue.as_str()), ("36", "9"));
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("764", "769"));
        assert_eq!(r.year, Some(2013));
        assert_eq!(r.doi, "10.3275/8949");
        assert_eq!(
            r.abstract_text,
            "BACKGROUND: Just a dummy text. And another dummy"
        );
        assert_eq!(
            r.authors[0],
            Author {
                family: "Gibb".into(),
                given: "F W Jr".into()
            }
        );
        assert_eq!(r.authors[1].family, "Zamm itt");
        assert_eq!(r.authors.len(), 4);
        assert_eq!(r.language, "en");
        assert_eq!(r.kind, "Journal Article");
        assert_eq!(r.notes, ["a note"]);
        assert_eq!(r.url, "https://pubmed.ncbi.nlm.nih.gov/23633646/");
        assert_eq!(r.keywords[..3], ["keyword", "another keyword", "Female"]);
        assert!(
            r.keywords
                .contains(&"Iodine Radioisotopes/adverse effects/*therapeutic use".to_string())
        );
        // Cited references' PMIDs (CommentsCorrections) are not the record's.
        assert!(!r.keywords.iter().any(|k| k.contains("18519880")));

        let book = &parsed.records[1];
        assert_eq!(book.pmid, "21413195");
        // A whole book: its title, and the collection it belongs to.
        assert_eq!(
            book.title,
            "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"
        );
        assert_eq!(
            book.journal,
            "National Institute for Health and Clinical Excellence: Guidance"
        );
        assert_eq!(book.abstract_text, "just a dummy.");
        assert_eq!(
            book.authors,
            vec![Author {
                family: "National Collaborating Centre for Chronic Conditions (UK)".into(),
                given: String::new()
            }]
        );
        assert_eq!(book.year, Some(2009));
        assert_eq!(book.doi, "");
        assert_eq!(book.kind, "Review");
    }

    #[test]
    fn inline_markup_and_entities_are_flattened() {
        let r = one(parse, ITALICS);
        assert_eq!(
            r.title,
            "Genome-wide significant risk factors on chromosome 19 and the APOE locus."
        );
        assert!(
            r.abstract_text
                .starts_with("The apolipoprotein E ( APOE) gene")
        );
        assert!(r.abstract_text.contains("rs4147929:G>A"));
        assert!(r.abstract_text.contains("APOE-Ɛ2 and"));
        assert!(
            r.keywords
                .contains(&"late onset Alzheimer’s disease".to_string())
        );
        assert_eq!(r.pmid, "29872490");
        assert_eq!(r.doi, "10.18632/oncotarget.25083");
        assert_eq!(
            (r.start_page.as_str(), r.end_page.as_str()),
            ("24590", "24600")
        );
    }

    #[test]
    fn book_article_set() {
        let parsed = parse(BOOKS);
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].line, 2);
        let chapter = &parsed.records[0];
        assert_eq!(chapter.title, "Title for some article");
        assert_eq!(
            chapter.journal,
            "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"
        );
        assert_eq!(chapter.doi, "10.3275/8949");
        assert_eq!(parsed.records[1].line, 67);
        assert_eq!(parsed.records[1].start_page, "1831");
        assert_eq!(parsed.problems, vec![]);
    }

    #[test]
    fn malformed_entry_loads_nothing_and_says_where() {
        assert_eq!(detect(MALFORMED), Some(Format::PubmedXml));
        let parsed = parse(MALFORMED);
        assert_eq!(parsed.records, vec![]);
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.line == 2 && p.message.contains("</PubmedArticleSet> at line 4")),
            "{:?}",
            parsed.problems
        );
    }

    #[test]
    fn syntax_error_skips_to_the_next_article() {
        let text = "<PubmedArticleSet>\n\
            <PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation></PubmedArticle>\n\
            <PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle a=\"x>T</ArticleTitle>\n\
            </Article></MedlineCitation></PubmedArticle>\n\
            <PubmedArticle><MedlineCitation><PMID>3</PMID></MedlineCitation></PubmedArticle>\n\
            </PubmedArticleSet>\n";
        let parsed = parse(text);
        let pmids: Vec<&str> = parsed.records.iter().map(|r| r.pmid.as_str()).collect();
        assert_eq!(pmids, ["1", "2", "3"]);
        assert_eq!(parsed.records[2].line, 5);
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.line == 3 && p.message.starts_with("XML error")),
            "{:?}",
            parsed.problems
        );
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.message.contains("cut off"))
        );
    }

    #[test]
    fn truncated_file_keeps_what_was_read() {
        let text = article("<PMID>7</PMID><Article><ArticleTitle>Done</ArticleTitle></Article>")
            + "<PubmedArticle><MedlineCitation><PMID>8</PMID><Article><ArticleTitle>Half";
        let parsed = parse(&text);
        assert_eq!(titles(&parsed), ["Done", "Half"]);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 8);
        assert!(parsed.problems[0].message.contains("end of the file"));
    }

    #[test]
    fn medline_date_collective_name_and_invalid_author() {
        let r = one(
            parse,
            &article(
                "<PMID Version=\"1\">12</PMID><Article><Journal><JournalIssue><PubDate>\
             <MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue></Journal>\
             <ArticleTitle>[Not translated]</ArticleTitle>\
             <AuthorList><Author ValidYN=\"N\"><LastName>Wrong</LastName></Author>\
             <Author><LastName>Doe</LastName><Initials>JA</Initials></Author>\
             <Author><CollectiveName>The <i>X</i> Group</CollectiveName></Author></AuthorList>\
             <Abstract><AbstractText Label=\"AIM\">a</AbstractText><AbstractText Label=\"RESULTS\">b &lt; c</AbstractText></Abstract>\
             </Article><MedlineJournalInfo><MedlineTA>J Abbr</MedlineTA></MedlineJournalInfo>",
            ),
        );
        assert_eq!(r.year, Some(1998));
        let names: Vec<(&str, &str)> = r
            .authors
            .iter()
            .map(|a| (a.family.as_str(), a.given.as_str()))
            .collect();
        assert_eq!(names, [("Doe", "JA"), ("The X Group", "")]);
        assert_eq!(r.abstract_text, "AIM: a RESULTS: b < c");
        assert_eq!(
            (r.journal.as_str(), r.journal_abbrev.as_str()),
            ("J Abbr", "J Abbr")
        );
        assert_eq!(r.line, 2);
    }

    #[test]
    fn cited_references_do_not_lend_their_ids() {
        let r = one(
            parse,
            "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>5</PMID>\
             <CommentsCorrectionsList><CommentsCorrections><PMID>6</PMID></CommentsCorrections></CommentsCorrectionsList>\
             <Article><ArticleTitle>T</ArticleTitle></Article></MedlineCitation>\
             <PubmedData><ReferenceList><Reference><ArticleIdList><ArticleId IdType=\"doi\">10.9/ref</ArticleId>\
             </ArticleIdList></Reference></ReferenceList>\
             <ArticleIdList><ArticleId IdType=\"doi\">10.9/own</ArticleId></ArticleIdList></PubmedData>\
             </PubmedArticle></PubmedArticleSet>",
        );
        assert_eq!((r.pmid.as_str(), r.doi.as_str()), ("5", "10.9/own"));
    }

    #[test]
    fn old_medline_citation_set() {
        let text = "<MedlineCitationSet>\n<MedlineCitation Owner=\"NLM\"><PMID>9</PMID>\
                    <Article><ArticleTitle>Old</ArticleTitle></Article></MedlineCitation>\n</MedlineCitationSet>";
        assert!(looks_like(text));
        let r = one(parse, text);
        assert_eq!((r.pmid.as_str(), r.title.as_str(), r.line), ("9", "Old", 2));
    }

    #[test]
    fn empty_article_is_dropped_with_a_problem() {
        let parsed = parse(
            "<PubmedArticleSet>\n<PubmedArticle>\n</PubmedArticle>\n<PubmedArticle/>\n</PubmedArticleSet>",
        );
        assert_eq!(parsed.records, vec![]);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn line_numbers_after_multibyte_text() {
        let text = "<PubmedArticleSet>\n<!-- é — ü -->\n\n<PubmedArticle><MedlineCitation><PMID>4</PMID></MedlineCitation></PubmedArticle>";
        assert_eq!(one(parse, text).line, 4);
    }

    #[test]
    fn very_deep_nesting_is_flattened_not_a_crash() {
        let deep = format!(
            "<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>{}deep{}</ArticleTitle></Article></MedlineCitation></PubmedArticle>",
            "<i>".repeat(100_000),
            "</i>".repeat(100_000)
        );
        let parsed = parse(&deep);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].title, "deep");
        assert_eq!(parsed.records[0].pmid, "3");
        assert_eq!(parsed.problems.len(), 1);
        assert!(parsed.problems[0].message.contains("nested more than"));
    }

    #[test]
    fn looks_like_pubmed_xml() {
        assert!(looks_like(NBIB));
        assert!(looks_like("<?xml version=\"1.0\"?>\n<PubmedArticleSet>"));
        assert!(!looks_like("<xml><records><record>"));
        assert!(!looks_like("PMID- 1\n"));
        let late = format!("{}<PubmedArticleSet>", " ".repeat(SNIFF_BYTES));
        assert!(!looks_like(&late));
        // The sniff window never splits a character.
        let wide = "é".repeat(SNIFF_BYTES);
        assert!(!looks_like(&wide));
    }

    fn xml_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<PubmedArticle>".to_string()),
            Just("</PubmedArticle>".to_string()),
            Just("<PubmedBookArticle>".to_string()),
            Just("<MedlineCitation>".to_string()),
            Just("</MedlineCitation>".to_string()),
            Just("<PMID>1</PMID>".to_string()),
            Just("<ArticleTitle>".to_string()),
            Just("</ArticleTitle>".to_string()),
            Just("<AbstractText Label=\"A\">".to_string()),
            Just("</PubmedArticleSet>".to_string()),
            Just("&lt;&#x2019;&nbsp;&zz;&#99999999;".to_string()),
            Just("<![CDATA[".to_string()),
            Just("<?pi".to_string()),
            Just("<a b=\"".to_string()),
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
