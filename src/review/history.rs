//! Undo and redo for every coding and codebook change. The history is kept
//! beside the codings (`.<reviewer>.history.jsonl`), bounded, so it
//! survives a restart.
//!
//! The file is append-only JSON lines: one line per step (a change
//! recorded, undone, redone), fsynced as it is added, so a key costs a
//! line, not a rewrite of the whole history. A coding change is stored as
//! what changed (factors added and removed; a text's before and after only
//! when that text changed), so toggling a factor on a paper with a long
//! quote stores no quote. A text longer than [`MAX_TEXT`] is written as its
//! length and hash only: it is in the codings file already, and the entry
//! is undone (or redone) after a restart only while that field still holds
//! it; otherwise the step says so and is dropped. When the file outgrows
//! [`MAX_FILE`] or [`MAX_LINES`] it is rewritten (atomically) as the steps
//! still kept. A torn last line (a crash mid-append) is ignored and the
//! file rewritten. The earlier whole-file `.history.json` is read once and
//! migrated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::review::codebook::Applied;
use crate::review::codings::{PaperCoding, Quote};

/// How many changes are kept.
pub const LIMIT: usize = 200;

/// A text longer than this is stored as a hash reference, bounding what
/// one line of the history holds.
pub const MAX_TEXT: usize = 64 * 1024;

/// The file is rewritten as its live steps past this size...
pub const MAX_FILE: u64 = 1 << 20;
/// ... or this many lines.
pub const MAX_LINES: usize = 4 * LIMIT;

/// One undoable change, and what to call it in the status line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Coding {
        paper: String,
        // Boxed: a diff is several times the size of the other variant.
        diff: Box<CodingDiff>,
        what: String,
    },
    Codebook {
        applied: Applied,
        what: String,
    },
}

impl Change {
    /// The change of one paper's coding from `before` to `after`.
    pub fn coding(paper: &str, before: &PaperCoding, after: &PaperCoding, what: String) -> Change {
        Change::Coding {
            paper: paper.to_string(),
            diff: Box::new(CodingDiff::between(before, after)),
            what,
        }
    }

    pub fn what(&self) -> &str {
        match self {
            Change::Coding { what, .. } | Change::Codebook { what, .. } => what,
        }
    }
}

/// A text as the history holds it: whole, or (read back from the file, when
/// longer than [`MAX_TEXT`]) only its length and hash.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Kept(String),
    Omitted { omitted_bytes: usize, fnv: String },
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Omitted<'a> {
            omitted_bytes: usize,
            fnv: &'a str,
        }
        match self {
            Text::Kept(t) if t.len() <= MAX_TEXT => s.serialize_str(t),
            Text::Kept(t) => Omitted {
                omitted_bytes: t.len(),
                fnv: &fnv(t),
            }
            .serialize(s),
            Text::Omitted { omitted_bytes, fnv } => Omitted {
                omitted_bytes: *omitted_bytes,
                fnv,
            }
            .serialize(s),
        }
    }
}

/// FNV-1a, 64 bits, as hex: stable across builds (unlike std's hasher), and
/// only ever compared with the same field of the same paper.
fn fnv(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Default for Text {
    fn default() -> Text {
        Text::Kept(String::new())
    }
}

impl Text {
    fn is_empty(&self) -> bool {
        matches!(self, Text::Kept(t) if t.is_empty())
    }

    /// Whether `field` is this text (an omitted one: same length and hash).
    fn holds(&self, field: &str) -> bool {
        match self {
            Text::Kept(t) => t == field,
            Text::Omitted {
                omitted_bytes,
                fnv: hash,
            } => field.len() == *omitted_bytes && fnv(field) == *hash,
        }
    }

    /// Puts this text into `field`; an omitted one only if `field` already
    /// holds it.
    fn restore(&self, field: &mut String) -> Result<(), String> {
        match self {
            Text::Kept(t) => {
                field.clone_from(t);
                Ok(())
            }
            Text::Omitted {
                omitted_bytes,
                fnv: hash,
            } if field.len() == *omitted_bytes && fnv(field) == *hash => Ok(()),
            Text::Omitted { omitted_bytes, .. } => Err(format!(
                "its {} KB text was too long to keep in the history",
                omitted_bytes.div_ceil(1024)
            )),
        }
    }
}

/// A quote as the history holds it: its factor as the file holds it, long
/// texts as a hash (see [`Text`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuoteRec {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub factor: String,
    pub text: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub location: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub comment: Text,
}

