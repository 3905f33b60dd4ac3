//! Width-aware text helpers: terminals count cells, not bytes or chars.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` without the characters a terminal would act on rather than show
/// (the frame drops them anyway): what is left is what a width counts.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    use crate::infra::diagnostic::acts_on_terminal;
    if s.chars().any(acts_on_terminal) {
        s.chars()
            .filter(|&c| !acts_on_terminal(c))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Cuts `s` to at most `width` cells, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::with_capacity(width + 3);
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Greedy word wrap to `width` cells; words longer than a line are split.
/// Newlines in the text start new lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split_whitespace() {
            let w = word.width();
            if used > 0 && used + 1 + w <= width {
                line.push(' ');
                line.push_str(word);
                used += 1 + w;
                continue;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if w <= width {
                line.push_str(word);
                used = w;
            } else {
                for c in word.chars() {
                    let cw = c.width().unwrap_or(0);
                    if used + cw > width {
                        lines.push(std::mem::take(&mut line));
                        used = 0;
                    }
                    line.push(c);
                    used += cw;
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_cells_and_marks_the_cut() {
        assert_eq!(truncate("Walshe 2008", 20), "Walshe 2008");
        assert_eq!(truncate("Walshe 2008 Judgements", 10), "Walshe 20…");
        assert_eq!(truncate("日本語のタイトル", 5), "日本…");
    }

    #[test]
    fn wrap_breaks_at_words_and_splits_long_ones() {
        assert_eq!(
            wrap("good communication between providers", 15),
            ["good", "communication", "between", "providers"]
        );
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
    }
}
