//! The GRADE-CERQual form over the codebook: the finding (three lines),
//! each component and the overall confidence with its level and a line of
//! explanation, then the contributing studies (from the codings, not
//! typed) and why the last keep did not save.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::{key_hints, popup, truncate, wrap};
use crate::app::App;
use crate::app::cerqual::{CerqualForm, PARTS, Slot, level_label, part_label};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::ui::theme::Theme;

/// Lines the finding gets.
const FINDING_ROWS: u16 = 3;
/// Width of a judgement's name.
const LABEL: usize = 28;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &CerqualForm, theme: Theme) {
    let studies_rows: u16 = 2;
    let problem_rows = u16::from(form.problem.is_some()) * 2;
    let height = 1 + FINDING_ROWS + 2 * PARTS as u16 + 1 + studies_rows + problem_rows + 2;
    let width = area.width.saturating_sub(4).min(76);
    let popup = popup(area, width, height.min(area.height));
    let inner_width = popup.width.saturating_sub(2) as usize;
    let label = app
        .review
        .config
        .factors
        .iter()
        .find(|f| f.id == form.factor)
        .map(|f| f.label.as_str())
        .unwrap_or(form.factor.as_str());
    let title = format!(" GRADE-CERQual · {label} ");
    let keys = key_hints(
        app,
        Layer::Edit,
        &[
            (Action::Confirm, "keep"),
            (Action::NextField, "next"),
            (Action::Close, "cancel"),
        ],
    );
    let hint = format!(" ←/→ level ·{keys}");
    let block = Block::bordered()
        .title(Span::styled(truncate(&title, inner_width), theme.title()))
        .title_bottom(Line::styled(truncate(&hint, inner_width), theme.dim()).right_aligned())
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let text_width = inner.width.saturating_sub(2);
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let line = |frame: &mut Frame, y: &mut u16, l: Line| {
        if *y < bottom {
            frame.render_widget(Paragraph::new(l), Rect::new(inner.x, *y, inner.width, 1));
            *y += 1;
        }
    };
    let marker = |here: bool| if here { "▸ " } else { "  " };
    let style = |here: bool| if here { theme.key() } else { theme.dim() };

    let here = form.slot == Slot::Finding;
    line(
        frame,
        &mut y,
        Line::styled(format!("{}Finding", marker(here)), style(here)),
    );
    let rows = FINDING_ROWS.min(bottom.saturating_sub(y));
    let finding = Rect::new(inner.x + 2, y, text_width, rows);
    text(frame, finding, form.finding.area(), here);
    y += rows;

    for i in 0..PARTS {
        let here = form.slot == Slot::Level(i);
        let level = form.levels.get(i).copied().unwrap_or(0);
        let shown = level_label(i, level);
        let value = if here {
            format!("‹ {shown} ›")
        } else {
            shown.to_string()
        };
        let value_style = if level == 0 {
            theme.dim()
        } else {
            ratatui::style::Style::new()
        };
        let name = format!("{}{:<LABEL$}", marker(here), part_label(i));
        line(
            frame,
            &mut y,
            Line::from(vec![
                Span::styled(truncate(&name, inner_width), style(here)),
                Span::styled(
                    truncate(&value, inner_width.saturating_sub(LABEL + 2)),
                    value_style,
                ),
            ]),
        );
        let here = form.slot == Slot::Explanation(i);
        if y < bottom {
            if let Some(field) = form.explanations.get(i) {
                if here {
                    frame.render_widget(
                        Paragraph::new(Span::styled("▸ ", theme.key())),
                        Rect::new(inner.x, y, 2, 1),
                    );
                }
                let rect = Rect::new(inner.x + 2, y, text_width, 1);
                let empty = field.area().lines().iter().all(|l| l.is_empty());
                if empty && !here {
                    frame.render_widget(
                        Paragraph::new(Span::styled("(explanation)", theme.dim())),
                        rect,
                    );
                } else {
                    text(frame, rect, field.area(), here);
                }
            }
            y += 1;
        }
    }
    line(
        frame,
        &mut y,
        Line::styled("─".repeat(inner_width), theme.dim()),
    );
    let studies = if form.studies.is_empty() {
        "Contributing studies: none yet (no paper is coded with this factor)".to_string()
    } else {
        format!(
            "Contributing studies ({}): {}",
            form.studies.len(),
            form.citations
        )
    };
    let wrapped = wrap(&studies, inner_width.max(1));
    let last = wrapped.len().min(studies_rows as usize);
    for (n, l) in wrapped.iter().take(last).enumerate() {
        let l = if n + 1 == last && wrapped.len() > last {
            truncate(&format!("{l} …"), inner_width)
        } else {
            l.clone()
        };
        line(frame, &mut y, Line::styled(l, theme.dim()));
    }
    if let Some(problem) = &form.problem {
        for l in wrap(problem, inner_width.max(1)).into_iter().take(2) {
            line(frame, &mut y, Line::styled(l, theme.warning()));
        }
    }
}

/// A text field: the widget (with its cursor) where the cursor is, else
/// its text wrapped.
fn text(frame: &mut Frame, rect: Rect, area: &TextArea<'static>, here: bool) {
    if rect.height == 0 || rect.width == 0 {
        return;
    }
    if here {
        frame.render_widget(area, rect);
        let cursor = area.screen_cursor();
        let (top, _) = area.scroll_offset();
        let row = cursor.row.saturating_sub(top as usize) as u16;
        frame.set_cursor_position(Position {
            x: rect.x + (cursor.col as u16).min(rect.width.saturating_sub(1)),
            y: rect.y + row.min(rect.height.saturating_sub(1)),
        });
        return;
    }
    let mut lines = wrap(&area.lines().join("\n"), rect.width as usize);
    let n = rect.height as usize;
    let cut = lines.len() > n;
    lines.truncate(n);
    if cut && let Some(l) = lines.last_mut() {
        *l = truncate(&format!("{l} …"), rect.width as usize);
    }
    frame.render_widget(
        Paragraph::new(lines.into_iter().map(Line::raw).collect::<Vec<_>>()),
        rect,
    );
}
