use thema::import::read_file;
#[test]
fn dump() {
    let dir = std::path::Path::new("/work/shared/corpus");
    for sub in ["ris", "refworks", "other"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let Ok((f, parsed)) = read_file(&p, None) else {
                continue;
            };
            let n = parsed.records.len();
            let no_year = parsed.records.iter().filter(|r| r.year.is_none()).count();
            let no_title = parsed.records.iter().filter(|r| r.title.is_empty()).count();
            let no_journal = parsed
                .records
                .iter()
                .filter(|r| r.journal.is_empty())
                .count();
            let doi = parsed.records.iter().filter(|r| !r.doi.is_empty()).count();
            let pmid = parsed.records.iter().filter(|r| !r.pmid.is_empty()).count();
            let abs = parsed
                .records
                .iter()
                .filter(|r| !r.abstract_text.is_empty())
                .count();
            println!(
                "{f} {} n={n} noyear={no_year} notitle={no_title} nojournal={no_journal} doi={doi} pmid={pmid} abs={abs} problems={}",
                p.file_name().unwrap().to_string_lossy(),
                parsed.problems.len()
            );
            for pr in parsed.problems.iter().take(3) {
                println!("    {}: {}", pr.line, pr.message);
            }
            if let Some(r) = parsed.records.first() {
                println!(
                    "    first: {:?} | {:?} | {:?} | {} {} {}-{} doi={} pmid={} kw={:?} url={} la={} notes={}",
                    r.title.chars().take(60).collect::<String>(),
                    r.authors.iter().take(2).collect::<Vec<_>>(),
                    r.journal,
                    r.journal_abbrev,
                    r.volume,
                    r.start_page,
                    r.end_page,
                    r.doi,
                    r.pmid,
                    r.keywords.iter().take(4).collect::<Vec<_>>(),
                    r.url.chars().take(50).collect::<String>(),
                    r.language,
                    r.notes.len()
                );
            }
        }
    }
}
