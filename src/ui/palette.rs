//! The command palette popup: the query, then matching commands with the
//! matched letters highlighted and each command's keys.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{popup, scroll_offset, truncate};
use crate::app::App;
use crate::app::palette::Palette;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, p: &Palette, theme: Theme) {
    let area = popup(
        area,
        area.width.saturating_sub(6).min(90),
        area.height.saturating_sub(4),
    );
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Commands · {}/{} · enter runs · esc closes ",
                p.matches.len(),
                p.entries.len()
            ),
            theme.title(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let query = format!(": {}", p.input.text);
    let mut lines = vec![Line::styled(truncate(&query, width), theme.title())];
    let rows = (inner.height as usize).saturating_sub(1);
    let offset = scroll_offset(
        app.viewport.palette_offset.get(),
        p.cursor,
        rows,
        p.matches.len(),
    );
    app.viewport.palette_offset.set(offset);
    for (row, (i, positions)) in p.matches.iter().enumerate().skip(offset).take(rows) {
        let Some(entry) = p.entries.get(*i) else {
            continue;
        };
        let keys_width = entry.keys.width().min(14);
        let title_width = width.saturating_sub(keys_width + 3);
        let title = truncate(&entry.title, title_width);
        let mut spans = Vec::new();
        // Matched letters stand out; only this one visible row is split up.
        for (ci, c) in title.chars().enumerate() {
            let style = if positions.binary_search(&ci).is_ok() {
                theme.key().add_modifier(Modifier::UNDERLINED)
            } else {
                ratatui::style::Style::new()
            };
            spans.push(Span::styled(c.to_string(), style));
        }
        let used = title.width();
        spans.push(Span::raw(
            " ".repeat(width.saturating_sub(used + keys_width + 1)),
        ));
        spans.push(Span::styled(truncate(&entry.keys, keys_width), theme.key()));
        let line = Line::from(spans);
        lines.push(if row == p.cursor {
            line.style(theme.selected())
        } else {
            line
        });
    }
    if p.matches.is_empty() {
        lines.push(Line::styled("No command matches.", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    let cursor_x = p.input.text[..p.input.cursor.min(p.input.text.len())].width() + 2;
    frame.set_cursor_position(Position {
        x: inner.x + (cursor_x as u16).min(inner.width.saturating_sub(1)),
        y: inner.y,
    });
}
