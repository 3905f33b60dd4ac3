//! Everything a reviewer can ask thema to do, as data.

use serde::{Deserialize, Serialize};

/// One user intent. Keys map to actions through the keymap; `App::update`
/// turns actions into state changes. Names are the ones used in TOML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    EditQuote,
    /// Edit mode: keep the text.
    Confirm,
    DeleteBack,
    DeleteForward,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    OpenPaper,
    Help,
    Close,
    Quit,
    /// Bound from each factor's `key` in `[[factors]]`, not from `[keys]`.
    #[serde(skip)]
    ToggleFactor(usize),
    /// Typed or pasted text in edit mode; not bindable.
    #[serde(skip)]
    Insert(char),
}

impl Action {
    /// The action's TOML name, as written in keymaps.
    pub fn name(self) -> String {
        match self {
            Action::ToggleFactor(i) => format!("toggle_factor({i})"),
            Action::Insert(c) => format!("insert({c})"),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        }
    }

    /// Reads an action from its TOML name.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }
}
