//! What can be open over a screen, each with the state it needs, and the
//! keys of the small ones (help, search, palette, pick lists).

use super::{App, Effect, Focus};
use crate::app::input::{TextField, TextInput};
use crate::app::palette::Palette;
use crate::keys::action::Action;
use crate::keys::keymap::Layer;
use crate::review::codebook::CodebookEdit;

/// A full screen; overlays open over it and close back to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Papers, detail, factors and the tally panel.
    Workbench,
    /// The tally, full screen.
    Tally,
    /// The codebook editor.
    Codebook,
    /// Every quote for one factor across papers (state in `App::evidence`).
    Evidence,
    /// Papers × chosen characteristics and factors (state in `App::matrix`).
    Matrix,
}

impl Screen {
    pub fn layer(self) -> Layer {
        match self {
            Screen::Workbench => Layer::Normal,
            Screen::Tally => Layer::Tally,
            Screen::Codebook => Layer::Codebook,
            Screen::Evidence => Layer::Evidence,
            Screen::Matrix => Layer::Matrix,
        }
    }
}

/// At most one at a time, over the screen.
#[derive(Debug)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    /// Boxed: a text area is far larger than the other overlays.
    Edit(Box<Editor>),
    /// A supporting quote: text, location, comment.
    Quote(Box<crate::app::quote::QuoteForm>),
    /// The paper's study characteristics, one row per declared field.
    Characteristics(Box<crate::app::characteristics::CharacteristicsForm>),
    /// The paper's quality appraisal, one row per checklist item.
    Appraisal(Box<crate::app::appraisal::AppraisalForm>),
    /// A factor's GRADE-CERQual assessment (from the codebook view).
    Cerqual(Box<crate::app::cerqual::CerqualForm>),
    Search(SearchLine),
    Palette(Palette),
    Pick(Pick),
}

impl Overlay {
    pub fn layer(&self) -> Layer {
        match self {
            Overlay::Help { .. } => Layer::Help,
            Overlay::Edit(_)
            | Overlay::Quote(_)
            | Overlay::Characteristics(_)
            | Overlay::Appraisal(_)
            | Overlay::Cerqual(_) => Layer::Edit,
            Overlay::Search(_) => Layer::Search,
            Overlay::Palette(_) => Layer::Palette,
            Overlay::Pick(_) => Layer::Pick,
        }
    }
}

/// Text being written, and what it is for.
#[derive(Debug)]
pub struct Editor {
    pub input: TextField,
    pub target: EditTarget,
    /// Typed, pasted or brought back from `$EDITOR` since it opened.
    pub changed: bool,
    /// Esc was pressed once on changed text: the next esc discards it.
    pub discard_armed: bool,
}

/// The search line while it is typed (the query itself lives in the list).
#[derive(Debug)]
pub struct SearchLine {
    pub input: TextInput,
    /// The paper selected when the search opened; `Esc` returns to it.
    pub from: Option<usize>,
}

/// What the text being typed in edit mode is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditTarget {
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
        matches!(self, EditTarget::Note)
    }
}

/// What a pick list chooses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickPurpose {
    ExcludeReason,
    /// The factor to merge this one (by id) into.
    MergeInto(String),
    /// Which quote of this paper (by id) to edit; the value is its place.
    EditQuote(String),
    /// A study characteristic shown or hidden in the matrix; the value is
    /// its place in the config's.
    MatrixColumn,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    pub purpose: PickPurpose,
    pub title: String,
    /// (shown, value) pairs.
    pub items: Vec<(String, String)>,
    pub cursor: usize,
}

impl App {
    pub(super) fn open_search(&mut self) {
        self.overlay = Some(Overlay::Search(SearchLine {
            input: TextInput::new(&self.list.query),
            from: self.selected(),
        }));
    }

    pub(super) fn update_search(&mut self, action: Action) -> Effect {
        let Some(Overlay::Search(line)) = &mut self.overlay else {
            return Effect::None;
        };
        match action {
            Action::Confirm => {
                self.overlay = None;
                self.focus = Focus::Papers;
            }
            Action::Close => {
                // Back to the paper the search started from, whatever
                // the query matched meanwhile.
                let from = line.from.or(self.list.selected());
                self.overlay = None;
                self.set_query(String::new(), from);
            }
            Action::Down => self.move_list(1),
            Action::Up => self.move_list(-1),
            Action::Quit => return self.quit(),
            other => {
                if line.input.edit(other) {
                    let query = line.input.text.clone();
                    self.set_query(query, self.selected());
                }
            }
        }
        Effect::None
    }

