//! The study × factor matrix: one row per paper of the workbench's list,
//! the study fixed on the left, then the chosen characteristics and the
//! factors (a mark when coded, the quote count beside it). Only the rows
//! and columns on screen are looked at; cells are written straight into
//! the buffer.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{scroll_offset, truncate};
use crate::app::input::one_line;
use crate::app::{App, MatrixColumn};
use crate::review::characteristics::display;
use crate::review::codings::PaperCoding;
use crate::ui::theme::Theme;

/// Cells a characteristic column takes, its gap included.
const CHAR_WIDTH: usize = 14;
/// Cells a factor column takes, its gap included: at least "●12" and a
/// short label; wider when the screen has room for every factor.
const FACTOR_MIN: usize = 8;
const FACTOR_MAX: usize = 20;

/// "10,000": counts as a reader reads them.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The factor columns' width: the room left by the characteristics,
/// shared.
fn factor_width(app: &App, avail: usize) -> usize {
    let rest = avail.saturating_sub(app.matrix.shown.len() * CHAR_WIDTH);
    (rest / app.factor_count().max(1)).clamp(FACTOR_MIN, FACTOR_MAX)
}

fn column_width(app: &App, col: usize, factor_width: usize) -> usize {
    if col < app.matrix.shown.len() {
        CHAR_WIDTH
    } else {
        factor_width
    }
}

/// The first scrolling column to show: the cursor's column on screen,
/// moving as little as possible, and no room left empty on the right
/// while columns are hidden on the left.
fn column_offset(app: &App, avail: usize, fw: usize) -> usize {
    let n = app.matrix_columns();
    if n == 0 {
        return 0;
    }
    let cursor = app.matrix.col.min(n - 1);
    let mut offset = app.viewport.matrix_col_offset.get().min(cursor);
    let span =
        |from: usize, to: usize| (from..=to).map(|c| column_width(app, c, fw)).sum::<usize>();
    while offset < cursor && span(offset, cursor) > avail {
        offset += 1;
    }
    while offset > 0 && span(offset - 1, n - 1) <= avail {
        offset -= 1;
    }
    offset
}

