//! The workbench's state and the one place it changes: `App::update`.
//! No I/O here: updates return an `Effect` that the run loop carries out,
//! so every behaviour is tested headless.

use std::cell::Cell;

use crate::action::Action;
use crate::codings::Codings;
use crate::keymap::Mode;
use crate::review::Review;
use crate::tally::{self, Tally};

/// Which panel of the main screen takes movement keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Papers,
    Detail,
    Factors,
}

impl Focus {
    const ORDER: [Focus; 3] = [Focus::Papers, Focus::Detail, Focus::Factors];

    fn step(self, forward: bool) -> Focus {
        let i = Focus::ORDER.iter().position(|&f| f == self).unwrap_or(0);
        let n = Focus::ORDER.len();
        Focus::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// What the run loop must do after an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Write the codings file now, before the next key is handled.
    Save,
    Quit,
}

/// Whether the codings on disk match the ones in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Failed(String),
}

/// A one-line message for the status bar; replaced by the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub warning: bool,
}

/// A line of text being typed, with a cursor (a byte index on a char boundary).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextInput {
    pub text: String,
    pub cursor: usize,
}

impl TextInput {
    pub fn new(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    fn insert(&mut self, c: char) {
        // Pasted line breaks and tabs become spaces: a quote is one line.
        let c = if c.is_control() { ' ' } else { c };
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
            .unwrap_or(self.cursor)
    }

    fn edit(&mut self, action: Action) {
        match action {
            Action::Insert(c) => self.insert(c),
            Action::DeleteBack if self.cursor > 0 => {
                let start = self.prev_boundary();
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            Action::DeleteForward => {
                let end = self.next_boundary();
                self.text.replace_range(self.cursor..end, "");
            }
            Action::CursorLeft => self.cursor = self.prev_boundary(),
            Action::CursorRight => self.cursor = self.next_boundary(),
            Action::CursorHome => self.cursor = 0,
            Action::CursorEnd => self.cursor = self.text.len(),
            _ => {}
        }
    }
}

/// Sizes the last frame had, so paging moves by what the reviewer sees.
/// Written by the renderer, read by `update`.
#[derive(Debug, Default)]
pub struct Viewport {
    pub list_rows: Cell<usize>,
    pub list_offset: Cell<usize>,
    pub detail_rows: Cell<usize>,
    /// Wrapped lines of the selected paper's detail, to stop scrolling at the end.
    pub detail_lines: Cell<usize>,
    pub help_rows: Cell<usize>,
    pub help_lines: Cell<usize>,
    pub tally_offset: Cell<usize>,
    pub factor_offset: Cell<usize>,
}

pub struct App {
    pub review: Review,
    pub codings: Codings,
    pub tally: Tally,
    pub mode: Mode,
    /// Mode to go back to when help closes.
    help_return: Mode,
    pub focus: Focus,
    /// Index into `review.papers`.
    pub selected: usize,
    pub factor_cursor: usize,
    pub tally_cursor: usize,
    pub detail_scroll: usize,
    pub help_scroll: usize,
    pub save_state: SaveState,
    pub notice: Option<Notice>,
    pub should_quit: bool,
    /// Set by a first quit while changes are unsaved; a second one leaves.
    quit_armed: bool,
    /// The paper the last change was made to, for merging on save.
    pub last_changed: Option<String>,
    /// The quote being written, in edit mode.
    pub input: TextInput,
    pub viewport: Viewport,
}

impl App {
    pub fn new(review: Review, codings: Codings) -> App {
        let tally = tally::compute(&review.config.factors, &review.papers, &codings);
        App {
            review,
            codings,
            tally,
            mode: Mode::Normal,
            help_return: Mode::Normal,
            focus: Focus::Papers,
            selected: 0,
            factor_cursor: 0,
            tally_cursor: 0,
            detail_scroll: 0,
            help_scroll: 0,
            save_state: SaveState::Saved,
            notice: None,
            should_quit: false,
            quit_armed: false,
            last_changed: None,
            input: TextInput::default(),
            viewport: Viewport::default(),
        }
    }

    pub fn reviewer(&self) -> &str {
        &self.codings.reviewer
    }

    pub fn set_notice(&mut self, text: impl Into<String>, warning: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            warning,
        });
    }

    /// The run loop reports how the last save went.
    pub fn saved(&mut self, result: Result<(), String>) {
        self.save_state = match result {
            Ok(()) => {
                if self.quit_armed {
                    self.set_notice("Saved now", false);
                    self.quit_armed = false;
                }
                SaveState::Saved
            }
            Err(e) => SaveState::Failed(e),
        };
    }

    pub fn paper_count(&self) -> usize {
        self.review.papers.len()
    }

