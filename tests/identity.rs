//! A coding never moves to another paper: ids come from each record's own
//! content, codings remember the paper they were made on, codings filed
//! under an earlier thema's ids move once, and no codebook change of one
//! reviewer drops another's coding.

mod common;

use std::path::Path;

use assert_cmd::Command;
use thema::app::{App, Effect};
use thema::keys::action::Action;
use thema::review::Review;
use thema::review::codebook::CodebookEdit;
use thema::review::codings::{Codings, Store};
use thema::review::workspace::Workspace;

use common::{NUDGES_ROWS as ROWS, nudges_review};

fn open_review(dir: &Path) -> Review {
    Review::open_with(dir, None, None).expect("review opens")
}

/// The reviewer's codings as the workbench opens them: read, reconciled
/// with the sources, saved if that changed anything.
fn open_app(dir: &Path, reviewer: &str) -> (App, Workspace) {
    let review = open_review(dir);
    let path = Codings::path(&review.config.codings_dir, reviewer);
    let (mut store, mut codings) = Store::open(&path, reviewer).expect("store");
    if review.reconcile(&mut codings).changed() {
        store.save(&mut codings, None).expect("save");
    }
    (App::new(review, codings), Workspace::new(dir, store))
}

fn press(app: &mut App, store: &mut Workspace, action: Action) {
    let effect = app.update(action);
    store.carry_out(app, effect);
}

fn select(app: &mut App, store: &mut Workspace, title: &str) {
    press(app, store, Action::First);
    for _ in 0..app.review.papers.len() {
        if app.current_paper().is_some_and(|p| p.record.title == title) {
            return;
        }
        press(app, store, Action::Down);
    }
    panic!("no paper titled {title}");
}

/// Titles of the papers coded with `factor`, as the tally counts them.
fn coded_with(app: &App, factor: &str) -> Vec<String> {
    let mut titles: Vec<String> = app
        .review
        .papers
        .iter()
        .filter(|p| app.codings.has(&p.id, factor))
        .map(|p| p.record.title.clone())
        .collect();
    titles.sort();
    titles
}

fn thema(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("thema").expect("binary");
    cmd.current_dir(dir)
        .env("THEMA_CACHE_DIR", "")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env_remove("THEMA_CONFIG");
    cmd
}

