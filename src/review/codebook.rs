//! The living codebook: add, rename, re-key, merge, split and reorder factors
//! while coding, with undo.
//!
//! config.toml is the reviewers' file, so an edit splices new text into it and
//! leaves every other byte (comments, blank lines, other tables) as it was;
//! toml_edit is used to find where each factor table and value sits. An edit
//! is checked as the workbench would load it before anything is written.
//!
//! No edit rewrites a codings file. A merge is recorded where the codebook
//! is, as `merged = [...]` on the factor that stays, and every reviewer's
//! thema reads codings of the merged id as that factor while the file keeps
//! the id it was coded with. So undoing a merge, whoever does it and
//! whenever, finds every reviewer's codings as they were, and a reviewer
//! coding during someone else's merge and undo loses nothing.

use std::collections::BTreeSet;
use std::io;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml_edit::{Document, Item, Value};

use crate::infra::diagnostic::{Diagnostic, Diagnostics, line_of};
use crate::keys::keymap::Keymap;
use crate::review::codings::write_atomically;
use crate::review::config::{CONFIG_FILE, Config};

/// One change to the codebook. Ids are stable; labels, definitions, keys and order change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum CodebookEdit {
    /// A new factor, appended after the last [[factors]] entry, origin = "emergent".
    Add {
        id: String,
        label: String,
        key: Option<String>,
        definition: String,
    },
    SetLabel {
        id: String,
        label: String,
    },
    SetDefinition {
        id: String,
        definition: String,
    },
    /// None removes the key.
    SetKey {
        id: String,
        key: Option<String>,
    },
    /// Every paper coded with `from` becomes coded with `into` (in every
    /// reviewer's codings file); `from` is removed from the codebook.
    Merge {
        from: String,
        into: String,
    },
    /// A new emergent factor placed right after `from`; codings are not
    /// changed (the UI then offers `from`'s papers for re-coding).
    Split {
        from: String,
        id: String,
        label: String,
        key: Option<String>,
        definition: String,
    },
    /// Move a factor up (delta < 0) or down (delta > 0) in the codebook order,
    /// clamped at the ends.
    Move {
        id: String,
        delta: isize,
    },
}

/// What one applied edit changed on disk, enough to undo it (serde: it is
/// stored in the undo history file; an entry of an earlier thema that also
/// lists codings it rewrote is read, and those codings left as they are).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub edit: CodebookEdit,
    pub config_before: String,
    pub config_after: String,
}

/// Why a codebook edit (or its undo/redo) was not made. Nothing is written
/// in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum CodebookError {
    #[error("{file}: the codebook has no factor with id `{id}`")]
    UnknownFactor { file: String, id: String },
    #[error(
        "{file}: cannot merge factor `{id}` into itself; choose another factor to merge it into"
    )]
    MergeIntoItself { file: String, id: String },
    #[error("{file}:{line}: factor id `{id}` is already used here; choose another id")]
    DuplicateId {
        file: String,
        line: usize,
        id: String,
    },
    /// config.toml is not TOML, or its codebook is in a form thema does not
    /// edit (an inline `factors = [...]` array, sub-tables).
    #[error("{0}")]
    Config(Diagnostic),
    /// The edited config.toml would not load (a key clash, a bad id); the
    /// diagnostics point at lines of the edited text.
    #[error("codebook edit refused: {0}")]
    Refused(Diagnostics),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// Undo/redo found config.toml different from what the edit left (or
    /// found before it): someone changed it since.
    #[error(
        "{file} changed since this codebook edit (by hand or in another thema); not {what}, nothing written"
    )]
    Changed { file: String, what: &'static str },
}

