//! A review opened from its folder: config, keymap and the papers read from
//! every source, each with a stable id and its provenance.

pub mod appraisal;
pub mod cache;
pub mod cerqual;
pub mod characteristics;
pub mod check;
pub mod codebook;
pub mod codings;
pub mod config;
pub mod dedupe;
pub mod history;
pub mod identity;
pub mod paper;
pub mod places;
pub mod tally;
pub mod workspace;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::import::{self, ImportError, Record};
use crate::infra::diagnostic::{Diagnostic, Diagnostics};
use crate::keys::keymap::{KeyOverride, Keymap};
use crate::review::codings::Codings;
use crate::review::config::{Config, load_user_keys};
use crate::review::dedupe::fold;
use crate::review::identity::Stamp;
use crate::review::places::Places;

pub use paper::{Merge, Paper, Provenance, SharedText, SourceReport, SourcesReport};

/// A stamp's title words and folded citation: two stamps with the same key
/// name the same paper.
fn stamp_key(stamp: &Stamp) -> (String, String) {
    (
        identity::title_words(&stamp.title),
        fold(&stamp.cite).to_lowercase(),
    )
}

/// What [`Review::reconcile`] did to a reviewer's codings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Codings moved to the paper they were made on, from an id it no longer has.
    pub moved: usize,
    /// Codings given their paper's citation and title (a file of an earlier
    /// thema had none), or a corrected one.
    pub stamped: usize,
    /// Codings set aside: their id now names another paper.
    pub set_aside: Vec<SetAside>,
}

impl Reconciled {
    /// Whether the codings file should be written again.
    pub fn changed(&self) -> bool {
        self.moved > 0 || self.stamped > 0 || !self.set_aside.is_empty()
    }
}

/// A coding made on one paper, whose id a source now gives to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    pub id: String,
    /// The paper it was made on.
    pub was: Stamp,
    /// The paper that has its id now.
    pub now: Stamp,
}

/// The parts of a review that config.toml gives: codebook and keymap.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub keymap: Keymap,
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
    by_id: IdIndex,
    /// Where these papers are cached, and what the cache must match; none
    /// for a review not read from its sources, or when caching is off.
    cache: Option<cache::Slot>,
    /// Whether the papers came from the cache, or a writer was started.
    cache_current: bool,
}

