//! A short list to choose from: exclusion reasons, a factor to merge into.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{popup, truncate};
use crate::app::Pick;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, pick: &Pick, theme: Theme) {
    let width = pick
        .items
        .iter()
        .map(|(shown, _)| shown.chars().count() + 4)
        .chain([pick.title.chars().count() + 4])
        .max()
        .unwrap_or(20)
        .clamp(24, 70) as u16;
    let area = popup(area, width, pick.items.len() as u16 + 2);
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&format!(" {} ", pick.title), width as usize - 2),
            theme.title(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    let rows = inner.height as usize;
    let offset = pick.cursor.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = pick
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, (shown, _))| {
            let line = Line::raw(truncate(&format!(" {shown}"), inner.width as usize));
            if i == pick.cursor {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), inner);
}
