//! The workbench's state and the one place it changes: `App::update`.
//! No I/O here: updates return an `Effect` that the run loop carries out,
//! so every behaviour is tested headless.

use std::cell::Cell;

use crate::action::Action;
use crate::codebook::{CodebookEdit, derive_id};
use crate::codings::{Codings, PaperCoding};
use crate::history::{Change, History};
use crate::input::{TextField, TextInput};
use crate::keymap::Mode;
use crate::palette::{self, Palette};
use crate::review::Review;
use crate::tally::{self, Tally};
use crate::view::{PaperList, SortKey};
use crate::workspace::{Outcome, Problem, Reloaded};

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

/// What the run loop must do after an update.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    None,
    /// Write the codings (and the undo history) now, before the next key.
    Save,
    Quit,
    /// Change config.toml and every reviewer's codings, then reload.
    Codebook {
        edit: CodebookEdit,
        what: String,
    },
    /// Undo or redo a codebook change on disk.
    RevertCodebook(Box<Change>),
    ReapplyCodebook(Box<Change>),
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

/// What the text being typed in edit mode is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditTarget {
    Quote,
    Note,
    NewFactor,
    Label(String),
    Definition(String),
    Key(String),
    /// The label of a new factor split off this one.
    Split(String),
    /// The words after "Other: " in the current paper's exclusion.
    ExcludeOther,
}

impl EditTarget {
    pub fn title(&self) -> &'static str {
        match self {
            EditTarget::Quote => "Supporting quote",
            EditTarget::Note => "Your note",
            EditTarget::NewFactor => "New factor: label",
            EditTarget::Label(_) => "Factor label",
            EditTarget::Definition(_) => "Factor definition",
            EditTarget::Key(_) => "Factor key (empty: none)",
            EditTarget::Split(_) => "Split off a new factor: label",
            EditTarget::ExcludeOther => "Excluded: other reason",
        }
    }

    /// Quotes and notes take paragraphs; labels, keys and reasons are one line.
    pub fn multiline(&self) -> bool {
        matches!(self, EditTarget::Quote | EditTarget::Note)
    }
}

/// What a pick list chooses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickPurpose {
    ExcludeReason,
    /// The factor to merge this one (by id) into.
    MergeInto(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    pub purpose: PickPurpose,
    pub title: String,
    /// (shown, value) pairs.
    pub items: Vec<(String, String)>,
    pub cursor: usize,
    /// Mode to return to.
    pub back: Mode,
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
    /// The terminal is below the minimum size: the screen says so.
    pub too_small: Cell<bool>,
}

pub struct App {
    pub review: Review,
    pub codings: Codings,
    pub tally: Tally,
    pub mode: Mode,
    /// Mode to go back to when help closes.
    help_return: Mode,
    pub focus: Focus,
    /// The paper the detail panel's scroll position belongs to: a new paper
    /// starts at its top.
    detail_for: Option<usize>,
    /// The list as shown: sort, quick filters, search, cursor.
    pub list: PaperList,
    pub factor_cursor: usize,
    pub tally_cursor: usize,
    pub codebook_cursor: usize,
    pub detail_scroll: usize,
    pub help_scroll: usize,
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
    /// Text being typed in edit mode, and what it is for.
    pub input: TextField,
    pub edit_target: EditTarget,
    edit_return: Mode,
    /// The search line while it is typed (kept in `list.query`).
    pub search: TextInput,
    /// The paper selected when the search opened; `Esc` returns to it.
    search_from: Option<usize>,
    pub palette: Palette,
    pub pick: Option<Pick>,
    pub history: History,
    pub viewport: Viewport,
}

