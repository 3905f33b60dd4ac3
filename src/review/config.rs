//! A review's `config.toml`: the question, the sources, the codebook, keys.
//!
//! Every problem names the file and line and says how to fix it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::import::{Format, SourceOptions};
use crate::infra::diagnostic::{Diagnostic, Diagnostics, from_toml_error, line_of};
use crate::keys::keymap::{FactorKey, KeyOverride};
use crate::review::appraisal::{Checklist, RawItem};
use crate::review::characteristics::{Characteristic, Kind};

pub const CONFIG_FILE: &str = "config.toml";
pub const DEFAULT_CODINGS_DIR: &str = "data/codings";

/// Record fields a `[sources.columns]` table may map to a CSV header.
pub const COLUMN_FIELDS: &[&str] = &[
    "title",
    "authors",
    "year",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "start_page",
    "end_page",
    "doi",
    "pmid",
    "abstract",
    "keywords",
    "url",
    "language",
    "kind",
    "notes",
];

/// Whether a factor was planned before coding or arose during it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    APriori,
    Emergent,
}

/// One theme of the codebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Factor {
    pub id: String,
    pub label: String,
    pub key: Option<String>,
    pub definition: String,
    pub origin: Origin,
    /// Ids of factors merged into this one: codings still naming them count
    /// as this factor.
    pub merged: Vec<String>,
}

/// One reference file of the review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// As written in config.toml, relative to the review folder.
    pub path: String,
    pub format: Option<Format>,
    pub options: SourceOptions,
    /// Line of the `[[sources]]` entry, for messages.
    pub line: usize,
}

/// A parsed and validated config.toml.
#[derive(Clone, Debug)]
pub struct Config {
    /// The review folder.
    pub dir: PathBuf,
    pub title: String,
    pub short_title: String,
    pub question: String,
    pub highlight: Vec<String>,
    pub exclusion_reasons: Vec<String>,
    pub codings_dir: PathBuf,
    pub sources: Vec<Source>,
    pub factors: Vec<Factor>,
    /// Study characteristics recorded per paper, in the order declared.
    pub characteristics: Vec<Characteristic>,
    /// The quality appraisal checklist, if the review declares one.
    pub appraisal: Option<Checklist>,
    pub key_overrides: Vec<KeyOverride>,
    pub factor_keys: Vec<FactorKey>,
}

#[derive(Deserialize)]
struct RawConfig {
    codings_dir: Option<Spanned<String>>,
    review: RawReview,
    #[serde(default)]
    sources: Vec<Spanned<RawSource>>,
    #[serde(default)]
    factors: Vec<Spanned<RawFactor>>,
    #[serde(default)]
    characteristics: Vec<Spanned<RawCharacteristic>>,
    appraisal: Option<Spanned<RawAppraisal>>,
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, Spanned<KeyList>>>,
}

#[derive(Deserialize)]
struct RawReview {
    title: String,
    short_title: Option<String>,
    #[serde(default)]
    question: String,
    /// Search terms highlighted in titles and abstracts (`role*` matches
    /// the rest of the word).
    #[serde(default)]
    highlight: Vec<String>,
    /// Reasons offered when a paper is excluded at full text.
    #[serde(default)]
    exclusion_reasons: Vec<String>,
}

