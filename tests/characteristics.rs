//! Study characteristics in the workbench: the form (typing, completions,
//! choosing from the list, refusals), undo across a restart, the paper
//! view and the tally's crosstab, on a temp copy of the demo review (whose
//! config.toml declares country, design, data collection, participants and
//! sample size).

mod common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thema::app::{App, Effect};
use thema::keys::action::Action;
use thema::keys::keymap::Layer;
use thema::review::codings::{Codings, Store};
use thema::review::history::History;
use thema::review::workspace::Workspace;
use thema::ui::theme::Theme;

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

fn value(app: &App, field: &str) -> Option<toml::Value> {
    let p = app.current_paper().expect("a paper");
    app.codings.get(&p.id).characteristics.get(field).cloned()
}

fn s(v: &str) -> toml::Value {
    toml::Value::String(v.into())
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

/// Aitken 2006 (the first paper) as Gardiner 2012's Table 1 describes it:
/// UK, qualitative, semi-structured interviews with 8 district nurses.
fn fill_aitken(app: &mut App, ws: &mut Workspace) {
    press(app, ws, Action::EditCharacteristics);
    assert_eq!(app.layer(), Layer::Edit);
    typed(app, ws, "UK"); // country
    press(app, ws, Action::NextField); // design: one_of
    press(app, ws, Action::Insert(' ')); // Qualitative (the first)
    press(app, ws, Action::Down); // data collection: several_of
    press(app, ws, Action::Insert(' ')); // Interviews
    press(app, ws, Action::Newline); // participants
    typed(app, ws, "District nurses");
    press(app, ws, Action::NextField); // sample size
    typed(app, ws, "8");
    press(app, ws, Action::Confirm);
}

#[test]
fn the_form_records_each_kind_of_field_and_saves_before_the_next_key() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    fill_aitken(&mut app, &mut ws);
    assert!(app.overlay().is_none(), "kept and closed");
    assert_eq!(value(&app, "country"), Some(s("UK")));
    assert_eq!(value(&app, "design"), Some(s("Qualitative")));
    assert_eq!(
        value(&app, "data_collection"),
        Some(toml::Value::Array(vec![s("Interviews")]))
    );
    assert_eq!(value(&app, "participants"), Some(s("District nurses")));
    assert_eq!(value(&app, "sample_size"), Some(toml::Value::Integer(8)));
    assert!(
        notice(&app).starts_with("Country, Design, Data collection"),
        "{}",
        notice(&app)
    );
    let text = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("saved");
    assert!(
        text.contains(
            "[papers.\"pmid:16607244\".characteristics]\ncountry = \"UK\"\n\
             data_collection = [\"Interviews\"]\ndesign = \"Qualitative\"\n\
             participants = \"District nurses\"\nsample_size = 8\n"
        ),
        "{text}"
    );
}

#[test]
fn several_of_toggles_with_space_and_one_of_chooses_one() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::EditCharacteristics);
    press(&mut app, &mut ws, Action::NextField); // design
    press(&mut app, &mut ws, Action::Insert(' ')); // Qualitative
    press(&mut app, &mut ws, Action::Insert('n')); // jumps to Non-empirical
    press(&mut app, &mut ws, Action::Insert(' ')); // one_of: replaces
    press(&mut app, &mut ws, Action::NextField); // data collection
    press(&mut app, &mut ws, Action::CursorRight); // Focus groups
    press(&mut app, &mut ws, Action::Insert(' '));
    press(&mut app, &mut ws, Action::CursorLeft); // Interviews
    press(&mut app, &mut ws, Action::Insert(' '));
    press(&mut app, &mut ws, Action::CursorEnd); // Observation
    press(&mut app, &mut ws, Action::Insert(' '));
    press(&mut app, &mut ws, Action::Insert(' ')); // and off again
    press(&mut app, &mut ws, Action::Confirm);
    assert_eq!(value(&app, "design"), Some(s("Non-empirical")));
    assert_eq!(
        value(&app, "data_collection"),
        Some(toml::Value::Array(vec![s("Interviews"), s("Focus groups")])),
        "in the list's order"
    );
}

#[test]
fn values_already_used_are_offered_and_right_arrow_takes_them() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "Australia");
    press(&mut app, &mut ws, Action::Confirm);
    press(&mut app, &mut ws, Action::Down);
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "au");
    let form = app.characteristics_form().expect("open");
    assert_eq!(form.rows[0].completion(), Some("Australia"));
    press(&mut app, &mut ws, Action::CursorRight);
    press(&mut app, &mut ws, Action::Confirm);
    assert_eq!(value(&app, "country"), Some(s("Australia")));
}