#[test]
fn a_record_inserted_before_a_coded_one_leaves_the_coding_on_its_paper() {
    let dir = nudges_review();
    let (mut app, mut store) = open_app(dir.path(), "alice");
    select(&mut app, &mut store, "Cluster trial of gamma nudges");
    press(&mut app, &mut store, Action::ToggleFactor(0));
    assert_eq!(
        coded_with(&app, "uptake"),
        ["Cluster trial of gamma nudges"]
    );

    // A re-export puts a new record first.
    let rows = ROWS.replace(
        "Title,Abstract\n",
        "Title,Abstract\nCluster trial of delta nudges,Zero.\n",
    );
    std::fs::write(dir.path().join("data/rows.csv"), rows).expect("rows");
    let (app, _) = open_app(dir.path(), "alice");
    assert_eq!(
        coded_with(&app, "uptake"),
        ["Cluster trial of gamma nudges"]
    );

    // The file names the paper it was coded on, readable in a diff.
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("read");
    assert!(text.contains("cite = \"Anon n.d.\"\ntitle = \"Cluster trial of gamma nudges\"\nfactors = [\"uptake\"]"), "{text}");
    let out = thema(dir.path())
        .args(["tally", "--reviewer", "alice", "--format", "csv"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("uptake,Uptake,1,"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn codings_under_round_one_ids_move_once_to_the_new_ids_and_check_says_so() {
    let dir = nudges_review();
    // Written by round one: gamma was the third record, `anonndcluster-c`.
    std::fs::write(
        common::codings_file(dir.path(), "alice"),
        "reviewer = \"alice\"\n\n[papers.\"anonndcluster-c\"]\nfactors = [\"trust\"]\nnote = \"strong\"\n",
    )
    .expect("codings");
    let out = thema(dir.path()).args(["check"]).output().expect("runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("1 coding filed under an id the paper no longer has"),
        "{report}"
    );
    assert!(report.contains("alice next opens"), "{report}");

    let (app, _) = open_app(dir.path(), "alice");
    assert_eq!(coded_with(&app, "trust"), ["Cluster trial of gamma nudges"]);
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("read");
    assert!(!text.contains("anonndcluster-c"), "{text}");
    assert!(
        text.contains("title = \"Cluster trial of gamma nudges\""),
        "{text}"
    );
    assert!(text.contains("note = \"strong\""), "{text}");
    // Once moved, nothing more to say.
    let out = thema(dir.path()).args(["check"]).output().expect("runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("no longer has"));
}

#[test]
fn a_coding_whose_id_now_names_another_paper_is_set_aside_and_reported() {
    let dir = nudges_review();
    let review = open_review(dir.path());
    let gamma = review
        .papers
        .iter()
        .find(|p| p.record.title.contains("gamma"))
        .map(|p| p.id.clone())
        .expect("gamma");
    // Coded on a paper that the sources no longer give this id to (a
    // corrected DOI in a re-export, say).
    std::fs::write(
        common::codings_file(dir.path(), "alice"),
        format!(
            "reviewer = \"alice\"\n\n[papers.\"{gamma}\"]\ncite = \"Smith 2001\"\ntitle = \"Home care for heart failure\"\nfactors = [\"trust\"]\n"
        ),
    )
    .expect("codings");
    let out = thema(dir.path()).args(["check"]).output().expect("runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("were made on Smith 2001 \"Home care for heart failure\""),
        "{report}"
    );
    assert!(
        report.contains("Anon n.d. \"Cluster trial of gamma nudges\""),
        "{report}"
    );

    let (app, _) = open_app(dir.path(), "alice");
    assert!(
        coded_with(&app, "trust").is_empty(),
        "never attached to gamma"
    );
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("read");
    let file =
        thema::review::codings::Codings::parse("alice.toml", &text, "alice").expect("parses");
    assert_eq!(
        file.aside.get(&gamma).map(|c| c.cite.as_str()),
        Some("Smith 2001"),
        "kept aside under gamma's id with the paper it was made on: {text}"
    );
    let out = thema(dir.path())
        .args(["tally", "--reviewer", "alice", "--format", "csv"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("trust,Trust,0,"));
    let out = thema(dir.path()).args(["check"]).output().expect("runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(&format!("codings set aside under `{gamma}`")),
        "{report}"
    );
}

#[test]
fn a_merge_undone_while_another_reviewer_codes_loses_none_of_their_factors() {
    let dir = nudges_review();
    // Bob codes alpha with both factors and keeps thema open.
    let (mut bob, mut bob_store) = open_app(dir.path(), "bob");
    select(&mut bob, &mut bob_store, "Cluster trial of alpha nudges");
    press(&mut bob, &mut bob_store, Action::ToggleFactor(1));
    press(&mut bob, &mut bob_store, Action::ToggleFactor(0));
    assert_eq!(coded_with(&bob, "trust"), ["Cluster trial of alpha nudges"]);

    // Alice merges trust into uptake, and undoes it.
    let (mut alice, mut alice_store) = open_app(dir.path(), "alice");
    let merge = Effect::Codebook {
        edit: CodebookEdit::Merge {
            from: "trust".into(),
            into: "uptake".into(),
        },
        what: "merged Trust into Uptake".into(),
    };
    alice_store.carry_out(&mut alice, merge);
    assert!(alice.review.config.factor_index("trust").is_none());

    // Bob, open throughout, codes beta meanwhile; a new session of his
    // during the merge reads trust as uptake.
    select(&mut bob, &mut bob_store, "Cluster trial of beta nudges");
    press(&mut bob, &mut bob_store, Action::ToggleFactor(1));
    let (bob_during, _) = open_app(dir.path(), "bob");
    assert_eq!(
        coded_with(&bob_during, "uptake"),
        [
            "Cluster trial of alpha nudges",
            "Cluster trial of beta nudges"
        ]
    );

    press(&mut alice, &mut alice_store, Action::Undo);
    assert!(alice.review.config.factor_index("trust").is_some());
    select(&mut bob, &mut bob_store, "Cluster trial of gamma nudges");
    press(&mut bob, &mut bob_store, Action::ToggleFactor(0));

    let (bob_after, _) = open_app(dir.path(), "bob");
    assert_eq!(
        coded_with(&bob_after, "trust"),
        [
            "Cluster trial of alpha nudges",
            "Cluster trial of beta nudges"
        ]
    );
    assert_eq!(
        coded_with(&bob_after, "uptake"),
        [
            "Cluster trial of alpha nudges",
            "Cluster trial of gamma nudges"
        ]
    );
}

#[test]
fn a_merged_factor_is_written_back_under_the_id_it_was_coded_with() {
    let dir = nudges_review();
    let (mut app, mut store) = open_app(dir.path(), "alice");
    select(&mut app, &mut store, "Cluster trial of alpha nudges");
    press(&mut app, &mut store, Action::ToggleFactor(1));
    let merge = Effect::Codebook {
        edit: CodebookEdit::Merge {
            from: "trust".into(),
            into: "uptake".into(),
        },
        what: "merged Trust into Uptake".into(),
    };
    store.carry_out(&mut app, merge);
    assert_eq!(
        coded_with(&app, "uptake"),
        ["Cluster trial of alpha nudges"]
    );
    // Another change saves the file: alpha keeps `trust` on disk.
    select(&mut app, &mut store, "Cluster trial of beta nudges");
    press(&mut app, &mut store, Action::ToggleFactor(0));
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("read");
    assert!(
        text.contains("title = \"Cluster trial of alpha nudges\"\nfactors = [\"trust\"]"),
        "{text}"
    );
    // Taking the merged factor off and on again codes it under its own id.
    select(&mut app, &mut store, "Cluster trial of alpha nudges");
    press(&mut app, &mut store, Action::ToggleFactor(0));
    press(&mut app, &mut store, Action::ToggleFactor(0));
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("read");
    assert!(
        text.contains("title = \"Cluster trial of alpha nudges\"\nfactors = [\"uptake\"]"),
        "{text}"
    );
}
