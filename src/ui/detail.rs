//! The selected paper: citation, identifiers, the record's notes, abstract.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::papers::spans_for;
use super::{truncate, wrap};
use crate::app::search::term_ranges;
use crate::app::{App, Focus};
use crate::import::Record;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let focused = app.focus == Focus::Detail;
    let Some(paper) = app.current_paper() else {
        let block = Block::bordered().border_style(theme.border(focused));
        frame.render_widget(block, area);
        return;
    };
    let r = &paper.record;
    let journal = journal_line(r);
    let header = if journal.is_empty() {
        format!(" {} ", paper.short_cite())
    } else {
        format!(" {} · {journal} ", paper.short_cite())
    };
    let block = Block::bordered()
        .title(Span::styled(
            truncate(&header, area.width.saturating_sub(2) as usize),
            theme.title(),
        ))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Only this one paper is laid out, once per frame. Search terms and the
    // review's highlight terms stand out in the title and abstract.
    let width = inner.width as usize;
    let mut marks: Vec<String> = app.review.config.highlight.clone();
    marks.extend(crate::app::search::terms(&app.list.query));
    let mut lines: Vec<Line> = Vec::new();
    let push_wrapped = |text: &str, style: Style, lines: &mut Vec<Line>| {
        for l in wrap(text, width) {
            lines.push(Line::styled(l, style));
        }
    };
    let push_marked = |text: &str, style: Style, lines: &mut Vec<Line>| {
        for l in wrap(text, width) {
            lines.push(marked_line(l, &marks, style, theme.key()));
        }
    };
    // "Quote: …" and the like: a coloured label, the text wrapped after it.
    let push_labelled = |label: &str, text: &str, style: Style, lines: &mut Vec<Line>| {
        lines.push(Line::raw(""));
        for (i, l) in wrap(&format!("{label}: {text}"), width)
            .into_iter()
            .enumerate()
        {
            match l.strip_prefix(label).filter(|_| i == 0) {
                Some(rest) => lines.push(Line::from(vec![
                    Span::styled(label.to_string(), style),
                    Span::raw(rest.to_string()),
                ])),
                None => lines.push(Line::raw(l)),
            }
        }
    };
    push_marked(&r.title, theme.title(), &mut lines);
    let authors: Vec<String> = r
        .authors
        .iter()
        .map(|a| {
            if a.given.is_empty() {
                a.family.clone()
            } else {
                format!("{} {}", a.family, initials(&a.given))
            }
        })
        .collect();
    if !authors.is_empty() {
        push_wrapped(&authors.join(", "), Style::new(), &mut lines);
    }
    push_wrapped(&citation(r), theme.dim(), &mut lines);
    let mut ids = Vec::new();
    if !r.doi.is_empty() {
        ids.push(format!("doi:{}", r.doi));
    }
    if !r.pmid.is_empty() {
        ids.push(format!("pmid:{}", r.pmid));
    }
    // The id is only news when it is not simply the DOI or PMID.
    if !paper.id.starts_with("doi:") && !paper.id.starts_with("pmid:") {
        ids.push(format!("id {}", paper.id));
    }
    push_wrapped(&ids.join("  "), theme.dim(), &mut lines);
    if let Some(c) = app.codings.papers.get(&paper.id) {
        if !c.excluded.is_empty() {
            push_labelled(
                "Excluded at full text",
                &c.excluded,
                theme.warning(),
                &mut lines,
            );
        }
        if c.flagged {
            push_labelled(
                "Flagged",
                "marked to come back to (f unflags)",
                theme.warning(),
                &mut lines,
            );
        }
        let recorded = app
            .review
            .config
            .characteristics
            .iter()
            .filter(|ch| crate::review::characteristics::recorded(c, &ch.id));
        for (n, ch) in recorded.enumerate() {
            if n == 0 {
                lines.push(Line::raw(""));
                lines.push(Line::styled("Characteristics", theme.label()));
            }
            let Some(value) = c.characteristics.get(&ch.id) else {
                continue;
            };
            let shown = crate::review::characteristics::display(value);
            // A value outside the allowed list says so (thema check too).
            let (text, style) = match ch.invalid(value) {
                Some(_) => (
                    format!("  {}: {shown} (not allowed)", ch.label),
                    theme.warning(),
                ),
                None => (format!("  {}: {shown}", ch.label), Style::new()),
            };
            push_wrapped(&text, style, &mut lines);
        }
        if let Some(checklist) = &app.review.config.appraisal
            && let Some(summary) = checklist.summary(c)
        {
            // Briefly: the count, then each item's number and answer ("—"
            // unanswered); the form (p) has the questions and comments.
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                format!(
                    "Appraisal: {} of {} {}, {} answered",
                    summary.favourable,
                    summary.items,
                    checklist
                        .items
                        .first()
                        .and_then(|i| i.answers.first())
                        .map_or("favourable", String::as_str),
                    summary.answered
                ),
                theme.label(),
            ));
            let answers: Vec<String> = checklist
                .items
                .iter()
                .map(|item| match c.appraisal.get(&item.id) {
                    None => format!("{} —", item.number),
                    Some(a) if item.answers.contains(a) => format!("{} {a}", item.number),
                    Some(a) => format!("{} {a} (not allowed)", item.number),
                })
                .collect();
            push_wrapped(
                &format!("  {}", answers.join(" · ")),
                Style::new(),
                &mut lines,
            );
            let comments = checklist
                .items
                .iter()
                .filter(|i| c.appraisal_comments.contains_key(&i.id))
                .count();
            if comments > 0 {
                let key = app
                    .review
                    .keymap
                    .first_key(
                        crate::keys::keymap::Layer::Normal,
                        crate::keys::action::Action::Appraise,
                    )
                    .map(|k| format!(" ({k} shows them)"))
                    .unwrap_or_default();
                push_wrapped(
                    &format!("  {comments} with a comment{key}"),
                    theme.dim(),
                    &mut lines,
                );
            }
        }
        if !c.quotes.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::styled("Quotes", theme.label()));
            // Under each factor in the codebook's order, then factors the
            // codebook no longer has, then those assigned to none.
            let known = |id: &str| app.review.config.factor_index(id).is_some();
            let mut groups: Vec<&str> = app
                .review
                .config
                .factors
                .iter()
                .map(|f| f.id.as_str())
                .collect();
            for q in &c.quotes {
                if !q.factor.is_empty() && !known(&q.factor) && !groups.contains(&q.factor.as_str())
                {
                    groups.push(&q.factor);
                }
            }
            groups.push("");
            for factor in groups {
                let mut quotes = c.quotes_for(factor).peekable();
                if quotes.peek().is_none() {
                    continue;
                }
                let mut heading = app.quote_factor_label(factor);
                if !factor.is_empty() && !c.factors.contains(factor) {
                    heading.push_str(" (not coded on this paper)");
                }
                push_wrapped(&heading, theme.coded(), &mut lines);
                for (_, q) in quotes {
                    let text = if q.location.is_empty() {
                        format!("  “{}”", q.text)
                    } else {
                        format!("  “{}” — {}", q.text, q.location)
                    };
                    push_wrapped(&text, Style::new(), &mut lines);
                    if !q.comment.is_empty() {
                        push_wrapped(&format!("    {}", q.comment), theme.dim(), &mut lines);
                    }
                }
            }
        }
        if !c.note.is_empty() {
            push_labelled("Your note", &c.note, theme.coded(), &mut lines);
        }
    }
    for note in &r.notes {
        push_labelled("Note", note, theme.label(), &mut lines);
    }
    lines.push(Line::raw(""));
    if paper.abstract_text.is_empty() {
        lines.push(Line::styled(
            "No abstract in the source record.",
            theme.dim(),
        ));
    } else {
        lines.push(Line::styled("Abstract", theme.label()));
        push_marked(&paper.abstract_text, Style::new(), &mut lines);
    }
    if !r.keywords.is_empty() {
        lines.push(Line::raw(""));
        push_wrapped(
            &format!("Keywords: {}", r.keywords.join("; ")),
            theme.dim(),
            &mut lines,
        );
    }
    lines.push(Line::raw(""));
    let sources: Vec<String> = paper
        .provenance
        .iter()
        .map(|p| format!("{}:{}", p.source, p.line))
        .collect();
    push_wrapped(
        &format!("Source: {}", sources.join(", ")),
        theme.dim(),
        &mut lines,
    );

    let rows = inner.height as usize;
    app.viewport.detail_rows.set(rows);
    app.viewport.detail_lines.set(lines.len());
    let scroll = app.detail_scroll.min(lines.len().saturating_sub(rows));
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Paragraph::new(visible), inner);
}

