//! What the workspace did with an effect, taken into the state.

use super::{App, SaveState};
use crate::review::Review;
use crate::review::codings::Codings;
use crate::review::history::Change;
use crate::review::history::History;
use crate::review::workspace::{Host, Outcome, Problem, Reloaded};

/// The workspace reads and reports through this; `on` is where its results
/// come back as messages.
impl Host for App {
    fn review(&self) -> &Review {
        &self.review
    }

    fn reviewer(&self) -> &str {
        App::reviewer(self)
    }

    fn codings(&self) -> &Codings {
        &self.codings
    }

    fn cerqual(&self) -> &crate::review::cerqual::Assessments {
        &self.cerqual
    }

    fn codings_mut(&mut self) -> &mut Codings {
        &mut self.codings
    }

    fn pending(&self) -> Vec<String> {
        self.pending.iter().cloned().collect()
    }

    fn unsaved(&self) -> bool {
        matches!(self.save_state, SaveState::Failed(_))
    }

    fn history_mut(&mut self) -> &mut History {
        &mut self.history
    }

    fn on(&mut self, outcome: Outcome) {
        App::on(self, outcome)
    }
}

impl App {
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

    /// The codings were replaced (merged with changes made outside thema,
    /// or rewritten by a codebook change): recount and re-list.
    pub fn codings_replaced(&mut self) {
        super::index_codings(&mut self.list, &self.review.papers, &self.codings);
        self.appraisal_summaries = super::appraisal::summaries(&self.review, &self.codings);
        self.recount();
        self.rebuild_list(false);
        if self.screen == crate::app::Screen::Evidence {
            self.rebuild_evidence();
        }
        self.refresh_crosstab();
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
    /// `crate::review::workspace`): state changes only, no I/O.
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
            Outcome::Exported(files) => {
                self.set_notice(format!("exported to {}", files.join(", ")), false)
            }
            Outcome::ExportFailed(why) => self.set_notice(format!("not exported: {why}"), true),
            Outcome::CerqualSaved { factor, result } => self.cerqual_saved(factor, result),
            Outcome::CerqualRead { result, then_open } => {
                self.set_cerqual(result);
                if then_open {
                    self.open_cerqual();
                }
            }
        }
    }

    /// config.toml and the codings, read back after a codebook change.
    pub(super) fn reloaded(&mut self, reloaded: Reloaded) {
        let Reloaded {
            settings,
            mut codings,
        } = reloaded;
        self.review.set_settings(settings);
        self.review.read_merged_factors(&mut codings);
        self.codebook_changed(codings);
    }

    /// The workspace tried to undo or redo a codebook change.
    pub(super) fn codebook_stepped(
        &mut self,
        change: Change,
        undo: bool,
        result: Result<Reloaded, Problem>,
    ) {
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
}
