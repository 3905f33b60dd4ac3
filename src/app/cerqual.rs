//! GRADE-CERQual in the codebook view: the form for the factor under the
//! cursor (the finding, each component's level and explanation, the
//! overall confidence), kept into cerqual.toml by the workspace.
//!
//! The assessments are the team's, not this reviewer's: they are not in the
//! undo history (undoing one would quietly undo a colleague's edit made
//! since); the file is in git for that. A save that finds a field someone
//! else changed meanwhile keeps the form open with this reviewer's text,
//! says which field, and a second ctrl-s writes it over theirs.

use super::{App, Effect, Overlay};
use crate::app::input::TextField;
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::review::cerqual::{
    Assessment, Assessments, CerqualError, Component, Concern, Confidence, Field, Judgement, Level,
    Saved,
};

/// The judgements the form has rows for: the four components, then the
/// overall confidence.
pub const PARTS: usize = 5;

/// Where the cursor of the form is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Finding,
    /// The level of judgement `i` (0..4 components, 4 overall).
    Level(usize),
    Explanation(usize),
}

impl Slot {
    const COUNT: usize = 1 + 2 * PARTS;

    fn index(self) -> usize {
        match self {
            Slot::Finding => 0,
            Slot::Level(i) => 1 + 2 * i,
            Slot::Explanation(i) => 2 + 2 * i,
        }
    }

    fn at(i: usize) -> Slot {
        match i {
            0 => Slot::Finding,
            i if i % 2 == 1 => Slot::Level((i - 1) / 2),
            i => Slot::Explanation((i - 2) / 2),
        }
    }

    fn step(self, forward: bool) -> Slot {
        let n = Slot::COUNT;
        let i = self.index();
        Slot::at(if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        })
    }
}

/// A judgement's name in the form.
pub fn part_label(i: usize) -> &'static str {
    match Component::ALL.get(i) {
        Some(c) => c.label(),
        None => "Overall confidence",
    }
}

/// The level of judgement `i` as shown ("—" when not assessed).
pub fn level_label(i: usize, level: usize) -> &'static str {
    let label = if i < Component::ALL.len() {
        level
            .checked_sub(1)
            .and_then(|l| Concern::ALL.get(l))
            .map(|c| c.label())
    } else {
        level
            .checked_sub(1)
            .and_then(|l| Confidence::ALL.get(l))
            .map(|c| c.label())
    };
    label.unwrap_or("not assessed")
}

/// 0 for none, else the level's place in its list + 1.
fn level_index<L: Level>(level: Option<L>) -> usize {
    level
        .and_then(|l| L::ALL.iter().position(|&x| x == l))
        .map_or(0, |i| i + 1)
}

fn level_at<L: Level>(i: usize) -> Option<L> {
    i.checked_sub(1).and_then(|i| L::ALL.get(i)).copied()
}

/// One factor's assessment being written.
#[derive(Debug)]
pub struct CerqualForm {
    pub factor: String,
    /// The assessment as the file held it when the form opened (or, after
    /// a conflict, as it holds it now): what a save merges against.
    pub base: Assessment,
    pub finding: TextField,
    /// Per judgement: 0 = not assessed, else the level's place + 1.
    pub levels: [usize; PARTS],
    pub explanations: [TextField; PARTS],
    pub slot: Slot,
    /// The contributing studies (indices into the review's papers), from
    /// the codings when the form opened.
    pub studies: Vec<usize>,
    /// Their short citations joined with "; " (made once, not per frame).
    pub citations: String,
    /// Whether anything was written or chosen since the form opened.
    pub changed: bool,
    /// A first `esc` after changes asks; a second one discards them.
    pub discard_armed: bool,
    /// Why the last keep did not save (shown in the form).
    pub problem: Option<String>,
}

impl CerqualForm {
    fn new(factor: &str, base: Assessment, studies: Vec<usize>) -> CerqualForm {
        let mut form = CerqualForm {
            factor: factor.to_string(),
            base: Assessment::default(),
            finding: TextField::default(),
            levels: [0; PARTS],
            explanations: Default::default(),
            slot: Slot::Finding,
            studies,
            citations: String::new(),
            changed: false,
            discard_armed: false,
            problem: None,
        };
        form.show(&base);
        form.base = base;
        form
    }

    /// Puts `a`'s values in the fields.
    fn show(&mut self, a: &Assessment) {
        self.finding = TextField::new(&a.finding, true);
        for (i, c) in Component::ALL.iter().enumerate() {
            let j = a.component(*c);
            self.levels[i] = level_index(j.level);
            self.explanations[i] = TextField::new(&j.explanation, false);
        }
        self.levels[4] = level_index(a.overall.level);
        self.explanations[4] = TextField::new(&a.overall.explanation, false);
    }

