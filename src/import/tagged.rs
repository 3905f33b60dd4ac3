//! The record machine the line-tagged formats share (RIS, RefWorks, MEDLINE,
//! EndNote tagged, Web of Science, Ovid).
//!
//! Each format reads its lines with its own recogniser and rules (a
//! [`Syntax`]) and tells a [`Records`] what a line means: a record starts or
//! ends, a field, a continuation of the last field, a stray line. The
//! machine keeps the open record, closes records (reporting those that miss
//! their end tag), joins continuation lines, and reports runs of stray lines
//! once per run. The format then maps each closed record's fields with its
//! own table ([`Syntax::build`]).

use super::fields::Field;
use super::{Parsed, Record};

/// A record's fields as read, before a format maps them into a [`Record`].
pub(super) struct Raw<'a, T> {
    /// Line where the record starts.
    pub(super) line: usize,
    /// The value of the line that opened the record (RIS `TY`, RefWorks
    /// `RT`, Web of Science `PT`); empty where records open otherwise.
    pub(super) kind: &'a str,
    pub(super) fields: Vec<Field<T>>,
}

impl<T: PartialEq> Raw<'_, T> {
    pub(super) fn has(&self, tag: T) -> bool {
        self.fields.iter().any(|f| f.tag == tag)
    }
}

/// A run of lines that fit nowhere, reported as one problem.
pub(super) struct Run<T> {
    /// First line of the run.
    pub(super) line: usize,
    pub(super) count: usize,
    /// Whether the run began inside a record.
    pub(super) inside: bool,
    /// The tags of the run's field lines, in order.
    pub(super) tags: Vec<T>,
}

/// What one tagged format brings to the machine.
pub(super) trait Syntax<'a> {
    type Tag: Copy + PartialEq;
    /// The tags that open and end a record (`TY`/`ER`), in formats whose
    /// records must end with a tag: a record ended otherwise is reported.
    const ENDS: Option<(&'static str, &'static str)> = None;
    /// What joins a continuation line to the value before it. A line break
    /// keeps the lines apart for formats that read them one by one (an
    /// author per line).
    const JOIN: char = ' ';

    /// Reads one line (1-based `number`); `next` is the line after it.
    fn line(
        &mut self,
        records: &mut Records<'a, Self::Tag>,
        number: usize,
        line: &'a str,
        next: Option<&'a str>,
    );

    /// Maps a closed record's fields into a [`Record`]; problems with a
    /// field go to `parsed`.
    fn build(&mut self, raw: Raw<'a, Self::Tag>, parsed: &mut Parsed) -> Record;

    /// The problem for a run of stray lines (see [`Records::stray`]).
    fn stray(&self, _run: &Run<Self::Tag>) -> String {
        String::new()
    }

    /// Problems about the whole file, once every record is read.
    fn finish(&mut self, _parsed: &mut Parsed) {}
}

/// The open record, the closed ones waiting to be built, and the problems.
pub(super) struct Records<'a, T> {
    open: Option<Raw<'a, T>>,
    closed: Vec<Raw<'a, T>>,
    run: Option<Run<T>>,
    closed_runs: Vec<Run<T>>,
    ends: Option<(&'static str, &'static str)>,
    join: char,
    pub(super) parsed: Parsed,
}

