//! Study characteristics: the fields a review declares in config.toml
//! (`[[characteristics]]`), their values per paper (in the reviewer's
//! codings file, `[papers."<id>".characteristics]`), what is wrong with
//! them, and the crosstab of a factor against one of them.
//!
//! Values are kept as the TOML the file holds (a string, a number, a list
//! of strings), so a value this version does not understand, or one for a
//! field no longer declared, is written back as it was.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::infra::diagnostic::escape_line;
use crate::review::codings::{Codings, PaperCoding};
use crate::review::config::Factor;

/// What a characteristic holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Free text ("UK", "GP practices in Leeds").
    Text,
    /// A number (a sample size).
    Number,
    /// One of the allowed values.
    OneOf,
    /// Any of the allowed values (a study with focus groups and interviews).
    SeveralOf,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Text, Kind::Number, Kind::OneOf, Kind::SeveralOf];

    /// The name in config.toml.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::OneOf => "one_of",
            Kind::SeveralOf => "several_of",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Chosen from `values` rather than typed.
    pub fn is_choice(self) -> bool {
        matches!(self, Kind::OneOf | Kind::SeveralOf)
    }
}

/// One declared field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Characteristic {
    pub id: String,
    pub label: String,
    pub kind: Kind,
    /// The allowed values of a `one_of` or `several_of` field, in the
    /// order offered and tabulated.
    pub values: Vec<String>,
    pub definition: String,
}

/// The row a crosstab gives papers without a value.
pub const NOT_RECORDED: &str = "not recorded";

/// A value as text, each part of a list on its own ("UK", "24").
pub fn parts(value: &toml::Value) -> Vec<String> {
    match value {
        toml::Value::Array(items) => items.iter().map(scalar).collect(),
        other => vec![scalar(other)],
    }
}

fn scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        // Nested lists and tables are not a value thema writes.
        other => other.to_string(),
    }
}

/// A value as one line ("Focus groups; Interviews").
pub fn display(value: &toml::Value) -> String {
    parts(value).join("; ")
}

impl Characteristic {
    /// Why `value` is not a valid value of this field, if it is not.
    pub fn invalid(&self, value: &toml::Value) -> Option<String> {
        match (self.kind, value) {
            (Kind::Text, toml::Value::String(_)) => None,
            (Kind::Text, _) => Some("is not text".into()),
            (Kind::Number, toml::Value::Integer(_)) => None,
            (Kind::Number, toml::Value::Float(f)) if f.is_finite() => None,
            (Kind::Number, _) => Some("is not a number".into()),
            (Kind::OneOf, toml::Value::String(s)) => self.outside(s),
            (Kind::OneOf, _) => Some(format!("is not one value: {}", self.allowed())),
            // A single value by hand for a list is read as a list of one.
            (Kind::SeveralOf, toml::Value::String(s)) => self.outside(s),
            (Kind::SeveralOf, toml::Value::Array(items)) => items.iter().find_map(|v| match v {
                toml::Value::String(s) => self.outside(s),
                _ => Some(format!("holds {v}, not one of: {}", self.allowed())),
            }),
            (Kind::SeveralOf, _) => Some(format!("is not a list of: {}", self.allowed())),
        }
    }

    fn outside(&self, s: &str) -> Option<String> {
        (!self.values.iter().any(|v| v == s))
            .then(|| format!("“{s}” is not one of: {}", self.allowed()))
    }

    /// The allowed values, for messages.
    pub fn allowed(&self) -> String {
        self.values.join(", ")
    }

