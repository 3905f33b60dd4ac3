//! BibTeX and BibLaTeX, as JabRef, Zotero/Better BibTeX, Mendeley, Google
//! Scholar, Web of Science, Scopus, publishers and biblatex users write them.
//!
//! Our own tolerant reader ([`syntax`]) rather than a crate: the `biblatex`
//! crate fails a whole file on one bad entry, and a reviewer's export must
//! load every intact entry. Values are then decoded from LaTeX ([`latex`]),
//! names split the BibTeX way ([`names`]), and fields inherited through
//! `crossref`/`xdata` before being mapped into a [`Record`]:
//! - journal from `journaltitle`/`journal`, else `booktitle` (conference
//!   papers and chapters), abbreviation from `shortjournal`/`journal-iso`;
//! - issue from `issue`, or `number` in a journal (a report's or a book's
//!   `number` is not an issue); year from `year` or BibLaTeX `date`;
//! - PMID from `pmid` or `eprint` with `eprinttype = {pubmed}`;
//! - notes from `note`, `annote` and `annotation`; kind is the entry type.

mod latex;
mod names;
mod syntax;

use std::collections::{HashMap, HashSet};

use super::fields::{doi_from_url, first_url, is_pmid, split_pages};
use super::{Parsed, Record, normalise_doi, parse_year};
use latex::{decode, verbatim};
use syntax::{Entry, label};

/// How many non-blank lines [`looks_like`] inspects.
const SNIFF_LINES: usize = 100;

/// True if an `@type{` or `@type(` line (an entry, `@string`, `@comment`)
/// is near the top and the file is not RIS or EndNote tagged text.
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .take(SNIFF_LINES)
        .any(is_entry_line)
        && !super::ris::looks_like(text)
        && !super::enw::looks_like(text)
}

fn is_entry_line(line: &str) -> bool {
    let line = line.trim_start();
    let line = syntax::after_encoding_header(line).unwrap_or(line);
    let Some(rest) = line.strip_prefix('@') else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_-:.".contains(b))
        .count();
    let Some((name, after)) = rest.split_at_checked(name_len) else {
        return false;
    };
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && after
            .trim_start_matches([' ', '\t'])
            .starts_with(['{', '('])
}

/// Parses the whole file; bad entries are reported and skipped.
pub fn parse(text: &str) -> Parsed {
    let (entries, problems) = syntax::read(text);
    let mut parsed = Parsed {
        records: Vec::with_capacity(entries.len()),
        problems,
    };
    report_duplicate_keys(&entries, &mut parsed);
    let inherited = inherit(&entries, &mut parsed, text.len());
    for (entry, fields) in entries.iter().zip(inherited) {
        parsed.accept(build(entry, &fields));
    }
    parsed.problems.sort_by_key(|p| p.line);
    parsed
}

/// Both entries are kept: each is a record in its own right, and which one
/// a `crossref` means is the first, as in BibTeX.
fn report_duplicate_keys(entries: &[Entry], parsed: &mut Parsed) {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for entry in entries.iter().filter(|e| !e.key.is_empty()) {
        match first_line.get(&entry.key.to_lowercase()) {
            Some(&line) => parsed.problem(
                entry.line,
                format!(
                    "{} uses the same key as the entry at line {line}; both kept",
                    label(&entry.key)
                ),
            ),
            None => {
                first_line.insert(entry.key.to_lowercase(), entry.line);
            }
        }
    }
}

/// Fields never inherited (biber's defaults): they belong to one entry.
const NOT_INHERITED: [&str; 17] = [
    "crossref",
    "xref",
    "xdata",
    "ids",
    "entryset",
    "entrysubtype",
    "execute",
    "label",
    "options",
    "presort",
    "related",
    "relatedoptions",
    "relatedstring",
    "relatedtype",
    "shorthand",
    "shorthandintro",
    "sortkey",
];

/// Entry types that are whole works, so a parent's title stays their title
/// and their own `booktitle` is not a container.
const WHOLE_WORKS: [&str; 9] = [
    "book",
    "collection",
    "proceedings",
    "reference",
    "mvbook",
    "mvcollection",
    "mvproceedings",
    "mvreference",
    "periodical",
];

/// Limit on the crossref/xdata chain followed from one entry.
const MAX_ANCESTORS: usize = 32;

/// Limit on the crossref/xdata keys looked at from one entry, found or not:
/// real entries name one or a few, and a list of thousands must not be
/// walked again for every child.
const MAX_LINKS: usize = 64;