#[derive(Deserialize)]
struct RawSource {
    path: Spanned<String>,
    format: Option<Spanned<String>>,
    /// CSV/TSV column mapping: field name → header in the file.
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawFactor {
    id: Spanned<String>,
    label: String,
    key: Option<Spanned<String>>,
    #[serde(default)]
    definition: String,
    #[serde(default = "default_origin")]
    origin: Origin,
    /// Ids of factors merged into this one.
    #[serde(default)]
    merged: Vec<String>,
}

#[derive(Deserialize)]
struct RawCharacteristic {
    id: Spanned<String>,
    label: String,
    kind: Spanned<String>,
    values: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    definition: String,
}

/// `[appraisal]`: a bundled template by name, or the review's own items.
#[derive(Deserialize)]
struct RawAppraisal {
    template: Option<Spanned<String>>,
    title: Option<String>,
    #[serde(default)]
    items: Vec<RawItem>,
}

fn default_origin() -> Origin {
    Origin::APriori
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a key name or a list of key names, such as \"j\" or [\"j\", \"down\"]"
)]
enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl Config {
    /// Reads `<dir>/config.toml`.
    pub fn load(dir: &Path) -> Result<Config, Diagnostics> {
        let path = dir.join(CONFIG_FILE);
        let shown = path.display().to_string();
        let text = crate::infra::fsx::read_regular_string(&path).map_err(|err| {
            let hint = if err.kind() == std::io::ErrorKind::NotFound {
                " (is this a review folder? pass --review DIR, or create one with `thema init DIR`)"
            } else {
                ""
            };
            Diagnostics(vec![Diagnostic::error(
                &shown,
                None,
                format!("cannot read: {err}{hint}"),
            )])
        })?;
        Config::parse(dir, &shown, &text)
    }

    /// Parses config text; `shown` is the file name used in messages.
    pub fn parse(dir: &Path, shown: &str, text: &str) -> Result<Config, Diagnostics> {
        // Unknown fields are all found first, so a typo does not hide the
        // problems after it; the reading itself ignores them.
        let mut problems = unknown_fields(shown, text);
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(err) => {
                problems.push(from_toml_error(shown, text, &err));
                problems.sort_by_key(|d| d.line);
                return Err(Diagnostics(problems));
            }
        };
        let line = |offset: usize| line_of(text, offset);

        let mut factors = Vec::new();
        let mut factor_keys = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (index, f) in raw.factors.into_iter().enumerate() {
            let f = f.into_inner();
            let id_line = line(f.id.span().start);
            let id = f.id.into_inner();
            for why in id_problems("factor", "shared-learning", &id, id_line, &mut ids) {
                problems.push(Diagnostic::error(shown, Some(id_line), why));
            }
            if let Some(key) = &f.key {
                factor_keys.push(FactorKey {
                    index,
                    label: f.label.clone(),
                    key: key.get_ref().clone(),
                    line: line(key.span().start),
                });
            }
            factors.push(Factor {
                id,
                label: f.label,
                key: f.key.map(Spanned::into_inner),
                definition: f.definition,
                origin: f.origin,
                merged: f.merged,
            });
        }

        let mut sources = Vec::new();
        for s in raw.sources {
            let s = s.into_inner();
            let path_line = line(s.path.span().start);
            let format = match s.format {
                None => None,
                Some(spanned) => match Format::from_name(spanned.get_ref()) {
                    Some(f) => Some(f),
                    None => {
                        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                        problems.push(Diagnostic::error(
                            shown,
                            Some(line(spanned.span().start)),
                            format!(
                                "unknown format `{}`; use one of: {} (or leave `format` out to detect it)",
                                spanned.get_ref(),
                                names.join(", ")
                            ),
                        ));
                        None
                    }
                },
            };
            let rel = s.path.into_inner();
            match std::fs::metadata(dir.join(&rel)) {
                Ok(m) if m.is_file() => {}
                // A FIFO or device is never read (it could block forever).
                Ok(m) => problems.push(Diagnostic::error(
                    shown,
                    Some(path_line),
                    format!(
                        "source file `{rel}` is not a regular file ({}); thema only reads plain files: remove it",
                        crate::infra::fsx::kind_name(m.file_type())
                    ),
                )),
                Err(_) => problems.push(Diagnostic::error(
                    shown,
                    Some(path_line),
                    format!(
                        "source file `{rel}` not found (looked in {}; paths are relative to the review folder)",
                        dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()).display()
                    ),
                )),
            }
            for field in s.columns.keys() {
                if !COLUMN_FIELDS.contains(&field.as_str()) {
                    problems.push(Diagnostic::error(
                        shown,
                        Some(path_line),
                        format!(
                            "unknown field `{field}` in [sources.columns]; use one of: {}",
                            COLUMN_FIELDS.join(", ")
                        ),
                    ));
                }
            }
            sources.push(Source {
                path: rel,
                format,
                options: SourceOptions { columns: s.columns },
                line: path_line,
            });
        }

        let characteristics = characteristics(shown, text, raw.characteristics, &mut problems);
        let appraisal = raw
            .appraisal
            .and_then(|a| appraisal(shown, text, a, &mut problems));
        let key_overrides = key_overrides(shown, text, raw.keys);

        let (rel, at) = match raw.codings_dir {
            Some(d) => (d.get_ref().clone(), Some(line(d.span().start))),
            None => (DEFAULT_CODINGS_DIR.to_string(), None),
        };
        let codings_dir = dir.join(&rel);
        // Codings, lock and history are written there: it must stay inside
        // the review folder, also once links are followed.
        let escape = crate::infra::fsx::check_relative(Path::new(&rel))
            .and_then(|()| crate::infra::fsx::ensure_inside(dir, &codings_dir));
        if let Err(why) = escape {
            let key = if at.is_some() {
                "codings_dir"
            } else {
                "codings_dir (not set: data/codings)"
            };
            problems.push(Diagnostic::error(shown, at, format!("{key}: {why}")));
        }

        if !problems.is_empty() {
            // The keys too, so one `thema check` lists every problem.
            let (_, key_problems) =
                crate::keys::keymap::Keymap::build(shown, &key_overrides, &factor_keys);
            problems.extend(key_problems);
            problems.sort_by_key(|d| d.line);
            return Err(Diagnostics(problems));
        }
        let title = raw.review.title;
        Ok(Config {
            dir: dir.to_path_buf(),
            short_title: raw.review.short_title.unwrap_or_else(|| title.clone()),
            title,
            question: raw.review.question,
            highlight: raw.review.highlight,
            exclusion_reasons: raw.review.exclusion_reasons,
            codings_dir,
            sources,
            factors,
            characteristics,
            appraisal,
            key_overrides,
            factor_keys,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(CONFIG_FILE)
    }

    pub fn factor_index(&self, id: &str) -> Option<usize> {
        self.factors.iter().position(|f| f.id == id)
    }

    pub fn characteristic(&self, id: &str) -> Option<&Characteristic> {
        self.characteristics.iter().find(|c| c.id == id)
    }
}

