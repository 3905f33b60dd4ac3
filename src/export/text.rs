//! The text formats: Markdown, HTML, CSV, JSON and RIS.

use std::fmt::Write as _;

use super::{Cell, Export, Table, xml_safe};
use crate::infra::diagnostic::{escape_line, json_safe};

/// Whether a column holds numbers (right-aligned), judged by its first row.
fn numeric(table: &Table, column: usize) -> bool {
    matches!(
        table.rows.first().and_then(|r| r.get(column)),
        Some(Cell::Count(_) | Cell::Percent(_) | Cell::Number(_))
    )
}

/// A Markdown table cell: one line, pipes and Markdown's own marks
/// escaped, `<` as an entity (no HTML gets through), line breaks as `<br>`,
/// terminal controls shown as escapes.
fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let text = text.replace("\r\n", "\n");
    for c in text.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            // "&amp;" in a quote must stay "&amp;", not render as "&".
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    escape_line(&out).into_owned()
}

pub fn markdown(export: &Export, tables: &[Table]) -> String {
    let mut out = String::new();
    let r = &export.review;
    let _ = writeln!(out, "# {}\n", md_cell(&r.title));
    let _ = writeln!(
        out,
        "Reviewer: {}. {} included papers, {} coded.",
        md_cell(&r.reviewer),
        r.papers,
        r.coded
    );
    for table in tables {
        let _ = writeln!(out, "\n## {}\n", md_cell(&table.title));
        let header: Vec<String> = table.columns.iter().map(|c| md_cell(c)).collect();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let rule: Vec<&str> = (0..table.columns.len())
            .map(|i| if numeric(table, i) { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| md_cell(&c.text())).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        if !table.note.is_empty() {
            let _ = writeln!(out, "\n{}", md_cell(&table.note));
        }
    }
    out
}

/// Text as HTML/XML character data or attribute value.
fn html_text(out: &mut String, text: &str) {
    for c in xml_safe(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br/>"),
            '\r' => {}
            c => out.push(c),
        }
    }
}

const STYLE: &str = "@page { size: A4; margin: 18mm 15mm; }
body { font-family: 'Helvetica Neue', Arial, sans-serif; font-size: 10pt; line-height: 1.35; color: #111; max-width: 60em; margin: 1em auto; padding: 0 1em; }
h1 { font-size: 15pt; margin: 0 0 0.4em; }
h2 { font-size: 12pt; margin: 1.6em 0 0.4em; break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 0 0 0.4em; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
p.note { font-size: 9pt; color: #444; margin: 0 0 1em; }
@media print { body { max-width: none; margin: 0; padding: 0; } th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
";

/// One self-contained XHTML-compatible page: inline style, no scripts, no
/// links out; prints on A4.
pub fn html(export: &Export, tables: &[Table]) -> String {
    let mut out = String::new();
    let r = &export.review;
    out.push_str("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>");
    html_text(&mut out, &r.title);
    out.push_str("</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>");
    html_text(&mut out, &r.title);
    out.push_str("</h1>\n<p class=\"note\">Reviewer: ");
    html_text(&mut out, &r.reviewer);
    let _ = writeln!(
        out,
        ". {} included papers, {} coded.</p>",
        r.papers, r.coded
    );
    for table in tables {
        out.push_str("<h2>");
        html_text(&mut out, &table.title);
        out.push_str("</h2>\n<table>\n<thead><tr>");
        for c in &table.columns {
            out.push_str("<th>");
            html_text(&mut out, c);
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &table.rows {
            out.push_str("<tr>");
            for cell in row {
                out.push_str(match cell {
                    Cell::Text(_) => "<td>",
                    _ => "<td class=\"n\">",
                });
                html_text(&mut out, &cell.text());
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        if !table.note.is_empty() {
            out.push_str("<p class=\"note\">");
            html_text(&mut out, &table.note);
            out.push_str("</p>\n");
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// One table as CSV: a header row, then the rows (terminal controls shown
/// escaped, as `thema tally --format csv` does).
pub fn csv(table: &Table) -> String {
    let header = table.columns.clone();
    let rows = table
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::text).collect::<Vec<_>>());
    crate::review::tally::csv_text(std::iter::once(header).chain(rows))
}

/// The whole export as JSON: keys in a fixed order, C1 controls and bidi
/// overrides escaped too.
pub fn json(export: &Export) -> String {
    json_safe(serde_json::to_string_pretty(export).unwrap_or_default()) + "\n"
}

/// A RIS value: one line (line breaks and tabs as spaces), other controls
/// shown as escapes.
fn ris_value(text: &str) -> String {
    let line: String = text
        .trim()
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    escape_line(&line).into_owned()
}

fn ris_tag(out: &mut String, tag: &str, value: &str) {
    let value = ris_value(value);
    if !value.is_empty() {
        let _ = writeln!(out, "{tag}  - {value}");
    }
}

/// The included papers as RIS: the record's fields, each factor coded as a
/// `KW` (its label), each quote as an `N1` ("Label: text (location)").
pub fn ris(export: &Export) -> String {
    let mut out = String::new();
    for p in &export.papers {
        let kind =
            if (2..=6).contains(&p.kind.len()) && p.kind.bytes().all(|b| b.is_ascii_uppercase()) {
                p.kind.as_str()
            } else {
                "JOUR"
            };
        let _ = writeln!(out, "TY  - {kind}");
        for (family, given) in &p.record_authors {
            if given.is_empty() {
                ris_tag(&mut out, "AU", family);
            } else {
                ris_tag(&mut out, "AU", &format!("{family}, {given}"));
            }
        }
        if let Some(y) = p.year {
            let _ = writeln!(out, "PY  - {y}");
        }
        ris_tag(&mut out, "TI", &p.title);
        ris_tag(&mut out, "T2", &p.journal);
        ris_tag(&mut out, "J2", &p.journal_abbrev);
        ris_tag(&mut out, "VL", &p.volume);
        ris_tag(&mut out, "IS", &p.issue);
        ris_tag(&mut out, "SP", &p.start_page);
        ris_tag(&mut out, "EP", &p.end_page);
        ris_tag(&mut out, "DO", &p.doi);
        ris_tag(&mut out, "UR", &p.url);
        ris_tag(&mut out, "LA", &p.language);
        ris_tag(&mut out, "AB", &p.abstract_text);
        for id in &p.factors {
            if let Some(label) = export.factor_label(id) {
                ris_tag(&mut out, "KW", label);
            }
        }
        for q in &p.quotes {
            let mut note = String::new();
            if let Some(label) = export.factor_label(&q.factor) {
                note.push_str(label);
                note.push_str(": ");
            }
            note.push_str(&q.text);
            if !q.location.is_empty() {
                let _ = write!(note, " ({})", q.location);
            }
            if !q.comment.is_empty() {
                let _ = write!(note, " [{}]", q.comment);
            }
            ris_tag(&mut out, "N1", &note);
        }
        out.push_str("ER  - \n\n");
    }
    out
}