impl Review {
    /// Opens the review in `dir`. Config, keymap and unreadable-file problems
    /// are errors; a bad record in a source is a warning and the rest load.
    pub fn open(dir: &Path, places: &Places) -> Result<Review, Diagnostics> {
        Review::open_with(
            dir,
            places.user_config.as_deref(),
            places.cache_dir.as_deref(),
        )
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
    pub fn open_fresh(dir: &Path, places: &Places) -> Result<Review, Diagnostics> {
        Review::open_with(dir, places.user_config.as_deref(), None)
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
        let by_id = IdIndex::new(&papers);
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

    /// Reads config.toml again (after a codebook change) and builds its
    /// keymap; the review is unchanged until [`Review::set_settings`], so a
    /// config that does not load leaves the one in use as it was.
    pub fn read_settings(&self) -> Result<Settings, Diagnostics> {
        let config = Config::load(&self.config.dir)?;
        let (keymap, problems) = build_keymap(&config, &self.user_keys);
        if !problems.is_empty() {
            return Err(Diagnostics(problems));
        }
        Ok(Settings { config, keymap })
    }

    /// Puts settings read by [`Review::read_settings`] in use; the papers
    /// stay as they are.
    pub fn set_settings(&mut self, settings: Settings) {
        self.config = settings.config;
        self.keymap = settings.keymap;
    }

    /// Brings a reviewer's codings in line with the papers and codebook as
    /// they are now, never attaching a coding to a paper it was not made on:
    /// - factors merged into another are read as it (the file keeps them);
    /// - codings filed under an id the paper no longer has (a source added a
    ///   DOI, or an earlier thema's id) move to its id, and so does one whose
    ///   stamp names exactly one paper by its citation and title;
    /// - a coding whose stamp names another paper than the one its id now
    ///   gives is set aside, kept and reported;
    /// - every coding is stamped with the paper it is on.
    pub fn reconcile(&self, codings: &mut Codings) -> Reconciled {
        let mut done = Reconciled::default();
        self.read_merged_factors(codings);
        self.move_orphans(codings, &mut done);
        let ids: Vec<String> = codings.papers.keys().cloned().collect();
        for id in ids {
            let Some(paper) = self.paper_index(&id).and_then(|i| self.papers.get(i)) else {
                continue;
            };
            let now = paper.stamp();
            let Some(coding) = codings.papers.get_mut(&id) else {
                continue;
            };
            let was = Stamp {
                cite: coding.cite.clone(),
                title: coding.title.clone(),
            };
            if was == now {
                continue;
            }
            if was.title.is_empty() && was.cite.is_empty() || was.same_paper(&now) {
                coding.cite = now.cite;
                coding.title = now.title;
                done.stamped += 1;
                continue;
            }
            if let Some(coding) = codings.papers.remove(&id) {
                match codings.aside.get_mut(&id) {
                    Some(kept) => crate::review::codings::merge_into(kept, coding),
                    None => {
                        codings.aside.insert(id.clone(), coding);
                    }
                }
            }
            done.set_aside.push(SetAside { id, was, now });
        }
        done
    }

    /// Codings under an id no paper has: moved to the one paper that had it
    /// as an alias or legacy id, or that its stamp names; else left as they
    /// are (a source may come back).
    fn move_orphans(&self, codings: &mut Codings, done: &mut Reconciled) {
        // Usually there are none, and the papers need not be scanned at all.
        let orphans: HashSet<String> = codings
            .papers
            .keys()
            .filter(|id| self.paper_index(id).is_none())
            .cloned()
            .collect();
        if orphans.is_empty() {
            return;
        }
        // Orphan id → the papers that claim it; a legacy id outranks a
        // record's alias (several papers' records can share an old base id).
        let mut claims: HashMap<&str, (Vec<usize>, Vec<usize>)> = HashMap::new();
        for (i, p) in self.papers.iter().enumerate() {
            if orphans.contains(&p.legacy_id) {
                claims.entry(p.legacy_id.as_str()).or_default().0.push(i);
            }
            for a in &p.aliases {
                if orphans.contains(a) {
                    claims.entry(a.as_str()).or_default().1.push(i);
                }
            }
        }
        let mut by_stamp: Option<HashMap<(String, String), Vec<usize>>> = None;
        for orphan in &orphans {
            let claimed = claims.get(orphan.as_str()).and_then(|(legacy, alias)| {
                match (legacy.as_slice(), alias.as_slice()) {
                    ([one], _) | ([], [one]) => Some(*one),
                    _ => None,
                }
            });
            let Some(coding) = codings.papers.get(orphan) else {
                continue;
            };
            let was = Stamp {
                cite: coding.cite.clone(),
                title: coding.title.clone(),
            };
            let stamped = !was.title.is_empty();
            let target = match claimed {
                // The alias names the paper; a stamp must not contradict it.
                Some(i) if !stamped || was.same_paper(&self.papers[i].stamp()) => Some(i),
                Some(_) => None,
                None if stamped => {
                    let index = by_stamp.get_or_insert_with(|| {
                        let mut index: HashMap<(String, String), Vec<usize>> = HashMap::new();
                        for (i, p) in self.papers.iter().enumerate() {
                            index.entry(stamp_key(&p.stamp())).or_default().push(i);
                        }
                        index
                    });
                    match index.get(&stamp_key(&was)).map(Vec::as_slice) {
                        Some([one]) => Some(*one),
                        _ => None,
                    }
                }
                None => None,
            };
            let Some(i) = target else { continue };
            if let Some(coding) = codings.papers.remove(orphan) {
                let entry = codings.papers.entry(self.papers[i].id.clone()).or_default();
                crate::review::codings::merge_into(entry, coding);
                done.moved += 1;
            }
        }
    }

    /// Factor ids the codebook merged away → the factor each became.
    pub fn merged_factors(&self) -> BTreeMap<String, String> {
        self.config
            .factors
            .iter()
            .flat_map(|f| f.merged.iter().map(move |m| (m.clone(), f.id.clone())))
            .filter(|(old, _)| self.config.factor_index(old).is_none())
            .collect()
    }

    /// Reads every coding's factors through the codebook's merges, as
    /// [`PaperCoding::read_factors`] does; the file's own ids are kept for
    /// writing back.
    pub fn read_merged_factors(&self, codings: &mut Codings) {
        let merged = self.merged_factors();
        for coding in codings.papers.values_mut() {
            if coding.reads_merged(&merged) {
                coding.read_factors(&merged);
            }
        }
    }

    pub fn paper_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(&self.papers, id)
    }
}

/// Paper id → index, holding only the indices: the ids stay in the papers
/// (a copy of each would be 100,000 more strings in memory at scale).
#[derive(Clone, Default)]
struct IdIndex {
    table: hashbrown::HashTable<u32>,
    hasher: std::hash::RandomState,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} ids)", self.table.len())
    }
}

