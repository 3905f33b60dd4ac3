//! Supporting quotes: the form that adds or edits one (text, location,
//! comment), choosing which of a paper's quotes to edit, assigning a quote
//! from an earlier version to a factor, and text written in `$EDITOR`.

use super::{App, Effect, Overlay, PickPurpose};
use crate::app::input::TextField;
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::review::codings::Quote;

/// The fields of the quote form, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteField {
    Text,
    Location,
    Comment,
}

impl QuoteField {
    const ORDER: [QuoteField; 3] = [QuoteField::Text, QuoteField::Location, QuoteField::Comment];

    fn step(self, forward: bool) -> QuoteField {
        let i = QuoteField::ORDER
            .iter()
            .position(|&f| f == self)
            .unwrap_or(0);
        let n = QuoteField::ORDER.len();
        QuoteField::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    pub fn label(self) -> &'static str {
        match self {
            QuoteField::Text => "Quote",
            QuoteField::Location => "Location (page, section, line)",
            QuoteField::Comment => "Comment",
        }
    }
}

/// A quote being written: for which paper and factor, and (when editing)
/// which of the paper's quotes it replaces.
#[derive(Debug)]
pub struct QuoteForm {
    pub paper: String,
    /// The place in the paper's quotes it replaces; none: a new quote.
    pub index: Option<usize>,
    /// The factor id ("" = none).
    pub factor: String,
    pub text: TextField,
    pub location: TextField,
    pub comment: TextField,
    pub field: QuoteField,
    /// Whether anything was written or pasted since the form opened.
    pub changed: bool,
    /// A first `esc` after changes asks; a second one discards them.
    pub discard_armed: bool,
}

impl QuoteForm {
    pub fn input(&self, field: QuoteField) -> &TextField {
        match field {
            QuoteField::Text => &self.text,
            QuoteField::Location => &self.location,
            QuoteField::Comment => &self.comment,
        }
    }

    fn input_mut(&mut self) -> &mut TextField {
        match self.field {
            QuoteField::Text => &mut self.text,
            QuoteField::Location => &mut self.location,
            QuoteField::Comment => &mut self.comment,
        }
    }

    /// Pasted text, into the field the cursor is in.
    pub fn paste(&mut self, text: &str) -> bool {
        let pasted = self.input_mut().paste(text);
        self.changed |= pasted;
        pasted
    }
}

/// A change to a paper's quotes, applied inside `change_coding`.
type QuotesEdit = Box<dyn FnOnce(&mut Vec<Quote>)>;

/// What `$EDITOR` gave back, as the loop reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternalEdit {
    /// The text as saved in the editor.
    Edited(String),
    /// Why there is no text (no editor, it failed): the text is unchanged.
    Failed(String),
}

