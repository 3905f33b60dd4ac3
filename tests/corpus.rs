//! Sweeps the shared corpus of real export files (`../shared/corpus`, when it
//! exists) against its MANIFEST.tsv: every file is parsed by every parser
//! without a panic, each file in a format thema reads is detected as that
//! format and loads the manifest's record count, and files of other formats
//! are not claimed by the wrong parser. Deliberate differences are listed,
//! with reasons, in `tests/corpus_exceptions/<format>.tsv`.
//!
//! `THEMA_CORPUS_FORMAT=bibtex cargo test --test corpus -- --nocapture`
//! sweeps one format only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use thema::import::{Format, ImportError, decode, detect, read_file};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (path → (records, reason)) from every exceptions file.
fn exceptions() -> HashMap<String, (usize, String)> {
    let mut out = HashMap::new();
    let dir = repo().join("tests/corpus_exceptions");
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "tsv") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = line.splitn(3, '\t').collect();
            let records = cells.get(1).and_then(|n| n.parse().ok());
            match (cells.first(), records, cells.get(2)) {
                (Some(p), Some(n), Some(why)) if !why.trim().is_empty() => {
                    out.insert(p.to_string(), (n, why.to_string()));
                }
                _ => panic!(
                    "{}:{}: want `path<TAB>records<TAB>reason`",
                    path.display(),
                    i + 1
                ),
            }
        }
    }
    out
}

/// The format a manifest row should be read as, if thema reads it.
fn expected_format(format: &str, notes: &str) -> Option<Format> {
    match format {
        "other" if notes.contains("actually RIS") => Some(Format::Ris),
        other => Format::from_name(other).filter(|f| f.name() == other),
    }
}

fn corpus_dir() -> PathBuf {
    repo().join("../shared/corpus")
}

/// Without ../shared the sweep cannot run. CI always has it beside the
/// clone, so there its absence is a failure; on a newcomer's clone the
/// sweep is skipped, said on stderr directly (libtest hides `println!` of a
/// passing test, so a skip said that way would look like a pass).
fn skip_without_corpus(manifest: &Path) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "CI is set but {} is missing: CI runs with ../shared beside the clone",
            manifest.display()
        );
    }
    use std::io::Write as _;
    writeln!(
        std::io::stderr(),
        "\ncorpus sweep SKIPPED: {} not found (fixtures in tests/fixtures still run)",
        manifest.display()
    )
    .ok();
}

#[test]
fn corpus_sweep() {
    let dir = corpus_dir();
    let manifest = dir.join("MANIFEST.tsv");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        skip_without_corpus(&manifest);
        return;
    };
    let only = std::env::var("THEMA_CORPUS_FORMAT").ok();
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
    let exceptions = exceptions();

    let mut per_format: HashMap<&str, (usize, usize)> = HashMap::new();
    let (mut excepted, mut negatives) = (0, 0);
    let mut failures: Vec<String> = Vec::new();
    for row in rows.filter(|r| !r.trim().is_empty()) {
        let cells: Vec<&str> = row.split('\t').collect();
        let cell = |i: usize| cells.get(i).copied().unwrap_or_default();
        let (rel, format) = (cell(c_path), cell(c_format));
        if only.as_deref().is_some_and(|o| o != format) {
            continue;
        }
        let path = dir.join(rel);
        let Ok(bytes) = std::fs::read(&path) else {
            failures.push(format!("{rel}: listed but cannot be read"));
            continue;
        };
        let text = decode(&bytes);
        // No parser may panic on any file, whatever its format.
        for f in Format::ALL {
            let _ = f.parse(&text);
        }

        let notes = format!("{} {}", cell(c_notes), cell(c_basis));
        let expected = cell(c_expected).parse::<usize>().ok();
        let Some(want) = expected_format(format, &notes) else {
            // A format thema does not read: it must not be claimed as one it
            // does, unless it is empty or declared malformed.
            if let Some(f) = detect(&text) {
                failures.push(format!("{rel}: a `{format}` file detected as {f}"));
            }
            negatives += 1;
            continue;
        };
        let (detected, parsed) = match read_file(&path, None) {
            Ok(ok) => ok,
            // A broken fixture with no intact record need not be recognised;
            // read as its format it must load nothing.
            Err(ImportError::UnknownFormat { .. }) if expected == Some(0) => {
                match read_file(&path, Some(want)) {
                    Ok((_, parsed)) if parsed.records.is_empty() => {
                        per_format.entry(format).or_default().0 += 1;
                    }
                    other => failures.push(format!("{rel}: not recognised, forced: {other:?}")),
                }
                continue;
            }
            // An empty file is said to be empty, whatever its format.
            Err(ImportError::Empty { .. }) if expected == Some(0) => {
                per_format.entry(format).or_default().0 += 1;
                continue;
            }
            Err(err) => {
                failures.push(format!("{rel}: {err}"));
                continue;
            }
        };
        if detected != want {
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
        let entry = per_format.entry(format).or_default();
        match expected {
            Some(expected) if expected != got => {
                entry.1 += 1;
                failures.push(format!(
                    "{rel}: {got} records, manifest expects {expected}; first problems: {:?}",
                    parsed.problems.iter().take(3).collect::<Vec<_>>()
                ));
            }
            _ => entry.0 += 1,
        }
    }

    let mut summary: Vec<String> = per_format
        .iter()
        .map(|(f, (ok, bad))| format!("{f} {ok}/{}", ok + bad))
        .collect();
    summary.sort();
    println!(
        "corpus sweep: {} match the manifest; {excepted} documented exceptions; \
         {negatives} files of other formats not misdetected",
        summary.join(", ")
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every exception must point at a file the manifest lists.
#[test]
fn exceptions_name_real_corpus_files() {
    let dir = corpus_dir();
    if !dir.join("MANIFEST.tsv").exists() {
        skip_without_corpus(&dir.join("MANIFEST.tsv"));
        return;
    }
    for path in exceptions().keys() {
        assert!(
            Path::new(&dir.join(path)).exists(),
            "{path} is not in the corpus"
        );
    }
}
