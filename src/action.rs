//! Everything a reviewer can ask thema to do, as data.

use serde::{Deserialize, Serialize};

use crate::view::SortKey;

/// One user intent. Keys map to actions through the keymap; `App::update`
/// turns actions into state changes. Names are the ones used in TOML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Down,
    Up,
    First,
    Last,
    PageDown,
    PageUp,
    NextUncoded,
    ToggleSelectedFactor,
    FocusNext,
    FocusPrev,
    ShowTally,
    OpenPaper,
    EditQuote,
    EditNote,
    ToggleFlag,
    Exclude,
    Undo,
    Redo,
    /// Open the search line.
    Search,
    Palette,
    ClearFilters,
    ToggleUncodedOnly,
    ToggleFlaggedOnly,
    ToggleHasNote,
    /// Only papers with (or without) the factor under the codebook cursor.
    FilterWithFactor,
    FilterWithoutFactor,
    CycleSort,
    Codebook,
    AddFactor,
    RenameFactor,
    EditDefinition,
    SetFactorKey,
    MergeFactor,
    SplitFactor,
    MoveFactorUp,
    MoveFactorDown,
    Help,
    /// Keep what was typed or chosen.
    Confirm,
    Close,
    Quit,
    DeleteBack,
    DeleteForward,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    /// Deletes from the start of the text to the cursor (as shells do).
    DeleteToStart,
    /// Deletes the word before the cursor.
    DeleteWordBack,
    /// Moves the cursor to the start of the word before it, or after it.
    CursorWordLeft,
    CursorWordRight,
    /// Enter in an edit box: a line break in a quote or note (pasted
    /// paragraphs stay paragraphs); in a one-line field it keeps the text.
    Newline,
    /// Bound from each factor's `key` in `[[factors]]`, not from `[keys]`.
    #[serde(skip)]
    ToggleFactor(usize),
    /// Typed or pasted text in a text field; not bindable.
    #[serde(skip)]
    Insert(char),
    /// Palette entries for one factor or one order.
    #[serde(skip)]
    FilterWith(usize),
    #[serde(skip)]
    FilterWithout(usize),
    #[serde(skip)]
    SortBy(SortKey),
}

impl Action {
    /// The action's TOML name, as written in keymaps.
    pub fn name(self) -> String {
        match self {
            Action::ToggleFactor(i) => format!("toggle_factor({i})"),
            Action::Insert(c) => format!("insert({c})"),
            Action::FilterWith(i) => format!("filter_with({i})"),
            Action::FilterWithout(i) => format!("filter_without({i})"),
            Action::SortBy(k) => format!("sort_by({})", k.label()),
            other => <&'static str>::from(other).to_string(),
        }
    }

    /// Reads an action from its TOML name.
    pub fn from_name(name: &str) -> Option<Action> {
        use serde::de::IntoDeserializer as _;
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Action::deserialize(name).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{Keymap, Layer};

    #[test]
    fn every_bound_action_reads_back_from_its_name() {
        let keymap = Keymap::defaults();
        let mut seen = 0;
        for mode in Layer::ALL {
            for binding in keymap.bindings(mode) {
                let name = binding.action.name();
                assert_eq!(Action::from_name(&name), Some(binding.action), "{name}");
                seen += 1;
            }
        }
        assert!(seen > 40, "the default keymap binds every mode's actions");
        assert_eq!(Action::NextUncoded.name(), "next_uncoded");
        assert_eq!(Action::ToggleFactor(3).name(), "toggle_factor(3)");
        assert_eq!(Action::from_name("no_such_action"), None);
        // Parameterised actions are bound from [[factors]], never by name.
        assert_eq!(Action::from_name("toggle_factor"), None);
    }
}