    /// What the form says, on top of `base` (so keys of other tools stay).
    /// A text the reviewer left as the base showed it keeps the base's own
    /// value: a field shows line breaks and control characters its own way,
    /// and a field nobody touched must not count as changed.
    pub fn assessment(&self) -> Assessment {
        fn written(field: &TextField, base: &str) -> String {
            if field.text() == TextField::new(base, field.multiline()).text() {
                base.to_string()
            } else {
                field.text().trim().to_string()
            }
        }
        let mut a = self.base.clone();
        a.finding = written(&self.finding, &self.base.finding);
        for (i, c) in Component::ALL.iter().enumerate() {
            let j = a.component_mut(*c);
            j.level = level_at::<Concern>(self.levels[i]);
            j.explanation = written(&self.explanations[i], &self.base.component(*c).explanation);
        }
        a.overall.level = level_at::<Confidence>(self.levels[4]);
        a.overall.explanation = written(&self.explanations[4], &self.base.overall.explanation);
        a
    }

    fn text_mut(&mut self) -> Option<&mut TextField> {
        match self.slot {
            Slot::Finding => Some(&mut self.finding),
            Slot::Explanation(i) => self.explanations.get_mut(i),
            Slot::Level(_) => None,
        }
    }

    /// Pasted text, into the text field the cursor is in.
    pub fn paste(&mut self, text: &str) -> bool {
        let pasted = self.text_mut().is_some_and(|f| f.paste(text));
        self.changed |= pasted;
        pasted
    }

    /// Moves level `i` by `delta` through "not assessed" and the levels.
    fn shift_level(&mut self, i: usize, delta: isize) {
        let n = 1 + if i < 4 {
            Concern::ALL.len()
        } else {
            Confidence::ALL.len()
        };
        if let Some(level) = self.levels.get_mut(i) {
            *level = (*level as isize + delta).rem_euclid(n as isize) as usize;
            self.changed = true;
        }
    }
}

/// How one field reads, for the message about a conflict.
fn field_value(a: &Assessment, field: Field) -> String {
    fn judged<L: Level>(j: &Judgement<L>) -> String {
        let level = j.level.map_or("not assessed", |l| l.label());
        if j.explanation.is_empty() {
            level.to_string()
        } else {
            format!("{level}: {}", j.explanation)
        }
    }
    match field {
        Field::Finding => a.finding.clone(),
        Field::Component(c) => judged(a.component(c)),
        Field::Overall => judged(&a.overall),
    }
}

impl App {
    /// The assessments as read when the review opened: an unreadable
    /// file leaves them empty and not editable (never saved over).
    pub fn set_cerqual(&mut self, loaded: Result<Assessments, CerqualError>) {
        match loaded {
            Ok(a) => {
                self.cerqual = a;
                self.cerqual_error = None;
            }
            Err(e) => {
                self.cerqual = Assessments::default();
                self.cerqual_error = Some(e.brief());
            }
        }
    }

    /// `c` in the codebook: the CERQual form for the factor under the cursor.
    pub(super) fn open_cerqual(&mut self) {
        let Some(f) = self.review.config.factors.get(self.codebook_cursor) else {
            return;
        };
        if let Some(why) = &self.cerqual_error {
            self.set_notice(
                format!("CERQual not editable until cerqual.toml is fixed: {why}"),
                true,
            );
            return;
        }
        let base = self.cerqual.get(&f.id).cloned().unwrap_or_default();
        let studies = crate::review::cerqual::contributing(&self.review, &self.codings, &f.id);
        let citations = studies
            .iter()
            .filter_map(|&i| self.review.papers.get(i))
            .map(|p| p.short_cite())
            .collect::<Vec<_>>()
            .join("; ");
        let mut form = CerqualForm::new(&f.id, base, studies);
        form.citations = citations;
        self.overlay = Some(Overlay::Cerqual(Box::new(form)));
    }

    /// The CERQual form, while it is open.
    pub fn cerqual_form(&self) -> Option<&CerqualForm> {
        match &self.overlay {
            Some(Overlay::Cerqual(form)) => Some(form.as_ref()),
            _ => None,
        }
    }