impl CodebookError {
    /// The reason, for a status line: without the long path in front of
    /// it (`thema check` shows the full text).
    pub fn brief(&self) -> String {
        match self {
            CodebookError::UnknownFactor { id, .. } => {
                format!("the codebook has no factor with id `{id}`")
            }
            CodebookError::MergeIntoItself { id, .. } => format!(
                "cannot merge factor `{id}` into itself; choose another factor to merge it into"
            ),
            CodebookError::DuplicateId { id, .. } => {
                format!("factor id `{id}` is already used here; choose another id")
            }
            CodebookError::Config(d) => {
                crate::infra::diagnostic::escape_line(&d.message).into_owned()
            }
            CodebookError::Refused(d) => d.brief(),
            CodebookError::Io { path, source } => {
                let name = Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.clone());
                format!("{source} ({name})")
            }
            CodebookError::Changed { .. } => self.to_string(),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> CodebookError + '_ {
    move |source| CodebookError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Turns a label into a new factor id: lowercase ASCII (deunicode), words
/// joined by `-`, only [a-z0-9-], not empty ("factor" if nothing is left),
/// unique against `existing` by appending -2, -3 …
pub fn derive_id(label: &str, existing: &[&str]) -> String {
    let ascii = deunicode::deunicode(label).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let base = if words.is_empty() {
        "factor".to_string()
    } else {
        words.join("-")
    };
    let taken: BTreeSet<&str> = existing.iter().copied().collect();
    if !taken.contains(base.as_str()) {
        return base;
    }
    // At most existing.len() + 1 candidates can be tried before one is free.
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate.as_str()))
        .unwrap_or(base)
}

/// Applies the edit to config.toml text, keeping every comment, blank line
/// and the layout of everything outside the edited factor tables byte for byte.
pub fn edit_config_text(text: &str, edit: &CodebookEdit) -> Result<String, CodebookError> {
    edit_text(text, edit, CONFIG_FILE)
}

/// Validates and writes: edits config.toml, checks the result as the
/// workbench would load it (config and keymap; a key clash or bad id is
/// refused and nothing is written), then writes it atomically.
pub fn apply(review_dir: &Path, edit: &CodebookEdit) -> Result<Applied, CodebookError> {
    let config_path = review_dir.join(CONFIG_FILE);
    let shown = config_path.display().to_string();
    let before =
        crate::infra::fsx::read_regular_string(&config_path).map_err(io_error(&config_path))?;
    let after = edit_text(&before, edit, &shown)?;
    let problems = load_problems(review_dir, &shown, &after);
    if !problems.is_empty() {
        return Err(CodebookError::Refused(Diagnostics(problems)));
    }
    write_atomically(&config_path, after.as_bytes()).map_err(io_error(&config_path))?;
    Ok(Applied {
        edit: edit.clone(),
        config_before: before,
        config_after: after,
    })
}

/// Undoes `applied`: refuses (nothing written) unless config.toml still holds
/// exactly `config_after`; otherwise restores `config_before`.
pub fn revert(review_dir: &Path, applied: &Applied) -> Result<(), CodebookError> {
    restore(
        review_dir,
        &applied.config_after,
        &applied.config_before,
        "undone",
    )
}

/// Redoes `applied` after a `revert`: refuses unless config.toml holds
/// exactly `config_before`.
pub fn reapply(review_dir: &Path, applied: &Applied) -> Result<(), CodebookError> {
    restore(
        review_dir,
        &applied.config_before,
        &applied.config_after,
        "redone",
    )
}

fn restore(
    review_dir: &Path,
    expected: &str,
    target: &str,
    what: &'static str,
) -> Result<(), CodebookError> {
    let config_path = review_dir.join(CONFIG_FILE);
    let now =
        crate::infra::fsx::read_regular_string(&config_path).map_err(io_error(&config_path))?;
    if now != expected {
        return Err(CodebookError::Changed {
            file: config_path.display().to_string(),
            what,
        });
    }
    write_atomically(&config_path, target.as_bytes()).map_err(io_error(&config_path))
}

/// Errors the workbench would report opening a review with this config text.
fn load_problems(dir: &Path, shown: &str, text: &str) -> Vec<Diagnostic> {
    match Config::parse(dir, shown, text) {
        Err(Diagnostics(problems)) => problems,
        Ok(config) => {
            let (_, problems) = Keymap::build(shown, &config.key_overrides, &config.factor_keys);
            problems.into_iter().filter(Diagnostic::is_error).collect()
        }
    }
}

/// The keys of a factor table in the order thema writes them.
const KEY_ORDER: [&str; 6] = ["id", "label", "key", "definition", "origin", "merged"];

