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
                    Cell::Percent(p) | Cell::Number(p) => {
                        sheet.write_number(r, col, *p).map_err(err)?;
                    }
                }
            }
        }
        // The note under the table, as md, html and docx print it: for an
        // appraisal it names the checklist's licence and citation, which
        // travel with its wording.
        if !table.note.is_empty() {
            let r = u32::try_from(table.rows.len() + 2).map_err(|_| too_long(table))?;
            sheet
                .write_string(r, 0, xlsx_text(&table.note))
                .map_err(err)?;
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

/// Text as XML character data.
fn xml_text(out: &mut String, text: &str) {
    for c in xml_safe(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => {}
            c => out.push(c),
        }
    }
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// A4, with 15 mm side margins and 18 mm top and bottom (in twips).
const PAGE_WIDTH: usize = 11_906;
const PAGE_HEIGHT: usize = 16_838;
const SIDE_MARGIN: usize = 851;
const END_MARGIN: usize = 1_021;

const CONTENT_TYPES: &str = "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>";

const PACKAGE_RELS: &str = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>";

const DOCUMENT_RELS: &str = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>";

/// Word's own style ids and names (`heading 1`, `Table Grid`), so a
/// journal template's styles take over when the document is attached to it.
const STYLES: &str = "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" w:cs=\"Calibri\"/><w:sz w:val=\"20\"/><w:szCs w:val=\"20\"/><w:lang w:val=\"en-GB\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>\
<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/></w:rPr></w:style>\
<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"1\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"26\"/><w:szCs w:val=\"26\"/></w:rPr></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/><w:basedOn w:val=\"TableNormal\"/><w:tblPr><w:tblBorders><w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/></w:tblBorders></w:tblPr></w:style>";

/// A paragraph of one run; `style` a paragraph style id, `props` run
/// properties.
fn paragraph(out: &mut String, style: &str, right: bool, props: &str, text: &str) {
    out.push_str("<w:p>");
    if !style.is_empty() || right {
        out.push_str("<w:pPr>");
        if !style.is_empty() {
            out.push_str("<w:pStyle w:val=\"");
            out.push_str(style);
            out.push_str("\"/>");
        }
        if right {
            out.push_str("<w:jc w:val=\"right\"/>");
        }
        out.push_str("</w:pPr>");
    }
    if !text.is_empty() {
        out.push_str("<w:r>");
        if !props.is_empty() {
            out.push_str("<w:rPr>");
            out.push_str(props);
            out.push_str("</w:rPr>");
        }
        out.push_str("<w:t xml:space=\"preserve\">");
        xml_text(out, text);
        out.push_str("</w:t></w:r>");
    }
    out.push_str("</w:p>");
}

/// A table cell: a paragraph per line, so a quote's paragraphs stay
/// paragraphs.
fn cell(out: &mut String, text: &str, right: bool, props: &str) {
    out.push_str("<w:tc>");
    for line in text.split('\n') {
        paragraph(out, "", right, props, line);
    }
    out.push_str("</w:tc>");
}

/// WordprocessingML written directly: a heading and a Word table (`Table
/// Grid`, header row repeated on each page, rows kept on one page) per
/// table, on A4. No dates anywhere, and zip entries dated 1980 as zip's
/// default: the same review gives the same bytes.
pub fn docx(export: &Export, tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    use std::fmt::Write as _;
    let mut doc = String::with_capacity(
        4096 + tables
            .iter()
            .map(|t| t.rows.len() * t.columns.len() * 64)
            .sum::<usize>(),
    );
    doc.push_str(XML_HEAD);
    let _ = write!(doc, "<w:document xmlns:w=\"{W}\"><w:body>");
    paragraph(&mut doc, "Heading1", false, "", &export.review.title);
    paragraph(
        &mut doc,
        "",
        false,
        "",
        &format!(
            "Reviewer: {}. {} included papers, {} coded.",
            export.review.reviewer, export.review.papers, export.review.coded
        ),
    );
    let width = PAGE_WIDTH - 2 * SIDE_MARGIN;
    for table in tables {
        paragraph(&mut doc, "Heading2", false, "", &table.title);
        doc.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblLayout w:type=\"autofit\"/></w:tblPr><w:tblGrid>");
        let columns = table.columns.len().max(1);
        for _ in 0..columns {
            let _ = write!(doc, "<w:gridCol w:w=\"{}\"/>", width / columns);
        }
        doc.push_str("</w:tblGrid><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
        for c in &table.columns {
            cell(&mut doc, c, false, "<w:b/>");
        }
        doc.push_str("</w:tr>");
        for row in &table.rows {
            doc.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            for c in row {
                match c {
                    Cell::Text(s) => cell(&mut doc, s, false, ""),
                    other => cell(&mut doc, &other.text(), true, ""),
                }
            }
            doc.push_str("</w:tr>");
        }
        doc.push_str("</w:tbl>");
        if !table.note.is_empty() {
            paragraph(&mut doc, "", false, "<w:sz w:val=\"18\"/>", &table.note);
        }
    }
    let _ = write!(
        doc,
        "<w:sectPr><w:pgSz w:w=\"{PAGE_WIDTH}\" w:h=\"{PAGE_HEIGHT}\"/><w:pgMar w:top=\"{END_MARGIN}\" w:right=\"{SIDE_MARGIN}\" w:bottom=\"{END_MARGIN}\" w:left=\"{SIDE_MARGIN}\" w:header=\"709\" w:footer=\"709\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>"
    );
    let mut core = String::from(XML_HEAD);
    core.push_str("<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>");
    xml_text(&mut core, &export.review.title);
    core.push_str("</dc:title><dc:creator>thema</dc:creator></cp:coreProperties>");
    let styles = format!("{XML_HEAD}<w:styles xmlns:w=\"{W}\">{STYLES}</w:styles>");
    let parts: [(&str, &str); 6] = [
        ("[Content_Types].xml", &format!("{XML_HEAD}{CONTENT_TYPES}")),
        ("_rels/.rels", &format!("{XML_HEAD}{PACKAGE_RELS}")),
        ("docProps/core.xml", &core),
        (
            "word/_rels/document.xml.rels",
            &format!("{XML_HEAD}{DOCUMENT_RELS}"),
        ),
        ("word/styles.xml", &styles),
        ("word/document.xml", &doc),
    ];
    zip_parts(&parts).map_err(|e| ExportError::Docx(e.to_string()))
}

fn zip_parts(parts: &[(&str, &str)]) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed date (zip's 1980 epoch), never the time of the export.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, text) in parts {
        zip.start_file(*name, options)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}
