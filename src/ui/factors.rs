//! The codebook: each factor, its key, and whether the selected paper has it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{scroll_offset, truncate};
use crate::app::{App, Focus};
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Focus::Factors;
    let mut block = Block::bordered()
        .title(Span::styled(" Factors ", theme.title()))
        .border_style(theme.border(focused));
    if focused
        && let Some(f) = app.review.config.factors.get(app.factor_cursor)
        && !f.definition.is_empty()
    {
        // The definition of the factor under the cursor, where it is chosen.
        block = block.title_bottom(Span::styled(
            truncate(
                &format!(" {} ", f.definition),
                area.width.saturating_sub(2) as usize,
            ),
            theme.dim(),
        ));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let factors = &app.review.config.factors;
    if factors.is_empty() {
        frame.render_widget(
            Paragraph::new("No factors yet: b adds one")
                .wrap(ratatui::widgets::Wrap { trim: true })
                .style(theme.dim()),
            inner,
        );
        return;
    }
    let rows = inner.height as usize;
    let offset = scroll_offset(
        app.viewport.factor_offset.get(),
        app.factor_cursor,
        rows,
        factors.len(),
    );
    app.viewport.factor_offset.set(offset);
    let below = factors.len().saturating_sub(offset + rows);
    if below > 0 && area.height > 0 {
        // Rows below the fold: say so on the bottom border.
        let text = format!(" ↓ {below} more ");
        let x = area.x + area.width.saturating_sub(text.chars().count() as u16 + 1);
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.dim())),
            Rect {
                x,
                y: area.y + area.height - 1,
                width: area.width.min(12),
                height: 1,
            },
        );
    }
    // Key labels as long as the longest (`1`, `f2`, `alt-x`), within reason.
    let key_width = factors
        .iter()
        .filter_map(|f| f.key.as_deref())
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(1)
        .clamp(1, 6);
    let label_width = (inner.width as usize).saturating_sub(key_width + 5);
    let lines: Vec<Line> = factors
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, f)| {
            let has = app.selected_has(i);
            let key = f.key.as_deref().unwrap_or(" ");
            let check = if has { "[x]" } else { "[ ]" };
            let line = Line::from(vec![
                Span::styled(
                    format!("{:<key_width$} ", truncate(key, key_width)),
                    theme.key(),
                ),
                Span::styled(check, if has { theme.coded() } else { theme.dim() }),
                Span::raw(" "),
                Span::raw(truncate(&f.label, label_width)),
            ]);
            if focused && i == app.factor_cursor {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
