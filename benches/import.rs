//! Import at scale: the real title/abstract sets in ../shared/bench
//! (ASReview CSV exports, ~4,000 records), replicated to 20,000 and 100,000
//! records with each replica's titles tagged so they stay distinct papers.
//! Measured: decode + parse + dedupe + ids, as `Review::open` does it.
//! Peak memory (VmHWM) is printed at the end.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use thema::import::{Format, decode};
use thema::review::papers_from_records;

/// The bench files rewritten `copies` times, titles tagged per copy.
fn replicated(copies: usize) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench");
    let mut files = Vec::new();
    for name in [
        "systematic-review-datasets__Nagtegaal_2019.csv",
        "systematic-review-datasets__Bannach-Brown_2019.csv",
    ] {
        let Ok(mut reader) = csv::Reader::from_path(dir.join(name)) else {
            continue;
        };
        let Ok(header) = reader.headers().cloned() else {
            continue;
        };
        let rows: Vec<csv::StringRecord> = reader.records().flatten().collect();
        let title = header.iter().position(|h| h == "title").unwrap_or(1);
        for copy in 0..copies {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(&header).ok();
            for row in &rows {
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == title && copy > 0 {
                            format!("{c} [replica {copy}]")
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                writer.write_record(&cells).ok();
            }
            if let Ok(bytes) = writer.into_inner() {
                files.push(bytes);
            }
        }
    }
    files
}

fn import_all(files: &[Vec<u8>]) -> usize {
    let mut records = Vec::new();
    for (i, bytes) in files.iter().enumerate() {
        let text = decode(bytes);
        let parsed = Format::Csv.parse(&text);
        records.extend(
            parsed
                .records
                .into_iter()
                .map(|r| (format!("file{i}.csv"), r)),
        );
    }
    let (papers, _) = papers_from_records(records);
    papers.len()
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for copies in [5usize, 25] {
        let files = replicated(copies);
        let records = import_records(&files);
        eprintln!(
            "{copies} copies: {records} records, {} papers",
            import_all(&files)
        );
        group.throughput(Throughput::Elements(records as u64));
        group.bench_with_input(
            BenchmarkId::new("decode+parse+dedupe", records),
            &files,
            |b, f| b.iter(|| black_box(import_all(f))),
        );
    }
    group.finish();
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines().filter(|l| l.starts_with("VmHWM")) {
            eprintln!("peak memory of the bench process: {line}");
        }
    }
}

fn import_records(files: &[Vec<u8>]) -> usize {
    files
        .iter()
        .map(|b| Format::Csv.parse(&decode(b)).records.len())
        .sum()
}

criterion_group!(benches, import);
criterion_main!(benches);
