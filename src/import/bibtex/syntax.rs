//! Reads BibTeX's syntax into entries of raw (still LaTeX) field values,
//! tolerantly:
//! - text outside entries is a comment, and so is a `%` line there (biber
//!   reads it so, and people comment out whole entries with it); `%` between
//!   fields of an entry is a comment too;
//! - `@comment` with a balanced body is skipped whole; with an unbalanced one
//!   only the word is, as BibTeX does, so the entries after it still load;
//! - an entry may close with `}` or `)` whatever it opened with;
//! - a line starting with `@type{` always starts a new entry: an entry still
//!   open there is ended (kept, with a problem, if its fields were complete;
//!   skipped if a value was cut off), so one missing brace costs at most one
//!   entry;
//! - text that is not BibTeX between fields (a missing `=`, pasted junk)
//!   costs the lines it is on: reading resumes at the next line that starts
//!   a field or closes the entry, and the entry is kept;
//! - after an entry that is skipped, reading resumes at the next line
//!   starting with `@type{`.

use std::collections::{HashMap, HashSet};

use super::super::Problem;

/// One entry: type and field names lowercased, values with `@string` macros
/// expanded but LaTeX not yet decoded.
#[derive(Debug)]
pub(super) struct Entry {
    pub line: usize,
    pub kind: String,
    pub key: String,
    pub fields: Vec<(String, String)>,
}

/// Reads every entry of the file, with the problems met.
pub(super) fn read(text: &str) -> (Vec<Entry>, Vec<Problem>) {
    let mut reader = Reader::new(text);
    reader.run();
    let Reader {
        entries,
        macros,
        mut problems,
        mut budget,
        ..
    } = reader;
    let entries = entries
        .into_iter()
        .map(|raw| {
            let mut undefined: Vec<&str> = Vec::new();
            let mut too_long: Vec<&str> = Vec::new();
            let fields = raw
                .fields
                .iter()
                .map(|(name, pieces)| {
                    (
                        name.to_ascii_lowercase(),
                        expand(pieces, &macros, &mut budget, &mut undefined, &mut too_long),
                    )
                })
                .collect();
            if !undefined.is_empty() {
                problems.push(Problem {
                    line: raw.line,
                    message: format!(
                        "{}: no @string defines {}; the name is kept as the value",
                        label(raw.key),
                        quoted_once(&undefined)
                    ),
                });
            }
            if !too_long.is_empty() {
                problems.push(Problem {
                    line: raw.line,
                    message: format!(
                        "{}: @string {} too long to expand here ({LIMITS}); \
                         the name is kept as the value",
                        label(raw.key),
                        quoted_once(&too_long)
                    ),
                });
            }
            Entry {
                line: raw.line,
                kind: raw.kind.to_ascii_lowercase(),
                key: raw.key.to_string(),
                fields,
            }
        })
        .collect();
    (entries, problems)
}

