//! The live tally: the small panel beside the paper, and the full-screen view
//! that lists the papers supporting the chosen factor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{scroll_offset, truncate};
use crate::app::App;
use crate::tally::{Tally, bar};
use crate::theme::Theme;

/// One row: "Communication    3  38% ███░░░".
fn row<'a>(
    label: &str,
    studies: usize,
    tally: &Tally,
    label_width: usize,
    bar_width: usize,
    theme: Theme,
) -> Line<'a> {
    Line::from(vec![
        Span::raw(format!(
            "{:<label_width$} {:>4} {:>3}% ",
            truncate(label, label_width),
            studies,
            tally.percent(studies)
        )),
        Span::styled(bar(studies, tally.papers, bar_width), theme.bar()),
    ])
}

fn widths(app: &App, width: usize) -> (usize, usize) {
    let longest = app
        .review
        .config
        .factors
        .iter()
        .map(|f| f.label.width())
        .max()
        .unwrap_or(0)
        .max("uncoded".len());
    // Label, then " nnnn nnn% " (11 cells), then the bar.
    // Labels get at most about 40% so the bar stays readable.
    let label_width = longest.min(width * 2 / 5).max(6);
    let bar_width = width.saturating_sub(label_width + 11);
    (label_width, bar_width)
}

pub fn draw_panel(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let t = &app.tally;
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Tally · {} papers ", t.papers),
            theme.title(),
        ))
        .border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (label_width, bar_width) = widths(app, inner.width as usize);
    let rows = inner.height as usize;
    let mut lines: Vec<Line> = t
        .rows
        .iter()
        .take(rows.saturating_sub(1))
        .map(|r| row(&r.label, r.studies, t, label_width, bar_width, theme))
        .collect();
    if t.rows.len() >= rows && rows > 0 {
        // More factors than rows: the full view (`t`) shows them all.
        lines.truncate(rows.saturating_sub(2));
        lines.push(Line::styled(
            format!("… {} more: t for all", t.rows.len() - lines.len()),
            theme.dim(),
        ));
    }
    lines.push(row("uncoded", t.uncoded, t, label_width, bar_width, theme).style(theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_full(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let t = &app.tally;
    let factor_rows = t.rows.len() as u16 + 1;
    let [table_area, papers_area] = Layout::vertical([
        Constraint::Length((factor_rows + 3).min(area.height / 2)),
        Constraint::Min(3),
    ])
    .areas(area);

    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Tally · {} included papers · {} coded · {} uncoded ",
                t.papers, t.coded, t.uncoded
            ),
            theme.title(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(table_area);
    frame.render_widget(block, table_area);
    let (label_width, bar_width) = widths(app, (inner.width as usize).saturating_sub(2));
    let rows = (inner.height as usize).saturating_sub(1);
    let offset = scroll_offset(
        app.viewport.tally_offset.get(),
        app.tally_cursor,
        rows.saturating_sub(1),
        t.rows.len(),
    );
    app.viewport.tally_offset.set(offset);
    let mut lines = vec![Line::styled(
        format!("  {:<label_width$} {:>4} {:>4}", "factor", "n", "%"),
        theme.dim(),
    )];
    for (i, r) in t
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows.saturating_sub(1))
    {
        let selected = i == app.tally_cursor;
        let mut line = row(&r.label, r.studies, t, label_width, bar_width, theme);
        line.spans
            .insert(0, Span::raw(if selected { "▸ " } else { "  " }));
        lines.push(if selected {
            line.style(theme.selected())
        } else {
            line
        });
    }
    let mut uncoded = row("uncoded", t.uncoded, t, label_width, bar_width, theme);
    uncoded.spans.insert(0, Span::raw("  "));
    lines.push(uncoded.style(theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);

    draw_supporting(frame, papers_area, app, theme);
}

/// The papers coded with the factor under the cursor, with their quotes.
fn draw_supporting(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let factor = app.review.config.factors.get(app.tally_cursor);
    let label = factor.map(|f| f.label.as_str()).unwrap_or("");
    let count = app
        .tally
        .rows
        .get(app.tally_cursor)
        .map(|r| r.studies)
        .unwrap_or(0);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Papers supporting {label} ({count}) · enter: go to paper "),
            theme.title(),
        ))
        .border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = inner.height as usize;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    if let Some(f) = factor {
        lines.push(Line::styled(truncate(&f.definition, width), theme.dim()));
    }
    for i in app
        .papers_with(app.tally_cursor)
        .take(rows.saturating_sub(1))
    {
        let p = &app.review.papers[i];
        let quote = app
            .codings
            .papers
            .get(&p.id)
            .map(|c| c.quote.as_str())
            .unwrap_or("");
        let mut spans = vec![Span::raw(truncate(&p.list_label, width))];
        if !quote.is_empty() {
            let used = spans[0].content.width();
            spans.push(Span::styled(
                truncate(&format!("  “{quote}”"), width.saturating_sub(used)),
                Style::new().patch(theme.label()),
            ));
        }
        lines.push(Line::from(spans));
    }
    if count == 0 {
        lines.push(Line::styled(
            "No paper is coded with this factor yet.",
            theme.dim(),
        ));
    } else if count + 1 > rows {
        lines.truncate(rows.saturating_sub(1));
        lines.push(Line::styled(
            format!("… and {} more", count + 1 - lines.len()),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
