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

/// One reviewer sets a judgement's level, the other writes its
/// explanation: both stand, and neither is told of a clash.
#[test]
fn a_level_and_an_explanation_of_one_judgement_from_two_writers_both_stand() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("cerqual.toml"), FILE).expect("write");
    let base = Assessments::load(dir.path())
        .expect("loads")
        .get("access")
        .cloned()
        .expect("access");
    let mut alice = base.clone();
    alice.relevance.level = Some(Concern::Serious);
    alice.overall.explanation = "Serious concerns about relevance.".into();
    let saved = cerqual::save(dir.path(), "access", &base, &alice).expect("alice saves");
    assert!(saved.conflicts.is_empty());
    let mut bob = base.clone();
    bob.relevance.explanation = "Only UK district nursing.".into();
    bob.overall.level = Some(Confidence::Low);
    let saved = cerqual::save(dir.path(), "access", &base, &bob).expect("bob saves");
    assert!(saved.conflicts.is_empty(), "{:?}", saved.conflicts);
    let access = Assessments::load(dir.path()).expect("loads");
    let access = access.get("access").expect("access");
    assert_eq!(access.relevance.level, Some(Concern::Serious));
    assert_eq!(access.relevance.explanation, "Only UK district nursing.");
    assert_eq!(access.overall.level, Some(Confidence::Low));
    assert_eq!(
        access.overall.explanation,
        "Serious concerns about relevance."
    );
    // The same part changed two ways is still a clash.
    let seen = Assessments::load(dir.path()).expect("loads");
    let seen = seen.get("access").cloned().expect("access");
    let mut carol = base.clone();
    carol.relevance.level = Some(Concern::Minor);
    let clash = cerqual::save(dir.path(), "access", &base, &carol).expect("carol saves");
    assert_eq!(
        clash.conflicts,
        [cerqual::Field::Component(Component::Relevance)]
    );
    assert_eq!(
        Assessments::load(dir.path()).expect("loads").get("access"),
        Some(&seen),
        "the file keeps what was there"
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

/// A folder where the lock goes is not thema's: it is left alone and
/// named, and nothing is written.
#[test]
fn a_folder_at_the_lock_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    let lock = WriteLock::path(dir.path());
    std::fs::create_dir(&lock).expect("a folder where the lock goes");
    std::fs::write(lock.join("notes.txt"), "mine").expect("write");
    let err = cerqual::save(
        dir.path(),
        "access",
        &Default::default(),
        &Assessment {
            finding: "F.".into(),
            ..Default::default()
        },
    )
    .expect_err("refused");
    assert!(
        err.to_string()
            .ends_with("is a folder, not thema's lock file: remove it, then keep again"),
        "{err}"
    );
    assert!(
        lock.join("notes.txt").is_file(),
        "the folder is left as it was"
    );
    assert!(!dir.path().join("cerqual.toml").exists());
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

mod workbench {
    use super::common;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use thema::app::{App, Screen};
    use thema::keys::action::Action;
    use thema::keys::keymap::Layer;
    use thema::review::cerqual::{Assessments, Concern, Confidence};
    use thema::review::codings::Store;
    use thema::review::workspace::Workspace;
    use thema::ui::theme::Theme;

    /// The demo review as `thema` opens it for `reviewer`, CERQual included.
    pub fn open(dir: &std::path::Path, reviewer: &str) -> (App, Workspace) {
        let mut app = common::open_app(dir, reviewer);
        let (store, codings) =
            Store::open(&common::codings_file(dir, reviewer), reviewer).expect("store");
        app.codings = codings;
        app.set_cerqual(Assessments::load(dir));
        (app, Workspace::new(dir, store))
    }

    pub fn press(app: &mut App, ws: &mut Workspace, action: Action) {
        let effect = app.update(action);
        ws.carry_out(app, effect);
    }

    pub fn typed(app: &mut App, ws: &mut Workspace, text: &str) {
        for c in text.chars() {
            press(app, ws, Action::Insert(c));
        }
    }

    pub fn notice(app: &App) -> String {
        app.notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default()
    }

    pub fn screen(app: &App, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        terminal
            .draw(|f| thema::ui::draw(f, app, Theme::COLOR))
            .expect("draw");
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// Codes the first two papers with `communication` (the first factor).
    fn code_two(app: &mut App, ws: &mut Workspace) {
        press(app, ws, Action::ToggleFactor(0));
        press(app, ws, Action::Down);
        press(app, ws, Action::ToggleFactor(0));
    }

    /// Opens the form on the first factor (communication) from the codebook.
    fn open_form(app: &mut App, ws: &mut Workspace) {
        press(app, ws, Action::Codebook);
        assert_eq!(app.screen(), Screen::Codebook);
        press(app, ws, Action::EditCerqual);
        assert!(app.cerqual_form().is_some(), "{}", notice(app));
        assert_eq!(app.layer(), Layer::Edit);
    }

    #[test]
    fn the_form_records_a_finding_levels_and_explanations_into_cerqual_toml() {
        let dir = common::demo_copy();
        let (mut app, mut ws) = open(dir.path(), "alice");
        code_two(&mut app, &mut ws);
        open_form(&mut app, &mut ws);
        assert_eq!(app.cerqual_form().expect("form").studies.len(), 2);
        typed(&mut app, &mut ws, "Teams that meet talk more.");
        press(&mut app, &mut ws, Action::NextField); // methodological limitations
        press(&mut app, &mut ws, Action::CursorRight); // no or very minor
        press(&mut app, &mut ws, Action::CursorRight); // minor
        press(&mut app, &mut ws, Action::Newline); // its explanation
        typed(&mut app, &mut ws, "Two small studies.");
        // Overall: the last level, 2 = moderate.
        for _ in 0..7 {
            press(&mut app, &mut ws, Action::NextField);
        }
        press(&mut app, &mut ws, Action::Insert('2'));
        let shown = screen(&app, 80, 24);
        insta::assert_snapshot!("cerqual_form_80x24", shown);
        press(&mut app, &mut ws, Action::Confirm);
        assert!(app.overlay().is_none(), "{}", notice(&app));
        assert_eq!(notice(&app), "CERQual of 'Communication' saved");
        let file = Assessments::load(dir.path()).expect("written");
        let a = file.get("communication").expect("assessed");
        assert_eq!(a.finding, "Teams that meet talk more.");
        assert_eq!(a.methodological_limitations.level, Some(Concern::Minor));
        assert_eq!(
            a.methodological_limitations.explanation,
            "Two small studies."
        );
        assert_eq!(a.overall.level, Some(Confidence::Moderate));
        assert!(a.coherence.is_empty());
        // The codebook shows the confidence and the finding.
        let codebook = screen(&app, 80, 24);
        assert!(codebook.contains("moderate   Teams that"), "{codebook}");
        assert!(
            codebook.contains("Finding (Moderate confidence): Teams that meet talk more."),
            "{codebook}"
        );
    }

    #[test]
    fn esc_asks_before_throwing_away_what_was_written() {
        let dir = common::demo_copy();
        let (mut app, mut ws) = open(dir.path(), "alice");
        open_form(&mut app, &mut ws);
        app.paste("Pasted\r\nfinding");
        assert_eq!(
            app.cerqual_form().expect("form").assessment().finding,
            "Pasted\nfinding",
            "a paste is text in the finding, its paragraphs kept"
        );
        typed(&mut app, &mut ws, "x");
        press(&mut app, &mut ws, Action::Close);
        assert!(app.cerqual_form().is_some(), "one esc keeps the form");
        assert!(
            notice(&app).contains("esc again discards"),
            "{}",
            notice(&app)
        );
        press(&mut app, &mut ws, Action::Close);
        assert!(app.overlay().is_none());
        assert!(!dir.path().join("cerqual.toml").exists(), "nothing written");
        // Choosing a level after the warning is more work: esc asks again.
        press(&mut app, &mut ws, Action::EditCerqual);
        typed(&mut app, &mut ws, "x");
        press(&mut app, &mut ws, Action::Close);
        press(&mut app, &mut ws, Action::NextField);
        press(&mut app, &mut ws, Action::Insert('2'));
        press(&mut app, &mut ws, Action::Close);
        assert!(app.cerqual_form().is_some(), "the level is not thrown away");
    }

    #[test]
    fn two_reviewers_at_once_keep_both_sides_and_a_clash_is_said_and_kept_in_the_form() {
        let dir = common::demo_copy();
        let (mut alice, mut alice_ws) = open(dir.path(), "alice");
        let (mut bob, mut bob_ws) = open(dir.path(), "bob");
        // Both open the form on the same factor, before either saves.
        open_form(&mut alice, &mut alice_ws);
        open_form(&mut bob, &mut bob_ws);
        typed(&mut alice, &mut alice_ws, "Alice's finding.");
        press(&mut alice, &mut alice_ws, Action::NextField);
        press(&mut alice, &mut alice_ws, Action::NextField);
        press(&mut alice, &mut alice_ws, Action::NextField); // coherence level
        press(&mut alice, &mut alice_ws, Action::Insert('3'));
        press(&mut alice, &mut alice_ws, Action::Confirm);
        assert!(alice.overlay().is_none(), "{}", notice(&alice));
        // Bob: adequacy (no clash) and coherence (a clash).
        for _ in 0..3 {
            press(&mut bob, &mut bob_ws, Action::NextField);
        }
        press(&mut bob, &mut bob_ws, Action::Insert('1')); // coherence: no or very minor
        press(&mut bob, &mut bob_ws, Action::NextField);
        typed(&mut bob, &mut bob_ws, "They agree.");
        press(&mut bob, &mut bob_ws, Action::NextField); // adequacy level
        press(&mut bob, &mut bob_ws, Action::Insert('4'));
        press(&mut bob, &mut bob_ws, Action::Confirm);
        let said = notice(&bob);
        assert!(
            said.starts_with(
                "coherence of 'Communication' was changed by someone else: yours not saved — theirs: “Moderate concerns: They agree.”"
            ),
            "{said}"
        );
        let form = bob.cerqual_form().expect("bob's form stays open");
        let kept = form.assessment();
        assert_eq!(
            kept.coherence.level,
            Some(Concern::NoOrVeryMinor),
            "his own"
        );
        assert_eq!(kept.coherence.explanation, "They agree.");
        assert_eq!(kept.finding, "Alice's finding.", "hers, merged in");
        let file = Assessments::load(dir.path()).expect("loads");
        let a = file.get("communication").expect("assessed");
        assert_eq!(a.finding, "Alice's finding.");
        assert_eq!(
            a.coherence.level,
            Some(Concern::Moderate),
            "the file keeps hers"
        );
        assert_eq!(
            a.adequacy.level,
            Some(Concern::Serious),
            "his adequacy saved"
        );
        assert_eq!(
            a.coherence.explanation, "They agree.",
            "his explanation of coherence, which she left alone, saved"
        );
        // Keeping again writes his over hers, knowingly.
        press(&mut bob, &mut bob_ws, Action::Confirm);
        assert!(bob.overlay().is_none(), "{}", notice(&bob));
        let file = Assessments::load(dir.path()).expect("loads");
        let a = file.get("communication").expect("assessed");
        assert_eq!(a.coherence.level, Some(Concern::NoOrVeryMinor));
        assert_eq!(a.finding, "Alice's finding.");
    }

    /// Saving the finding leaves every other field as the file wrote it,
    /// line breaks and tabs too (a one-line field shows them as spaces).
    #[test]
    fn a_save_leaves_fields_nobody_touched_as_the_file_holds_them() {
        let dir = common::demo_copy();
        let explanation = "First line.\n\tIndented second line.";
        std::fs::write(
            dir.path().join("cerqual.toml"),
            format!(
                "[factors.communication]\nfinding = \"Old.\"\n\n\
                 [factors.communication.coherence]\nlevel = \"minor\"\nexplanation = {explanation:?}\n"
            ),
        )
        .expect("write");
        let (mut app, mut ws) = open(dir.path(), "alice");
        open_form(&mut app, &mut ws);
        typed(&mut app, &mut ws, " New.");
        press(&mut app, &mut ws, Action::Confirm);
        assert!(app.overlay().is_none(), "{}", notice(&app));
        let file = Assessments::load(dir.path()).expect("loads");
        let a = file.get("communication").expect("assessed");
        assert_eq!(a.finding, "Old. New.");
        assert_eq!(a.coherence.explanation, explanation, "untouched, unchanged");
    }

    /// A colleague's save reaches this session: the form opens on the file
    /// as it is now, and the workbench's export prints it, not the copy
    /// read at start-up.
    #[test]
    fn the_form_and_the_export_read_what_a_colleague_saved_meanwhile() {
        let dir = common::demo_copy();
        let (mut alice, mut alice_ws) = open(dir.path(), "alice");
        let (mut bob, bob_ws) = open(dir.path(), "bob");
        let mut bob_ws = bob_ws.with_exporter(thema::export::files_for_workbench);
        open_form(&mut alice, &mut alice_ws);
        typed(&mut alice, &mut alice_ws, "Alice's finding.");
        press(&mut alice, &mut alice_ws, Action::Confirm);
        assert!(alice.overlay().is_none(), "{}", notice(&alice));
        // Bob opened before Alice saved.
        open_form(&mut bob, &mut bob_ws);
        assert_eq!(
            bob.cerqual_form().expect("form").assessment().finding,
            "Alice's finding."
        );
        press(&mut bob, &mut bob_ws, Action::Close);
        press(&mut bob, &mut bob_ws, Action::Close);
        // Alice changes it again while Bob's form is closed; Bob exports.
        press(&mut alice, &mut alice_ws, Action::EditCerqual);
        for _ in 0.."Alice's finding.".len() {
            press(&mut alice, &mut alice_ws, Action::DeleteBack);
        }
        typed(&mut alice, &mut alice_ws, "Revised.");
        press(&mut alice, &mut alice_ws, Action::Confirm);
        press(
            &mut bob,
            &mut bob_ws,
            Action::ExportAs(thema::keys::action::ExportFormat::Md),
        );
        let md = std::fs::read_to_string(dir.path().join("exports/bob-all.md")).expect("exported");
        assert!(md.contains("| Revised. |"), "{md}");
        assert!(!md.contains("Alice's finding."), "{md}");
    }

    #[test]
    fn an_invalid_file_leaves_the_workbench_open_and_the_form_closed() {
        let dir = common::demo_copy();
        let bad = "[factors.communication\nfinding = \"x\"\n";
        std::fs::write(dir.path().join("cerqual.toml"), bad).expect("write");
        let (mut app, mut ws) = open(dir.path(), "alice");
        press(&mut app, &mut ws, Action::Codebook);
        press(&mut app, &mut ws, Action::EditCerqual);
        assert!(app.overlay().is_none());
        assert!(
            notice(&app)
                .starts_with("CERQual not editable until cerqual.toml is fixed: cerqual.toml:1:"),
            "{}",
            notice(&app)
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("cerqual.toml")).expect("read"),
            bad
        );
    }

    #[test]
    fn renaming_a_factor_keeps_its_assessment() {
        let dir = common::demo_copy();
        std::fs::write(
            dir.path().join("cerqual.toml"),
            "[factors.communication]\nfinding = \"Teams talk.\"\n\n[factors.communication.overall]\nlevel = \"low\"\n",
        )
        .expect("write");
        let (mut app, mut ws) = open(dir.path(), "alice");
        press(&mut app, &mut ws, Action::Codebook);
        press(&mut app, &mut ws, Action::RenameFactor);
        for _ in 0.."Communication".len() {
            press(&mut app, &mut ws, Action::DeleteBack);
        }
        typed(&mut app, &mut ws, "Talking");
        press(&mut app, &mut ws, Action::Confirm);
        assert_eq!(
            app.review.config.factors[0].label,
            "Talking",
            "{}",
            notice(&app)
        );
        let shown = screen(&app, 80, 24);
        assert!(shown.contains("low        Teams talk."), "{shown}");
        press(&mut app, &mut ws, Action::EditCerqual);
        let form = app.cerqual_form().expect("form");
        assert_eq!(form.assessment().finding, "Teams talk.");
        assert_eq!(form.assessment().overall.level, Some(Confidence::Low));
    }
}

#[test]
fn check_warns_about_assessments_of_factors_merged_away_or_not_in_the_codebook() {
    use thema::review::codebook::{self, CodebookEdit};
    use thema::review::places::Places;
    let dir = common::demo_copy();
    std::fs::write(
        dir.path().join("cerqual.toml"),
        "[factors.communication]\nfinding = \"Teams talk.\"\n\n\
         [factors.gone]\nfinding = \"Old.\"\n\n[factors.roles]\nfinding = \"Roles blur.\"\n",
    )
    .expect("write");
    let clean = thema::review::check::check(dir.path(), &Places::none());
    assert!(
        !clean.problems.iter().any(|p| p.message.contains("roles")),
        "{:?}",
        clean.problems
    );
    codebook::apply(
        dir.path(),
        &CodebookEdit::Merge {
            from: "roles".into(),
            into: "communication".into(),
        },
    )
    .expect("merged");
    let report = thema::review::check::check(dir.path(), &Places::none());
    let cerqual: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.file.ends_with("cerqual.toml"))
        .map(|p| p.to_string())
        .collect();
    assert_eq!(cerqual.len(), 2, "{cerqual:?}");
    assert!(
        cerqual[0].contains("cerqual.toml:4: warning: a CERQual assessment for factor `gone`"),
        "{cerqual:?}"
    );
    assert!(
        cerqual[1].contains("cerqual.toml:7: warning: the CERQual assessment of `roles` stays in the file, but `roles` was merged into `communication`"),
        "{cerqual:?}"
    );
    // The file is as it was: undoing the merge finds the assessment.
    let kept = Assessments::load(dir.path()).expect("loads");
    assert_eq!(kept.get("roles").expect("kept").finding, "Roles blur.");
}

