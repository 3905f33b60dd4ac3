//! The workbench and the full-screen tally: moving through papers and
//! factors, filters and sorting.

use super::{App, EditTarget, Effect, Focus, Screen};
use crate::keys::action::Action;

impl App {
    pub(super) fn update_normal(&mut self, action: Action) -> Effect {
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
                self.screen = Screen::Tally;
                self.tally_cursor = self.factor_cursor.min(self.factor_count());
                self.refresh_crosstab();
            }
            Action::EditCharacteristics => return self.open_characteristics(),
            Action::Appraise => return self.open_appraisal(),
            Action::ToggleNotAppraised => self.toggle_not_appraised(),
            Action::AddQuote => return self.add_quote(),
            Action::EditQuote => return self.edit_quote(),
            Action::AssignQuote => return self.assign_quote(),
            Action::ShowEvidence => self.open_evidence(),
            Action::ShowMatrix => self.open_matrix(),
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
            Action::Search => self.open_search(),
            Action::Palette => self.open_palette(),
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
                self.screen = Screen::Codebook;
                return Effect::ReadCerqual { then_open: false };
            }
            Action::Help => self.open_help(),
            Action::ExportAs(format) => return Effect::Export(format),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    pub(super) fn update_tally(&mut self, action: Action) -> Effect {
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
                        self.screen = Screen::Workbench;
                        self.focus = Focus::Papers;
                    }
                    None if self.tally_cursor == self.factor_count() => {
                        self.set_notice("Every paper is coded", false)
                    }
                    None => self.set_notice("No paper is coded with this factor yet", false),
                }
            }
            Action::Close | Action::ShowTally => self.screen = Screen::Workbench,
            Action::CycleCrosstab => self.cycle_crosstab(),
            Action::Help => self.open_help(),
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    pub(super) fn page_rows(&self) -> usize {
        let rows = match self.focus {
            Focus::Papers | Focus::Factors => self.viewport.list_rows.get(),
            Focus::Detail => self.viewport.detail_rows.get(),
        };
        rows.saturating_sub(1).max(1)
    }

    /// After the list cursor moved: a different paper starts at its top.
    pub(super) fn sync_selected(&mut self) {
        let now = self.list.selected();
        if now != self.detail_for {
            self.detail_for = now;
            self.detail_scroll = 0;
        }
    }

    pub(super) fn move_list(&mut self, delta: isize) {
        let last = self.list.rows.len().saturating_sub(1);
        self.list.cursor = self.list.cursor.saturating_add_signed(delta).min(last);
        self.sync_selected();
    }

    /// Selects paper `index`, clearing filters that hide it.
    pub(super) fn go_to_paper(&mut self, index: usize) {
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
    pub(super) fn rebuild_list(&mut self, pin: bool) {
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

    pub(super) fn move_by(&mut self, delta: isize) {
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

    pub(super) fn move_to_end(&mut self, end: bool) {
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

    pub(super) fn next_uncoded(&mut self) {
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
}
