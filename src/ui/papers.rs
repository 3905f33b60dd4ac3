//! The paper list: one row per visible paper, with its coding marker, the
//! search's matched letters and the review's highlight terms.

use fuzzy_matcher::skim::SkimMatcherV2;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{scroll_offset, truncate};
use crate::app::search::{highlight_positions, term_ranges, terms};
use crate::app::{App, Focus};
use crate::ui::theme::Theme;

/// Cells of the appraisal column.
const APPRAISAL: usize = 7;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Focus::Papers;
    let list = &app.list;
    let shown = list.rows.len();
    let total = app.paper_count();
    let position = if shown == 0 { 0 } else { list.cursor + 1 };
    let mut title = if list.is_filtered() {
        format!(" Papers {position}/{} of {total} ", list.count_label())
    } else {
        format!(" Papers {position}/{total} ")
    };
    if list.sort != crate::keys::action::SortKey::Author {
        title.push_str(&format!("· by {} ", list.sort.label()));
    }
    let quick = list.quick.describe(&app.review.config.factors);
    if !quick.is_empty() {
        title.push_str(&format!("· {quick} "));
    }
    if !list.query.is_empty() {
        title.push_str(&format!("· /{} ", list.query));
    }
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&title, area.width.saturating_sub(2) as usize),
            theme.title(),
        ))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rows = inner.height as usize;
    let offset = scroll_offset(app.viewport.list_offset.get(), list.cursor, rows, shown);
    app.viewport.list_offset.set(offset);
    app.viewport.list_rows.set(rows);

    if shown == 0 {
        let message = if total == 0 {
            "No papers yet. Add [[sources]] to config.toml."
        } else {
            "No paper matches. esc shows every paper."
        };
        frame.render_widget(Paragraph::new(message).style(theme.dim()), inner);
        return;
    }
    // The appraisal column ("7/10": items answered with their favourable
    // answer, of all; "…" while some are unanswered; "—" not appraised),
    // only where the titles keep 30 cells (not at 80 columns).
    let appraisal =
        app.review.config.appraisal.is_some() && inner.width as usize >= 5 + APPRAISAL + 30;
    let text_width =
        (inner.width as usize).saturating_sub(5 + if appraisal { APPRAISAL } else { 0 });
    let query_terms = terms(&list.query);
    let matcher = crate::app::search::matcher();
    let lines: Vec<Line> = list.rows[offset..(offset + rows).min(shown)]
        .iter()
        .enumerate()
        .map(|(row, &i)| {
            let paper = &app.review.papers[i];
            let coding = app.coding_of(i);
            let excluded = coding.is_some_and(|c| !c.excluded.is_empty());
            let flagged = coding.is_some_and(|c| c.flagged);
            let n = app.coded_count(i);
            // Three cells: coding state (✓ and how many factors, or ✗ when
            // excluded), then ⚑ when flagged, so the flag shows on every row.
            let state = if excluded {
                Span::styled("✗ ", theme.dim())
            } else if n == 0 {
                Span::raw("  ")
            } else if n < 10 {
                Span::styled(format!("✓{n}"), theme.coded())
            } else {
                Span::styled("✓+", theme.coded())
            };
            let flag = if flagged {
                Span::styled("⚑ ", theme.warning())
            } else {
                Span::raw("  ")
            };
            let selected = offset + row == list.cursor;
            let pointer = if selected { "▸" } else { " " };
            let label = truncate(&paper.list_label(), text_width);
            let marks = marked_chars(&label, &matcher, &query_terms, &app.review.config.highlight);
            let base = if excluded {
                theme.dim().add_modifier(Modifier::CROSSED_OUT)
            } else {
                Style::new()
            };
            let mut spans = vec![Span::raw(pointer), state, flag];
            if appraisal {
                spans.push(match app.appraisal_summary(i) {
                    None => Span::styled("    —  ", theme.dim()),
                    Some(s) => {
                        let more = if s.complete() { ' ' } else { '…' };
                        let text = format!("{:>5}{more} ", format!("{}/{}", s.favourable, s.items));
                        let style = if s.complete() {
                            theme.coded()
                        } else {
                            theme.dim()
                        };
                        Span::styled(text, style)
                    }
                });
            }
            spans.extend(spans_for(&label, &marks, base, theme.key()));
            let line = Line::from(spans);
            match (selected, focused) {
                (true, true) => line.style(theme.selected()),
                (true, false) => line.style(theme.selected_unfocused()),
                _ => line,
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Which characters of a visible label to emphasise: the search's fuzzy
/// matches and the review's highlight terms.
fn marked_chars(
    label: &str,
    matcher: &SkimMatcherV2,
    query: &[String],
    highlight: &[String],
) -> Vec<bool> {
    let count = label.chars().count();
    let mut marks = vec![false; count];
    if !query.is_empty() {
        for p in highlight_positions(matcher, label, query) {
            if let Some(m) = marks.get_mut(p) {
                *m = true;
            }
        }
    }
    for (start, end) in term_ranges(label, highlight) {
        for (ci, (bi, _)) in label.char_indices().enumerate() {
            if bi >= start && bi < end {
                marks[ci] = true;
            }
        }
    }
    marks
}

/// Splits `text` into runs of marked and unmarked characters.
pub(super) fn spans_for(
    text: &str,
    marks: &[bool],
    base: Style,
    mark: Style,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (c, &m) in text
        .chars()
        .zip(marks.iter().chain(std::iter::repeat(&false)))
    {
        if m != run_marked && !run.is_empty() {
            let style = if run_marked { base.patch(mark) } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_marked = m;
        run.push(c);
    }
    if !run.is_empty() {
        let style = if run_marked { base.patch(mark) } else { base };
        spans.push(Span::styled(run, style));
    }
    spans
}