    /// Typed text as this field's value; empty text: no value. A `one_of`
    /// value matching an allowed one but for case is taken as that one.
    pub fn parse(&self, text: &str) -> Result<Option<toml::Value>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match self.kind {
            Kind::Text => Ok(Some(toml::Value::String(text.to_string()))),
            Kind::Number => {
                // "1,200" as papers write it; "1e3" is not how anyone
                // records a sample, and would be kept as 1000.0.
                let plain = without_thousands_commas(text);
                if let Ok(n) = plain.parse::<i64>() {
                    return Ok(Some(toml::Value::Integer(n)));
                }
                match plain.parse::<f64>() {
                    Ok(f) if f.is_finite() && !plain.contains(['e', 'E']) => {
                        Ok(Some(toml::Value::Float(f)))
                    }
                    _ => Err(format!(
                        "{}: “{text}” is not a number (write it as 24, 1,200 or 3.5)",
                        self.label
                    )),
                }
            }
            Kind::OneOf | Kind::SeveralOf => {
                let mut chosen = Vec::new();
                let pieces: Vec<&str> = if self.kind == Kind::OneOf {
                    vec![text]
                } else {
                    text.split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect()
                };
                for piece in pieces {
                    match self.values.iter().find(|v| v.eq_ignore_ascii_case(piece)) {
                        Some(v) => chosen.push(toml::Value::String(v.clone())),
                        None => {
                            return Err(format!(
                                "{}: “{piece}” is not one of: {}",
                                self.label,
                                self.allowed()
                            ));
                        }
                    }
                }
                Ok(Some(if self.kind == Kind::OneOf {
                    chosen.remove(0)
                } else {
                    toml::Value::Array(chosen)
                }))
            }
        }
    }
}

/// The values already used for field `id` across the reviewer's papers,
/// each once, sorted (case-insensitively): what the form offers as
/// completions.
pub fn used_values(codings: &Codings, id: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for coding in codings.papers.values() {
        if let Some(v) = coding.characteristics.get(id) {
            for part in parts(v) {
                if !part.is_empty() {
                    seen.entry(part.to_lowercase()).or_insert(part);
                }
            }
        }
    }
    seen.into_values().collect()
}

/// The first of `used` that starts with `typed` and is longer (case
/// aside): the completion the form offers.
pub fn completion<'a>(used: &'a [String], typed: &str) -> Option<&'a str> {
    if typed.is_empty() {
        return None;
    }
    let lower = typed.to_lowercase();
    used.iter()
        .map(String::as_str)
        .find(|u| u.len() > typed.len() && u.to_lowercase().starts_with(&lower))
}

/// A paper's value of field `id` is recorded (and not empty).
pub fn recorded(coding: &PaperCoding, id: &str) -> bool {
    coding.characteristics.get(id).is_some_and(|v| match v {
        toml::Value::String(s) => !s.trim().is_empty(),
        toml::Value::Array(a) => !a.is_empty(),
        _ => true,
    })
}