#[test]
fn check_reports_an_invalid_cerqual_file_as_an_error_with_its_line() {
    use thema::review::places::Places;
    let dir = common::demo_copy();
    std::fs::write(
        dir.path().join("cerqual.toml"),
        "[factors.communication.overall]\nlevel = \"great\"\n",
    )
    .expect("write");
    let report = thema::review::check::check(dir.path(), &Places::none());
    let err = report
        .problems
        .iter()
        .find(|p| p.file.ends_with("cerqual.toml"))
        .expect("reported");
    assert!(err.is_error());
    assert_eq!(err.line, Some(2));
}

#[test]
fn after_a_merge_the_codebook_shows_the_merged_factors_finding_to_fold_in() {
    use workbench::{open, press, screen};
    let dir = common::demo_copy();
    std::fs::write(
        dir.path().join("cerqual.toml"),
        "[factors.roles]\nfinding = \"Roles blur.\"\n",
    )
    .expect("write");
    let (mut app, mut ws) = open(dir.path(), "alice");
    press(&mut app, &mut ws, thema::keys::action::Action::Codebook);
    press(&mut app, &mut ws, thema::keys::action::Action::Down); // roles
    press(&mut app, &mut ws, thema::keys::action::Action::MergeFactor);
    press(&mut app, &mut ws, thema::keys::action::Action::Confirm); // into communication
    assert_eq!(app.review.config.factors.len(), 4);
    press(&mut app, &mut ws, thema::keys::action::Action::First);
    let shown = screen(&app, 80, 24);
    assert!(
        shown.contains("Merged `roles` has its own CERQual finding, kept: Roles blur."),
        "{shown}"
    );
}

