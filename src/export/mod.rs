//! `thema export`: the review's tables and coded papers as files for a
//! paper, a spreadsheet or a reference manager.
//!
//! One format-neutral model feeds every format: [`Export`] (the included
//! papers with what one reviewer coded on them) and the [`Table`]s built from
//! it. Every output is a pure function of the review and the codings: sorted,
//! no timestamps, so the same review always gives byte-identical files.
//! Study characteristics come from `[[characteristics]]` in config.toml
//! (the table is absent when none are declared). Quality appraisal comes
//! from `[appraisal]` (absent when none is declared: each paper's
//! `appraisal` is then empty in JSON). GRADE-CERQual assessments come from
//! cerqual.toml ([`Export::with_cerqual`]): the Summary of Qualitative
//! Findings and the evidence profile list the factors that have one
//! (absent when none has).

mod office;
mod text;

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::keys::action::ExportFormat as Format;
use crate::review::Review;
use crate::review::cerqual::{Assessments, Judgement, Level};
use crate::review::codings::{Codings, PaperCoding};
use crate::review::config::Factor;
use crate::review::tally::{self, Tally};

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Unavailable(String),
    #[error("writing the xlsx workbook: {0}")]
    Xlsx(String),
    #[error("writing the docx document: {0}")]
    Docx(String),
}

/// The tables an export can hold, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum TableKind {
    Tally,
    Matrix,
    Characteristics,
    Appraisal,
    Quotes,
    /// Summary of Qualitative Findings.
    Findings,
    /// CERQual evidence profile.
    Cerqual,
}

impl TableKind {
    pub const ALL: [TableKind; 7] = [
        TableKind::Tally,
        TableKind::Matrix,
        TableKind::Characteristics,
        TableKind::Appraisal,
        TableKind::Quotes,
        TableKind::Findings,
        TableKind::Cerqual,
    ];

    /// The name on the command line and of a CSV file.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Tally => "tally",
            TableKind::Matrix => "matrix",
            TableKind::Characteristics => "characteristics",
            TableKind::Appraisal => "appraisal",
            TableKind::Quotes => "quotes",
            TableKind::Findings => "findings",
            TableKind::Cerqual => "cerqual",
        }
    }

    /// The heading; also the xlsx sheet name, so at most 31 characters.
    pub fn title(self) -> &'static str {
        match self {
            TableKind::Tally => "Thematic tally",
            TableKind::Matrix => "Studies by factor",
            TableKind::Characteristics => "Study characteristics",
            TableKind::Appraisal => "Quality appraisal",
            TableKind::Quotes => "Quotes per factor",
            TableKind::Findings => "Summary of qualitative findings",
            TableKind::Cerqual => "CERQual evidence profile",
        }
    }

    /// Why this table cannot be made from the review, if it cannot;
    /// `characteristics`, `appraisal`: whether the review declares them;
    /// `findings`: whether any factor has a CERQual assessment.
    fn missing(
        self,
        characteristics: bool,
        appraisal: bool,
        findings: bool,
    ) -> Option<&'static str> {
        match self {
            TableKind::Tally | TableKind::Matrix | TableKind::Quotes => None,
            TableKind::Characteristics if characteristics => None,
            TableKind::Characteristics => {
                Some("no study characteristics are declared in config.toml")
            }
            TableKind::Appraisal if appraisal => None,
            TableKind::Appraisal => Some("no quality appraisal is declared in config.toml"),
            TableKind::Findings | TableKind::Cerqual if findings => None,
            TableKind::Findings => Some(
                "no factor has a CERQual assessment in cerqual.toml yet (c in the codebook view writes one), so there is no Summary of Qualitative Findings",
            ),
            TableKind::Cerqual => Some(
                "no factor has a CERQual assessment in cerqual.toml yet (c in the codebook view writes one), so there is no evidence profile",
            ),
        }
    }
}

/// One cell of a table: numbers stay numbers in a spreadsheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(usize),
    /// A percentage with one decimal.
    Percent(f64),
    /// A number as recorded (a sample size): whole ones without decimals.
    Number(f64),
}

impl Cell {
    /// The cell as text, as md, html, csv and docx show it.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Percent(p) => format!("{p:.1}"),
            Cell::Number(n) => n.to_string(),
        }
    }
}

/// A table in no particular format.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub kind: TableKind,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// A line under the table ("7 of 8 papers coded").
    pub note: String,
}

