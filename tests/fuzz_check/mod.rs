//! What every import must hold on any input, however broken: shared by the
//! stable mutation run and regression cases (`tests/fuzz_regressions.rs`) and
//! by the cargo-fuzz targets (`fuzz/`, which include this file by path), so
//! both hunt for the same bugs. A panic is left to propagate: the caller
//! catches it (or libFuzzer reports it).
#![allow(dead_code)]

use thema::import::{Format, Parsed, Record, decode, detect};

/// What is fed to a parser: decoded text in a known format, or raw bytes
/// that go through `decode` and `detect` first, as `thema import` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Text(Format),
    Bytes,
}

impl Target {
    pub fn all() -> Vec<Target> {
        let mut all: Vec<Target> = Format::ALL.into_iter().map(Target::Text).collect();
        all.push(Target::Bytes);
        all
    }

    /// Folder name under `tests/fuzz_regressions/` and `../shared/corpus/`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Text(f) => f.name(),
            Target::Bytes => "bytes",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::all().into_iter().find(|t| t.name() == name)
    }

    /// Runs the input through this target and checks its output.
    pub fn check(self, input: &[u8]) -> Result<(), String> {
        match self {
            Target::Text(format) => check_text(format, &String::from_utf8_lossy(input)),
            Target::Bytes => check_bytes(input),
        }
    }
}

/// Fields are copied out of the input, so together they may be at most a
/// small multiple of it (an expansion, like BibTeX `@string`s used many
/// times, is the bug this catches).
pub const FIELD_FACTOR: usize = 4;
/// A problem is reported per broken record or line, and a record may be a
/// dozen bytes, so problems may outgrow the input more; a problem per byte
/// with a long message, or one quoting the rest of the file, may not.
pub const PROBLEM_FACTOR: usize = 16;
pub const SLACK: usize = 64 * 1024;

/// Decodes like `read_file`, then parses as whatever format is detected.
pub fn check_bytes(bytes: &[u8]) -> Result<(), String> {
    let text = decode(bytes);
    // UTF-16 and single-byte code pages at most triple in UTF-8; an invalid
    // byte becomes U+FFFD (3 bytes).
    if text.len() > 3 * bytes.len() + 3 {
        return Err(format!(
            "decode: {} bytes of text from {} bytes",
            text.len(),
            bytes.len()
        ));
    }
    if text.contains('\r') {
        return Err("decode: a CR survived line-ending normalisation".into());
    }
    match detect(&text) {
        Some(format) => check_text(format, &text),
        None => Ok(()),
    }
}

/// Parses `text` as `format` and checks the result.
pub fn check_text(format: Format, text: &str) -> Result<(), String> {
    let parsed = format.parse(text);
    check_parsed(text, &parsed).map_err(|e| format!("{format}: {e}"))
}

/// Bytes of text in the records' fields.
pub fn field_bytes(parsed: &Parsed) -> usize {
    parsed
        .records
        .iter()
        .map(|r| strings(r).map(str::len).sum::<usize>())
        .sum()
}

/// Bytes of problem messages.
pub fn problem_bytes(parsed: &Parsed) -> usize {
    parsed.problems.iter().map(|p| p.message.len()).sum()
}

/// Every string of a record, except abstract and notes (which may keep
/// line breaks).
fn one_line_fields(r: &Record) -> impl Iterator<Item = &str> {
    r.authors
        .iter()
        .flat_map(|a| [a.family.as_str(), a.given.as_str()])
        .chain([
            r.title.as_str(),
            &r.journal,
            &r.journal_abbrev,
            &r.volume,
            &r.issue,
            &r.start_page,
            &r.end_page,
            &r.doi,
            &r.pmid,
            &r.url,
            &r.language,
            &r.kind,
        ])
        .chain(r.keywords.iter().map(String::as_str))
}

fn strings(r: &Record) -> impl Iterator<Item = &str> {
    one_line_fields(r)
        .chain([r.abstract_text.as_str()])
        .chain(r.notes.iter().map(String::as_str))
}

/// A character that would move the cursor, ring or restyle a terminal.
fn is_control(c: char) -> bool {
    c.is_control()
}

fn check_parsed(text: &str, parsed: &Parsed) -> Result<(), String> {
    let n = text.len();
    let (fields, problems) = (field_bytes(parsed), problem_bytes(parsed));
    let counts = format!(
        "{} records, {} problems from {n} bytes of input",
        parsed.records.len(),
        parsed.problems.len()
    );
    if fields > FIELD_FACTOR * n + SLACK {
        return Err(format!("{fields} bytes in fields ({counts})"));
    }
    if problems > PROBLEM_FACTOR * n + SLACK {
        return Err(format!("{problems} bytes of problems ({counts})"));
    }
    // Every record is read from at least one byte of its own.
    if parsed.records.len() > n + 1 {
        return Err(format!("more records than bytes ({counts})"));
    }
    // Line numbers point into the file (an editor could jump there).
    let lines = text.split('\n').count();
    let lines_ok = |line: usize| (1..=lines).contains(&line);
    for r in &parsed.records {
        if !lines_ok(r.line) {
            return Err(format!("record at line {} of a {lines}-line file", r.line));
        }
        if let Some(s) = one_line_fields(r).find(|s| s.chars().any(is_control)) {
            return Err(format!("control character in a record field: {s:?}"));
        }
        if let Some(s) = [r.abstract_text.as_str()]
            .into_iter()
            .chain(r.notes.iter().map(String::as_str))
            .find(|s| s.chars().any(|c| c != '\n' && is_control(c)))
        {
            return Err(format!("control character in abstract or notes: {s:?}"));
        }
    }
    for p in &parsed.problems {
        if !lines_ok(p.line) {
            return Err(format!(
                "problem at line {} of a {lines}-line file: {:?}",
                p.line, p.message
            ));
        }
        // Problems are printed as they are (`thema import`, `thema check`).
        if p.message.chars().any(is_control) {
            return Err(format!("control character in a problem: {:?}", p.message));
        }
    }
    Ok(())
}