    pub fn factor_count(&self) -> usize {
        self.review.config.factors.len()
    }

    /// Factors the selected paper is coded with.
    pub fn selected_has(&self, factor: usize) -> bool {
        match (
            self.review.papers.get(self.selected),
            self.review.config.factors.get(factor),
        ) {
            (Some(p), Some(f)) => self.codings.has(&p.id, &f.id),
            _ => false,
        }
    }

    /// Number of codebook factors a paper is coded with.
    pub fn coded_count(&self, paper: usize) -> usize {
        let Some(p) = self.review.papers.get(paper) else {
            return 0;
        };
        let Some(set) = self.codings.factors_of(&p.id) else {
            return 0;
        };
        self.review
            .config
            .factors
            .iter()
            .filter(|f| set.contains(&f.id))
            .count()
    }

    /// Papers in a tally row, in display order: row `i` < factor count is
    /// the papers coded with factor `i`; the row after the last factor is
    /// the uncoded papers.
    pub fn papers_with(&self, row: usize) -> impl Iterator<Item = usize> + '_ {
        let id = self.review.config.factors.get(row).map(|f| f.id.as_str());
        let uncoded_row = row == self.factor_count();
        (0..self.paper_count()).filter(move |&i| match id {
            Some(id) => self.codings.has(&self.review.papers[i].id, id),
            None => uncoded_row && self.coded_count(i) == 0,
        })
    }

    /// The codings were replaced (merged with changes made outside thema).
    pub fn codings_replaced(&mut self) {
        self.tally = tally::compute(
            &self.review.config.factors,
            &self.review.papers,
            &self.codings,
        );
    }

    pub fn update(&mut self, action: Action) -> Effect {
        if action != Action::Quit {
            self.quit_armed = false;
        }
        match self.mode {
            Mode::Normal => self.update_normal(action),
            Mode::Tally => self.update_tally(action),
            Mode::Help => self.update_help(action),
            Mode::Edit => self.update_edit(action),
        }
    }

    fn update_normal(&mut self, action: Action) -> Effect {
        let page = self.page_rows();
        match action {
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(page as isize),
            Action::PageUp => self.move_by(-(page as isize)),
            Action::First => self.move_to_end(false),
            Action::Last => self.move_to_end(true),
            Action::NextUncoded => self.next_uncoded(),
            Action::ToggleSelectedFactor => return self.toggle(self.factor_cursor),
            Action::ToggleFactor(i) => return self.toggle(i),
            Action::FocusNext => self.focus = self.focus.step(true),
            Action::FocusPrev => self.focus = self.focus.step(false),
            Action::ShowTally => {
                self.mode = Mode::Tally;
                self.tally_cursor = self
                    .factor_cursor
                    .min(self.factor_count().saturating_sub(1));
            }
            Action::EditQuote => {
                if let Some(p) = self.review.papers.get(self.selected) {
                    let quote = self.codings.papers.get(&p.id).map(|c| c.quote.as_str());
                    self.input = TextInput::new(quote.unwrap_or(""));
                    self.mode = Mode::Edit;
                }
            }
            Action::Help => self.open_help(),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    fn update_edit(&mut self, action: Action) -> Effect {
        match action {
            Action::Confirm => {
                self.mode = Mode::Normal;
                let Some(paper) = self.review.papers.get(self.selected) else {
                    return Effect::None;
                };
                let quote = self.input.text.trim();
                let old = self.codings.papers.get(&paper.id).map(|c| c.quote.as_str());
                if old.unwrap_or("") == quote {
                    self.set_notice("Quote unchanged", false);
                    return Effect::None;
                }
                self.codings.set_quote(&paper.id, quote);
                self.last_changed = Some(paper.id.clone());
                let verb = if quote.is_empty() {
                    "removed from"
                } else {
                    "saved for"
                };
                let text = format!("Quote {verb} {}", paper.short_cite());
                self.set_notice(text, false);
                return Effect::Save;
            }
            Action::Close => {
                self.mode = Mode::Normal;
                self.set_notice("Quote unchanged", false);
            }
            Action::Quit => return self.quit(),
            other => self.input.edit(other),
        }
        Effect::None
    }

    fn update_tally(&mut self, action: Action) -> Effect {
        // The row after the factors is "uncoded".
        let last = self.factor_count();
        match action {
            Action::Down => self.tally_cursor = (self.tally_cursor + 1).min(last),
            Action::Up => self.tally_cursor = self.tally_cursor.saturating_sub(1),
            Action::First => self.tally_cursor = 0,
            Action::Last => self.tally_cursor = last,
            Action::OpenPaper => {
                let supporting: Vec<usize> = self.papers_with(self.tally_cursor).collect();
                match supporting.first() {
                    Some(&first) => {
                        // From the current paper, go to the next supporting one,
                        // so Enter again after `t` walks through them.
                        let next = supporting
                            .iter()
                            .copied()
                            .find(|&i| i > self.selected)
                            .unwrap_or(first);
                        self.select_paper(next);
                        if self.tally_cursor < self.factor_count() {
                            self.factor_cursor = self.tally_cursor;
                        }
                        self.mode = Mode::Normal;
                        self.focus = Focus::Papers;
                    }
                    None if self.tally_cursor == self.factor_count() => {
                        self.set_notice("Every paper is coded", false)
                    }
                    None => self.set_notice("No paper is coded with this factor yet", false),
                }
            }
            Action::Close | Action::ShowTally => self.mode = Mode::Normal,
            Action::Help => self.open_help(),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    fn update_help(&mut self, action: Action) -> Effect {
        let page = self.viewport.help_rows.get().max(1);
        let max = self
            .viewport
            .help_lines
            .get()
            .saturating_sub(self.viewport.help_rows.get());
        match action {
            Action::Down => self.help_scroll = (self.help_scroll + 1).min(max),
            Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
            Action::PageDown => self.help_scroll = (self.help_scroll + page).min(max),
            Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(page),
            Action::First => self.help_scroll = 0,
            Action::Last => self.help_scroll = max,
            Action::Close | Action::Help => self.mode = self.help_return,
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    fn open_help(&mut self) {
        self.help_return = self.mode;
        self.help_scroll = 0;
        self.mode = Mode::Help;
    }

    fn quit(&mut self) -> Effect {
        if matches!(self.save_state, SaveState::Failed(_)) && !self.quit_armed {
            // Never lose work quietly: retry the save, and make leaving
            // without it a second, deliberate key press.
            self.quit_armed = true;
            self.set_notice(
                "Changes are NOT saved. Fix the cause shown, or quit again to leave without them",
                true,
            );
            return Effect::Save;
        }
        self.should_quit = true;
        Effect::Quit
    }

    fn page_rows(&self) -> usize {
        let rows = match self.focus {
            Focus::Papers | Focus::Factors => self.viewport.list_rows.get(),
            Focus::Detail => self.viewport.detail_rows.get(),
        };
        rows.saturating_sub(1).max(1)
    }

    fn select_paper(&mut self, index: usize) {
        if index != self.selected {
            self.selected = index;
            self.detail_scroll = 0;
        }
    }

    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Focus::Papers => {
                let last = self.paper_count().saturating_sub(1);
                let target = self.selected.saturating_add_signed(delta).min(last);
                self.select_paper(target);
            }
            Focus::Detail => {
                let max = self
                    .viewport
                    .detail_lines
                    .get()
                    .saturating_sub(self.viewport.detail_rows.get());
                self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(max);
            }
            Focus::Factors => {
                let last = self.factor_count().saturating_sub(1);
                self.factor_cursor = self.factor_cursor.saturating_add_signed(delta).min(last);
            }
        }
    }

    fn move_to_end(&mut self, end: bool) {
        match self.focus {
            Focus::Papers => {
                let target = if end {
                    self.paper_count().saturating_sub(1)
                } else {
                    0
                };
                self.select_paper(target);
            }
            Focus::Detail => {
                self.detail_scroll = if end {
                    self.viewport
                        .detail_lines
                        .get()
                        .saturating_sub(self.viewport.detail_rows.get())
                } else {
                    0
                };
            }
            Focus::Factors => {
                self.factor_cursor = if end {
                    self.factor_count().saturating_sub(1)
                } else {
                    0
                };
            }
        }
    }

    fn next_uncoded(&mut self) {
        let n = self.paper_count();
        let found = (1..=n)
            .map(|step| (self.selected + step) % n.max(1))
            .find(|&i| self.coded_count(i) == 0);
        match found {
            Some(i) => {
                self.select_paper(i);
                self.focus = Focus::Papers;
            }
            None => self.set_notice("Every paper is coded", false),
        }
    }

    fn toggle(&mut self, factor: usize) -> Effect {
        let (Some(paper), Some(f)) = (
            self.review.papers.get(self.selected),
            self.review.config.factors.get(factor),
        ) else {
            return Effect::None;
        };
        let now = self.codings.toggle(&paper.id, &f.id);
        self.last_changed = Some(paper.id.clone());
        let text = format!(
            "{} {} {}",
            f.label,
            if now { "added to" } else { "removed from" },
            paper.short_cite()
        );
        self.factor_cursor = factor;
        self.tally = tally::compute(
            &self.review.config.factors,
            &self.review.papers,
            &self.codings,
        );
        self.set_notice(text, false);
        Effect::Save
    }
}
