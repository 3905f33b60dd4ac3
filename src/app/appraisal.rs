//! Quality appraisal in the workbench: the form that appraises the
//! selected paper against the review's checklist, the summary the paper
//! list shows, and the "not appraised" filter.
//!
//! The form has one row per checklist item, each with two stops: the
//! answer (chosen from the item's list: `←`/`→` or space move through it,
//! a letter jumps to the next answer starting with it, backspace clears)
//! and a one-line comment (typed). Tab and enter go through every stop;
//! `↑`/`↓` move to the same stop of the item above or below. An answer
//! outside the list cannot be entered; one written by hand in the file is
//! shown marked and refused on keeping, with the list.

use std::collections::{BTreeMap, HashMap};

use super::{App, Effect, Overlay};
use crate::app::input::TextInput;
use crate::keys::action::Action;
use crate::review::appraisal::{Item, Summary};
use crate::review::codings::Codings;

/// Which stop of an item the form is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppraisalPart {
    Answer,
    Comment,
}

/// One item of the form.
#[derive(Clone, Debug, PartialEq)]
pub struct AppraisalRow {
    /// Index into the checklist's items.
    pub item: usize,
    /// The answer chosen; possibly one outside the item's list, as read.
    pub answer: Option<String>,
    pub comment: TextInput,
}

/// The appraisal form over the workbench, for one paper.
#[derive(Clone, Debug, PartialEq)]
pub struct AppraisalForm {
    pub paper: String,
    pub rows: Vec<AppraisalRow>,
    /// The item being filled.
    pub cursor: usize,
    pub part: AppraisalPart,
    /// Why the last ctrl-s was refused (shown until the next edit).
    pub problem: Option<String>,
    /// Anything changed since the form opened.
    pub changed: bool,
    /// A first `esc` after changes asks; a second one discards them.
    pub discard_armed: bool,
}

impl AppraisalForm {
    /// Pasted text, into a comment (an answer takes none).
    pub fn paste(&mut self, text: &str) -> bool {
        match self.rows.get_mut(self.cursor) {
            Some(row) if self.part == AppraisalPart::Comment => {
                let done = row.comment.paste(text);
                self.changed |= done;
                done
            }
            _ => false,
        }
    }

    /// Tab: answer → comment → the next item's answer (wrapping).
    fn step(&mut self, forward: bool) {
        let n = self.rows.len().max(1);
        self.part = match (self.part, forward) {
            (AppraisalPart::Answer, true) => AppraisalPart::Comment,
            (AppraisalPart::Comment, false) => AppraisalPart::Answer,
            (AppraisalPart::Comment, true) => {
                self.cursor = (self.cursor + 1) % n;
                AppraisalPart::Answer
            }
            (AppraisalPart::Answer, false) => {
                self.cursor = (self.cursor + n - 1) % n;
                AppraisalPart::Comment
            }
        };
    }

    fn move_item(&mut self, forward: bool) {
        let n = self.rows.len().max(1);
        self.cursor = if forward {
            (self.cursor + 1) % n
        } else {
            (self.cursor + n - 1) % n
        };
    }
}

/// A key on an answer: move through the item's list (before the first:
/// no answer), jump by first letter, or clear. Returns whether it changed.
fn edit_answer(row: &mut AppraisalRow, item: &Item, action: Action) -> bool {
    let answers = &item.answers;
    let now = row
        .answer
        .as_ref()
        .and_then(|a| answers.iter().position(|x| x == a));
    let n = answers.len();
    let next = match action {
        // Through the list and back to none, so each answer is one key
        // away from any other.
        Action::CursorRight | Action::Insert(' ') => match now {
            None => answers.first(),
            Some(i) if i + 1 < n => answers.get(i + 1),
            Some(_) => None,
        },
        Action::CursorLeft => match now {
            None => answers.last(),
            Some(0) => None,
            Some(i) => answers.get(i - 1),
        },
        Action::CursorHome => answers.first(),
        Action::CursorEnd => answers.last(),
        Action::DeleteBack
        | Action::DeleteForward
        | Action::DeleteToStart
        | Action::DeleteWordBack => None,
        Action::Insert(c) => {
            let lower: String = c.to_lowercase().collect();
            let start = now.map_or(0, |i| i + 1);
            match (0..n)
                .map(|k| (start + k) % n.max(1))
                .find(|&i| answers[i].to_lowercase().starts_with(&lower))
            {
                Some(i) => answers.get(i),
                // A letter no answer starts with changes nothing.
                None => return false,
            }
        }
        _ => return false,
    };
    let next = next.cloned();
    if next == row.answer {
        return false;
    }
    row.answer = next;
    true
}

