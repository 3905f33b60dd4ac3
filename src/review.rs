//! A review opened from its folder: config, keymap and the papers read from
//! every source, each with a stable id and its provenance.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use serde::Serialize;

use crate::cache;
use crate::codings::Codings;
use crate::config::{Config, load_user_keys, user_config_path};
use crate::dedupe::{self, fold};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::import::{self, Format, ImportError, Problem, Record};
use crate::keymap::{KeyOverride, Keymap};

/// Where a paper was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub source: String,
    pub line: usize,
}

/// One included paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paper {
    /// Stable across runs and machines; the key in codings files.
    pub id: String,
    pub record: Record,
    pub provenance: Vec<Provenance>,
    /// Ids this paper had, or would have, from one of its records alone
    /// (before a second export added a DOI, say). Codings saved under an
    /// alias are moved to `id`, so adding a source never orphans them.
    pub aliases: Vec<String>,
    /// "Walshe 2008 Judgements about…" — built once, shown in the list.
    pub list_label: String,
}

impl Paper {
    pub fn first_author(&self) -> &str {
        self.record
            .authors
            .first()
            .map(|a| a.family.as_str())
            .unwrap_or("Anon")
    }

    /// "Walshe 2008": how reviewers name a study.
    pub fn short_cite(&self) -> String {
        let mut cite = String::new();
        self.push_cite(&mut cite);
        cite
    }

    /// [`Paper::short_cite`] appended to `out`.
    fn push_cite(&self, out: &mut String) {
        use std::fmt::Write as _;
        out.push_str(self.first_author());
        // Writing to a String cannot fail.
        let _ = match self.record.year {
            Some(y) => write!(out, " {y}"),
            None => write!(out, " n.d."),
        };
    }

    /// "Walshe 2008 Judgements about…": the cite, then the title.
    fn make_list_label(&self) -> String {
        let title = &self.record.title;
        let mut label = String::with_capacity(self.first_author().len() + title.len() + 7);
        self.push_cite(&mut label);
        label.push(' ');
        label.push_str(title);
        label
    }
}

/// What one source file gave.
#[derive(Clone, Debug)]
pub struct SourceReport {
    pub path: String,
    pub format: Option<Format>,
    pub records: usize,
    pub problems: Vec<Problem>,
}

/// An open review.
#[derive(Clone, Debug)]
pub struct Review {
    pub config: Config,
    pub keymap: Keymap,
    /// In display order: first author, year, title. Never changed once
    /// read; shared so the cache can be written while the reviewer works.
    pub papers: Arc<Vec<Paper>>,
    /// Per source what it gave, record-level problems, duplicates merged.
    pub report: SourcesReport,
    /// Key overrides from the user's own config file, applied last.
    pub user_keys: Vec<KeyOverride>,
    /// Paper id → index in `papers`, for lookups on every change.
    by_id: HashMap<String, usize>,
    /// Where these papers are cached, and what the cache must match; none
    /// for a review not read from its sources, or when caching is off.
    cache: Option<cache::Slot>,
    /// Whether the papers came from the cache, or a writer was started.
    cache_current: bool,
}

/// What a review's sources give besides the papers.
#[derive(Clone, Debug, Default)]
pub struct SourcesReport {
    /// Duplicate records merged into one paper.
    pub merges: Vec<Merge>,
    pub sources: Vec<SourceReport>,
    /// Record-level problems: the records were skipped, the rest loaded.
    pub warnings: Vec<Diagnostic>,
}

impl Review {
    /// Opens the review in `dir`. Config, keymap and unreadable-file problems
    /// are errors; a bad record in a source is a warning and the rest load.
    pub fn open(dir: &Path) -> Result<Review, Diagnostics> {
        Review::open_with_user_config(dir, user_config_path().as_deref())
    }

    /// [`Review::open`] with the user's config file named (tests pass their own).
    pub fn open_with_user_config(dir: &Path, user: Option<&Path>) -> Result<Review, Diagnostics> {
        Review::open_with(dir, user, cache::default_dir().as_deref())
    }

