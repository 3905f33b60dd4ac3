//! Web of Science plain text (`FN`, `VR`, `PT J`, `ER`, `EF`).

use super::Parsed;

/// Whether the text looks like this format.
pub fn looks_like(_text: &str) -> bool {
    false
}

/// Parses the whole file; bad records are reported and skipped.
pub fn parse(_text: &str) -> Parsed {
    Parsed::default()
}
