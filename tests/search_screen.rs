//! The search on a list longer than the screen: a keystroke filters what the
//! screen shows, the rest is filtered between keys (`App::idle_work`), and
//! no key ever acts on, or shows, a row the full filter would not have.

mod common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thema::app::App;
use thema::keys::action::Action;
use thema::ui::theme::Theme;

/// 3,000 papers, every seventh about nudges.
fn long_review() -> tempfile::TempDir {
    let dir = common::nudges_review();
    let mut rows = String::from("Title,Abstract\n");
    for i in 0..3000 {
        if i % 7 == 0 {
            rows.push_str(&format!("Nudges trial {i},One.\n"));
        } else {
            rows.push_str(&format!("Other study {i},Two.\n"));
        }
    }
    std::fs::write(dir.path().join("data/rows.csv"), rows).expect("rows");
    dir
}

/// The screen as text (drawing also tells the app how many rows it shows).
fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
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

fn search(app: &mut App, query: &str) {
    screen(app);
    app.update(Action::Search);
    for c in query.chars() {
        app.update(Action::Insert(c));
    }
}

/// The rows a search lists once nothing is left to do.
fn final_rows(dir: &std::path::Path, query: &str) -> Vec<usize> {
    let mut app = common::open_app(dir, "alice");
    search(&mut app, query);
    while app.idle_work() {}
    app.list.rows.clone()
}

#[test]
fn the_count_is_pending_until_the_rest_is_filtered_between_keys() {
    let dir = long_review();
    let mut app = common::open_app(dir.path(), "alice");
    search(&mut app, "nudges");
    assert!(app.has_idle_work(), "a screenful, not the whole list");
    let shown = screen(&app);
    assert!(
        shown.contains(&format!("≥{}/3000 match", app.list.rows.len())),
        "{shown}"
    );
    while app.idle_work() {}
    assert!(!app.has_idle_work());
    let shown = screen(&app);
    assert!(shown.contains("429/3000 match"), "{shown}");
    assert_eq!(app.list.rows, final_rows(dir.path(), "nudges"));
}

#[test]
fn moving_down_past_the_rows_filtered_so_far_shows_the_right_rows() {
    let dir = long_review();
    let want = final_rows(dir.path(), "nudges");
    let mut app = common::open_app(dir.path(), "alice");
    search(&mut app, "nudges");
    let listed = app.list.rows.len();
    assert!(listed < want.len());
    for row in 1..listed + 40 {
        app.update(Action::Down);
        assert_eq!(app.selected(), want.get(row).copied(), "row {row}");
        // What is drawn is what the full list has there.
        assert!(want.starts_with(&app.list.rows));
    }
    // Out of the search line, paging on and going to the end act on the
    // whole list.
    app.update(Action::Confirm);
    app.update(Action::PageDown);
    assert!(want.starts_with(&app.list.rows));
    assert_eq!(app.selected(), want.get(app.list.cursor).copied());
    app.update(Action::Last);
    assert!(!app.has_idle_work());
    assert_eq!(app.selected(), want.last().copied());
}

#[test]
fn the_selected_paper_stays_selected_through_the_search() {
    let dir = long_review();
    let mut app = common::open_app(dir.path(), "alice");
    screen(&app);
    // A paper far down the list, about nudges.
    let deep = (0..app.list.rows.len())
        .rev()
        .find(|&row| {
            let i = app.list.rows[row];
            app.review.papers[i].record.title.starts_with("Nudges")
        })
        .expect("a nudges paper");
    app.list.cursor = deep;
    let paper = app.selected();
    search(&mut app, "nudg");
    assert_eq!(app.selected(), paper);
    while app.idle_work() {}
    assert_eq!(app.selected(), paper);
    assert_eq!(app.list.rows, final_rows(dir.path(), "nudg"));
}
