//! The quote form over the screen: the quote's text (the most room), its
//! location and a comment, each a ratatui-textarea field; the terminal's
//! cursor is put in the field being written.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{key_hints, truncate};
use crate::app::{App, QuoteField, QuoteForm};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &QuoteForm, theme: Theme) {
    let width = area.width.saturating_sub(4).min(76);
    let height = area.height.saturating_sub(2).min(20);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    let inner_width = width.saturating_sub(2) as usize;
    let cite = app
        .current_paper()
        .map(|p| p.short_cite())
        .unwrap_or_default();
    let verb = if form.index.is_some() {
        "Edit quote"
    } else {
        "New quote"
    };
    let title = format!(
        " {verb} · {} · {cite} ",
        app.quote_factor_label(&form.factor)
    );
    let hint = key_hints(
        app,
        Layer::Edit,
        &[
            (Action::Confirm, "keep"),
            (Action::NextField, "next field"),
            (Action::ExternalEditor, "$EDITOR"),
            (Action::Close, "cancel"),
        ],
    );
    let block = Block::bordered()
        .title(Span::styled(truncate(&title, inner_width), theme.title()))
        .title_bottom(Line::styled(truncate(&hint, inner_width), theme.dim()).right_aligned())
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    // The text gets what the location (one line) and comment leave.
    let comment_rows = if inner.height >= 12 { 3 } else { 1 };
    let [
        text_label,
        text,
        location_label,
        location,
        comment_label,
        comment,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(comment_rows),
    ])
    .areas(inner);
    for (field, label_area, field_area) in [
        (QuoteField::Text, text_label, text),
        (QuoteField::Location, location_label, location),
        (QuoteField::Comment, comment_label, comment),
    ] {
        let focused = form.field == field;
        let style = if focused { theme.key() } else { theme.dim() };
        let marker = if focused { "▸ " } else { "  " };
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&format!("{marker}{}", field.label()), inner_width),
                style,
            )),
            label_area,
        );
        let input = form.input(field);
        frame.render_widget(input.area(), field_area);
        if focused {
            let cursor = input.area().screen_cursor();
            let (top, _) = input.area().scroll_offset();
            let row = cursor.row.saturating_sub(top as usize) as u16;
            frame.set_cursor_position(Position {
                x: field_area.x + (cursor.col as u16).min(field_area.width.saturating_sub(1)),
                y: field_area.y + row.min(field_area.height.saturating_sub(1)),
            });
        }
    }
}
