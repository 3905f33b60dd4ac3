//! The evidence view: every quote for one factor across papers, one line
//! each (paper, location, quote), and the selected one whole below. Only
//! the rows on screen are laid out.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{scroll_offset, truncate, wrap};
use crate::app::App;
use crate::app::input::one_line;
use crate::review::codings::Quote;
use crate::ui::theme::Theme;

/// The quote at an evidence row, and its paper's short citation.
fn quote_at(app: &App, (paper, quote): (u32, u32)) -> Option<(&crate::review::Paper, &Quote)> {
    let p = app.review.papers.get(paper as usize)?;
    let q = app.codings.papers.get(&p.id)?.quotes.get(quote as usize)?;
    Some((p, q))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let ev = &app.evidence;
    let [list_area, preview_area] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(area.height / 3)]).areas(area);
    let label = app.quote_factor_label(app.evidence_factor());
    let filter = if ev.query.is_empty() {
        String::new()
    } else {
        format!(" · filter “{}”", ev.query)
    };
    let title = format!(
        " Evidence · {label} · {} quote{}{filter} ",
        ev.rows.len(),
        if ev.rows.len() == 1 { "" } else { "s" }
    );
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&title, list_area.width.saturating_sub(2) as usize),
            theme.title(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let rows = inner.height as usize;
    let width = inner.width as usize;
    app.viewport.evidence_rows.set(rows);
    let offset = scroll_offset(
        app.viewport.evidence_offset.get(),
        ev.cursor,
        rows,
        ev.rows.len(),
    );
    app.viewport.evidence_offset.set(offset);
    // Paper and location in columns sized to the screen, the quote after.
    let cite_width = (width / 4).clamp(8, 24);
    let loc_width = (width / 8).clamp(4, 14);
    let mut lines: Vec<Line> = Vec::with_capacity(rows.min(ev.rows.len()).max(1));
    for (i, &row) in ev.rows.iter().enumerate().skip(offset).take(rows) {
        let Some((p, q)) = quote_at(app, row) else {
            continue;
        };
        let cite = truncate(&p.short_cite(), cite_width);
        let loc = truncate(&one_line(&q.location), loc_width);
        let lead = format!(
            "{}{cite}{} {loc}{} ",
            if i == ev.cursor { "▸ " } else { "  " },
            " ".repeat(cite_width - cite.width()),
            " ".repeat(loc_width - loc.width()),
        );
        // A quote left on a factor the paper was uncoded from: still the
        // reviewer's reading, but not counted as support.
        let uncoded = !q.factor.is_empty() && !app.codings.has(&p.id, &q.factor);
        let text = truncate(
            &format!(
                "{}“{}”",
                if uncoded { "(not coded) " } else { "" },
                one_line(&q.text)
            ),
            width.saturating_sub(lead.width()),
        );
        let text = if uncoded {
            Span::styled(text, theme.dim())
        } else {
            Span::raw(text)
        };
        let line = Line::from(vec![Span::raw(lead), text]);
        lines.push(if i == ev.cursor {
            line.style(theme.selected())
        } else {
            line
        });
    }
    if ev.rows.is_empty() {
        lines.push(Line::styled(
            if ev.query.is_empty() {
                "No quotes for this factor yet: e on a paper adds one; tab: next factor"
            } else {
                "No quote matches the filter (/ to change it)"
            },
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    draw_preview(frame, preview_area, app, theme);
}

/// The selected quote whole: paper, location, text and comment.
fn draw_preview(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let block = Block::bordered().border_style(theme.border(false));
    let inner = block.inner(area);
    let selected = app
        .evidence
        .rows
        .get(app.evidence.cursor)
        .and_then(|&row| quote_at(app, row));
    let Some((p, q)) = selected else {
        frame.render_widget(block, area);
        return;
    };
    let head = if q.location.is_empty() {
        format!(" {} · enter: go to paper ", p.short_cite())
    } else {
        format!(" {} · {} · enter: go to paper ", p.short_cite(), q.location)
    };
    let block = block.title(Span::styled(
        truncate(&head, area.width.saturating_sub(2) as usize),
        theme.title(),
    ));
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let rows = inner.height as usize;
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap(&format!("“{}”", q.text), width) {
        if lines.len() == rows {
            break;
        }
        lines.push(Line::raw(l));
    }
    if !q.comment.is_empty() {
        for l in wrap(&q.comment, width) {
            if lines.len() == rows {
                break;
            }
            lines.push(Line::styled(l, theme.dim()));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