fn initials(given: &str) -> String {
    // "Clare" → "C", "JM" stays "JM", "G. K." → "GK": how reviewers cite.
    if given
        .chars()
        .all(|c| c.is_uppercase() || c == '.' || c == ' ')
    {
        return given.chars().filter(|c| c.is_alphabetic()).collect();
    }
    given
        .split([' ', '-', '.'])
        .filter_map(|part| part.chars().next())
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// "Br J Gen Pract 58(549)" for the panel title.
fn journal_line(r: &Record) -> String {
    let journal = if r.journal_abbrev.is_empty() {
        &r.journal
    } else {
        &r.journal_abbrev
    };
    let mut s = journal.to_string();
    if !r.volume.is_empty() {
        s.push(' ');
        s.push_str(&r.volume);
    }
    if !r.issue.is_empty() {
        s.push_str(&format!("({})", r.issue));
    }
    s
}

/// "2008 · British Journal of General Practice 58(549):264–272"
fn citation(r: &Record) -> String {
    let mut s = r
        .year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "n.d.".into());
    if !r.journal.is_empty() {
        s.push_str(" · ");
        s.push_str(&r.journal);
    }
    if !r.volume.is_empty() {
        s.push_str(&format!(" {}", r.volume));
    }
    if !r.issue.is_empty() {
        s.push_str(&format!("({})", r.issue));
    }
    match (r.start_page.is_empty(), r.end_page.is_empty()) {
        (false, false) => s.push_str(&format!(":{}–{}", r.start_page, r.end_page)),
        (false, true) => s.push_str(&format!(":{}", r.start_page)),
        _ => {}
    }
    s
}

/// A wrapped line with every occurrence of `marks` emphasised.
fn marked_line(text: String, marks: &[String], style: Style, mark: Style) -> Line<'static> {
    let ranges = term_ranges(&text, marks);
    if ranges.is_empty() {
        return Line::styled(text, style);
    }
    let flags: Vec<bool> = text
        .char_indices()
        .map(|(b, _)| ranges.iter().any(|&(s, e)| b >= s && b < e))
        .collect();
    Line::from(spans_for(&text, &flags, style, mark))
}
