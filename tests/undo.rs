//! Undo and redo of coding and codebook changes, flags and exclusions, with
//! the run loop's effects carried out on a temp copy of the demo review.

mod common;

use thema::app::{App, Effect};
use thema::keys::action::Action;
use thema::keys::keymap::Layer;
use thema::review::codings::{Codings, Store};
use thema::review::history::History;
use thema::review::workspace::Workspace;

/// The demo review with its workspace, as `thema` opens it.
fn open(dir: &std::path::Path) -> (App, Workspace) {
    let mut app = common::open_app(dir, "alice");
    let (store, codings) =
        Store::open(&common::codings_file(dir, "alice"), "alice").expect("store");
    app.codings = codings;
    let (history, _) = History::load(&History::path(&dir.join("data/codings"), "alice"));
    app.history = history;
    (app, Workspace::new(dir, store))
}

/// One key press as the run loop handles it: update, then its effect.
fn press(app: &mut App, store: &mut Workspace, action: Action) {
    let effect = app.update(action);
    store.carry_out(app, effect);
}

fn notice(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn every_coding_change_undoes_and_redoes_in_order_and_names_itself() {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    press(&mut app, &mut store, Action::Last); // Walshe 2008
    press(&mut app, &mut store, Action::ToggleFactor(1));
    press(&mut app, &mut store, Action::ToggleFlag);
    press(&mut app, &mut store, Action::First);
    press(&mut app, &mut store, Action::EditQuote);
    for c in "rapid access".chars() {
        press(&mut app, &mut store, Action::Insert(c));
    }
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(app.history.done().len(), 3);

    press(&mut app, &mut store, Action::Undo);
    assert_eq!(
        notice(&app),
        "undid: quote for Roles and responsibilities on Aitken 2006 (+ Roles and responsibilities)",
        "a quote for the factor last toggled"
    );
    assert!(
        app.coding_of(0).is_none(),
        "the quote and the factor it coded"
    );
    press(&mut app, &mut store, Action::Undo);
    assert_eq!(notice(&app), "undid: flagged Walshe 2008");
    assert_eq!(
        app.current_paper()
            .map(|p| p.short_cite())
            .unwrap_or_default(),
        "Walshe 2008",
        "undo shows the paper"
    );
    press(&mut app, &mut store, Action::Undo);
    assert_eq!(
        notice(&app),
        "undid: Roles and responsibilities on Walshe 2008"
    );
    assert!(app.codings.papers.is_empty());
    press(&mut app, &mut store, Action::Undo);
    assert_eq!(notice(&app), "Nothing to undo");

    press(&mut app, &mut store, Action::Redo);
    assert!(app.selected_has(1));
    assert_eq!(app.tally.rows[1].studies, 1);
    let on_disk = Codings::load(&common::codings_file(dir.path(), "alice"), "alice").expect("load");
    assert_eq!(on_disk, app.codings, "every undo and redo is saved at once");

    // A new change clears what could be redone.
    press(&mut app, &mut store, Action::ToggleFactor(0));
    press(&mut app, &mut store, Action::Redo);
    assert_eq!(notice(&app), "Nothing to redo");
}

#[test]
fn the_history_survives_a_restart() {
    let dir = common::demo_copy();
    {
        let (mut app, mut store) = open(dir.path());
        press(&mut app, &mut store, Action::ToggleFactor(3));
        press(&mut app, &mut store, Action::ToggleFactor(4));
    }
    let (mut app, mut store) = open(dir.path());
    assert_eq!(app.history.done().len(), 2);
    press(&mut app, &mut store, Action::Undo);
    assert!(app.selected_has(3) && !app.selected_has(4));
    let on_disk = Codings::load(&common::codings_file(dir.path(), "alice"), "alice").expect("load");
    assert!(on_disk.has("pmid:16607244", "access"));
    assert!(!on_disk.has("pmid:16607244", "coordination"));
}

#[test]
fn excluded_papers_leave_the_denominator_and_come_back() {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    press(&mut app, &mut store, Action::ToggleFactor(0));
    press(&mut app, &mut store, Action::Exclude);
    assert_eq!(app.layer(), Layer::Pick);
    press(&mut app, &mut store, Action::Down);
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(
        app.codings.get("pmid:16607244").excluded,
        "Wrong intervention or exposure"
    );
    assert_eq!(app.tally.papers, 7);
    assert_eq!(app.tally.excluded, 1);
    assert_eq!(
        app.tally.rows[0].studies, 0,
        "an excluded paper supports nothing"
    );
    let listed = |app: &thema::app::App, row| app.papers_with(row).collect::<Vec<_>>();
    assert!(
        listed(&app, 0).is_empty(),
        "nor is it listed under the factor"
    );
    let uncoded_row = app.factor_count();
    assert!(!listed(&app, uncoded_row).contains(&0), "nor under uncoded");
    press(&mut app, &mut store, Action::Exclude);
    assert_eq!(listed(&app, 0), [0]);
    assert_eq!(app.tally.papers, 8, "x again includes it");
    assert_eq!(app.tally.rows[0].studies, 1);
    press(&mut app, &mut store, Action::Undo);
    assert_eq!(app.tally.papers, 7);
}

#[test]
fn exclusion_reasons_come_from_config_when_set() {
    let dir = common::demo_copy();
    let config = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    let config = config.replacen(
        "short_title = \"Gardiner 2012\"",
        "short_title = \"Gardiner 2012\"\nexclusion_reasons = [\"Not about partnership\", \"No primary data\"]",
        1,
    );
    std::fs::write(dir.path().join("config.toml"), config).expect("write");
    let (mut app, mut store) = open(dir.path());
    press(&mut app, &mut store, Action::Exclude);
    let items: Vec<String> = app
        .pick()
        .map(|p| p.items.iter().map(|i| i.0.clone()).collect())
        .unwrap_or_default();
    assert_eq!(items, ["Not about partnership", "No primary data"]);
    press(&mut app, &mut store, Action::Close);
    assert_eq!(app.layer(), Layer::Normal);
    assert!(app.codings.papers.is_empty(), "esc excludes nothing");
}

#[test]
fn codebook_changes_are_written_undone_and_redone() {
    let dir = common::demo_copy();
    let config_path = dir.path().join("config.toml");
    let original = std::fs::read_to_string(&config_path).expect("read");
    let (mut app, mut store) = open(dir.path());
    // Aitken: communication + roles; Walshe: communication.
    press(&mut app, &mut store, Action::ToggleFactor(0));
    press(&mut app, &mut store, Action::ToggleFactor(1));
    press(&mut app, &mut store, Action::Last);
    press(&mut app, &mut store, Action::ToggleFactor(0));

    press(&mut app, &mut store, Action::Codebook);
    assert_eq!(app.layer(), Layer::Codebook);
    press(&mut app, &mut store, Action::AddFactor);
    for c in "Trust between professionals".chars() {
        press(&mut app, &mut store, Action::Insert(c));
    }
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(app.factor_count(), 6);
    let added = std::fs::read_to_string(&config_path).expect("read");
    assert!(added.contains("id = \"trust-between-professionals\""));
    assert!(added.contains("origin = \"emergent\""));
    assert_eq!(
        app.tally.rows.len(),
        6,
        "the new factor is in the tally at once"
    );

    // Merge communication into roles: Walshe gains roles, Aitken keeps one.
    press(&mut app, &mut store, Action::First);
    press(&mut app, &mut store, Action::MergeFactor);
    assert_eq!(app.layer(), Layer::Pick);
    press(&mut app, &mut store, Action::Confirm); // first other factor: roles
    assert_eq!(app.factor_count(), 5);
    assert!(
        !std::fs::read_to_string(&config_path)
            .expect("read")
            .contains("id = \"communication\"")
    );
    let on_disk = Codings::load(&common::codings_file(dir.path(), "alice"), "alice").expect("load");
    assert!(
        on_disk.has("doi:10.3399/bjgp08x279652", "communication"),
        "the file keeps what was coded"
    );
    assert!(app.codings.has("doi:10.3399/bjgp08x279652", "roles"));
    assert!(
        !app.codings
            .has("doi:10.3399/bjgp08x279652", "communication")
    );
    let roles = app.review.config.factor_index("roles").expect("roles");
    assert_eq!(app.tally.rows[roles].studies, 2);

    press(&mut app, &mut store, Action::Undo);
    assert!(
        notice(&app).starts_with("undid: merged Communication into"),
        "{}",
        notice(&app)
    );
    assert_eq!(app.factor_count(), 6);
    press(&mut app, &mut store, Action::Undo);
    assert_eq!(
        std::fs::read_to_string(&config_path).expect("read"),
        original,
        "byte for byte"
    );
    assert!(
        app.codings
            .has("doi:10.3399/bjgp08x279652", "communication")
    );
    press(&mut app, &mut store, Action::Redo);
    assert_eq!(app.factor_count(), 6);

    // A change that would break the config is refused, nothing written.
    let before = std::fs::read_to_string(&config_path).expect("read");
    assert_eq!(app.layer(), Layer::Codebook, "still in the codebook editor");
    press(&mut app, &mut store, Action::SetFactorKey);
    press(&mut app, &mut store, Action::CursorEnd);
    press(&mut app, &mut store, Action::DeleteBack);
    press(&mut app, &mut store, Action::Insert('j'));
    let effect = app.update(Action::Confirm);
    assert!(matches!(effect, Effect::Codebook { .. }));
    store.carry_out(&mut app, effect);
    assert!(notice(&app).contains("bound twice"), "{}", notice(&app));
    assert_eq!(std::fs::read_to_string(&config_path).expect("read"), before);
}

#[test]
fn a_reviewer_open_during_anothers_merge_keeps_their_file_and_codings() {
    let dir = common::demo_copy();
    // bob opens the review and codes Aitken with coordination.
    let mut bob = common::open_app(dir.path(), "bob");
    let bob_path = common::codings_file(dir.path(), "bob");
    let (bob_store, codings) = Store::open(&bob_path, "bob").expect("store");
    let mut bob_store = Workspace::new(dir.path(), bob_store);
    bob.codings = codings;
    press(&mut bob, &mut bob_store, Action::ToggleFactor(4));
    let bob_file = std::fs::read_to_string(&bob_path).expect("read");
    // alice merges coordination into communication while bob's thema runs.
    let (mut alice, mut alice_store) = open(dir.path());
    press(&mut alice, &mut alice_store, Action::Codebook);
    press(&mut alice, &mut alice_store, Action::Last); // coordination
    press(&mut alice, &mut alice_store, Action::MergeFactor);
    press(&mut alice, &mut alice_store, Action::Confirm); // into communication
    assert_eq!(
        std::fs::read_to_string(&bob_path).expect("read"),
        bob_file,
        "alice's merge does not write bob's file"
    );
    // bob, still on the old codebook, codes the same paper again.
    press(&mut bob, &mut bob_store, Action::ToggleFactor(1));
    let on_disk = Codings::load(&bob_path, "bob").expect("load");
    let factors: Vec<&str> = on_disk.papers["pmid:16607244"]
        .factors
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        factors,
        ["coordination", "roles"],
        "bob's codings as he made them"
    );
    // Read through the merged codebook, bob's coordination is communication.
    let mut read = on_disk.clone();
    alice.review.read_merged_factors(&mut read);
    assert!(read.has("pmid:16607244", "communication") && read.has("pmid:16607244", "roles"));
}