/// One `key = value` line (or lines, for a multi-line string) of a factor.
struct Entry {
    key: String,
    /// From the start of the key's line to just after the value's line.
    lines: Range<usize>,
    /// The value's own text, without whitespace or comment around it.
    value: Range<usize>,
    /// Indentation before the key.
    indent: Range<usize>,
    /// ` = ` between key and value, as written.
    equals: Range<usize>,
}

/// One `[[factors]]` table in the text.
struct Block {
    id: Option<String>,
    /// From the start of the header line to just after the last value's line;
    /// comments and blank lines after that belong to whatever follows.
    range: Range<usize>,
    /// The header's own line, including its indentation and line break.
    header: Range<usize>,
    entries: Vec<Entry>,
}

impl Block {
    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

fn line_start(text: &str, pos: usize) -> usize {
    text.get(..pos)
        .and_then(|head| head.rfind('\n'))
        .map_or(0, |i| i + 1)
}

fn line_end(text: &str, pos: usize) -> usize {
    text.get(pos..)
        .and_then(|tail| tail.find('\n'))
        .map_or(text.len(), |i| pos + i + 1)
}

fn slice(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or("")
}

/// Locates every `[[factors]]` table. The codebook must be written as such
/// tables (the form thema and the README use) to be edited in place.
fn factor_blocks(text: &str, shown: &str) -> Result<Vec<Block>, CodebookError> {
    let doc = Document::parse(text).map_err(|err| {
        let line = err.span().map(|span| line_of(text, span.start));
        CodebookError::Config(Diagnostic::error(shown, line, err.message().trim()))
    })?;
    let unsupported = |offset: Option<usize>, message: String| {
        CodebookError::Config(Diagnostic::error(
            shown,
            offset.map(|o| line_of(text, o)),
            message,
        ))
    };
    let tables = match doc.as_table().get_key_value("factors") {
        None => return Ok(Vec::new()),
        Some((_, Item::ArrayOfTables(tables))) => tables,
        Some((key, _)) => {
            return Err(unsupported(
                key.span().map(|s| s.start),
                "the codebook is not written as [[factors]] tables, so thema cannot edit it; \
                 write each factor as a [[factors]] table (see the README)"
                    .to_string(),
            ));
        }
    };
    let mut blocks = Vec::new();
    for table in tables.iter() {
        let Some(header) = table.span() else {
            return Err(unsupported(
                None,
                "a [[factors]] table could not be located in the file".to_string(),
            ));
        };
        let header_lines = line_start(text, header.start)..line_end(text, header.end);
        let mut range = header_lines.start..header_lines.end;
        let mut entries = Vec::new();
        let mut id = None;
        for (name, _) in table.iter() {
            let Some((key, item)) = table.get_key_value(name) else {
                continue;
            };
            let (Item::Value(value), Some(key_span)) = (item, key.span()) else {
                return Err(unsupported(
                    key.span().or_else(|| Some(header.clone())).map(|s| s.start),
                    format!(
                        "`{name}` in a [[factors]] table is a sub-table, which thema cannot edit; \
                         factors have only id, label, key, definition and origin"
                    ),
                ));
            };
            let Some(value_span) = value.span() else {
                return Err(unsupported(
                    Some(key_span.start),
                    format!("the value of `{name}` could not be located in the file"),
                ));
            };
            if name == "id" {
                id = value.as_str().map(str::to_string);
            }
            let lines = line_start(text, key_span.start)..line_end(text, value_span.end);
            range.end = range.end.max(lines.end);
            entries.push(Entry {
                key: name.to_string(),
                indent: lines.start..key_span.start,
                equals: key_span.end..value_span.start,
                lines,
                value: value_span,
            });
        }
        blocks.push(Block {
            id,
            range,
            header: header_lines,
            entries,
        });
    }
    Ok(blocks)
}

/// How new factor tables are written: like their neighbour.
struct Style {
    header_indent: String,
    indent: String,
    equals: String,
    newline: &'static str,
}

impl Style {
    fn like(text: &str, block: Option<&Block>, newline: &'static str) -> Style {
        let mut style = Style {
            header_indent: String::new(),
            indent: String::new(),
            equals: " = ".to_string(),
            newline,
        };
        let Some(block) = block else {
            return style;
        };
        let header_line = slice(text, block.header.clone());
        style.header_indent = header_line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if let Some(entry) = block.entry("id").or_else(|| block.entries.first()) {
            let indent = slice(text, entry.indent.clone());
            if indent.chars().all(|c| c == ' ' || c == '\t') {
                style.indent = indent.to_string();
            }
            let equals = slice(text, entry.equals.clone());
            if equals.trim() == "=" && !equals.contains('\n') {
                style.equals = equals.to_string();
            }
        }
        style
    }

