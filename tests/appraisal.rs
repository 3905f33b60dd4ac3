//! Quality appraisal in the workbench: the form (answers from each item's
//! list, comments, refusals, esc twice), undo across a restart, the paper
//! view, the list's summary column and its "not appraised" filter, and
//! `thema check`, on a temp copy of the demo review with the CASP
//! qualitative template declared.

mod common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thema::app::{App, AppraisalPart};
use thema::keys::action::Action;
use thema::keys::keymap::Layer;
use thema::review::codings::{Codings, Store};
use thema::review::history::History;
use thema::review::workspace::Workspace;
use thema::ui::theme::Theme;

const AITKEN: &str = "pmid:16607244";

/// The demo review with `appraisal` as its config.toml's `[appraisal]`
/// (the demo's own CASP block taken out first).
fn demo_with(appraisal: &str) -> tempfile::TempDir {
    let dir = common::demo_copy();
    common::without_appraisal(dir.path());
    let config = dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(appraisal);
    std::fs::write(&config, text).expect("write config");
    dir
}

fn casp_demo() -> tempfile::TempDir {
    demo_with("\n[appraisal]\ntemplate = \"casp-qualitative\"\n")
}

/// The review with its workspace, as `thema` opens it.
fn open(dir: &std::path::Path) -> (App, Workspace) {
    let mut app = common::open_app(dir, "alice");
    let (store, codings) =
        Store::open(&common::codings_file(dir, "alice"), "alice").expect("store");
    app.codings = codings;
    app.codings_replaced();
    let (history, _) = History::load(&History::path(&dir.join("data/codings"), "alice"));
    app.history = history;
    (app, Workspace::new(dir, store))
}

fn press(app: &mut App, ws: &mut Workspace, action: Action) {
    let effect = app.update(action);
    ws.carry_out(app, effect);
}

fn typed(app: &mut App, ws: &mut Workspace, text: &str) {
    for c in text.chars() {
        press(app, ws, Action::Insert(c));
    }
}

