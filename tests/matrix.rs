//! The study × factor matrix: opening it, moving through rows and
//! columns (the study column staying put), enter going to the paper under
//! the cursor, choosing characteristic columns, and how it looks.

mod common;

use thema::app::{App, MatrixColumn, Screen};
use thema::keys::action::{Action, SortKey};
use thema::keys::keymap::Layer;
use thema::review::Review;
use thema::review::codings::{Codings, Quote};
use thema::review::places::Places;

/// The demo review with the demo reviewer's characteristics, some factors
/// coded with quotes, and Shipman excluded.
fn demo() -> (tempfile::TempDir, App) {
    let dir = common::demo_copy();
    let codings_dir = dir.path().join("data/codings");
    std::fs::create_dir_all(&codings_dir).expect("mkdir");
    std::fs::copy(
        common::repo().join("data/codings/demo.toml"),
        codings_dir.join("demo.toml"),
    )
    .expect("copy codings");
    let review = Review::open(dir.path(), &Places::none()).expect("demo opens");
    let mut codings =
        Codings::load(&Codings::path(&review.config.codings_dir, "demo"), "demo").expect("load");
    let id = |cite: &str| {
        review
            .papers
            .iter()
            .find(|p| p.short_cite() == cite)
            .map(|p| p.id.clone())
            .unwrap_or_else(|| panic!("{cite} in the demo"))
    };
    let coded: &[(&str, &[(&str, usize)])] = &[
        (
            "Aitken 2006",
            &[("communication", 2), ("roles", 1), ("access", 0)],
        ),
        ("Walshe 2008", &[("roles", 3), ("coordination", 1)]),
        ("Alsop 2010", &[("learning", 0)]),
    ];
    for (cite, factors) in coded {
        codings.update(&id(cite), |c| {
            for &(factor, quotes) in *factors {
                c.factors.insert(factor.to_string());
                for n in 0..quotes {
                    c.quotes
                        .push(Quote::new(factor, &format!("quote {n}"), "p. 1", ""));
                }
            }
        });
    }
    codings.update(&id("Shipman 2002"), |c| {
        c.factors.insert("communication".into());
        c.excluded = "Wrong population".into();
    });
    (dir, App::new(review, codings))
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

fn cite_of(app: &App, paper: Option<usize>) -> String {
    paper
        .and_then(|i| app.review.papers.get(i))
        .map(|p| p.short_cite())
        .unwrap_or_default()
}

/// Shows every characteristic as a column, through the `c` list.
fn show_all_characteristics(app: &mut App) {
    app.update(Action::MatrixColumns);
    let n = app.review.config.characteristics.len();
    for i in 0..n {
        app.update(Action::First);
        for _ in 0..i {
            app.update(Action::Down);
        }
        app.update(Action::Confirm);
    }
    app.update(Action::Close);
}

#[test]
fn m_opens_the_matrix_on_the_workbench_paper_and_factor_and_esc_m_q_close_it() {
    let (_d, mut app) = demo();
    app.update(Action::Down);
    app.update(Action::Down);
    app.factor_cursor = 3;
    let key = |c| {
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        )
    };
    assert_eq!(app.key_action(&key('m')), Some(Action::ShowMatrix));
    app.update(Action::ShowMatrix);
    assert_eq!(app.screen(), Screen::Matrix);
    assert_eq!(app.layer(), Layer::Matrix);
    assert_eq!(app.matrix_paper(), app.selected());
    assert_eq!(
        app.matrix_column(app.matrix.col),
        Some(MatrixColumn::Factor(3))
    );
    for close in ['m', 'q'] {
        let action = app.key_action(&key(close)).expect("bound");
        app.update(action);
        assert_eq!(app.screen(), Screen::Workbench, "{close} closes");
        app.update(Action::ShowMatrix);
    }
    app.update(Action::Close);
    assert_eq!(app.screen(), Screen::Workbench);
    assert!(
        thema::app::palette::entries(&app.review)
            .iter()
            .any(|e| e.action == Action::ShowMatrix),
        "the palette offers the matrix"
    );
}

