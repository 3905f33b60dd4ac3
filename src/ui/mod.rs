//! Drawing. Pure functions of `App` (plus the viewport sizes they record);
//! every panel builds only the rows it can show.

mod appraisal;
mod cerqual;
mod characteristics;
mod codebook;
mod detail;
mod editor;
mod evidence;
mod factors;
mod help;
mod matrix;
mod palette;
mod papers;
mod pick;
mod quote;
mod status;
mod tally;
mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::{App, Overlay, Screen};
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::ui::theme::Theme;

pub use text::{truncate, visible, wrap};

/// Centered popup of at most `width` × `height` inside `area`.
pub(crate) fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Below this the layout cannot show a paper and the codebook together.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    let too_small = area.width < MIN_WIDTH || area.height < MIN_HEIGHT;
    app.viewport.too_small.set(too_small);
    if too_small {
        draw_too_small(frame, area, theme);
        return;
    }
    let [body, status_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    match app.screen() {
        Screen::Tally => tally::draw_full(frame, body, app, theme),
        Screen::Codebook => codebook::draw(frame, body, app, theme),
        Screen::Evidence => evidence::draw(frame, body, app, theme),
        Screen::Matrix => matrix::draw(frame, body, app, theme),
        Screen::Workbench => draw_main(frame, body, app, theme),
    }
    // At most one overlay, on top of that screen (the search line is drawn
    // in the status line).
    match app.overlay() {
        Some(Overlay::Help { scroll }) => help::draw(frame, body, app, *scroll, theme),
        Some(Overlay::Edit(editor)) => editor::draw(frame, body, app, editor, theme),
        Some(Overlay::Quote(form)) => quote::draw(frame, body, app, form, theme),
        Some(Overlay::Characteristics(form)) => {
            characteristics::draw(frame, body, app, form, theme)
        }
        Some(Overlay::Appraisal(form)) => appraisal::draw(frame, body, app, form, theme),
        Some(Overlay::Cerqual(form)) => cerqual::draw(frame, body, app, form, theme),
        Some(Overlay::Palette(p)) => palette::draw(frame, body, app, p, theme),
        Some(Overlay::Pick(pick)) => pick::draw(frame, body, pick, theme),
        Some(Overlay::Search(_)) | None => {}
    }
    // Only a warning too long for the status line is shown whole above it;
    // a routine confirmation is cut, never laid over the codebook.
    let warning = app.notice.as_ref().is_some_and(|n| n.warning);
    if status::draw(frame, status_area, app, theme) && warning {
        status::draw_whole_notice(frame, body, app, theme);
    }
    guard(frame.buffer_mut());
}

/// " ctrl-s keep · esc cancel ": the first key of each action in `layer`,
/// with what it does, as a box's bottom line says it.
pub(crate) fn key_hints(app: &App, layer: Layer, hints: &[(Action, &str)]) -> String {
    let keymap = &app.review.keymap;
    let shown: Vec<String> = hints
        .iter()
        .filter_map(|&(action, word)| {
            keymap
                .first_key(layer, action)
                .map(|k| format!("{k} {word}"))
        })
        .collect();
    format!(" {} ", shown.join(" · "))
}

/// The last word on what reaches the terminal: whatever a panel drew from a
/// file (a title, a label, a quote), no cell keeps a character a terminal
/// would act on. ratatui drops most controls but keeps zero-width ones such
/// as the bidi overrides, which reorder the rest of the line.
fn guard(buffer: &mut ratatui::buffer::Buffer) {
    use crate::infra::diagnostic::acts_on_terminal;
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.chars().any(acts_on_terminal) {
            let kept: String = symbol.chars().filter(|&c| !acts_on_terminal(c)).collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

fn draw_main(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let left_width = (area.width * 2 / 5).clamp(28, 72);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(20)]).areas(area);
    // The codebook and tally take what their rows need, up to about half.
    let factor_rows = app.factor_count() as u16;
    let max_half = area.height / 2;
    let [papers_area, factors_area] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length((factor_rows + 2).min(max_half).max(3)),
    ])
    .areas(left);
    let [detail_area, tally_area] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length((factor_rows + 3).min(max_half).max(4)),
    ])
    .areas(right);
    papers::draw(frame, papers_area, app, theme);
    factors::draw(frame, factors_area, app, theme);
    detail::draw(frame, detail_area, app, theme);
    tally::draw_panel(frame, tally_area, app, theme);
}

fn draw_too_small(frame: &mut Frame, area: Rect, theme: Theme) {
    let message = vec![
        Line::styled("Terminal too small", theme.title()),
        Line::raw(format!(
            "thema needs {MIN_WIDTH}×{MIN_HEIGHT}; this is {}×{}.",
            area.width, area.height
        )),
        Line::raw("Enlarge the window; q quits."),
    ];
    frame.render_widget(
        Paragraph::new(message)
            .wrap(Wrap { trim: true })
            .block(Block::bordered()),
        area,
    );
}

/// Keeps `selected` on screen, scrolling as little as possible from `offset`.
pub(crate) fn scroll_offset(offset: usize, selected: usize, rows: usize, len: usize) -> usize {
    if rows == 0 {
        return 0;
    }
    let max_offset = len.saturating_sub(rows);
    let offset = if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    };
    offset.min(max_offset)
}

#[cfg(test)]
mod tests {
    use super::scroll_offset;

    #[test]
    fn scrolling_keeps_the_selection_visible_and_moves_little() {
        assert_eq!(scroll_offset(0, 3, 5, 100), 0);
        assert_eq!(scroll_offset(0, 5, 5, 100), 1);
        assert_eq!(scroll_offset(10, 12, 5, 100), 10);
        assert_eq!(scroll_offset(10, 4, 5, 100), 4);
        assert_eq!(scroll_offset(90, 99, 20, 100), 80);
    }
}