fn notice(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn answer(app: &App, item: &str) -> Option<String> {
    let p = app.current_paper().expect("a paper");
    app.codings.get(&p.id).appraisal.get(item).cloned()
}

fn screen(app: &App, width: u16, height: u16) -> String {
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

/// Aitken 2006: 1 yes (with a comment), 2 yes, 3 can't tell.
fn appraise_aitken(app: &mut App, ws: &mut Workspace) {
    press(app, ws, Action::Appraise);
    assert_eq!(app.layer(), Layer::Edit);
    press(app, ws, Action::Insert(' ')); // 1: yes (the first)
    press(app, ws, Action::NextField); // 1: comment
    typed(app, ws, "aims on p. 2");
    press(app, ws, Action::NextField); // 2: answer
    press(app, ws, Action::Insert('y'));
    press(app, ws, Action::Down); // 3: answer
    press(app, ws, Action::Insert('c')); // can't tell
    press(app, ws, Action::Confirm);
}

#[test]
fn the_form_records_answers_and_comments_and_saves_before_the_next_key() {
    let dir = casp_demo();
    let (mut app, mut ws) = open(dir.path());
    appraise_aitken(&mut app, &mut ws);
    assert!(app.overlay().is_none(), "kept and closed");
    assert_eq!(notice(&app), "appraisal of Aitken 2006");
    assert_eq!(answer(&app, "q1").as_deref(), Some("yes"));
    assert_eq!(answer(&app, "q2").as_deref(), Some("yes"));
    assert_eq!(answer(&app, "q3").as_deref(), Some("can't tell"));
    assert_eq!(answer(&app, "q4"), None);
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("saved");
    assert!(
        text.contains(&format!(
            "[papers.\"{AITKEN}\".appraisal]\nq1 = \"yes\"\nq2 = \"yes\"\nq3 = \"can't tell\"\n\n\
             [papers.\"{AITKEN}\".appraisal_comments]\nq1 = \"aims on p. 2\"\n"
        )),
        "{text}"
    );
}

#[test]
fn answers_come_only_from_the_items_list() {
    let dir = casp_demo();
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::Appraise);
    // A letter no answer starts with is not an answer.
    press(&mut app, &mut ws, Action::Insert('m'));
    let form = app.appraisal_form().expect("open");
    assert_eq!(form.rows[0].answer, None);
    assert!(!form.changed);
    // Right moves along the list, then to none; left goes back.
    press(&mut app, &mut ws, Action::CursorRight);
    press(&mut app, &mut ws, Action::CursorRight);
    let form = app.appraisal_form().expect("open");
    assert_eq!(form.rows[0].answer.as_deref(), Some("no"));
    press(&mut app, &mut ws, Action::CursorRight);
    press(&mut app, &mut ws, Action::CursorRight);
    assert_eq!(app.appraisal_form().expect("open").rows[0].answer, None);
    press(&mut app, &mut ws, Action::CursorLeft);
    assert_eq!(
        app.appraisal_form().expect("open").rows[0]
            .answer
            .as_deref(),
        Some("can't tell")
    );
    // Item 10 has its own list.
    press(&mut app, &mut ws, Action::Up); // wraps to 10
    press(&mut app, &mut ws, Action::Insert('l'));
    let form = app.appraisal_form().expect("open");
    assert_eq!(form.cursor, 9);
    assert_eq!(form.rows[9].answer.as_deref(), Some("limited"));
    // Backspace clears an answer; in the comment it edits the text.
    press(&mut app, &mut ws, Action::DeleteBack);
    assert_eq!(app.appraisal_form().expect("open").rows[9].answer, None);
    press(&mut app, &mut ws, Action::NextField);
    assert_eq!(
        app.appraisal_form().expect("open").part,
        AppraisalPart::Comment
    );
    typed(&mut app, &mut ws, "yes");
    let form = app.appraisal_form().expect("open");
    assert_eq!(form.rows[9].comment.text, "yes");
    assert_eq!(
        form.rows[9].answer, None,
        "typing in a comment answers nothing"
    );
    press(&mut app, &mut ws, Action::Confirm);
    assert_eq!(answer(&app, "q1").as_deref(), Some("can't tell"));
    assert_eq!(answer(&app, "q10"), None);
}

#[test]
fn an_answer_outside_the_list_from_the_file_is_refused_with_the_list_until_cleared() {
    let dir = casp_demo();
    let path = common::codings_file(dir.path(), "alice");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &path,
        format!(
            "reviewer = \"alice\"\n\n[papers.\"{AITKEN}\".appraisal]\nq1 = \"yes\"\nq2 = \"partly\"\nq99 = \"kept\"\n"
        ),
    )
    .expect("write");
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::Appraise);
    press(&mut app, &mut ws, Action::Down);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("“partly” not allowed"), "{shown}");
    press(&mut app, &mut ws, Action::Up);
    press(&mut app, &mut ws, Action::Confirm);
    let form = app.appraisal_form().expect("refused");
    assert_eq!((form.cursor, form.part), (1, AppraisalPart::Answer));
    assert_eq!(
        form.problem.as_deref(),
        Some("2: “partly” is not one of: yes, no, can't tell (backspace clears it)")
    );
    press(&mut app, &mut ws, Action::DeleteBack);
    press(&mut app, &mut ws, Action::Confirm);
    assert!(app.overlay().is_none());
    assert_eq!(answer(&app, "q2"), None);
    assert_eq!(
        answer(&app, "q99").as_deref(),
        Some("kept"),
        "an item the checklist does not have is kept"
    );
}

#[test]
fn esc_after_changes_asks_first_and_a_second_esc_discards() {
    let dir = casp_demo();
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::Appraise);
    press(&mut app, &mut ws, Action::Close);
    assert!(app.overlay().is_none(), "nothing changed: one esc closes");
    press(&mut app, &mut ws, Action::Appraise);
    press(&mut app, &mut ws, Action::Insert('n'));
    press(&mut app, &mut ws, Action::Close);
    assert!(app.appraisal_form().is_some(), "the first esc asks");
    assert!(
        notice(&app).starts_with("esc again discards"),
        "{}",
        notice(&app)
    );
    press(&mut app, &mut ws, Action::Close);
    assert!(app.overlay().is_none());
    assert!(app.codings.papers.is_empty());
    assert!(!common::codings_file(dir.path(), "alice").exists());
}

#[test]
fn appraisal_undo_and_redo_across_a_restart() {
    let dir = casp_demo();
    {
        let (mut app, mut ws) = open(dir.path());
        appraise_aitken(&mut app, &mut ws);
        press(&mut app, &mut ws, Action::Appraise);
        press(&mut app, &mut ws, Action::Insert('n')); // 1: no
        press(&mut app, &mut ws, Action::Confirm);
        assert_eq!(answer(&app, "q1").as_deref(), Some("no"));
    }
    let (mut app, mut ws) = open(dir.path());
    assert_eq!(app.history.done().len(), 2);
    press(&mut app, &mut ws, Action::Undo);
    assert_eq!(notice(&app), "undid: appraisal of Aitken 2006");
    assert_eq!(answer(&app, "q1").as_deref(), Some("yes"));
    press(&mut app, &mut ws, Action::Undo);
    assert!(app.codings.papers.is_empty(), "{:?}", app.codings.papers);
    press(&mut app, &mut ws, Action::Redo);
    assert_eq!(answer(&app, "q3").as_deref(), Some("can't tell"));
    let on_disk = Codings::load(&common::codings_file(dir.path(), "alice"), "alice").expect("load");
    assert_eq!(
        on_disk
            .get(AITKEN)
            .appraisal_comments
            .get("q1")
            .map(String::as_str),
        Some("aims on p. 2")
    );
}

