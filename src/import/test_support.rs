//! Helpers the format parsers' unit tests share.

use super::{Author, Parsed, Record};

/// A file under `tests/fixtures/`, as text, built into the test binary.
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}
pub(crate) use fixture;

/// A file under `tests/fixtures/`, as bytes (for files that are not UTF-8).
macro_rules! fixture_bytes {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}
pub(crate) use fixture_bytes;

/// The one record `parse` reads from `text`; the test fails, showing the
/// problems, when there is not exactly one.
pub(crate) fn one(parse: impl Fn(&str) -> Parsed, text: &str) -> Record {
    let parsed = parse(text);
    assert_eq!(parsed.records.len(), 1, "problems: {:?}", parsed.problems);
    parsed.records.into_iter().next().unwrap_or_default()
}

/// The records' titles, in file order.
pub(crate) fn titles(parsed: &Parsed) -> Vec<&str> {
    parsed.records.iter().map(|r| r.title.as_str()).collect()
}

/// The record's authors' family names, in order.
pub(crate) fn families(record: &Record) -> Vec<&str> {
    record.authors.iter().map(|a| a.family.as_str()).collect()
}

/// An author as a parser should read it.
pub(crate) fn author(family: &str, given: &str) -> Author {
    Author {
        family: family.into(),
        given: given.into(),
    }
}

/// Every problem and record names a line of `text`, or the one after its
/// last line (a record or file cut off at the end).
pub(crate) fn assert_lines_in_range(text: &str, parsed: &Parsed) {
    let line_count = text.lines().count();
    for problem in &parsed.problems {
        assert!((1..=line_count + 1).contains(&problem.line), "{problem:?}");
    }
    for record in &parsed.records {
        assert!((1..=line_count + 1).contains(&record.line), "{record:?}");
    }
}

/// The body of the parsers' "never panics" properties: sniffing and parsing
/// any text finish, and every line they report is in the text.
pub(crate) fn check_parser(
    text: &str,
    parse: impl Fn(&str) -> Parsed,
    looks_like: impl Fn(&str) -> bool,
) {
    let _ = looks_like(text);
    assert_lines_in_range(text, &parse(text));
}

/// `text` encoded as UTF-16 little-endian, with a byte order mark if `bom`.
pub(crate) fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// `text` encoded as UTF-16 big-endian, with a byte order mark if `bom`.
pub(crate) fn utf16be(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFE, 0xFF] } else { Vec::new() };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}
