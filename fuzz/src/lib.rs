//! The cargo-fuzz targets' shared check: the same invariants as the stable
//! mutation run in `cargo test` (`tests/fuzz_check/mod.rs`, included here by
//! path so there is one definition of what counts as a bug).

#[path = "../../tests/fuzz_check/mod.rs"]
mod fuzz_check;

pub use fuzz_check::Target;

/// Runs `data` through the target named like its folder under
/// `tests/fuzz_regressions/` (`ris`, `pubmed-xml`, `bytes` …) and panics,
/// which libFuzzer reports as a crash, if an invariant breaks.
pub fn run(target: &str, data: &[u8]) {
    let Some(t) = Target::from_name(target) else {
        panic!("no fuzz target `{target}`");
    };
    if let Err(broken) = t.check(data) {
        // Keep the report readable: a message may quote most of the input.
        let shown: String = broken.chars().take(400).collect();
        panic!("{shown}");
    }
}
