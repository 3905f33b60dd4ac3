//! The edit box over the screen while a quote, a note or a factor's label,
//! definition or key is typed: ratatui-textarea draws the text, wrapped,
//! and its cursor; the terminal's cursor is put on the same cell.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use super::{key_hints, truncate, wrap};
use crate::app::{App, EditTarget, Editor};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, editor: &Editor, theme: Theme) {
    let width = area.width.saturating_sub(4).min(76);
    let inner_width = width.saturating_sub(2) as usize;
    let field = &editor.input;
    // Only sizes the box; the widget does the wrapping it shows.
    let wrapped: usize = field
        .area()
        .lines()
        .iter()
        .map(|l| wrap(l, inner_width.max(1)).len().max(1))
        .sum();
    let room = area.height.saturating_sub(2).max(3);
    // A quote or note gets room to write paragraphs in.
    let rows = if field.multiline() {
        wrapped + 1
    } else {
        wrapped
    };
    let min = if field.multiline() { 6 } else { 3 };
    let height = (rows as u16 + 2).clamp(min.min(room), room);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    let about = match &editor.target {
        EditTarget::Note | EditTarget::ExcludeOther => app
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
        format!(" {} ", editor.target.title())
    } else {
        format!(" {} · {about} ", editor.target.title())
    };
    let mut block = Block::bordered()
        .title(Span::styled(truncate(&title, inner_width), theme.title()))
        .border_style(theme.border(true));
    if field.multiline() {
        // Enter is a new line here, so the key that keeps the text is
        // said where the reviewer is looking.
        let hint = key_hints(
            app,
            Layer::Edit,
            &[
                (Action::Confirm, "keep"),
                (Action::Newline, "new line"),
                (Action::Close, "cancel"),
            ],
        );
        block = block
            .title_bottom(Line::styled(truncate(&hint, inner_width), theme.dim()).right_aligned());
    }
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    frame.render_widget(field.area(), inner);
    // Where the widget drew its cursor: display row and column of the
    // wrapped text, less the rows scrolled off the top.
    let cursor = field.area().screen_cursor();
    let (top, _) = field.area().scroll_offset();
    let row = cursor.row.saturating_sub(top as usize) as u16;
    frame.set_cursor_position(Position {
        x: inner.x + (cursor.col as u16).min(inner.width.saturating_sub(1)),
        y: inner.y + row.min(inner.height.saturating_sub(1)),
    });
}
