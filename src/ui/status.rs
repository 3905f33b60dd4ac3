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
    let mut spans = vec![
        Span::raw(truncate(&left, width)),
        Span::styled(save_text, save_style),
    ];
    if let Some(n) = &app.notice {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            n.text.clone(),
            if n.warning {
                theme.warning()
            } else {
                theme.dim()
            },
        ));
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    // The hint yields to the message: a save error must always be readable.
    if used + right.width() < width {
        spans.push(Span::raw(" ".repeat(width - used - right.width())));
        spans.push(Span::styled(right, theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status()),
        area,
    );
}
