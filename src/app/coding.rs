//! Changes to the reviewer's codings: toggles, exclusions, and undo and
//! redo, each recorded and saved before the next key.

use super::{App, DEFAULT_EXCLUSION_REASONS, Effect, PickPurpose};
use crate::keys::action::{Action, SortKey};
use crate::keys::keymap::Layer;
use crate::review::codings::PaperCoding;
use crate::review::history::Change;
use crate::review::tally;

impl App {
    pub(super) fn exclude(&mut self) -> Effect {
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
        let title = format!("Exclude {} at full text: why?", p.short_cite());
        let items = reasons.iter().map(|r| (r.clone(), r.clone())).collect();
        self.open_pick(PickPurpose::ExcludeReason, title, items);
        Effect::None
    }

    pub(super) fn toggle(&mut self, factor: usize) -> Effect {
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
        } else if now {
            // Now is when the reviewer has the passage in view.
            format!(
                "{sign} {} · {} · {} quote",
                f.label,
                paper.short_cite(),
                self.add_quote_key()
            )
        } else {
            // Its quotes stay (they are the reviewer's reading), but they no
            // longer count the paper as support: say so while it is undoable.
            let quotes = self.codings.get(&paper.id).quotes_for(&f.id).count();
            let edit = self
                .review
                .keymap
                .first_key(Layer::Normal, Action::EditQuote)
                .map(|k| k.to_string())
                .unwrap_or_else(|| "E".into());
            match quotes {
                0 => format!("{sign} {} · {}", f.label, paper.short_cite()),
                1 => format!("{sign} {} · its quote stays ({edit} removes it)", f.label),
                n => format!(
                    "{sign} {} · its {n} quotes stay ({edit} removes them)",
                    f.label
                ),
            }
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
    pub(super) fn change_coding(
        &mut self,
        what: String,
        change: impl FnOnce(&mut PaperCoding),
    ) -> Effect {
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
    pub(super) fn coding_changed(&mut self, paper_id: &str, before: &PaperCoding) {
        self.last_changed = Some(paper_id.to_string());
        self.pending.insert(paper_id.to_string());
        if let Some(i) = self.review.paper_index(paper_id) {
            let after = self.codings.papers.get(paper_id);
            let text = after.map(|c| c.search_text()).unwrap_or_default();
            self.list.index.set_extra(i, &text);
            // Only this paper's share of the tally moves.
            self.tally
                .adjust(&self.review.config.factors, Some(before), after);
            self.resummarise(i, paper_id);
        }
        if self.list.quick.is_active() || self.list.sort == SortKey::Status {
            self.rebuild_list(true);
        }
    }

    pub(super) fn recount(&mut self) {
        self.tally = tally::compute(
            &self.review.config.factors,
            &self.review.papers,
            &self.codings,
        );
    }

    pub(super) fn undo(&mut self) -> Effect {
        self.step_history(true)
    }

    pub(super) fn redo(&mut self) -> Effect {
        self.step_history(false)
    }

    /// Undo (or redo) the last change. A coding change is applied here and
    /// saved like any other; a codebook change goes to the workspace,
    /// which rewrites the files and reports with `Outcome::CodebookStepped`.
    pub(super) fn step_history(&mut self, undo: bool) -> Effect {
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
        // Quotes come back under the ids the file holds: read them through
        // the codebook's merges, as the file is.
        if to.reads_merged(&self.review.merged_factors()) {
            to.read_factors(&self.review.merged_factors());
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
