//! Study characteristics in the workbench: the form that records them for
//! the selected paper, and the crosstab the full-screen tally shows.
//!
//! The form has one row per declared field. Text and number rows are
//! typed (a text row offers the values already used for that field: `→`
//! at the end of the text takes the completion); one_of and several_of
//! rows choose from the allowed list (`←`/`→` move, space chooses or
//! toggles, a letter jumps). A value outside the list (one written by
//! hand in the file) is shown marked and refused on keeping, with the
//! list.

use super::{App, Effect, Overlay, Screen};
use crate::app::input::TextInput;
use crate::keys::action::Action;
use crate::review::characteristics::{self, Characteristic, Crosstab, Kind};

/// One field of the form.
#[derive(Clone, Debug, PartialEq)]
pub struct FormRow {
    /// Index into the config's characteristics.
    pub field: usize,
    /// The typed text (text and number fields).
    pub input: TextInput,
    /// The chosen values (one_of, several_of), in the list's order.
    pub chosen: Vec<String>,
    /// What the choice cursor can be on: the allowed values, then any
    /// chosen value outside them.
    pub options: Vec<String>,
    pub choice: usize,
    /// Values this field already has on other papers (text fields).
    pub used: Vec<String>,
}

impl FormRow {
    /// The completion offered for the typed text, if any.
    pub fn completion(&self) -> Option<&str> {
        characteristics::completion(&self.used, &self.input.text)
    }
}

/// The characteristics form over the workbench, for one paper.
#[derive(Clone, Debug, PartialEq)]
pub struct CharacteristicsForm {
    pub paper: String,
    pub rows: Vec<FormRow>,
    /// The row being filled.
    pub cursor: usize,
    /// Why the last ctrl-s was refused (shown in the form until the next edit).
    pub problem: Option<String>,
}

impl CharacteristicsForm {
    /// Pasted text, into a typed field (a choice takes none).
    pub fn paste(&mut self, text: &str) -> bool {
        match self.rows.get_mut(self.cursor) {
            Some(row) if row.options.is_empty() => row.input.paste(text),
            _ => false,
        }
    }

    fn step(&mut self, forward: bool) {
        let n = self.rows.len().max(1);
        self.cursor = if forward {
            (self.cursor + 1) % n
        } else {
            (self.cursor + n - 1) % n
        };
    }
}

/// A field's value from the form: the typed text read as its kind, or
/// the choices; refused with the reason (and the list, for a choice).
fn row_value(ch: &Characteristic, row: &FormRow) -> Result<Option<toml::Value>, String> {
    if !ch.kind.is_choice() {
        return ch.parse(&row.input.text);
    }
    if let Some(bad) = row.chosen.iter().find(|v| !ch.values.contains(v)) {
        return Err(format!(
            "{}: “{bad}” is not one of: {} (space on it removes it)",
            ch.label,
            ch.allowed()
        ));
    }
    Ok(match (ch.kind, row.chosen.as_slice()) {
        (_, []) => None,
        (Kind::OneOf, [one, ..]) => Some(toml::Value::String(one.clone())),
        _ => Some(toml::Value::Array(
            row.chosen
                .iter()
                .map(|v| toml::Value::String(v.clone()))
                .collect(),
        )),
    })
}

