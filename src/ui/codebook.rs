//! The codebook editor: every factor with its key, origin, studies and
//! definition; changes are written to config.toml as they are made.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{scroll_offset, truncate, wrap};
use crate::app::App;
use crate::review::cerqual::{Confidence, Level as _};
use crate::review::config::Origin;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let factors = &app.review.config.factors;
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(6)]).areas(area);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Codebook · {} factors ", factors.len()),
            theme.title(),
        ))
        .title_bottom(Span::styled(
            truncate(
                "a add · r rename · d define · h key · m merge · s split · J/K move · c CERQual",
                list_area.width.saturating_sub(2) as usize,
            ),
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let rows = inner.height.saturating_sub(1) as usize;
    let width = inner.width as usize;
    let offset = scroll_offset(
        app.viewport.codebook_offset.get(),
        app.codebook_cursor,
        rows,
        factors.len(),
    );
    app.viewport.codebook_offset.set(offset);
    let label_width = factors
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, width / 3);
    let mut lines = vec![Line::styled(
        format!(
            "  {:<6} {:<label_width$} {:<9} {:>7}  {:<10} finding",
            "key", "label", "origin", "studies", "confidence"
        ),
        theme.dim(),
    )];
    for (i, f) in factors.iter().enumerate().skip(offset).take(rows) {
        let studies = app.tally.rows.get(i).map(|r| r.studies).unwrap_or(0);
        let origin = match f.origin {
            Origin::APriori => "a priori",
            Origin::Emergent => "emergent",
        };
        let selected = i == app.codebook_cursor;
        let assessed = app.cerqual.get(&f.id);
        let confidence = assessed
            .and_then(|a| a.overall.level)
            .map_or("–", short_confidence);
        let finding = assessed.map_or("–", |a| a.finding.as_str());
        let text = format!(
            "{}{:<6} {:<label_width$} {:<9} {:>7}  {:<10} {}",
            if selected { "▸ " } else { "  " },
            truncate(f.key.as_deref().unwrap_or("–"), 6),
            truncate(&f.label, label_width),
            origin,
            studies,
            confidence,
            crate::app::input::one_line(finding)
        );
        let line = Line::raw(truncate(&text, width));
        lines.push(if selected {
            line.style(theme.selected())
        } else {
            line
        });
    }
    if factors.is_empty() {
        lines.push(Line::styled("  No factors yet: a adds one.", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);

    // The factor under the cursor, in full.
    let block = Block::bordered()
        .title(Span::styled(" Definition ", theme.title()))
        .border_style(theme.border(false));
    let inner = block.inner(detail_area);
    frame.render_widget(block, detail_area);
    let text = factors
        .get(app.codebook_cursor)
        .map(|f| {
            let mut text = if f.definition.is_empty() {
                format!(
                    "{} (id {}): no definition yet; d writes one.",
                    f.label, f.id
                )
            } else {
                format!("{} (id {}): {}", f.label, f.id, f.definition)
            };
            match (&app.cerqual_error, app.cerqual.get(&f.id)) {
                (Some(why), _) => {
                    text.push_str(&format!("\nCERQual not editable: {why}"));
                }
                (None, Some(a)) if !a.finding.is_empty() => {
                    let level = a.overall.level.map_or("not assessed", |l| l.label());
                    text.push_str(&format!("\nFinding ({level}): {}", a.finding));
                }
                _ => {}
            }
            // A factor merged into this one keeps its assessment in the
            // file (so undoing the merge finds it): said, to fold in.
            for m in &f.merged {
                if let Some(a) = app.cerqual.get(m) {
                    text.push_str(&format!(
                        "\nMerged `{m}` has its own CERQual finding, kept: {}",
                        a.finding
                    ));
                }
            }
            text
        })
        .unwrap_or_default();
    let lines: Vec<Line> = wrap(&text, inner.width as usize)
        .into_iter()
        .take(inner.height as usize)
        .map(Line::raw)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The overall confidence in the codebook's column (10 wide).
fn short_confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Moderate => "moderate",
        Confidence::Low => "low",
        Confidence::VeryLow => "very low",
    }
}