#[test]
fn a_value_the_field_cannot_hold_is_refused_with_why_and_the_form_stays() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::EditCharacteristics);
    press(&mut app, &mut ws, Action::PrevField); // wraps to sample size
    typed(&mut app, &mut ws, "about ten");
    press(&mut app, &mut ws, Action::Confirm);
    let form = app.characteristics_form().expect("still open");
    assert_eq!(form.cursor, 4);
    assert_eq!(
        form.problem.as_deref(),
        Some("Sample size: “about ten” is not a number (write it as 24, 1,200 or 3.5)")
    );
    assert!(app.codings.papers.is_empty(), "nothing kept");
    // Esc leaves everything as it was.
    press(&mut app, &mut ws, Action::Close);
    assert!(app.overlay().is_none());
    assert!(app.codings.papers.is_empty());
    assert!(!common::codings_file(dir.path(), "alice").exists());
}

#[test]
fn a_value_outside_the_list_from_the_file_is_refused_with_the_list_until_removed() {
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &path,
        "reviewer = \"alice\"\n\n[papers.\"pmid:16607244\".characteristics]\ndesign = \"Survey\"\n",
    )
    .expect("write");
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::EditCharacteristics);
    press(&mut app, &mut ws, Action::Confirm);
    let form = app.characteristics_form().expect("refused");
    assert_eq!(form.cursor, 1);
    assert_eq!(
        form.problem.as_deref(),
        Some(
            "Design: “Survey” is not one of: Qualitative, Randomised controlled trial, \
             Non-empirical (space on it removes it)"
        )
    );
    assert!(screen(&app, 80, 24).contains("Survey  not allowed"));
    // The choice cursor is on it: space removes it, and keeping works.
    press(&mut app, &mut ws, Action::Insert(' '));
    press(&mut app, &mut ws, Action::Confirm);
    assert!(app.overlay().is_none());
    assert!(app.codings.papers.is_empty(), "{:?}", app.codings.papers);
}

#[test]
fn characteristics_undo_and_redo_across_a_restart() {
    let dir = common::demo_copy();
    {
        let (mut app, mut ws) = open(dir.path());
        fill_aitken(&mut app, &mut ws);
        press(&mut app, &mut ws, Action::EditCharacteristics);
        press(&mut app, &mut ws, Action::DeleteToStart); // country emptied
        press(&mut app, &mut ws, Action::Confirm);
        assert_eq!(value(&app, "country"), None);
    }
    let (mut app, mut ws) = open(dir.path());
    assert_eq!(app.history.done().len(), 2);
    press(&mut app, &mut ws, Action::Undo);
    assert_eq!(notice(&app), "undid: Country on Aitken 2006");
    assert_eq!(value(&app, "country"), Some(s("UK")));
    press(&mut app, &mut ws, Action::Undo);
    assert_eq!(value(&app, "sample_size"), None);
    assert!(app.codings.papers.is_empty());
    press(&mut app, &mut ws, Action::Redo);
    assert_eq!(value(&app, "sample_size"), Some(toml::Value::Integer(8)));
    let on_disk = Codings::load(&common::codings_file(dir.path(), "alice"), "alice").expect("load");
    assert_eq!(
        on_disk.get("pmid:16607244").characteristics.get("country"),
        Some(&s("UK"))
    );
}

#[test]
fn the_form_at_80x24() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "UK");
    press(&mut app, &mut ws, Action::Confirm);
    press(&mut app, &mut ws, Action::Down);
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "U");
    press(&mut app, &mut ws, Action::NextField);
    press(&mut app, &mut ws, Action::NextField);
    press(&mut app, &mut ws, Action::Insert(' '));
    press(&mut app, &mut ws, Action::CursorRight);
    app.notice = None;
    insta::assert_snapshot!("characteristics_form_80x24", screen(&app, 80, 24));
}

#[test]
fn the_paper_view_shows_what_is_recorded() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    fill_aitken(&mut app, &mut ws);
    app.notice = None;
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("Characteristics"), "{shown}");
    assert!(shown.contains("Data collection: Interviews"), "{shown}");
    assert!(shown.contains("Sample size: 8"), "{shown}");
}