impl QuoteRec {
    fn of(q: &Quote) -> QuoteRec {
        QuoteRec {
            factor: q.raw_factor().to_string(),
            text: Text::Kept(q.text.clone()),
            location: Text::Kept(q.location.clone()),
            comment: Text::Kept(q.comment.clone()),
        }
    }

    fn matches(&self, q: &Quote) -> bool {
        self.factor == q.raw_factor()
            && self.text.holds(&q.text)
            && self.location.holds(&q.location)
            && self.comment.holds(&q.comment)
    }

    /// The quote back, its long texts found among `there` (the quotes it
    /// replaces), which must still hold them.
    fn restore(&self, there: &[Quote]) -> Result<Quote, String> {
        let mut q = Quote {
            factor: self.factor.clone(),
            ..Quote::default()
        };
        for (rec, field, pick) in [
            (
                &self.text,
                &mut q.text,
                (|q: &Quote| &q.text) as fn(&Quote) -> &String,
            ),
            (&self.location, &mut q.location, |q: &Quote| &q.location),
            (&self.comment, &mut q.comment, |q: &Quote| &q.comment),
        ] {
            if let Some(found) = there.iter().map(pick).find(|t| rec.holds(t)) {
                field.clone_from(found);
            }
            rec.restore(field)?;
        }
        Ok(q)
    }
}

/// What changed in a paper's quotes: the run `before` at `at` became
/// `after` (one quote added, removed, edited or assigned, as a rule).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotesChange {
    pub at: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<QuoteRec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<QuoteRec>,
}

impl QuotesChange {
    fn between(before: &[Quote], after: &[Quote]) -> Option<QuotesChange> {
        if before == after {
            return None;
        }
        let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
        let room = before.len().min(after.len()) - prefix;
        let suffix = before
            .iter()
            .rev()
            .zip(after.iter().rev())
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        Some(QuotesChange {
            at: prefix,
            before: before[prefix..before.len() - suffix]
                .iter()
                .map(QuoteRec::of)
                .collect(),
            after: after[prefix..after.len() - suffix]
                .iter()
                .map(QuoteRec::of)
                .collect(),
        })
    }

    /// Replaces the run this change left (or, undoing, found) with the
    /// other: where it was, else wherever it is now (the file may have been
    /// merged with outside changes since).
    fn apply(&self, quotes: &mut Vec<Quote>, undo: bool) -> Result<(), String> {
        let (now, then) = if undo {
            (&self.after, &self.before)
        } else {
            (&self.before, &self.after)
        };
        let fits = |p: usize| {
            quotes.len() >= p + now.len()
                && now.iter().zip(&quotes[p..]).all(|(rec, q)| rec.matches(q))
        };
        let at = if now.is_empty() {
            self.at.min(quotes.len())
        } else if fits(self.at) {
            self.at
        } else {
            (0..quotes.len())
                .find(|&p| fits(p))
                .ok_or("its quote has changed since")?
        };
        let there = &quotes[at..at + now.len()];
        let new: Vec<Quote> = then
            .iter()
            .map(|rec| rec.restore(there))
            .collect::<Result<_, _>>()?;
        quotes.splice(at..at + now.len(), new);
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextChange {
    pub before: Text,
    pub after: Text,
}

/// What one coding change changed. Fields a change never touches (fields
/// kept for other tools) are left as they are by undo and redo.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodingDiff {
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub added: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub removed: BTreeSet<String>,
    /// The flag after the change (before it, the opposite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<bool>,
    /// The per-paper quote of earlier versions: read from histories they
    /// wrote, applied to the quote assigned to no factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<TextChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotes: Option<QuotesChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<TextChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<TextChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<TextChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<TextChange>,
    /// Study characteristics changed, by field id (none: not recorded).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub characteristics: BTreeMap<String, ValueChange>,
    /// Appraisal answers and comments changed, by item id (none: not
    /// recorded). Short texts, kept whole.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub appraisal: BTreeMap<String, StringChange>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub appraisal_comments: BTreeMap<String, StringChange>,
}

/// One keyed value (a study characteristic, an appraisal answer or
/// comment) before and after a change; values are short, so they are kept
/// whole. `None`: not recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "V: Deserialize<'de>", serialize = "V: Serialize"))]
pub struct KeyedChange<V> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<V>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<V>,
}