#[test]
fn moving_clamps_at_every_edge() {
    let (_d, mut app) = demo();
    app.update(Action::ShowMatrix);
    let rows = app.list.rows.len();
    let cols = app.matrix_columns();
    assert_eq!((rows, cols), (8, 5));
    // Paging moves by the rows a frame showed.
    screen(&app, 80, 24);
    app.update(Action::Up);
    app.update(Action::ColumnLeft);
    app.update(Action::First);
    app.update(Action::FirstColumn);
    assert_eq!((app.matrix.row, app.matrix.col), (0, 0));
    app.update(Action::ColumnLeft);
    assert_eq!(app.matrix.col, 0);
    for _ in 0..20 {
        app.update(Action::Down);
        app.update(Action::ColumnRight);
    }
    assert_eq!((app.matrix.row, app.matrix.col), (rows - 1, cols - 1));
    app.update(Action::PageUp);
    app.update(Action::PageUp);
    assert_eq!(app.matrix.row, 0);
    app.update(Action::PageDown);
    app.update(Action::PageDown);
    assert_eq!(app.matrix.row, rows - 1);
    app.update(Action::FirstColumn);
    app.update(Action::LastColumn);
    assert_eq!(app.matrix.col, cols - 1);
}

#[test]
fn the_study_column_stays_while_the_columns_scroll_right() {
    let (_d, mut app) = demo();
    app.update(Action::ShowMatrix);
    show_all_characteristics(&mut app);
    assert_eq!(app.matrix_columns(), 10);
    app.update(Action::FirstColumn);
    let start = screen(&app, 80, 24);
    assert!(start.contains("Country"), "{start}");
    assert!(
        !start.contains("5 Coor"),
        "the last factor is off screen: {start}"
    );
    app.update(Action::LastColumn);
    app.update(Action::Last);
    let end = screen(&app, 80, 24);
    assert!(end.contains("5 Coor"), "{end}");
    assert!(!end.contains("Country"), "scrolled past: {end}");
    for cite in ["Aitken 2006", "Alsop 2010", "Walshe 2008"] {
        assert!(start.contains(cite) && end.contains(cite), "{cite}: {end}");
    }
    assert!(
        end.contains("‹"),
        "columns hidden on the left are signalled"
    );
    assert!(
        end.contains("8/8 Walshe 2008 · 5 Coordinated care: coded, 1 quote"),
        "{end}"
    );
}

#[test]
fn enter_opens_the_paper_under_the_cursor_in_the_filtered_sorted_list() {
    let (_d, mut app) = demo();
    // The workbench list sorted by year and searched: its rows are not the
    // papers' order, and the matrix shows those rows.
    app.update(Action::SortBy(SortKey::Year));
    app.update(Action::Search);
    for c in "care".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Confirm);
    let rows = app.list.rows.clone();
    assert!(rows.len() > 2 && rows.len() < app.paper_count(), "{rows:?}");
    app.update(Action::First);
    app.update(Action::ShowMatrix);
    let title = screen(&app, 80, 24);
    assert!(
        title.contains(&format!("Matrix · {} of 8 papers · by year", rows.len())),
        "{title}"
    );
    app.update(Action::Down);
    app.update(Action::Down);
    app.update(Action::FirstColumn);
    app.update(Action::ColumnRight);
    let expected = rows[2];
    assert_eq!(app.matrix_paper(), Some(expected));
    let shown = screen(&app, 80, 24);
    let cite = cite_of(&app, Some(expected));
    assert!(
        shown.contains(&format!("3/{} {cite}", rows.len())),
        "{shown}"
    );
    app.update(Action::OpenPaper);
    assert_eq!(app.screen(), Screen::Workbench);
    assert_eq!(app.selected(), Some(expected), "{cite}");
    assert_eq!(app.factor_cursor, 1, "the factor under the cursor");
    assert_eq!(app.list.rows, rows, "the search and sort are kept");
}

#[test]
fn esc_leaves_the_workbench_on_its_own_paper() {
    let (_d, mut app) = demo();
    let before = app.selected();
    app.update(Action::ShowMatrix);
    app.update(Action::Last);
    app.update(Action::Close);
    assert_eq!(app.selected(), before);
}

#[test]
fn c_chooses_characteristic_columns_for_the_session() {
    let (_d, mut app) = demo();
    app.update(Action::ShowMatrix);
    app.update(Action::MatrixColumns);
    assert_eq!(app.layer(), Layer::Pick);
    // Design, then Country: shown in the config's order, the list open.
    app.update(Action::Down);
    app.update(Action::Confirm);
    app.update(Action::First);
    app.update(Action::Confirm);
    let pick = app.pick().expect("still choosing");
    assert!(
        pick.items[0].0.starts_with("[x] Country"),
        "{:?}",
        pick.items
    );
    assert!(pick.items[2].0.starts_with("[ ] Data"), "{:?}", pick.items);
    app.update(Action::Close);
    assert_eq!(app.matrix.shown, vec![0, 1]);
    assert_eq!(app.matrix_columns(), 7);
    // The cursor stayed on the factor it was on.
    assert_eq!(
        app.matrix_column(app.matrix.col),
        Some(MatrixColumn::Factor(0))
    );
    app.update(Action::FirstColumn);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Aitken 2006 · Country: UK"), "{shown}");
    // Remembered when the matrix opens again.
    app.update(Action::Close);
    app.update(Action::ShowMatrix);
    assert_eq!(app.matrix.shown, vec![0, 1]);
    // Hidden again.
    app.update(Action::MatrixColumns);
    app.update(Action::Confirm);
    app.update(Action::Close);
    assert_eq!(app.matrix.shown, vec![1]);
}

