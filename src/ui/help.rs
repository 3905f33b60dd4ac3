//! The help overlay, drawn from the live keymap: what it lists is what works.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::wrap;
use crate::app::App;
use crate::keys::keymap::{Binding, Layer};
use crate::ui::theme::Theme;

fn section_title(mode: Layer) -> &'static str {
    match mode {
        Layer::Normal => "Coding",
        Layer::Tally => "Tally view (t)",
        Layer::Codebook => "Codebook editor (b)",
        Layer::Search => "Search (/)",
        Layer::Palette => "Command palette (:)",
        Layer::Pick => "Choosing from a list",
        Layer::Edit => "Writing a quote, note or label",
        Layer::Text => "Editing text (search, palette, writing)",
        Layer::Help => "This help",
        Layer::Evidence => "Evidence view (v)",
        Layer::Matrix => "Matrix (m)",
    }
}

/// Every line of the help, in order; the renderer shows a window of it.
pub fn lines(app: &App, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let keymap = &app.review.keymap;
    let key_width = Layer::ALL
        .iter()
        .flat_map(|&m| keymap.bindings(m))
        .map(|b| b.keys_label().chars().count())
        .max()
        .unwrap_or(4)
        .min(14);
    let mut out = Vec::new();
    for mode in Layer::ALL {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(section_title(mode), theme.title()));
        for b in keymap.bindings(mode) {
            // Long key lists and descriptions wrap onto more lines rather
            // than being cut: the help must show every binding whole.
            let text_width = width.saturating_sub(key_width + 4).max(10);
            let keys = key_lines(b, key_width);
            let text = wrap(&b.help, text_width);
            for i in 0..keys.len().max(text.len()) {
                let lead = keys.get(i).map(String::as_str).unwrap_or("");
                out.push(Line::from(vec![
                    Span::styled(format!("  {lead:>key_width$}  "), theme.key()),
                    Span::raw(text.get(i).cloned().unwrap_or_default()),
                ]));
            }
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "Every change is saved before the next key. Keys: [keys] in config.toml.",
        theme.dim(),
    ));
    out
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, scroll: usize, theme: Theme) {
    let width = area.width.saturating_sub(4).min(90);
    let height = area.height.saturating_sub(2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .title(Span::styled(" Keys · esc closes ", theme.title()))
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    let all = lines(app, theme, inner.width as usize);
    let rows = inner.height as usize;
    app.viewport.help_rows.set(rows);
    app.viewport.help_lines.set(all.len());
    let scroll = scroll.min(all.len().saturating_sub(rows));
    let visible: Vec<Line> = all.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(visible), inner);
}

/// "pgdn/ctrl-d/space" in lines of at most `width` cells, split at the `/`s.
fn key_lines(binding: &Binding, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for key in binding.keys.iter().map(ToString::to_string) {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + key.chars().count() <= width => {
                line.push('/');
                line.push_str(&key);
            }
            _ => lines.push(key),
        }
    }
    lines
}