/// A quote as the export shows it, whatever the codings file stores.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QuoteView {
    /// The factor id it supports; "" when not assigned to one.
    pub factor: String,
    pub text: String,
    /// Where in the paper ("p. 4"); "" when not given.
    pub location: String,
    pub comment: String,
}

/// The one place the export reads quotes: a paper's quotes in the order
/// the reviewer recorded them, under the factor each supports ("" for a
/// quote not assigned to one; a quote under a factor merged away counts as
/// the factor it became).
pub fn quotes_of(coding: &PaperCoding) -> Vec<QuoteView> {
    coding
        .quotes
        .iter()
        .filter(|q| !q.text.trim().is_empty())
        .map(|q| QuoteView {
            factor: q.factor.clone(),
            text: q.text.clone(),
            location: q.location.clone(),
            comment: q.comment.clone(),
        })
        .collect()
}

/// The JSON document's `papers[]` entry: one included paper.
#[derive(Clone, Debug, Serialize)]
pub struct PaperExport {
    pub id: String,
    /// "Walshe 2008".
    pub short_cite: String,
    /// A full reference: authors (year). Title. Journal volume(issue):pages. doi.
    pub citation: String,
    pub authors: Vec<String>,
    pub year: Option<u16>,
    pub title: String,
    pub journal: String,
    pub volume: String,
    pub issue: String,
    pub pages: String,
    pub doi: String,
    pub pmid: String,
    pub url: String,
    /// Factor ids, in codebook order.
    pub factors: Vec<String>,
    pub quotes: Vec<QuoteView>,
    pub note: String,
    pub flagged: bool,
    /// Study characteristics recorded, by field id: text and one_of as a
    /// string, number as a number, several_of as a list of strings. Only
    /// fields config.toml declares.
    pub characteristics: BTreeMap<String, serde_json::Value>,
    /// Appraisal answers and comments by checklist item id (items the
    /// checklist declares, answered or commented); empty when the review
    /// declares no appraisal.
    pub appraisal: BTreeMap<String, AppraisalAnswer>,
    /// The record's RIS type when it had one ("JOUR"), for RIS out.
    #[serde(skip)]
    kind: String,
    #[serde(skip)]
    abstract_text: String,
    #[serde(skip)]
    record_authors: Vec<(String, String)>,
    #[serde(skip)]
    journal_abbrev: String,
    #[serde(skip)]
    start_page: String,
    #[serde(skip)]
    end_page: String,
    #[serde(skip)]
    language: String,
}

/// One paper's answer to one appraisal item ("" when only commented).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AppraisalAnswer {
    pub answer: String,
    pub comment: String,
}

/// The JSON document's `appraisal`: the checklist the answers are to.
#[derive(Clone, Debug, Serialize)]
pub struct AppraisalExport {
    pub title: String,
    /// The bundled template's name; "" for the review's own checklist.
    pub template: String,
    /// The template's licence, citation and source ("" for the review's own).
    pub licence: String,
    pub citation: String,
    pub source: String,
    pub items: Vec<AppraisalItemExport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AppraisalItemExport {
    pub id: String,
    pub number: String,
    pub question: String,
    pub answers: Vec<String>,
}

/// The JSON document's `factors[]` entry.
#[derive(Clone, Debug, Serialize)]
pub struct FactorExport {
    pub id: String,
    pub label: String,
    pub definition: String,
    pub origin: &'static str,
    /// Included papers coded with it.
    pub papers: usize,
    /// Their share of included papers, in percent with one decimal.
    pub percent: f64,
}

/// The JSON document's `review`.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewExport {
    pub title: String,
    pub question: String,
    pub reviewer: String,
    /// Included papers (not excluded at full text).
    pub papers: usize,
    pub coded: usize,
    pub uncoded: usize,
    pub excluded: usize,
}

/// Everything an export holds: the JSON document, and what every table is
/// built from. Key order is the field order, fixed.
#[derive(Clone, Debug, Serialize)]
pub struct Export {
    /// "thema-export/1": bumped when a key changes meaning or goes away.
    pub schema: &'static str,
    pub review: ReviewExport,
    pub factors: Vec<FactorExport>,
    /// The declared study characteristics, in config.toml order.
    pub characteristics: Vec<CharacteristicExport>,
    /// The quality appraisal checklist; null when none is declared.
    pub appraisal: Option<AppraisalExport>,
    pub papers: Vec<PaperExport>,
    /// One per factor with a GRADE-CERQual assessment, in codebook order.
    pub findings: Vec<FindingExport>,
    #[serde(skip)]
    tally: Tally,
}

