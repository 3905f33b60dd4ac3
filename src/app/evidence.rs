//! The evidence view: every quote for one factor across papers, filtered
//! as the reviewer types, `enter` going to the quote's paper.

use super::{App, Effect, Focus, Screen};
use crate::app::input::TextInput;
use crate::keys::action::Action;

/// The evidence view's state. Rows are (paper index, place in the paper's
/// quotes), built when the factor or the filter changes, never per frame.
#[derive(Clone, Debug, Default)]
pub struct EvidenceView {
    /// The factor's index; one past the last factor is the quotes assigned
    /// to no factor.
    pub factor: usize,
    pub rows: Vec<(u32, u32)>,
    /// Every quote for the factor, in the same order, before the filter:
    /// a changed filter starts from these instead of the codings.
    all: Vec<(u32, u32)>,
    /// For each of `all`, what the filter looks in, lowercase; made when
    /// a filter is first typed, not for every factor stepped through.
    hay: Vec<String>,
    /// For each of `rows`, its place in `all`.
    shown: Vec<u32>,
    pub cursor: usize,
    /// The filter: every word must be in the quote, its location, comment
    /// or paper (any case).
    pub query: String,
    /// The filter line while it is typed.
    pub typing: Option<TextInput>,
}

impl App {
    /// The factor id the evidence view shows ("" = quotes with no factor).
    pub fn evidence_factor(&self) -> &str {
        self.review
            .config
            .factors
            .get(self.evidence.factor)
            .map(|f| f.id.as_str())
            .unwrap_or("")
    }

    pub(super) fn open_evidence(&mut self) {
        self.evidence.factor = self.factor_cursor.min(self.factor_count());
        self.evidence.cursor = 0;
        self.evidence.typing = None;
        self.evidence.query.clear();
        self.screen = Screen::Evidence;
        self.rebuild_evidence();
    }

    /// The rows for the view's factor and filter, in the order of the
    /// papers' citations: built from the codings when the factor or the
    /// codings change.
    pub(super) fn rebuild_evidence(&mut self) {
        let factor = self.evidence_factor().to_string();
        let mut all: Vec<(String, u32, u32)> = Vec::new();
        for (id, coding) in &self.codings.papers {
            let Some(i) = self.review.paper_index(id) else {
                continue;
            };
            let mut quotes = coding.quotes_for(&factor).peekable();
            if quotes.peek().is_none() {
                continue;
            }
            let cite = self.review.papers[i].short_cite();
            all.extend(quotes.map(|(q, _)| (cite.clone(), i as u32, q as u32)));
        }
        all.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        self.evidence.all = all.into_iter().map(|(_, i, q)| (i, q)).collect();
        self.evidence.hay.clear();
        self.refilter_evidence("");
    }

    /// The filter changed from `before`. Typing on at its end only narrows
    /// the rows (each word before is inside a word now), so they are
    /// filtered where they stand; anything else filters every quote again.
    fn refilter_evidence(&mut self, before: &str) {
        if self.evidence.hay.is_empty() && !self.evidence.query.trim().is_empty() {
            self.evidence.hay = self.evidence_hay();
        }
        let view = &mut self.evidence;
        let words: Vec<memchr::memmem::Finder> = view
            .query
            .split_whitespace()
            .map(|w| memchr::memmem::Finder::new(&w.to_lowercase()).into_owned())
            .collect();
        let narrowing = !before.is_empty() && view.query.starts_with(before);
        let from = if narrowing {
            std::mem::take(&mut view.shown)
        } else {
            (0..view.all.len() as u32).collect()
        };
        let hay = &view.hay;
        view.shown = from
            .into_iter()
            .filter(|&k| {
                let text = hay.get(k as usize).map_or(&[][..], |h| h.as_bytes());
                words.iter().all(|w| w.find(text).is_some())
            })
            .collect();
        view.rows = view
            .shown
            .iter()
            .filter_map(|&k| view.all.get(k as usize).copied())
            .collect();
        self.clamp_evidence_cursor();
    }

