//! The review folders the benchmarks open: the real records of
//! ../shared/bench replicated to any size.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

/// The columns written; each bench file's cells are picked by header name
/// (the two files have different columns).
const COLUMNS: [&str; 4] = ["title", "abstract", "authors", "year"];

/// Writes a review folder holding `papers` records as CSV sources.
pub fn write_review(dir: &Path, papers: usize) {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench");
    let mut rows: Vec<[String; 4]> = Vec::new();
    for name in [
        "systematic-review-datasets__Nagtegaal_2019.csv",
        "systematic-review-datasets__Bannach-Brown_2019.csv",
    ] {
        let Ok(mut reader) = csv::Reader::from_path(bench.join(name)) else {
            continue;
        };
        let Ok(header) = reader.headers().cloned() else {
            continue;
        };
        let at = COLUMNS.map(|c| header.iter().position(|h| h == c));
        for r in reader.records().flatten() {
            rows.push(at.map(|i| i.and_then(|i| r.get(i)).unwrap_or("").to_string()));
        }
    }
    if rows.is_empty() {
        eprintln!("../shared/bench not found: generating titles");
        rows = (0..4000)
            .map(|i| {
                [
                    format!("Generated study {i} of palliative care"),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            })
            .collect();
    }
    std::fs::create_dir_all(dir.join("data")).expect("data dir");
    let mut writer = csv::Writer::from_path(dir.join("data/records.csv")).expect("csv");
    writer.write_record(COLUMNS).expect("header");
    for n in 0..papers {
        let mut row = rows[n % rows.len()].clone();
        let replica = n / rows.len();
        if replica > 0 {
            row[0] = format!("{} [replica {replica}]", row[0]);
        }
        writer.write_record(&row).expect("row");
    }
    writer.flush().expect("flush");
    drop(writer);
    // As a review's sources are: written a while before thema opens them
    // (thema caches only sources that have settled).
    std::fs::File::options()
        .append(true)
        .open(dir.join("data/records.csv"))
        .and_then(|f| f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600)))
        .expect("date the source back");
    std::fs::write(
        dir.join("config.toml"),
        "[review]\ntitle = \"Scale\"\n\n[[sources]]\npath = \"data/records.csv\"\n\n\
         [[factors]]\nid = \"a\"\nlabel = \"Communication\"\nkey = \"1\"\n\n\
         [[factors]]\nid = \"b\"\nlabel = \"Roles\"\nkey = \"2\"\n",
    )
    .expect("config");
}