impl App {
    /// `e`: a new quote for the factor under the codebook cursor.
    pub(super) fn add_quote(&mut self) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        let Some(f) = self.review.config.factors.get(self.factor_cursor) else {
            self.set_notice("No factors yet: b opens the codebook to add one", true);
            return Effect::None;
        };
        let quote = Quote::new(&f.id, "", "", "");
        let paper = p.id.clone();
        self.open_quote_form(paper, None, &quote);
        Effect::None
    }

    /// `E`: the paper's quote to edit: the only one at once, else chosen
    /// from a list; with none, a new one (as `e`).
    pub(super) fn edit_quote(&mut self) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        let paper = p.id.clone();
        let title = format!("Edit a quote of {}", p.short_cite());
        let coding = self.codings.get(&paper);
        match coding.quotes.as_slice() {
            [] => self.add_quote(),
            [only] => {
                self.open_quote_form(paper, Some(0), only);
                Effect::None
            }
            quotes => {
                let items = quotes
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let factor = self.quote_factor_label(&q.factor);
                        let text = crate::app::input::one_line(&q.text);
                        (format!("{factor}: “{text}”"), i.to_string())
                    })
                    .collect();
                self.open_pick(PickPurpose::EditQuote(paper), title, items);
                Effect::None
            }
        }
    }

    /// Chosen from the pick list of [`App::edit_quote`].
    pub(super) fn picked_quote(&mut self, paper: String, value: &str) -> Effect {
        let coding = self.codings.get(&paper);
        if let Some((i, q)) = value
            .parse::<usize>()
            .ok()
            .and_then(|i| coding.quotes.get(i).map(|q| (i, q)))
        {
            self.open_quote_form(paper, Some(i), q);
        }
        Effect::None
    }

    /// "Not assigned to a factor" or the factor's label.
    pub fn quote_factor_label(&self, factor: &str) -> String {
        if factor.is_empty() {
            "Not assigned to a factor".to_string()
        } else {
            self.factor_label(factor)
        }
    }

    fn open_quote_form(&mut self, paper: String, index: Option<usize>, q: &Quote) {
        self.overlay = Some(Overlay::Quote(Box::new(QuoteForm {
            paper,
            index,
            factor: q.factor.clone(),
            text: TextField::new(&q.text, true),
            location: TextField::new(&q.location, false),
            comment: TextField::new(&q.comment, true),
            field: QuoteField::Text,
            changed: false,
            discard_armed: false,
        })));
    }

    pub(super) fn update_quote(&mut self, action: Action) -> Effect {
        let Some(Overlay::Quote(form)) = &mut self.overlay else {
            return Effect::None;
        };
        match action {
            Action::NextField => form.field = form.field.step(true),
            Action::PrevField => form.field = form.field.step(false),
            // Enter in the one-line location moves on, as a form does.
            Action::Newline if form.field == QuoteField::Location => {
                form.field = form.field.step(true)
            }
            Action::Confirm => {
                let Some(Overlay::Quote(form)) = self.overlay.take() else {
                    return Effect::None;
                };
                return self.keep_quote(*form);
            }
            // A quote typed out of a PDF is work: one stray esc must not
            // throw it away.
            Action::Close if form.changed && !form.discard_armed => {
                form.discard_armed = true;
                self.warn_discard();
            }
            Action::Close => {
                self.overlay = None;
                self.set_notice("Unchanged", false);
            }
            Action::ExternalEditor => {
                if !form.input_mut().multiline() {
                    form.field = QuoteField::Text;
                }
                return Effect::EditExternally(form.input_mut().text());
            }
            Action::Quit => return self.quit(),
            other => {
                form.changed |= form.input_mut().edit(other);
                form.discard_armed = false;
            }
        }
        Effect::None
    }

    /// The form kept: the quote added, replaced, or (its text emptied)
    /// removed. A quote for a factor the paper is not coded with codes it:
    /// the quote is the evidence that it supports it.
    fn keep_quote(&mut self, form: QuoteForm) -> Effect {
        if self.current_paper().map(|p| &p.id) != Some(&form.paper) {
            // The form belongs to the selected paper; it cannot change
            // under an open form, but never write to another one.
            return Effect::None;
        }
        let text = form.text.text().trim().to_string();
        let location = form.location.text().trim().to_string();
        let comment = form.comment.text().trim().to_string();
        let old = self.codings.get(&form.paper);
        let existing = form.index.and_then(|i| old.quotes.get(i).cloned());
        let cite = self
            .current_paper()
            .map(|p| p.short_cite())
            .unwrap_or_default();
        let label = self.quote_factor_label(&form.factor);
        let factor = form.factor.clone();
        let (what, change): (String, QuotesEdit) = match (existing, form.index) {
            (Some(_), Some(i)) if text.is_empty() => (
                format!("quote removed from {cite} ({label})"),
                Box::new(move |qs| {
                    qs.remove(i);
                }),
            ),
            (Some(q), Some(i)) => {
                let mut new = q.clone();
                new.text = text;
                new.location = location;
                new.comment = comment;
                if new == q {
                    self.set_notice("Unchanged", false);
                    return Effect::None;
                }
                (
                    format!("quote edited on {cite} ({label})"),
                    Box::new(move |qs| qs[i] = new),
                )
            }
            _ if text.is_empty() => {
                self.set_notice("No quote written; nothing kept", false);
                return Effect::None;
            }
            _ => (
                format!("quote for {label} on {cite}"),
                Box::new(move |qs| qs.push(Quote::new(&factor, &text, &location, &comment))),
            ),
        };
        let codes = form.index.is_none()
            && !form.factor.is_empty()
            && !self.codings.has(&form.paper, &form.factor);
        let what = if codes {
            format!("{what} (+ {label})")
        } else {
            what
        };
        let factor = form.factor;
        self.change_coding(what, move |c| {
            change(&mut c.quotes);
            if codes {
                c.factors.insert(factor);
            }
        })
    }

    /// `A`: the paper's first quote assigned to no factor gets the factor
    /// under the codebook cursor.
    pub(super) fn assign_quote(&mut self) -> Effect {
        let Some(p) = self.current_paper() else {
            return Effect::None;
        };
        let coding = self.codings.get(&p.id);
        let Some(i) = coding.quotes.iter().position(|q| q.factor.is_empty()) else {
            self.set_notice("This paper has no quote without a factor", false);
            return Effect::None;
        };
        let Some(f) = self.review.config.factors.get(self.factor_cursor) else {
            return Effect::None;
        };
        // As adding a quote for a factor does, assigning one codes the
        // paper with it: the quote is the evidence that it supports it.
        let codes = !coding.factors.contains(&f.id);
        let what = format!(
            "quote on {} assigned to {}{}",
            p.short_cite(),
            f.label,
            if codes { " (+ coded)" } else { "" }
        );
        let id = f.id.clone();
        self.change_coding(what, move |c| {
            c.quotes[i].factor = id.clone();
            c.quotes[i].read_as = None;
            if codes {
                c.factors.insert(id);
            }
        })
    }

    /// The first esc on written text: say that a second one discards it.
    pub(super) fn warn_discard(&mut self) {
        self.warn_discard_of("what you wrote", "it");
    }

    /// [`App::warn_discard`] for `what` (`it`: how to say it again).
    pub(super) fn warn_discard_of(&mut self, what: &str, it: &str) {
        let keep = self
            .review
            .keymap
            .first_key(Layer::Edit, Action::Confirm)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "ctrl-s".into());
        self.set_notice(
            format!("esc again discards {what} ({keep} keeps {it})"),
            true,
        );
    }

    /// What `$EDITOR` gave back, into the field it was opened on.
    pub fn external_edit(&mut self, result: ExternalEdit) {
        let text = match result {
            ExternalEdit::Edited(text) => text,
            ExternalEdit::Failed(why) => {
                self.set_notice(format!("{why}; the text is unchanged"), true);
                return;
            }
        };
        // Editors end the file with a line break; the text did not have one.
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        match &mut self.overlay {
            Some(Overlay::Quote(form)) => {
                let multiline = form.input_mut().multiline();
                *form.input_mut() = TextField::new(text, multiline);
                form.changed = true;
            }
            Some(Overlay::Edit(editor)) => {
                editor.input = TextField::new(text, editor.input.multiline());
                editor.changed = true;
            }
            Some(Overlay::Cerqual(form)) => {
                if !form.external_edit(text) {
                    return;
                }
            }
            _ => return,
        }
        self.set_notice("Text from the editor: keep it, or go on writing", false);
    }

    /// The key that adds a quote, for hints ("e quote").
    pub(super) fn add_quote_key(&self) -> String {
        self.review
            .keymap
            .first_key(Layer::Normal, Action::AddQuote)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "?".into())
    }
}
