//! The workbench's state and the one place it changes: `App::update`.
//! No I/O here: updates return an `Effect` that the workspace carries out,
//! and what it did comes back through `App::on`, so every behaviour is
//! tested headless.
//!
//! What is on screen is a [`Screen`] with at most one [`Overlay`] over it;
//! each overlay carries its own state, so (say) a search line without a
//! search, or an editor returning to a pick list, cannot be written.

pub mod appraisal;
pub mod burst;
pub mod cerqual;
pub mod characteristics;
mod codebook;
mod coding;
mod edit;
pub mod evidence;
pub mod input;
pub mod matrix;
mod outcome;
mod overlay;
pub mod palette;
pub mod quote;
pub mod search;
pub mod view;
mod workbench;

pub use crate::review::workspace::Effect;
pub use appraisal::{AppraisalForm, AppraisalPart, AppraisalRow};
pub use characteristics::{CharacteristicsForm, FormRow};
pub use evidence::EvidenceView;
pub use matrix::{MatrixColumn, MatrixView};
pub use overlay::{EditTarget, Editor, Overlay, Pick, PickPurpose, Screen, SearchLine};
pub use quote::{ExternalEdit, QuoteField, QuoteForm};

use std::cell::Cell;

use crate::app::view::PaperList;
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::review::Review;
use crate::review::codings::{Codings, PaperCoding};
use crate::review::history::History;
use crate::review::tally::{self, Tally};

/// Exclusion reasons offered when config.toml names none.
pub const DEFAULT_EXCLUSION_REASONS: &[&str] = &[
    "Wrong population",
    "Wrong intervention or exposure",
    "Wrong outcome",
    "Wrong study design",
    "Not a primary study",
    "Full text not available",
    "Duplicate",
    "Other",
];

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
    pub codebook_offset: Cell<usize>,
    pub palette_offset: Cell<usize>,
    pub evidence_offset: Cell<usize>,
    /// Quote rows the evidence view shows at once.
    pub evidence_rows: Cell<usize>,
    /// The terminal is below the minimum size: the screen says so.
    pub too_small: Cell<bool>,
    /// The matrix: paper rows shown at once, the first one shown, and the
    /// first scrolling column shown.
    pub matrix_rows: Cell<usize>,
    pub matrix_offset: Cell<usize>,
    pub matrix_col_offset: Cell<usize>,
}

pub struct App {
    pub review: Review,
    pub codings: Codings,
    pub tally: Tally,
    /// The screen, and what is open over it.
    screen: Screen,
    overlay: Option<Overlay>,
    pub focus: Focus,
    /// The paper the detail panel's scroll position belongs to: a new paper
    /// starts at its top.
    detail_for: Option<usize>,
    /// The list as shown: sort, quick filters, search, cursor.
    pub list: PaperList,
    pub factor_cursor: usize,
    pub tally_cursor: usize,
    pub codebook_cursor: usize,
    /// The evidence view: its factor, filter and rows.
    pub evidence: EvidenceView,
    /// The study × factor matrix: its cursor and chosen columns.
    pub matrix: MatrixView,
    /// The characteristic the full-screen tally crosstabs against (index
    /// into the config's), and the counts, made when it is chosen or the
    /// tally opens.
    pub crosstab_by: Option<usize>,
    crosstab: Option<crate::review::characteristics::Crosstab>,
    /// Each appraised paper's summary (by paper index), counted when its
    /// coding changes so drawing the list counts nothing.
    appraisal_summaries: std::collections::HashMap<usize, crate::review::appraisal::Summary>,
    pub detail_scroll: usize,
    pub save_state: SaveState,
    pub notice: Option<Notice>,
    pub should_quit: bool,
    /// Set by a first quit while changes are unsaved; a second one leaves.
    quit_armed: bool,
    /// The paper the last change was made to.
    pub last_changed: Option<String>,
    /// Papers changed since the last successful save: re-applied on top of
    /// the file if it changed outside thema meanwhile.
    pub pending: std::collections::BTreeSet<String>,
    pub history: History,
    /// The review's GRADE-CERQual assessments (cerqual.toml), as last
    /// read or saved; `cerqual_error` says why the file could not be read
    /// (then they are shown empty and not editable).
    pub cerqual: crate::review::cerqual::Assessments,
    pub cerqual_error: Option<String>,
    pub viewport: Viewport,
}

impl App {
    pub fn new(review: Review, codings: Codings) -> App {
        let tally = tally::compute(&review.config.factors, &review.papers, &codings);
        let mut list = PaperList::new(&review.papers);
        index_codings(&mut list, &review.papers, &codings);
        let appraisal_summaries = appraisal::summaries(&review, &codings);
        App {
            review,
            codings,
            tally,
            screen: Screen::Workbench,
            overlay: None,
            focus: Focus::Papers,
            detail_for: Some(0),
            list,
            factor_cursor: 0,
            tally_cursor: 0,
            codebook_cursor: 0,
            evidence: EvidenceView::default(),
            matrix: MatrixView::default(),
            crosstab_by: None,
            crosstab: None,
            appraisal_summaries,
            detail_scroll: 0,
            save_state: SaveState::Saved,
            notice: None,
            should_quit: false,
            quit_armed: false,
            last_changed: None,
            pending: Default::default(),
            history: History::default(),
            cerqual: Default::default(),
            cerqual_error: None,
            viewport: Viewport::default(),
        }
    }

