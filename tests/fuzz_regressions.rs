//! Fuzzing on stable Rust, inside `cargo test`.
//!
//! * `regression_cases`: every file in `tests/fuzz_regressions/<target>/`
//!   (a format name, or `bytes` for decode + detect + parse) goes through
//!   that target and must keep the invariants in `fuzz_check` (no panic,
//!   bounded output, no control characters, sane line numbers) within
//!   [`timeout`]. Cases for bugs still open are listed in [`OPEN`] and each
//!   has its own `#[ignore]`d test below.
//! * `mutation_fuzz`: seeds from `tests/fixtures/<format>` and, when present,
//!   `../shared/corpus/<format>` are mutated deterministically (bit flips,
//!   control bytes, splices, repeated lines and tokens, deep nesting) and
//!   checked the same way, for a wall-clock budget: `THEMA_FUZZ_SECS`
//!   (default 20 s across all targets). `THEMA_FUZZ_TARGET=ris` runs one
//!   target, `THEMA_FUZZ_SEED=<n>` explores other mutations. A failure
//!   names the input it saved and the command that replays it.
//!
//! The deeper, coverage-guided run is cargo-fuzz in `fuzz/` (see
//! `fuzz/README.md`); its findings are saved here as regression cases.

mod fuzz_check;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use fuzz_check::Target;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases_dir() -> PathBuf {
    repo().join("tests/fuzz_regressions")
}

/// Regression cases for bugs not fixed yet, in parsers being reworked on
/// other branches: (path under `tests/fuzz_regressions`, why and whose).
/// `regression_cases` skips them; each has an `#[ignore]`d test of its own.
const OPEN: &[(&str, &str)] = &[];