#[test]
fn a_save_while_another_thema_holds_the_lock_keeps_the_form_and_says_so() {
    use thema::keys::action::Action;
    use workbench::{notice, open, press, typed};
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path(), "alice");
    press(&mut app, &mut ws, Action::Codebook);
    press(&mut app, &mut ws, Action::EditCerqual);
    typed(&mut app, &mut ws, "Teams talk.");
    let held = WriteLock::acquire(dir.path()).expect("another thema's lock");
    press(&mut app, &mut ws, Action::Confirm);
    let form = app.cerqual_form().expect("the form stays open");
    assert_eq!(form.assessment().finding, "Teams talk.", "nothing lost");
    assert!(
        notice(&app).starts_with(
            "CERQual of 'Communication' NOT saved: cerqual.toml is being written by another thema"
        ),
        "{}",
        notice(&app)
    );
    drop(held);
    press(&mut app, &mut ws, Action::Confirm);
    assert!(app.overlay().is_none(), "{}", notice(&app));
    let saved = Assessments::load(dir.path()).expect("loads");
    assert_eq!(
        saved.get("communication").expect("saved").finding,
        "Teams talk."
    );
}

#[test]
fn the_workbench_opens_on_an_invalid_file_and_says_where_it_is_wrong() {
    use thema::review::places::Places;
    let dir = common::demo_copy();
    std::fs::write(dir.path().join("cerqual.toml"), "tool = \n").expect("write");
    let bench = thema::cli::prepare_workbench(dir.path(), Some("alice"), &Places::none())
        .expect("opens all the same");
    let said = bench
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        said.starts_with("CERQual not editable until fixed: cerqual.toml:1:"),
        "{said}"
    );
    assert!(bench.app.cerqual_error.is_some());
}
