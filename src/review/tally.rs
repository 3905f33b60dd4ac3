//! The thematic tally: how many included papers support each factor.
//! One computation feeds the TUI panel, the full-screen view and `thema tally`.

use std::fmt::Write as _;

use std::borrow::Cow;

use serde::Serialize;

use crate::infra::diagnostic::{escape_line, escape_text};
use crate::review::codings::{Codings, PaperCoding};
use crate::review::config::Factor;
use crate::review::paper::Paper;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TallyRow {
    pub factor: String,
    pub label: String,
    pub studies: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Included papers: the denominator of every percentage.
    pub papers: usize,
    /// Papers excluded at full text (not in `papers`).
    pub excluded: usize,
    pub coded: usize,
    pub uncoded: usize,
    pub rows: Vec<TallyRow>,
}

/// Counts, per factor of the codebook, the papers coded with it. Codings for
/// papers or factors not in the review are not counted (they are reported by
/// `thema check` and kept in the file).
pub fn compute(factors: &[Factor], papers: &[Paper], codings: &Codings) -> Tally {
    let mut counts = vec![0usize; factors.len()];
    let (mut included, mut coded, mut excluded) = (0, 0, 0);
    for paper in papers {
        let coding = codings.papers.get(&paper.id);
        // Papers excluded at full text leave the denominator.
        if coding.is_some_and(|c| !c.excluded.is_empty()) {
            excluded += 1;
            continue;
        }
        included += 1;
        let Some(set) = coding.map(|c| &c.factors) else {
            continue;
        };
        let mut any = false;
        for (i, f) in factors.iter().enumerate() {
            if set.contains(&f.id) {
                counts[i] += 1;
                any = true;
            }
        }
        if any {
            coded += 1;
        }
    }
    Tally {
        papers: included,
        coded,
        uncoded: included - coded,
        excluded,
        rows: factors
            .iter()
            .zip(counts)
            .map(|(f, studies)| TallyRow {
                factor: f.id.clone(),
                label: f.label.clone(),
                studies,
            })
            .collect(),
    }
}

impl Tally {
    /// Moves one paper's contribution from `before` to `after`: the same
    /// result as `compute` again, without a pass over every paper.
    pub fn adjust(
        &mut self,
        factors: &[Factor],
        before: Option<&PaperCoding>,
        after: Option<&PaperCoding>,
    ) {
        self.count(factors, before, -1);
        self.count(factors, after, 1);
    }

    fn count(&mut self, factors: &[Factor], coding: Option<&PaperCoding>, sign: isize) {
        let step = |n: &mut usize| *n = n.saturating_add_signed(sign);
        if coding.is_some_and(|c| !c.excluded.is_empty()) {
            step(&mut self.excluded);
            return;
        }
        step(&mut self.papers);
        let mut any = false;
        for (row, f) in self.rows.iter_mut().zip(factors) {
            if coding.is_some_and(|c| c.factors.contains(&f.id)) {
                step(&mut row.studies);
                any = true;
            }
        }
        step(if any {
            &mut self.coded
        } else {
            &mut self.uncoded
        });
    }

    /// Whole-number percent of included papers, rounded half up.
    pub fn percent(&self, studies: usize) -> u32 {
        if self.papers == 0 {
            0
        } else {
            ((studies * 200 + self.papers) / (self.papers * 2)) as u32
        }
    }

    /// Percent with one decimal, for CSV and JSON.
    pub fn percent_exact(&self, studies: usize) -> f64 {
        if self.papers == 0 {
            0.0
        } else {
            (studies as f64 * 1000.0 / self.papers as f64).round() / 10.0
        }
    }

    pub fn to_table(&self) -> String {
        // Labels come from config.toml: shown with control characters
        // escaped, and padded by hand (`{:<w$}` panics past 65,535).
        let labels: Vec<Cow<'_, str>> = self.rows.iter().map(|r| escape_line(&r.label)).collect();
        let label_width = labels
            .iter()
            .map(|l| l.chars().count())
            .chain([7, "uncoded".len()])
            .max()
            .unwrap_or(7);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}  {:>7}  {:>4}",
            pad("factor", label_width),
            "studies",
            "%"
        );
        for (row, label) in self.rows.iter().zip(&labels) {
            let _ = writeln!(
                out,
                "{}  {:>7}  {:>3}%  {}",
                pad(label, label_width),
                row.studies,
                self.percent(row.studies),
                bar(row.studies, self.papers, 20)
            );
        }
        let _ = writeln!(
            out,
            "{}  {:>7}  {:>3}%  {}",
            pad("uncoded", label_width),
            self.uncoded,
            self.percent(self.uncoded),
            bar(self.uncoded, self.papers, 20)
        );
        let _ = writeln!(
            out,
            "\n{} of {} papers coded{}",
            self.coded,
            self.papers,
            self.excluded_note()
        );
        out
    }

    fn excluded_note(&self) -> String {
        match self.excluded {
            0 => String::new(),
            n => format!(" ({n} excluded at full text, not counted)"),
        }
    }

    pub fn to_csv(&self) -> String {
        let mut rows = vec![["factor", "label", "studies", "percent"].map(String::from)];
        for row in &self.rows {
            rows.push([
                row.factor.clone(),
                row.label.clone(),
                row.studies.to_string(),
                format!("{:.1}", self.percent_exact(row.studies)),
            ]);
        }
        rows.push([
            "uncoded".into(),
            "uncoded".into(),
            self.uncoded.to_string(),
            format!("{:.1}", self.percent_exact(self.uncoded)),
        ]);
        csv_text(rows)
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("| Factor | Studies | % |\n|---|---:|---:|\n");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {}% |",
                escape_line(&row.label).replace('|', "\\|"),
                row.studies,
                self.percent(row.studies)
            );
        }
        let _ = writeln!(
            out,
            "| *uncoded* | {} | {}% |",
            self.uncoded,
            self.percent(self.uncoded)
        );
        let _ = writeln!(
            out,
            "\n{} of {} papers coded{}.",
            self.coded,
            self.papers,
            self.excluded_note()
        );
        out
    }

    pub fn to_json(&self) -> String {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "factor": r.factor,
                    "label": r.label,
                    "studies": r.studies,
                    "percent": self.percent_exact(r.studies),
                })
            })
            .collect();
        let value = serde_json::json!({
            "papers": self.papers,
            "coded": self.coded,
            "uncoded": self.uncoded,
            "excluded": self.excluded,
            "factors": rows,
        });
        // Labels come from config.toml: C1 controls escaped too.
        crate::infra::diagnostic::json_safe(
            serde_json::to_string_pretty(&value).unwrap_or_default(),
        ) + "\n"
    }
}

