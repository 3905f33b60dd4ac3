//! The command palette: every action by name, fuzzy-matched as you type.
//! Entries come from the keymap (so names, keys and descriptions are the
//! help's), plus one "toggle factor" entry per factor, so a codebook with more
//! factors than keys is still coded without the mouse.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::action::Action;
use crate::input::TextInput;
use crate::keymap::Mode;
use crate::review::Review;
use crate::view::SortKey;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// What is matched and shown: "toggle factor Communication".
    pub title: String,
    pub keys: String,
    pub action: Action,
}

/// Every palette entry for this review.
pub fn entries(review: &Review) -> Vec<Entry> {
    let mut out = Vec::new();
    for b in review.keymap.bindings(Mode::Normal) {
        if matches!(b.action, Action::ToggleFactor(_) | Action::Palette) {
            continue;
        }
        out.push(Entry {
            title: format!("{} — {}", b.action.name().replace('_', " "), b.help),
            keys: b.keys_label(),
            action: b.action,
        });
    }
    for (i, f) in review.config.factors.iter().enumerate() {
        let keys = f.key.clone().unwrap_or_default();
        out.push(Entry {
            title: format!("toggle factor {} — {}", f.label, f.definition),
            keys,
            action: Action::ToggleFactor(i),
        });
        out.push(Entry {
            title: format!("filter: papers with {}", f.label),
            keys: String::new(),
            action: Action::FilterWith(i),
        });
        out.push(Entry {
            title: format!("filter: papers without {}", f.label),
            keys: String::new(),
            action: Action::FilterWithout(i),
        });
    }
    for key in SortKey::ALL {
        out.push(Entry {
            title: format!("sort by {}", key.label()),
            keys: String::new(),
            action: Action::SortBy(key),
        });
    }
    out
}

/// The open palette: what is typed, which entries match, which is chosen.
#[derive(Debug, Default)]
pub struct Palette {
    pub input: TextInput,
    pub entries: Vec<Entry>,
    /// (entry index, matched character positions in its title), best first.
    pub matches: Vec<(usize, Vec<usize>)>,
    pub cursor: usize,
}

impl Palette {
    pub fn open(entries: Vec<Entry>) -> Palette {
        let mut p = Palette {
            entries,
            ..Palette::default()
        };
        p.rematch();
        p
    }

    pub fn edit(&mut self, action: Action) {
        if self.input.edit(action) {
            self.rematch();
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.matches.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    pub fn chosen(&self) -> Option<Action> {
        self.matches
            .get(self.cursor)
            .and_then(|(i, _)| self.entries.get(*i))
            .map(|e| e.action)
    }

    fn rematch(&mut self) {
        let query = self.input.text.trim();
        self.cursor = 0;
        if query.is_empty() {
            self.matches = (0..self.entries.len()).map(|i| (i, Vec::new())).collect();
            return;
        }
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut scored: Vec<(i64, usize, Vec<usize>)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                matcher
                    .fuzzy_indices(&e.title, query)
                    .map(|(score, pos)| (score, i, pos))
            })
            .collect();
        // Best score first; ties keep the palette's own order.
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.matches = scored.into_iter().map(|(_, i, pos)| (i, pos)).collect();
    }
}