impl App {
    /// `c`: the characteristics form for the selected paper.
    pub(super) fn open_characteristics(&mut self) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        if self.review.config.characteristics.is_empty() {
            self.set_notice(
                "No study characteristics declared: add [[characteristics]] to config.toml",
                true,
            );
            return Effect::None;
        }
        let paper = p.id.clone();
        let coding = self.codings.get(&paper);
        let rows = self
            .review
            .config
            .characteristics
            .iter()
            .enumerate()
            .map(|(field, ch)| {
                let value = coding.characteristics.get(&ch.id);
                if ch.kind.is_choice() {
                    let mut chosen: Vec<String> =
                        value.map(characteristics::parts).unwrap_or_default();
                    chosen.retain(|v| !v.is_empty());
                    let mut options = ch.values.clone();
                    options.extend(chosen.iter().filter(|v| !ch.values.contains(v)).cloned());
                    // The list's order, whatever order the file had.
                    chosen.sort_by_key(|v| options.iter().position(|o| o == v));
                    chosen.dedup();
                    let choice = chosen
                        .first()
                        .and_then(|c| options.iter().position(|o| o == c))
                        .unwrap_or(0);
                    FormRow {
                        field,
                        input: TextInput::default(),
                        chosen,
                        options,
                        choice,
                        used: Vec::new(),
                    }
                } else {
                    let used = if ch.kind == Kind::Text {
                        characteristics::used_values(&self.codings, &ch.id)
                    } else {
                        Vec::new()
                    };
                    FormRow {
                        field,
                        input: TextInput::new(
                            &value.map(characteristics::display).unwrap_or_default(),
                        ),
                        chosen: Vec::new(),
                        options: Vec::new(),
                        choice: 0,
                        used,
                    }
                }
            })
            .collect();
        self.overlay = Some(Overlay::Characteristics(Box::new(CharacteristicsForm {
            paper,
            rows,
            cursor: 0,
            problem: None,
        })));
        Effect::None
    }

    pub(super) fn update_characteristics(&mut self, action: Action) -> Effect {
        let Some(Overlay::Characteristics(form)) = &mut self.overlay else {
            return Effect::None;
        };
        match action {
            Action::NextField | Action::Down | Action::Newline => form.step(true),
            Action::PrevField | Action::Up => form.step(false),
            Action::Confirm => return self.keep_characteristics(),
            Action::Close => {
                self.overlay = None;
                self.set_notice("Unchanged", false);
            }
            Action::Quit => return self.quit(),
            other => {
                form.problem = None;
                let Some(row) = form.rows.get_mut(form.cursor) else {
                    return Effect::None;
                };
                if row.options.is_empty() {
                    edit_typed(row, other);
                } else {
                    let one = self
                        .review
                        .config
                        .characteristics
                        .get(row.field)
                        .is_some_and(|c| c.kind == Kind::OneOf);
                    edit_choice(row, other, one);
                }
            }
        }
        Effect::None
    }

    /// ctrl-s: every row read as its field's value; the first refusal
    /// keeps the form open on its row, with why (and the list).
    fn keep_characteristics(&mut self) -> Effect {
        let Some(Overlay::Characteristics(form)) = &mut self.overlay else {
            return Effect::None;
        };
        let fields = &self.review.config.characteristics;
        let mut values = Vec::with_capacity(form.rows.len());
        for (i, row) in form.rows.iter().enumerate() {
            let Some(ch) = fields.get(row.field) else {
                continue;
            };
            match row_value(ch, row) {
                Ok(v) => values.push((ch, v)),
                Err(why) => {
                    form.cursor = i;
                    form.problem = Some(why.clone());
                    self.set_notice(why, true);
                    return Effect::None;
                }
            }
        }
        let paper = form.paper.clone();
        if self.current_paper().map(|p| &p.id) != Some(&paper) {
            // The form belongs to the selected paper; never write to another.
            self.overlay = None;
            return Effect::None;
        }
        let old = self.codings.get(&paper);
        let mut changed = Vec::new();
        let mut new = old.characteristics.clone();
        for (ch, v) in values {
            if old.characteristics.get(&ch.id) == v.as_ref() {
                continue;
            }
            changed.push(ch.label.clone());
            match v {
                Some(v) => new.insert(ch.id.clone(), v),
                None => new.remove(&ch.id),
            };
        }
        self.overlay = None;
        if changed.is_empty() {
            self.set_notice("Unchanged", false);
            return Effect::None;
        }
        let cite = self
            .current_paper()
            .map(|p| p.short_cite())
            .unwrap_or_default();
        let what = format!("{} on {cite}", changed.join(", "));
        self.change_coding(what, move |c| c.characteristics = new)
    }

    /// The full-screen tally's `c`: the next characteristic (after the
    /// last: none) to crosstab the factor under the cursor against.
    pub(super) fn cycle_crosstab(&mut self) {
        let n = self.review.config.characteristics.len();
        if n == 0 {
            self.set_notice(
                "No study characteristics declared: add [[characteristics]] to config.toml",
                true,
            );
            return;
        }
        self.crosstab_by = match self.crosstab_by {
            None => Some(0),
            Some(i) if i + 1 < n => Some(i + 1),
            Some(_) => None,
        };
        self.refresh_crosstab();
    }

    /// Counts the crosstab again (on entering the tally, after a change).
    pub(super) fn refresh_crosstab(&mut self) {
        self.crosstab = self
            .crosstab_by
            .and_then(|i| self.review.config.characteristics.get(i))
            .map(|ch| {
                let factors: Vec<&crate::review::config::Factor> =
                    self.review.config.factors.iter().collect();
                characteristics::crosstab(ch, &factors, &self.codings, self.tally.papers, |id| {
                    self.review.paper_index(id).is_some()
                })
            });
    }

    /// The crosstab the tally shows, if one is chosen.
    pub fn crosstab(&self) -> Option<&Crosstab> {
        if self.screen == Screen::Tally {
            self.crosstab.as_ref()
        } else {
            None
        }
    }

    /// The characteristics form, while it is open.
    pub fn characteristics_form(&self) -> Option<&CharacteristicsForm> {
        match &self.overlay {
            Some(Overlay::Characteristics(form)) => Some(form.as_ref()),
            _ => None,
        }
    }
}

/// A key in a typed row: editing, or at the end of the text `→` (or
/// end) takes the completion offered.
fn edit_typed(row: &mut FormRow, action: Action) {
    let at_end = row.input.cursor == row.input.text.len();
    if at_end
        && matches!(action, Action::CursorRight | Action::CursorEnd)
        && let Some(done) = row.completion().map(str::to_string)
    {
        row.input = TextInput::new(&done);
        return;
    }
    row.input.edit(action);
}

/// A key in a choice row: move, choose (space), clear, or jump to the
/// next value starting with the letter typed.
fn edit_choice(row: &mut FormRow, action: Action, one: bool) {
    let last = row.options.len().saturating_sub(1);
    match action {
        Action::CursorLeft => row.choice = row.choice.saturating_sub(1),
        Action::CursorRight => row.choice = (row.choice + 1).min(last),
        Action::CursorHome => row.choice = 0,
        Action::CursorEnd => row.choice = last,
        Action::Insert(' ') => {
            let Some(value) = row.options.get(row.choice).cloned() else {
                return;
            };
            if let Some(at) = row.chosen.iter().position(|v| *v == value) {
                row.chosen.remove(at);
            } else if one {
                row.chosen = vec![value];
            } else {
                row.chosen.push(value);
                let options = &row.options;
                row.chosen
                    .sort_by_key(|v| options.iter().position(|o| o == v));
            }
        }
        Action::DeleteBack | Action::DeleteToStart | Action::DeleteWordBack => row.chosen.clear(),
        Action::Insert(c) => {
            let lower: String = c.to_lowercase().collect();
            let n = row.options.len();
            if let Some(i) = (1..=n)
                .map(|k| (row.choice + k) % n.max(1))
                .find(|&i| row.options[i].to_lowercase().starts_with(&lower))
            {
                row.choice = i;
            }
        }
        _ => {}
    }
}