#[test]
fn the_form_at_80x24() {
    let dir = casp_demo();
    let (mut app, mut ws) = open(dir.path());
    appraise_aitken(&mut app, &mut ws);
    press(&mut app, &mut ws, Action::Appraise);
    press(&mut app, &mut ws, Action::NextField);
    press(&mut app, &mut ws, Action::CursorEnd);
    app.notice = None;
    insta::assert_snapshot!("appraisal_form_80x24", screen(&app, 80, 24));
}

#[test]
fn the_paper_view_and_the_list_show_the_summary() {
    let dir = casp_demo();
    let (mut app, mut ws) = open(dir.path());
    appraise_aitken(&mut app, &mut ws);
    app.notice = None;
    let wide = screen(&app, 120, 40);
    assert!(
        wide.contains("Appraisal: 2 of 10 yes, 3 answered"),
        "{wide}"
    );
    assert!(
        wide.contains("1 yes · 2 yes · 3 can't tell · 4 —"),
        "{wide}"
    );
    assert!(wide.contains("1 with a comment (p shows them)"), "{wide}");
    // The list: Aitken 2/10, partly done; Alsop not appraised.
    assert!(wide.contains(" 2/10… Aitken 2006"), "{wide}");
    assert!(wide.contains("    —  Alsop 2010"), "{wide}");
    // At 80 columns the titles keep their room.
    let narrow = screen(&app, 80, 24);
    assert!(!narrow.contains("2/10…"), "{narrow}");
    assert!(narrow.contains("Aitken 2006"), "{narrow}");
}

#[test]
fn not_appraised_shows_only_included_papers_without_answers() {
    let dir = casp_demo();
    let (mut app, mut ws) = open(dir.path());
    appraise_aitken(&mut app, &mut ws);
    press(&mut app, &mut ws, Action::Down); // Alsop: excluded
    press(&mut app, &mut ws, Action::Exclude);
    press(&mut app, &mut ws, Action::Confirm);
    assert!(
        app.codings
            .is_excluded(&app.current_paper().expect("paper").id)
    );
    press(&mut app, &mut ws, Action::ToggleNotAppraised);
    let listed: Vec<String> = app
        .list
        .rows
        .iter()
        .map(|&i| app.review.papers[i].short_cite())
        .collect();
    assert_eq!(listed.len(), 6, "{listed:?}");
    assert!(
        !listed
            .iter()
            .any(|c| c == "Aitken 2006" || c == "Alsop 2010")
    );
    app.notice = None;
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("· not appraised"), "{shown}");
    press(&mut app, &mut ws, Action::ToggleNotAppraised);
    assert_eq!(app.list.rows.len(), 8);
}

#[test]
fn without_a_checklist_p_and_the_filter_say_how_to_declare_one() {
    let dir = demo_with("");
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::Appraise);
    assert!(app.overlay().is_none());
    assert!(notice(&app).contains("add [appraisal]"), "{}", notice(&app));
    press(&mut app, &mut ws, Action::ToggleNotAppraised);
    assert!(!app.list.quick.not_appraised);
    assert!(notice(&app).contains("add [appraisal]"), "{}", notice(&app));
}

#[test]
fn check_reports_answers_outside_the_list_per_paper_and_item_and_counts_the_not_appraised() {
    let dir = casp_demo();
    let path = common::codings_file(dir.path(), "alice");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &path,
        format!(
            "reviewer = \"alice\"\n\n[papers.\"{AITKEN}\"]\nfactors = [\"roles\"]\n\n\
             [papers.\"{AITKEN}\".appraisal]\nq2 = \"partly\"\n\n\
             [papers.\"doi:10.3399/bjgp08x279652\"]\nfactors = [\"roles\"]\n\n\
             [papers.\"doi:10.3399/bjgp08x279652\".appraisal]\nq1 = \"yes\"\n"
        ),
    )
    .expect("write");
    let out = common::thema_cmd()
        .args(["--review"])
        .arg(dir.path())
        .arg("check")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "alice.toml:7: error: paper `{AITKEN}`: appraisal item 2 (q2) is answered “partly”, not one of: yes, no, can't tell"
        )),
        "{text}"
    );
    assert!(
        text.contains("warning: 1 of 2 coded papers are not appraised"),
        "{text}"
    );
}