impl App {
    pub fn new(review: Review, codings: Codings) -> App {
        let tally = tally::compute(&review.config.factors, &review.papers, &codings);
        let mut list = PaperList::new(&review.papers);
        for (i, p) in review.papers.iter().enumerate() {
            if let Some(c) = codings.papers.get(&p.id) {
                list.index.set_extra(i, &format!("{} {}", c.quote, c.note));
            }
        }
        App {
            review,
            codings,
            tally,
            mode: Mode::Normal,
            help_return: Mode::Normal,
            focus: Focus::Papers,
            detail_for: Some(0),
            list,
            factor_cursor: 0,
            tally_cursor: 0,
            codebook_cursor: 0,
            detail_scroll: 0,
            help_scroll: 0,
            save_state: SaveState::Saved,
            notice: None,
            should_quit: false,
            quit_armed: false,
            last_changed: None,
            pending: Default::default(),
            input: TextField::default(),
            edit_target: EditTarget::Quote,
            edit_return: Mode::Normal,
            search: TextInput::default(),
            search_from: None,
            palette: Palette::default(),
            pick: None,
            history: History::default(),
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

    /// The screen under an overlay (help, an editor, a pick list).
    pub fn base_mode(&self) -> Mode {
        match self.mode {
            Mode::Help => self.help_return,
            Mode::Edit => self.edit_return,
            Mode::Pick => self.pick.as_ref().map(|p| p.back).unwrap_or(Mode::Normal),
            Mode::Search | Mode::Palette | Mode::Text => Mode::Normal,
            other => other,
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

    /// How the last save went (the workspace reports it through `on`).
    pub fn saved(&mut self, result: Result<(), String>) {
        self.save_state = match result {
            Ok(()) => {
                self.pending.clear();
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

    /// The codings were replaced (merged with changes made outside thema,
    /// or rewritten by a codebook change): recount and re-list.
    pub fn codings_replaced(&mut self) {
        for (i, p) in self.review.papers.iter().enumerate() {
            let text = self
                .codings
                .papers
                .get(&p.id)
                .map(|c| format!("{} {}", c.quote, c.note))
                .unwrap_or_default();
            self.list.index.set_extra(i, &text);
        }
        self.recount();
        self.rebuild_list(false);
    }

    /// The codebook changed on disk (config already reloaded into `review`).
    pub fn codebook_changed(&mut self, codings: Codings) {
        self.codings = codings;
        let last = self.factor_count().saturating_sub(1);
        self.factor_cursor = self.factor_cursor.min(last);
        self.codebook_cursor = self.codebook_cursor.min(last);
        self.tally_cursor = self.tally_cursor.min(self.factor_count());
        // A quick filter on a factor that no longer exists shows nothing.
        let exists = |id: &Option<String>| {
            id.as_deref()
                .is_none_or(|id| self.review.config.factor_index(id).is_some())
        };
        if !exists(&self.list.quick.with) {
            self.list.quick.with = None;
        }
        if !exists(&self.list.quick.without) {
            self.list.quick.without = None;
        }
        self.codings_replaced();
    }

    /// What the workspace did with the last effect (see
    /// `crate::workspace`): state changes only, no I/O.
    pub fn on(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Saved => self.saved(Ok(())),
            Outcome::SavedMerged { settings } => {
                // Often another reviewer's codebook change: read the
                // codebook again, and factors merged away since as what
                // they became.
                let reloaded = settings.is_some();
                if let Some(settings) = settings {
                    self.review.set_settings(settings);
                }
                let mut codings = std::mem::take(&mut self.codings);
                self.review.read_merged_factors(&mut codings);
                self.codebook_changed(codings);
                self.saved(Ok(()));
                self.set_notice(
                    if reloaded {
                        "The codings file was changed outside thema: merged (codebook re-read)"
                    } else {
                        "The codings file was changed outside thema: merged"
                    },
                    true,
                );
            }
            Outcome::SaveFailed(e) => self.saved(Err(e.brief())),
            Outcome::CodebookApplied {
                applied,
                what,
                reloaded,
            } => {
                self.reloaded(reloaded);
                self.set_notice(what.clone(), false);
                self.history.record(Change::Codebook { applied, what });
            }
            Outcome::CodebookRefused(why) => {
                self.set_notice(format!("not changed: {}", why.brief()), true)
            }
            Outcome::CodebookStepped {
                change,
                undo,
                result,
            } => self.codebook_stepped(change, undo, result),
            Outcome::HistoryNotSaved(e) => {
                self.set_notice(format!("undo history not saved: {e}"), true)
            }
        }
    }

    /// config.toml and the codings, read back after a codebook change.
    fn reloaded(&mut self, reloaded: Reloaded) {
        let Reloaded {
            settings,
            mut codings,
        } = reloaded;
        self.review.set_settings(settings);
        self.review.read_merged_factors(&mut codings);
        self.codebook_changed(codings);
    }

    /// The workspace tried to undo or redo a codebook change.
    fn codebook_stepped(&mut self, change: Change, undo: bool, result: Result<Reloaded, Problem>) {
        let what = change.what().to_string();
        match (result, undo) {
            (Ok(reloaded), true) => {
                self.reloaded(reloaded);
                self.set_notice(format!("undid: {what}"), false);
                self.history.push_undone(change);
            }
            (Ok(reloaded), false) => {
                self.reloaded(reloaded);
                self.set_notice(format!("redid: {what}"), false);
                self.history.push_done(change);
            }
            (Err(e), true) => {
                self.set_notice(format!("could not undo {what}: {}", e.brief()), true);
                self.history.push_done(change);
            }
            (Err(e), false) => {
                self.set_notice(format!("could not redo {what}: {}", e.brief()), true);
                self.history.push_undone(change);
            }
        }
    }

    /// The action a key stands for here: the keymap's, or in a mode that
    /// takes text, an unbound printable key types itself.
    pub fn key_action(&self, key: &crossterm::event::KeyEvent) -> Option<Action> {
        use crossterm::event::{KeyCode, KeyModifiers};
        self.review.keymap.resolve(self.mode, key).or_else(|| {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(c) if self.mode.takes_text() && plain => Some(Action::Insert(c)),
                _ => None,
            }
        })
    }

    /// One input from the run loop: a key runs its action, pasted text only
    /// ever becomes text.
    pub fn input(&mut self, input: crate::burst::Input) -> Effect {
        match input {
            crate::burst::Input::Key(key) => match self.key_action(&key) {
                Some(action) => self.update(action),
                None => Effect::None,
            },
            crate::burst::Input::Paste(text) => {
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
        match self.mode {
            Mode::Edit => {
                self.input.paste(text);
            }
            Mode::Search => {
                if self.search.paste(text) {
                    self.set_query(self.search.text.clone(), self.selected());
                }
            }
            Mode::Palette => self.palette.paste(text),
            _ => {
                // Short enough for the status line at 80 columns; quotes
                // are what is pasted most (from PDFs).
                let key = self
                    .review
                    .keymap
                    .first_key(Mode::Normal, Action::EditQuote)
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
        match self.mode {
            Mode::Normal => self.update_normal(action),
            Mode::Tally => self.update_tally(action),
            Mode::Help => self.update_help(action),
            Mode::Edit => self.update_edit(action),
            Mode::Search => self.update_search(action),
            Mode::Palette => self.update_palette(action),
            Mode::Pick => self.update_pick(action),
            Mode::Codebook => self.update_codebook(action),
            Mode::Text => Effect::None,
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
                self.tally_cursor = self.factor_cursor.min(self.factor_count());
            }
            Action::EditQuote => self.open_editor(EditTarget::Quote),
            Action::EditNote => self.open_editor(EditTarget::Note),
            Action::ToggleFlag => {
                let Some(p) = self.current_paper() else {
                    return Effect::None;
                };
                let now = !self.codings.get(&p.id).flagged;
                let what = format!(
                    "{} {}",
                    if now { "flagged" } else { "unflagged" },
                    p.short_cite()
                );
                return self.change_coding(what, |c| c.flagged = now);
            }
            Action::Exclude => return self.exclude(),
            Action::Undo => return self.undo(),
            Action::Redo => return self.redo(),
            Action::Search => {
                self.search = TextInput::new(&self.list.query);
                self.search_from = self.selected();
                self.mode = Mode::Search;
            }
            Action::Palette => {
                self.palette = Palette::open(palette::entries(&self.review));
                self.mode = Mode::Palette;
            }
            Action::ClearFilters if self.list.is_filtered() => {
                self.list.query.clear();
                self.list.quick = Default::default();
                self.rebuild_list(false);
                self.set_notice("Showing every paper", false);
            }
            Action::ToggleUncodedOnly => {
                self.list.quick.uncoded = !self.list.quick.uncoded;
                self.rebuild_list(false);
            }
            Action::ToggleFlaggedOnly => {
                self.list.quick.flagged = !self.list.quick.flagged;
                self.rebuild_list(false);
            }
            Action::ToggleHasNote => {
                self.list.quick.has_note = !self.list.quick.has_note;
                self.rebuild_list(false);
            }
            Action::FilterWithFactor => {
                return self.update_normal(Action::FilterWith(self.factor_cursor));
            }
            Action::FilterWithoutFactor => {
                return self.update_normal(Action::FilterWithout(self.factor_cursor));
            }
            Action::FilterWith(i) => {
                if let Some(f) = self.review.config.factors.get(i) {
                    let id = Some(f.id.clone());
                    self.list.quick.with = if self.list.quick.with == id { None } else { id };
                    if self.list.quick.with.is_some() {
                        self.list.quick.without = None;
                    }
                    self.rebuild_list(false);
                }
            }
            Action::FilterWithout(i) => {
                if let Some(f) = self.review.config.factors.get(i) {
                    let id = Some(f.id.clone());
                    self.list.quick.without = if self.list.quick.without == id {
                        None
                    } else {
                        id
                    };
                    if self.list.quick.without.is_some() {
                        self.list.quick.with = None;
                    }
                    self.rebuild_list(false);
                }
            }
            Action::CycleSort => return self.update_normal(Action::SortBy(self.list.sort.next())),
            Action::SortBy(key) => {
                self.list.sort = key;
                self.rebuild_list(false);
                self.set_notice(format!("Sorted by {}", key.label()), false);
            }
            Action::Codebook => {
                self.codebook_cursor = self.factor_cursor;
                self.mode = Mode::Codebook;
            }
            Action::Help => self.open_help(),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    fn open_editor(&mut self, target: EditTarget) {
        let text = match &target {
            EditTarget::Quote | EditTarget::Note => {
                let Some(p) = self.current_paper() else {
                    return;
                };
                let c = self.codings.get(&p.id);
                if target == EditTarget::Quote {
                    c.quote
                } else {
                    c.note
                }
            }
            EditTarget::Label(id) | EditTarget::Definition(id) | EditTarget::Key(id) => {
                let f = self.review.config.factors.iter().find(|f| &f.id == id);
                match (&target, f) {
                    (EditTarget::Label(_), Some(f)) => f.label.clone(),
                    (EditTarget::Definition(_), Some(f)) => f.definition.clone(),
                    (EditTarget::Key(_), Some(f)) => f.key.clone().unwrap_or_default(),
                    _ => return,
                }
            }
            EditTarget::NewFactor | EditTarget::Split(_) | EditTarget::ExcludeOther => {
                String::new()
            }
        };
        self.input = TextField::new(&text, target.multiline());
        self.edit_target = target;
        self.edit_return = self.mode;
        self.mode = Mode::Edit;
    }

    fn update_edit(&mut self, action: Action) -> Effect {
        match action {
            Action::Newline if !self.input.multiline() => self.update_edit(Action::Confirm),
            Action::Confirm => {
                self.mode = self.edit_return;
                let text = self.input.text().trim().to_string();
                self.confirm_edit(text)
            }
            Action::Close => {
                self.mode = self.edit_return;
                self.set_notice("Unchanged", false);
                Effect::None
            }
            Action::Quit => self.quit(),
            other => {
                self.input.edit(other);
                Effect::None
            }
        }
    }

    fn confirm_edit(&mut self, text: String) -> Effect {
        match self.edit_target.clone() {
            EditTarget::ExcludeOther => {
                let Some(p) = self.current_paper() else {
                    return Effect::None;
                };
                // The reason is one field: "Other: <why>" keeps the
                // category countable and the words with it.
                let reason = if text.is_empty() {
                    "Other".to_string()
                } else {
                    format!("Other: {text}")
                };
                let what = format!("excluded {} ({reason})", p.short_cite());
                self.change_coding(what, |c| c.excluded = reason)
            }
            target @ (EditTarget::Quote | EditTarget::Note) => {
                let Some(p) = self.current_paper() else {
                    return Effect::None;
                };
                let quote = target == EditTarget::Quote;
                let old = self.codings.get(&p.id);
                if (if quote { &old.quote } else { &old.note }) == &text {
                    self.set_notice("Unchanged", false);
                    return Effect::None;
                }
                let noun = if quote { "quote" } else { "note" };
                let verb = if text.is_empty() {
                    "removed from"
                } else {
                    "on"
                };
                let what = format!("{noun} {verb} {}", p.short_cite());
                self.change_coding(what, |c| {
                    if quote {
                        c.quote = text;
                    } else {
                        c.note = text;
                    }
                })
            }
            EditTarget::NewFactor => {
                if text.is_empty() {
                    return Effect::None;
                }
                let ids: Vec<&str> = self
                    .review
                    .config
                    .factors
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect();
                let id = derive_id(&text, &ids);
                let what = format!("added factor {text}");
                self.codebook_cursor = self.factor_count();
                Effect::Codebook {
                    edit: CodebookEdit::Add {
                        id,
                        label: text,
                        key: self.free_digit_key(),
                        definition: String::new(),
                    },
                    what,
                }
            }
            EditTarget::Split(from) => {
                if text.is_empty() {
                    return Effect::None;
                }
                let ids: Vec<&str> = self
                    .review
                    .config
                    .factors
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect();
                let id = derive_id(&text, &ids);
                let what = format!("split {text} off {}", self.factor_label(&from));
                // Offer the old factor's papers for re-coding.
                self.list.quick = Default::default();
                self.list.quick.with = Some(from.clone());
                self.rebuild_list(false);
                self.codebook_cursor += 1;
                Effect::Codebook {
                    edit: CodebookEdit::Split {
                        from,
                        id,
                        label: text,
                        key: self.free_digit_key(),
                        definition: String::new(),
                    },
                    what,
                }
            }
            EditTarget::Label(id) => {
                if text.is_empty() {
                    self.set_notice("A factor needs a label; unchanged", true);
                    return Effect::None;
                }
                if text == self.factor_label(&id) {
                    return Effect::None;
                }
                let what = format!("renamed {} to {text}", self.factor_label(&id));
                Effect::Codebook {
                    edit: CodebookEdit::SetLabel { id, label: text },
                    what,
                }
            }
            EditTarget::Definition(id) => {
                let what = format!("definition of {}", self.factor_label(&id));
                Effect::Codebook {
                    edit: CodebookEdit::SetDefinition {
                        id,
                        definition: text,
                    },
                    what,
                }
            }
            EditTarget::Key(id) => {
                let what = if text.is_empty() {
                    format!("removed the key of {}", self.factor_label(&id))
                } else {
                    format!("key {text} for {}", self.factor_label(&id))
                };
                Effect::Codebook {
                    edit: CodebookEdit::SetKey {
                        id,
                        key: (!text.is_empty()).then_some(text),
                    },
                    what,
                }
            }
        }
    }

    /// The lowest digit key no factor or action uses, for a new factor.
    fn free_digit_key(&self) -> Option<String> {
        let bound: Vec<String> = self
            .review
            .keymap
            .bindings(Mode::Normal)
            .iter()
            .flat_map(|b| b.keys.iter().map(ToString::to_string))
            .collect();
        (1..=9).map(|d| d.to_string()).find(|k| !bound.contains(k))
    }

    fn factor_label(&self, id: &str) -> String {
        self.review
            .config
            .factors
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.label.clone())
            .unwrap_or_else(|| id.to_string())
    }

    fn update_search(&mut self, action: Action) -> Effect {
        match action {
            Action::Confirm => {
                self.mode = Mode::Normal;
                self.focus = Focus::Papers;
            }
            Action::Close => {
                self.mode = Mode::Normal;
                self.search = TextInput::default();
                // Back to the paper the search started from, whatever
                // the query matched meanwhile.
                let from = self.search_from.or(self.selected());
                self.set_query(String::new(), from);
            }
            Action::Down => self.move_list(1),
            Action::Up => self.move_list(-1),
            Action::Quit => return self.quit(),
            other => {
                if self.search.edit(other) {
                    self.set_query(self.search.text.clone(), self.selected());
                }
            }
        }
        Effect::None
    }

    /// Filters the list by `query`, staying on paper `keep` if it matches.
    fn set_query(&mut self, query: String, keep: Option<usize>) {
        self.list.query = query;
        self.list.refilter(&self.review.papers, keep, false);
        if keep.is_some() && self.list.selected() != keep {
            // The paper under the cursor no longer matches: the first
            // match, not whichever one lands where the cursor was.
            self.list.cursor = 0;
        }
        self.sync_selected();
    }

    fn update_palette(&mut self, action: Action) -> Effect {
        match action {
            Action::Confirm => {
                self.mode = Mode::Normal;
                match self.palette.chosen() {
                    Some(chosen) => self.update_normal(chosen),
                    None => Effect::None,
                }
            }
            Action::Close => {
                self.mode = Mode::Normal;
                Effect::None
            }
            Action::Down => {
                self.palette.move_by(1);
                Effect::None
            }
            Action::Up => {
                self.palette.move_by(-1);
                Effect::None
            }
            Action::Quit => self.quit(),
            other => {
                self.palette.edit(other);
                Effect::None
            }
        }
    }

    fn update_pick(&mut self, action: Action) -> Effect {
        let Some(pick) = self.pick.as_mut() else {
            self.mode = Mode::Normal;
            return Effect::None;
        };
        match action {
            Action::Down => pick.cursor = (pick.cursor + 1).min(pick.items.len().saturating_sub(1)),
            Action::Up => pick.cursor = pick.cursor.saturating_sub(1),
            Action::First => pick.cursor = 0,
            Action::Last => pick.cursor = pick.items.len().saturating_sub(1),
            Action::Close => {
                self.mode = pick.back;
                self.pick = None;
            }
            Action::Confirm => {
                let Some(pick) = self.pick.take() else {
                    return Effect::None;
                };
                self.mode = pick.back;
                let Some((_, value)) = pick.items.get(pick.cursor).cloned() else {
                    return Effect::None;
                };
                return match pick.purpose {
                    PickPurpose::ExcludeReason if value.trim().eq_ignore_ascii_case("other") => {
                        self.open_editor(EditTarget::ExcludeOther);
                        Effect::None
                    }
                    PickPurpose::ExcludeReason => {
                        let Some(p) = self.current_paper() else {
                            return Effect::None;
                        };
                        let what = format!("excluded {} ({value})", p.short_cite());
                        self.change_coding(what, |c| c.excluded = value)
                    }
                    PickPurpose::MergeInto(from) => {
                        let what = format!(
                            "merged {} into {}",
                            self.factor_label(&from),
                            self.factor_label(&value)
                        );
                        Effect::Codebook {
                            edit: CodebookEdit::Merge { from, into: value },
                            what,
                        }
                    }
                };
            }
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    fn update_codebook(&mut self, action: Action) -> Effect {
        let last = self.factor_count().saturating_sub(1);
        let current = self
            .review
            .config
            .factors
            .get(self.codebook_cursor)
            .map(|f| f.id.clone());
        match (action, current) {
            (Action::Down, _) => self.codebook_cursor = (self.codebook_cursor + 1).min(last),
            (Action::Up, _) => self.codebook_cursor = self.codebook_cursor.saturating_sub(1),
            (Action::First, _) => self.codebook_cursor = 0,
            (Action::Last, _) => self.codebook_cursor = last,
            (Action::AddFactor, _) => self.open_editor(EditTarget::NewFactor),
            (Action::RenameFactor, Some(id)) => self.open_editor(EditTarget::Label(id)),
            (Action::EditDefinition, Some(id)) => self.open_editor(EditTarget::Definition(id)),
            (Action::SetFactorKey, Some(id)) => self.open_editor(EditTarget::Key(id)),
            (Action::SplitFactor, Some(id)) => self.open_editor(EditTarget::Split(id)),
            (Action::MergeFactor, Some(id)) => {
                let items: Vec<(String, String)> = self
                    .review
                    .config
                    .factors
                    .iter()
                    .filter(|f| f.id != id)
                    .map(|f| (f.label.clone(), f.id.clone()))
                    .collect();
                if items.is_empty() {
                    self.set_notice("There is no other factor to merge into", true);
                } else {
                    self.pick = Some(Pick {
                        purpose: PickPurpose::MergeInto(id.clone()),
                        title: format!("Merge {} into…", self.factor_label(&id)),
                        items,
                        cursor: 0,
                        back: Mode::Codebook,
                    });
                    self.mode = Mode::Pick;
                }
            }
            (Action::MoveFactorUp | Action::MoveFactorDown, Some(id)) => {
                let delta: isize = if action == Action::MoveFactorUp {
                    -1
                } else {
                    1
                };
                let target = self.codebook_cursor.saturating_add_signed(delta).min(last);
                if target != self.codebook_cursor {
                    self.codebook_cursor = target;
                    let what = format!(
                        "moved {} {}",
                        self.factor_label(&id),
                        if delta < 0 { "up" } else { "down" }
                    );
                    return Effect::Codebook {
                        edit: CodebookEdit::Move { id, delta },
                        what,
                    };
                }
            }
            (Action::Undo, _) => return self.undo(),
            (Action::Redo, _) => return self.redo(),
            (Action::Close | Action::Codebook, _) => self.mode = Mode::Normal,
            (Action::Help, _) => self.open_help(),
            (Action::Quit, _) => return self.quit(),
            _ => {}
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
                            .find(|&i| Some(i) > self.selected())
                            .unwrap_or(first);
                        self.go_to_paper(next);
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

    /// After the list cursor moved: a different paper starts at its top.
    fn sync_selected(&mut self) {
        let now = self.list.selected();
        if now != self.detail_for {
            self.detail_for = now;
            self.detail_scroll = 0;
        }
    }

    fn move_list(&mut self, delta: isize) {
        let last = self.list.rows.len().saturating_sub(1);
        self.list.cursor = self.list.cursor.saturating_add_signed(delta).min(last);
        self.sync_selected();
    }

    /// Selects paper `index`, clearing filters that hide it.
    fn go_to_paper(&mut self, index: usize) {
        if !self.list.rows.contains(&index) {
            self.list.query.clear();
            self.list.quick = Default::default();
            self.rebuild_list(false);
        }
        if let Some(pos) = self.list.rows.iter().position(|&r| r == index) {
            self.list.cursor = pos;
        }
        self.sync_selected();
    }

    /// Rebuilds sort and filters; `pin` keeps the selected paper listed
    /// even if it no longer matches (it was just coded).
    fn rebuild_list(&mut self, pin: bool) {
        let keep = self.list.selected();
        self.list.rebuild(
            &self.review.papers,
            &self.codings,
            &self.review.config.factors,
            keep,
            pin,
        );
        self.sync_selected();
    }

    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Focus::Papers => self.move_list(delta),
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
                self.list.cursor = if end {
                    self.list.rows.len().saturating_sub(1)
                } else {
                    0
                };
                self.sync_selected();
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
        let n = self.list.rows.len();
        let found = (1..=n)
            .map(|step| (self.list.cursor + step) % n.max(1))
            .find(|&pos| {
                let i = self.list.rows[pos];
                self.coded_count(i) == 0 && !self.codings.is_excluded(&self.review.papers[i].id)
            });
        match found {
            Some(pos) => {
                self.list.cursor = pos;
                self.sync_selected();
                self.focus = Focus::Papers;
            }
            None if self.list.is_filtered() => {
                self.set_notice("Every listed paper is coded (esc shows all)", false)
            }
            None => self.set_notice("Every paper is coded", false),
        }
    }

    fn exclude(&mut self) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        if self.codings.is_excluded(&p.id) {
            let what = format!("included {} again", p.short_cite());
            return self.change_coding(what, |c| c.excluded.clear());
        }
        let reasons: Vec<String> = if self.review.config.exclusion_reasons.is_empty() {
            DEFAULT_EXCLUSION_REASONS
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            self.review.config.exclusion_reasons.clone()
        };
        self.pick = Some(Pick {
            purpose: PickPurpose::ExcludeReason,
            title: format!("Exclude {} at full text: why?", p.short_cite()),
            items: reasons.iter().map(|r| (r.clone(), r.clone())).collect(),
            cursor: 0,
            back: Mode::Normal,
        });
        self.mode = Mode::Pick;
        Effect::None
    }

    fn toggle(&mut self, factor: usize) -> Effect {
        let (Some(paper), Some(f)) = (self.current_paper(), self.review.config.factors.get(factor))
        else {
            return Effect::None;
        };
        let now = !self.codings.has(&paper.id, &f.id);
        let what = format!("{} on {}", f.label, paper.short_cite());
        // Short enough for the status line at 80 columns: the sign and the
        // factor say it; the paper is the one selected (and cut first).
        let sign = if now { '+' } else { '−' };
        let shown = if self.codings.is_excluded(&paper.id) {
            format!("{sign} {} · excluded: not counted", f.label)
        } else {
            format!("{sign} {} · {}", f.label, paper.short_cite())
        };
        let id = f.id.clone();
        self.factor_cursor = factor;
        let effect = self.change_coding(what, |c| {
            if now {
                c.factors.insert(id);
            } else {
                c.factors.remove(&id);
            }
        });
        self.set_notice(shown, false);
        effect
    }

    /// Every change to one paper's coding goes through here: applied,
    /// recorded for undo, counted, and saved before the next key.
    fn change_coding(&mut self, what: String, change: impl FnOnce(&mut PaperCoding)) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        let id = p.id.clone();
        let stamp = p.stamp();
        let before = self.codings.get(&id);
        let mut after = before.clone();
        change(&mut after);
        if after == before {
            return Effect::None;
        }
        // Each coding names the paper it was made on, so a later source
        // that gives this id to another paper is noticed, not followed.
        after.cite = stamp.cite;
        after.title = stamp.title;
        self.codings.set(&id, after.clone());
        self.coding_changed(&id, &before);
        self.history
            .record(Change::coding(&id, &before, &after, what.clone()));
        self.set_notice(what, false);
        Effect::Save
    }

    /// Bookkeeping after one paper's coding changed from `before`.
    fn coding_changed(&mut self, paper_id: &str, before: &PaperCoding) {
        self.last_changed = Some(paper_id.to_string());
        self.pending.insert(paper_id.to_string());
        if let Some(i) = self.review.paper_index(paper_id) {
            let after = self.codings.papers.get(paper_id);
            let c = after.cloned().unwrap_or_default();
            self.list
                .index
                .set_extra(i, &format!("{} {}", c.quote, c.note));
            // Only this paper's share of the tally moves.
            self.tally
                .adjust(&self.review.config.factors, Some(before), after);
        }
        if self.list.quick.is_active() || self.list.sort == SortKey::Status {
            self.rebuild_list(true);
        }
    }

    fn recount(&mut self) {
        self.tally = tally::compute(
            &self.review.config.factors,
            &self.review.papers,
            &self.codings,
        );
    }

    fn undo(&mut self) -> Effect {
        self.step_history(true)
    }

    fn redo(&mut self) -> Effect {
        self.step_history(false)
    }

    /// Undo (or redo) the last change. A coding change is applied here and
    /// saved like any other; a codebook change goes to the workspace,
    /// which rewrites the files and reports with `Outcome::CodebookStepped`.
    fn step_history(&mut self, undo: bool) -> Effect {
        let popped = if undo {
            self.history.pop_done()
        } else {
            self.history.pop_undone()
        };
        let Some(change) = popped else {
            let what = if undo { "undo" } else { "redo" };
            self.set_notice(format!("Nothing to {what}"), false);
            return Effect::None;
        };
        let Change::Coding { paper, diff, what } = &change else {
            return if undo {
                Effect::RevertCodebook(Box::new(change))
            } else {
                Effect::ReapplyCodebook(Box::new(change))
            };
        };
        // Applied to the coding as it is now, which may differ from the
        // recorded one if the file was merged with outside changes since.
        let current = self.codings.get(paper);
        let mut to = current.clone();
        if let Err(why) = diff.apply(&mut to, undo) {
            // Dropped: a text too long to keep is no longer there.
            let verb = if undo { "undo" } else { "redo" };
            self.set_notice(format!("cannot {verb} {what}: {why}"), true);
            return Effect::None;
        }
        // Stamped as every coding is: an undo can bring back factors onto
        // an entry the file had dropped with its stamp when it emptied.
        if let Some(i) = self.review.paper_index(paper) {
            let stamp = self.review.papers[i].stamp();
            to.cite = stamp.cite;
            to.title = stamp.title;
        }
        self.codings.set(paper, to);
        self.coding_changed(&paper.clone(), &current);
        if let Some(i) = self.review.paper_index(paper) {
            self.go_to_paper(i);
        }
        let verb = if undo { "undid" } else { "redid" };
        self.set_notice(format!("{verb}: {what}"), false);
        if undo {
            self.history.push_undone(change);
        } else {
            self.history.push_done(change);
        }
        Effect::Save
    }
}