impl<'a, T: Copy + PartialEq> Records<'a, T> {
    /// The record being read, if any.
    #[inline]
    pub(super) fn open(&self) -> Option<&Raw<'a, T>> {
        self.open.as_ref()
    }

    /// The tag of the open record's last field.
    #[inline]
    pub(super) fn last_tag(&self) -> Option<T> {
        self.open.as_ref()?.fields.last().map(|f| f.tag)
    }

    /// A record starts at `number`; the open one is closed (reported when
    /// it has fields but no end tag).
    pub(super) fn start(&mut self, number: usize, kind: &'a str) {
        self.flush_run();
        if let Some(open) = self.open.take() {
            if let Some((start, end)) = self.ends
                && !open.fields.is_empty()
            {
                self.parsed.problem(
                    open.line,
                    format!(
                        "record has no {end} line; it was ended by the next {start} at line {number}"
                    ),
                );
            }
            self.closed.push(open);
        }
        self.open = Some(Raw {
            line: number,
            kind,
            fields: Vec::new(),
        });
    }

    /// The open record (if any) ends as it should.
    #[inline]
    pub(super) fn end(&mut self) {
        self.flush_run();
        self.closed.extend(self.open.take());
    }

    /// The open record (if any) is cut off at `number` by `by`, before its
    /// end tag.
    pub(super) fn cut(&mut self, number: usize, by: &str) {
        self.flush_run();
        if let Some(open) = self.open.take() {
            let end = self.ends.map_or("end", |(_, end)| end);
            self.parsed.problem(
                open.line,
                format!("record has no {end} line; it was ended by {by} at line {number}"),
            );
            self.closed.push(open);
        }
    }

    /// A field of the open record; one opens at `number` if none is.
    #[inline]
    pub(super) fn push(&mut self, number: usize, tag: T, value: &str) {
        self.flush_run();
        let open = self.open.get_or_insert_with(|| Raw {
            line: number,
            kind: "",
            fields: Vec::new(),
        });
        open.fields.push(Field::new(tag, value, number));
    }

    /// A continuation line: joins the last field's value. False (and the
    /// text left out) when there is no field to join.
    #[inline]
    pub(super) fn join(&mut self, text: &str) -> bool {
        let join = self.join;
        match self.open.as_mut().and_then(|r| r.fields.last_mut()) {
            Some(last) => {
                last.continue_with(text, join);
                true
            }
            None => false,
        }
    }

    /// A continuation line that is a field of its own with the last field's
    /// tag (a keyword per line under one keyword tag).
    pub(super) fn repeat(&mut self, number: usize, text: &str) {
        if let Some(tag) = self.last_tag() {
            self.push(number, tag, text);
        }
    }

    /// A line that fits nowhere (a field outside any record, a line that is
    /// no field). Stray lines run on until a record starts or ends or a
    /// field is read, and each run is one problem.
    #[inline]
    pub(super) fn stray(&mut self, number: usize, tag: Option<T>) {
        let inside = self.open.is_some();
        let run = self.run.get_or_insert_with(|| Run {
            line: number,
            count: 0,
            inside,
            tags: Vec::new(),
        });
        run.count += 1;
        run.tags.extend(tag);
    }

    #[inline]
    fn flush_run(&mut self) {
        if let Some(run) = self.run.take() {
            self.closed_runs.push(run);
        }
    }
}

/// Reads `text` line by line with `syntax`.
pub(super) fn parse<'a, S: Syntax<'a>>(text: &'a str, mut syntax: S) -> Parsed {
    let mut records = Records {
        open: None,
        closed: Vec::new(),
        run: None,
        closed_runs: Vec::new(),
        ends: S::ENDS,
        join: S::JOIN,
        parsed: Parsed::default(),
    };
    let mut lines = text.split('\n');
    let mut next = lines.next();
    let mut number = 0;
    while let Some(line) = next {
        next = lines.next();
        number += 1;
        syntax.line(&mut records, number, line, next);
        // Most lines close nothing.
        if !(records.closed.is_empty() && records.closed_runs.is_empty()) {
            settle(&mut syntax, &mut records);
        }
    }
    if let Some(open) = records.open.take() {
        if let Some((_, end)) = S::ENDS {
            records.parsed.problem(
                open.line,
                format!(
                    "record has no {end} line before the end of the file (the file may be truncated)"
                ),
            );
        }
        records.closed.push(open);
    }
    records.flush_run();
    settle(&mut syntax, &mut records);
    let mut parsed = records.parsed;
    syntax.finish(&mut parsed);
    parsed.problems.sort_by_key(|p| p.line);
    parsed
}

/// Builds the records closed so far and reports the finished stray runs.
fn settle<'a, S: Syntax<'a>>(syntax: &mut S, records: &mut Records<'a, S::Tag>) {
    for run in records.closed_runs.drain(..) {
        let message = syntax.stray(&run);
        records.parsed.problem(run.line, message);
    }
    for raw in records.closed.drain(..) {
        let record = syntax.build(raw, &mut records.parsed);
        records.parsed.accept(record);
    }
}