    fn line(&self, key: &str, value: &str) -> String {
        self.line_raw(key, &encode(value))
    }

    /// A `key = value` line with the value already in TOML.
    fn line_raw(&self, key: &str, raw: &str) -> String {
        format!("{}{key}{}{raw}{}", self.indent, self.equals, self.newline)
    }

    fn table(&self, id: &str, label: &str, key: Option<&str>, definition: &str) -> String {
        let mut out = format!("{}[[factors]]{}", self.header_indent, self.newline);
        out.push_str(&self.line("id", id));
        out.push_str(&self.line("label", label));
        if let Some(key) = key {
            out.push_str(&self.line("key", key));
        }
        out.push_str(&self.line("definition", definition));
        out.push_str(&self.line("origin", "emergent"));
        out
    }
}

/// A TOML string as toml_edit writes it.
fn encode(s: &str) -> String {
    Value::from(s).to_string()
}

fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// The text that separates factor tables where a new one goes after
/// `blocks[index]`: the blank lines used between its neighbours, else one.
fn separator<'t>(text: &'t str, blocks: &[Block], index: usize, newline: &'t str) -> &'t str {
    let gap = |a: &Block, b: &Block| slice(text, a.range.end..b.range.start);
    let after = blocks
        .get(index)
        .zip(blocks.get(index + 1))
        .map(|(a, b)| gap(a, b));
    let before = index
        .checked_sub(1)
        .and_then(|i| blocks.get(i))
        .zip(blocks.get(index))
        .map(|(a, b)| gap(a, b));
    after
        .filter(|g| is_blank(g))
        .or(before.filter(|g| is_blank(g)))
        .unwrap_or(newline)
}

fn edit_text(text: &str, edit: &CodebookEdit, shown: &str) -> Result<String, CodebookError> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // Work on text that ends with a line break so a table at the very end
    // can be moved or followed like any other; put the end back as it was.
    let added_newline = !text.is_empty() && !text.ends_with('\n');
    let mut work = text.to_string();
    if added_newline {
        work.push_str(newline);
    }
    let mut out = edit_lines(&work, edit, shown, newline)?;
    if added_newline && out.ends_with(newline) {
        out.truncate(out.len() - newline.len());
    }
    Ok(out)
}