/// The `[[characteristics]]` entries, validated as `[[factors]]` are:
/// ids well formed and unique, a known kind, allowed values where (and
/// only where) the kind chooses from them.
fn characteristics(
    shown: &str,
    text: &str,
    raw: Vec<Spanned<RawCharacteristic>>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Characteristic> {
    let line = |offset: usize| line_of(text, offset);
    let mut out = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for c in raw {
        let c = c.into_inner();
        let id_line = line(c.id.span().start);
        let id = c.id.into_inner();
        for why in id_problems("characteristic", "sample_size", &id, id_line, &mut ids) {
            problems.push(Diagnostic::error(shown, Some(id_line), why));
        }
        let kind_line = line(c.kind.span().start);
        let kind = match Kind::from_name(c.kind.get_ref()) {
            Some(k) => k,
            None => {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                problems.push(Diagnostic::error(
                    shown,
                    Some(kind_line),
                    format!(
                        "unknown kind `{}` for characteristic `{id}`; use one of: {}",
                        c.kind.get_ref(),
                        names.join(", ")
                    ),
                ));
                Kind::Text
            }
        };
        let (values, values_line) = match c.values {
            Some(v) => {
                let at = line(v.span().start);
                (v.into_inner(), Some(at))
            }
            None => (Vec::new(), None),
        };
        if kind.is_choice() && values.is_empty() {
            problems.push(Diagnostic::error(
                shown,
                Some(values_line.unwrap_or(kind_line)),
                format!(
                    "characteristic `{id}` is {}: list its allowed values, e.g. values = [\"UK\", \"Australia\"]",
                    kind.name()
                ),
            ));
        }
        if !kind.is_choice() && !values.is_empty() && Kind::from_name(c.kind.get_ref()).is_some() {
            problems.push(Diagnostic::error(
                shown,
                values_line,
                format!(
                    "characteristic `{id}` is {}: `values` applies only to one_of and several_of (remove it, or change the kind)",
                    kind.name()
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for v in &values {
            if v.trim().is_empty() || v.contains(';') {
                problems.push(Diagnostic::error(
                    shown,
                    values_line,
                    format!(
                        "characteristic `{id}`: the value “{v}” must be non-empty and hold no `;`"
                    ),
                ));
            } else if !seen.insert(v.to_lowercase()) {
                problems.push(Diagnostic::error(
                    shown,
                    values_line,
                    format!("characteristic `{id}` lists “{v}” twice"),
                ));
            }
        }
        out.push(Characteristic {
            id,
            label: c.label,
            kind,
            values,
            definition: c.definition,
        });
    }
    out
}

/// `[appraisal]`, validated as `[[characteristics]]` are: a known
/// template, or items with well-formed, unique ids and answer lists that
/// are not empty (never both, never neither).
fn appraisal(
    shown: &str,
    text: &str,
    raw: Spanned<RawAppraisal>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Checklist> {
    use crate::review::appraisal as ap;
    let line = |offset: usize| line_of(text, offset);
    let table_line = line(raw.span().start);
    let raw = raw.into_inner();
    match (raw.template, raw.items.is_empty()) {
        (Some(t), true) => {
            let at = line(t.span().start);
            match ap::template(t.get_ref()) {
                Some(Ok(mut c)) => {
                    if let Some(title) = raw.title {
                        c.title = title;
                    }
                    Some(c)
                }
                Some(Err(why)) => {
                    problems.push(Diagnostic::error(
                        shown,
                        Some(at),
                        format!("the bundled template `{}` is broken: {why}", t.get_ref()),
                    ));
                    None
                }
                None => {
                    problems.push(Diagnostic::error(
                        shown,
                        Some(at),
                        format!(
                            "unknown appraisal template `{}`; use one of: {} (or write your own [[appraisal.items]])",
                            t.get_ref(),
                            ap::template_names()
                        ),
                    ));
                    None
                }
            }
        }
        (Some(t), false) => {
            problems.push(Diagnostic::error(
                shown,
                Some(line(t.span().start)),
                "[appraisal] has both a template and [[appraisal.items]]: keep one (copy the template's items to change them)",
            ));
            None
        }
        (None, true) => {
            problems.push(Diagnostic::error(
                shown,
                Some(table_line),
                format!(
                    "[appraisal] needs `template = \"casp-qualitative\"` (or one of: {}) or its own [[appraisal.items]]",
                    ap::template_names()
                ),
            ));
            None
        }
        (None, false) => {
            let mut seen = std::collections::HashSet::new();
            let before = problems.len();
            for item in &raw.items {
                for (at, why) in ap::item_problems(item, &mut seen) {
                    problems.push(Diagnostic::error(shown, Some(line(at)), why));
                }
            }
            (problems.len() == before).then(|| Checklist {
                title: raw.title.unwrap_or_else(|| "Quality appraisal".into()),
                items: raw.items.into_iter().map(RawItem::into_item).collect(),
                ..Checklist::default()
            })
        }
    }
}

const TOP_FIELDS: &[&str] = &[
    "codings_dir",
    "review",
    "sources",
    "factors",
    "characteristics",
    "appraisal",
    "keys",
];
const APPRAISAL_FIELDS: &[&str] = &["template", "title", "items"];
const APPRAISAL_ITEM_FIELDS: &[&str] = &["id", "number", "question", "answers", "guidance"];
const REVIEW_FIELDS: &[&str] = &[
    "title",
    "short_title",
    "question",
    "highlight",
    "exclusion_reasons",
];
const SOURCE_FIELDS: &[&str] = &["path", "format", "columns"];
const FACTOR_FIELDS: &[&str] = &["id", "label", "key", "definition", "origin", "merged"];
const CHARACTERISTIC_FIELDS: &[&str] = &["id", "label", "kind", "values", "definition"];

/// Every field config.toml may not have, each with its line: all of them,
/// where a strict reading stops at the first. Syntax errors are left to
/// the reading, which reports them.
fn unknown_fields(shown: &str, text: &str) -> Vec<Diagnostic> {
    use toml_edit::{Item, TableLike, Value};
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut check = |table: &dyn TableLike, allowed: &[&str], place: &str| {
        for (key, _) in table.iter() {
            if allowed.contains(&key) {
                continue;
            }
            let line = table
                .get_key_value(key)
                .and_then(|(k, _)| k.span())
                .map(|span| line_of(text, span.start));
            out.push(Diagnostic::error(
                shown,
                line,
                format!(
                    "unknown field `{key}` in {place}, expected one of: {}",
                    allowed.join(", ")
                ),
            ));
        }
    };
    let root = doc.as_table();
    check(root, TOP_FIELDS, "the top level");
    if let Some(review) = root.get("review").and_then(Item::as_table_like) {
        check(review, REVIEW_FIELDS, "[review]");
    }
    if let Some(appraisal) = root.get("appraisal").and_then(Item::as_table_like) {
        check(appraisal, APPRAISAL_FIELDS, "[appraisal]");
        match appraisal.get("items") {
            Some(Item::ArrayOfTables(tables)) => {
                for table in tables.iter() {
                    check(table, APPRAISAL_ITEM_FIELDS, "[[appraisal.items]]");
                }
            }
            Some(Item::Value(Value::Array(values))) => {
                for table in values.iter().filter_map(Value::as_inline_table) {
                    check(table, APPRAISAL_ITEM_FIELDS, "[[appraisal.items]]");
                }
            }
            _ => {}
        }
    }
    for (name, allowed) in [
        ("sources", SOURCE_FIELDS),
        ("factors", FACTOR_FIELDS),
        ("characteristics", CHARACTERISTIC_FIELDS),
    ] {
        let place = format!("[[{name}]]");
        match root.get(name) {
            Some(Item::ArrayOfTables(tables)) => {
                for table in tables.iter() {
                    check(table, allowed, &place);
                }
            }
            Some(Item::Value(Value::Array(values))) => {
                for table in values.iter().filter_map(Value::as_inline_table) {
                    check(table, allowed, &place);
                }
            }
            _ => {}
        }
    }
    out
}

/// The user's own config file: `$THEMA_CONFIG`, else
/// `$XDG_CONFIG_HOME/thema/config.toml`, else `~/.config/thema/config.toml`.
pub fn user_config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("THEMA_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("thema").join("config.toml"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserConfig {
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, Spanned<KeyList>>>,
}

/// Key overrides from the user's config file (none if it does not exist).
/// They are applied after the review's, so a reviewer's own keys win.
pub fn load_user_keys(path: Option<&Path>) -> Result<Vec<KeyOverride>, Diagnostics> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = match crate::infra::fsx::read_regular_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Diagnostics(vec![Diagnostic::error(
                path.display().to_string(),
                None,
                format!("cannot read: {e}"),
            )]));
        }
    };
    let shown = path.display().to_string();
    let raw: RawUserConfig = toml::from_str(&text)
        .map_err(|err| Diagnostics(vec![from_toml_error(&shown, &text, &err)]))?;
    Ok(key_overrides(&shown, &text, raw.keys))
}

fn key_overrides(
    shown: &str,
    text: &str,
    keys: BTreeMap<String, BTreeMap<String, Spanned<KeyList>>>,
) -> Vec<KeyOverride> {
    let mut out = Vec::new();
    for (mode, actions) in keys {
        for (action, list) in actions {
            let line = line_of(text, list.span().start);
            let keys = match list.into_inner() {
                KeyList::One(k) => vec![k],
                KeyList::Many(ks) => ks,
            };
            out.push(KeyOverride {
                file: shown.to_string(),
                mode: mode.clone(),
                action,
                keys,
                line,
            });
        }
    }
    out
}

/// What is wrong with the id of a `what` on `line` (`example`: a good
/// one); `ids` holds those seen so far with their lines.
fn id_problems(
    what: &str,
    example: &str,
    id: &str,
    line: usize,
    ids: &mut HashMap<String, usize>,
) -> Vec<String> {
    let mut out = Vec::new();
    let usable = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if id.is_empty() || !id.chars().all(usable) {
        out.push(format!(
            "{what} id `{id}` must be letters, digits, `-` or `_` (e.g. `{example}`)"
        ));
    }
    if let Some(first) = ids.insert(id.to_string(), line) {
        out.push(format!(
            "duplicate {what} id `{id}` (first used on line {first}); give each {what} its own id"
        ));
    }
    out
}