#[derive(Clone, Copy, PartialEq)]
enum Link {
    Crossref,
    Xdata,
}

/// Each entry's fields plus those inherited through `crossref` (with
/// biber's title mapping: a book's or proceedings' title becomes the
/// child's `booktitle`, a periodical's its `journaltitle`, a multi-volume
/// work's its `maintitle`) and `xdata` (every field as is). Chains are
/// followed; cycles stop.
fn inherit(entries: &[Entry], parsed: &mut Parsed, len: usize) -> Vec<Vec<(String, String)>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        index.entry(entry.key.to_lowercase()).or_insert(i);
        // BibLaTeX `ids` are aliases a crossref may use.
        if let Some(ids) = field(&entry.fields, "ids") {
            for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
                index.entry(id.to_lowercase()).or_insert(i);
            }
        }
    }
    // Read once: a parent's link list is not re-split for every child.
    let all_links: Vec<Vec<(String, Link)>> = entries.iter().map(|e| links(&e.fields)).collect();
    // Copies of a parent's fields, like macro expansion, may not multiply
    // the file: a 1 MB abstract inherited by thousands of children would.
    let mut budget = syntax::budget_for(len);
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let mut fields = entry.fields.clone();
        // Names with a non-blank value: what a parent may no longer fill.
        let mut filled: HashSet<String> = fields
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(n, _)| n.clone())
            .collect();
        let mut visited = vec![i];
        let mut queue: Vec<(String, Link, bool)> = all_links
            .get(i)
            .into_iter()
            .flatten()
            .take(MAX_LINKS)
            .map(|(key, link)| (key.clone(), *link, true))
            .collect();
        let mut next = 0;
        while let Some((key, link, direct)) = queue.get(next).cloned() {
            next += 1;
            if visited.len() > MAX_ANCESTORS {
                break;
            }
            let Some(&j) = index.get(&key.to_lowercase()) else {
                if direct {
                    let name = if link == Link::Crossref {
                        "crossref"
                    } else {
                        "xdata"
                    };
                    parsed.problem(
                        entry.line,
                        format!(
                            "{}: {name} `{key}` is not in this file; nothing inherited from it",
                            label(&entry.key)
                        ),
                    );
                }
                continue;
            };
            if visited.contains(&j) {
                continue;
            }
            visited.push(j);
            let Some(parent) = entries.get(j) else {
                continue;
            };
            let wanted: Vec<(String, &String)> = parent
                .fields
                .iter()
                .filter(|(name, _)| !NOT_INHERITED.contains(&name.as_str()))
                .filter_map(|(name, value)| {
                    let target = match link {
                        Link::Crossref => inherited_name(name, &parent.kind, &entry.kind),
                        Link::Xdata => Some(name.clone()),
                    }?;
                    (!filled.contains(&target)).then_some((target, value))
                })
                .collect();
            let size: usize = wanted.iter().map(|(_, v)| v.len()).sum();
            if size > budget {
                let name = if link == Link::Crossref {
                    "crossref"
                } else {
                    "xdata"
                };
                parsed.problem(
                    entry.line,
                    format!(
                        "{}: {name} `{}`: its fields are not inherited, as copying them would \
                         pass the limit on inherited text (4 times the file's size plus 1 MiB)",
                        label(&entry.key),
                        parent.key
                    ),
                );
                continue;
            }
            budget -= size;
            for (target, value) in wanted {
                // A blank value fills nothing, as `field` skips it.
                if filled.contains(&target) {
                    continue;
                }
                if !value.trim().is_empty() {
                    filled.insert(target.clone());
                }
                fields.push((target, value.clone()));
            }
            let room = MAX_LINKS.saturating_sub(queue.len());
            queue.extend(all_links.get(j).into_iter().flatten().take(room).map(
                |(key, parent_link)| {
                    // A crossref reached through xdata is still a crossref
                    // of the child, and the other way round.
                    let link = if link == Link::Crossref {
                        Link::Crossref
                    } else {
                        *parent_link
                    };
                    (key.clone(), link, false)
                },
            ));
        }
        out.push(fields);
    }
    out
}

/// The crossref and xdata keys an entry names.
fn links(fields: &[(String, String)]) -> Vec<(String, Link)> {
    let mut out = Vec::new();
    for (name, value) in fields {
        let link = match name.as_str() {
            "crossref" => Link::Crossref,
            "xdata" => Link::Xdata,
            _ => continue,
        };
        for key in value.split(',') {
            let key = verbatim(key);
            if !key.trim().is_empty() {
                out.push((key.trim().to_string(), link));
            }
        }
    }
    out
}