    /// Index into `review.papers` of the paper under the list cursor.
    pub fn selected(&self) -> Option<usize> {
        self.list.selected()
    }

    /// The paper under the list cursor; none when the list is empty (a
    /// search or filter that matches nothing), so keys never code a paper
    /// the reviewer cannot see.
    pub fn current_paper(&self) -> Option<&crate::review::Paper> {
        self.list.selected().and_then(|i| self.review.papers.get(i))
    }

    /// The screen under any overlay.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// What is open over the screen, if anything.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    /// The keys live now: the overlay's, else the screen's (the evidence
    /// view's filter, while it is typed, takes the search line's keys).
    pub fn layer(&self) -> Layer {
        match &self.overlay {
            Some(overlay) => overlay.layer(),
            None if self.screen == Screen::Evidence && self.evidence.typing.is_some() => {
                Layer::Search
            }
            None => self.screen.layer(),
        }
    }

    /// The quote form, while it is open.
    pub fn quote_form(&self) -> Option<&QuoteForm> {
        match &self.overlay {
            Some(Overlay::Quote(form)) => Some(form.as_ref()),
            _ => None,
        }
    }

    /// The editor, while one is open.
    pub fn editor(&self) -> Option<&Editor> {
        match &self.overlay {
            Some(Overlay::Edit(editor)) => Some(editor.as_ref()),
            _ => None,
        }
    }

    /// The pick list, while one is open.
    pub fn pick(&self) -> Option<&Pick> {
        match &self.overlay {
            Some(Overlay::Pick(pick)) => Some(pick),
            _ => None,
        }
    }

    /// The command palette, while it is open.
    pub fn palette(&self) -> Option<&crate::app::palette::Palette> {
        match &self.overlay {
            Some(Overlay::Palette(palette)) => Some(palette),
            _ => None,
        }
    }

    pub fn reviewer(&self) -> &str {
        &self.codings.reviewer
    }

    /// Dismisses the message on the status line.
    pub fn clear_notice(&mut self) {
        self.notice = None;
    }