/// One judgement of a finding in JSON: the level's id ("minor"; "" when
/// not assessed), its label, and the explanation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct JudgementExport {
    pub level: &'static str,
    pub label: &'static str,
    pub explanation: String,
}

impl JudgementExport {
    fn of<L: Level>(j: &Judgement<L>) -> JudgementExport {
        JudgementExport {
            level: j.level.map_or("", |l| l.id()),
            label: j.level.map_or("", |l| l.label()),
            explanation: j.explanation.clone(),
        }
    }

    /// "Minor concerns: one study disagrees" (the level, or the
    /// explanation, alone when the other is missing).
    fn cell(&self) -> String {
        match (self.label, self.explanation.as_str()) {
            ("", why) => why.to_string(),
            (label, "") => label.to_string(),
            (label, why) => format!("{label}: {why}"),
        }
    }
}

/// The JSON document's `findings[]` entry: one factor's review finding
/// and the confidence in it.
#[derive(Clone, Debug, Serialize)]
pub struct FindingExport {
    /// The factor id.
    pub factor: String,
    pub label: String,
    pub finding: String,
    pub methodological_limitations: JudgementExport,
    pub coherence: JudgementExport,
    pub adequacy: JudgementExport,
    pub relevance: JudgementExport,
    pub overall: JudgementExport,
    /// The contributing studies: ids of the included papers coded with
    /// the factor, in the export's paper order.
    pub studies: Vec<String>,
    /// Their short citations, in the same order.
    pub citations: Vec<String>,
}

/// The JSON document's `characteristics[]` entry: one declared field.
#[derive(Clone, Debug, Serialize)]
pub struct CharacteristicExport {
    pub id: String,
    pub label: String,
    /// text, number, one_of or several_of.
    pub kind: &'static str,
    /// The allowed values (one_of, several_of); empty otherwise.
    pub values: Vec<String>,
    pub definition: String,
}

pub const SCHEMA: &str = "thema-export/1";