#[test]
fn coding_an_excluded_paper_says_it_is_not_counted() {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    press(&mut app, &mut store, Action::Exclude);
    press(&mut app, &mut store, Action::Confirm);
    press(&mut app, &mut store, Action::ToggleFactor(0));
    assert!(
        notice(&app).ends_with("excluded: not counted"),
        "{}",
        notice(&app)
    );
    assert_eq!(app.tally.rows[0].studies, 0);
}

#[test]
fn a_codebook_change_that_clashes_with_the_users_keys_is_put_back() {
    let dir = common::demo_copy();
    let home = tempfile::tempdir().expect("tmp");
    let user = home.path().join("config.toml");
    std::fs::write(&user, "[keys.normal]\nnext_uncoded = [\"7\"]\n").expect("write");
    let config_path = dir.path().join("config.toml");
    let before = std::fs::read_to_string(&config_path).expect("read");
    let review = thema::review::Review::open_with(dir.path(), Some(&user), None).expect("opens");
    let mut app = App::new(review, Codings::new("alice"));
    let (store, _) =
        Store::open(&common::codings_file(dir.path(), "alice"), "alice").expect("store");
    let mut store = Workspace::new(dir.path(), store);
    press(&mut app, &mut store, Action::Codebook);
    press(&mut app, &mut store, Action::SetFactorKey);
    press(&mut app, &mut store, Action::CursorEnd);
    press(&mut app, &mut store, Action::DeleteBack);
    press(&mut app, &mut store, Action::Insert('7'));
    press(&mut app, &mut store, Action::Confirm);
    assert!(notice(&app).starts_with("not changed"), "{}", notice(&app));
    assert_eq!(std::fs::read_to_string(&config_path).expect("read"), before);
    assert!(
        app.history.done().is_empty(),
        "nothing to undo: nothing changed"
    );
    // A new factor never takes a key the reviewer's own keymap uses.
    press(&mut app, &mut store, Action::AddFactor);
    for c in "Trust".chars() {
        press(&mut app, &mut store, Action::Insert(c));
    }
    press(&mut app, &mut store, Action::Confirm);
    let after = std::fs::read_to_string(&config_path).expect("read");
    assert!(
        after.contains("id = \"trust\"\nlabel = \"Trust\"\nkey = \"6\""),
        "{after}"
    );
}