/// Included papers per value of one characteristic, and among them those
/// coded with each factor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Crosstab {
    pub characteristic: String,
    pub label: String,
    /// The factors counted, as columns.
    pub factors: Vec<CrosstabFactor>,
    /// One row per value, then "not recorded".
    pub rows: Vec<CrosstabRow>,
    /// Included papers (not excluded at full text).
    pub papers: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrosstabFactor {
    pub id: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrosstabRow {
    pub value: String,
    /// Included papers with this value, whatever they are coded with.
    pub papers: usize,
    /// Of those, the ones coded with each factor, in `factors` order.
    pub counts: Vec<usize>,
    /// Of those, the ones coded with any of the factors (the rest are the
    /// tally's uncoded papers with this value).
    #[serde(skip)]
    pub coded: usize,
}

/// The crosstab of `factors` against `ch`: for each value, the included
/// papers recorded with it and how many of them are coded with each
/// factor. A `several_of` paper counts under each of its values; papers
/// with no value count under "not recorded". Only codings are walked (not
/// every paper): `included` is the tally's count of included papers, and
/// `in_review` says whether an id is one of the review's papers.
pub fn crosstab(
    ch: &Characteristic,
    factors: &[&Factor],
    codings: &Codings,
    included: usize,
    in_review: impl Fn(&str) -> bool,
) -> Crosstab {
    // value → (papers, counts per factor)
    let mut found: BTreeMap<String, (usize, Vec<usize>, usize)> = BTreeMap::new();
    let mut none_counts = vec![0usize; factors.len()];
    let mut none_coded = 0usize;
    let mut recorded_papers = 0usize;
    for (id, coding) in &codings.papers {
        if !coding.excluded.is_empty() || !in_review(id) {
            continue;
        }
        let coded: Vec<bool> = factors
            .iter()
            .map(|f| coding.factors.contains(&f.id))
            .collect();
        let values = if recorded(coding, &ch.id) {
            coding
                .characteristics
                .get(&ch.id)
                .map(parts)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        values.sort();
        values.dedup();
        let any = usize::from(coded.iter().any(|&c| c));
        if values.is_empty() {
            for (n, c) in none_counts.iter_mut().zip(&coded) {
                *n += usize::from(*c);
            }
            none_coded += any;
            continue;
        }
        recorded_papers += 1;
        for v in values {
            let entry = found
                .entry(v)
                .or_insert_with(|| (0, vec![0; factors.len()], 0));
            entry.0 += 1;
            entry.2 += any;
            for (n, c) in entry.1.iter_mut().zip(&coded) {
                *n += usize::from(*c);
            }
        }
    }
    let mut order: Vec<String> = Vec::new();
    if ch.kind.is_choice() {
        order.extend(ch.values.iter().cloned());
    }
    let mut rest: Vec<&String> = found.keys().filter(|k| !order.contains(k)).collect();
    if ch.kind == Kind::Number {
        rest.sort_by(|a, b| {
            let (x, y) = (a.parse::<f64>().ok(), b.parse::<f64>().ok());
            x.partial_cmp(&y)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.cmp(b))
        });
    } else {
        rest.sort_by_key(|k| (k.to_lowercase(), (*k).clone()));
    }
    order.extend(rest.into_iter().cloned());
    let mut rows: Vec<CrosstabRow> = order
        .into_iter()
        .map(|value| {
            let (papers, counts, coded) = found
                .remove(&value)
                .unwrap_or_else(|| (0, vec![0; factors.len()], 0));
            CrosstabRow {
                value,
                papers,
                counts,
                coded,
            }
        })
        .collect();
    rows.push(CrosstabRow {
        value: NOT_RECORDED.to_string(),
        papers: included.saturating_sub(recorded_papers),
        counts: none_counts,
        coded: none_coded,
    });
    Crosstab {
        characteristic: ch.id.clone(),
        label: ch.label.clone(),
        factors: factors
            .iter()
            .map(|f| CrosstabFactor {
                id: f.id.clone(),
                label: f.label.clone(),
            })
            .collect(),
        rows,
        papers: included,
    }
}

impl Crosstab {
    /// The header row: the characteristic, each factor, then "all included".
    fn header(&self) -> Vec<String> {
        let mut h = vec![self.label.clone()];
        h.extend(self.factors.iter().map(|f| f.label.clone()));
        h.push("All included".into());
        h
    }

    fn cells(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                let mut row = vec![r.value.clone()];
                row.extend(r.counts.iter().map(usize::to_string));
                row.push(r.papers.to_string());
                row
            })
            .collect()
    }

    fn note(&self) -> String {
        let several = "a paper with several values counts under each";
        format!(
            "Included papers: {}; counts are papers coded with each factor ({several}).",
            self.papers
        )
    }

    pub fn to_table(&self) -> String {
        let header: Vec<String> = self
            .header()
            .iter()
            .map(|h| escape_line(h).into_owned())
            .collect();
        let cells: Vec<Vec<String>> = self
            .cells()
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| escape_line(&c).into_owned())
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&cells) {
            let mut line = String::new();
            for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
                let fill = w.saturating_sub(c.chars().count());
                if i == 0 {
                    line.push_str(c);
                    line.extend(std::iter::repeat_n(' ', fill));
                } else {
                    line.push_str("  ");
                    line.extend(std::iter::repeat_n(' ', fill));
                    line.push_str(c);
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(out, "\n{}", self.note());
        out
    }

    pub fn to_csv(&self) -> String {
        let mut header = vec![self.characteristic.clone()];
        header.extend(self.factors.iter().map(|f| f.id.clone()));
        header.push("all_included".into());
        crate::review::tally::csv_text(std::iter::once(header).chain(self.cells()))
    }

    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| escape_line(s).replace('|', "\\|");
        let header = self.header();
        let mut out = format!(
            "| {} |\n|---|{}\n",
            header
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | "),
            "---:|".repeat(header.len() - 1)
        );
        for row in self.cells() {
            let _ = writeln!(
                out,
                "| {} |",
                row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
            );
        }
        let _ = writeln!(out, "\n{}", self.note());
        out
    }

    pub fn to_json(&self) -> String {
        crate::infra::diagnostic::json_safe(serde_json::to_string_pretty(self).unwrap_or_default())
            + "\n"
    }
}

