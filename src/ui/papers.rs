//! The paper list: one row per visible paper, with its coding marker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{scroll_offset, truncate};
use crate::app::{App, Focus};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Focus::Papers;
    let total = app.paper_count();
    let title = if total == 0 {
        " Papers 0/0 ".to_string()
    } else {
        format!(" Papers {}/{} ", app.selected + 1, total)
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rows = inner.height as usize;
    let offset = scroll_offset(app.viewport.list_offset.get(), app.selected, rows, total);
    app.viewport.list_offset.set(offset);
    app.viewport.list_rows.set(rows);

    if total == 0 {
        frame.render_widget(
            Paragraph::new("No papers yet. Add [[sources]] to config.toml.").style(theme.dim()),
            inner,
        );
        return;
    }
    let text_width = (inner.width as usize).saturating_sub(4);
    let lines: Vec<Line> = (offset..(offset + rows).min(total))
        .map(|i| {
            let paper = &app.review.papers[i];
            let n = app.coded_count(i);
            let marker = if n == 0 {
                Span::raw("   ")
            } else {
                Span::styled(format!("✓{:<2}", n.min(99)), theme.coded())
            };
            let selected = i == app.selected;
            let pointer = if selected { "▸" } else { " " };
            let line = Line::from(vec![
                Span::raw(pointer),
                marker,
                Span::raw(truncate(&paper.list_label, text_width)),
            ]);
            match (selected, focused) {
                (true, true) => line.style(theme.selected()),
                (true, false) => line.style(theme.selected_unfocused()),
                _ => line,
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
