//! Supporting quotes per (paper, factor): the legacy per-paper quote,
//! writing, editing, assigning and removing quotes, their undo across a
//! restart and a codebook merge, the evidence view, and `$EDITOR`.

mod common;

use thema::app::{App, Effect, ExternalEdit, QuoteField, Screen};
use thema::keys::action::Action;
use thema::keys::keymap::Layer;
use thema::review::codings::{Codings, Store};
use thema::review::history::History;
use thema::review::workspace::Workspace;

const AITKEN: &str = "pmid:16607244";
const WALSHE: &str = "doi:10.3399/bjgp08x279652";

fn open(dir: &std::path::Path) -> (App, Workspace) {
    let mut app = common::open_app(dir, "alice");
    let (store, codings) =
        Store::open(&common::codings_file(dir, "alice"), "alice").expect("store");
    app.codings = codings;
    app.review.read_merged_factors(&mut app.codings);
    let (history, _) = History::load(&History::path(&dir.join("data/codings"), "alice"));
    app.history = history;
    (app, Workspace::new(dir, store))
}

fn press(app: &mut App, store: &mut Workspace, action: Action) {
    let effect = app.update(action);
    store.carry_out(app, effect);
}

fn typing(app: &mut App, store: &mut Workspace, text: &str) {
    for c in text.chars() {
        press(app, store, Action::Insert(c));
    }
}

/// The codings file as today's (pre-quotes) thema wrote it.
fn with_legacy_file(dir: &std::path::Path) {
    let path = common::codings_file(dir, "alice");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::copy(
        common::repo().join("tests/fixtures/codings/legacy-quote.toml"),
        &path,
    )
    .expect("copy fixture");
}

fn select(app: &mut App, store: &mut Workspace, paper: &str) {
    press(app, store, Action::First);
    for _ in 0..app.paper_count() {
        if app.current_paper().map(|p| p.id.as_str()) == Some(paper) {
            return;
        }
        press(app, store, Action::Down);
    }
    panic!("{paper} not listed");
}

fn screen(app: &App, width: u16, height: u16) -> String {
    use ratatui::{Terminal, backend::TestBackend};
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| thema::ui::draw(f, app, thema::ui::theme::Theme::COLOR))
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

#[test]
fn a_legacy_quote_loads_unassigned_loses_nothing_and_is_written_in_the_new_form() {
    let dir = common::demo_copy();
    with_legacy_file(dir.path());
    let (mut app, mut store) = open(dir.path());
    let aitken = app.codings.get(AITKEN);
    assert_eq!(aitken.quotes.len(), 1);
    assert_eq!(aitken.quotes[0].factor, "", "never guessed");
    assert_eq!(
        aitken.quotes[0].text,
        "Nurses described \"triggers\" for referral.\nA second paragraph, p. 4."
    );
    assert_eq!(aitken.note, "check the sampling");
    let walshe = app.codings.get(WALSHE);
    assert!(walshe.flagged && walshe.factors.contains("learning"));
    assert_eq!(walshe.quotes[0].text, "Trust was built over years.");

    // Shown under "Not assigned to a factor" with the paper.
    select(&mut app, &mut store, AITKEN);
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("Not assigned to a factor"), "{shown}");
    assert!(shown.contains("Nurses described"), "{shown}");

    // Any save writes the new form; nothing is lost.
    press(&mut app, &mut store, Action::ToggleFlag);
    let path = common::codings_file(dir.path(), "alice");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains("\nquote = "), "{text}");
    assert!(
        text.contains("[[papers.\"pmid:16607244\".quotes]]\ntext = \"\"\"\nNurses described \"triggers\" for referral.\nA second paragraph, p. 4.\"\"\"\n"),
        "{text}"
    );
    let back = Codings::load(&path, "alice").expect("reload");
    assert_eq!(back.papers, app.codings.papers);
    assert_eq!(back.get(WALSHE).quotes, walshe.quotes);
}

#[test]
fn an_unassigned_quote_is_assigned_with_one_key_and_undone() {
    let dir = common::demo_copy();
    with_legacy_file(dir.path());
    let (mut app, mut store) = open(dir.path());
    select(&mut app, &mut store, AITKEN);
    app.factor_cursor = 2; // learning, which Aitken is not coded with
    assert!(!app.codings.has(AITKEN, "learning"));
    press(&mut app, &mut store, Action::AssignQuote);
    assert_eq!(app.codings.get(AITKEN).quotes[0].factor, "learning");
    // As adding a quote for a factor does, assigning one codes the paper.
    assert!(app.codings.has(AITKEN, "learning"));
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("read");
    assert!(
        text.contains("factor = \"learning\"\ntext = \"\"\"\nNurses"),
        "{text}"
    );
    press(&mut app, &mut store, Action::Undo);
    assert_eq!(app.codings.get(AITKEN).quotes[0].factor, "");
    assert!(!app.codings.has(AITKEN, "learning"), "one undo step");
}