/// How long one input may take before it counts as a hang. Generous: the
/// test profile is unoptimised and the machine may be busy; a quadratic
/// parse of a few hundred KiB still takes far longer.
fn timeout() -> Duration {
    let ms = env_u64("THEMA_FUZZ_TIMEOUT_MS").unwrap_or(5000);
    Duration::from_millis(ms)
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// What a checked input came to.
enum Outcome {
    Ok(Duration),
    /// An invariant broke, or the parser panicked.
    Failed(String),
    /// No answer within the timeout; the worker is abandoned.
    Hung,
}

/// Runs inputs on its own thread, so a hang can be timed out and a panic
/// caught without taking the test down.
struct Worker {
    send: mpsc::Sender<(Target, Vec<u8>)>,
    recv: mpsc::Receiver<Result<Duration, String>>,
}

impl Worker {
    fn new() -> Worker {
        let (send, inputs) = mpsc::channel::<(Target, Vec<u8>)>();
        let (results, recv) = mpsc::channel();
        thread::spawn(move || {
            for (target, input) in inputs {
                let start = Instant::now();
                let result = match catch_unwind(AssertUnwindSafe(|| target.check(&input))) {
                    Ok(Ok(())) => Ok(start.elapsed()),
                    Ok(Err(broken)) => Err(broken),
                    Err(panic) => Err(format!("panic: {}", panic_message(&*panic))),
                };
                if results.send(result).is_err() {
                    break;
                }
            }
        });
        Worker { send, recv }
    }

    fn run(&self, target: Target, input: &[u8]) -> Outcome {
        if self.send.send((target, input.to_vec())).is_err() {
            return Outcome::Failed("worker thread is gone".into());
        }
        match self.recv.recv_timeout(timeout()) {
            Ok(Ok(took)) => Outcome::Ok(took),
            Ok(Err(broken)) => Outcome::Failed(broken),
            Err(_) => Outcome::Hung,
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(not a string)".into())
}

/// What went wrong, cut short: a message may quote most of a large input.
fn describe(outcome: &Outcome) -> Option<String> {
    const SHOWN: usize = 400;
    match outcome {
        Outcome::Ok(_) => None,
        Outcome::Failed(why) if why.chars().count() > SHOWN => {
            Some(format!("{}…", why.chars().take(SHOWN).collect::<String>()))
        }
        Outcome::Failed(why) => Some(why.clone()),
        Outcome::Hung => Some(format!("no result within {:?}", timeout())),
    }
}

/// Files of one folder, sorted, without READMEs.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    out.sort();
    out
}

/// Every regression case: (target, path relative to `cases_dir`).
fn cases() -> Vec<(Target, String)> {
    let mut out = Vec::new();
    for target in Target::all() {
        for path in files(&cases_dir().join(target.name())) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            out.push((target, format!("{}/{name}", target.name())));
        }
    }
    out
}

fn check_case(worker: &Worker, target: Target, rel: &str) -> Option<String> {
    let bytes = match std::fs::read(cases_dir().join(rel)) {
        Ok(bytes) => bytes,
        Err(e) => return Some(format!("{rel}: cannot read: {e}")),
    };
    describe(&worker.run(target, &bytes)).map(|why| format!("{rel}: {why}"))
}

#[test]
fn regression_cases() {
    let mut worker = Worker::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (target, rel) in cases() {
        if OPEN.iter().any(|(open, _)| *open == rel) {
            continue;
        }
        ran += 1;
        if let Some(failure) = check_case(&worker, target, &rel) {
            failures.push(failure);
            // A hung worker never answers again.
            worker = Worker::new();
        }
    }
    println!("{ran} fuzz regression cases checked, {} open", OPEN.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every folder is a target and every open case exists, so a typo cannot
/// quietly stop a case from running.
#[test]
fn regression_folders_are_targets() {
    for entry in std::fs::read_dir(cases_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            assert!(
                Target::from_name(&name).is_some(),
                "tests/fuzz_regressions/{name} is not a format name or `bytes`"
            );
        }
    }
    for (open, _) in OPEN {
        assert!(
            cases_dir().join(open).is_file(),
            "open case {open} is missing"
        );
    }
}

#[allow(dead_code)] // until a case is open
fn open_case(rel: &str) {
    let target = rel
        .split('/')
        .next()
        .and_then(Target::from_name)
        .unwrap_or_else(|| panic!("{rel}: no target"));
    if let Some(failure) = check_case(&Worker::new(), target, rel) {
        panic!("{failure}");
    }
}

// ---------------------------------------------------------------------------
// Mutation fuzzing

/// splitmix64: small, fast and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (`0` when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Seeds longer than this are cut (at a line end when there is one), so
/// each input takes milliseconds and the budget buys many of them.
const MAX_SEED: usize = 24 * 1024;
/// Mutations never grow an input past this.
const MAX_INPUT: usize = 256 * 1024;

/// The corpus folder(s) and fixture folder(s) a target's seeds come from.
fn seed_dirs(target: Target) -> Vec<String> {
    match target {
        Target::Text(f) => vec![f.name().to_string()],
        // Raw bytes: every format, and the corpus's files of other formats.
        Target::Bytes => Target::all()
            .into_iter()
            .filter_map(|t| match t {
                Target::Text(f) => Some(f.name().to_string()),
                Target::Bytes => None,
            })
            .chain(["other".to_string()])
            .collect(),
    }
}

/// `../shared/corpus` beside the repository, or `THEMA_CORPUS_DIR` (a git
/// worktree elsewhere has no `../shared`).
fn corpus_dir() -> PathBuf {
    std::env::var_os("THEMA_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"))
}

fn seeds(target: Target) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    for dir in seed_dirs(target) {
        paths.extend(files(&repo().join("tests/fixtures").join(&dir)));
        paths.extend(files(&corpus_dir().join(&dir)));
        paths.extend(files(&cases_dir().join(&dir)));
    }
    paths.extend(files(&cases_dir().join(target.name())));
    paths.sort();
    paths.dedup();
    let mut out: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|mut bytes| {
            if bytes.len() > MAX_SEED {
                let cut = bytes[..MAX_SEED]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(MAX_SEED, |i| i + 1);
                bytes.truncate(cut);
            }
            bytes
        })
        .collect();
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}

/// Tokens that mean something to some parser: tags, delimiters, markup.
const TOKENS: &[&[u8]] = &[
    b"TY  - JOUR\n",
    b"ER  - \n",
    b"AU  - ",
    b"TI  - ",
    b"  - ",
    b"RT Journal Article\n",
    b"A1 ",
    b"PMID- 1\n",
    b"FAU - ",
    b"AB  - ",
    b"      ",
    b"%0 Journal Article\n",
    b"%A ",
    b"%T ",
    b"FN Clarivate\n",
    b"PT J\n",
    b"AU ",
    b"ER\n",
    b"EF\n",
    b"<1>\n",
    b"Authors\n",
    b"Title\n",
    b"@article{",
    b"@string{a = ",
    b"@comment{",
    b"@preamble{",
    b"#",
    b"{",
    b"}",
    b"\"",
    b"\\",
    b"\\\"{o}",
    b"=",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\n\n",
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&#x0;",
    b"&#1114112;",
    b"&#x1b;",
    b"<record>",
    b"</record>",
    b"<PubmedArticle>",
    b"</PubmedArticle>",
    b"<ArticleTitle>",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"&a;",
    b"<?xml version=\"1.0\"?>",
    b"<style face=\"bold\">",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00",
    b"\r",
    b"\r\n",
    b"\x1b[31m",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xf0\x9f\x98\x80",
    b"\xc3",
    b"\x80",
    b"0000",
    b"99999999999999999999",
    b"-1",
    b"2024",
];

