//! GRADE-CERQual: cerqual.toml (round trip, keys of other tools, an
//! invalid file, links), two writers at once (merge and lock), the form in
//! the codebook view, codebook changes and `thema check`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use thema::review::cerqual::{
    self, Assessment, Assessments, CerqualError, Component, Concern, Confidence, Judgement,
    WriteLock,
};

const FILE: &str = r#"# kept? no: thema writes its own header
tool = "other"

[factors.access]
finding = "Rural patients reach specialists late."
score = 3

[factors.access.coherence]
level = "minor"
explanation = "One study disagrees."
by = "bob"

[factors.access.overall]
level = "moderate"
explanation = "Minor concerns about coherence and adequacy."

[factors.access.meta]
reviewed = true
"#;

fn concern(level: Concern, why: &str) -> Judgement<Concern> {
    Judgement {
        level: Some(level),
        explanation: why.into(),
        extra: BTreeMap::new(),
    }
}

#[test]
fn the_file_round_trips_in_a_fixed_order_and_keeps_keys_of_other_tools() {
    let a = Assessments::parse("cerqual.toml", FILE).expect("parses");
    let access = a.get("access").expect("access assessed");
    assert_eq!(access.finding, "Rural patients reach specialists late.");
    assert_eq!(access.coherence.level, Some(Concern::Minor));
    assert_eq!(access.overall.level, Some(Confidence::Moderate));
    assert!(access.adequacy.is_empty());
    let written = a.to_toml().expect("writes");
    let again = Assessments::parse("cerqual.toml", &written).expect("reads back");
    assert_eq!(a, again, "{written}");
    assert_eq!(written, again.to_toml().expect("writes"), "stable");
    for kept in [
        "tool = \"other\"",
        "score = 3",
        "by = \"bob\"",
        "reviewed = true",
    ] {
        assert!(written.contains(kept), "{kept} kept:\n{written}");
    }
    // Components in CERQual's order, overall last, levels as ids.
    let coherence = written
        .find("[factors.access.coherence]")
        .expect("coherence");
    let overall = written.find("[factors.access.overall]").expect("overall");
    assert!(coherence < overall, "{written}");
    assert!(written.contains("level = \"moderate\""), "{written}");
}

#[test]
fn factors_are_written_by_id_and_empty_assessments_not_at_all() {
    let mut a = Assessments::default();
    for id in ["zeta", "alpha", "empty"] {
        a.factors.insert(
            id.into(),
            Assessment {
                finding: if id == "empty" {
                    String::new()
                } else {
                    format!("{id} finding")
                },
                ..Assessment::default()
            },
        );
    }
    let written = a.to_toml().expect("writes");
    let alpha = written.find("[factors.alpha]").expect("alpha");
    let zeta = written.find("[factors.zeta]").expect("zeta");
    assert!(alpha < zeta, "{written}");
    assert!(!written.contains("empty"), "{written}");
}

#[test]
fn an_invalid_file_is_an_error_with_its_line_and_is_never_written_over() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cerqual.toml");
    let bad =
        "[factors.access]\nfinding = \"ok\"\n\n[factors.access.coherence]\nlevel = \"awful\"\n";
    std::fs::write(&path, bad).expect("write");
    let err = Assessments::load(dir.path()).expect_err("an unknown level");
    let CerqualError::Invalid(d) = &err else {
        panic!("{err}");
    };
    assert_eq!(d.line, Some(5), "{err}");
    assert!(d.file.ends_with("cerqual.toml"));
    assert!(
        err.brief().starts_with("cerqual.toml:5: "),
        "{}",
        err.brief()
    );
    assert!(err.to_string().contains("no_or_very_minor"), "{err}");
    // A save refuses too, and the file stays as it was.
    let ours = Assessment {
        finding: "new".into(),
        ..Assessment::default()
    };
    let err = cerqual::save(dir.path(), "access", &Assessment::default(), &ours)
        .expect_err("not written over");
    assert!(err.to_string().contains("no longer parses"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), bad);
    assert!(!WriteLock::path(dir.path()).exists(), "lock released");
}

