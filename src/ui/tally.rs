//! The live tally: the small panel beside the paper, and the full-screen view
//! that lists the papers supporting the chosen factor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{scroll_offset, truncate, visible};
use crate::app::App;
use crate::review::tally::{Tally, bar};
use crate::ui::theme::Theme;

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
        Span::raw({
            // Padded by cells, not chars: a wide or zero-width character in
            // a label must not shift the counts.
            let shown = truncate(&visible(label), label_width);
            let pad = label_width.saturating_sub(shown.width());
            format!(
                "{shown}{:pad$} {:>4} {:>3}% ",
                "",
                studies,
                tally.percent(studies)
            )
        }),
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
            if t.excluded > 0 {
                format!(" Tally · {} papers ({} excluded) ", t.papers, t.excluded)
            } else {
                format!(" Tally · {} papers ", t.papers)
            },
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
    // Factor rows, a header and "uncoded", in at most half the screen.
    let wanted = t.rows.len() as u16 + 4;
    let [table_area, papers_area] = Layout::vertical([
        Constraint::Length(wanted.min(area.height / 2).max(5)),
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
    // One line for the header; the rest for rows.
    let rows = (inner.height as usize).saturating_sub(1);
    let total = t.rows.len() + 1;
    let offset = scroll_offset(
        app.viewport.tally_offset.get(),
        app.tally_cursor,
        rows,
        total,
    );
    app.viewport.tally_offset.set(offset);
    let hidden = total.saturating_sub(offset + rows);
    let header = if hidden > 0 || offset > 0 {
        format!(
            "  {:<label_width$} {:>4} {:>4}   rows {}–{} of {total}",
            "factor",
            "n",
            "%",
            offset + 1,
            offset + rows.min(total)
        )
    } else {
        format!("  {:<label_width$} {:>4} {:>4}", "factor", "n", "%")
    };
    let mut lines = vec![Line::styled(header, theme.dim())];
    // Factor rows, then "uncoded" as one more selectable row.
    let all_rows = t
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.studies))
        .chain(std::iter::once(("uncoded", t.uncoded)));
    for (i, (label, studies)) in all_rows.enumerate().skip(offset).take(rows) {
        let selected = i == app.tally_cursor;
        let mut line = row(label, studies, t, label_width, bar_width, theme);
        line.spans
            .insert(0, Span::raw(if selected { "▸ " } else { "  " }));
        lines.push(if selected {
            line.style(theme.selected())
        } else if i == t.rows.len() {
            line.style(theme.dim())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);

    draw_supporting(frame, papers_area, app, theme);
}

/// The papers in the tally row under the cursor, with their quotes; with
/// a characteristic chosen (`c`), the crosstab of that factor against it.
fn draw_supporting(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    if let Some(table) = app.crosstab() {
        draw_crosstab(frame, area, app, table, theme);
        return;
    }
    let factor = app.review.config.factors.get(app.tally_cursor);
    let count = match factor {
        Some(_) => app
            .tally
            .rows
            .get(app.tally_cursor)
            .map(|r| r.studies)
            .unwrap_or(0),
        None => app.tally.uncoded,
    };
    let title = match factor {
        Some(f) => format!(
            " Papers supporting {} ({count}) · enter: go to paper ",
            f.label
        ),
        None => format!(" Uncoded papers ({count}) · enter: go to paper "),
    };
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&title, area.width.saturating_sub(2) as usize),
            theme.title(),
        ))
        .border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = inner.height as usize;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    if let Some(f) = factor.filter(|f| !f.definition.is_empty()) {
        lines.push(Line::styled(truncate(&f.definition, width), theme.dim()));
    }
    let room = rows.saturating_sub(lines.len());
    for i in app.papers_with(app.tally_cursor).take(room) {
        let p = &app.review.papers[i];
        // The paper's quotes for this factor: how many, and the first.
        let (n, quote) = match (factor, app.codings.papers.get(&p.id)) {
            (Some(f), Some(c)) => {
                let mut quotes = c.quotes_for(&f.id);
                let first = quotes.next().map(|(_, q)| q.text.as_str());
                (first.map_or(0, |_| 1 + quotes.count()), first.unwrap_or(""))
            }
            _ => (0, ""),
        };
        // With a quote, the paper's label leaves it half the line.
        let label_room = if quote.is_empty() { width } else { width / 2 };
        let mut spans = vec![Span::raw(truncate(&p.list_label(), label_room))];
        if !quote.is_empty() {
            let used = spans[0].content.width();
            let more = if n > 1 {
                format!(" (+{})", n - 1)
            } else {
                String::new()
            };
            spans.push(Span::styled(
                truncate(
                    &format!("  “{}”{more}", crate::app::input::one_line(quote)),
                    width.saturating_sub(used),
                ),
                Style::new().patch(theme.label()),
            ));
        }
        lines.push(Line::from(spans));
    }
    let shown = lines.len() - usize::from(factor.is_some_and(|f| !f.definition.is_empty()));
    if count == 0 {
        lines.push(Line::styled(
            match factor {
                Some(_) => "No paper is coded with this factor yet.",
                None if app.factor_count() == 0 => {
                    "No factors yet: b opens the codebook to add one."
                }
                None => "Every paper is coded.",
            },
            theme.dim(),
        ));
    } else if shown < count && rows > 0 {
        lines.truncate(rows.saturating_sub(1));
        let listed = lines.len() - usize::from(factor.is_some_and(|f| !f.definition.is_empty()));
        lines.push(Line::styled(
            format!("… and {} more", count - listed),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One line per value of the chosen characteristic: the included papers
/// with it coded with the factor under the cursor, of all with it, and a
/// bar (the uncoded row: all included papers with the value).
fn draw_crosstab(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    table: &crate::review::characteristics::Crosstab,
    theme: Theme,
) {
    let factor = table.factors.get(app.tally_cursor);
    // The row after the factors is the tally's "uncoded".
    let what = factor.map_or("Uncoded papers", |f| f.label.as_str());
    let key = app
        .review
        .keymap
        .first_key(
            crate::keys::keymap::Layer::Tally,
            crate::keys::action::Action::CycleCrosstab,
        )
        .map(|k| format!(" · {k}: next characteristic"))
        .unwrap_or_default();
    let title = format!(" {what} by {}{key} ", table.label);
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&title, area.width.saturating_sub(2) as usize),
            theme.title(),
        ))
        .border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let rows = inner.height as usize;
    // Values are few (a list, or what reviewers typed): widths from all,
    // lines only for those shown.
    let label_width = table
        .rows
        .iter()
        .map(|r| r.value.width())
        .chain([table.label.width()])
        .max()
        .unwrap_or(0)
        .clamp(8, (width / 3).max(8));
    // Cut to the column and padded by display width, so a long label or a
    // wide character keeps the counts under their headings.
    let cell = |text: &str| {
        let cut = truncate(text, label_width);
        let pad = label_width.saturating_sub(cut.width());
        format!("{cut}{:pad$}", "")
    };
    let bar_width = width.saturating_sub(label_width + 16).min(30);
    let mut lines: Vec<Line> = Vec::with_capacity(rows.min(table.rows.len() + 1));
    lines.push(Line::styled(
        truncate(
            &format!("{} {:>5} {:>5}", cell(&table.label), "n", "of"),
            width,
        ),
        theme.dim(),
    ));
    let last = table.rows.len().saturating_sub(1);
    for (i, r) in table.rows.iter().enumerate().take(rows.saturating_sub(1)) {
        let n = match factor {
            Some(_) => r.counts.get(app.tally_cursor).copied().unwrap_or(0),
            None => r.papers.saturating_sub(r.coded),
        };
        let text = format!(
            "{} {n:>5} {:>5}  {}",
            cell(&r.value),
            r.papers,
            bar(n, table.papers, bar_width)
        );
        let style = if i == last { theme.dim() } else { Style::new() };
        lines.push(Line::styled(truncate(&text, width), style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