#[test]
fn cells_mark_coded_factors_with_their_quote_counts_and_excluded_papers() {
    let (_d, mut app) = demo();
    app.update(Action::ShowMatrix);
    let shown = screen(&app, 80, 24);
    let line = |cite: &str| {
        shown
            .lines()
            .find(|l| l.contains(cite))
            .unwrap_or_else(|| panic!("{cite}: {shown}"))
            .to_string()
    };
    let aitken = line("Aitken 2006");
    assert!(aitken.contains("●2") && aitken.contains("●1"), "{aitken}");
    assert_eq!(aitken.matches('●').count(), 3, "{aitken}");
    assert_eq!(line("Walshe 2008").matches('●').count(), 2);
    assert!(line("Walshe 2008").contains("●3"));
    assert!(line("Shipman 2002").contains('✗'), "excluded is marked");
    assert_eq!(line("Dunne 2005").matches('●').count(), 0);
}

#[test]
fn matrix_snapshots() {
    let (_d, mut app) = demo();
    app.update(Action::ShowMatrix);
    app.update(Action::Down);
    insta::assert_snapshot!("matrix_80x24", screen(&app, 80, 24));
    app.update(Action::MatrixColumns);
    app.update(Action::Confirm);
    app.update(Action::Down);
    app.update(Action::Confirm);
    app.update(Action::Close);
    app.update(Action::FirstColumn);
    insta::assert_snapshot!("matrix_characteristics_160x48", screen(&app, 160, 48));
    app.update(Action::LastColumn);
    insta::assert_snapshot!("matrix_scrolled_right_80x24", screen(&app, 80, 24));
}

#[test]
fn matrix_without_factors_or_papers() {
    let dir = common::review_with_config(
        "codings_dir = \"data/codings\"\n[review]\ntitle = \"No factors\"\n\n[[sources]]\npath = \"data/studies.ris\"\n",
    );
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::ShowMatrix);
    app.update(Action::ColumnRight);
    app.update(Action::OpenPaper);
    assert_eq!(
        app.screen(),
        Screen::Workbench,
        "enter still opens the paper"
    );
    app.update(Action::ShowMatrix);
    insta::assert_snapshot!("matrix_no_factors_80x24", screen(&app, 80, 24));

    let (_d, mut app) = demo();
    app.update(Action::Search);
    for c in "zzzzqqq".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Confirm);
    app.update(Action::ShowMatrix);
    app.update(Action::Down);
    app.update(Action::ColumnRight);
    app.update(Action::OpenPaper);
    assert_eq!(app.screen(), Screen::Matrix, "no paper to open");
    insta::assert_snapshot!("matrix_no_papers_80x24", screen(&app, 80, 24));
}

#[test]
fn text_from_files_reaches_the_matrix_without_characters_a_terminal_acts_on() {
    let (_d, mut app) = demo();
    let aitken = app
        .review
        .papers
        .iter()
        .find(|p| p.short_cite() == "Aitken 2006")
        .map(|p| p.id.clone())
        .expect("Aitken");
    app.codings.update(&aitken, |c| {
        c.characteristics.insert(
            "country".into(),
            toml::Value::String("U\u{202e}K\u{1b}]0;owned\u{7} 英国英国英国英国".into()),
        );
        c.excluded = "Other: \u{2066}odd\u{2069}".into();
    });
    app.update(Action::ShowMatrix);
    app.update(Action::MatrixColumns);
    app.update(Action::Confirm);
    app.update(Action::Close);
    app.update(Action::FirstColumn);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Country"), "{shown}");
    let bad = shown.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    });
    assert_eq!(bad, None, "{shown}");
    let aitken_line = shown
        .lines()
        .find(|l| l.contains("Aitken 2006") && !l.contains('·'))
        .expect("row");
    assert!(aitken_line.contains("UK]0;owned"), "{aitken_line}");
}
