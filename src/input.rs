//! A line of text being typed: the search query, a quote, a factor label.

use crate::action::Action;

/// Text with a cursor (a byte index on a char boundary).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextInput {
    pub text: String,
    pub cursor: usize,
}

impl TextInput {
    pub fn new(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    fn insert(&mut self, c: char) {
        // Pasted line breaks and tabs become spaces: every input is one line.
        let c = if c.is_control() { ' ' } else { c };
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
            .unwrap_or(self.cursor)
    }

    /// Applies an editing action; returns whether the text changed.
    pub fn edit(&mut self, action: Action) -> bool {
        match action {
            Action::Insert(c) => {
                self.insert(c);
                true
            }
            Action::DeleteBack if self.cursor > 0 => {
                let start = self.prev_boundary();
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
                true
            }
            Action::DeleteForward if self.cursor < self.text.len() => {
                let end = self.next_boundary();
                self.text.replace_range(self.cursor..end, "");
                true
            }
            Action::CursorLeft => {
                self.cursor = self.prev_boundary();
                false
            }
            Action::CursorRight => {
                self.cursor = self.next_boundary();
                false
            }
            Action::CursorHome => {
                self.cursor = 0;
                false
            }
            Action::DeleteToStart if self.cursor > 0 => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
                true
            }
            Action::DeleteWordBack if self.cursor > 0 => {
                // Spaces before the cursor, then the word before them.
                let before = &self.text[..self.cursor];
                let word_end = before.trim_end().len();
                let start = before[..word_end]
                    .rfind(char::is_whitespace)
                    .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
                    .unwrap_or(0);
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
                true
            }
            Action::CursorEnd => {
                self.cursor = self.text.len();
                false
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, cursor: usize) -> TextInput {
        let mut input = TextInput::new(text);
        input.cursor = cursor;
        input
    }

    #[test]
    fn ctrl_u_clears_what_is_before_the_cursor() {
        let mut input = at("Trust between teams", 6);
        assert!(input.edit(Action::DeleteToStart));
        assert_eq!((input.text.as_str(), input.cursor), ("between teams", 0));
        assert!(!input.edit(Action::DeleteToStart), "nothing left before it");
    }

    #[test]
    fn ctrl_w_deletes_the_word_before_the_cursor_and_its_spaces() {
        let mut input = at("Trust  between équipes", "Trust  between équipes".len());
        assert!(input.edit(Action::DeleteWordBack));
        assert_eq!(input.text, "Trust  between ");
        assert!(input.edit(Action::DeleteWordBack));
        assert_eq!(input.text, "Trust  ");
        assert!(input.edit(Action::DeleteWordBack));
        assert_eq!((input.text.as_str(), input.cursor), ("", 0));
        let mut middle = at("one two three", 7);
        middle.edit(Action::DeleteWordBack);
        assert_eq!((middle.text.as_str(), middle.cursor), ("one  three", 4));
    }
}
