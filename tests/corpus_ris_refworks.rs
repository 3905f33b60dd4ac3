//! Sweeps the shared corpus of real RIS and RefWorks exports (if present) and
//! checks that each file is detected as its format and loads the number of
//! records the corpus manifest expects. The corpus lives outside the repo
//! (`../shared/corpus`), so the sweep is skipped when it is absent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use thema::import::{Format, ImportError, decode, detect, read_file};

/// Files whose record count differs from the manifest on purpose:
/// (path in the manifest, records thema loads, why).
const EXCEPTIONS: &[(&str, usize, &str)] = &[
    (
        "ris/jabref__RisImporterTest1.ris",
        2,
        "deliberately malformed: 11 TY lines and no ER until the end. Every TY \
         starts a record (needed for colrev__ris_data.ris, whose first record \
         lacks ER); the runs of bare TY lines are skipped as empty, and two \
         records with content remain (one ends at `TY - OTHER`, the `TY - THES` \
         one has a DOI in UR). JabRef's own test expects 1.",
    ),
    (
        "ris/asreview__baseline_tag-notes.ris",
        1,
        "ASReview's notes test: 11 of the 12 records hold only N1 notes (no \
         title, author or DOI), so they are skipped with a problem each.",
    ),
    (
        "ris/rispy__example_multiline.ris",
        0,
        "3 records holding only N1/N2 notes: no title, author or DOI, so each \
         is skipped with a problem (records a reviewer could never identify).",
    ),
    (
        "refworks/plugin-refworks__suite.js-input11-raw-date.txt",
        0,
        "citation-js mapping snippet: `RT` + `FD` only, no title/author/DOI; skipped with a problem.",
    ),
    (
        "refworks/plugin-refworks__suite.js-input12-year-and-season.txt",
        0,
        "citation-js mapping snippet: `RT` + `YR`/`FD` only, no title/author/DOI; skipped with a problem.",
    ),
    (
        "refworks/plugin-refworks__suite.js-input15-print-medium.txt",
        0,
        "citation-js mapping snippet: `RT` + `SR` only, no title/author/DOI; skipped with a problem.",
    ),
    (
        "refworks/plugin-refworks__suite.js-input16-Unmapped-type.txt",
        0,
        "citation-js mapping snippet: a lone `RT Abstract` line; skipped with a problem.",
    ),
];

/// The format a manifest row should be read as, if it is one of ours.
/// Besides the `ris` and `refworks` rows, files filed under `other` whose
/// notes say they are "actually RIS" (JabRef's IEEE sample) count as RIS.
fn our_format(format: &str, notes: &str) -> Option<Format> {
    match format {
        "ris" => Some(Format::Ris),
        "refworks" => Some(Format::Refworks),
        "other" if notes.contains("actually RIS") => Some(Format::Ris),
        _ => None,
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

#[test]
fn corpus_sweep() {
    let dir = corpus_dir();
    let manifest = dir.join("MANIFEST.tsv");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        println!("corpus sweep skipped: ../shared/corpus not found");
        return;
    };
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("MANIFEST.tsv has no `{name}` column"))
    };
    let (c_path, c_format, c_expected, c_notes, c_basis) = (
        col("path"),
        col("format"),
        col("expected_records"),
        col("notes"),
        col("count_basis"),
    );
    let exceptions: HashMap<&str, (usize, &str)> = EXCEPTIONS
        .iter()
        .map(|(path, n, why)| (*path, (*n, *why)))
        .collect();

    let (mut passed, mut excepted, mut negatives) = (0, 0, 0);
    let mut failures: Vec<String> = Vec::new();
    for row in rows.filter(|r| !r.trim().is_empty()) {
        let cells: Vec<&str> = row.split('\t').collect();
        let cell = |i: usize| cells.get(i).copied().unwrap_or_default();
        let (rel, format) = (cell(c_path), cell(c_format));
        let path = dir.join(rel);

        let notes = format!("{} {}", cell(c_notes), cell(c_basis));
        let expected = cell(c_expected).parse::<usize>().ok();
        let Some(expected_format) = our_format(format, &notes) else {
            // Files in other formats must not be mistaken for ours.
            let Ok(bytes) = std::fs::read(&path) else {
                failures.push(format!("{rel}: listed but cannot be read"));
                continue;
            };
            if let Some(f @ (Format::Ris | Format::Refworks)) = detect(&decode(&bytes)) {
                failures.push(format!("{rel}: a `{format}` file detected as {f}"));
            }
            negatives += 1;
            continue;
        };

        let (detected, parsed) = match read_file(&path, None) {
            Ok(ok) => ok,
            // A broken fixture with no intact record (e.g. RIS fields without
            // any TY line) need not be recognised; forced, it must load nothing.
            Err(ImportError::UnknownFormat { .. }) if expected == Some(0) => {
                match read_file(&path, Some(expected_format)) {
                    Ok((_, parsed)) if parsed.records.is_empty() => passed += 1,
                    other => failures.push(format!("{rel}: not recognised, forced: {other:?}")),
                }
                continue;
            }
            Err(err) => {
                failures.push(format!("{rel}: {err}"));
                continue;
            }
        };
        if detected != expected_format {
            failures.push(format!(
                "{rel}: detected {detected}, manifest says {format}"
            ));
            continue;
        }
        let got = parsed.records.len();
        if let Some((n, why)) = exceptions.get(rel) {
            if got == *n {
                excepted += 1;
                println!("exception {rel}: {got} records ({why})");
            } else {
                failures.push(format!(
                    "{rel}: {got} records, the exception list says {n}; update it"
                ));
            }
            continue;
        }
        match expected {
            Some(expected) if expected != got => failures.push(format!(
                "{rel}: {got} records, manifest expects {expected}; problems: {:?}",
                parsed.problems.iter().take(5).collect::<Vec<_>>()
            )),
            _ => passed += 1,
        }
    }

    println!(
        "corpus sweep: {passed} RIS/RefWorks files match the manifest, {excepted} documented \
         exceptions, {negatives} files of other formats not mistaken for RIS/RefWorks"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        passed > 0,
        "no RIS or RefWorks rows found in {}",
        manifest.display()
    );
}