#[test]
fn quotes_are_added_edited_removed_and_undone_across_a_restart() {
    let dir = common::demo_copy();
    {
        let (mut app, mut store) = open(dir.path());
        select(&mut app, &mut store, WALSHE);
        press(&mut app, &mut store, Action::ToggleFactor(1)); // roles on
        // Right after the toggle, one key writes a quote for that factor.
        press(&mut app, &mut store, Action::AddQuote);
        assert_eq!(app.layer(), Layer::Edit);
        typing(&mut app, &mut store, "GPs valued\nrapid access");
        press(&mut app, &mut store, Action::NextField);
        typing(&mut app, &mut store, "p. 266");
        press(&mut app, &mut store, Action::NextField);
        typing(&mut app, &mut store, "clearest case");
        press(&mut app, &mut store, Action::Confirm);
        let q = &app.codings.get(WALSHE).quotes[0];
        assert_eq!(
            (
                q.factor.as_str(),
                q.text.as_str(),
                q.location.as_str(),
                q.comment.as_str()
            ),
            (
                "roles",
                "GPs valued\nrapid access",
                "p. 266",
                "clearest case"
            )
        );
        // A second quote, then the first edited (chosen from the list).
        press(&mut app, &mut store, Action::AddQuote);
        typing(&mut app, &mut store, "second");
        press(&mut app, &mut store, Action::Confirm);
        press(&mut app, &mut store, Action::EditQuote);
        assert_eq!(app.layer(), Layer::Pick);
        press(&mut app, &mut store, Action::Confirm);
        press(&mut app, &mut store, Action::NextField);
        typing(&mut app, &mut store, "–7");
        press(&mut app, &mut store, Action::Confirm);
        assert_eq!(app.codings.get(WALSHE).quotes[0].location, "p. 266–7");
        // Emptying the second one's text removes it.
        press(&mut app, &mut store, Action::EditQuote);
        press(&mut app, &mut store, Action::Down);
        press(&mut app, &mut store, Action::Confirm);
        press(&mut app, &mut store, Action::DeleteToStart);
        press(&mut app, &mut store, Action::Confirm);
        assert_eq!(app.codings.get(WALSHE).quotes.len(), 1);
    }
    // A restart: codings and history read back from disk.
    let (mut app, mut store) = open(dir.path());
    assert_eq!(app.codings.get(WALSHE).quotes.len(), 1);
    press(&mut app, &mut store, Action::Undo); // the removal
    assert_eq!(app.codings.get(WALSHE).quotes[1].text, "second");
    press(&mut app, &mut store, Action::Undo); // the edit
    assert_eq!(app.codings.get(WALSHE).quotes[0].location, "p. 266");
    press(&mut app, &mut store, Action::Undo); // the second quote
    press(&mut app, &mut store, Action::Undo); // the first
    assert!(app.codings.get(WALSHE).quotes.is_empty());
    assert!(
        app.codings.has(WALSHE, "roles"),
        "the toggle is its own step"
    );
    press(&mut app, &mut store, Action::Redo);
    press(&mut app, &mut store, Action::Redo);
    press(&mut app, &mut store, Action::Redo);
    let quotes = app.codings.get(WALSHE).quotes;
    assert_eq!(quotes.len(), 2);
    assert_eq!(quotes[0].location, "p. 266–7");
    let on_disk = Codings::load(&common::codings_file(dir.path(), "alice"), "alice").expect("load");
    assert_eq!(on_disk.get(WALSHE).quotes, quotes);
}

