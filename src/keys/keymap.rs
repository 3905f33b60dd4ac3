//! Keys → actions, per mode. Defaults come from `keymap.toml` compiled into the
//! binary; a review's `[keys]` table replaces an action's keys entry by entry.
//! The help overlay is drawn from the same bindings, so it cannot drift.

use std::collections::HashMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

use crate::infra::diagnostic::Diagnostic;
use crate::keys::action::Action;

const DEFAULT_KEYMAP: &str = include_str!("keymap.toml");

/// A table of keys in keymap.toml (`[normal]`, `[edit]`, …). One is live
/// at a time, chosen by what is on screen (see `App::layer`); `text` is no
/// screen of its own but the fallback for the layers that take typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Normal,
    Tally,
    Help,
    /// Typing a quote, a note or a factor label: unbound printable keys insert.
    Edit,
    /// Typing the search query: the list narrows as you type.
    Search,
    /// The command palette.
    Palette,
    /// Choosing from a short list (an exclusion reason, a merge target).
    Pick,
    /// The codebook editor.
    Codebook,
    /// Text-editing keys shared by every mode that takes typing.
    Text,
    /// Every quote for one factor, across papers.
    Evidence,
    /// The study × factor matrix.
    Matrix,
}

impl Layer {
    pub const ALL: [Layer; 11] = [
        Layer::Normal,
        Layer::Tally,
        Layer::Evidence,
        Layer::Matrix,
        Layer::Codebook,
        Layer::Search,
        Layer::Palette,
        Layer::Pick,
        Layer::Edit,
        Layer::Text,
        Layer::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Normal => "normal",
            Layer::Tally => "tally",
            Layer::Help => "help",
            Layer::Edit => "edit",
            Layer::Search => "search",
            Layer::Palette => "palette",
            Layer::Pick => "pick",
            Layer::Codebook => "codebook",
            Layer::Text => "text",
            Layer::Evidence => "evidence",
            Layer::Matrix => "matrix",
        }
    }

    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Modes where typing inserts text, with the `text` keys as fallback.
    pub fn takes_text(self) -> bool {
        matches!(self, Layer::Edit | Layer::Search | Layer::Palette)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One key chord, e.g. `j`, `G`, `ctrl-r`, `pgdown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Parses the names used in keymaps: a single character, or a named key,
    /// optionally prefixed with `ctrl-`, `alt-` or `shift-`.
    pub fn parse(spec: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, m) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            if rest.len() == prefix.len() {
                break;
            }
            mods |= m;
            rest = &rest[prefix.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCode::Char(' '),
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdown" | "pagedown" | "pgdn" => KeyCode::PageDown,
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("unknown key `{spec}`")),
                },
            },
        };
        Ok(Key::new(code, mods))
    }

    /// Builds a key the way terminals report it, so lookups match: shift is
    /// folded into the character (`G`, not `shift-g`), and shift-tab is backtab.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
            }
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn from_event(event: &KeyEvent) -> Key {
        Key::new(event.code, event.modifiers)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// Keys bound to one action in one mode, with the line the help shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<Key>,
    pub help: String,
}

impl Binding {
    /// "j/↓" — the keys as the help overlay and status hints show them.
    pub fn keys_label(&self) -> String {
        let names: Vec<String> = self.keys.iter().map(Key::to_string).collect();
        names.join("/")
    }
}

/// A user's replacement for one action's keys, as read from `[keys.<mode>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOverride {
    /// The file it came from, for messages.
    pub file: String,
    pub mode: String,
    pub action: String,
    pub keys: Vec<String>,
    pub line: usize,
}

/// A key given to a factor in `[[factors]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactorKey {
    pub index: usize,
    pub label: String,
    pub key: String,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultEntry {
    action: String,
    keys: Vec<String>,
    help: String,
}

/// The live keymap: bindings per mode, and a lookup table built from them.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: [Vec<Binding>; 11],
    lookup: HashMap<(Layer, Key), Action>,
}

impl Keymap {
    /// The defaults alone.
    pub fn defaults() -> Keymap {
        let (keymap, _) = Keymap::build("config.toml", &[], &[]);
        keymap
    }

    /// Defaults, then the review's overrides, then factor keys. Problems are
    /// reported against `config_file` with the line of the offending entry;
    /// the keymap returned is still usable (bad entries are left out).
    pub fn build(
        config_file: &str,
        overrides: &[KeyOverride],
        factors: &[FactorKey],
    ) -> (Keymap, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let mut bindings: [Vec<Binding>; 11] = Default::default();
        let defaults: HashMap<String, Vec<DefaultEntry>> = match toml::from_str(DEFAULT_KEYMAP) {
            Ok(d) => d,
            Err(err) => {
                // The defaults are compiled in and covered by tests.
                problems.push(Diagnostic::error(
                    "built-in keymap",
                    None,
                    err.message().to_string(),
                ));
                HashMap::new()
            }
        };
        for mode in Layer::ALL {
            for entry in defaults.get(mode.name()).into_iter().flatten() {
                let Some(action) = Action::from_name(&entry.action) else {
                    problems.push(Diagnostic::error(
                        "built-in keymap",
                        None,
                        format!("unknown action `{}`", entry.action),
                    ));
                    continue;
                };
                let keys = entry
                    .keys
                    .iter()
                    .filter_map(|k| Key::parse(k).ok())
                    .collect();
                bindings[mode.index()].push(Binding {
                    action,
                    keys,
                    help: entry.help.clone(),
                });
            }
        }

        // Where each (mode, action) was last set — file, line, and the order
        // it was applied in — to name the culprit of a clash.
        let mut set_at: HashMap<(Layer, Action), (usize, String, usize)> = HashMap::new();
        // Files in the order they are applied: the review's, then the user's.
        let mut file_rank: HashMap<String, usize> = HashMap::new();
        file_rank.insert(config_file.to_string(), 0);
        for o in overrides {
            let next = file_rank.len();
            file_rank.entry(o.file.clone()).or_insert(next);
        }
        for o in overrides {
            let Some(mode) = Layer::from_name(&o.mode) else {
                problems.push(Diagnostic::error(
                    &o.file,
                    Some(o.line),
                    format!(
                        "unknown key mode `[keys.{}]`; use one of: {}",
                        o.mode,
                        Layer::ALL.map(Layer::name).join(", ")
                    ),
                ));
                continue;
            };
            let known_here = |a: Action| bindings[mode.index()].iter().any(|b| b.action == a);
            let Some(action) = Action::from_name(&o.action).filter(|a| known_here(*a)) else {
                let known: Vec<String> = bindings[mode.index()]
                    .iter()
                    .map(|b| b.action.name())
                    .collect();
                problems.push(Diagnostic::error(
                    &o.file,
                    Some(o.line),
                    format!(
                        "unknown action `{}` in [keys.{}]; known actions: {}",
                        o.action,
                        o.mode,
                        known.join(", ")
                    ),
                ));
                continue;
            };
            let mut keys = Vec::new();
            for spec in &o.keys {
                match Key::parse(spec) {
                    Ok(k) => keys.push(k),
                    Err(msg) => problems.push(Diagnostic::error(
                        &o.file,
                        Some(o.line),
                        format!(
                            "{msg} for `{}` (examples: \"j\", \"ctrl-r\", \"pgdown\", \"f2\")",
                            o.action
                        ),
                    )),
                }
            }
            if keys.is_empty() && matches!(action, Action::Quit | Action::Close) {
                problems.push(Diagnostic::error(
                    &o.file,
                    Some(o.line),
                    format!("`{}` needs at least one key in [keys.{}]", o.action, o.mode),
                ));
                continue;
            }
            let rank = file_rank.get(&o.file).copied().unwrap_or(0);
            set_at.insert((mode, action), (rank, o.file.clone(), o.line));
            let list = &mut bindings[mode.index()];
            if let Some(b) = list.iter_mut().find(|b| b.action == action) {
                b.keys = keys;
            }
        }

        // A key given to an action takes it from a built-in binding the
        // files left alone (binding edit `confirm` to enter frees enter from
        // `newline`); two keys set in files still clash below.
        for mode in Layer::ALL {
            let set = |a: Action| set_at.contains_key(&(mode, a));
            let list = &mut bindings[mode.index()];
            let taken: Vec<Key> = list
                .iter()
                .filter(|b| set(b.action))
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for b in list.iter_mut().filter(|b| !set(b.action)) {
                let had = b.keys.len();
                b.keys.retain(|k| !taken.contains(k));
                if had > 0 && b.keys.is_empty() && matches!(b.action, Action::Quit | Action::Close)
                {
                    problems.push(Diagnostic::error(
                        config_file,
                        None,
                        format!(
                            "`{}` in {} mode has no key left: its keys went to other actions",
                            b.action.name(),
                            mode.name()
                        ),
                    ));
                }
            }
        }

        for f in factors {
            let action = Action::ToggleFactor(f.index);
            set_at.insert(
                (Layer::Normal, action),
                (0, config_file.to_string(), f.line),
            );
            match Key::parse(&f.key) {
                Ok(key) => bindings[Layer::Normal.index()].push(Binding {
                    action,
                    keys: vec![key],
                    help: format!("Toggle factor: {}", f.label),
                }),
                Err(msg) => problems.push(Diagnostic::error(
                    config_file,
                    Some(f.line),
                    format!("{msg} for factor `{}`", f.label),
                )),
            }
        }

        let mut lookup = HashMap::new();
        for mode in Layer::ALL {
            for b in &bindings[mode.index()] {
                for key in &b.keys {
                    if let Some(previous) = lookup.insert((mode, *key), b.action)
                        && previous != b.action
                    {
                        // Point at the later entry (later file, then later
                        // line): the one that made it twice.
                        let rank = |a: Action| set_at.get(&(mode, a)).map(|(r, _, l)| (*r, *l));
                        let culprit = if rank(b.action) >= rank(previous) {
                            b.action
                        } else {
                            previous
                        };
                        let (file, line) = set_at
                            .get(&(mode, culprit))
                            .map(|(_, f, l)| (f.as_str(), Some(*l)))
                            .unwrap_or((config_file, None));
                        problems.push(Diagnostic::error(
                            file,
                            line,
                            format!(
                                "key `{key}` is bound twice in {} mode: to `{}` and to `{}`",
                                mode.name(),
                                describe(previous, &bindings[mode.index()]),
                                describe(b.action, &bindings[mode.index()]),
                            ),
                        ));
                    }
                }
            }
        }
        (Keymap { bindings, lookup }, problems)
    }

    pub fn resolve(&self, mode: Layer, event: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(event);
        self.lookup.get(&(mode, key)).copied().or_else(|| {
            if mode.takes_text() {
                self.lookup.get(&(Layer::Text, key)).copied()
            } else {
                None
            }
        })
    }

    /// The bindings of one mode, in the order the help shows them.
    pub fn bindings(&self, mode: Layer) -> &[Binding] {
        &self.bindings[mode.index()]
    }

    /// First key bound to `action` in `mode`, for hints like "? help".
    pub fn first_key(&self, mode: Layer, action: Action) -> Option<Key> {
        self.bindings(mode)
            .iter()
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first().copied())
    }
}

fn describe(action: Action, bindings: &[Binding]) -> String {
    match action {
        Action::ToggleFactor(_) => bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.help.to_lowercase())
            .unwrap_or_else(|| action.name()),
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Keymap, Layer};
    use crate::keys::action::Action;

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