    /// Filters the list by `query`, staying on paper `keep` if it matches.
    pub(super) fn set_query(&mut self, query: String, keep: Option<usize>) {
        self.list.query = query;
        let screen = self.viewport.list_rows.get();
        self.list
            .refilter_visible(&self.review.papers, keep, screen);
        if keep.is_some() && self.list.selected() != keep {
            // The paper under the cursor no longer matches: the first
            // match, not whichever one lands where the cursor was.
            self.list.cursor = 0;
        }
        self.sync_selected();
    }

    pub(super) fn open_palette(&mut self) {
        let entries = crate::app::palette::entries(&self.review);
        self.overlay = Some(Overlay::Palette(Palette::open(entries)));
    }

    pub(super) fn update_palette(&mut self, action: Action) -> Effect {
        let Some(Overlay::Palette(palette)) = &mut self.overlay else {
            return Effect::None;
        };
        match action {
            Action::Confirm => {
                let chosen = palette.chosen();
                self.overlay = None;
                match chosen {
                    Some(chosen) => self.update_normal(chosen),
                    None => Effect::None,
                }
            }
            Action::Close => {
                self.overlay = None;
                Effect::None
            }
            Action::Down => {
                palette.move_by(1);
                Effect::None
            }
            Action::Up => {
                palette.move_by(-1);
                Effect::None
            }
            Action::Quit => self.quit(),
            other => {
                palette.edit(other);
                Effect::None
            }
        }
    }

    pub(super) fn open_pick(
        &mut self,
        purpose: PickPurpose,
        title: String,
        items: Vec<(String, String)>,
    ) {
        self.overlay = Some(Overlay::Pick(Pick {
            purpose,
            title,
            items,
            cursor: 0,
        }));
    }

    pub(super) fn update_pick(&mut self, action: Action) -> Effect {
        let Some(Overlay::Pick(pick)) = &mut self.overlay else {
            return Effect::None;
        };
        let last = pick.items.len().saturating_sub(1);
        match action {
            Action::Down => pick.cursor = (pick.cursor + 1).min(last),
            Action::Up => pick.cursor = pick.cursor.saturating_sub(1),
            Action::First => pick.cursor = 0,
            Action::Last => pick.cursor = last,
            Action::Close => self.overlay = None,
            Action::Confirm => {
                let Some(Overlay::Pick(pick)) = self.overlay.take() else {
                    return Effect::None;
                };
                let Some((_, value)) = pick.items.get(pick.cursor).cloned() else {
                    return Effect::None;
                };
                return self.picked(pick.purpose, value);
            }
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }

    /// The reviewer chose `value` from a pick list.
    fn picked(&mut self, purpose: PickPurpose, value: String) -> Effect {
        match purpose {
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
            PickPurpose::EditQuote(paper) => self.picked_quote(paper, &value),
            PickPurpose::MatrixColumn => {
                self.toggle_matrix_column(&value);
                Effect::None
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
        }
    }

    pub(super) fn open_help(&mut self) {
        self.overlay = Some(Overlay::Help { scroll: 0 });
    }

    pub(super) fn update_help(&mut self, action: Action) -> Effect {
        let page = self.viewport.help_rows.get().max(1);
        let max = self
            .viewport
            .help_lines
            .get()
            .saturating_sub(self.viewport.help_rows.get());
        let Some(Overlay::Help { scroll }) = &mut self.overlay else {
            return Effect::None;
        };
        match action {
            Action::Down => *scroll = (*scroll + 1).min(max),
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::PageDown => *scroll = (*scroll + page).min(max),
            Action::PageUp => *scroll = scroll.saturating_sub(page),
            Action::First => *scroll = 0,
            Action::Last => *scroll = max,
            Action::Close | Action::Help => self.overlay = None,
            Action::Quit => return self.quit(),
            _ => {}
        }
        Effect::None
    }
}