    /// What the filter looks in for each quote of the view: its text,
    /// location and comment and its paper's list label, lowercase. Words
    /// hold no line break, so none is found across two of them.
    fn evidence_hay(&self) -> Vec<String> {
        let (papers, codings) = (&self.review.papers, &self.codings);
        let hay = |&(i, q): &(u32, u32)| -> Option<String> {
            let paper = papers.get(i as usize)?;
            let quote = codings.papers.get(&paper.id)?.quotes.get(q as usize)?;
            let label = paper.list_label();
            let fields = [&quote.text, &quote.location, &quote.comment, &label];
            Some(fields.map(|f| f.to_lowercase()).join("\n"))
        };
        self.evidence
            .all
            .iter()
            .map(|row| hay(row).unwrap_or_default())
            .collect()
    }

    fn clamp_evidence_cursor(&mut self) {
        self.evidence.cursor = self
            .evidence
            .cursor
            .min(self.evidence.rows.len().saturating_sub(1));
    }

    pub(super) fn update_evidence(&mut self, action: Action) -> Effect {
        if self.evidence.typing.is_some() {
            return self.update_evidence_filter(action);
        }
        let last = self.evidence.rows.len().saturating_sub(1);
        let page = self.viewport.evidence_rows.get().saturating_sub(1).max(1);
        let cursor = &mut self.evidence.cursor;
        match action {
            Action::Down => *cursor = (*cursor + 1).min(last),
            Action::Up => *cursor = cursor.saturating_sub(1),
            Action::PageDown => *cursor = (*cursor + page).min(last),
            Action::PageUp => *cursor = cursor.saturating_sub(page),
            Action::First => *cursor = 0,
            Action::Last => *cursor = last,
            Action::FocusNext | Action::FocusPrev => {
                // The factors, then "not assigned", round again.
                let n = self.factor_count() + 1;
                let f = self.evidence.factor.min(n - 1);
                self.evidence.factor = if action == Action::FocusNext {
                    (f + 1) % n
                } else {
                    (f + n - 1) % n
                };
                self.evidence.cursor = 0;
                self.rebuild_evidence();
            }
            Action::Search => {
                self.evidence.typing = Some(TextInput::new(&self.evidence.query));
            }
            Action::OpenPaper => {
                let Some(&(paper, _)) = self.evidence.rows.get(self.evidence.cursor) else {
                    self.set_notice("No quote here to go to", false);
                    return Effect::None;
                };
                self.go_to_paper(paper as usize);
                if self.evidence.factor < self.factor_count() {
                    self.factor_cursor = self.evidence.factor;
                }
                self.screen = Screen::Workbench;
                self.focus = Focus::Papers;
            }
            Action::Close | Action::ShowEvidence => self.screen = Screen::Workbench,
            Action::Help => self.open_help(),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    fn update_evidence_filter(&mut self, action: Action) -> Effect {
        let Some(input) = &mut self.evidence.typing else {
            return Effect::None;
        };
        match action {
            Action::Confirm => self.evidence.typing = None,
            Action::Close => {
                self.evidence.typing = None;
                self.evidence.query.clear();
                self.rebuild_evidence();
            }
            Action::Down => return self.update_evidence_moving(1),
            Action::Up => return self.update_evidence_moving(-1),
            Action::Quit => return self.quit(),
            other => {
                if input.edit(other) {
                    let before = std::mem::replace(&mut self.evidence.query, input.text.clone());
                    self.evidence.cursor = 0;
                    self.refilter_evidence(&before);
                }
            }
        }
        Effect::None
    }

    fn update_evidence_moving(&mut self, delta: isize) -> Effect {
        let last = self.evidence.rows.len().saturating_sub(1);
        self.evidence.cursor = self.evidence.cursor.saturating_add_signed(delta).min(last);
        Effect::None
    }

    /// Pasted into the filter while it is typed.
    pub(super) fn paste_evidence_filter(&mut self, text: &str) -> bool {
        let Some(input) = &mut self.evidence.typing else {
            return false;
        };
        if input.paste(text) {
            let before = std::mem::replace(&mut self.evidence.query, input.text.clone());
            self.evidence.cursor = 0;
            self.refilter_evidence(&before);
        }
        true
    }
}
