//! CSV and TSV exports with a header row (Rayyan, Covidence, ASReview,
//! Zotero, Scopus, Web of Science …), mapped by header names.

use std::collections::BTreeMap;

use super::Parsed;

/// Whether the text looks like a delimited table with a bibliographic header.
pub fn looks_like(_text: &str) -> bool {
    false
}

/// Parses the table; `columns` maps field names to headers, overriding detection.
pub fn parse(_text: &str, _columns: &BTreeMap<String, String>) -> Parsed {
    Parsed::default()
}