    pub(super) fn update_cerqual(&mut self, action: Action) -> Effect {
        let Some(Overlay::Cerqual(form)) = &mut self.overlay else {
            return Effect::None;
        };
        let slot = form.slot;
        match (action, slot) {
            (Action::NextField, _) => form.slot = slot.step(true),
            (Action::PrevField, _) => form.slot = slot.step(false),
            // Enter in a one-line field or on a level moves on, as a form does.
            (Action::Newline, Slot::Level(_) | Slot::Explanation(_)) => form.slot = slot.step(true),
            (Action::Down, Slot::Level(_)) => form.slot = slot.step(true),
            (Action::Up, Slot::Level(_)) => form.slot = slot.step(false),
            (Action::CursorRight | Action::Insert(' '), Slot::Level(i)) => {
                form.shift_level(i, 1);
                form.discard_armed = false;
            }
            (Action::CursorLeft, Slot::Level(i)) => {
                form.shift_level(i, -1);
                form.discard_armed = false;
            }
            (Action::DeleteBack | Action::DeleteForward, Slot::Level(i)) => {
                form.levels[i] = 0;
                form.changed = true;
                form.discard_armed = false;
            }
            (Action::Insert(d @ '0'..='4'), Slot::Level(i)) => {
                form.levels[i] = d as usize - '0' as usize;
                form.changed = true;
                form.discard_armed = false;
            }
            (Action::Confirm, _) => return self.keep_cerqual(),
            // Explanations are work: one stray esc must not throw them away.
            (Action::Close, _) if form.changed && !form.discard_armed => {
                form.discard_armed = true;
                self.warn_discard();
            }
            (Action::Close, _) => {
                // After a clash, esc is the choice of theirs: say so.
                let said = if form.problem.is_some() {
                    "Kept what cerqual.toml holds; yours discarded"
                } else {
                    "Unchanged"
                };
                self.overlay = None;
                self.set_notice(said, false);
            }
            (Action::ExternalEditor, _) => {
                if matches!(slot, Slot::Level(_)) {
                    form.slot = Slot::Finding;
                }
                if let Some(field) = form.text_mut() {
                    return Effect::EditExternally(field.text());
                }
            }
            (Action::Quit, _) => return self.quit(),
            (other, _) => {
                if let Some(field) = form.text_mut() {
                    let edited = field.edit(other);
                    form.changed |= edited;
                    if edited {
                        form.discard_armed = false;
                    }
                }
            }
        }
        Effect::None
    }

    /// ctrl-s: the form's assessment to the workspace, which merges it into
    /// the file; the form stays open until the save is reported.
    fn keep_cerqual(&mut self) -> Effect {
        let Some(Overlay::Cerqual(form)) = &mut self.overlay else {
            return Effect::None;
        };
        let ours = form.assessment();
        if ours == form.base {
            self.overlay = None;
            self.set_notice("Unchanged", false);
            return Effect::None;
        }
        form.problem = None;
        Effect::SaveCerqual {
            factor: form.factor.clone(),
            base: Box::new(form.base.clone()),
            ours: Box::new(ours),
        }
    }

    /// What the workspace did with a CERQual save.
    pub(super) fn cerqual_saved(&mut self, factor: String, result: Result<Saved, CerqualError>) {
        let label = self.factor_label(&factor);
        let saved = match result {
            Ok(saved) => saved,
            Err(e) => {
                let why = format!("CERQual of '{label}' NOT saved: {}", e.brief());
                if let Some(Overlay::Cerqual(form)) = &mut self.overlay {
                    form.problem = Some(why.clone());
                }
                self.set_notice(why, true);
                return;
            }
        };
        self.cerqual = saved.assessments;
        let now = self.cerqual.get(&factor).cloned().unwrap_or_default();
        let Some(Overlay::Cerqual(form)) = &mut self.overlay else {
            return;
        };
        if saved.conflicts.is_empty() {
            self.overlay = None;
            self.set_notice(
                if saved.merged {
                    format!("CERQual of '{label}' saved (with changes made elsewhere meanwhile)")
                } else {
                    format!("CERQual of '{label}' saved")
                },
                false,
            );
            return;
        }
        // The form now shows the file, but for the fields both changed:
        // those keep this reviewer's text, so a second keep writes it.
        let ours = form.assessment();
        let mut shown = now.clone();
        for &field in &saved.conflicts {
            match field {
                Field::Finding => shown.finding = ours.finding.clone(),
                Field::Component(c) => *shown.component_mut(c) = ours.component(c).clone(),
                Field::Overall => shown.overall = ours.overall.clone(),
            }
        }
        form.show(&shown);
        form.base = now.clone();
        form.changed = true;
        // One esc keeps theirs: the choice was just put to the reviewer.
        form.discard_armed = true;
        let names: Vec<&str> = saved.conflicts.iter().map(|f| f.name()).collect();
        let theirs: Vec<String> = saved
            .conflicts
            .iter()
            .map(|&f| crate::app::input::one_line(&field_value(&now, f)))
            .collect();
        let keep = self
            .review
            .keymap
            .first_key(Layer::Edit, Action::Confirm)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "ctrl-s".into());
        let why = format!(
            "{} of '{label}' was changed by someone else: yours not saved — theirs: “{}”; {keep} saves yours over it, esc keeps theirs",
            names.join(" and "),
            theirs.join("”, “")
        );
        form.problem = Some(why.clone());
        self.set_notice(why, true);
    }
}

impl CerqualForm {
    /// Text from `$EDITOR`, into the text field the cursor is in; false
    /// when it is on a level.
    pub fn external_edit(&mut self, text: &str) -> bool {
        let Some(field) = self.text_mut() else {
            return false;
        };
        let multiline = field.multiline();
        *field = TextField::new(text, multiline);
        self.changed = true;
        true
    }
}
