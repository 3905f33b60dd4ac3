//! The command palette: every action by name, matched as you type on words
//! and word starts (not on letters scattered over a sentence).
//! Entries come from the keymap (so names, keys and descriptions are the
//! help's), plus one "toggle factor" entry per factor, so a codebook with more
//! factors than keys is still coded without the mouse.

use crate::app::input::TextInput;
use crate::keys::action::SortKey;
use crate::keys::action::{Action, ExportFormat};
use crate::keys::keymap::Layer;
use crate::review::Review;

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
    for b in review.keymap.bindings(Layer::Normal) {
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
    for format in ExportFormat::ALL {
        let ext = format.ext();
        let files = if format == ExportFormat::Csv {
            "-<table>.csv, one per table".to_string()
        } else {
            format!("-all.{ext}")
        };
        out.push(Entry {
            title: format!("export as {ext} — every table to exports/<reviewer>{files}"),
            keys: String::new(),
            action: Action::ExportAs(format),
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

    pub fn paste(&mut self, text: &str) {
        if self.input.paste(text) {
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
        let terms: Vec<String> = crate::app::search::fold(query)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let mut scored: Vec<(i64, usize, Vec<usize>)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| title_match(&e.title, &terms).map(|(score, pos)| (score, i, pos)))
            .collect();
        // Best score first; ties keep the palette's own order.
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.matches = scored.into_iter().map(|(_, i, pos)| (i, pos)).collect();
    }
}

/// How well every term matches a title, and the title's characters to
/// highlight: each term must be a run of the title's letters (best at the
/// start of a word, and in the name before " — "), or the starts of
/// consecutive words ("tofa" for "toggle factor"). Case and accents are
/// ignored.
fn title_match(title: &str, terms: &[String]) -> Option<(i64, Vec<usize>)> {
    let (folded, map) = crate::app::search::fold_map(title);
    let chars: Vec<char> = folded.chars().collect();
    let name_end = folded
        .find(" — ")
        .map(|b| folded[..b].chars().count())
        .unwrap_or(chars.len());
    let word_start = |i: usize| i == 0 || !chars[i - 1].is_alphanumeric();
    let mut score = 0;
    let mut marks = Vec::new();
    for term in terms {
        let t: Vec<char> = term.chars().collect();
        let mut best: Option<(i64, Vec<usize>)> = None;
        let mut consider = |s: i64, pos: Vec<usize>| {
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((s, pos));
            }
        };
        for start in 0..chars.len() {
            let in_name = if start < name_end { 2 } else { 0 };
            if chars[start..].starts_with(&t) {
                let s = if word_start(start) { 4 } else { 1 };
                consider(s + in_name, (start..start + t.len()).collect());
            } else if word_start(start)
                && let Some(pos) = word_prefixes(&chars, start, &t)
            {
                consider(2 + in_name, pos);
            }
        }
        let (s, pos) = best?;
        score += s;
        marks.extend(pos);
    }
    let mut positions: Vec<usize> = marks
        .into_iter()
        .filter_map(|i| map.get(i).copied())
        .collect();
    positions.sort_unstable();
    positions.dedup();
    Some((score, positions))
}

/// `t` as the starts of consecutive words from `start` on: each word gives
/// one or more of its first letters. Positions in `chars`, if it fits.
fn word_prefixes(chars: &[char], start: usize, t: &[char]) -> Option<Vec<usize>> {
    if t.is_empty() {
        return Some(Vec::new());
    }
    // The longest prefix of `t` this word starts with, then shorter ones.
    let mut n = 0;
    while n < t.len() && chars.get(start + n) == Some(&t[n]) {
        n += 1;
    }
    for take in (1..=n).rev() {
        if take == t.len() {
            return Some((start..start + take).collect());
        }
        // The next word: past this word's letters and what separates it.
        let mut next = start + take;
        while next < chars.len() && chars[next].is_alphanumeric() {
            next += 1;
        }
        while next < chars.len() && !chars[next].is_alphanumeric() {
            next += 1;
        }
        if next < chars.len()
            && let Some(mut rest) = word_prefixes(chars, next, &t[take..])
        {
            let mut pos: Vec<usize> = (start..start + take).collect();
            pos.append(&mut rest);
            return Some(pos);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: &str) -> Entry {
        Entry {
            title: title.into(),
            keys: String::new(),
            action: Action::Help,
        }
    }

    fn shown(query: &str) -> Vec<String> {
        let mut p = Palette::open(vec![
            entry("down — Next paper (or next factor / scroll, by focus)"),
            entry("exclude — Exclude at full text with a reason (or include again)"),
            entry("show tally — Full-screen tally"),
            entry("toggle factor Café culture — Informal meetings"),
            entry("next uncoded — Next uncoded paper"),
        ]);
        p.paste(query);
        p.matches
            .iter()
            .map(|(i, _)| p.entries[*i].title.clone())
            .collect()
    }

    #[test]
    fn words_and_word_starts_match_scattered_letters_do_not() {
        assert!(shown("export").is_empty(), "{:?}", shown("export"));
        assert_eq!(shown("tally"), ["show tally — Full-screen tally"]);
        assert_eq!(
            shown("tofa"),
            ["toggle factor Café culture — Informal meetings"]
        );
        assert_eq!(
            shown("cafe"),
            ["toggle factor Café culture — Informal meetings"]
        );
        // A match in the name ranks above one in a description.
        assert_eq!(shown("next")[0], "next uncoded — Next uncoded paper");
    }

    #[test]
    fn matched_letters_are_the_ones_highlighted() {
        let (_, pos) = title_match("toggle factor Café", &["cafe".into()]).unwrap_or_default();
        assert_eq!(pos, [14, 15, 16, 17]);
        let (_, pos) = title_match("next uncoded", &["nu".into()]).unwrap_or_default();
        assert_eq!(pos, [0, 5]);
    }
}
