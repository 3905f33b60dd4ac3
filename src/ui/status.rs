//! The status line: review, reviewer, progress, save state, and a hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::truncate;
use crate::app::input::TextInput;
use crate::app::{App, Overlay, SaveState, Screen};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::ui::theme::Theme;

/// Draws the status line; returns whether the message had to be cut short
/// (the caller then shows it whole above the line).
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) -> bool {
    let width = area.width as usize;
    let keymap = &app.review.keymap;
    let hint_for = |mode: Layer, action: Action, word: &str| {
        keymap
            .first_key(mode, action)
            .map(|k| format!("{k} {word}"))
    };
    let layer = app.layer();
    let hints: Vec<String> = match layer {
        Layer::Normal => vec![
            hint_for(Layer::Normal, Action::Help, "help"),
            hint_for(Layer::Normal, Action::Search, "find"),
            hint_for(Layer::Normal, Action::Palette, "cmds"),
            hint_for(Layer::Normal, Action::Quit, "quit"),
        ],
        Layer::Tally => vec![
            hint_for(Layer::Tally, Action::OpenPaper, "open"),
            hint_for(Layer::Tally, Action::Close, "back"),
        ],
        Layer::Evidence => vec![
            hint_for(Layer::Evidence, Action::Search, "filter"),
            hint_for(Layer::Evidence, Action::FocusNext, "factor"),
            hint_for(Layer::Evidence, Action::Close, "back"),
        ],
        Layer::Matrix => vec![
            hint_for(Layer::Matrix, Action::OpenPaper, "open"),
            hint_for(Layer::Matrix, Action::MatrixColumns, "columns"),
            hint_for(Layer::Matrix, Action::Close, "back"),
        ],
        Layer::Codebook => vec![
            hint_for(Layer::Codebook, Action::Help, "help"),
            hint_for(Layer::Codebook, Action::Close, "back"),
        ],
        Layer::Help => vec![hint_for(Layer::Help, Action::Close, "close")],
        Layer::Edit => vec![
            hint_for(Layer::Edit, Action::Confirm, "keep"),
            hint_for(Layer::Edit, Action::Close, "cancel"),
        ],
        Layer::Search => vec![
            hint_for(Layer::Search, Action::Confirm, "keep"),
            hint_for(Layer::Search, Action::Close, "clear"),
        ],
        Layer::Palette | Layer::Pick => vec![
            hint_for(layer, Action::Confirm, "choose"),
            hint_for(layer, Action::Close, "cancel"),
        ],
        Layer::Text => Vec::new(),
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

    if let Some(Overlay::Search(line)) = app.overlay() {
        let count = format!("  {}/{} match ", app.list.count_label(), app.paper_count());
        draw_search(frame, area, &line.input, &count, theme, &right);
        return false;
    }
    if app.overlay().is_none()
        && app.screen() == Screen::Evidence
        && let Some(input) = &app.evidence.typing
    {
        let count = format!("  {} quotes match ", app.evidence.rows.len());
        draw_search(frame, area, input, &count, theme, &right);
        return false;
    }
    let t = &app.tally;
    let shown = if app.list.is_filtered() {
        format!("{}/{} shown · ", app.list.count_label(), app.paper_count())
    } else {
        String::new()
    };
    let left = format!(
        " {} · {} · coded {}/{} · {shown}",
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
    let mut show_hint = room >= hint_width + 2;
    let mut cut = false;
    if let Some(n) = &app.notice {
        let sep = 3;
        let with_hint = room.saturating_sub(sep + hint_width + 2);
        let text_room = if with_hint >= 16 {
            with_hint
        } else {
            show_hint = false;
            room.saturating_sub(sep)
        };
        cut = n.text.width() > text_room;
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
    if show_hint && room >= hint_width + 2 {
        spans.push(Span::raw(" ".repeat(room - hint_width)));
        spans.push(Span::styled(right, theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status()),
        area,
    );
    cut
}

/// A message too long for the status line, whole and wrapped, just above
/// it over the bottom of `body` (at most a third of it); gone with the
/// message.
pub fn draw_whole_notice(frame: &mut Frame, body: Rect, app: &App, theme: Theme) {
    let Some(n) = &app.notice else {
        return;
    };
    let width = body.width.saturating_sub(2).max(1) as usize;
    let lines = n.text.width().div_ceil(width).max(1) as u16;
    let height = (lines + 2).min(body.height / 3).max(1);
    if height < 3 {
        return;
    }
    let area = Rect {
        y: body.y + body.height - height,
        height,
        ..body
    };
    let style = if n.warning {
        theme.warning()
    } else {
        theme.dim()
    };
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(
        Paragraph::new(n.text.as_str())
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(ratatui::widgets::Block::bordered().border_style(theme.border(false))),
        area,
    );
}

/// While searching, the status line is the search line: `/query` with a
/// cursor, and how many papers match.
fn draw_search(
    frame: &mut Frame,
    area: Rect,
    input: &TextInput,
    count: &str,
    theme: Theme,
    hint: &str,
) {
    let width = area.width as usize;
    let room = width.saturating_sub(count.width() + hint.width() + 2);
    let query = format!("/{}", input.text);
    let shown = truncate(&query, room);
    let pad = width.saturating_sub(shown.width() + count.width() + hint.width());
    let line = Line::from(vec![
        Span::styled(shown, theme.title()),
        Span::styled(count.to_string(), theme.dim()),
        Span::raw(" ".repeat(pad)),
        Span::styled(hint.to_string(), theme.dim()),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.status()), area);
    let before = input.text[..input.cursor.min(input.text.len())].width() + 1;
    frame.set_cursor_position(ratatui::layout::Position {
        x: area.x + (before as u16).min(area.width.saturating_sub(1)),
        y: area.y,
    });
}