impl App {
    /// `p`: the appraisal form for the selected paper.
    pub(super) fn open_appraisal(&mut self) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        let Some(checklist) = &self.review.config.appraisal else {
            self.set_notice(
                "No appraisal checklist: add [appraisal] template = \"casp-qualitative\" to config.toml",
                true,
            );
            return Effect::None;
        };
        let paper = p.id.clone();
        let coding = self.codings.get(&paper);
        let rows = checklist
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| AppraisalRow {
                item: i,
                answer: coding.appraisal.get(&item.id).cloned(),
                comment: TextInput::new(
                    coding
                        .appraisal_comments
                        .get(&item.id)
                        .map_or("", String::as_str),
                ),
            })
            .collect();
        self.overlay = Some(Overlay::Appraisal(Box::new(AppraisalForm {
            paper,
            rows,
            cursor: 0,
            part: AppraisalPart::Answer,
            problem: None,
            changed: false,
            discard_armed: false,
        })));
        Effect::None
    }

    pub(super) fn update_appraisal(&mut self, action: Action) -> Effect {
        let Some(Overlay::Appraisal(form)) = &mut self.overlay else {
            return Effect::None;
        };
        let armed = std::mem::take(&mut form.discard_armed);
        match action {
            Action::NextField | Action::Newline => form.step(true),
            Action::PrevField => form.step(false),
            Action::Down => form.move_item(true),
            Action::Up => form.move_item(false),
            Action::Confirm => return self.keep_appraisal(),
            // Answers and reasons for ten questions are work: one stray
            // esc must not throw them away.
            Action::Close if form.changed && !armed => {
                form.discard_armed = true;
                self.warn_discard_of("this appraisal's changes", "them");
            }
            Action::Close => {
                self.overlay = None;
                self.set_notice("Unchanged", false);
            }
            Action::Quit => return self.quit(),
            other => {
                let Some(row) = form.rows.get_mut(form.cursor) else {
                    return Effect::None;
                };
                let changed = match form.part {
                    AppraisalPart::Comment => row.comment.edit(other),
                    AppraisalPart::Answer => {
                        let Some(item) = self
                            .review
                            .config
                            .appraisal
                            .as_ref()
                            .and_then(|c| c.items.get(row.item))
                        else {
                            return Effect::None;
                        };
                        edit_answer(row, item, other)
                    }
                };
                if changed {
                    form.changed = true;
                    form.problem = None;
                }
            }
        }
        Effect::None
    }

    /// ctrl-s: every answer checked against its item's list; the first
    /// refusal keeps the form open on it, with the list.
    fn keep_appraisal(&mut self) -> Effect {
        let Some(Overlay::Appraisal(form)) = &mut self.overlay else {
            return Effect::None;
        };
        let Some(checklist) = &self.review.config.appraisal else {
            self.overlay = None;
            return Effect::None;
        };
        let old = self.codings.get(&form.paper);
        // Answers to items the checklist no longer has are kept as written.
        let mut answers: BTreeMap<String, String> = old
            .appraisal
            .iter()
            .filter(|(id, _)| checklist.item(id).is_none())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut comments: BTreeMap<String, String> = old
            .appraisal_comments
            .iter()
            .filter(|(id, _)| checklist.item(id).is_none())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (i, row) in form.rows.iter().enumerate() {
            let Some(item) = checklist.items.get(row.item) else {
                continue;
            };
            if let Some(a) = &row.answer {
                if !item.answers.contains(a) {
                    let why = format!(
                        "{}: “{a}” is not one of: {} (backspace clears it)",
                        item.number,
                        item.answers.join(", ")
                    );
                    form.cursor = i;
                    form.part = AppraisalPart::Answer;
                    form.problem = Some(why.clone());
                    self.set_notice(why, true);
                    return Effect::None;
                }
                answers.insert(item.id.clone(), a.clone());
            }
            let comment = row.comment.text.trim();
            if !comment.is_empty() {
                comments.insert(item.id.clone(), comment.to_string());
            }
        }
        let paper = form.paper.clone();
        self.overlay = None;
        if self.current_paper().map(|p| &p.id) != Some(&paper) {
            // The form belongs to the selected paper; never write to another.
            return Effect::None;
        }
        if answers == old.appraisal && comments == old.appraisal_comments {
            self.set_notice("Unchanged", false);
            return Effect::None;
        }
        let cite = self
            .current_paper()
            .map(|p| p.short_cite())
            .unwrap_or_default();
        self.change_coding(format!("appraisal of {cite}"), move |c| {
            c.appraisal = answers;
            c.appraisal_comments = comments;
        })
    }

    /// The appraisal form, while it is open.
    pub fn appraisal_form(&self) -> Option<&AppraisalForm> {
        match &self.overlay {
            Some(Overlay::Appraisal(form)) => Some(form.as_ref()),
            _ => None,
        }
    }

    /// The paper list's appraisal summary of paper `index` (None: not
    /// appraised), as counted when its coding last changed.
    pub fn appraisal_summary(&self, index: usize) -> Option<Summary> {
        self.appraisal_summaries.get(&index).copied()
    }

    /// `P`: only papers not yet appraised.
    pub(super) fn toggle_not_appraised(&mut self) {
        if self.review.config.appraisal.is_none() {
            self.set_notice(
                "No appraisal checklist: add [appraisal] to config.toml",
                true,
            );
            return;
        }
        self.list.quick.not_appraised = !self.list.quick.not_appraised;
        self.rebuild_list(false);
    }

    /// One paper's summary again, after its coding changed.
    pub(super) fn resummarise(&mut self, index: usize, paper_id: &str) {
        let summary = self
            .review
            .config
            .appraisal
            .as_ref()
            .zip(self.codings.papers.get(paper_id))
            .and_then(|(c, coding)| c.summary(coding));
        match summary {
            Some(s) => self.appraisal_summaries.insert(index, s),
            None => self.appraisal_summaries.remove(&index),
        };
    }
}

/// Every paper's summary, from the codings (not every paper): papers
/// without an answer have none.
pub(super) fn summaries(
    review: &crate::review::Review,
    codings: &Codings,
) -> HashMap<usize, Summary> {
    let Some(checklist) = &review.config.appraisal else {
        return HashMap::new();
    };
    codings
        .papers
        .iter()
        .filter(|(_, c)| !c.appraisal.is_empty())
        .filter_map(|(id, c)| Some((review.paper_index(id)?, checklist.summary(c)?)))
        .collect()
}
