//! Problems found in a review's files, each pointing at a file and line.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// How bad a problem is: errors stop the workbench from opening, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located as precisely as we can: `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    pub fn warning(
        file: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, line, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Messages quote file content; shown here, never raw.
        let (file, message) = (escape_line(&self.file), escape_line(&self.message));
        match self.line {
            Some(line) => write!(f, "{file}:{line}: {kind}: {message}"),
            None => write!(f, "{file}: {kind}: {message}"),
        }
    }
}

/// A list of problems that stopped something from loading.
#[derive(Debug, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The reason, for a status line: the last problem's message, without
    /// the file and line in front of it.
    pub fn brief(&self) -> String {
        match self.0.last() {
            Some(d) => escape_line(&d.message).into_owned(),
            None => "the configuration did not load".to_string(),
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Whether a terminal would act on `c` instead of showing it: C0 controls,
/// DEL, C1 controls (ESC sequences, bells, CSI), and the bidi overrides and
/// isolates that reorder what follows them on the line.
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text for one line of human-readable output: every character a terminal
/// would act on, line breaks and tabs included, is shown as a Rust-style
/// escape (`\u{1b}`), so no file or name can reach the terminal raw.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// [`escape_line`] for text of several lines: line feeds and tabs are kept.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_layout: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| acts_on_terminal(c) && !(keep_layout && matches!(c, '\n' | '\t'));
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) with every character a terminal
/// would act on written as a `\uXXXX` escape: serde_json escapes C0
/// controls only, leaving DEL, C1 controls (U+009B is a CSI) and bidi
/// overrides raw. The JSON means the same; only its bytes are safe to show.
/// Line breaks and tabs left in serde_json's output are its own layout
/// (inside strings it escapes them), so they stay.
pub fn json_safe(json: String) -> String {
    let unsafe_char = |c: char| acts_on_terminal(c) && !matches!(c, '\n' | '\t' | '\r');
    if !json.chars().any(unsafe_char) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) {
            // Every such character is in the Basic Multilingual Plane.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// 1-based line number of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Turns a `toml` parse error into a located diagnostic.
pub fn from_toml_error(file: &str, text: &str, err: &toml::de::Error) -> Diagnostic {
    let line = err.span().map(|span| line_of(text, span.start));
    Diagnostic::error(file, line, err.message().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_escaped() {
        let d = Diagnostic::warning(
            "a\u{1b}[2J.csv",
            Some(3),
            "DI `\u{1b}]52;c;eA==\u{7}` and \u{9b}1m, \u{7f}, \u{202e}rtl\u{2066}, tab\tline\nnext",
        );
        assert_eq!(
            d.to_string(),
            "a\\u{1b}[2J.csv:3: warning: DI `\\u{1b}]52;c;eA==\\u{7}` and \\u{9b}1m, \\u{7f}, \
             \\u{202e}rtl\\u{2066}, tab\\u{9}line\\u{a}next"
        );
        assert_eq!(escape_text("a\tb\nc\u{1b}"), "a\tb\nc\\u{1b}");
        // Everything else, any script, is shown as it is.
        assert!(matches!(
            escape_line("Ærø 37\u{b0}C \u{5d0}"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_is_made_terminal_safe_without_changing_what_it_says() {
        let value = serde_json::json!({"label": "a\u{9b}31m\u{7f}\u{202e}b\u{1b}\nÆ"});
        let json = json_safe(serde_json::to_string_pretty(&value).unwrap_or_default());
        assert!(
            json.contains(r#""a\u009b31m\u007f\u202eb\u001b\nÆ""#),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, value);
    }
}