impl IdIndex {
    fn new(papers: &[Paper]) -> IdIndex {
        use std::hash::BuildHasher as _;
        let hasher = std::hash::RandomState::new();
        let mut table = hashbrown::HashTable::with_capacity(papers.len());
        for (i, p) in papers.iter().enumerate() {
            // Papers past u32::MAX cannot be held anyway (that many would
            // take terabytes); skipping them keeps this total.
            let Ok(at) = u32::try_from(i) else { break };
            let hash = hasher.hash_one(p.id.as_str());
            // Ids are unique; should two papers ever share one, the first
            // is the one found, as with a map filled in order.
            if table
                .find(hash, |&j: &u32| papers[j as usize].id == p.id)
                .is_none()
            {
                table.insert_unique(hash, at, |&j| {
                    hasher.hash_one(papers[j as usize].id.as_str())
                });
            }
        }
        IdIndex { table, hasher }
    }

    fn get(&self, papers: &[Paper], id: &str) -> Option<usize> {
        use std::hash::BuildHasher as _;
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&j| {
                papers.get(j as usize).is_some_and(|p| p.id == id)
            })
            .map(|&j| j as usize)
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

/// Reads every source, several at a time; results in source order.
fn read_all(
    dir: &Path,
    sources: &[crate::review::config::Source],
) -> Vec<Result<(import::Format, import::Parsed), ImportError>> {
    use rayon::prelude::*;
    sources
        .par_iter()
        .map(|s| {
            let read = || import::read_file_with(&dir.join(&s.path), s.format, &s.options);
            // A parser panic is a bug; keep the process (and the terminal)
            // alive and name the file.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
                Err(ImportError::Io {
                    path: s.path.clone(),
                    cause: std::io::Error::other("the parser failed unexpectedly"),
                })
            })
        })
        .collect()
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