/// Single bytes worth trying in any position.
const BYTES: &[u8] = b"\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x80\xc2\xff {}[]<>\"'\\@%#=,;:-/&";

/// Where lines start, for line-level mutations.
fn line_starts(input: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            input
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < input.len())
        .collect()
}

/// A whole random line of `input` (with its `\n`), if it has one.
fn random_line(rng: &mut Rng, input: &[u8]) -> Option<(usize, usize)> {
    let starts = line_starts(input);
    if starts.is_empty() {
        return None;
    }
    let start = *rng.pick(&starts);
    let end = input[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(input.len(), |i| start + i + 1);
    Some((start, end))
}

fn mutate_once(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let at = rng.below(input.len() + 1);
    match rng.below(12) {
        // Flip a few bits.
        0 => {
            for _ in 0..=rng.below(8) {
                if !input.is_empty() {
                    let i = rng.below(input.len());
                    input[i] ^= 1 << rng.below(8);
                }
            }
        }
        // Overwrite or insert a byte that means something.
        1 => {
            let b = *rng.pick(BYTES);
            match input.get_mut(at) {
                Some(slot) if rng.below(2) == 0 => *slot = b,
                _ => input.insert(at, b),
            }
        }
        // Insert a token.
        2 => {
            let token = *rng.pick(TOKENS);
            input.splice(at..at, token.iter().copied());
        }
        // Splice: this input's head, another seed's tail.
        3 => {
            let other = rng.pick(seeds);
            let from = rng.below(other.len() + 1);
            input.truncate(at);
            input.extend_from_slice(&other[from..]);
        }
        // Duplicate a line, a few or very many times.
        4 => {
            if let Some((start, end)) = random_line(rng, input) {
                let line = input[start..end].to_vec();
                let times = if rng.below(4) == 0 {
                    1 + rng.below(2000)
                } else {
                    1 + rng.below(3)
                };
                // Capped first: a 24 KiB line 2000 times is slow to build.
                let len = (line.len() * times).min(MAX_INPUT);
                let copies: Vec<u8> = line.iter().copied().cycle().take(len).collect();
                input.splice(end..end, copies);
            }
        }
        // Delete a line, or swap two.
        5 => {
            if let Some((start, end)) = random_line(rng, input) {
                if rng.below(2) == 0 {
                    input.drain(start..end);
                } else if let Some((s2, e2)) = random_line(rng, input)
                    && (e2 <= start || end <= s2)
                {
                    let (a, b) = if s2 < start {
                        ((s2, e2), (start, end))
                    } else {
                        ((start, end), (s2, e2))
                    };
                    let mut out = input[..a.0].to_vec();
                    out.extend_from_slice(&input[b.0..b.1]);
                    out.extend_from_slice(&input[a.1..b.0]);
                    out.extend_from_slice(&input[a.0..a.1]);
                    out.extend_from_slice(&input[b.1..]);
                    *input = out;
                }
            }
        }
        // Truncate.
        6 => input.truncate(at),
        // Repeat a token or byte very many times.
        7 => {
            let token: Vec<u8> = if rng.below(2) == 0 {
                rng.pick(TOKENS).to_vec()
            } else {
                vec![*rng.pick(BYTES)]
            };
            let times = 1 + rng.below(20_000);
            let len = (token.len() * times).min(MAX_INPUT);
            let run: Vec<u8> = token.iter().copied().cycle().take(len).collect();
            input.splice(at..at, run);
        }
        // Nest deeply around a stretch of the input.
        8 => {
            let (open, close): (&[u8], &[u8]) = *rng.pick(&[
                (&b"{"[..], &b"}"[..]),
                (b"<i>", b"</i>"),
                (b"<style>", b"</style>"),
                (b"\"", b"\""),
                (b"(", b")"),
                (b"[", b"]"),
                (b"<![CDATA[", b"]]>"),
            ]);
            let depth = 1 + rng.below(5000);
            let end = (at + rng.below(64)).min(input.len());
            let inner = input[at..end].to_vec();
            let mut nested = open.repeat(depth);
            nested.extend_from_slice(&inner);
            if rng.below(4) != 0 {
                nested.extend_from_slice(&close.repeat(depth));
            }
            input.splice(at..end, nested);
        }
        // Copy a stretch of the input elsewhere.
        9 => {
            if !input.is_empty() {
                let from = rng.below(input.len());
                let len = rng.below(256).min(input.len() - from);
                let chunk = input[from..from + len].to_vec();
                let to = rng.below(input.len() + 1);
                input.splice(to..to, chunk);
            }
        }
        // Line endings: all CR, all CRLF, or none at all.
        10 => {
            *input = match rng.below(3) {
                0 => input
                    .iter()
                    .map(|&b| if b == b'\n' { b'\r' } else { b })
                    .collect(),
                1 => input
                    .iter()
                    .flat_map(|&b| {
                        if b == b'\n' {
                            vec![b'\r', b'\n']
                        } else {
                            vec![b]
                        }
                    })
                    .collect(),
                _ => input.iter().copied().filter(|&b| b != b'\n').collect(),
            }
        }
        // A long line: a field of many KiB.
        _ => {
            let fill = *rng.pick(b"a ,{<-\xc3");
            input.splice(at..at, std::iter::repeat_n(fill, 1 + rng.below(100_000)));
        }
    }
    input.truncate(MAX_INPUT);
}

/// The input for one iteration: a seed with 1–4 stacked mutations. Only
/// `seed` and the seed list decide it, so it can be replayed.
fn mutant(seed: u64, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut input = rng.pick(seeds).clone();
    for _ in 0..=rng.below(4) {
        mutate_once(&mut rng, &mut input, seeds);
    }
    input
}

/// The seed of iteration `i` of `target`, from the run's base seed.
fn iteration_seed(base: u64, target: Target, i: u64) -> u64 {
    let mut h = base ^ 0xcbf2_9ce4_8422_2325;
    for b in target.name().bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut rng = Rng(h ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    rng.next()
}

/// Saves a failing input where it can be copied into
/// `tests/fuzz_regressions/<target>/`.
fn save_failure(target: Target, seed: u64, input: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let path = dir.join(format!("{}-{seed:016x}", target.name()));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

#[test]
fn mutation_fuzz() {
    let total = Duration::from_secs(env_u64("THEMA_FUZZ_SECS").unwrap_or(20));
    let base = env_u64("THEMA_FUZZ_SEED").unwrap_or(0);
    let only = std::env::var("THEMA_FUZZ_TARGET").ok();
    let replay = std::env::var("THEMA_FUZZ_REPLAY").ok();
    if !corpus_dir().join("MANIFEST.tsv").exists() {
        println!(
            "mutation fuzz: {} not found; seeding from tests/fixtures only",
            corpus_dir().display()
        );
    }
    let targets: Vec<Target> = Target::all()
        .into_iter()
        .filter(|t| only.as_deref().is_none_or(|o| o == t.name()))
        .collect();
    assert!(!targets.is_empty(), "THEMA_FUZZ_TARGET names no target");

    // THEMA_FUZZ_REPLAY=<target>:<hex seed> reruns one failing input.
    if let Some(spec) = replay {
        let (name, hex) = spec
            .split_once(':')
            .expect("THEMA_FUZZ_REPLAY=<target>:<hex seed>");
        let target = Target::from_name(name).expect("THEMA_FUZZ_REPLAY names no target");
        let seed = u64::from_str_radix(hex, 16).expect("THEMA_FUZZ_REPLAY seed is not hex");
        let input = mutant(seed, &seeds(target));
        let saved = save_failure(target, seed, &input);
        println!(
            "replaying {name}:{hex} ({} bytes, saved to {saved})",
            input.len()
        );
        if let Some(why) = describe(&Worker::new().run(target, &input)) {
            panic!("{name}:{hex}: {why}");
        }
        return;
    }

    let per_target = total / targets.len() as u32;
    let mut failures = Vec::new();
    for target in targets {
        let seeds = seeds(target);
        let worker = Worker::new();
        let start = Instant::now();
        let (mut runs, mut bytes, mut slowest) = (0u64, 0usize, (Duration::ZERO, 0usize));
        while start.elapsed() < per_target {
            let seed = iteration_seed(base, target, runs);
            let input = mutant(seed, &seeds);
            runs += 1;
            bytes += input.len();
            let outcome = worker.run(target, &input);
            if let Outcome::Ok(took) = outcome {
                if took > slowest.0 {
                    slowest = (took, input.len());
                    // Kept for a look at what is slow (it is no failure).
                    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-slowest");
                    let _ = std::fs::create_dir_all(&dir)
                        .and_then(|()| std::fs::write(dir.join(target.name()), &input));
                }
                continue;
            }
            let why = describe(&outcome).unwrap_or_default();
            let saved = save_failure(target, seed, &input);
            failures.push(format!(
                "{}: {why}\n  input ({} bytes) saved to {saved}\n  replay: \
                 THEMA_FUZZ_REPLAY={}:{seed:016x} cargo test --test fuzz_regressions mutation_fuzz",
                target.name(),
                input.len(),
                target.name()
            ));
            // One failure per target is enough to act on.
            break;
        }
        println!(
            "mutation fuzz {:>11}: {runs} inputs ({} KiB) from {} seeds in {:.1?}; slowest {:.1?} ({} bytes)",
            target.name(),
            bytes / 1024,
            seeds.len(),
            start.elapsed(),
            slowest.0,
            slowest.1
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