pub type StringChange = KeyedChange<String>;
pub type ValueChange = KeyedChange<toml::Value>;

/// The keys whose values differ between `before` and `after`.
fn keyed_changes<V: Clone + PartialEq>(
    before: &BTreeMap<String, V>,
    after: &BTreeMap<String, V>,
) -> BTreeMap<String, KeyedChange<V>> {
    before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            (
                k.clone(),
                KeyedChange {
                    before: before.get(k).cloned(),
                    after: after.get(k).cloned(),
                },
            )
        })
        .collect()
}

/// Puts each changed key back as it was (`undo`) or as it became.
fn apply_keyed<V: Clone>(
    changes: &BTreeMap<String, KeyedChange<V>>,
    to: &mut BTreeMap<String, V>,
    undo: bool,
) {
    for (id, c) in changes {
        match if undo { &c.before } else { &c.after } {
            Some(v) => {
                to.insert(id.clone(), v.clone());
            }
            None => {
                to.remove(id);
            }
        }
    }
}

fn text_change(before: &str, after: &str) -> Option<TextChange> {
    (before != after).then(|| TextChange {
        before: Text::Kept(before.to_string()),
        after: Text::Kept(after.to_string()),
    })
}

impl CodingDiff {
    pub fn between(before: &PaperCoding, after: &PaperCoding) -> CodingDiff {
        CodingDiff {
            added: after.factors.difference(&before.factors).cloned().collect(),
            removed: before.factors.difference(&after.factors).cloned().collect(),
            flagged: (before.flagged != after.flagged).then_some(after.flagged),
            quote: None,
            quotes: QuotesChange::between(&before.quotes, &after.quotes),
            note: text_change(&before.note, &after.note),
            excluded: text_change(&before.excluded, &after.excluded),
            cite: text_change(&before.cite, &after.cite),
            title: text_change(&before.title, &after.title),
            characteristics: keyed_changes(&before.characteristics, &after.characteristics),
            appraisal: keyed_changes(&before.appraisal, &after.appraisal),
            appraisal_comments: keyed_changes(
                &before.appraisal_comments,
                &after.appraisal_comments,
            ),
        }
    }

    /// Undoes (or redoes) this change on `coding` as it is now. Nothing is
    /// changed when a text it needs was not kept.
    pub fn apply(&self, coding: &mut PaperCoding, undo: bool) -> Result<(), String> {
        let mut to = coding.clone();
        let (add, remove) = if undo {
            (&self.removed, &self.added)
        } else {
            (&self.added, &self.removed)
        };
        for f in remove {
            to.factors.remove(f);
        }
        to.factors.extend(add.iter().cloned());
        if let Some(now) = self.flagged {
            to.flagged = if undo { !now } else { now };
        }
        if let Some(c) = &self.quotes {
            c.apply(&mut to.quotes, undo)?;
        }
        if let Some(c) = &self.quote {
            let (now, then) = if undo {
                (&c.after, &c.before)
            } else {
                (&c.before, &c.after)
            };
            let pos = (!now.is_empty())
                .then(|| {
                    to.quotes
                        .iter()
                        .position(|q| q.factor.is_empty() && now.holds(&q.text))
                })
                .flatten();
            let mut text = pos.map(|i| to.quotes[i].text.clone()).unwrap_or_default();
            then.restore(&mut text)?;
            match (pos, text.is_empty()) {
                (Some(i), true) => {
                    to.quotes.remove(i);
                }
                (Some(i), false) => to.quotes[i].text = text,
                (None, false) => to.quotes.insert(0, Quote::new("", &text, "", "")),
                (None, true) => {}
            }
        }
        for (change, field) in [
            (&self.note, &mut to.note),
            (&self.excluded, &mut to.excluded),
            (&self.cite, &mut to.cite),
            (&self.title, &mut to.title),
        ] {
            if let Some(c) = change {
                if undo { &c.before } else { &c.after }.restore(field)?;
            }
        }
        apply_keyed(&self.characteristics, &mut to.characteristics, undo);
        apply_keyed(&self.appraisal, &mut to.appraisal, undo);
        apply_keyed(&self.appraisal_comments, &mut to.appraisal_comments, undo);
        *coding = to;
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stack {
    Done,
    Undone,
}

/// One line of the file.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Line {
    /// A new change: onto done; redo is cleared; the oldest beyond LIMIT go.
    Record {
        change: Change,
    },
    Push {
        stack: Stack,
        change: Change,
    },
    Pop {
        stack: Stack,
    },
    /// The top of `from` onto the other stack (an undo or a redo).
    Move {
        from: Stack,
    },
}

/// A step not written yet.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Record(Change),
    Push(Stack, Change),
    Pop(Stack, Change),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    done: Vec<Change>,
    undone: Vec<Change>,
    unsaved: Vec<Op>,
    file_len: u64,
    file_lines: usize,
    /// Rewrite the whole file at the next save (migrated, torn, or an
    /// append that failed).
    rewrite: bool,
}