impl Export {
    /// The included papers of `review` with what `codings` holds for them,
    /// sorted by citation then id (the same order every time).
    pub fn new(review: &Review, codings: &Codings) -> Export {
        let factors = &review.config.factors;
        let tally = tally::compute(factors, &review.papers, codings);
        let empty = PaperCoding::default();
        let mut papers: Vec<(String, PaperExport)> = review
            .papers
            .iter()
            .filter_map(|paper| {
                let coding = codings.papers.get(&paper.id).unwrap_or(&empty);
                if !coding.excluded.is_empty() {
                    return None;
                }
                let r = &paper.record;
                let pages = match (r.start_page.as_str(), r.end_page.as_str()) {
                    ("", "") => String::new(),
                    (s, "") | ("", s) => s.to_string(),
                    (s, e) => format!("{s}–{e}"),
                };
                let authors: Vec<String> = r
                    .authors
                    .iter()
                    .map(|a| {
                        if a.given.is_empty() {
                            a.family.clone()
                        } else {
                            format!("{}, {}", a.family, a.given)
                        }
                    })
                    .collect();
                let short_cite = paper.short_cite();
                let export = PaperExport {
                    id: paper.id.clone(),
                    citation: citation(paper, &pages),
                    authors,
                    year: r.year,
                    title: r.title.clone(),
                    journal: r.journal.clone(),
                    volume: r.volume.clone(),
                    issue: r.issue.clone(),
                    pages,
                    doi: r.doi.clone(),
                    pmid: r.pmid.clone(),
                    url: r.url.clone(),
                    factors: factors
                        .iter()
                        .filter(|f| coding.factors.contains(&f.id))
                        .map(|f| f.id.clone())
                        .collect(),
                    quotes: quotes_of(coding),
                    note: coding.note.clone(),
                    flagged: coding.flagged,
                    characteristics: review
                        .config
                        .characteristics
                        .iter()
                        .filter(|ch| crate::review::characteristics::recorded(coding, &ch.id))
                        .filter_map(|ch| {
                            let v = coding.characteristics.get(&ch.id)?;
                            Some((ch.id.clone(), serde_json::to_value(v).ok()?))
                        })
                        .collect(),
                    appraisal: appraisal_of(review.config.appraisal.as_ref(), coding),
                    kind: r.kind.clone(),
                    abstract_text: paper.abstract_text.to_string(),
                    record_authors: r
                        .authors
                        .iter()
                        .map(|a| (a.family.clone(), a.given.clone()))
                        .collect(),
                    journal_abbrev: r.journal_abbrev.clone(),
                    start_page: r.start_page.clone(),
                    end_page: r.end_page.clone(),
                    language: r.language.clone(),
                    short_cite: short_cite.clone(),
                };
                Some((short_cite.to_lowercase(), export))
            })
            .collect();
        papers.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.title.cmp(&b.1.title))
                .then_with(|| a.1.id.cmp(&b.1.id))
        });
        Export {
            schema: SCHEMA,
            review: ReviewExport {
                title: review.config.title.clone(),
                question: review.config.question.clone(),
                reviewer: codings.reviewer.clone(),
                papers: tally.papers,
                coded: tally.coded,
                uncoded: tally.uncoded,
                excluded: tally.excluded,
            },
            factors: factors
                .iter()
                .zip(&tally.rows)
                .map(|(f, row)| FactorExport {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    definition: f.definition.clone(),
                    origin: origin_name(f),
                    papers: row.studies,
                    percent: tally.percent_exact(row.studies),
                })
                .collect(),
            characteristics: review
                .config
                .characteristics
                .iter()
                .map(|c| CharacteristicExport {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    kind: c.kind.name(),
                    values: c.values.clone(),
                    definition: c.definition.clone(),
                })
                .collect(),
            appraisal: review.config.appraisal.as_ref().map(|c| AppraisalExport {
                title: c.title.clone(),
                template: c.template.clone(),
                licence: c.licence.clone(),
                citation: c.citation.clone(),
                source: c.source.clone(),
                items: c
                    .items
                    .iter()
                    .map(|i| AppraisalItemExport {
                        id: i.id.clone(),
                        number: i.number.clone(),
                        question: i.question.clone(),
                        answers: i.answers.clone(),
                    })
                    .collect(),
            }),
            papers: papers.into_iter().map(|(_, p)| p).collect(),
            findings: Vec::new(),
            tally,
        }
    }

    /// The GRADE-CERQual assessments of `assessments` for the codebook's
    /// factors (in its order), each with its contributing studies: the
    /// included papers coded with the factor. An assessment of a factor
    /// not in the codebook is left out (`thema check` reports it).
    pub fn with_cerqual(mut self, assessments: &Assessments) -> Export {
        self.findings = self
            .factors
            .iter()
            .filter_map(|f| {
                let a = assessments.get(&f.id)?;
                let (studies, citations) = self
                    .papers
                    .iter()
                    .filter(|p| p.factors.contains(&f.id))
                    .map(|p| (p.id.clone(), p.short_cite.clone()))
                    .unzip();
                Some(FindingExport {
                    factor: f.id.clone(),
                    label: f.label.clone(),
                    finding: a.finding.clone(),
                    methodological_limitations: JudgementExport::of(&a.methodological_limitations),
                    coherence: JudgementExport::of(&a.coherence),
                    adequacy: JudgementExport::of(&a.adequacy),
                    relevance: JudgementExport::of(&a.relevance),
                    overall: JudgementExport::of(&a.overall),
                    studies,
                    citations,
                })
            })
            .collect();
        self
    }

    /// The tables asked for (`None`: every table the review has data for).
    /// Asking for one it has no data for is an error saying what is missing.
    pub fn tables(&self, asked: Option<&[TableKind]>) -> Result<Vec<Table>, ExportError> {
        let has = !self.characteristics.is_empty();
        let appraisal = self.appraisal.is_some();
        let findings = !self.findings.is_empty();
        let kinds: Vec<TableKind> = match asked {
            None => TableKind::ALL
                .into_iter()
                .filter(|k| k.missing(has, appraisal, findings).is_none())
                .collect(),
            Some(asked) => {
                if let Some(why) = asked
                    .iter()
                    .find_map(|k| k.missing(has, appraisal, findings))
                {
                    return Err(ExportError::Unavailable(why.to_string()));
                }
                let mut kinds = asked.to_vec();
                kinds.sort();
                kinds.dedup();
                kinds
            }
        };
        Ok(kinds.into_iter().filter_map(|k| self.table(k)).collect())
    }

    fn table(&self, kind: TableKind) -> Option<Table> {
        let (columns, rows, note) = match kind {
            TableKind::Tally => self.tally_table(),
            TableKind::Matrix => self.matrix_table(),
            TableKind::Quotes => self.quotes_table(),
            TableKind::Characteristics => self.characteristics_table(),
            TableKind::Appraisal => self.appraisal_table()?,
            TableKind::Findings => self.findings_table(),
            TableKind::Cerqual => self.cerqual_table(),
        };
        Some(Table {
            kind,
            title: kind.title().to_string(),
            columns,
            rows,
            note,
        })
    }

    fn coded_note(&self) -> String {
        let t = &self.tally;
        let excluded = match t.excluded {
            0 => String::new(),
            n => format!(" ({n} excluded at full text, not counted)"),
        };
        format!(
            "{} of {} included papers coded{excluded}; reviewer {}.",
            t.coded, t.papers, self.review.reviewer
        )
    }

    fn tally_table(&self) -> (Vec<String>, Vec<Vec<Cell>>, String) {
        let t = &self.tally;
        let mut rows: Vec<Vec<Cell>> = self
            .factors
            .iter()
            .map(|f| {
                vec![
                    Cell::Text(f.label.clone()),
                    Cell::Count(f.papers),
                    Cell::Percent(f.percent),
                ]
            })
            .collect();
        rows.push(vec![
            Cell::Text("uncoded".into()),
            Cell::Count(t.uncoded),
            Cell::Percent(t.percent_exact(t.uncoded)),
        ]);
        let columns = ["Factor", "Papers", "Share (%)"].map(String::from).to_vec();
        (columns, rows, self.coded_note())
    }

    fn matrix_table(&self) -> (Vec<String>, Vec<Vec<Cell>>, String) {
        let mut columns = vec!["Study".to_string(), "Title".to_string()];
        columns.extend(self.factors.iter().map(|f| f.label.clone()));
        let rows = self
            .papers
            .iter()
            .map(|p| {
                let mut row = Vec::with_capacity(columns.len());
                row.push(Cell::Text(p.short_cite.clone()));
                row.push(Cell::Text(p.title.clone()));
                for f in &self.factors {
                    let coded = p.factors.contains(&f.id);
                    let quotes = p.quotes.iter().filter(|q| q.factor == f.id).count();
                    row.push(Cell::Text(match (coded, quotes) {
                        (false, 0) => String::new(),
                        (true, 0) => "✓".to_string(),
                        (true, n) => format!("✓ ({n})"),
                        (false, n) => format!("({n})"),
                    }));
                }
                row
            })
            .collect();
        let note = format!(
            "✓ = coded with the factor; (n) = quotes supporting it. {}",
            self.coded_note()
        );
        (columns, rows, note)
    }

    /// One row per included paper: "Aitken 2006", then each declared
    /// characteristic (a list joined with "; ", empty when not recorded).
    fn characteristics_table(&self) -> (Vec<String>, Vec<Vec<Cell>>, String) {
        let mut columns = vec!["Study".to_string()];
        columns.extend(self.characteristics.iter().map(|c| c.label.clone()));
        let mut recorded = 0;
        let rows = self
            .papers
            .iter()
            .map(|p| {
                if !p.characteristics.is_empty() {
                    recorded += 1;
                }
                let mut row = Vec::with_capacity(columns.len());
                row.push(Cell::Text(p.short_cite.clone()));
                for c in &self.characteristics {
                    row.push(match p.characteristics.get(&c.id) {
                        None => Cell::Text(String::new()),
                        Some(serde_json::Value::Number(n)) => n
                            .as_f64()
                            .map(Cell::Number)
                            .unwrap_or_else(|| Cell::Text(n.to_string())),
                        Some(serde_json::Value::String(s)) => Cell::Text(s.clone()),
                        Some(serde_json::Value::Array(items)) => Cell::Text(
                            items
                                .iter()
                                .map(|v| {
                                    v.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| v.to_string())
                                })
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                        Some(other) => Cell::Text(other.to_string()),
                    });
                }
                row
            })
            .collect();
        let note = format!(
            "Characteristics recorded for {recorded} of {} included papers; reviewer {}.",
            self.papers.len(),
            self.review.reviewer
        );
        (columns, rows, note)
    }

    /// One row per included paper: "Aitken 2006", its answer to each item
    /// (a column per item, headed by its number; empty when unanswered),
    /// then its comments in one cell ("1: aims on p. 2; 3: …"), so the
    /// table stays one table in every format.
    fn appraisal_table(&self) -> Option<(Vec<String>, Vec<Vec<Cell>>, String)> {
        let checklist = self.appraisal.as_ref()?;
        let mut columns = vec!["Study".to_string()];
        columns.extend(checklist.items.iter().map(|i| i.number.clone()));
        columns.push("Comments".into());
        let mut appraised = 0;
        let rows = self
            .papers
            .iter()
            .map(|p| {
                if p.appraisal.values().any(|a| !a.answer.is_empty()) {
                    appraised += 1;
                }
                let mut row = Vec::with_capacity(columns.len());
                row.push(Cell::Text(p.short_cite.clone()));
                let mut comments = Vec::new();
                for item in &checklist.items {
                    let a = p.appraisal.get(&item.id);
                    row.push(Cell::Text(a.map(|a| a.answer.clone()).unwrap_or_default()));
                    if let Some(a) = a.filter(|a| !a.comment.is_empty()) {
                        comments.push(format!("{}: {}", item.number, a.comment));
                    }
                }
                row.push(Cell::Text(comments.join("; ")));
                row
            })
            .collect();
        let items: Vec<String> = checklist
            .items
            .iter()
            .map(|i| format!("{} = {}", i.number, i.question))
            .collect();
        let mut note = format!(
            "{}: {}. Appraised {appraised} of {} included papers; reviewer {}.",
            checklist.title,
            items.join("; "),
            self.papers.len(),
            self.review.reviewer
        );
        if !checklist.citation.is_empty() {
            note.push_str(&format!(
                " Checklist: {} Licence: {}.",
                checklist.citation, checklist.licence
            ));
        }
        Some((columns, rows, note))
    }

    fn quotes_table(&self) -> (Vec<String>, Vec<Vec<Cell>>, String) {
        let mut rows = Vec::new();
        let groups = self
            .factors
            .iter()
            .map(|f| (f.id.as_str(), f.label.as_str()))
            .chain([("", "(not assigned to a factor)")]);
        for (id, label) in groups {
            for p in &self.papers {
                for q in p.quotes.iter().filter(|q| q.factor == id) {
                    rows.push(vec![
                        Cell::Text(label.to_string()),
                        Cell::Text(p.short_cite.clone()),
                        Cell::Text(q.location.clone()),
                        Cell::Text(q.text.clone()),
                        Cell::Text(q.comment.clone()),
                    ]);
                }
            }
        }
        let columns = ["Factor", "Study", "Location", "Quote", "Comment"]
            .map(String::from)
            .to_vec();
        let note = format!("{} quotes. {}", rows.len(), self.coded_note());
        (columns, rows, note)
    }

    /// Under each CERQual table: how many factors are assessed, and which
    /// are not.
    fn findings_note(&self) -> String {
        let missing: Vec<&str> = self
            .factors
            .iter()
            .filter(|f| !self.findings.iter().any(|a| a.factor == f.id))
            .map(|f| f.label.as_str())
            .collect();
        let mut note = format!(
            "GRADE-CERQual: {} of {} factors assessed",
            self.findings.len(),
            self.factors.len()
        );
        if !missing.is_empty() {
            note.push_str(&format!(" (not assessed: {})", missing.join(", ")));
        }
        note.push_str(&format!(
            ". Contributing studies: included papers coded with the factor by reviewer {}.",
            self.review.reviewer
        ));
        note
    }

    /// The Summary of Qualitative Findings: one row per assessed factor.
    fn findings_table(&self) -> (Vec<String>, Vec<Vec<Cell>>, String) {
        let rows = self
            .findings
            .iter()
            .map(|a| {
                vec![
                    Cell::Text(a.label.clone()),
                    Cell::Text(a.finding.clone()),
                    Cell::Text(a.overall.label.to_string()),
                    Cell::Text(a.overall.explanation.clone()),
                    Cell::Text(a.citations.join("; ")),
                ]
            })
            .collect();
        let columns = [
            "Factor",
            "Review finding",
            "CERQual assessment of confidence",
            "Explanation of CERQual assessment",
            "Studies contributing to the review finding",
        ]
        .map(String::from)
        .to_vec();
        (columns, rows, self.findings_note())
    }

    /// The CERQual evidence profile: each component's level and why, then
    /// the overall confidence, per assessed factor.
    fn cerqual_table(&self) -> (Vec<String>, Vec<Vec<Cell>>, String) {
        let rows = self
            .findings
            .iter()
            .map(|a| {
                vec![
                    Cell::Text(a.label.clone()),
                    Cell::Text(a.finding.clone()),
                    Cell::Text(a.methodological_limitations.cell()),
                    Cell::Text(a.coherence.cell()),
                    Cell::Text(a.adequacy.cell()),
                    Cell::Text(a.relevance.cell()),
                    Cell::Text(a.overall.label.to_string()),
                    Cell::Text(a.overall.explanation.clone()),
                    Cell::Text(a.citations.join("; ")),
                ]
            })
            .collect();
        let columns = [
            "Factor",
            "Review finding",
            "Methodological limitations",
            "Coherence",
            "Adequacy",
            "Relevance",
            "CERQual assessment of confidence",
            "Explanation of CERQual assessment",
            "Contributing studies",
        ]
        .map(String::from)
        .to_vec();
        (columns, rows, self.findings_note())
    }

    fn factor_label(&self, id: &str) -> Option<&str> {
        self.factors
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.label.as_str())
    }
}