/// The child's field a parent's field fills; `None` when it fills none.
fn inherited_name(name: &str, parent: &str, child: &str) -> Option<String> {
    let container = if parent == "periodical" {
        "journal"
    } else if parent.starts_with("mv") && WHOLE_WORKS.contains(&parent) {
        if child.starts_with("mv") { "" } else { "main" }
    } else if WHOLE_WORKS.contains(&parent) && !WHOLE_WORKS.contains(&child) {
        "book"
    } else {
        ""
    };
    match name {
        _ if container.is_empty() => Some(name.to_string()),
        "title" | "subtitle" | "titleaddon" => Some(format!("{container}{name}")),
        // The parent's short title would pass for the child's own.
        "shorttitle" => None,
        _ => Some(name.to_string()),
    }
}

/// The first non-blank value of a field.
fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(n, v)| n == name && !v.trim().is_empty())
        .map(|(_, v)| v.as_str())
}

fn build(entry: &Entry, f: &[(String, String)]) -> Record {
    let get = |names: &[&str]| names.iter().find_map(|name| field(f, name));
    let text = |names: &[&str]| get(names).map(decode).unwrap_or_default();

    let whole_work = WHOLE_WORKS.contains(&entry.kind.as_str());
    let mut title = text(&["title"]);
    // DBLP and conference sites give a volume (`@proceedings`) only a
    // `booktitle`: for a whole work that is its own title. In a paper
    // (`@inproceedings`) it stays the container, below.
    if title.is_empty() && whole_work {
        title = text(&["booktitle"]);
    }
    let subtitle = text(&["subtitle"]);
    if !subtitle.is_empty() {
        title = match title.chars().last() {
            None => subtitle,
            Some('.' | ':' | '?' | '!') => format!("{title} {subtitle}"),
            Some(_) => format!("{title}: {subtitle}"),
        };
    }

    let year = get(&["year"])
        .and_then(|y| parse_year(&decode(y)))
        .or_else(|| get(&["date"]).and_then(parse_year));

    let mut journal = text(&["journaltitle", "journal"]);
    if journal.is_empty() && !whole_work {
        journal = text(&["booktitle"]);
    }
    let journal_abbrev = text(&["shortjournal", "journal-iso", "journalabbrev"]);
    if journal.is_empty() {
        journal.clone_from(&journal_abbrev);
    }

    let (start_page, end_page) = split_pages(&text(&["pages"]), "");

    // `number` is a journal's issue, but a report's or standard's own number
    // and a book's number in its series.
    let in_journal = matches!(
        entry.kind.as_str(),
        "article" | "periodical" | "suppperiodical"
    ) || get(&["journaltitle", "journal"]).is_some();
    let issue = if in_journal {
        text(&["number", "issue"])
    } else {
        text(&["issue"])
    };

    let url = get(&["url"])
        .map(|u| first_url(&verbatim(u)))
        .or_else(|| get(&["howpublished"]).and_then(url_command))
        .unwrap_or_default();
    let doi = get(&["doi"])
        .map(|d| {
            normalise_doi(&verbatim(d))
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .filter(|d| !d.is_empty())
        .or_else(|| doi_from_url(&url))
        .unwrap_or_default();

    let eprint_pmid = get(&["eprinttype"])
        .map(|t| verbatim(t).to_lowercase())
        .filter(|t| t == "pubmed" || t == "pmid")
        .and_then(|_| get(&["eprint"]));
    let pmid = [get(&["pmid"]), get(&["pubmed_id"]), eprint_pmid]
        .into_iter()
        .flatten()
        .map(verbatim)
        .find(|p| is_pmid(p))
        .unwrap_or_default();

    let mut keywords: Vec<String> = Vec::new();
    // A set, so thousands of keywords are not compared pairwise.
    let mut seen: HashSet<String> = HashSet::new();
    for name in ["keywords", "author_keywords", "keyword"] {
        for value in f.iter().filter(|(n, _)| n == name) {
            for keyword in split_keywords(&value.1) {
                if seen.insert(keyword.clone()) {
                    keywords.push(keyword);
                }
            }
        }
    }

    let notes = f
        .iter()
        .filter(|(n, _)| matches!(n.as_str(), "note" | "annote" | "annotation"))
        .map(|(_, v)| decode(v))
        .filter(|v| !v.is_empty())
        .collect();

    Record {
        authors: get(&["author"]).map(names::parse).unwrap_or_default(),
        title,
        year,
        journal,
        journal_abbrev,
        volume: text(&["volume"]),
        issue,
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text: text(&["abstract"]),
        keywords,
        url,
        language: text(&["language", "langid"]),
        kind: entry.kind.clone(),
        notes,
        line: entry.line,
    }
}

/// The URL in `\url{...}` (how `howpublished` often carries one).
fn url_command(value: &str) -> Option<String> {
    let start = value.find("\\url{")? + "\\url{".len();
    let rest = value.get(start..)?;
    let url = verbatim(rest.get(..rest.find('}')?)?);
    (!url.is_empty()).then_some(url)
}

/// Keywords split at `;` when there is one outside braces (Web of Science,
/// Scopus, and MeSH terms that contain commas), else at `,` (BibLaTeX's
/// separator), then decoded.
fn split_keywords(raw: &str) -> Vec<String> {
    let mut level = 0usize;
    let mut has_semicolon = false;
    for c in raw.chars() {
        match c {
            '{' => level += 1,
            '}' => level = level.saturating_sub(1),
            ';' if level == 0 => has_semicolon = true,
            _ => {}
        }
    }
    let separator = if has_semicolon { ';' } else { ',' };
    let mut out = Vec::new();
    let mut start = 0;
    level = 0;
    for (i, c) in raw.char_indices() {
        match c {
            '{' => level += 1,
            '}' => level = level.saturating_sub(1),
            c if c == separator && level == 0 => {
                out.push(raw.get(start..i).unwrap_or_default());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(raw.get(start..).unwrap_or_default());
    out.into_iter()
        .map(decode)
        .filter(|k| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{
        author, check_parser, families, fixture, fixture_bytes, one, titles, utf16be,
    };
    use crate::import::{Format, Problem, decode as decode_bytes, detect};
    use proptest::prelude::*;

    const COMMENTS: &str = fixture!("bibtex/comments.bib");
    const JABREF: &str = fixture!("bibtex/jabref-examples.bib");
    const WOS: &[u8] = fixture_bytes!("bibtex/web-of-science.bib");
    const PUBMED: &str = fixture!("bibtex/pubmed-chatbot.bib");

    #[test]
    fn comments_and_commented_out_entries_are_ignored() {
        assert_eq!(detect(COMMENTS), Some(Format::Bibtex));
        let parsed = parse(COMMENTS);
        assert_eq!(parsed.problems, vec![]);
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [18, 27, 46, 59]);
        let roes = &parsed.records[2];
        assert_eq!(roes.title, "Belief in moralizing gods");
        assert_eq!(
            roes.authors,
            [author("Roes", "Frans L"), author("Raymond", "Michel")]
        );
        assert_eq!(roes.journal, "Evolution and human behavior");
        assert_eq!((roes.volume.as_str(), roes.issue.as_str()), ("24", "2"));
        assert_eq!(
            (roes.start_page.as_str(), roes.end_page.as_str()),
            ("126", "135")
        );
        assert_eq!(roes.doi, "10.1016/S1090-5138(02)00134-4");
        assert_eq!(roes.year, Some(2003));
        assert_eq!(roes.kind, "article");
        assert_eq!(
            parsed.records[3].title,
            "Null hypothesis testing (I)-5% significance level"
        );
        // `% A comment` inside the entry is not part of the year.
        assert_eq!(parsed.records[1].year, Some(2022));
    }

    #[test]
    fn jabref_examples_with_accents_sets_and_undefined_macro() {
        let parsed = parse(JABREF);
        assert_eq!(parsed.records.len(), 4);
        let preissel = &parsed.records[0];
        assert_eq!(preissel.authors, [author("Preißel", "René")]);
        assert_eq!(preissel.kind, "book");
        assert_eq!(preissel.url, "http://d-nb.info/107601965X");
        assert_eq!(preissel.keywords, ["Versionsverwaltung"]);
        assert_eq!(preissel.year, Some(2016));

        // `@set` entries carry only an annotation: kept, and reported.
        let set = &parsed.records[1];
        assert_eq!(set.kind, "set");
        assert!(set.notes[0].starts_with("A set with three members. The crossref field"));

        let aksin = &parsed.records[3];
        assert_eq!(
            families(aksin),
            [
                "Aksın",
                "Türkmen",
                "Artok",
                "Çetinkaya",
                "Ni",
                "Büyükgüngör",
                "Özkal"
            ]
        );
        assert_eq!(aksin.authors[0].given, "Özge");
        assert_eq!(
            aksin.title,
            "Effect of immobilization on catalytic characteristics of saturated \
             Pd-N-heterocyclic carbenes in Mizoroki-Heck reactions"
        );
        assert_eq!(aksin.year, Some(2006));
        assert_eq!(aksin.journal, "jomch");
        assert_eq!((aksin.volume.as_str(), aksin.issue.as_str()), ("691", "13"));
        assert_eq!(
            (aksin.start_page.as_str(), aksin.end_page.as_str()),
            ("3027", "3036")
        );
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [14, 22, 31]);
        assert_eq!(
            parsed.problems[2].message,
            "entry `aksin`: no @string defines `jomch`; the name is kept as the value"
        );
    }

    #[test]
    fn web_of_science_export_with_bom() {
        let text = decode_bytes(WOS);
        assert_eq!(detect(&text), Some(Format::Bibtex));
        let parsed = parse(&text);
        assert_eq!(parsed.problems, vec![]);
        let [paper, article] = parsed.records.as_slice() else {
            panic!("want two records, got {:?}", parsed.records);
        };
        assert_eq!(paper.line, 3);
        assert_eq!(paper.kind, "inproceedings");
        assert_eq!(paper.journal, "A BOOKTITLE");
        assert_eq!(paper.doi, "10.1007/999-9-999-99999-9_3");
        assert_eq!(paper.notes, ["Placeholder for Notes"]);
        assert_eq!(
            paper.authors,
            [author("Writerone", "Julia"), author("Writertwo", "Paul")]
        );
        assert_eq!(article.journal, "Dummy Journal for nice writing");
        assert_eq!(article.issue, "3");
        assert_eq!(
            (article.start_page.as_str(), article.end_page.as_str()),
            ("111", "188")
        );
    }

    #[test]
    fn pmid_and_doi_fields() {
        let parsed = parse(PUBMED);
        assert_eq!(parsed.records.len(), 6);
        let first = &parsed.records[0];
        assert_eq!(first.pmid, "35227408");
        assert_eq!(first.doi, "10.1016/j.beth.2021.09.007");
        assert_eq!(first.journal, "Behav Ther");
        assert_eq!(first.authors[1], author("Shiau", "CWC"));
        let r = one(
            parse,
            "@article{k, title={T}, eprinttype={pubmed}, eprint={12345678}}",
        );
        assert_eq!(r.pmid, "12345678");
        let r = one(
            parse,
            "@article{k, title={T}, eprinttype={arxiv}, eprint={1234.5678}}",
        );
        assert_eq!(r.pmid, "");
        let r = one(
            parse,
            "@article{k, title={T}, url={https://doi.org/10.1000/x\\_y}}",
        );
        assert_eq!(r.doi, "10.1000/x_y");
        assert_eq!(r.url, "https://doi.org/10.1000/x_y");
        let r = one(parse, "@article{k, title={T}, doi={{DOI: 10.1000/ABC}}}");
        assert_eq!(r.doi, "10.1000/ABC");
    }

    #[test]
    fn a_value_cut_off_costs_only_its_entry() {
        let text = "@article{good1, title={One}}\n\
                    @article{bad, title={Two, year=2001,\n\n\
                    @article{good2, title={Three}}\n";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["One", "Three"]);
        assert_eq!(
            parsed.problems,
            [Problem {
                line: 2,
                message: "entry `bad`: the value of `title` (line 2) is not closed before \
                          the next entry at line 4; skipped"
                    .into()
            }]
        );
        // At the end of the file.
        let parsed = parse("@article{a, title={One}}\n@article{b, title={Two\n");
        assert_eq!(titles(&parsed), ["One"]);
        assert!(parsed.problems[0].message.contains("end of the file"));
        assert_eq!(parsed.problems[0].line, 2);
    }

    #[test]
    fn a_missing_closing_brace_keeps_the_complete_entry() {
        let text = "@article{a,\n title={One},\n year={2001}\n\n@book{b, title={Two}}";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["One", "Two"]);
        assert_eq!(parsed.records[0].year, Some(2001));
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 1);
        assert_eq!(
            parsed.problems[0].message,
            "entry `a` has no closing brace; it was ended by the next entry at line 5"
        );
        for truncated in [
            "@article{a, title={One},",
            "@article{a, title={One}",
            "@article{a, title=1",
        ] {
            let parsed = parse(truncated);
            assert_eq!(parsed.records.len(), 1, "{truncated}");
            assert!(parsed.problems[0].message.contains("truncated"));
        }
        // A value that is missing, not cut off.
        let parsed = parse("@article{a, title={One}, year =\n@article{b, title={Two}}");
        assert_eq!(titles(&parsed), ["One", "Two"]);
    }

    #[test]
    fn garbage_between_fields_costs_only_its_lines() {
        let text = "@article{k,\n\
                    author = {Cruise, Tom},\n\
                    Keywords = {a, b}, @type:Person}, junk {\n\
                    Title = {When sharing fixes prices.},\n\
                    }\n\
                    @misc{m, title {No equals sign},\n  note = {kept}}\n";
        let parsed = parse(text);
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0];
        assert_eq!(r.title, "When sharing fixes prices.");
        assert_eq!(r.keywords, ["a", "b"]);
        assert_eq!(r.authors, [author("Cruise", "Tom")]);
        assert_eq!(parsed.records[1].notes, ["kept"]);
        let lines: Vec<usize> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 6, 6]);
        assert_eq!(
            parsed.problems[0].message,
            "entry `k`: `@type:Person` at line 3 is not followed by `=`; read resumes at line 4"
        );
    }

    #[test]
    fn junk_lines_resynchronise_at_the_next_entry() {
        let text = "@article{x, title={T} {bad}\n more junk\n@article{y, title={U}}\n";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["T", "U"]);
        assert_eq!(
            parsed.problems,
            [Problem {
                line: 1,
                message: "entry `x`: unexpected `{` where a field should start; \
                          the rest of the entry, to line 2, is skipped"
                    .into()
            }]
        );
    }

    #[test]
    fn duplicate_keys_keep_both_entries() {
        let parsed = parse("@article{K1, title={A}}\n\n@article{k1, title={B}}\n");
        assert_eq!(titles(&parsed), ["A", "B"]);
        assert_eq!(
            parsed.problems,
            [Problem {
                line: 3,
                message: "entry `k1` uses the same key as the entry at line 1; both kept".into()
            }]
        );
    }

    #[test]
    fn entries_without_a_key_are_read() {
        let parsed = parse("@article{title = {No key}, year = 2001}\n@misc{, title={Empty}}");
        assert_eq!(titles(&parsed), ["No key", "Empty"]);
        assert_eq!(parsed.records[0].year, Some(2001));
        assert_eq!(parsed.problems.len(), 2);
        assert!(parsed.problems[0].message.contains("no key"));
    }

    #[test]
    fn strings_concatenation_quotes_numbers_and_parentheses() {
        let text = "@String{ieee = \"IEEE\"}\n\
                    @STRING(trans = ieee # \" Transactions\")\n\
                    @preamble{ \"\\newcommand{\\noop}[1]{}\" }\n\
                    @Article(key, journal = trans # { on } # \"Software\", year = 1999,\n\
                    title = \"A {\\\"u}ber \\\"Uber title\", month = jan, volume = 12 )\n";
        let r = one(parse, text);
        assert_eq!(r.journal, "IEEE Transactions on Software");
        assert_eq!(r.title, "A über Über title");
        assert_eq!(r.year, Some(1999));
        assert_eq!(r.volume, "12");
        assert_eq!(r.line, 4);
        assert_eq!(r.kind, "article");
    }

    #[test]
    fn crossref_inheritance() {
        let text = "@inproceedings{paper, author={Doe, J.}, title={Paper}, crossref={conf}}\n\
                    @proceedings{conf, title={Proc. of {X}}, year={2001}, editor={Ed, E.},\n\
                    publisher={P}}\n\
                    @inbook{chapter, title={Chapter}, crossref={Book}}\n\
                    @book{book, title={The Book}, author={Writer, W.}, date={2010-05-01}, xdata={pub}}\n\
                    @xdata{pub, doi={10.1/shared}}\n\
                    @misc{lost, title={Lost}, crossref={nowhere}}\n";
        let parsed = parse(text);
        let [paper, _, chapter, book, _, lost] = parsed.records.as_slice() else {
            panic!("{:?}", parsed.records);
        };
        assert_eq!(paper.title, "Paper");
        assert_eq!(paper.journal, "Proc. of X");
        assert_eq!(paper.year, Some(2001));
        assert_eq!(paper.authors, [author("Doe", "J.")]);
        assert_eq!(chapter.title, "Chapter");
        assert_eq!(chapter.journal, "The Book");
        assert_eq!(chapter.authors, [author("Writer", "W.")]);
        assert_eq!(chapter.year, Some(2010));
        assert_eq!(chapter.doi, "10.1/shared");
        assert_eq!(book.journal, "");
        assert_eq!(book.doi, "10.1/shared");
        assert_eq!(lost.title, "Lost");
        let crossref_problems: Vec<&Problem> = parsed
            .problems
            .iter()
            .filter(|p| p.message.contains("crossref"))
            .collect();
        assert_eq!(crossref_problems.len(), 1);
        assert_eq!(crossref_problems[0].line, 7);
        assert_eq!(
            crossref_problems[0].message,
            "entry `lost`: crossref `nowhere` is not in this file; nothing inherited from it"
        );
    }

    #[test]
    fn crossref_cycles_and_chains_end() {
        let text = "@article{a, title={A}, crossref={b}}\n@book{b, crossref={a}, year={1911}}\n\
                    @article{c, title={C}, crossref={d}}\n@book{d, crossref={e}}\n\
                    @proceedings{e, title={E}, date={1999}}";
        let parsed = parse(text);
        let years: Vec<Option<u16>> = parsed.records.iter().map(|r| r.year).collect();
        assert_eq!(
            years,
            [Some(1911), Some(1911), Some(1999), Some(1999), Some(1999)]
        );
        // Biber's rules: an article's title passes to a book as its title,
        // a proceedings' title to an article as its container.
        assert_eq!(parsed.records[1].title, "A");
        assert_eq!(parsed.records[2].journal, "E");
        assert_eq!(parsed.records[3].title, "E");
    }

    #[test]
    fn field_mapping() {
        let r = one(
            parse,
            "@Article{k,\n  TITLE = {The {DNA} of {\\emph{Things}}},\n  subtitle = {A Study},\n\
             author = {M{\\\"u}ller, Hans and Jean-Paul {de la} Fontaine and others},\n\
             date = {2019-05-01},\n  journaltitle = {J. Things},\n  shortjournal = {JT},\n\
             number = {4},\n  pages = {100--107},\n  abstract = {An\n   abstract.},\n\
             keywords = {Disease Models, Animal; Mice},\n  langid = {english},\n\
             note = {First note}, annote = {Second},\n  url = {http://x.org/a~b%20c}\n}",
        );
        assert_eq!(r.title, "The DNA of Things: A Study");
        assert_eq!(
            r.authors,
            [
                author("Müller", "Hans"),
                author("Fontaine", "Jean-Paul de la")
            ]
        );
        assert_eq!(r.year, Some(2019));
        assert_eq!(r.journal, "J. Things");
        assert_eq!(r.journal_abbrev, "JT");
        assert_eq!(r.issue, "4");
        assert_eq!((r.start_page.as_str(), r.end_page.as_str()), ("100", "107"));
        assert_eq!(r.abstract_text, "An abstract.");
        assert_eq!(r.keywords, ["Disease Models, Animal", "Mice"]);
        assert_eq!(r.language, "english");
        assert_eq!(r.notes, ["First note", "Second"]);
        assert_eq!(r.url, "http://x.org/a~b%20c");
        assert_eq!(r.kind, "article");

        let r = one(parse, "@misc{k, title={T}, keywords={a, {b, c}, d}}");
        assert_eq!(r.keywords, ["a", "b, c", "d"]);
        // A report's number is not an issue.
        let r = one(
            parse,
            "@techreport{k, title={T}, number={TR-7}, year={19XX}}",
        );
        assert_eq!((r.issue.as_str(), r.year), ("", None));
        let r = one(
            parse,
            "@misc{k, title={T}, howpublished={\\url{https://example.org/a_b}}}",
        );
        assert_eq!(r.url, "https://example.org/a_b");
    }

    #[test]
    fn entries_with_nothing_to_identify_them_follow_the_accept_rule() {
        let parsed = parse("@misc{a, pages={1--2}}\n@misc{b, booktitle={Only a container}}\n");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].journal, "Only a container");
        assert_eq!(parsed.problems.len(), 2);
    }

    #[test]
    fn comment_forms() {
        let text = "@comment{jabref-meta: databaseType:bibtex;}\n\
                    @Comment{unbalanced, does={\n\nignored{ignored}\n\
                    @article{a, title={A}}\n\
                    %@article{b, title={B}}\n\
                    % @article{c, title={C}}\n\
                    Contact me at someone@example.org or @ home.\n\
                    @COMMENT(x)\n@article{d, title={D}}";
        let parsed = parse(text);
        assert_eq!(titles(&parsed), ["A", "D"]);
        assert_eq!(parsed.problems, vec![]);
        let only_comments = "@comment{ignore this line!}\n@Comment{ignore this line too!}\n";
        assert!(looks_like(only_comments));
        assert_eq!(parse(only_comments), Parsed::default());
    }

    #[test]
    fn jabref_encoding_header_without_line_break() {
        let text = "% Encoding: US-ASCII@PREAMBLE{p}@article{testArticle, title={T}}";
        assert!(looks_like(text));
        assert_eq!(titles(&parse(text)), ["T"]);
    }

    #[test]
    fn missing_comma_after_the_key_is_read_on() {
        let parsed = parse("@article{key title = {T}, year = 2001}");
        assert_eq!(titles(&parsed), ["T"]);
        assert_eq!(parsed.problems.len(), 1);
        assert!(
            parsed.problems[0]
                .message
                .starts_with("entry `key`: missing comma")
        );
        let parsed = parse("@article{key\n  title = {T}}");
        assert_eq!(titles(&parsed), ["T"]);
        assert_eq!(parsed.problems.len(), 1);
    }

    #[test]
    fn missing_comma_between_fields_is_read_on() {
        let parsed = parse("@article{k,\n title={T}\n year={2001}\n}");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].year, Some(2001));
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 3);
        assert!(parsed.problems[0].message.contains("missing comma"));
    }

    #[test]
    fn crlf_and_utf16_through_decode() {
        let text = "@article{a,\n  title = {Caf{\\'e}},\n}\n@article{b, title={Two}}\n";
        let crlf = text.replace('\n', "\r\n");
        let utf16 = utf16be(&crlf, true);
        for bytes in [crlf.as_bytes(), utf16.as_slice()] {
            let parsed = parse(&decode_bytes(bytes));
            assert_eq!(titles(&parsed), ["Café", "Two"]);
            assert_eq!(parsed.records[1].line, 4);
        }
    }

    #[test]
    fn looks_like_needs_an_entry_line_near_the_top() {
        assert!(looks_like("% from JabRef\n\n  @Article {k,\n"));
        assert!(looks_like("@string(x = \"y\")\n"));
        assert!(!looks_like("TY  - JOUR\nN1  - @article{x,\nER  - \n"));
        assert!(!looks_like("Mail me @ home or at a@b.org{x}\n"));
        assert!(!looks_like("@ article\n"));
        assert!(!looks_like("title,author\n\"@x{y}\",z\n"));
        let late = format!("{}@article{{k,}}\n", "junk\n".repeat(120));
        assert!(!looks_like(&late));
    }

    #[test]
    fn a_megabyte_parses_quickly() {
        let entry = "@article{key,\n  author = {M{\\\"u}ller, Hans and Doe, Jane and others},\n  \
                     title = {A {Title} with \\emph{markup} and $\\alpha$--$\\beta$ math},\n  \
                     journal = {Journal}, year = 2001, pages = {1--10},\n  \
                     abstract = {Some words to make the entry longer than a few bytes.},\n}\n\n";
        let text = entry.repeat(1_000_000 / entry.len() + 1);
        let started = std::time::Instant::now();
        let parsed = parse(&text);
        let elapsed = started.elapsed();
        assert_eq!(parsed.records.len(), 1_000_000 / entry.len() + 1);
        // Debug build on a shared machine: generous, but quadratic work on a
        // megabyte would take minutes.
        assert!(elapsed.as_secs() < 10, "took {elapsed:?}");
    }

    fn bib_token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("@article{".to_string()),
            Just("@string{".to_string()),
            Just("@comment{".to_string()),
            Just("@preamble(".to_string()),
            Just("% Encoding: x@misc{".to_string()),
            Just("\n".to_string()),
            Just("\n@".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("\"".to_string()),
            Just(",".to_string()),
            Just(" = ".to_string()),
            Just(" # ".to_string()),
            Just("%".to_string()),
            Just("\\".to_string()),
            Just("\\'".to_string()),
            Just("\\\"{".to_string()),
            Just("$".to_string()),
            Just(" and ".to_string()),
            Just("crossref = ".to_string()),
            Just("title".to_string()),
            Just("author".to_string()),
            "[a-zA-Z0-9 ]{1,6}",
            "\\PC{1,4}",
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check_parser(&decode_bytes(&bytes), parse, looks_like);
        }

        #[test]
        fn bibtex_shaped_text_never_panics(tokens in proptest::collection::vec(bib_token(), 0..80)) {
            check_parser(&tokens.concat(), parse, looks_like);
        }
    }
}