impl History {
    pub fn path(codings_dir: &Path, reviewer: &str) -> PathBuf {
        codings_dir.join(format!(".{reviewer}.history.jsonl"))
    }

    /// What can be undone, oldest first.
    pub fn done(&self) -> &[Change] {
        &self.done
    }

    /// What can be redone, the next one last.
    pub fn undone(&self) -> &[Change] {
        &self.undone
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Record(change) => {
                self.done.push(change);
                self.undone.clear();
                if self.done.len() > LIMIT {
                    let extra = self.done.len() - LIMIT;
                    self.done.drain(..extra);
                }
            }
            Op::Push(stack, change) => self.stack(stack).push(change),
            Op::Pop(stack, _) => {
                self.stack(stack).pop();
            }
        }
    }

    fn stack(&mut self, stack: Stack) -> &mut Vec<Change> {
        match stack {
            Stack::Done => &mut self.done,
            Stack::Undone => &mut self.undone,
        }
    }

    /// A new change: it can be undone, and what was undone can no longer be
    /// redone.
    pub fn record(&mut self, change: Change) {
        self.apply(Op::Record(change.clone()));
        self.unsaved.push(Op::Record(change));
    }

    fn pop(&mut self, stack: Stack) -> Option<Change> {
        let change = self.stack(stack).pop()?;
        self.unsaved.push(Op::Pop(stack, change.clone()));
        Some(change)
    }

    fn push(&mut self, stack: Stack, change: Change) {
        self.unsaved.push(Op::Push(stack, change.clone()));
        self.stack(stack).push(change);
    }

    /// The change to undo next, taken off the history.
    pub fn pop_done(&mut self) -> Option<Change> {
        self.pop(Stack::Done)
    }

    /// The change to redo next, taken off the history.
    pub fn pop_undone(&mut self) -> Option<Change> {
        self.pop(Stack::Undone)
    }

    /// A change that can be undone (again).
    pub fn push_done(&mut self, change: Change) {
        self.push(Stack::Done, change);
    }

    /// A change that can be redone.
    pub fn push_undone(&mut self, change: Change) {
        self.push(Stack::Undone, change);
    }

    /// Reads the history; a missing file is an empty history. A damaged
    /// one is set aside (renamed `.bad`) rather than blocking work: it only
    /// holds undo steps, never codings.
    pub fn load(path: &Path) -> (History, Option<String>) {
        let text = match crate::infra::fsx::read_regular(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Self::migrate(path),
            // A FIFO or device planted at the name (never read: it would
            // block) is set aside like a damaged file.
            Err(e) => return Self::set_aside(path, &e.to_string()),
        };
        let mut h = History {
            file_len: text.len() as u64,
            ..History::default()
        };
        let pieces: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.iter().enumerate() {
            if piece.is_empty() {
                continue;
            }
            match serde_json::from_slice::<Line>(piece) {
                Ok(line) => {
                    h.file_lines += 1;
                    h.replay(line);
                }
                // The last line torn by a crash mid-append: it was never
                // complete, so never acted on; write the file afresh.
                Err(_) if i == last => {
                    h.rewrite = true;
                }
                Err(e) => return Self::set_aside(path, &e.to_string()),
            }
        }
        // Only the final piece may lack its newline; a complete file ends
        // with one.
        if !text.is_empty() && !text.ends_with(b"\n") {
            h.rewrite = true;
        }
        (h, None)
    }

    fn replay(&mut self, line: Line) {
        match line {
            Line::Record { change } => self.apply(Op::Record(change)),
            Line::Push { stack, change } => self.stack(stack).push(change),
            Line::Pop { stack } => {
                self.stack(stack).pop();
            }
            Line::Move { from } => {
                if let Some(c) = self.stack(from).pop() {
                    let to = match from {
                        Stack::Done => Stack::Undone,
                        Stack::Undone => Stack::Done,
                    };
                    self.stack(to).push(c);
                }
            }
        }
    }

    fn set_aside(path: &Path, why: &str) -> (History, Option<String>) {
        let mut bad = path.as_os_str().to_os_string();
        bad.push(".bad");
        let bad = PathBuf::from(bad);
        std::fs::rename(path, &bad).ok();
        (
            History::default(),
            Some(format!(
                "undo history could not be read ({why}); started afresh, old file kept as {}",
                bad.display()
            )),
        )
    }

    /// The whole-file `.history.json` of earlier versions, read once and
    /// written in the new form (then removed).
    fn migrate(path: &Path) -> (History, Option<String>) {
        #[derive(Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Old {
            Coding {
                paper: String,
                before: Box<PaperCoding>,
                after: Box<PaperCoding>,
                what: String,
            },
            Codebook {
                applied: Applied,
                what: String,
            },
        }
        #[derive(Deserialize)]
        struct OldHistory {
            done: Vec<Old>,
            undone: Vec<Old>,
        }
        let old_path = path.with_extension("json");
        let Ok(text) = crate::infra::fsx::read_regular_string(&old_path) else {
            return (History::default(), None);
        };
        let old: OldHistory = match serde_json::from_str(&text) {
            Ok(old) => old,
            Err(e) => return Self::set_aside(&old_path, &e.to_string()),
        };
        let convert = |o: Old| match o {
            Old::Coding {
                paper,
                before,
                after,
                what,
            } => Change::coding(&paper, &before, &after, what),
            Old::Codebook { applied, what } => Change::Codebook { applied, what },
        };
        let mut h = History {
            done: old.done.into_iter().map(convert).collect(),
            undone: old.undone.into_iter().map(convert).collect(),
            rewrite: true,
            ..History::default()
        };
        // Removed only once the new file holds it all.
        if h.save(path).is_ok() {
            std::fs::remove_file(&old_path).ok();
        }
        (h, None)
    }

    /// Writes what changed since the last save: appended lines, or the
    /// whole history when the file is due to be rewritten.
    pub fn save(&mut self, path: &Path) -> std::io::Result<()> {
        if self.rewrite || self.file_len > MAX_FILE || self.file_lines > MAX_LINES {
            return self.rewrite_file(path);
        }
        if self.unsaved.is_empty() {
            return Ok(());
        }
        let mut out = Vec::new();
        let mut lines = 0;
        let ops = std::mem::take(&mut self.unsaved);
        let mut ops = ops.into_iter().peekable();
        while let Some(op) = ops.next() {
            let line = match op {
                Op::Record(change) => Line::Record { change },
                Op::Push(stack, change) => Line::Push { stack, change },
                Op::Pop(stack, popped) => match ops.peek() {
                    // An undo or redo: the change moves; not written again.
                    Some(Op::Push(to, pushed)) if *to != stack && *pushed == popped => {
                        ops.next();
                        Line::Move { from: stack }
                    }
                    _ => Line::Pop { stack },
                },
            };
            serde_json::to_writer(&mut out, &line).map_err(std::io::Error::other)?;
            out.push(b'\n');
            lines += 1;
        }
        match crate::infra::fsx::append(path, &out) {
            Ok(len) => {
                self.file_len = len;
                self.file_lines += lines;
                Ok(())
            }
            Err(e) => {
                // Whatever reached the file, the next save writes it whole.
                self.rewrite = true;
                Err(e)
            }
        }
    }

    fn rewrite_file(&mut self, path: &Path) -> std::io::Result<()> {
        let mut out = Vec::new();
        let all = self
            .done
            .iter()
            .map(|c| (Stack::Done, c))
            .chain(self.undone.iter().map(|c| (Stack::Undone, c)));
        let mut lines = 0;
        for (stack, change) in all {
            let line = Line::Push {
                stack,
                change: change.clone(),
            };
            serde_json::to_writer(&mut out, &line).map_err(std::io::Error::other)?;
            out.push(b'\n');
            lines += 1;
        }
        crate::infra::fsx::write_atomically(path, &out)?;
        self.unsaved.clear();
        self.rewrite = false;
        self.file_len = out.len() as u64;
        self.file_lines = lines;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(n: usize) -> Change {
        let after = PaperCoding {
            factors: [format!("f{n}")].into(),
            ..PaperCoding::default()
        };
        Change::coding(
            &format!("p{n}"),
            &PaperCoding::default(),
            &after,
            format!("change {n}"),
        )
    }

    #[test]
    fn history_is_bounded_and_a_new_change_clears_redo() {
        let mut h = History::default();
        for n in 0..LIMIT + 5 {
            h.record(change(n));
        }
        assert_eq!(h.done().len(), LIMIT);
        assert_eq!(h.done()[0].what(), "change 5");
        h.push_undone(change(999));
        h.record(change(1000));
        assert!(h.undone().is_empty());
    }

    #[test]
    fn history_round_trips_through_appends_and_a_damaged_file_is_set_aside() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = History::path(dir.path(), "alice");
        let mut h = History::default();
        h.record(change(1));
        h.save(&path).expect("save");
        h.record(change(2));
        let undone = h.pop_done().expect("change 2");
        h.push_undone(undone);
        h.save(&path).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 3, "record, record, move: {text}");
        let (back, warning) = History::load(&path);
        assert!(warning.is_none());
        assert_eq!(back.done(), h.done());
        assert_eq!(back.undone(), h.undone());

        std::fs::write(&path, "{ not json\n{\"op\":\"pop\",\"stack\":\"done\"}\n").expect("write");
        let (fresh, warning) = History::load(&path);
        assert!(fresh.done().is_empty());
        assert!(warning.is_some_and(|w| w.contains("started afresh")));
        assert!(dir.path().join(".alice.history.jsonl.bad").exists());
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_the_file_rewritten() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = History::path(dir.path(), "alice");
        let mut h = History::default();
        h.record(change(1));
        h.save(&path).expect("save");
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("{\"op\":\"record\",\"chan");
        std::fs::write(&path, &text).expect("write");
        let (mut back, warning) = History::load(&path);
        assert!(warning.is_none());
        assert_eq!(back.done().len(), 1);
        back.record(change(2));
        back.save(&path).expect("save");
        let (again, _) = History::load(&path);
        assert_eq!(again.done().len(), 2);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("chan\n") && text.ends_with('\n'));
    }

    #[test]
    fn a_long_text_is_stored_as_a_hash_and_restored_only_while_it_is_there() {
        let long = "x".repeat(MAX_TEXT + 1);
        let before = PaperCoding::default();
        let after = PaperCoding {
            quotes: vec![Quote::new("roles", &long, "p. 3", "")],
            ..PaperCoding::default()
        };
        let c = Change::coding("p", &before, &after, "quote".into());
        let json = serde_json::to_string(&c).expect("json");
        assert!(json.len() < 400, "{} bytes", json.len());
        let back: Change = serde_json::from_str(&json).expect("back");
        let Change::Coding { diff, .. } = back else {
            panic!("a coding change")
        };
        // Undo to "" needs nothing kept; redo finds the text still there.
        let mut now = after.clone();
        diff.apply(&mut now, true).expect("undo");
        assert!(now.quotes.is_empty());
        // Redo finds the text where the quote was (an edit of its location
        // leaves it in place).
        let mut again = PaperCoding {
            quotes: vec![Quote::new("roles", &long, "p. 9", "")],
            ..PaperCoding::default()
        };
        let moved = Change::coding("p", &again, &after, "location".into());
        let json = serde_json::to_string(&moved).expect("json");
        assert!(json.len() < 400, "{} bytes", json.len());
        let Ok(Change::Coding { diff: moved, .. }) = serde_json::from_str::<Change>(&json) else {
            panic!("a coding change")
        };
        moved
            .apply(&mut again, false)
            .expect("redo onto the same text");
        assert_eq!(again.quotes, after.quotes);
        let err = diff.apply(&mut now, false).expect_err("text gone");
        assert!(err.contains("too long to keep"), "{err}");
        assert!(now.quotes.is_empty(), "nothing changed");
    }
}
