//! The study characteristics form over the screen: one line per field
//! (label and value), then the choices or completions of the field being
//! filled, its definition, and why the last ctrl-s was refused.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{popup, truncate};
use crate::app::{App, CharacteristicsForm, FormRow};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::review::characteristics::{Characteristic, Kind};
use crate::ui::theme::Theme;

/// Label column width (labels longer are cut).
const LABEL: usize = 18;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &CharacteristicsForm, theme: Theme) {
    let fields = &app.review.config.characteristics;
    let focused = form.rows.get(form.cursor);
    let ch = focused.and_then(|r| fields.get(r.field));
    // Rows, a rule, the details of the focused field (at most 8 lines and
    // how to fill it), its definition, the refusal: each line only if shown.
    let details = focused.map_or(0, |r| r.options.len().clamp(1, 8)) as u16;
    let choice = ch.is_some_and(|c| c.kind.is_choice());
    let height = form.rows.len() as u16
        + 3
        + details
        + u16::from(choice)
        + u16::from(ch.is_some_and(|c| !c.definition.is_empty()))
        + u16::from(form.problem.is_some());
    let width = area.width.saturating_sub(4).min(76);
    let popup = popup(area, width, height.min(area.height.saturating_sub(2)));
    let inner_width = popup.width.saturating_sub(2) as usize;
    let cite = app
        .current_paper()
        .map(|p| p.short_cite())
        .unwrap_or_default();
    let title = format!(" Study characteristics · {cite} ");
    let keymap = &app.review.keymap;
    let hint: Vec<String> = [
        (Action::Confirm, "keep"),
        (Action::NextField, "next"),
        (Action::Close, "cancel"),
    ]
    .into_iter()
    .filter_map(|(a, word)| {
        keymap
            .first_key(Layer::Edit, a)
            .map(|k| format!("{k} {word}"))
    })
    .collect();
    let hint = format!(" {} ", hint.join(" · "));
    let block = Block::bordered()
        .title(Span::styled(truncate(&title, inner_width), theme.title()))
        .title_bottom(Line::styled(truncate(&hint, inner_width), theme.dim()).right_aligned())
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);

    let mut lines: Vec<Line> = Vec::with_capacity(form.rows.len() + 12);
    let mut cursor_at = None;
    for (i, row) in form.rows.iter().enumerate() {
        let Some(field) = fields.get(row.field) else {
            continue;
        };
        let here = i == form.cursor;
        let marker = if here { "▸ " } else { "  " };
        let label = pad(&truncate(&field.label, LABEL), LABEL);
        let style = if here { theme.key() } else { theme.dim() };
        let room = inner_width.saturating_sub(LABEL + 3);
        let mut spans = vec![Span::styled(format!("{marker}{label} "), style)];
        if field.kind.is_choice() {
            let shown = if row.chosen.is_empty() {
                "—".to_string()
            } else {
                row.chosen.join("; ")
            };
            let bad = row.chosen.iter().any(|v| !field.values.contains(v));
            let style = if bad {
                theme.warning()
            } else {
                ratatui::style::Style::new()
            };
            spans.push(Span::styled(truncate(&shown, room), style));
        } else {
            let typed = &row.input.text;
            // The end of a long value stays in view while it is typed.
            let skip = typed.chars().count().saturating_sub(room.saturating_sub(1));
            let visible: String = typed.chars().skip(skip).collect();
            if here {
                let before: String = row.input.text[..row.input.cursor]
                    .chars()
                    .skip(skip)
                    .collect();
                cursor_at = Some((
                    (2 + LABEL + 1 + before.chars().count()) as u16,
                    lines.len() as u16,
                ));
            }
            spans.push(Span::raw(visible.clone()));
            if here && let Some(done) = row.completion() {
                let rest: String = done.chars().skip(typed.chars().count()).collect();
                let left = room.saturating_sub(visible.chars().count());
                spans.push(Span::styled(truncate(&rest, left), theme.dim()));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::styled("─".repeat(inner_width), theme.dim()));
    if let (Some(row), Some(field)) = (focused, ch) {
        details_lines(&mut lines, row, field, inner_width, details as usize, theme);
        if !field.definition.is_empty() {
            lines.push(Line::styled(
                truncate(&field.definition, inner_width),
                theme.dim(),
            ));
        }
    }
    if let Some(problem) = &form.problem {
        lines.push(Line::styled(
            truncate(problem, inner_width),
            theme.warning(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some((x, y)) = cursor_at {
        frame.set_cursor_position(Position {
            x: inner.x + x.min(inner.width.saturating_sub(1)),
            y: inner.y + y,
        });
    }
}

/// The focused field's choices (a window around the choice cursor) or,
/// for typed fields, what it takes and the completion key.
fn details_lines(
    lines: &mut Vec<Line<'static>>,
    row: &FormRow,
    field: &Characteristic,
    width: usize,
    rows: usize,
    theme: Theme,
) {
    match field.kind {
        Kind::OneOf | Kind::SeveralOf => {
            let start = row.choice.saturating_sub(rows.saturating_sub(1));
            for (i, option) in row.options.iter().enumerate().skip(start).take(rows) {
                let chosen = row.chosen.contains(option);
                let mark = match (field.kind, chosen) {
                    (Kind::OneOf, true) => "(•)",
                    (Kind::OneOf, false) => "( )",
                    (_, true) => "[x]",
                    (_, false) => "[ ]",
                };
                let outside = if field.values.contains(option) {
                    ""
                } else {
                    "  not allowed: space removes it"
                };
                let text = truncate(&format!("  {mark} {option}{outside}"), width);
                let style = if i == row.choice {
                    theme.selected()
                } else if outside.is_empty() {
                    ratatui::style::Style::new()
                } else {
                    theme.warning()
                };
                lines.push(Line::styled(text, style));
            }
            let how = if field.kind == Kind::OneOf {
                "←/→ move · space chooses (again: clears)"
            } else {
                "←/→ move · space toggles"
            };
            lines.push(Line::styled(truncate(how, width), theme.dim()));
        }
        Kind::Text => {
            let how = if row.completion().is_some() {
                "→ at the end takes the suggestion".to_string()
            } else if row.used.is_empty() {
                "Free text".to_string()
            } else {
                format!("Used: {}", row.used.join(", "))
            };
            lines.push(Line::styled(truncate(&how, width), theme.dim()));
        }
        Kind::Number => {
            lines.push(Line::styled(
                truncate("A number (e.g. 24)", width),
                theme.dim(),
            ));
        }
    }
}

/// `text` followed by spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let mut s = String::with_capacity(width);
    s.push_str(text);
    s.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(text.chars().count()),
    ));
    s
}