#[test]
fn the_tally_crosstabs_the_factor_under_the_cursor_against_each_characteristic() {
    let dir = common::demo_copy();
    let (mut app, mut ws) = open(dir.path());
    // Aitken: UK, access; Alsop: UK; Dunne (third): Australia, access.
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "UK");
    press(&mut app, &mut ws, Action::Confirm);
    press(&mut app, &mut ws, Action::ToggleFactor(3));
    press(&mut app, &mut ws, Action::Down);
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "UK");
    press(&mut app, &mut ws, Action::Confirm);
    press(&mut app, &mut ws, Action::Down);
    press(&mut app, &mut ws, Action::EditCharacteristics);
    typed(&mut app, &mut ws, "Australia");
    press(&mut app, &mut ws, Action::Confirm);
    press(&mut app, &mut ws, Action::ToggleFactor(3));
    press(&mut app, &mut ws, Action::ShowTally);
    assert!(app.crosstab().is_none(), "none until asked");
    assert_eq!(app.update(Action::CycleCrosstab), Effect::None);
    let table = app.crosstab().expect("country");
    assert_eq!(table.label, "Country");
    let rows: Vec<(&str, usize, usize)> = table
        .rows
        .iter()
        .map(|r| (r.value.as_str(), r.counts[3], r.papers))
        .collect();
    assert_eq!(
        rows,
        [("Australia", 1, 1), ("UK", 1, 2), ("not recorded", 0, 5)]
    );
    app.tally_cursor = 3;
    app.notice = None;
    insta::assert_snapshot!("tally_crosstab_80x24", screen(&app, 80, 24));
    // On the tally's "uncoded" row: the uncoded papers per value (Alsop,
    // UK; the five with no country).
    app.tally_cursor = 5;
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Uncoded papers by Country"), "{shown}");
    let row = |value: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("│{value} ")))
            .map(|l| {
                l.split_whitespace()
                    .skip(1)
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
    };
    assert_eq!(row("UK").as_deref(), Some("1 2"), "{shown}");
    assert_eq!(row("Australia").as_deref(), Some("0 1"), "{shown}");
    app.tally_cursor = 3;
    press(&mut app, &mut ws, Action::CycleCrosstab);
    assert_eq!(app.crosstab().map(|t| t.label.as_str()), Some("Design"));
    // A heading longer than every value: the counts stay under "n".
    press(&mut app, &mut ws, Action::CycleCrosstab);
    assert_eq!(
        app.crosstab().map(|t| t.label.as_str()),
        Some("Data collection")
    );
    let shown = screen(&app, 80, 24);
    let column_of = |line: &str, pat: &str| {
        line.find(pat)
            .map(|at| line[..at + pat.len()].chars().count())
    };
    let heading = shown
        .lines()
        .find(|l| l.starts_with("│Data collection"))
        .and_then(|l| column_of(l, " n"));
    let count = shown
        .lines()
        .find(|l| l.starts_with("│Interviews"))
        .and_then(|l| column_of(l, " 0"));
    assert!(heading.is_some() && heading == count, "{shown}");
    for _ in 0..3 {
        press(&mut app, &mut ws, Action::CycleCrosstab);
    }
    assert!(app.crosstab().is_none(), "after the last: none");
}

#[test]
fn the_demo_reviewers_characteristics_are_valid_and_as_thema_writes_them() {
    use thema::review::Review;
    use thema::review::places::Places;
    let dir = common::repo();
    let review = Review::open(&dir, &Places::none()).expect("the demo opens");
    let text = std::fs::read_to_string(dir.join("data/codings/demo.toml")).expect("shipped");
    let mut codings = Codings::parse("demo.toml", &text, "demo").expect("parses");
    assert_eq!(
        codings.to_toml().expect("writes"),
        text,
        "as thema writes it"
    );
    assert!(
        !review.reconcile(&mut codings).changed(),
        "every entry is stamped with its paper"
    );
    let problems = thema::review::check::characteristic_problems(
        &review,
        &codings,
        "demo.toml",
        &Default::default(),
        &Default::default(),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        codings.papers.values().all(|c| c.factors.is_empty()),
        "no factor coded: which studies support which factor is not known"
    );
    let country = review.config.characteristic("country").expect("declared");
    let table = thema::review::characteristics::crosstab(country, &[], &codings, 8, |_| true);
    let rows: Vec<(&str, usize)> = table
        .rows
        .iter()
        .map(|r| (r.value.as_str(), r.papers))
        .collect();
    assert_eq!(rows, [("Australia", 2), ("UK", 6), ("not recorded", 0)]);
}