/// A bar of `width` cells: filled for the share, light shade for the rest.
pub fn bar(part: usize, whole: usize, width: usize) -> String {
    let filled = (part * width + whole / 2)
        .checked_div(whole)
        .unwrap_or(0)
        .min(width);
    let mut s = String::with_capacity(width * 3);
    s.extend(std::iter::repeat_n('█', filled));
    s.extend(std::iter::repeat_n('░', width - filled));
    s
}

/// `text` followed by spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let mut s = String::with_capacity(width.max(text.len()));
    s.push_str(text);
    s.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(text.chars().count()),
    ));
    s
}

/// Rows as CSV text, quoted where a cell needs it (by the csv crate, so
/// commas, quotes and line breaks in labels come back as they went in).
/// Cells come from files and go to a terminal: every other control
/// character (ESC, BEL, a carriage return, C1, bidi overrides) is written
/// escaped, as [`escape_text`] shows it.
pub fn csv_text<R, C>(rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Writing into memory cannot fail.
        let cells = row
            .into_iter()
            .map(|c| defused(&escape_text(c.as_ref())).into_owned());
        writer.write_record(cells).ok();
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-`
/// or `@` as a formula (CSV injection: a title or quote from a database
/// could call out to the network). Such text gets a leading apostrophe,
/// which spreadsheets read as "text" and do not show; numbers stay numbers.
fn defused(cell: &str) -> Cow<'_, str> {
    // Tab and carriage return too: a spreadsheet may skip them and run
    // the formula after (OWASP's list).
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_made_text() {
        let out = csv_text([[
            "=HYPERLINK(\"http://x\")",
            "+cmd",
            "@SUM(1)",
            "-3.5",
            "- a dash",
            "plain",
            "\t=cmd",
        ]]);
        assert_eq!(
            out,
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+cmd,'@SUM(1),-3.5,'- a dash,plain,'\t=cmd\n"
        );
    }
    use crate::import::Record;
    use crate::review::config::Origin;
    use crate::review::papers_from_records;

    #[test]
    fn csv_cells_with_commas_quotes_and_line_breaks_read_back_unchanged() {
        let cells = ["plain", "a, b", "say \"hi\"", "two\nlines", "tab\there", ""];
        let text = csv_text([cells]);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let back: Vec<String> = reader
            .records()
            .next()
            .and_then(Result::ok)
            .map(|r| r.iter().map(str::to_string).collect())
            .unwrap_or_default();
        assert_eq!(back, cells);
    }

    #[test]
    fn csv_cells_show_terminal_controls_escaped() {
        let text = csv_text([["a\u{1b}]0;x\u{7}", "cr\ronly", "c1\u{9b}31m", "\u{202e}rtl"]]);
        assert_eq!(
            text,
            "a\\u{1b}]0;x\\u{7},cr\\u{d}only,c1\\u{9b}31m,\\u{202e}rtl\n"
        );
    }
    #[test]
    fn adjusting_one_paper_matches_counting_again() {
        let factors: Vec<Factor> = ["a", "b"]
            .iter()
            .map(|id| Factor {
                id: id.to_string(),
                label: id.to_string(),
                key: None,
                definition: String::new(),
                origin: Origin::APriori,
                merged: Vec::new(),
            })
            .collect();
        let records = (0..4)
            .map(|i| {
                let r = Record {
                    title: format!("Paper number {i} about care"),
                    ..Record::default()
                };
                ("a.ris".to_string(), r)
            })
            .collect();
        let (papers, _) = papers_from_records(records);
        let mut codings = Codings::new("r");
        codings.toggle(&papers[0].id, "a");
        let mut tally = compute(&factors, &papers, &codings);
        type Step = Box<dyn Fn(&mut PaperCoding)>;
        let steps: Vec<Step> = vec![
            Box::new(|c| {
                c.factors.insert("b".into());
            }),
            Box::new(|c| c.excluded = "Wrong outcome".into()),
            Box::new(|c| {
                c.factors.insert("a".into());
            }),
            Box::new(|c| c.excluded.clear()),
            Box::new(|c| c.factors.clear()),
        ];
        for (n, step) in steps.iter().enumerate() {
            let id = &papers[n % 2].id;
            let before = codings.papers.get(id).cloned();
            codings.update(id, |c| step(c));
            tally.adjust(&factors, before.as_ref(), codings.papers.get(id));
            assert_eq!(
                tally,
                compute(&factors, &papers, &codings),
                "after step {n}"
            );
        }
    }
}
