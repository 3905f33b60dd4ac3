//! The status line: review, reviewer, progress, save state, and a hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::truncate;
use crate::action::Action;
use crate::app::{App, SaveState};
use crate::keymap::Mode;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let width = area.width as usize;
    let keymap = &app.review.keymap;
    let hint_for = |mode: Mode, action: Action, word: &str| {
        keymap
            .first_key(mode, action)
            .map(|k| format!("{k} {word}"))
    };
    let hints: Vec<String> = match app.mode {
        Mode::Normal => vec![
            hint_for(Mode::Normal, Action::Help, "help"),
            hint_for(Mode::Normal, Action::ShowTally, "tally"),
            hint_for(Mode::Normal, Action::Quit, "quit"),
        ],
        Mode::Tally => vec![
            hint_for(Mode::Tally, Action::OpenPaper, "open"),
            hint_for(Mode::Tally, Action::Close, "back"),
        ],
        Mode::Help => vec![hint_for(Mode::Help, Action::Close, "close")],
        Mode::Edit => vec![
            hint_for(Mode::Edit, Action::Confirm, "keep"),
            hint_for(Mode::Edit, Action::Close, "cancel"),
        ],
    }
    .into_iter()
    .flatten()
    .collect();
    // With a message to show, only the first hint (help) keeps its place.
    let hints = if app.notice.is_some() {
        &hints[..hints.len().min(1)]
    } else {
        &hints[..]
    };
    let right = format!("{} ", hints.join("  "));

    let t = &app.tally;
    let left = format!(
        " {} · {} · coded {}/{} · ",
        app.review.config.short_title,
        app.reviewer(),
        t.coded,
        t.papers
    );
    let (save_text, save_style) = match &app.save_state {
        SaveState::Saved => ("saved".to_string(), theme.coded()),
        SaveState::Failed(e) => (format!("NOT SAVED: {e}"), theme.error()),
    };
    // Priorities when space is short: the save state, then the message
    // (cut with …), then the key hint, then the review title.
    let save_width = save_text.width();
    let left = truncate(&left, width.saturating_sub(save_width));
    let mut room = width.saturating_sub(left.width() + save_width);
    let mut spans = vec![Span::raw(left), Span::styled(save_text, save_style)];
    let hint_width = right.width();
    let mut show_hint = room > hint_width;
    if let Some(n) = &app.notice {
        let sep = 3;
        let with_hint = room.saturating_sub(sep + hint_width + 1);
        let text_room = if with_hint >= 16 {
            with_hint
        } else {
            show_hint = false;
            room.saturating_sub(sep)
        };
        if text_room > 0 {
            let text = truncate(&n.text, text_room);
            room = room.saturating_sub(sep + text.width());
            spans.push(Span::raw(" · "));
            spans.push(Span::styled(
                text,
                if n.warning {
                    theme.warning()
                } else {
                    theme.dim()
                },
            ));
        }
    }
    if show_hint && room >= hint_width {
        spans.push(Span::raw(" ".repeat(room - hint_width)));
        spans.push(Span::styled(right, theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status()),
        area,
    );
}
