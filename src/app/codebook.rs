//! The codebook editor's keys: factors added, renamed, split, merged and
//! moved (the workspace writes each change; see `Effect::Codebook`).

use super::{App, EditTarget, Effect, PickPurpose, Screen};
use crate::keys::action::Action;
use crate::review::codebook::CodebookEdit;

impl App {
    pub(super) fn update_codebook(&mut self, action: Action) -> Effect {
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
                    let title = format!("Merge {} into…", self.factor_label(&id));
                    self.open_pick(PickPurpose::MergeInto(id), title, items);
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
            (Action::EditCerqual, Some(_)) => return Effect::ReadCerqual { then_open: true },
            (Action::Undo, _) => return self.undo(),
            (Action::Redo, _) => return self.redo(),
            (Action::Close | Action::Codebook, _) => self.screen = Screen::Workbench,
            (Action::Help, _) => self.open_help(),
            (Action::Quit, _) => return self.quit(),
            _ => {}
        }
        Effect::None
    }
}