/// Names, each once, in backquotes, joined by commas.
fn quoted_once(names: &[&str]) -> String {
    let mut seen = HashSet::new();
    names
        .iter()
        .filter(|name| seen.insert(**name))
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Longest value `@string` expansion may build. Real fields are at most
/// tens of KB; doubling macros (`s1 = s0 # s0`, ...) reach gigabytes from a
/// 1 KB file.
const MAX_EXPANDED_VALUE: usize = 1 << 20;

/// What expansion may copy in all, as a multiple of the file's size plus a
/// floor: macros used many times must not multiply the file either. Real
/// files (journal-name macros) stay far below 1 times.
const BUDGET_FACTOR: usize = 4;
const BUDGET_FLOOR: usize = 1 << 20;

/// The limits, as messages state them.
const LIMITS: &str = "a value may be at most 1 MiB, and all expansions in a file \
                      at most 4 times its size plus 1 MiB";

/// The total bytes expansion (or inheritance) may copy for a file of `len`
/// bytes.
pub(super) fn budget_for(len: usize) -> usize {
    len.saturating_mul(BUDGET_FACTOR)
        .saturating_add(BUDGET_FLOOR)
}

/// How messages name an entry.
pub(super) fn label(key: &str) -> String {
    if key.is_empty() {
        "entry with no key".to_string()
    } else {
        format!("entry `{key}`")
    }
}

/// A part of a value, before `#` concatenation.
#[derive(Debug)]
enum Piece<'a> {
    /// `{...}`, `"..."` contents or a number.
    Literal(&'a str),
    /// An `@string` macro name.
    Name(&'a str),
}

struct RawEntry<'a> {
    line: usize,
    kind: &'a str,
    key: &'a str,
    fields: Vec<(&'a str, Vec<Piece<'a>>)>,
}

/// How an entry that was not read to its closing delimiter ended.
enum Ending {
    /// Its fields are complete; the closing delimiter is missing.
    Unclosed,
    /// Junk after its last complete field ran to the next entry (reported).
    AfterGarbage,
    /// A value was cut off: the entry is not kept.
    Broken,
}

/// Why an entry could not be read to its end.
enum Stop {
    /// A line starting a new entry (the position of its `@`).
    NextEntry(usize),
    EndOfFile,
    /// Text that is not BibTeX where it stands: position and description.
    Garbage(usize, String),
    /// A value not closed before the next entry or the end of the text:
    /// where reading resumes, and description.
    Unclosed(usize, String),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line_starts: Vec<usize>,
    entries: Vec<RawEntry<'a>>,
    macros: HashMap<String, Macro>,
    problems: Vec<Problem>,
    /// Bytes macro expansion may still copy.
    budget: usize,
    /// The end of the last unbalanced `@comment`'s scan.
    unbalanced_until: usize,
}

/// An `@string` macro's value.
enum Macro {
    Text(String),
    /// Its expansion would pass the limits; uses keep the name.
    TooLong,
}

const MONTHS: [(&str, &str); 12] = [
    ("jan", "January"),
    ("feb", "February"),
    ("mar", "March"),
    ("apr", "April"),
    ("may", "May"),
    ("jun", "June"),
    ("jul", "July"),
    ("aug", "August"),
    ("sep", "September"),
    ("oct", "October"),
    ("nov", "November"),
    ("dec", "December"),
];

/// Characters that end a bare word (field name, macro name, number).
fn ends_word(b: u8) -> bool {
    b.is_ascii_whitespace() || b"=,{}()\"#%".contains(&b)
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line_starts,
            entries: Vec::new(),
            macros: MONTHS
                .iter()
                .map(|(k, v)| (k.to_string(), Macro::Text(v.to_string())))
                .collect(),
            problems: Vec::new(),
            budget: budget_for(text.len()),
            unbalanced_until: 0,
        }
    }

    /// 1-based line of a byte position.
    fn line(&self, pos: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= pos)
    }

    fn byte(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or_default()
    }

    fn problem(&mut self, line: usize, message: String) {
        self.problems.push(Problem { line, message });
    }

    /// The identifier (entry type) starting at `pos` and where it ends. It
    /// starts with a letter.
    fn identifier(&self, pos: usize) -> (&'a str, usize) {
        if !self.byte(pos).is_some_and(|b| b.is_ascii_alphabetic()) {
            return ("", pos);
        }
        let mut end = pos;
        while self
            .byte(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"_-:.".contains(&b))
        {
            end += 1;
        }
        (self.slice(pos, end), end)
    }

    /// Whether an `@type{` or `@type(` entry start stands at `pos`, with only
    /// spaces or tabs before it on its line.
    fn entry_start_at(&self, pos: usize) -> bool {
        if self.byte(pos) != Some(b'@') {
            return false;
        }
        let line_start = self
            .line_starts
            .get(self.line(pos).saturating_sub(1))
            .copied()
            .unwrap_or(0);
        if !self
            .bytes
            .get(line_start..pos)
            // From the end: stops at the first non-blank, so many `@`s on
            // one long line do not each rescan it.
            .is_some_and(|before| before.iter().rev().all(|b| *b == b' ' || *b == b'\t'))
        {
            return false;
        }
        let (kind, mut end) = self.identifier(pos + 1);
        while matches!(self.byte(end), Some(b' ' | b'\t')) {
            end += 1;
        }
        !kind.is_empty() && matches!(self.byte(end), Some(b'{' | b'('))
    }

    /// The entry start on the line after the newline at `newline`, if any.
    fn entry_after_newline(&self, newline: usize) -> Option<usize> {
        let mut p = newline + 1;
        while matches!(self.byte(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        self.entry_start_at(p).then_some(p)
    }

    /// The next entry start on a later line than `pos`, or the end of text.
    fn next_entry_line(&self, pos: usize) -> usize {
        let mut p = pos;
        while let Some(b) = self.byte(p) {
            if b == b'\n'
                && let Some(start) = self.entry_after_newline(p)
            {
                return start;
            }
            p += 1;
        }
        self.bytes.len()
    }

    fn run(&mut self) {
        while let Some(b) = self.byte(self.pos) {
            match b {
                b'%' => {
                    let rest = self.text.get(self.pos..).unwrap_or_default();
                    match after_encoding_header(rest) {
                        Some(entry) => {
                            self.pos = self.text.len() - entry.len();
                            self.at_sign(true);
                        }
                        None => self.skip_line(),
                    }
                }
                b'@' => self.at_sign(false),
                _ => self.pos += 1,
            }
        }
    }

    fn skip_line(&mut self) {
        while self.byte(self.pos).is_some_and(|b| b != b'\n') {
            self.pos += 1;
        }
    }

    /// An `@` outside entries; `glued` when it follows an encoding header.
    fn at_sign(&mut self, glued: bool) {
        let at = self.pos;
        self.pos += 1;
        // `name@example.org` in comment text is not an entry.
        if !glued && at > 0 && self.byte(at - 1).is_some_and(|b| b.is_ascii_alphanumeric()) {
            return;
        }
        let mut p = at + 1;
        while matches!(self.byte(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        let (kind, end) = self.identifier(p);
        if kind.is_empty() {
            return;
        }
        let mut open = end;
        while self.byte(open).is_some_and(|b| b.is_ascii_whitespace()) {
            open += 1;
        }
        if !matches!(self.byte(open), Some(b'{' | b'(')) {
            let line = self.line(at);
            let line_start = self
                .line_starts
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or(0);
            // `trim_end` looks back only as far as the blanks reach.
            if self.slice(line_start, at).trim_end().is_empty() {
                self.problem(
                    line,
                    format!("`@{kind}` is not followed by `{{` or `(`; ignored"),
                );
            }
            self.pos = end;
            return;
        }
        match kind.to_ascii_lowercase().as_str() {
            // An unbalanced comment body is left to be read as outside text,
            // which is what BibTeX does with everything after `@comment`.
            // Inside the rest of an unbalanced comment, another `@comment` is
            // taken as BibTeX takes it, the word alone, so one scan to the end
            // of the file is not repeated for each (quadratic).
            "comment" if at < self.unbalanced_until => self.pos = end,
            "comment" => {
                self.pos = match self.scan_body(open) {
                    Ok(close) => close + 1,
                    Err(stop) => {
                        self.unbalanced_until = match stop {
                            Stop::NextEntry(at) | Stop::Unclosed(at, _) => at,
                            Stop::EndOfFile | Stop::Garbage(..) => self.bytes.len(),
                        };
                        end
                    }
                }
            }
            "preamble" => match self.scan_body(open) {
                Ok(close) => self.pos = close + 1,
                Err(stop) => {
                    self.problem(
                        self.line(at),
                        "@preamble has no closing brace; ignored".to_string(),
                    );
                    self.resume(stop);
                }
            },
            "string" => self.string(at, open),
            _ => self.entry(at, kind, open),
        }
    }

    /// Moves to where reading resumes after a bad entry.
    fn resume(&mut self, stop: Stop) {
        self.pos = match stop {
            Stop::NextEntry(at) => at,
            Stop::EndOfFile => self.bytes.len(),
            Stop::Garbage(at, _) => self.next_entry_line(at),
            Stop::Unclosed(at, _) => at,
        };
    }

    /// The position of the delimiter that closes the body opened at `open`:
    /// the matching `}`, or for `(` the first `)` outside braces.
    fn scan_body(&self, open: usize) -> Result<usize, Stop> {
        let paren = self.byte(open) == Some(b'(');
        let mut level = 0usize;
        let mut p = open + 1;
        while let Some(b) = self.byte(p) {
            match b {
                b'{' => level += 1,
                b'}' if level == 0 && !paren => return Ok(p),
                b'}' => level = level.saturating_sub(1),
                b')' if level == 0 && paren => return Ok(p),
                b'\n' => {
                    if let Some(start) = self.entry_after_newline(p) {
                        return Err(Stop::NextEntry(start));
                    }
                }
                _ => {}
            }
            p += 1;
        }
        Err(Stop::EndOfFile)
    }

    /// The position of the `"` closing the quoted value opened at `open`.
    /// Braces inside must balance; `\"` (an umlaut) does not close it.
    fn scan_quoted(&self, open: usize) -> Result<usize, Stop> {
        let mut level = 0usize;
        let mut p = open + 1;
        while let Some(b) = self.byte(p) {
            match b {
                b'"' if level == 0 && self.byte(p - 1) != Some(b'\\') => {
                    return Ok(p);
                }
                b'{' => level += 1,
                b'}' => level = level.saturating_sub(1),
                b'\n' => {
                    if let Some(start) = self.entry_after_newline(p) {
                        return Err(Stop::NextEntry(start));
                    }
                }
                _ => {}
            }
            p += 1;
        }
        Err(Stop::EndOfFile)
    }

    /// Skips whitespace and `%` comments inside an entry. Fails at the start
    /// of a new entry or the end of the text.
    fn skip_space(&mut self) -> Result<u8, Stop> {
        loop {
            match self.byte(self.pos) {
                None => return Err(Stop::EndOfFile),
                Some(b'%') => self.skip_line(),
                Some(b) if b.is_ascii_whitespace() => self.pos += 1,
                Some(b'@') if self.entry_start_at(self.pos) => {
                    return Err(Stop::NextEntry(self.pos));
                }
                Some(b) => return Ok(b),
            }
        }
    }

    fn bare_word(&mut self) -> &'a str {
        let start = self.pos;
        while self.byte(self.pos).is_some_and(|b| !ends_word(b)) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    /// A value: pieces joined by `#`. Empty when no value is written.
    fn value(&mut self) -> Result<Vec<Piece<'a>>, Stop> {
        let mut pieces = Vec::new();
        loop {
            let next = match self.skip_space() {
                Ok(next) => next,
                // `year =` and then nothing: an empty value, not a cut one.
                Err(Stop::NextEntry(_) | Stop::EndOfFile) if pieces.is_empty() => {
                    return Ok(pieces);
                }
                Err(stop) => return Err(stop),
            };
            let piece = match next {
                b'{' => {
                    let close = self.scan_body(self.pos)?;
                    let inner = self.slice(self.pos + 1, close);
                    self.pos = close + 1;
                    Piece::Literal(inner)
                }
                b'"' => {
                    let close = self.scan_quoted(self.pos)?;
                    let inner = self.slice(self.pos + 1, close);
                    self.pos = close + 1;
                    Piece::Literal(inner)
                }
                _ => {
                    let word = self.bare_word();
                    if word.is_empty() {
                        return Ok(pieces);
                    }
                    if word.bytes().all(|b| b.is_ascii_digit()) {
                        Piece::Literal(word)
                    } else {
                        Piece::Name(word)
                    }
                }
            };
            pieces.push(piece);
            // A complete value followed by the next entry or the end of the
            // text is still complete; the entry's reader reports the rest.
            if self.skip_space().ok() != Some(b'#') {
                return Ok(pieces);
            }
            self.pos += 1;
        }
    }

    /// `name = value`, with `self.pos` at the name.
    fn field(&mut self) -> Result<(&'a str, Vec<Piece<'a>>), Stop> {
        let start = self.pos;
        let name = self.bare_word();
        if name.is_empty() {
            return Err(Stop::Garbage(
                start,
                format!(
                    "unexpected {} where a field should start",
                    self.shown(start)
                ),
            ));
        }
        let line = self.line(start);
        let not_a_field = |at| {
            Stop::Garbage(
                at,
                format!("`{name}` at line {line} is not followed by `=`"),
            )
        };
        match self.skip_space() {
            Ok(b'=') => self.pos += 1,
            Ok(_) => return Err(not_a_field(self.pos)),
            Err(Stop::NextEntry(_) | Stop::EndOfFile) => return Err(not_a_field(start)),
            Err(stop) => return Err(stop),
        }
        match self.value() {
            Ok(pieces) => Ok((name, pieces)),
            Err(Stop::NextEntry(at)) => Err(Stop::Unclosed(
                at,
                format!(
                    "the value of `{name}` (line {line}) is not closed before the next entry at line {}",
                    self.line(at)
                ),
            )),
            Err(Stop::EndOfFile) => Err(Stop::Unclosed(
                self.bytes.len(),
                format!(
                    "the value of `{name}` (line {line}) is not closed before the end of the file"
                ),
            )),
            Err(stop) => Err(stop),
        }
    }

    fn entry(&mut self, at: usize, kind: &'a str, open: usize) {
        let line = self.line(at);
        self.pos = open + 1;
        let mut raw = RawEntry {
            line,
            kind,
            key: "",
            fields: Vec::new(),
        };
        match self.entry_body(&mut raw) {
            Ok(()) => self.entries.push(raw),
            Err((Ending::AfterGarbage, stop)) => {
                self.entries.push(raw);
                self.resume(stop);
            }
            Err((Ending::Unclosed, stop)) => {
                let why = match stop {
                    Stop::NextEntry(next) => {
                        format!("it was ended by the next entry at line {}", self.line(next))
                    }
                    _ => "the file ends first (it may be truncated)".to_string(),
                };
                self.problem(
                    line,
                    format!("{} has no closing brace; {why}", label(raw.key)),
                );
                self.entries.push(raw);
                self.resume(stop);
            }
            Err((Ending::Broken, stop)) => {
                let why = match &stop {
                    Stop::Garbage(_, why) | Stop::Unclosed(_, why) => why.clone(),
                    Stop::NextEntry(next) => format!(
                        "it is cut off by the next entry at line {}",
                        self.line(*next)
                    ),
                    Stop::EndOfFile => "the file ends inside it".to_string(),
                };
                self.problem(line, format!("{}: {why}; skipped", label(raw.key)));
                self.resume(stop);
            }
        }
    }

    /// Reads key and fields. On failure, says how the entry ended.
    fn entry_body(&mut self, raw: &mut RawEntry<'a>) -> Result<(), (Ending, Stop)> {
        let complete = |stop| (Ending::Unclosed, stop);
        let broken = |stop| (Ending::Broken, stop);
        let after_garbage = |stop| (Ending::AfterGarbage, stop);
        while self.byte(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        // The key runs to the comma; exports with a space in it (Scopus's
        // `Conference paper2022775`) are still read.
        let key_start = self.pos;
        while self
            .byte(self.pos)
            .is_some_and(|b| !b",=(){}\"#%\n".contains(&b))
        {
            self.pos += 1;
        }
        raw.key = self.slice(key_start, self.pos).trim();
        let mut missing_comma = false;
        match self.skip_space().map_err(broken)? {
            b',' => self.pos += 1,
            b'}' | b')' => {
                self.pos += 1;
                return Ok(());
            }
            // `@article{title = ...`: the "key" is the first field's name;
            // in `@article{key title = ...` only its last word is.
            b'=' => match raw.key.rsplit_once([' ', '\t']) {
                Some((key, name)) => {
                    // The key slice starts at `key_start`; the name ends it.
                    self.pos = key_start + raw.key.len() - name.len();
                    raw.key = key.trim_end();
                    missing_comma = true;
                }
                None => {
                    raw.key = "";
                    self.pos = key_start;
                }
            },
            _ if !raw.key.is_empty() => missing_comma = true,
            _ => {
                let at = self.pos;
                let why = format!("unexpected {} where the key should be", self.shown(at));
                self.skip_garbage(raw, at, &why).map_err(after_garbage)?;
            }
        }
        if raw.key.is_empty() {
            self.problem(
                raw.line,
                "entry has no key; its fields are read all the same".to_string(),
            );
        }
        let mut after_value = false;
        loop {
            match self.skip_space().map_err(complete)? {
                b',' => {
                    self.pos += 1;
                    after_value = false;
                }
                b'}' | b')' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => {
                    if (after_value || missing_comma) && self.field_starts_at(self.pos) {
                        missing_comma = false;
                        self.problem(
                            self.line(self.pos),
                            format!(
                                "{}: missing comma before this field; read as a new field",
                                label(raw.key)
                            ),
                        );
                    }
                    match self.field() {
                        Ok(field) => {
                            raw.fields.push(field);
                            after_value = true;
                        }
                        Err(Stop::Garbage(at, why)) => {
                            self.skip_garbage(raw, at, &why).map_err(after_garbage)?;
                            after_value = false;
                        }
                        Err(stop) => return Err(broken(stop)),
                    }
                }
            }
        }
    }

    /// Text that is not BibTeX between fields (a missing `=`, junk pasted
    /// into a field list) costs the lines it is on, not the entry: reading
    /// resumes at the next line that starts a field or closes the entry.
    fn skip_garbage(&mut self, raw: &RawEntry<'a>, at: usize, why: &str) -> Result<(), Stop> {
        let result = self.recover(at);
        let line = self.line(at);
        let until = match &result {
            Ok(()) => format!("read resumes at line {}", self.line(self.pos)),
            Err(Stop::NextEntry(next)) => format!(
                "the rest of the entry, to line {}, is skipped",
                self.line(*next).saturating_sub(1)
            ),
            Err(_) => "the rest of the entry, to the end of the file, is skipped".to_string(),
        };
        self.problem(line, format!("{}: {why}; {until}", label(raw.key)));
        result
    }

    fn recover(&mut self, at: usize) -> Result<(), Stop> {
        let mut p = at;
        loop {
            while self.byte(p).is_some_and(|b| b != b'\n') {
                p += 1;
            }
            if self.byte(p).is_none() {
                self.pos = p;
                return Err(Stop::EndOfFile);
            }
            p += 1;
            while matches!(self.byte(p), Some(b' ' | b'\t')) {
                p += 1;
            }
            if self.entry_start_at(p) {
                self.pos = p;
                return Err(Stop::NextEntry(p));
            }
            if matches!(self.byte(p), Some(b'}' | b')')) || self.field_starts_at(p) {
                self.pos = p;
                return Ok(());
            }
        }
    }

    /// Whether `name =` starts at `pos`.
    fn field_starts_at(&self, pos: usize) -> bool {
        let mut p = pos;
        while self.byte(p).is_some_and(|b| !ends_word(b)) {
            p += 1;
        }
        if p == pos {
            return false;
        }
        while matches!(self.byte(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        self.byte(p) == Some(b'=')
    }

    /// The character at `pos`, quoted for a message.
    fn shown(&self, pos: usize) -> String {
        match self.text.get(pos..).and_then(|rest| rest.chars().next()) {
            Some(c) => format!("`{c}`"),
            None => "end of file".to_string(),
        }
    }

    /// `@string{name = value}`: defines a macro for the values after it.
    fn string(&mut self, at: usize, open: usize) {
        self.pos = open + 1;
        if let Err(stop) = self.string_body() {
            let why = match &stop {
                Stop::Garbage(_, why) | Stop::Unclosed(_, why) => why.clone(),
                _ => "it has no closing brace".to_string(),
            };
            self.problem(self.line(at), format!("@string: {why}; ignored"));
            self.resume(stop);
        }
    }

    fn string_body(&mut self) -> Result<(), Stop> {
        loop {
            match self.skip_space()? {
                b'}' | b')' => {
                    self.pos += 1;
                    return Ok(());
                }
                b',' => self.pos += 1,
                _ => {
                    let line = self.line(self.pos);
                    let (name, pieces) = self.field()?;
                    let mut undefined = Vec::new();
                    let mut too_long = Vec::new();
                    let value = expand(
                        &pieces,
                        &self.macros,
                        &mut self.budget,
                        &mut undefined,
                        &mut too_long,
                    );
                    let value = if too_long.is_empty() {
                        Macro::Text(value)
                    } else {
                        // Reported where the limit is first passed, not
                        // again for every macro built on that one.
                        let origin = too_long.iter().any(|used| {
                            !matches!(
                                self.macros.get(&used.to_ascii_lowercase()),
                                Some(Macro::TooLong)
                            )
                        });
                        if origin {
                            self.problem(
                                line,
                                format!(
                                    "@string `{name}`: its value is too long to expand \
                                     ({LIMITS}); where it is used, its name is kept"
                                ),
                            );
                        }
                        Macro::TooLong
                    };
                    self.macros.insert(name.to_ascii_lowercase(), value);
                }
            }
        }
    }
}

/// JabRef starts files with `% Encoding: UTF-8`, and some versions wrote no
/// line break after it: the text from the `@` glued to the charset name, if
/// `line` is such a header.
pub(super) fn after_encoding_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('%')?.trim_start_matches([' ', '\t']);
    let label = rest.get(..9)?;
    if !label.eq_ignore_ascii_case("encoding:") {
        return None;
    }
    let rest = rest.get(9..)?.trim_start_matches([' ', '\t']);
    let charset = rest.find(|c: char| c == '@' || c.is_whitespace())?;
    rest.get(charset..).filter(|entry| entry.starts_with('@'))
}

/// Joins a value's pieces, expanding macros; unknown names are kept as
/// written and collected in `undefined`. A macro whose text would make the
/// value longer than [`MAX_EXPANDED_VALUE`] or pass the file's `budget` is
/// kept as its name too, and collected in `too_long`.
fn expand<'p>(
    pieces: &[Piece<'p>],
    macros: &HashMap<String, Macro>,
    budget: &mut usize,
    undefined: &mut Vec<&'p str>,
    too_long: &mut Vec<&'p str>,
) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Name(name) => match macros.get(&name.to_ascii_lowercase()) {
                Some(Macro::Text(value))
                    if value.len() <= *budget && out.len() + value.len() <= MAX_EXPANDED_VALUE =>
                {
                    *budget -= value.len();
                    out.push_str(value);
                }
                Some(_) => {
                    too_long.push(name);
                    out.push_str(name);
                }
                None => {
                    undefined.push(name);
                    out.push_str(name);
                }
            },
        }
    }
    out
}