    pub fn set_notice(&mut self, text: impl Into<String>, warning: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            warning,
        });
    }

    pub fn paper_count(&self) -> usize {
        self.review.papers.len()
    }

    pub fn factor_count(&self) -> usize {
        self.review.config.factors.len()
    }

    /// Factors the selected paper is coded with.
    pub fn selected_has(&self, factor: usize) -> bool {
        match (self.current_paper(), self.review.config.factors.get(factor)) {
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

    pub fn coding_of(&self, paper: usize) -> Option<&PaperCoding> {
        self.review
            .papers
            .get(paper)
            .and_then(|p| self.codings.papers.get(&p.id))
    }

    /// Papers in a tally row, in display order: row `i` < factor count is
    /// the papers coded with factor `i`; the row after the last factor is
    /// the uncoded papers. Excluded papers are in no row.
    pub fn papers_with(&self, row: usize) -> impl Iterator<Item = usize> + '_ {
        let factor = self.review.config.factors.get(row).map(|f| f.id.as_str());
        let uncoded_row = row == self.factor_count();
        // A factor's papers are found from the codings (hundreds), not by
        // looking up every paper (100,000 lookups on each frame of the tally).
        let mut coded: Vec<usize> = match factor {
            Some(factor) => self
                .codings
                .papers
                .iter()
                .filter(|(_, c)| c.excluded.is_empty() && c.factors.contains(factor))
                .filter_map(|(id, _)| self.review.paper_index(id))
                .collect(),
            None => Vec::new(),
        };
        coded.sort_unstable();
        // Uncoded papers are most papers: walking them in order stops as
        // soon as the screen is full.
        let all = if uncoded_row { self.paper_count() } else { 0 };
        let uncoded = (0..all).filter(move |&i| {
            !self.codings.is_excluded(&self.review.papers[i].id) && self.coded_count(i) == 0
        });
        coded.into_iter().chain(uncoded)
    }

    /// The action a key stands for here: the keymap's, or in a mode that
    /// takes text, an unbound printable key types itself.
    pub fn key_action(&self, key: &crossterm::event::KeyEvent) -> Option<Action> {
        use crossterm::event::{KeyCode, KeyModifiers};
        let layer = self.layer();
        self.review.keymap.resolve(layer, key).or_else(|| {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(c) if layer.takes_text() && plain => Some(Action::Insert(c)),
                _ => None,
            }
        })
    }

    /// One input from the run loop: a key runs its action, pasted text only
    /// ever becomes text.
    pub fn input(&mut self, input: crate::app::burst::Input) -> Effect {
        match input {
            crate::app::burst::Input::Key(key) => match self.key_action(&key) {
                Some(action) => self.update(action),
                None => Effect::None,
            },
            crate::app::burst::Input::Paste(text) => {
                self.paste(&text);
                Effect::None
            }
        }
    }

    /// The one way pasted text comes in (bracketed, or a burst of keys):
    /// typed into the field that is open, never run as keys. With no field
    /// open it is dropped, and the status line says so.
    pub fn paste(&mut self, text: &str) {
        self.quit_armed = false;
        self.notice = None;
        if self.viewport.too_small.get() {
            return;
        }
        if self.overlay.is_none() && self.paste_evidence_filter(text) {
            return;
        }
        match &mut self.overlay {
            Some(Overlay::Edit(editor)) => {
                editor.changed |= editor.input.paste(text);
                editor.discard_armed = false;
            }
            Some(Overlay::Quote(form)) => {
                form.paste(text);
            }
            Some(Overlay::Characteristics(form)) => {
                form.paste(text);
            }
            Some(Overlay::Appraisal(form)) => {
                form.paste(text);
            }
            Some(Overlay::Cerqual(form)) => {
                form.paste(text);
            }
            Some(Overlay::Search(line)) => {
                if line.input.paste(text) {
                    let query = line.input.text.clone();
                    self.set_query(query, self.selected());
                }
            }
            Some(Overlay::Palette(palette)) => palette.paste(text),
            _ => {
                // Short enough for the status line at 80 columns; quotes
                // are what is pasted most (from PDFs).
                let key = self
                    .review
                    .keymap
                    .first_key(Layer::Normal, Action::AddQuote)
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| "?".into());
                let hint = format!("paste ignored ({key}: quote)");
                self.set_notice(hint, true);
            }
        }
    }

    pub fn update(&mut self, action: Action) -> Effect {
        if action != Action::Quit {
            self.quit_armed = false;
        }
        // A message answers the key before it; the next key dismisses it
        // (a long one covers the bottom of the screen while shown).
        self.notice = None;
        // Below the minimum size nothing is shown, so nothing but quit works.
        if self.viewport.too_small.get() && action != Action::Quit {
            return Effect::None;
        }
        self.settle_list(&action);
        match &self.overlay {
            Some(Overlay::Help { .. }) => self.update_help(action),
            Some(Overlay::Edit(_)) => self.update_edit(action),
            Some(Overlay::Quote(_)) => self.update_quote(action),
            Some(Overlay::Characteristics(_)) => self.update_characteristics(action),
            Some(Overlay::Appraisal(_)) => self.update_appraisal(action),
            Some(Overlay::Cerqual(_)) => self.update_cerqual(action),
            Some(Overlay::Search(_)) => self.update_search(action),
            Some(Overlay::Palette(_)) => self.update_palette(action),
            Some(Overlay::Pick(_)) => self.update_pick(action),
            None => match self.screen {
                Screen::Workbench => self.update_normal(action),
                Screen::Tally => self.update_tally(action),
                Screen::Codebook => self.update_codebook(action),
                Screen::Evidence => self.update_evidence(action),
                Screen::Matrix => self.update_matrix(action),
            },
        }
    }

    /// A search filters what is on screen at once and the rest between
    /// keys ([`App::idle_work`]). A key that moves down the list filters on
    /// as far as it can show; any other, outside the search line, finishes
    /// first, so it never acts on part of the list.
    fn settle_list(&mut self, action: &Action) {
        let papers = &self.review.papers;
        match action {
            Action::Down | Action::Up | Action::PageDown | Action::PageUp => {
                let screen = self.viewport.list_rows.get();
                let row = self.list.cursor + 2 * screen + 1;
                self.list.reach(papers, row);
            }
            Action::Quit => {}
            _ if matches!(self.overlay, Some(Overlay::Search(_))) => {}
            _ => self.list.finish(papers),
        }
    }

    /// Work the last keys left for later (the search's filtering past the
    /// screen), one short slice; whether any is left. The run loop calls it
    /// while no input waits.
    pub fn idle_work(&mut self) -> bool {
        self.list.work(&self.review.papers)
    }

    /// Whether [`App::idle_work`] has anything to do.
    pub fn has_idle_work(&self) -> bool {
        !self.list.is_complete()
    }

    pub(super) fn quit(&mut self) -> Effect {
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
}

/// What `/` finds of the reviewer's own words: each paper's quotes and note.
fn index_codings(list: &mut PaperList, papers: &[crate::review::Paper], codings: &Codings) {
    for (i, p) in papers.iter().enumerate() {
        let text = codings
            .papers
            .get(&p.id)
            .map(|c| c.search_text())
            .unwrap_or_default();
        list.index.set_extra(i, &text);
    }
}