fn edit_lines(
    text: &str,
    edit: &CodebookEdit,
    shown: &str,
    newline: &'static str,
) -> Result<String, CodebookError> {
    let blocks = factor_blocks(text, shown)?;
    let find = |id: &str| {
        blocks
            .iter()
            .position(|b| b.id.as_deref() == Some(id))
            .ok_or_else(|| CodebookError::UnknownFactor {
                file: shown.to_string(),
                id: id.to_string(),
            })
    };
    let unused = |id: &str| match blocks.iter().find(|b| b.id.as_deref() == Some(id)) {
        Some(b) => Err(CodebookError::DuplicateId {
            file: shown.to_string(),
            line: line_of(text, b.header.start),
            id: id.to_string(),
        }),
        None => Ok(()),
    };
    let splice = |range: Range<usize>, with: &str| {
        let mut out = String::with_capacity(text.len() + with.len());
        out.push_str(slice(text, 0..range.start));
        out.push_str(with);
        out.push_str(slice(text, range.end..text.len()));
        out
    };

    match edit {
        CodebookEdit::Add {
            id,
            label,
            key,
            definition,
        } => {
            unused(id)?;
            let Some(last) = blocks.last() else {
                // No codebook yet: the first factor goes at the end of the file.
                let style = Style::like(text, None, newline);
                let mut out = text.to_string();
                if !out.is_empty() {
                    out.push_str(newline);
                }
                out.push_str(&style.table(id, label, key.as_deref(), definition));
                return Ok(out);
            };
            let style = Style::like(text, Some(last), newline);
            let sep = separator(text, &blocks, blocks.len() - 1, newline);
            let new = format!(
                "{sep}{}",
                style.table(id, label, key.as_deref(), definition)
            );
            Ok(splice(last.range.end..last.range.end, &new))
        }
        CodebookEdit::Split {
            from,
            id,
            label,
            key,
            definition,
        } => {
            let index = find(from)?;
            unused(id)?;
            let block = &blocks[index];
            let style = Style::like(text, Some(block), newline);
            let sep = separator(text, &blocks, index, newline);
            let new = format!(
                "{sep}{}",
                style.table(id, label, key.as_deref(), definition)
            );
            Ok(splice(block.range.end..block.range.end, &new))
        }
        CodebookEdit::SetLabel { id, label } => {
            set_value(text, &blocks[find(id)?], "label", Some(label), newline)
        }
        CodebookEdit::SetDefinition { id, definition } => set_value(
            text,
            &blocks[find(id)?],
            "definition",
            Some(definition),
            newline,
        ),
        CodebookEdit::SetKey { id, key } => {
            set_value(text, &blocks[find(id)?], "key", key.as_deref(), newline)
        }
        CodebookEdit::Merge { from, into } => {
            let index = find(from)?;
            find(into)?;
            if from == into {
                return Err(CodebookError::MergeIntoItself {
                    file: shown.to_string(),
                    id: from.clone(),
                });
            }
            // The factor that stays remembers the ids merged into it, so a
            // codings file written by a thema that was open during the merge
            // (still saying `from`) is read as `into`.
            let target = &blocks[find(into)?];
            let mut merged = merged_ids(text, target);
            for id in std::iter::once(from.clone()).chain(merged_ids(text, &blocks[index])) {
                if !merged.contains(&id) {
                    merged.push(id);
                }
            }
            let list: Vec<String> = merged.iter().map(|m| encode(m)).collect();
            let value = format!("[{}]", list.join(", "));
            // Edit the later table first so the earlier one's place holds.
            if blocks[index].range.start > target.range.start {
                let removed = splice(removal(text, &blocks[index].range), "");
                set_raw(&removed, target, "merged", Some(&value), newline)
            } else {
                let with_list = set_raw(text, target, "merged", Some(&value), newline)?;
                let mut out = String::with_capacity(with_list.len());
                let cut = removal(text, &blocks[index].range);
                out.push_str(slice(&with_list, 0..cut.start));
                out.push_str(slice(&with_list, cut.end..with_list.len()));
                Ok(out)
            }
        }
        CodebookEdit::Move { id, delta } => {
            let index = find(id)?;
            let last = blocks.len() - 1;
            let target = index.saturating_add_signed(*delta).min(last);
            if target == index {
                return Ok(text.to_string());
            }
            // Tables change places; the text between them (blank lines,
            // comments, other tables) stays where it is.
            let mut order: Vec<usize> = (0..blocks.len()).collect();
            let moved = order.remove(index);
            order.insert(target, moved);
            let mut out = String::with_capacity(text.len());
            out.push_str(slice(text, 0..blocks[0].range.start));
            for (slot, &which) in order.iter().enumerate() {
                out.push_str(slice(text, blocks[which].range.clone()));
                let gap_end = blocks
                    .get(slot + 1)
                    .map_or(text.len(), |next| next.range.start);
                out.push_str(slice(text, blocks[slot].range.end..gap_end));
            }
            Ok(out)
        }
    }
}

/// What to cut to remove a table: the table and the blank lines that
/// separated it from what was above, or, when it sat right under a comment
/// or header, the blank lines below it, so the rest stays spaced as before.
fn removal(text: &str, range: &Range<usize>) -> Range<usize> {
    let mut start = range.start;
    while start > 0 {
        let prev = line_start(text, start - 1);
        if !is_blank(slice(text, prev..start)) {
            break;
        }
        start = prev;
    }
    if start < range.start {
        return start..range.end;
    }
    let mut end = range.end;
    while end < text.len() {
        let next = line_end(text, end);
        if !is_blank(slice(text, end..next)) {
            break;
        }
        end = next;
    }
    range.start..end
}