    /// [`Review::open`] with the user's config and the cache folder named;
    /// no cache folder reads every source and caches nothing.
    pub fn open_with(
        dir: &Path,
        user: Option<&Path>,
        cache_dir: Option<&Path>,
    ) -> Result<Review, Diagnostics> {
        let config = Config::load(dir)?;
        let user_keys = load_user_keys(user)?;
        let (keymap, mut errors) = build_keymap(&config, &user_keys);
        // Taken before the sources are read: a change made while they are
        // read leaves a slot that no longer matches, and nothing is cached.
        let slot = cache_dir.and_then(|c| cache::Slot::new(c, dir, &config.sources));
        let cached = slot.as_ref().and_then(cache::Slot::load);
        let from_cache = cached.is_some();
        let (papers, report) = match cached {
            Some(loaded) => loaded,
            None => read_sources(dir, &config).unwrap_or_else(|mut source_errors| {
                errors.append(&mut source_errors);
                Default::default()
            }),
        };
        if !errors.is_empty() {
            errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            return Err(Diagnostics(errors));
        }
        let mut review = Review::from_parts(config, keymap, papers);
        review.report = report;
        review.user_keys = user_keys;
        review.cache = slot;
        review.cache_current = from_cache;
        Ok(review)
    }

    /// [`Review::open`] reading every source afresh, cache or not (`thema
    /// check` vouches for the files themselves).
    pub fn open_fresh(dir: &Path) -> Result<Review, Diagnostics> {
        Review::open_with(dir, user_config_path().as_deref(), None)
    }

    /// Whether the papers came from the cache, or a writer for it started.
    pub fn cache_is_current(&self) -> bool {
        self.cache_current
    }

    /// Keeps what the sources gave in the cache, so the next start skips
    /// reading them. Returns whether a cache was written: not when it is
    /// already current, when caching is off, or when a source changed
    /// since (or just before) it was read. A cache is only a speed-up: the
    /// caller may ignore a failure.
    pub fn write_cache(&mut self) -> std::io::Result<bool> {
        match self.write_cache_in_background() {
            Some(writer) => writer
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("writing the cache failed"))),
            None => Ok(false),
        }
    }

    /// [`Review::write_cache`] on a thread of its own, so the workbench
    /// answers keys meanwhile (writing 100,000 papers takes a while). None
    /// when there is nothing to write.
    pub fn write_cache_in_background(&mut self) -> Option<JoinHandle<std::io::Result<bool>>> {
        if self.cache_current {
            return None;
        }
        let slot = self.cache.clone()?;
        // A second call must not start another writer.
        self.cache_current = true;
        let papers = Arc::clone(&self.papers);
        let report = self.report.clone();
        Some(std::thread::spawn(move || slot.store(&papers, &report)))
    }

    /// The cache file for this review, when caching is on.
    pub fn cache_file(&self) -> Option<&Path> {
        self.cache.as_ref().map(cache::Slot::file)
    }

    /// A review from papers already in hand (benchmarks, tools); no sources,
    /// warnings or merges.
    pub fn from_parts(config: Config, keymap: Keymap, papers: Vec<Paper>) -> Review {
        let by_id = papers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Review {
            config,
            keymap,
            papers: Arc::new(papers),
            report: SourcesReport::default(),
            user_keys: Vec::new(),
            by_id,
            cache: None,
            cache_current: false,
        }
    }

    /// Re-reads config.toml (after a codebook change) and rebuilds the keymap;
    /// the papers stay as they are.
    pub fn reload_config(&mut self) -> Result<(), Diagnostics> {
        let config = Config::load(&self.config.dir)?;
        let (keymap, problems) = build_keymap(&config, &self.user_keys);
        if !problems.is_empty() {
            return Err(Diagnostics(problems));
        }
        self.config = config;
        self.keymap = keymap;
        Ok(())
    }

    /// Moves codings filed under a paper's alias (an id it had before a
    /// source was added or merged) to its current id. Aliases that are some
    /// other paper's id are left alone. Returns how many entries moved.
    pub fn adopt_codings(&self, codings: &mut Codings) -> usize {
        // Only codings under an id no paper has can move; usually there are
        // none, and the papers need not be scanned at all.
        let orphans: HashSet<&str> = codings
            .papers
            .keys()
            .map(String::as_str)
            .filter(|id| !self.by_id.contains_key(*id))
            .collect();
        let pairs: Vec<(&str, Vec<String>)> = if orphans.is_empty() {
            Vec::new()
        } else {
            self.papers
                .iter()
                .filter_map(|p| {
                    let free: Vec<String> = p
                        .aliases
                        .iter()
                        .filter(|a| orphans.contains(a.as_str()))
                        .cloned()
                        .collect();
                    (!free.is_empty()).then_some((p.id.as_str(), free))
                })
                .collect()
        };
        let moved = codings.adopt_aliases(pairs.iter().map(|(id, a)| (*id, a.as_slice())));
        moved + self.adopt_merged_factors(codings)
    }

    /// Codings that still name a factor merged into another (written by a
    /// thema that was open during the merge) are moved to the factor it
    /// became. Returns how many papers changed.
    pub fn adopt_merged_factors(&self, codings: &mut Codings) -> usize {
        let factors = &self.config.factors;
        let renames: Vec<(&str, &str)> = factors
            .iter()
            .flat_map(|f| f.merged.iter().map(move |m| (m.as_str(), f.id.as_str())))
            .filter(|(old, _)| self.config.factor_index(old).is_none())
            .collect();
        if renames.is_empty() {
            return 0;
        }
        let mut changed = 0;
        for coding in codings.papers.values_mut() {
            let mut touched = false;
            for (old, new) in &renames {
                if coding.factors.remove(*old) {
                    coding.factors.insert(new.to_string());
                    touched = true;
                }
            }
            changed += usize::from(touched);
        }
        changed
    }

    pub fn paper_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

