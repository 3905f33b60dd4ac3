//! The office formats: an xlsx workbook (one sheet per table) and a docx
//! document (a heading and a Word table per table). Both are zip archives
//! written with fixed dates, so the same review gives the same bytes.

use super::{Cell, Export, ExportError, Table, xml_safe};

/// Excel's limit on the text of one cell.
const XLSX_CELL_CHARS: usize = 32_767;

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let name: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    name.trim_matches('\'').to_string()
}

/// Cell text for the workbook: XML-safe, and cut (with "…") at Excel's
/// limit rather than refused.
fn xlsx_text(text: &str) -> String {
    let text = xml_safe(text);
    if text.chars().count() <= XLSX_CELL_CHARS {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(XLSX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
    let mut book = Workbook::new();
    // A fixed creation date: otherwise every workbook records "now".
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(err)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&table.title)).map_err(err)?;
        for (col, name) in table.columns.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| too_wide(table))?;
            sheet
                .write_string_with_format(0, col, xlsx_text(name), &bold)
                .map_err(err)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| too_long(table))?;
            for (col, cell) in row.iter().enumerate() {
                let col = u16::try_from(col).map_err(|_| too_wide(table))?;
                match cell {
                    // Empty cells stay empty (no zero-length strings).
                    Cell::Text(s) if s.is_empty() => {}
                    Cell::Text(s) => {
                        sheet.write_string(r, col, xlsx_text(s)).map_err(err)?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(r, col, *n as f64).map_err(err)?;
                    }
                    Cell::Percent(p) => {
                        sheet.write_number(r, col, *p).map_err(err)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

fn too_wide(table: &Table) -> ExportError {
    ExportError::Xlsx(format!("{}: too many columns for a sheet", table.title))
}

fn too_long(table: &Table) -> ExportError {
    ExportError::Xlsx(format!("{}: too many rows for a sheet", table.title))
}

pub fn docx(export: &Export, tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    // docx-rs numbers paragraphs from a counter per thread that it resets
    // only once a document is packed: on a fresh thread it starts at 1
    // whatever was built before (or failed half way), so the same review
    // always gives the same paragraph ids, and bytes.
    std::thread::scope(|scope| {
        scope
            .spawn(|| docx_on_this_thread(export, tables))
            .join()
            .unwrap_or_else(|_| Err(ExportError::Docx("the docx writer panicked".into())))
    })
}

fn docx_on_this_thread(export: &Export, tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    use docx_rs::{
        AlignmentType, Docx, PageMargin, Paragraph, Run, Style, StyleType, Table as WordTable,
        TableCell, TableRow, WidthType,
    };
    let text_run = |s: &str| Run::new().add_text(xml_safe(s));
    // A paragraph per line, so a quote's paragraphs stay paragraphs.
    let cell = |c: &Cell| {
        let mut cell = TableCell::new();
        let text = c.text();
        for line in text.split('\n') {
            let mut p = Paragraph::new().add_run(text_run(line.trim_end_matches('\r')));
            if !matches!(c, Cell::Text(_)) {
                p = p.align(AlignmentType::Right);
            }
            cell = cell.add_paragraph(p);
        }
        cell
    };
    // Word's own style ids and names, so a journal template's headings
    // take over when the document is attached to it.
    let mut doc = Docx::new()
        .page_size(11_906, 16_838)
        .page_margin(
            PageMargin::new()
                .top(1021)
                .bottom(1021)
                .left(851)
                .right(851),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .based_on("Normal")
                .next("Normal")
                .bold()
                .size(32),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .based_on("Normal")
                .next("Normal")
                .bold()
                .size(26),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(&export.review.title))
                .style("Heading1"),
        )
        .add_paragraph(Paragraph::new().add_run(text_run(&format!(
            "Reviewer: {}. {} included papers, {} coded.",
            export.review.reviewer, export.review.papers, export.review.coded
        ))));
    for table in tables {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(text_run(&table.title))
                .style("Heading2")
                .keep_next(true),
        );
        let header = TableRow::new(
            table
                .columns
                .iter()
                .map(|c| {
                    TableCell::new().add_paragraph(Paragraph::new().add_run(text_run(c).bold()))
                })
                .collect(),
        )
        .cant_split();
        let rows = std::iter::once(header)
            .chain(
                table
                    .rows
                    .iter()
                    .map(|row| TableRow::new(row.iter().map(cell).collect()).cant_split()),
            )
            .collect();
        doc = doc.add_table(WordTable::new(rows).width(5000, WidthType::Pct));
        if !table.note.is_empty() {
            doc = doc.add_paragraph(Paragraph::new().add_run(text_run(&table.note).size(18)));
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}