/// `text` without the commas of a thousands grouping ("12,400" and
/// "-1,200.5"), or as it is when the commas are anything else.
fn without_thousands_commas(text: &str) -> std::borrow::Cow<'_, str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let whole = digits.split('.').next().unwrap_or(digits);
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if grouped {
        std::borrow::Cow::Owned(text.replace(',', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: Kind, values: &[&str]) -> Characteristic {
        Characteristic {
            id: "f".into(),
            label: "Field".into(),
            kind,
            values: values.iter().map(|s| s.to_string()).collect(),
            definition: String::new(),
        }
    }

    #[test]
    fn typed_values_become_the_kind_of_value_the_field_holds() {
        let n = field(Kind::Number, &[]);
        assert_eq!(n.parse("24"), Ok(Some(toml::Value::Integer(24))));
        assert_eq!(n.parse("2.5"), Ok(Some(toml::Value::Float(2.5))));
        assert!(n.parse("many").is_err());
        assert_eq!(n.parse("  "), Ok(None));
        // As papers write them: thousands grouped with commas.
        assert_eq!(n.parse("1,200"), Ok(Some(toml::Value::Integer(1200))));
        assert_eq!(n.parse("12,400.5"), Ok(Some(toml::Value::Float(12400.5))));
        for refused in ["1e3", "1,20", "12,34,567", "1,2.3", "inf", "NaN"] {
            assert!(n.parse(refused).is_err(), "{refused}");
        }
        let one = field(Kind::OneOf, &["UK", "Australia"]);
        assert_eq!(one.parse("uk"), Ok(Some(toml::Value::String("UK".into()))));
        let err = one.parse("France").expect_err("refused");
        assert!(err.contains("UK, Australia"), "{err}");
        let several = field(Kind::SeveralOf, &["Interviews", "Focus groups"]);
        assert_eq!(
            several.parse("focus groups; Interviews"),
            Ok(Some(toml::Value::Array(vec![
                toml::Value::String("Focus groups".into()),
                toml::Value::String("Interviews".into())
            ])))
        );
    }

    #[test]
    fn values_outside_the_list_are_invalid_and_say_the_list() {
        let several = field(Kind::SeveralOf, &["Interviews", "Focus groups"]);
        let bad = toml::Value::Array(vec![toml::Value::String("Survey".into())]);
        let why = several.invalid(&bad).expect("invalid");
        assert!(why.contains("Survey") && why.contains("Interviews, Focus groups"));
        assert!(
            several
                .invalid(&toml::Value::String("Interviews".into()))
                .is_none()
        );
        assert!(
            field(Kind::Number, &[])
                .invalid(&toml::Value::String("x".into()))
                .is_some()
        );
    }

    #[test]
    fn completion_is_the_first_longer_used_value_with_the_typed_start() {
        let used = vec!["Australia".to_string(), "UK".to_string()];
        assert_eq!(completion(&used, "au"), Some("Australia"));
        assert_eq!(completion(&used, "UK"), None);
        assert_eq!(completion(&used, ""), None);
    }
}