/// Reads and de-duplicates every source. Config-level problems (a file
/// missing, unreadable or yielding nothing) are errors; a bad record is a
/// warning and the rest of its file loads.
fn read_sources(
    dir: &Path,
    config: &Config,
) -> Result<(Vec<Paper>, SourcesReport), Vec<Diagnostic>> {
    let config_shown = config.path().display().to_string();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut sources = Vec::new();
    let mut records = Vec::new();
    // Sources are independent: read them on every core, then use the
    // results in config order so ids and merges never depend on timing.
    let results = read_all(dir, &config.sources);
    for (source, result) in config.sources.iter().zip(results) {
        match result {
            Ok((format, parsed)) => {
                for p in &parsed.problems {
                    warnings.push(Diagnostic::warning(&source.path, Some(p.line), &p.message));
                }
                if parsed.records.is_empty() {
                    // A file that holds something but yields nothing is
                    // never a silent success; an empty one is only odd.
                    let first = parsed.problems.first();
                    match first {
                        Some(p) => errors.push(Diagnostic::error(
                            &config_shown,
                            Some(source.line),
                            format!(
                                "{}: no records read as {format} ({}:{}: {}); check the file or set `format`",
                                source.path, source.path, p.line, p.message
                            ),
                        )),
                        None => warnings.push(Diagnostic::warning(
                            &source.path,
                            None,
                            "the file is empty",
                        )),
                    }
                }
                sources.push(SourceReport {
                    path: source.path.clone(),
                    format: Some(format),
                    records: parsed.records.len(),
                    problems: parsed.problems,
                });
                records.extend(parsed.records.into_iter().map(|r| (source.path.clone(), r)));
            }
            Err(ImportError::Empty { .. }) => {
                warnings.push(Diagnostic::warning(&source.path, None, "the file is empty"));
                sources.push(SourceReport {
                    path: source.path.clone(),
                    format: source.format,
                    records: 0,
                    problems: Vec::new(),
                });
            }
            Err(err) => {
                let message = match &err {
                    ImportError::Io { cause, .. } => format!("cannot read: {cause}"),
                    ImportError::Empty { .. } => "the file is empty".to_string(),
                    ImportError::UnknownFormat { .. } => {
                        "format not recognised; set `format` in this [[sources]] entry".to_string()
                    }
                };
                errors.push(Diagnostic::error(
                    &config_shown,
                    Some(source.line),
                    format!("{}: {message}", source.path),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (papers, merges) = papers_from_records(records);
    Ok((
        papers,
        SourcesReport {
            merges,
            sources,
            warnings,
        },
    ))
}

/// Reads every source, several at a time.
fn read_all(
    dir: &Path,
    sources: &[crate::config::Source],
) -> Vec<Result<(import::Format, import::Parsed), ImportError>> {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(sources.len())
        .max(1);
    let chunk = sources.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|s| import::read_file_with(&dir.join(&s.path), s.format, &s.options))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(sources.chunks(chunk))
            .flat_map(|(h, part)| {
                h.join().unwrap_or_else(|_| {
                    // A parser panic is a bug; keep the process (and the
                    // terminal) alive and name the files.
                    part.iter()
                        .map(|s| {
                            Err(ImportError::Io {
                                path: s.path.clone(),
                                cause: std::io::Error::other("the parser failed unexpectedly"),
                            })
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Defaults, then the review's `[keys]`, then the user's, then factor keys.
fn build_keymap(config: &Config, user_keys: &[KeyOverride]) -> (Keymap, Vec<Diagnostic>) {
    let overrides: Vec<KeyOverride> = config
        .key_overrides
        .iter()
        .chain(user_keys)
        .cloned()
        .collect();
    Keymap::build(
        &config.path().display().to_string(),
        &overrides,
        &config.factor_keys,
    )
}

/// Records taken for one paper, for `thema check` and `thema dedupe --report`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Merge {
    pub id: String,
    pub kept: String,
    /// Each merged record's `source:line` and why it matched.
    pub merged: Vec<(String, &'static str)>,
}

/// Gives every paper its stable id after merging duplicate records, and sorts
/// the papers for display. Returns the merges made.
pub fn papers_from_records(records: Vec<(String, Record)>) -> (Vec<Paper>, Vec<Merge>) {
    use std::hash::BuildHasher as _;
    let groups = dedupe::group_by(&records, |(_, r)| r);
    // Every record's own id (its alias once merged), made on every core.
    let mut bases: Vec<String> = crate::par::chunks(&records, |part| {
        part.iter().map(|(_, r)| base_id(r)).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let mut slots: Vec<Option<(String, Record)>> = records.into_iter().map(Some).collect();
    let mut papers: Vec<Paper> = Vec::with_capacity(groups.len());
    let mut merges = Vec::new();
    // The ids given so far, without copies of them: papers by the hash of
    // their id, each hash's papers chained through `same_hash` (the next
    // paper with that hash, or usize::MAX).
    let hasher = std::hash::RandomState::new();
    let mut by_hash: HashMap<u64, usize> = HashMap::with_capacity(groups.len());
    let mut same_hash: Vec<usize> = Vec::with_capacity(groups.len());
    let taken = |papers: &[Paper], by_hash: &HashMap<u64, usize>, same_hash: &[usize], id: &str| {
        let mut at = by_hash.get(&hasher.hash_one(id)).copied();
        while let Some(k) = at {
            if papers.get(k).is_some_and(|p| p.id == id) {
                return true;
            }
            at = same_hash.get(k).copied().filter(|&next| next != usize::MAX);
        }
        false
    };
    // Next suffix to try per base id: many papers can share one base (no
    // author, no year), and probing from -b each time would be quadratic.
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    for members in groups {
        let mut record: Option<Record> = None;
        let mut aliases = Vec::new();
        let mut provenance = Vec::with_capacity(members.len());
        let mut merged = Vec::new();
        for (i, why) in &members {
            let Some((source, r)) = slots[*i].take() else {
                continue;
            };
            let here = Provenance {
                source,
                line: r.line,
            };
            if let Some(why) = why {
                merged.push((format!("{}:{}", here.source, here.line), why.describe()));
            }
            provenance.push(here);
            aliases.push(std::mem::take(&mut bases[*i]));
            match record.as_mut() {
                None => record = Some(r),
                Some(first) => dedupe::fill_missing(first, &r),
            }
        }
        let Some(record) = record else { continue };
        // A record alone is unchanged by merging: its alias is its base.
        let base = match aliases.as_slice() {
            [only] => only.clone(),
            _ => base_id(&record),
        };
        // DOI and PMID ids are unique after merging; author-year-word ids
        // can collide and take a letter.
        let id = if taken(&papers, &by_hash, &same_hash, &base) {
            let n = next_suffix.entry(base.clone()).or_insert(1);
            loop {
                let candidate = format!("{base}-{}", suffix(*n));
                *n += 1;
                if !taken(&papers, &by_hash, &same_hash, &candidate) {
                    break candidate;
                }
            }
        } else {
            base
        };
        same_hash.push(
            by_hash
                .insert(hasher.hash_one(&id), papers.len())
                .unwrap_or(usize::MAX),
        );
        if !merged.is_empty() {
            merges.push(Merge {
                id: id.clone(),
                kept: provenance
                    .first()
                    .map(|p| format!("{}:{}", p.source, p.line))
                    .unwrap_or_default(),
                merged,
            });
        }
        aliases.retain(|a| *a != id);
        aliases.dedup();
        let mut paper = Paper {
            id,
            record,
            provenance,
            aliases,
            list_label: String::new(),
        };
        paper.list_label = paper.make_list_label();
        papers.push(paper);
    }
    // Sorted by first author, year and title, folded and lowercase, then
    // id. The folded text of every paper goes in one string, made on every
    // core; marks split each paper's author from its title.
    let (folded, spans) = crate::par::joined_text(&papers, |p, out| {
        let start = out.len();
        push_lowercase(&fold(p.first_author()), out);
        let author = out.len();
        push_lowercase(&fold(&p.record.title), out);
        [start, author, out.len()]
    });
    // The keys side by side, so comparing two does not reach into the papers.
    // Ids are unique, so the order is total and an unstable sort gives the
    // one answer.
    let mut keys: Vec<(&str, Option<u16>, &str, &str, usize)> = spans
        .iter()
        .zip(&papers)
        .enumerate()
        .map(|(i, (&[a, b, c], p))| {
            (
                &folded[a..b],
                p.record.year,
                &folded[b..c],
                p.id.as_str(),
                i,
            )
        })
        .collect();
    keys.sort_unstable();
    let mut order: Vec<usize> = keys.into_iter().map(|(.., i)| i).collect();
    // Each paper moves straight to its place, following where earlier swaps
    // put it (as `sort_by_cached_key` does), without a second vector.
    for i in 0..order.len() {
        let mut j = order[i];
        while j < i {
            j = order[j];
        }
        order[i] = j;
        papers.swap(i, j);
    }
    (papers, merges)
}

/// Appends `s` lowercased; ASCII (nearly all text) in place.
fn push_lowercase(s: &str, out: &mut String) {
    if s.is_ascii() {
        let at = out.len();
        out.push_str(s);
        out[at..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// -b, -c, … -z, then -aa, -ab … (spreadsheet-style columns, starting at b).
fn suffix(n: usize) -> String {
    let mut n = n + 1; // 1 → "b": column 2
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `doi:<doi>`, else `pmid:<n>`, else `<surname><year><first long title word>`.
pub fn base_id(record: &Record) -> String {
    use std::fmt::Write as _;
    if !record.doi.is_empty() {
        return format!("doi:{}", record.doi.to_lowercase());
    }
    if !record.pmid.is_empty() {
        return format!("pmid:{}", record.pmid);
    }
    // Built in one string: this runs for every record at load.
    let mut id = String::with_capacity(32);
    if let Some(a) = record.authors.first() {
        ascii_letters(&a.family, &mut id);
    }
    if id.is_empty() {
        id.push_str("anon");
    }
    // Writing to a String cannot fail.
    let _ = match record.year {
        Some(y) => write!(id, "{y}"),
        None => write!(id, "nd"),
    };
    let title = fold(&record.title);
    if let Some(word) = title
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| w.len() >= 4)
    {
        id.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    id
}

/// Appends `s` as lowercase ASCII letters only, accents folded:
/// "Müller-Lüdenscheidt" → "mullerludenscheidt".
fn ascii_letters(s: &str, out: &mut String) {
    out.extend(
        fold(s)
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Author;

    fn record(family: &str, year: u16, title: &str) -> Record {
        Record {
            authors: vec![Author {
                family: family.into(),
                given: String::new(),
            }],
            year: Some(year),
            title: title.into(),
            ..Record::default()
        }
    }

    #[test]
    fn id_prefers_doi_then_pmid_then_author_year_word() {
        let mut r = record("Aitken", 2006, "District nurses' triggers");
        assert_eq!(base_id(&r), "aitken2006district");
        r.pmid = "16607244".into();
        assert_eq!(base_id(&r), "pmid:16607244");
        r.doi = "10.3399/BJGP08X279652".into();
        assert_eq!(base_id(&r), "doi:10.3399/bjgp08x279652");
    }

    #[test]
    fn id_folds_accents_and_skips_short_words() {
        let r = record("Ñúñez-Gómez", 2010, "A new way of care");
        assert_eq!(base_id(&r), "nunezgomez2010care");
    }

    #[test]
    fn colliding_ids_get_letter_suffixes_in_source_order() {
        let records = vec![
            ("a.ris".to_string(), record("Smith", 2001, "Care at home")),
            (
                "a.ris".to_string(),
                record("Smith", 2001, "Care in hospital"),
            ),
            ("b.ris".to_string(), record("Smith", 2001, "Care for all")),
        ];
        let (papers, _) = papers_from_records(records);
        let mut ids: Vec<&str> = papers.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["smith2001care", "smith2001care-b", "smith2001care-c"]);
        let hospital = papers.iter().find(|p| p.record.title == "Care in hospital");
        assert_eq!(hospital.map(|p| p.id.as_str()), Some("smith2001care-b"));
    }

    #[test]
    fn same_doi_in_two_sources_is_one_paper_with_both_provenances() {
        let mut a = record("Walshe", 2008, "Judgements");
        a.doi = "10.1/x".into();
        let mut b = a.clone();
        b.line = 40;
        let (papers, merges) = papers_from_records(vec![("a.ris".into(), a), ("b.ris".into(), b)]);
        assert_eq!(merges.len(), 1);
        assert_eq!(merges[0].merged, [("b.ris:40".to_string(), "same DOI")]);
        assert_eq!(papers.len(), 1);
        assert_eq!(papers[0].provenance.len(), 2);
        assert_eq!(papers[0].provenance[1].source, "b.ris");
    }

    /// The base id as first written, with owned folds and `format!`.
    fn base_id_reference(record: &Record) -> String {
        if !record.doi.is_empty() {
            return format!("doi:{}", record.doi.to_lowercase());
        }
        if !record.pmid.is_empty() {
            return format!("pmid:{}", record.pmid);
        }
        let surname: String = record
            .authors
            .first()
            .map(|a| {
                deunicode::deunicode(&a.family)
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_lowercase())
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "anon".to_string());
        let year = record
            .year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "nd".to_string());
        let word = deunicode::deunicode(&record.title)
            .split(|c: char| !c.is_ascii_alphabetic())
            .find(|w| w.len() >= 4)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        format!("{surname}{year}{word}")
    }

    fn varied_records() -> Vec<Record> {
        let mut out = Vec::new();
        for family in [
            "Smith",
            "smith",
            "Ñúñez-Gómez",
            "中文",
            "",
            "O'Brien",
            "Æbelø",
        ] {
            for title in [
                "Care at home",
                "Þórr über Straße: ÆØÅ",
                "A b c",
                "",
                "CARE AT HOME",
                "Zebra crossings",
            ] {
                for year in [Some(2001), None, Some(7)] {
                    let mut r = record(family, 2000, title);
                    r.year = year;
                    if family.is_empty() {
                        r.authors.clear();
                    }
                    out.push(r);
                }
            }
        }
        out
    }

    #[test]
    fn base_id_matches_the_plain_definition() {
        let mut records = varied_records();
        let mut doi = record("Smith", 2001, "x");
        doi.doi = "10.1/ÄBC".into();
        records.push(doi);
        let mut pmid = record("Smith", 2001, "x");
        pmid.pmid = "123".into();
        records.push(pmid);
        for r in &records {
            assert_eq!(base_id(r), base_id_reference(r), "{r:?}");
        }
    }

    #[test]
    fn papers_sort_by_folded_author_year_title_then_id() {
        // Enough copies that the folding is split over threads.
        let records = varied_records();
        let (papers, _) = papers_from_records(
            records
                .iter()
                .cycle()
                .take(records.len() * 40)
                .map(|r| ("a.ris".to_string(), r.clone()))
                .collect(),
        );
        assert!(papers.len() > 4000);
        let mut expected = papers.clone();
        expected.sort_by_cached_key(|p| {
            (
                deunicode::deunicode(p.first_author()).to_lowercase(),
                p.record.year,
                deunicode::deunicode(&p.record.title).to_lowercase(),
                p.id.clone(),
            )
        });
        let ids = |ps: &[Paper]| ps.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&papers), ids(&expected));
        for p in &papers {
            assert_eq!(
                p.list_label,
                format!("{} {}", p.short_cite(), p.record.title)
            );
        }
    }

    #[test]
    fn suffixes_run_past_z() {
        assert_eq!(suffix(1), "b");
        assert_eq!(suffix(25), "z");
        assert_eq!(suffix(26), "aa");
        assert_eq!(suffix(27), "ab");
        assert_eq!(suffix(26 * 27 - 1), "zz");
        assert_eq!(suffix(26 * 27), "aaa");
    }
}