fn title(app: &App) -> String {
    let list = &app.list;
    let total = grouped(app.paper_count());
    let mut title = if list.is_filtered() || list.rows.len() != app.paper_count() {
        let shown = if list.is_complete() {
            grouped(list.rows.len())
        } else {
            format!("≥{}", grouped(list.rows.len()))
        };
        format!(" Matrix · {shown} of {total} papers ")
    } else {
        format!(" Matrix · {total} papers ")
    };
    if list.sort != crate::keys::action::SortKey::Author {
        let _ = write!(title, "· by {} ", list.sort.label());
    }
    let quick = list.quick.describe(&app.review.config.factors);
    if !quick.is_empty() {
        let _ = write!(title, "· {quick} ");
    }
    if !list.query.is_empty() {
        let _ = write!(title, "· /{} ", list.query);
    }
    let _ = write!(title, "· {} factors ", app.factor_count());
    title
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&title(app), area.width.saturating_sub(2) as usize),
            theme.title(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let list = &app.list;
    // Header line, rows, footer line.
    let rows = inner.height as usize - 2;
    app.viewport.matrix_rows.set(rows);
    if list.rows.is_empty() {
        let message = if app.paper_count() == 0 {
            "No papers yet. Add [[sources]] to config.toml."
        } else {
            "No paper matches the workbench's search and filters (esc there shows every paper)."
        };
        frame.render_widget(
            Paragraph::new(message)
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let cursor_row = app.matrix.row.min(list.rows.len() - 1);
    let offset = scroll_offset(
        app.viewport.matrix_offset.get(),
        cursor_row,
        rows,
        list.rows.len(),
    );
    app.viewport.matrix_offset.set(offset);

    let width = inner.width as usize;
    // Room for "▸✗ Mitchell 2008" at 80 columns, more when wide.
    let study_width = (width / 4).clamp(16, 28);
    let avail = width - study_width;
    let fw = factor_width(app, avail);
    let col_offset = column_offset(app, avail, fw);
    app.viewport.matrix_col_offset.set(col_offset);
    let ncols = app.matrix_columns();
    let cursor_col = app.matrix.col.min(ncols.saturating_sub(1));
    // The scrolling columns that fit, with their x.
    let mut visible_end = col_offset;
    let mut used = 0;
    while visible_end < ncols && used + column_width(app, visible_end, fw) <= avail {
        used += column_width(app, visible_end, fw);
        visible_end += 1;
    }

    let buf = frame.buffer_mut();
    let x0 = inner.x;
    let y0 = inner.y;
    let cols_x = x0 + study_width as u16;
    let mut scratch = String::new();

    // Header.
    put(buf, x0, y0, "   Study", study_width - 1, theme.title());
    if ncols == 0 {
        put(
            buf,
            cols_x,
            y0,
            "No factors yet: b in the workbench opens the codebook",
            avail,
            theme.dim(),
        );
    }
    let mut x = cols_x;
    for col in col_offset..visible_end {
        let w = column_width(app, col, fw);
        scratch.clear();
        match app.matrix_column(col) {
            Some(MatrixColumn::Characteristic(c)) => {
                if let Some(ch) = app.review.config.characteristics.get(c) {
                    scratch.push_str(&ch.label);
                }
            }
            Some(MatrixColumn::Factor(f)) => {
                if let Some(factor) = app.review.config.factors.get(f) {
                    if let Some(key) = &factor.key {
                        let _ = write!(scratch, "{key} ");
                    }
                    scratch.push_str(&factor.label);
                }
            }
            None => {}
        }
        let style = if col == cursor_col {
            theme.selected()
        } else {
            theme.label()
        };
        put(buf, x, y0, &truncate(&scratch, w - 1), w - 1, style);
        x += w as u16;
    }
    // More columns either side: say so where the eye is.
    if col_offset > 0 {
        put(buf, cols_x - 1, y0, "‹", 1, theme.key());
    }
    if visible_end < ncols {
        put(buf, x0 + inner.width - 1, y0, "›", 1, theme.key());
    }

    // Rows.
    for (line, r) in (offset..list.rows.len()).take(rows).enumerate() {
        let y = y0 + 1 + line as u16;
        let i = list.rows[r];
        let Some(paper) = app.review.papers.get(i) else {
            continue;
        };
        let coding = app.codings.papers.get(&paper.id);
        let excluded = coding.is_some_and(|c| !c.excluded.is_empty());
        let on_row = r == cursor_row;
        let lead = match (on_row, excluded) {
            (true, true) => "▸✗ ",
            (true, false) => "▸  ",
            (false, true) => " ✗ ",
            (false, false) => "   ",
        };
        let row_style = if excluded { theme.dim() } else { Style::new() };
        let study_style = if on_row {
            row_style.patch(theme.selected_unfocused())
        } else {
            row_style
        };
        put(buf, x0, y, lead, 3, study_style);
        put(
            buf,
            x0 + 3,
            y,
            &truncate(&paper.short_cite(), study_width - 4),
            study_width - 4,
            study_style,
        );
        let mut x = cols_x;
        for col in col_offset..visible_end {
            let w = column_width(app, col, fw);
            scratch.clear();
            let mut style = row_style;
            match app.matrix_column(col) {
                Some(MatrixColumn::Characteristic(c)) => {
                    let value = app
                        .review
                        .config
                        .characteristics
                        .get(c)
                        .and_then(|ch| coding?.characteristics.get(&ch.id));
                    if let Some(value) = value {
                        scratch.push_str(&truncate(&one_line(&display(value)), w - 1));
                    }
                }
                Some(MatrixColumn::Factor(f)) => {
                    if let Some(factor) = app.review.config.factors.get(f)
                        && let Some(coding) = coding
                    {
                        let (coded, quotes) = cell(coding, &factor.id);
                        if coded || quotes > 0 {
                            // A quote left on a factor since uncoded: hollow.
                            scratch.push(if coded { '●' } else { '○' });
                            if quotes > 0 {
                                let _ = write!(scratch, "{quotes}");
                            }
                            if coded && !excluded {
                                style = theme.coded();
                            }
                        }
                    }
                }
                None => {}
            }
            if on_row && col == cursor_col {
                style = theme.selected();
                if scratch.is_empty() {
                    scratch.push('·');
                }
            }
            put(buf, x, y, &scratch, w - 1, style);
            x += w as u16;
        }
    }

    // Footer: the paper and the column under the cursor, whole.
    let footer_y = y0 + inner.height - 1;
    let Some(paper) = list
        .rows
        .get(cursor_row)
        .and_then(|&i| app.review.papers.get(i))
    else {
        return;
    };
    let coding = app.codings.papers.get(&paper.id);
    scratch.clear();
    let _ = write!(
        scratch,
        "{}/{} {}",
        grouped(cursor_row + 1),
        grouped(list.rows.len()),
        paper.short_cite()
    );
    if let Some(c) = coding.filter(|c| !c.excluded.is_empty()) {
        let _ = write!(scratch, " (excluded: {})", one_line(&c.excluded));
    }
    match app.matrix_column(cursor_col) {
        Some(MatrixColumn::Characteristic(c)) => {
            if let Some(ch) = app.review.config.characteristics.get(c) {
                let value = coding
                    .and_then(|coding| coding.characteristics.get(&ch.id))
                    .map(|v| one_line(&display(v)));
                let _ = write!(
                    scratch,
                    " · {}: {}",
                    ch.label,
                    value.as_deref().unwrap_or("not recorded")
                );
            }
        }
        Some(MatrixColumn::Factor(f)) => {
            if let Some(factor) = app.review.config.factors.get(f) {
                let (coded, quotes) = coding.map(|c| cell(c, &factor.id)).unwrap_or_default();
                let _ = write!(scratch, " · ");
                if let Some(key) = &factor.key {
                    let _ = write!(scratch, "{key} ");
                }
                let _ = write!(
                    scratch,
                    "{}: {}",
                    factor.label,
                    if coded { "coded" } else { "not coded" }
                );
                match quotes {
                    0 => {}
                    1 => scratch.push_str(", 1 quote"),
                    n => {
                        let _ = write!(scratch, ", {n} quotes");
                    }
                }
            }
        }
        None => {}
    }
    put(
        buf,
        x0,
        footer_y,
        &truncate(&scratch, width),
        width,
        theme.title(),
    );
}

/// Whether the paper is coded with the factor, and its quotes for it.
fn cell(coding: &PaperCoding, factor: &str) -> (bool, usize) {
    let quotes = coding.quotes.iter().filter(|q| q.factor == factor).count();
    (coding.factors.contains(factor), quotes)
}

/// `text` in `width` cells at (x, y); a highlighted cell is filled whole.
fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: usize, style: Style) {
    if style
        .add_modifier
        .contains(ratatui::style::Modifier::REVERSED)
    {
        buf.set_style(Rect::new(x, y, width as u16, 1), style);
    }
    buf.set_stringn(x, y, text, width, style);
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(812), "812");
        assert_eq!(grouped(10_000), "10,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