/// The ids listed in a factor table's `merged = [...]`.
fn merged_ids(text: &str, block: &Block) -> Vec<String> {
    let Some(entry) = block.entry("merged") else {
        return Vec::new();
    };
    let value = slice(text, entry.value.clone());
    toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|t| t.get("v").and_then(|v| v.as_array()).cloned())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets (or with `None` removes) one string value of a factor table. A
/// missing key is added on its own line in thema's key order.
fn set_value(
    text: &str,
    block: &Block,
    key: &str,
    value: Option<&str>,
    newline: &'static str,
) -> Result<String, CodebookError> {
    set_raw(text, block, key, value.map(encode).as_deref(), newline)
}

/// [`set_value`] with the value already written as TOML (a list, say).
fn set_raw(
    text: &str,
    block: &Block,
    key: &str,
    value: Option<&str>,
    newline: &'static str,
) -> Result<String, CodebookError> {
    let (range, with) = match (block.entry(key), value) {
        (Some(entry), Some(value)) => (entry.value.clone(), value.to_string()),
        (Some(entry), None) => (entry.lines.clone(), String::new()),
        (None, None) => return Ok(text.to_string()),
        (None, Some(value)) => {
            let rank = KEY_ORDER.iter().position(|k| *k == key);
            // After the last key that comes before this one in thema's
            // order, else right under the header.
            let at = block
                .entries
                .iter()
                .filter(|e| {
                    let r = KEY_ORDER.iter().position(|k| *k == e.key);
                    matches!((r, rank), (Some(r), Some(rank)) if r < rank)
                })
                .map(|e| e.lines.end)
                .max()
                .unwrap_or(block.header.end);
            let style = Style::like(text, Some(block), newline);
            (at..at, style.line_raw(key, value))
        }
    };
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(slice(text, 0..range.start));
    out.push_str(&with);
    out.push_str(slice(text, range.end..text.len()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "# top\n\n[review]\ntitle = \"T\"\n\n# The codebook.\n[[factors]]\nid = \"a\"\nlabel = \"A\"  # first\nkey = \"1\"\ndefinition = \"Def A\"\norigin = \"a-priori\"\n\n[[factors]]\nid = \"b\"\nlabel = \"B\"\nkey = \"2\"\ndefinition = \"\"\"\nmulti\nline\"\"\"\norigin = \"a-priori\"\n# after b\n\n[keys.normal]\ndown = \"j\"\n";

    fn edit(text: &str, e: CodebookEdit) -> String {
        edit_config_text(text, &e).expect("edit applies")
    }

    #[test]
    fn derive_id_makes_ascii_kebab_ids_and_avoids_collisions() {
        assert_eq!(
            derive_id("Shared decision-making", &[]),
            "shared-decision-making"
        );
        assert_eq!(derive_id("Ärztliche Rolle", &[]), "arztliche-rolle");
        assert_eq!(derive_id("  --  ", &[]), "factor");
        assert_eq!(derive_id("", &["factor"]), "factor-2");
        assert_eq!(derive_id("Roles", &["roles", "roles-2"]), "roles-3");
        assert_eq!(
            derive_id("Trust (mutual) & respect!", &[]),
            "trust-mutual-respect"
        );
    }

    #[test]
    fn set_label_replaces_only_the_value_and_keeps_its_comment() {
        let out = edit(
            SMALL,
            CodebookEdit::SetLabel {
                id: "a".into(),
                label: "Say \"A\"".into(),
            },
        );
        assert_eq!(
            out,
            SMALL.replace("label = \"A\"  # first", "label = 'Say \"A\"'  # first")
        );
    }

    #[test]
    fn a_multi_line_definition_is_replaced_whole() {
        let out = edit(
            SMALL,
            CodebookEdit::SetDefinition {
                id: "b".into(),
                definition: "one line".into(),
            },
        );
        assert_eq!(
            out,
            SMALL.replace(
                "definition = \"\"\"\nmulti\nline\"\"\"",
                "definition = \"one line\""
            )
        );
    }

    #[test]
    fn set_key_removes_and_adds_the_key_line_in_order() {
        let without = edit(
            SMALL,
            CodebookEdit::SetKey {
                id: "a".into(),
                key: None,
            },
        );
        assert_eq!(without, SMALL.replace("key = \"1\"\n", ""));
        let back = edit(
            &without,
            CodebookEdit::SetKey {
                id: "a".into(),
                key: Some("1".into()),
            },
        );
        assert_eq!(back, SMALL);
    }

    #[test]
    fn add_appends_after_the_last_factor_in_its_style() {
        let out = edit(
            SMALL,
            CodebookEdit::Add {
                id: "c".into(),
                label: "C".into(),
                key: None,
                definition: "Def C".into(),
            },
        );
        let new = "\n[[factors]]\nid = \"c\"\nlabel = \"C\"\ndefinition = \"Def C\"\norigin = \"emergent\"\n";
        assert_eq!(
            out,
            SMALL.replace(
                "origin = \"a-priori\"\n# after b",
                &format!("origin = \"a-priori\"\n{new}# after b")
            )
        );
    }

    #[test]
    fn add_copies_indentation_spacing_and_line_endings() {
        let text = "[[factors]]\r\n  id=\"a\"\r\n  label=\"A\"\r\n[[factors]]\r\n  id=\"b\"\r\n  label=\"B\"";
        let out = edit(
            text,
            CodebookEdit::Add {
                id: "c".into(),
                label: "C".into(),
                key: Some("3".into()),
                definition: String::new(),
            },
        );
        assert_eq!(
            out,
            format!(
                "{text}\r\n[[factors]]\r\n  id=\"c\"\r\n  label=\"C\"\r\n  key=\"3\"\r\n  definition=\"\"\r\n  origin=\"emergent\""
            )
        );
    }

    #[test]
    fn add_to_an_empty_codebook_appends_a_table() {
        let out = edit(
            "[review]\ntitle = \"T\"\n",
            CodebookEdit::Add {
                id: "a".into(),
                label: "A".into(),
                key: None,
                definition: String::new(),
            },
        );
        assert_eq!(
            out,
            "[review]\ntitle = \"T\"\n\n[[factors]]\nid = \"a\"\nlabel = \"A\"\ndefinition = \"\"\norigin = \"emergent\"\n"
        );
    }

    #[test]
    fn move_swaps_tables_and_leaves_comments_in_place() {
        let down = edit(
            SMALL,
            CodebookEdit::Move {
                id: "a".into(),
                delta: 1,
            },
        );
        let a = "[[factors]]\nid = \"a\"\nlabel = \"A\"  # first\nkey = \"1\"\ndefinition = \"Def A\"\norigin = \"a-priori\"\n";
        let b = "[[factors]]\nid = \"b\"\nlabel = \"B\"\nkey = \"2\"\ndefinition = \"\"\"\nmulti\nline\"\"\"\norigin = \"a-priori\"\n";
        let swapped = SMALL.replace(a, "@@").replace(b, a).replace("@@", b);
        assert_eq!(down, swapped);
        let up = edit(
            &down,
            CodebookEdit::Move {
                id: "a".into(),
                delta: -5,
            },
        );
        assert_eq!(up, SMALL);
        let clamped = edit(
            SMALL,
            CodebookEdit::Move {
                id: "b".into(),
                delta: 3,
            },
        );
        assert_eq!(clamped, SMALL);
    }

    #[test]
    fn merge_removes_the_table_and_one_separating_blank_line() {
        let out = edit(
            SMALL,
            CodebookEdit::Merge {
                from: "b".into(),
                into: "a".into(),
            },
        );
        assert_eq!(
            out,
            "# top\n\n[review]\ntitle = \"T\"\n\n# The codebook.\n[[factors]]\nid = \"a\"\nlabel = \"A\"  # first\nkey = \"1\"\ndefinition = \"Def A\"\norigin = \"a-priori\"\nmerged = [\"b\"]\n# after b\n\n[keys.normal]\ndown = \"j\"\n"
        );
        let first = edit(
            SMALL,
            CodebookEdit::Merge {
                from: "a".into(),
                into: "b".into(),
            },
        );
        assert!(
            first.contains("# The codebook.\n[[factors]]\nid = \"b\""),
            "{first}"
        );
        assert!(first.contains("merged = [\"a\"]"), "{first}");
    }

    #[test]
    fn wrong_edits_are_errors_with_the_file_and_line() {
        let unknown = edit_config_text(
            SMALL,
            &CodebookEdit::SetLabel {
                id: "zzz".into(),
                label: "Z".into(),
            },
        );
        assert_eq!(
            unknown.map_err(|e| e.to_string()),
            Err("config.toml: the codebook has no factor with id `zzz`".to_string())
        );
        let itself = edit_config_text(
            SMALL,
            &CodebookEdit::Merge {
                from: "a".into(),
                into: "a".into(),
            },
        );
        assert!(matches!(itself, Err(CodebookError::MergeIntoItself { .. })));
        let duplicate = edit_config_text(
            SMALL,
            &CodebookEdit::Split {
                from: "a".into(),
                id: "b".into(),
                label: "B2".into(),
                key: None,
                definition: String::new(),
            },
        );
        assert_eq!(
            duplicate.map_err(|e| e.to_string()),
            Err(
                "config.toml:14: factor id `b` is already used here; choose another id".to_string()
            )
        );
        let inline = edit_config_text(
            "factors = [{ id = \"a\", label = \"A\" }]\n",
            &CodebookEdit::SetLabel {
                id: "a".into(),
                label: "B".into(),
            },
        );
        assert!(
            matches!(&inline, Err(CodebookError::Config(d)) if d.line == Some(1)),
            "{inline:?}"
        );
        let broken = edit_config_text(
            "[review\n",
            &CodebookEdit::Move {
                id: "a".into(),
                delta: 1,
            },
        );
        assert!(matches!(broken, Err(CodebookError::Config(_))));
    }

    #[test]
    fn edits_round_trip_through_json() {
        let e = CodebookEdit::SetKey {
            id: "a".into(),
            key: None,
        };
        let json = serde_json::to_string(&e).expect("serialises");
        assert_eq!(json, r#"{"op":"set_key","id":"a","key":null}"#);
        assert_eq!(
            serde_json::from_str::<CodebookEdit>(&json).expect("parses"),
            e
        );
    }

    proptest::proptest! {
        /// Any text a reviewer types comes back as written, and the file
        /// stays TOML with the rest of it unchanged.
        #[test]
        fn typed_text_round_trips(label in "\\PC*", definition in "(\\PC|\n|\r|\t){0,40}") {
            let out = edit(SMALL, CodebookEdit::Add {
                id: "c".into(),
                label: label.clone(),
                key: None,
                definition: definition.clone(),
            });
            let out = edit(&out, CodebookEdit::SetLabel { id: "a".into(), label: label.clone() });
            let doc: toml::Table = toml::from_str(&out).expect("still TOML");
            let factors = doc["factors"].as_array().expect("factors");
            proptest::prop_assert_eq!(factors.len(), 3);
            proptest::prop_assert_eq!(factors[0]["label"].as_str(), Some(label.as_str()));
            proptest::prop_assert_eq!(factors[2]["label"].as_str(), Some(label.as_str()));
            proptest::prop_assert_eq!(factors[2]["definition"].as_str(), Some(definition.as_str()));
            proptest::prop_assert!(out.starts_with("# top\n\n[review]\ntitle = \"T\"\n\n# The codebook.\n[[factors]]\nid = \"a\"\n"));
            proptest::prop_assert!(out.ends_with("# after b\n\n[keys.normal]\ndown = \"j\"\n"));
        }

        /// Edits on arbitrary text never panic.
        #[test]
        fn arbitrary_text_never_panics(text in "(\\PC|\n|\\[\\[factors\\]\\]\n|id = \"a\"\n){0,60}", delta in -3isize..3) {
            for e in [
                CodebookEdit::Move { id: "a".into(), delta },
                CodebookEdit::Merge { from: "a".into(), into: "b".into() },
                CodebookEdit::SetKey { id: "a".into(), key: None },
                CodebookEdit::Split { from: "a".into(), id: "z".into(), label: "Z".into(), key: None, definition: String::new() },
            ] {
                let _ = edit_config_text(&text, &e);
            }
        }
    }
}