/// A paper's appraisal as the export shows it: the items the checklist
/// declares that are answered or commented.
fn appraisal_of(
    checklist: Option<&crate::review::appraisal::Checklist>,
    coding: &PaperCoding,
) -> BTreeMap<String, AppraisalAnswer> {
    let Some(checklist) = checklist else {
        return BTreeMap::new();
    };
    checklist
        .items
        .iter()
        .filter_map(|item| {
            let answer = coding.appraisal.get(&item.id);
            let comment = coding.appraisal_comments.get(&item.id);
            (answer.is_some() || comment.is_some()).then(|| {
                (
                    item.id.clone(),
                    AppraisalAnswer {
                        answer: answer.cloned().unwrap_or_default(),
                        comment: comment.cloned().unwrap_or_default(),
                    },
                )
            })
        })
        .collect()
}

fn origin_name(f: &Factor) -> &'static str {
    match f.origin {
        crate::review::config::Origin::APriori => "a-priori",
        crate::review::config::Origin::Emergent => "emergent",
    }
}

/// "Walshe C, Todd C (2008). Title. Journal 12(3):45–67. doi:10.1/x"
fn citation(paper: &crate::review::Paper, pages: &str) -> String {
    let r = &paper.record;
    let mut out = String::new();
    let names: Vec<String> = r
        .authors
        .iter()
        .map(|a| {
            let initials: String = a
                .given
                .split([' ', '.', '-'])
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_alphabetic())
                .collect();
            if initials.is_empty() {
                a.family.clone()
            } else {
                format!("{} {initials}", a.family)
            }
        })
        .collect();
    if names.is_empty() {
        out.push_str("Anon");
    } else {
        out.push_str(&names.join(", "));
    }
    match r.year {
        Some(y) => out.push_str(&format!(" ({y}). ")),
        None => out.push_str(" (n.d.). "),
    }
    let title = r.title.trim().trim_end_matches('.');
    if !title.is_empty() {
        out.push_str(title);
        out.push_str(". ");
    }
    if !r.journal.is_empty() {
        out.push_str(&r.journal);
        if !r.volume.is_empty() {
            out.push(' ');
            out.push_str(&r.volume);
        }
        if !r.issue.is_empty() {
            out.push_str(&format!("({})", r.issue));
        }
        if !pages.is_empty() {
            out.push(':');
            out.push_str(pages);
        }
        out.push_str(". ");
    }
    if !r.doi.is_empty() {
        out.push_str("doi:");
        out.push_str(&r.doi);
    }
    out.trim_end().to_string()
}