#[test]
fn a_missing_file_is_no_assessments_and_a_link_or_huge_file_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(
        Assessments::load(dir.path()).expect("missing"),
        Assessments::default()
    );
    let elsewhere = dir.path().join("elsewhere.toml");
    std::fs::write(&elsewhere, FILE).expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("cerqual.toml")).expect("link");
        let err = Assessments::load(dir.path()).expect_err("a link");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        std::fs::remove_file(dir.path().join("cerqual.toml")).expect("unlink");
    }
    let big = std::fs::File::create(dir.path().join("cerqual.toml")).expect("create");
    big.set_len(cerqual::MAX_BYTES + 1).expect("grow");
    let err = Assessments::load(dir.path()).expect_err("too big");
    assert!(err.to_string().contains("not read"), "{err}");
}

#[test]
fn two_writers_keep_each_others_fields_and_a_field_both_changed_is_reported() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("cerqual.toml"), FILE).expect("write");
    // Both sessions loaded the same file.
    let base = Assessments::load(dir.path())
        .expect("loads")
        .get("access")
        .cloned()
        .expect("access");
    // Alice: the finding and coherence.
    let mut alice = base.clone();
    alice.finding = "Rural patients reach specialists months late.".into();
    alice.coherence = concern(Concern::Moderate, "Two studies disagree.");
    let saved = cerqual::save(dir.path(), "access", &base, &alice).expect("alice saves");
    assert!(saved.conflicts.is_empty());
    // Bob, from the same base: adequacy, and coherence differently.
    let mut bob = base.clone();
    bob.adequacy = concern(Concern::Serious, "Three thin studies.");
    bob.coherence = concern(Concern::NoOrVeryMinor, "All agree.");
    let saved = cerqual::save(dir.path(), "access", &base, &bob).expect("bob saves");
    assert_eq!(
        saved.conflicts,
        [cerqual::Field::Component(Component::Coherence)]
    );
    let on_disk = Assessments::load(dir.path()).expect("loads");
    let access = on_disk.get("access").expect("access");
    assert_eq!(access.finding, alice.finding, "alice's finding kept");
    assert_eq!(access.adequacy, bob.adequacy, "bob's adequacy written");
    assert_eq!(access.coherence, alice.coherence, "the file keeps alice's");
    assert_eq!(saved.assessments, on_disk);
    // Bob, told, keeps his again: now over what he has seen.
    let seen = saved.assessments.get("access").cloned().expect("access");
    let again = cerqual::save(dir.path(), "access", &seen, &bob).expect("bob again");
    assert!(again.conflicts.is_empty());
    let access = Assessments::load(dir.path()).expect("loads");
    assert_eq!(
        access.get("access").expect("access").coherence,
        bob.coherence
    );
}

#[test]
fn a_live_lock_makes_a_save_wait_and_give_up_and_a_stale_one_is_taken_over() {
    let dir = tempfile::tempdir().expect("dir");
    let ours = Assessment {
        finding: "A finding".into(),
        ..Assessment::default()
    };
    let held = WriteLock::acquire(dir.path()).expect("first lock");
    let lock_text = std::fs::read_to_string(WriteLock::path(dir.path())).expect("lock");
    assert_eq!(lock_text.trim(), std::process::id().to_string());
    let err =
        cerqual::save(dir.path(), "access", &Assessment::default(), &ours).expect_err("locked");
    assert!(matches!(err, CerqualError::Busy { .. }), "{err}");
    assert!(err.brief().contains("keep again"), "{}", err.brief());
    assert!(!dir.path().join("cerqual.toml").exists(), "nothing written");
    drop(held);
    assert!(!WriteLock::path(dir.path()).exists(), "freed on drop");

    // A crashed thema's lock, a minute old.
    let lock = WriteLock::path(dir.path());
    std::fs::write(&lock, "99999\n").expect("plant");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&lock)
        .expect("open")
        .set_modified(old)
        .expect("age it");
    cerqual::save(dir.path(), "access", &Assessment::default(), &ours).expect("taken over");
    let on_disk = Assessments::load(dir.path()).expect("loads");
    assert_eq!(on_disk.get("access").expect("saved").finding, "A finding");
    assert!(!lock.exists());
}

#[test]
fn concurrent_writers_in_threads_never_lose_a_factor() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().to_path_buf();
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let ours = Assessment {
                    finding: format!("finding {i}"),
                    ..Assessment::default()
                };
                cerqual::save(&path, &format!("f{i}"), &Assessment::default(), &ours)
                    .expect("saves")
            })
        })
        .collect();
    for w in writers {
        w.join().expect("joined");
    }
    let all = Assessments::load(Path::new(&path)).expect("loads");
    assert_eq!(all.factors.len(), 8, "{all:?}");
}