/// Gives every paper its stable id after merging duplicate records, and sorts
/// the papers for display. Returns the merges made.
pub fn papers_from_records(mut records: Vec<(String, Record)>) -> (Vec<Paper>, Vec<Merge>) {
    // Matching duplicates is mostly one thread's work; every record's own id
    // and legacy id (its aliases once merged) are made beside it, on the
    // other cores, instead of after it.
    let (groups, mut bases) = rayon::join(
        || dedupe::group_by(&records, |(_, r)| r),
        || -> Vec<(String, String)> {
            crate::infra::par::chunks(&records, |part| {
                part.iter()
                    .map(|(_, r)| (identity::base_id(r), identity::legacy_base_id(r)))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .flatten()
            .collect()
        },
    );
    // Records are taken out in place (a second vector of them would be
    // another copy of every record, alive at once); a flag each guards
    // against taking one twice.
    let mut taken = vec![false; records.len()];
    let mut papers: Vec<Paper> = Vec::with_capacity(groups.len());
    let mut ids: Vec<String> = Vec::with_capacity(groups.len());
    let mut merges = Vec::new();
    let mut legacy = LegacyIds::default();
    for members in groups {
        let mut record: Option<Record> = None;
        let mut aliases = Vec::new();
        let mut provenance = Vec::with_capacity(members.len());
        let mut merged = Vec::new();
        for (i, why) in &members {
            let Some(slot) = records.get_mut(*i).filter(|_| !taken[*i]) else {
                continue;
            };
            taken[*i] = true;
            let (source, r) = std::mem::take(slot);
            let here = Provenance {
                source,
                line: r.line,
            };
            if let Some(why) = why {
                merged.push((format!("{}:{}", here.source, here.line), why.describe()));
            }
            provenance.push(here);
            let (base, legacy_base) = std::mem::take(&mut bases[*i]);
            aliases.push(base);
            aliases.push(legacy_base);
            match record.as_mut() {
                None => record = Some(r),
                Some(first) => dedupe::fill_missing(first, &r),
            }
        }
        let Some(record) = record else { continue };
        // A record alone is unchanged by merging: its ids are its bases.
        let (id, legacy_base) = match aliases.as_slice() {
            [base, legacy_base] => (base.clone(), legacy_base.clone()),
            _ => (
                identity::base_id(&record),
                identity::legacy_base_id(&record),
            ),
        };
        let mut legacy_id = legacy.give(legacy_base);
        // Ids are built with room to spare; kept for every paper.
        legacy_id.shrink_to_fit();
        if !merged.is_empty() {
            merges.push(Merge {
                id: String::new(),
                kept: provenance
                    .first()
                    .map(|p| format!("{}:{}", p.source, p.line))
                    .unwrap_or_default(),
                merged,
            });
        }
        ids.push(id);
        papers.push(Paper {
            id: String::new(),
            record,
            provenance,
            aliases,
            legacy_id,
            abstract_text: paper::SharedText::default(),
        });
    }
    // Emptied shells now; freed before the sort makes its keys.
    drop(records);
    drop(bases);
    {
        let records: Vec<&Record> = papers.iter().map(|p| &p.record).collect();
        identity::disambiguate(&mut ids, &records);
    }
    let mut merged_ids = Vec::with_capacity(merges.len());
    for (paper, id) in papers.iter_mut().zip(ids) {
        // An alias that is the paper's own id or legacy id claims nothing
        // the id or legacy id does not: most papers keep none, and no
        // vector (a lone record's [base, legacy base] would be kept).
        paper.aliases.retain(|a| *a != id && *a != paper.legacy_id);
        paper.aliases.sort_unstable();
        paper.aliases.dedup();
        paper.aliases.shrink_to_fit();
        if paper.provenance.len() > 1 {
            merged_ids.push(id.clone());
        }
        paper.id = id;
        paper.id.shrink_to_fit();
        // Moved, not copied into one string per block as a cached start
        // reads them: the copies' memory freed here stays with the
        // allocator, and the peak of a first start was 70 MB higher.
        paper.abstract_text = SharedText::from(std::mem::take(&mut paper.record.abstract_text));
    }
    for (merge, id) in merges.iter_mut().zip(merged_ids) {
        merge.id = id;
    }
    sort_for_display(&mut papers);
    (papers, merges)
}

/// The ids an earlier thema gave, in the same order it gave them: a legacy
/// base id already taken took the next free letter (`-b`, `-c` …). Only
/// codings filed under these need them, to move once to the new ids.
#[derive(Default)]
struct LegacyIds {
    taken: HashSet<String>,
    /// Next suffix to try per base id: many papers can share one base (no
    /// author, no year), and probing from -b each time would be quadratic.
    next_suffix: HashMap<String, usize>,
}

impl LegacyIds {
    fn give(&mut self, base: String) -> String {
        let id = if self.taken.contains(&base) {
            let n = self.next_suffix.entry(base.clone()).or_insert(1);
            loop {
                let candidate = format!("{base}-{}", suffix(*n));
                *n += 1;
                if !self.taken.contains(&candidate) {
                    break candidate;
                }
            }
        } else {
            base
        };
        self.taken.insert(id.clone());
        id
    }
}

/// Sorts by first author, year and title, folded and lowercase, then id.
fn sort_for_display(papers: &mut [Paper]) {
    // The folded text of every paper goes in one string, made on every
    // core; marks split each paper's author from its title.
    let (folded, spans) = crate::infra::par::joined_text(papers, |p, out| {
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
        .zip(papers.iter())
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
    fn legacy_id_folds_accents_and_skips_short_words() {
        let r = record("Ñúñez-Gómez", 2010, "A new way of care");
        assert_eq!(identity::legacy_base_id(&r), "nunezgomez2010care");
    }

    fn untitled(title: &str) -> (String, Record) {
        let record = Record {
            title: title.into(),
            ..Record::default()
        };
        ("rows.csv".to_string(), record)
    }

    fn id_of<'p>(papers: &'p [Paper], title: &str) -> &'p str {
        papers
            .iter()
            .find(|p| p.record.title == title)
            .map(|p| p.id.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn inserting_a_record_never_changes_another_papers_id() {
        // No author, no year, one first word: the ids of round one were
        // `anonndcluster`, `-b`, `-c` by position.
        let titles = [
            "Cluster trial of alpha nudges",
            "Cluster trial of beta nudges",
            "Cluster trial of gamma nudges",
        ];
        let (before, _) = papers_from_records(titles.iter().map(|t| untitled(t)).collect());
        let mut more: Vec<_> = titles.iter().map(|t| untitled(t)).collect();
        more.insert(0, untitled("Cluster trial of delta nudges"));
        more.swap(1, 3);
        let (after, _) = papers_from_records(more);
        for t in titles {
            assert_eq!(id_of(&before, t), id_of(&after, t), "{t}");
        }
        let mut ids: Vec<&str> = after.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4);
    }

    #[test]
    fn each_paper_keeps_the_legacy_id_an_earlier_thema_gave_it() {
        let records = vec![
            ("a.ris".to_string(), record("Smith", 2001, "Care at home")),
            (
                "a.ris".to_string(),
                record("Smith", 2001, "Care in hospital"),
            ),
            ("b.ris".to_string(), record("Smith", 2001, "Care for all")),
        ];
        let (papers, _) = papers_from_records(records);
        let legacy = |title: &str| {
            let p = papers.iter().find(|p| p.record.title == title);
            p.map(|p| p.legacy_id.clone()).unwrap_or_default()
        };
        assert_eq!(legacy("Care at home"), "smith2001care");
        assert_eq!(legacy("Care in hospital"), "smith2001care-b");
        assert_eq!(legacy("Care for all"), "smith2001care-c");
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

    /// The legacy base id as first written, with owned folds and `format!`.
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
    fn legacy_base_id_matches_the_plain_definition() {
        let mut records = varied_records();
        let mut doi = record("Smith", 2001, "x");
        doi.doi = "10.1/ÄBC".into();
        records.push(doi);
        let mut pmid = record("Smith", 2001, "x");
        pmid.pmid = "123".into();
        records.push(pmid);
        for r in &records {
            assert_eq!(identity::legacy_base_id(r), base_id_reference(r), "{r:?}");
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
                p.list_label(),
                format!("{} {}", p.short_cite(), p.record.title)
            );
        }
    }

    /// Memory at 100,000 papers: a lone record's paper carries no alias
    /// that repeats its id or legacy id (nor a vector for none), while one
    /// merged from records with other ids keeps theirs.
    #[test]
    fn aliases_keep_only_ids_the_paper_does_not_already_have() {
        let mut with_doi = record(
            "Walshe",
            2008,
            "Judgements about fact and fiction by nurses",
        );
        with_doi.doi = "10.1/x".into();
        let mut without = with_doi.clone();
        without.doi.clear();
        let (papers, _) = papers_from_records(vec![
            ("a.ris".into(), record("Smith", 2001, "Care at home")),
            ("a.ris".into(), with_doi),
            ("b.ris".into(), without),
        ]);
        let lone = papers.iter().find(|p| p.record.title == "Care at home");
        let lone = lone.expect("lone paper");
        assert_eq!(lone.aliases, Vec::<String>::new());
        assert_eq!(lone.aliases.capacity(), 0);
        let merged = papers.iter().find(|p| p.provenance.len() == 2);
        let merged = merged.expect("merged paper");
        assert_eq!(merged.id, "doi:10.1/x");
        assert_eq!(merged.legacy_id, "doi:10.1/x");
        // The DOI-less record alone would have had these ids.
        assert_eq!(merged.aliases.len(), 2, "{:?}", merged.aliases);
        assert_eq!(merged.aliases[0], "walshe2008judgements");
        assert!(merged.aliases[1].starts_with("walshe2008judgements-"));
    }

    /// Memory at 100,000 papers: ids keep no room they do not use.
    #[test]
    fn ids_hold_no_unused_capacity() {
        let (papers, _) = papers_from_records(vec![
            ("a.ris".into(), record("Smith", 2001, "Care at home")),
            ("a.ris".into(), record("Smith", 2001, "Care in hospital")),
        ]);
        for p in &papers {
            assert_eq!(p.id.capacity(), p.id.len(), "{}", p.id);
            assert_eq!(p.legacy_id.capacity(), p.legacy_id.len(), "{}", p.legacy_id);
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