/// Renders `tables` (for table formats) or the whole export (json, ris)
/// as one file's bytes; csv gives one file per table, so use
/// [`render_csv`] for it.
pub fn render(export: &Export, tables: &[Table], format: Format) -> Result<Vec<u8>, ExportError> {
    Ok(match format {
        Format::Md => text::markdown(export, tables).into_bytes(),
        Format::Html => text::html(export, tables).into_bytes(),
        Format::Csv => match tables {
            [one] => text::csv(one).into_bytes(),
            _ => {
                return Err(ExportError::Unavailable(
                    "csv holds one table per file: pass --out DIR for several, or --tables NAME"
                        .into(),
                ));
            }
        },
        Format::Json => text::json(export).into_bytes(),
        Format::Ris => text::ris(export).into_bytes(),
        Format::Xlsx => office::xlsx(tables)?,
        Format::Docx => office::docx(export, tables)?,
    })
}

/// One CSV text per table, named `<table>.csv`.
pub fn render_csv(tables: &[Table]) -> Vec<(String, Vec<u8>)> {
    tables
        .iter()
        .map(|t| (format!("{}.csv", t.kind.name()), text::csv(t).into_bytes()))
        .collect()
}

/// What the workbench's "export" writes: every table in `format`, as
/// files named for `reviewer` (`<reviewer>-all.<ext>`; csv:
/// `<reviewer>-<table>.csv`), relative to the review's exports/ folder.
pub fn files_for_workbench(
    review: &Review,
    codings: &Codings,
    assessments: &Assessments,
    format: Format,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let export = Export::new(review, codings).with_cerqual(assessments);
    let tables = export.tables(None).map_err(|e| e.to_string())?;
    let reviewer = &codings.reviewer;
    if format == Format::Csv {
        return Ok(render_csv(&tables)
            .into_iter()
            .map(|(name, bytes)| (format!("{reviewer}-{name}"), bytes))
            .collect());
    }
    let bytes = render(&export, &tables, format).map_err(|e| e.to_string())?;
    Ok(vec![(format!("{reviewer}-all.{}", format.ext()), bytes)])
}

