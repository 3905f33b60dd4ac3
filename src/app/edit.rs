//! The editor: quotes, notes, factor labels, definitions and keys, and
//! what keeping each one does.

use super::{App, EditTarget, Editor, Effect, Overlay};
use crate::app::input::TextField;
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::review::codebook::{CodebookEdit, derive_id};

impl App {
    pub(super) fn open_editor(&mut self, target: EditTarget) {
        let text = match &target {
            EditTarget::Note => {
                let Some(p) = self.current_paper() else {
                    return;
                };
                self.codings.get(&p.id).note
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
        let input = TextField::new(&text, target.multiline());
        self.overlay = Some(Overlay::Edit(Box::new(Editor {
            input,
            target,
            changed: false,
            discard_armed: false,
        })));
    }

    pub(super) fn update_edit(&mut self, action: Action) -> Effect {
        let Some(Overlay::Edit(editor)) = &mut self.overlay else {
            return Effect::None;
        };
        match action {
            Action::Newline if !editor.input.multiline() => self.update_edit(Action::Confirm),
            Action::Confirm => {
                let Some(Overlay::Edit(editor)) = self.overlay.take() else {
                    return Effect::None;
                };
                let text = editor.input.text().trim().to_string();
                self.confirm_edit(editor.target, text)
            }
            // A note or a definition is written work, as a quote is: one
            // stray esc must not throw it away.
            Action::Close if editor.changed && !editor.discard_armed => {
                editor.discard_armed = true;
                self.warn_discard();
                Effect::None
            }
            Action::Close => {
                self.overlay = None;
                self.set_notice("Unchanged", false);
                Effect::None
            }
            Action::ExternalEditor if editor.input.multiline() => {
                Effect::EditExternally(editor.input.text())
            }
            Action::Quit => self.quit(),
            other => {
                editor.changed |= editor.input.edit(other);
                editor.discard_armed = false;
                Effect::None
            }
        }
    }

    /// What the reviewer wrote, kept.
    fn confirm_edit(&mut self, target: EditTarget, text: String) -> Effect {
        match target {
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
            EditTarget::Note => {
                let Some(p) = self.current_paper() else {
                    return Effect::None;
                };
                if self.codings.get(&p.id).note == text {
                    self.set_notice("Unchanged", false);
                    return Effect::None;
                }
                let verb = if text.is_empty() {
                    "removed from"
                } else {
                    "on"
                };
                let what = format!("note {verb} {}", p.short_cite());
                self.change_coding(what, |c| c.note = text)
            }
            EditTarget::NewFactor => {
                if text.is_empty() {
                    return Effect::None;
                }
                let id = self.new_factor_id(&text);
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
                let id = self.new_factor_id(&text);
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

    /// An id for a new factor labelled `label`, unlike every id in use.
    fn new_factor_id(&self, label: &str) -> String {
        let ids: Vec<&str> = self
            .review
            .config
            .factors
            .iter()
            .map(|f| f.id.as_str())
            .collect();
        derive_id(label, &ids)
    }

    /// The lowest digit key no factor or action uses, for a new factor.
    pub(super) fn free_digit_key(&self) -> Option<String> {
        let bound: Vec<String> = self
            .review
            .keymap
            .bindings(Layer::Normal)
            .iter()
            .flat_map(|b| b.keys.iter().map(ToString::to_string))
            .collect();
        (1..=9).map(|d| d.to_string()).find(|k| !bound.contains(k))
    }

    pub(super) fn factor_label(&self, id: &str) -> String {
        self.review
            .config
            .factors
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.label.clone())
            .unwrap_or_else(|| id.to_string())
    }
}