#[test]
fn a_quote_follows_a_factor_merge_and_its_undo() {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    select(&mut app, &mut store, WALSHE);
    press(&mut app, &mut store, Action::ToggleFactor(0)); // communication
    press(&mut app, &mut store, Action::AddQuote);
    typing(&mut app, &mut store, "they talked");
    press(&mut app, &mut store, Action::Confirm);
    // Merge communication into roles.
    press(&mut app, &mut store, Action::Codebook);
    press(&mut app, &mut store, Action::First);
    press(&mut app, &mut store, Action::MergeFactor);
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(
        app.codings.get(WALSHE).quotes[0].factor,
        "roles",
        "shown under the factor it became"
    );
    let path = common::codings_file(dir.path(), "alice");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("factor = \"communication\"\ntext = \"they talked\""),
        "{text}"
    );
    // Written back as it was when the paper is saved under the merge.
    press(&mut app, &mut store, Action::Close);
    press(&mut app, &mut store, Action::ToggleFlag);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("factor = \"communication\"\ntext = \"they talked\""),
        "{text}"
    );
    // The evidence view lists it under roles.
    app.factor_cursor = app.review.config.factor_index("roles").expect("roles");
    press(&mut app, &mut store, Action::ShowEvidence);
    assert_eq!(app.evidence.rows.len(), 1);
    press(&mut app, &mut store, Action::Close);
    press(&mut app, &mut store, Action::Undo); // the flag
    press(&mut app, &mut store, Action::Undo); // the merge
    assert_eq!(app.codings.get(WALSHE).quotes[0].factor, "communication");
    assert_eq!(app.codings.get(WALSHE).quotes[0].read_as, None);
}

/// Three quotes on two papers for roles, one for access.
fn with_quotes() -> (tempfile::TempDir, App, Workspace) {
    let dir = common::demo_copy();
    let (mut app, mut store) = open(dir.path());
    for (paper, factor, text, location) in [
        (
            WALSHE,
            1,
            "GPs valued the specialist nurses' knowledge of roles",
            "p. 266",
        ),
        (
            WALSHE,
            1,
            "Boundaries were negotiated case by case",
            "p. 268, Results",
        ),
        (
            AITKEN,
            1,
            "District nurses saw referral as part of their role",
            "Discussion",
        ),
        (
            AITKEN,
            3,
            "Access to the Macmillan nurse took weeks",
            "p. 4",
        ),
    ] {
        select(&mut app, &mut store, paper);
        app.factor_cursor = factor;
        press(&mut app, &mut store, Action::AddQuote);
        typing(&mut app, &mut store, text);
        press(&mut app, &mut store, Action::NextField);
        typing(&mut app, &mut store, location);
        press(&mut app, &mut store, Action::Confirm);
    }
    app.notice = None;
    (dir, app, store)
}

#[test]
fn the_evidence_view_lists_filters_and_goes_to_the_paper() {
    let (_d, mut app, mut store) = with_quotes();
    // A search that hides Walshe from the list.
    press(&mut app, &mut store, Action::Search);
    typing(&mut app, &mut store, "Aitken");
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(app.list.rows.len(), 1);
    app.factor_cursor = 1;
    press(&mut app, &mut store, Action::ShowEvidence);
    assert_eq!(app.screen(), Screen::Evidence);
    assert_eq!(app.layer(), Layer::Evidence);
    assert_eq!(app.evidence.rows.len(), 3);
    let shown = screen(&app, 80, 24);
    assert!(
        shown.contains("Evidence · Roles and responsibilities · 3 quotes"),
        "{shown}"
    );
    // The filter narrows as it is typed; esc in it shows all again.
    press(&mut app, &mut store, Action::Search);
    assert_eq!(app.layer(), Layer::Search);
    typing(&mut app, &mut store, "boundaries");
    assert_eq!(app.evidence.rows.len(), 1);
    press(&mut app, &mut store, Action::Confirm);
    assert_eq!(app.layer(), Layer::Evidence);
    // Enter goes to the paper, filters cleared if they hide it.
    app.update(Action::OpenPaper);
    assert_eq!(app.screen(), Screen::Workbench);
    assert_eq!(app.current_paper().map(|p| p.id.as_str()), Some(WALSHE));
    assert_eq!(app.factor_cursor, 1);
    // The next factor's quotes, and the view from the palette.
    press(&mut app, &mut store, Action::ShowEvidence);
    press(&mut app, &mut store, Action::FocusNext);
    press(&mut app, &mut store, Action::FocusNext);
    assert_eq!(app.evidence_factor(), "access");
    assert_eq!(app.evidence.rows.len(), 1);
    press(&mut app, &mut store, Action::Close);
    assert!(
        thema::app::palette::entries(&app.review)
            .iter()
            .any(|e| e.action == Action::ShowEvidence)
    );
}