/// Text for XML (html, xlsx, docx): characters XML 1.0 forbids (C0
/// controls but tab and line breaks, U+FFFE, U+FFFF) and C1 controls
/// become U+FFFD, so the file always parses and shows where they were.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // Bidi overrides too, as every other format escapes them: they would
    // reorder what a terminal or a page shows.
    let bad = |c: char| {
        (crate::infra::diagnostic::acts_on_terminal(c) && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| if bad(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Record;

    #[test]
    fn xml_text_holds_no_control_or_bidi_override_but_keeps_layout() {
        assert_eq!(
            xml_safe("a\u{1b}[31m b\u{202e}c\u{2066}d\te\nf"),
            "a\u{fffd}[31m b\u{fffd}c\u{fffd}d\te\nf"
        );
        assert!(matches!(xml_safe("plain é"), std::borrow::Cow::Borrowed(_)));
    }
    use crate::keys::keymap::Keymap;
    use crate::review::config::{Config, Origin};
    use crate::review::papers_from_records;

    fn review() -> Review {
        let factors = ["trust", "roles"]
            .map(|id| Factor {
                id: id.into(),
                label: id.to_uppercase(),
                key: None,
                definition: String::new(),
                origin: Origin::Emergent,
                merged: Vec::new(),
            })
            .to_vec();
        let config = Config {
            dir: std::path::PathBuf::from("."),
            title: "T".into(),
            short_title: String::new(),
            question: String::new(),
            highlight: Vec::new(),
            exclusion_reasons: Vec::new(),
            codings_dir: std::path::PathBuf::from("codings"),
            sources: Vec::new(),
            factors,
            characteristics: Vec::new(),
            appraisal: None,
            key_overrides: Vec::new(),
            factor_keys: Vec::new(),
        };
        let records = ["Beta study of care", "Alpha study of care"]
            .iter()
            .map(|t| {
                let r = Record {
                    title: t.to_string(),
                    ..Record::default()
                };
                ("a.ris".to_string(), r)
            })
            .collect();
        let (papers, _) = papers_from_records(records);
        Review::from_parts(config, Keymap::defaults(), papers)
    }

    #[test]
    fn quotes_assigned_to_factors_are_counted_and_grouped_in_codebook_order() {
        let review = review();
        let mut codings = Codings::new("r");
        for p in review.papers.iter() {
            codings.toggle(&p.id, "roles");
        }
        let mut export = Export::new(&review, &codings);
        // Sorted by citation, then title: Alpha before Beta.
        assert_eq!(export.papers[0].title, "Alpha study of care");
        let q = |factor: &str, text: &str| QuoteView {
            factor: factor.into(),
            text: text.into(),
            location: "p. 2".into(),
            comment: String::new(),
        };
        export.papers[0].quotes = vec![q("roles", "r1"), q("roles", "r2"), q("", "loose")];
        export.papers[1].quotes = vec![q("trust", "t1")];
        let tables = export.tables(None).expect("tables");
        let matrix = &tables[1];
        assert_eq!(matrix.columns[2..], ["TRUST", "ROLES"]);
        let cells: Vec<Vec<String>> = matrix
            .rows
            .iter()
            .map(|r| r[2..].iter().map(Cell::text).collect())
            .collect();
        assert_eq!(cells, [["", "✓ (2)"], ["(1)", "✓"]]);
        let quotes: Vec<(String, String)> = tables[2]
            .rows
            .iter()
            .map(|r| (r[0].text(), r[3].text()))
            .collect();
        let expect = [
            ("TRUST", "t1"),
            ("ROLES", "r1"),
            ("ROLES", "r2"),
            ("(not assigned to a factor)", "loose"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(quotes, expect);
        let ris = text::ris(&export);
        assert!(
            ris.contains("KW  - ROLES\nN1  - ROLES: r1 (p. 2)\n"),
            "{ris}"
        );
        assert!(ris.contains("N1  - loose (p. 2)\n"), "{ris}");
    }
}