#[test]
fn no_codebook_change_while_codings_are_not_saved() {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    press(&mut app, &mut store, Action::ToggleFactor(0));
    // The codings file's folder becomes unwritable: a file stands in its place.
    let codings_dir = dir.path().join("data/codings");
    std::fs::remove_dir_all(&codings_dir).expect("rm");
    std::fs::write(&codings_dir, "not a folder").expect("block");
    press(&mut app, &mut store, Action::ToggleFactor(1));
    assert!(matches!(app.save_state, thema::app::SaveState::Failed(_)));
    let config_path = dir.path().join("config.toml");
    let before = std::fs::read_to_string(&config_path).expect("read");
    press(&mut app, &mut store, Action::Codebook);
    press(&mut app, &mut store, Action::First);
    press(&mut app, &mut store, Action::MoveFactorDown);
    assert!(notice(&app).contains("not saved yet"), "{}", notice(&app));
    assert_eq!(std::fs::read_to_string(&config_path).expect("read"), before);
    assert!(app.selected_has(1), "the unsaved change is still on screen");
}

#[test]
fn an_undo_that_cannot_read_the_codings_back_says_why_in_a_few_words() {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    press(&mut app, &mut store, Action::ToggleFactor(0));
    press(&mut app, &mut store, Action::Codebook);
    press(&mut app, &mut store, Action::AddFactor);
    for c in "Trust".chars() {
        press(&mut app, &mut store, Action::Insert(c));
    }
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(notice(&app), "added factor Trust");
    // Someone breaks the codings file by hand before the undo.
    let codings = common::codings_file(dir.path(), "alice");
    std::fs::write(&codings, "reviewer = [\n").expect("write");
    press(&mut app, &mut store, Action::Undo);
    let shown = notice(&app);
    assert!(
        shown.starts_with("could not undo added factor Trust: "),
        "{shown}"
    );
    // The reason, not the file's long path in front of it.
    assert!(!shown.contains(&*dir.path().to_string_lossy()), "{shown}");
    assert!(!shown.contains(": error: "), "{shown}");
    assert_eq!(app.history.done().len(), 2, "still there to undo");
}

#[test]
fn a_change_that_could_not_be_put_back_says_so() {
    use thema::infra::diagnostic::{Diagnostic, Diagnostics};
    use thema::review::codebook::CodebookError;
    use thema::review::workspace::{Outcome, Problem};
    let dir = common::demo_copy();
    let (mut app, _store) = open(dir.path());
    let why = Problem::Config(Diagnostics(vec![Diagnostic::error(
        "/long/path/config.toml",
        Some(3),
        "key 7 is bound twice",
    )]));
    let revert = CodebookError::Changed {
        file: "config.toml".into(),
        what: "undone",
    };
    app.on(Outcome::CodebookRefused(Problem::NotPutBack {
        why: Box::new(why),
        revert,
    }));
    let shown = notice(&app);
    assert!(
        shown.starts_with("not changed: key 7 is bound twice"),
        "{shown}"
    );
    assert!(shown.contains("could not be put back"), "{shown}");
    assert!(!shown.contains("/long/path"), "{shown}");
    assert!(app.notice.as_ref().is_some_and(|n| n.warning));
}
