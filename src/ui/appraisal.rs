//! The appraisal form over the screen: one line per checklist item (its
//! number, question and answer; a window of them when they do not all
//! fit), then the focused item whole: its question, the answers with the
//! chosen one marked, its comment, its guidance, and why the last ctrl-s
//! was refused.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{key_hints, popup, truncate, wrap};
use crate::app::{App, AppraisalForm, AppraisalPart};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::ui::theme::Theme;
use unicode_width::UnicodeWidthStr;

/// Cells for an answer in the item lines ("can't tell").
const ANSWER: usize = 14;
/// Lines under the item lines: rule, question (2), answers, comment,
/// guidance, refusal.
const DETAILS: u16 = 7;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &AppraisalForm, theme: Theme) {
    let Some(checklist) = &app.review.config.appraisal else {
        return;
    };
    let width = area.width.saturating_sub(4).min(78);
    let room = area.height.saturating_sub(2);
    let list_rows = (form.rows.len() as u16).min(room.saturating_sub(DETAILS + 2).max(1));
    let popup = popup(area, width, (list_rows + DETAILS + 2).min(room));
    let inner_width = popup.width.saturating_sub(2) as usize;
    let cite = app
        .current_paper()
        .map(|p| p.short_cite())
        .unwrap_or_default();
    let title = format!(" Appraisal · {cite} · {} ", checklist.title);
    let hint = key_hints(
        app,
        Layer::Edit,
        &[
            (Action::Confirm, "keep"),
            (Action::NextField, "next"),
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

    let shown = list_rows as usize;
    let start = form.cursor.saturating_sub(shown.saturating_sub(1));
    let number_width = checklist
        .items
        .iter()
        .map(|i| i.number.width())
        .max()
        .unwrap_or(1)
        .min(5);
    let question_width = inner_width.saturating_sub(2 + number_width + 1 + 1 + ANSWER + 2);
    let mut lines: Vec<Line> = Vec::with_capacity(shown + DETAILS as usize);
    for (i, row) in form.rows.iter().enumerate().skip(start).take(shown) {
        let Some(item) = checklist.items.get(row.item) else {
            continue;
        };
        let here = i == form.cursor;
        let marker = if here { "▸ " } else { "  " };
        let style = if here { theme.key() } else { theme.dim() };
        let question = truncate(&item.question, question_width);
        let pad = question_width.saturating_sub(question.width());
        let (answer, answer_style) = match &row.answer {
            None => ("—".to_string(), theme.dim()),
            Some(a) if !item.answers.contains(a) => (truncate(a, ANSWER), theme.warning()),
            Some(a) => (truncate(a, ANSWER), Style::new()),
        };
        let note = if row.comment.text.trim().is_empty() {
            "  "
        } else {
            " ✎"
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{:>number_width$} ", item.number), style),
            Span::raw(format!("{question}{} ", " ".repeat(pad))),
            Span::styled(answer, answer_style),
            Span::styled(note, theme.dim()),
        ]));
    }
    lines.push(Line::styled("─".repeat(inner_width), theme.dim()));
    let mut cursor_at = None;
    if let Some(row) = form.rows.get(form.cursor)
        && let Some(item) = checklist.items.get(row.item)
    {
        let text = format!("{}. {}", item.number, item.question);
        let mut question = wrap(&text, inner_width);
        if question.len() > 2 {
            let rest = question[1..].join(" ");
            question.truncate(1);
            question.push(truncate(&rest, inner_width));
        }
        question.resize(2, String::new());
        for q in question {
            lines.push(Line::raw(q));
        }
        let on_answer = form.part == AppraisalPart::Answer;
        let label =
            |s: &'static str, on: bool| Span::styled(s, if on { theme.key() } else { theme.dim() });
        let mut spans = vec![label(
            if on_answer {
                "▸ Answer:  "
            } else {
                "  Answer:  "
            },
            on_answer,
        )];
        for a in &item.answers {
            let chosen = row.answer.as_ref() == Some(a);
            let mark = if chosen { "(•) " } else { "( ) " };
            let style = if chosen && on_answer {
                theme.selected()
            } else {
                Style::new()
            };
            spans.push(Span::styled(format!("{mark}{a}"), style));
            spans.push(Span::raw("  "));
        }
        if let Some(a) = row.answer.as_ref().filter(|a| !item.answers.contains(a)) {
            spans.push(Span::styled(format!("“{a}” not allowed"), theme.warning()));
        }
        lines.push(Line::from(spans));
        let prefix = if on_answer {
            "  Comment: "
        } else {
            "▸ Comment: "
        };
        let room = inner_width.saturating_sub(prefix.width() + 1);
        let typed = &row.comment.text;
        // The end of a long comment stays in view while it is typed.
        let skip = typed.chars().count().saturating_sub(room);
        let visible: String = typed.chars().skip(skip).collect();
        if !on_answer {
            let before = row.comment.text[..row.comment.cursor]
                .chars()
                .skip(skip)
                .count();
            cursor_at = Some(((prefix.width() + before) as u16, lines.len() as u16));
        }
        lines.push(Line::from(vec![
            label(prefix, !on_answer),
            Span::raw(visible),
        ]));
        let guidance = if item.guidance.is_empty() {
            "←/→ or space: answer · a letter: the answer starting with it · backspace: none"
        } else {
            item.guidance.as_str()
        };
        lines.push(Line::styled(truncate(guidance, inner_width), theme.dim()));
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