/// Typing on narrows the rows where they stand; deleting or typing
/// elsewhere builds them again: either way, the rows a fresh view gives.
#[test]
fn the_evidence_filter_typed_key_by_key_equals_a_fresh_filter() {
    let (dir, mut app, mut store) = with_quotes();
    app.factor_cursor = 1;
    press(&mut app, &mut store, Action::ShowEvidence);
    press(&mut app, &mut store, Action::Search);
    // The same codings read afresh, the query pasted whole.
    let fresh = |query: &str| {
        let mut other = common::open_app(dir.path(), "alice");
        other.factor_cursor = 1;
        other.update(Action::ShowEvidence);
        other.update(Action::Search);
        other.paste(query);
        other.evidence.rows.clone()
    };
    let mut typed = String::new();
    let mut counts = Vec::new();
    for key in "ROLE nurses".chars() {
        typed.push(key);
        press(&mut app, &mut store, Action::Insert(key));
        assert_eq!(app.evidence.rows, fresh(&typed), "after {typed:?}");
        counts.push(app.evidence.rows.len());
    }
    for _ in 0..7 {
        typed.pop();
        press(&mut app, &mut store, Action::DeleteBack);
        assert_eq!(app.evidence.rows, fresh(&typed), "after {typed:?}");
    }
    assert_eq!(counts.first(), Some(&3), "r is in every quote or paper");
    assert_eq!(
        counts.last(),
        Some(&2),
        "role and nurses: one quote of Aitken, one of Walshe"
    );
}

/// Uncoding a factor keeps its quotes (the reviewer's reading) and says
/// so, with the key that removes them.
#[test]
fn uncoding_a_factor_with_quotes_says_they_stay() {
    let (_d, mut app, mut store) = with_quotes();
    select(&mut app, &mut store, WALSHE);
    press(&mut app, &mut store, Action::ToggleFactor(1));
    assert!(!app.codings.has(WALSHE, "roles"));
    let said = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        said.ends_with("Roles and responsibilities · its 2 quotes stay (E removes them)"),
        "{said}"
    );
    assert_eq!(app.codings.get(WALSHE).quotes_for("roles").count(), 2);
    // The evidence view still lists them, marked.
    press(&mut app, &mut store, Action::ShowEvidence);
    let shown = screen(&app, 100, 30);
    assert!(
        shown.contains("(not coded) “Boundaries were negotiated"),
        "{shown}"
    );
    assert!(!shown.contains("(not coded) “District nurses"), "{shown}");
}

#[test]
fn quotes_are_found_by_search() {
    let (_d, mut app, mut store) = with_quotes();
    press(&mut app, &mut store, Action::Search);
    typing(&mut app, &mut store, "macmillan weeks");
    assert_eq!(app.list.rows.len(), 1);
    assert_eq!(app.current_paper().map(|p| p.id.as_str()), Some(AITKEN));
}

#[test]
fn evidence_and_paper_view_snapshots() {
    let (_d, mut app, mut store) = with_quotes();
    select(&mut app, &mut store, WALSHE);
    app.notice = None;
    insta::assert_snapshot!("paper_view_with_quotes_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("paper_view_with_quotes_120x40", screen(&app, 120, 40));
    app.factor_cursor = 1;
    press(&mut app, &mut store, Action::ShowEvidence);
    press(&mut app, &mut store, Action::Down);
    insta::assert_snapshot!("evidence_view_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("evidence_view_120x40", screen(&app, 120, 40));
    app.update(Action::Close);
    app.update(Action::ShowTally); // on roles, the factor under the cursor
    insta::assert_snapshot!("tally_with_quotes_80x24", screen(&app, 80, 24));
}

#[test]
fn text_comes_back_from_the_editor_and_a_failed_editor_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let script = dir.path().join("fake-editor");
    std::fs::write(&script, "#!/bin/sh\nprintf 'and more\\n' >> \"$1\"\n").expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let editor = script.display().to_string();
    assert_eq!(
        thema::cli::tui::run_editor("typed", &editor),
        ExternalEdit::Edited("typed\nand more\n".into())
    );
    assert!(matches!(
        thema::cli::tui::run_editor("typed", "/nonexistent/editor"),
        ExternalEdit::Failed(_)
    ));

    let (_d, mut app, mut store) = with_quotes();
    app.factor_cursor = 1;
    press(&mut app, &mut store, Action::AddQuote);
    typing(&mut app, &mut store, "draft");
    assert_eq!(
        app.update(Action::ExternalEditor),
        Effect::EditExternally("draft".into())
    );
    app.external_edit(ExternalEdit::Failed(
        "no editor: set $VISUAL or $EDITOR".into(),
    ));
    let form = app.quote_form().expect("still writing");
    assert_eq!(form.input(QuoteField::Text).text(), "draft", "unchanged");
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.warning && n.text.contains("$EDITOR"))
    );
    app.external_edit(ExternalEdit::Edited("draft\nfrom the editor\n".into()));
    press(&mut app, &mut store, Action::Confirm);
    let c = app.codings.get(
        &app.current_paper()
            .map(|p| p.id.clone())
            .unwrap_or_default(),
    );
    assert!(c.quotes.iter().any(|q| q.text == "draft\nfrom the editor"));
}
