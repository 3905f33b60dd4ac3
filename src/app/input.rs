//! Text being typed: a one-line [`TextInput`] (the search query, the
//! palette) and the edit box [`TextField`] (a quote, a note, a factor's
//! label), which wraps and keeps line breaks where they belong.

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use crate::keys::action::Action;

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

    /// Pasted text, on one line: line breaks and tabs become spaces.
    pub fn paste(&mut self, text: &str) -> bool {
        let one = one_line(text);
        self.text.insert_str(self.cursor, &one);
        self.cursor += one.len();
        !one.is_empty()
    }

    /// Start of the word before the cursor (skipping spaces first).
    fn word_left(&self) -> usize {
        let before = &self.text[..self.cursor];
        let word_end = before.trim_end().len();
        before[..word_end]
            .rfind(char::is_whitespace)
            .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0)
    }

    /// Just past the end of the word at or after the cursor.
    fn word_right(&self) -> usize {
        let after = &self.text[self.cursor..];
        let word_start = after.len() - after.trim_start().len();
        after[word_start..]
            .find(char::is_whitespace)
            .map(|i| self.cursor + word_start + i)
            .unwrap_or(self.text.len())
    }

    /// Applies an editing action; returns whether the text changed.
    pub fn edit(&mut self, action: Action) -> bool {
        match action {
            Action::CursorWordLeft => {
                self.cursor = self.word_left();
                false
            }
            Action::CursorWordRight => {
                self.cursor = self.word_right();
                false
            }
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
                let start = self.word_left();
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

/// `text` on one line: line breaks and tabs become spaces (a CRLF one
/// space), other control characters are dropped.
pub fn one_line(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// `text` with its line breaks kept as `\n` (CRLF and CR too), tabs as a
/// space, and other control characters dropped.
pub fn paragraphs(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The edit box: ratatui-textarea's editor, driven by the keymap's actions
/// (not by its own key table), so every key is the reviewer's to rebind.
/// Multi-line for quotes and notes: Enter starts a new line and pasted
/// paragraphs stay paragraphs; one-line fields turn line breaks into spaces.
#[derive(Clone, Debug)]
pub struct TextField {
    area: TextArea<'static>,
    multiline: bool,
}

impl Default for TextField {
    fn default() -> TextField {
        TextField::new("", false)
    }
}

impl TextField {
    /// A field holding `text`, the cursor at its end.
    pub fn new(text: &str, multiline: bool) -> TextField {
        let text = if multiline {
            paragraphs(text)
        } else {
            one_line(text)
        };
        let mut area = TextArea::new(text.split('\n').map(str::to_string).collect());
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        // No underline on the cursor's line; the cursor cell is enough.
        area.set_cursor_line_style(Style::new());
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        TextField { area, multiline }
    }

    pub fn multiline(&self) -> bool {
        self.multiline
    }

    /// The text, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// The widget, for drawing.
    pub fn area(&self) -> &TextArea<'static> {
        &self.area
    }

    /// Inserts pasted text at the cursor; returns whether anything was.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = if self.multiline {
            paragraphs(text)
        } else {
            one_line(text)
        };
        !text.is_empty() && self.area.insert_str(text)
    }

    /// Applies an editing action; returns whether the text changed.
    pub fn edit(&mut self, action: Action) -> bool {
        let a = &mut self.area;
        let moved = |a: &mut TextArea<'static>, m: CursorMove| {
            a.move_cursor(m);
            false
        };
        match action {
            Action::Insert('\n' | '\r') | Action::Newline if self.multiline => {
                a.insert_newline();
                true
            }
            Action::Insert(c) => {
                // Typed one by one (an old terminal's paste): as `paste`.
                let c = if c.is_control() { ' ' } else { c };
                a.insert_char(c);
                true
            }
            Action::DeleteBack => a.delete_char(),
            Action::DeleteForward => a.delete_next_char(),
            Action::DeleteToStart => a.delete_line_by_head(),
            Action::DeleteWordBack => a.delete_word(),
            Action::CursorLeft => moved(a, CursorMove::Back),
            Action::CursorRight => moved(a, CursorMove::Forward),
            Action::CursorHome => moved(a, CursorMove::Head),
            Action::CursorEnd => moved(a, CursorMove::End),
            Action::CursorWordLeft => moved(a, CursorMove::WordBack),
            Action::CursorWordRight => moved(a, CursorMove::WordForward),
            Action::Up => moved(a, CursorMove::Up),
            Action::Down => moved(a, CursorMove::Down),
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

    #[test]
    fn word_moves_skip_spaces_then_a_word() {
        let mut input = at("one  two three", 0);
        input.edit(Action::CursorWordRight);
        assert_eq!(input.cursor, 3);
        input.edit(Action::CursorWordRight);
        assert_eq!(input.cursor, 8);
        input.edit(Action::CursorWordLeft);
        assert_eq!(input.cursor, 5);
        input.edit(Action::CursorWordLeft);
        assert_eq!(input.cursor, 0);
    }

    #[test]
    fn a_field_keeps_paragraphs_only_where_it_is_multi_line() {
        let mut note = TextField::new("", true);
        note.paste("First para.\r\n\r\nSecond\tpara.");
        assert_eq!(note.text(), "First para.\n\nSecond para.");
        note.edit(Action::Newline);
        note.edit(Action::Insert('x'));
        assert_eq!(note.text(), "First para.\n\nSecond para.\nx");
        let mut label = TextField::new("Trust", false);
        label.paste(" and\nrespect");
        assert!(
            !label.edit(Action::Newline),
            "a one-line field has no lines"
        );
        assert_eq!(label.text(), "Trust and respect");
    }

    #[test]
    fn a_field_moves_by_words_and_lines() {
        let mut f = TextField::new("alpha beta\ngamma", true);
        f.edit(Action::Up);
        f.edit(Action::CursorHome);
        f.edit(Action::CursorWordRight);
        f.edit(Action::Insert('!'));
        assert_eq!(f.text(), "alpha !beta\ngamma");
        f.edit(Action::CursorEnd);
        f.edit(Action::DeleteWordBack);
        assert_eq!(f.text(), "alpha !\ngamma");
    }
}
