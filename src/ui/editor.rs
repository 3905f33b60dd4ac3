//! The one-line editor: a box over the screen while a quote, a note or a
//! factor's label, definition or key is typed.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{truncate, wrap};
use crate::app::{App, EditTarget};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let width = area.width.saturating_sub(4).min(76);
    let inner_width = width.saturating_sub(2) as usize;
    let text = &app.input.text;
    let mut lines = wrap(text, inner_width.max(1));
    if lines.is_empty() {
        lines.push(String::new());
    }
    let height = (lines.len() as u16 + 2).clamp(3, area.height.saturating_sub(2).max(3));
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    let about = match &app.edit_target {
        EditTarget::Quote | EditTarget::Note => app
            .current_paper()
            .map(|p| p.short_cite())
            .unwrap_or_default(),
        EditTarget::Label(id)
        | EditTarget::Definition(id)
        | EditTarget::Key(id)
        | EditTarget::Split(id) => app
            .review
            .config
            .factors
            .iter()
            .find(|f| &f.id == id)
            .map(|f| f.label.clone())
            .unwrap_or_default(),
        EditTarget::NewFactor => String::new(),
    };
    let title = if about.is_empty() {
        format!(" {} ", app.edit_target.title())
    } else {
        format!(" {} · {about} ", app.edit_target.title())
    };
    let block = Block::bordered()
        .title(Span::styled(truncate(&title, inner_width), theme.title()))
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    let rows = inner.height as usize;

    // Where the cursor falls in the wrapped text: count the characters
    // before it, then walk the wrapped lines (wrap drops only the spaces it
    // breaks at, one per line break).
    let before = text[..app.input.cursor.min(text.len())].trim_start();
    let mut remaining = before.chars().count();
    let (mut row, mut col) = (0usize, 0usize);
    for (i, line) in lines.iter().enumerate() {
        let n = line.chars().count();
        if remaining <= n || i + 1 == lines.len() {
            row = i;
            let prefix: String = line.chars().take(remaining).collect();
            col = prefix.width();
            break;
        }
        remaining = remaining.saturating_sub(n + 1);
    }
    let scroll = row.saturating_sub(rows.saturating_sub(1));
    let visible: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(rows)
        .map(|l| Line::raw(l.clone()))
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(visible), inner);
    frame.set_cursor_position(Position {
        x: inner.x + (col as u16).min(inner.width.saturating_sub(1)),
        y: inner.y + (row - scroll) as u16,
    });
}
