//! Model-based property test: random sequences of what a reviewer can do
//! (move, toggle, flag, add, edit, remove and assign quotes, search, filter, sort, undo, redo) run
//! through `App::update` and its effects, as the run loop does. After every
//! step the cursor is on a row (or the list is empty), the live tally equals
//! a recount from scratch, every coding names its paper (cite and title),
//! and the codings file on disk parses to exactly
//! the codings in memory; at the end, undoing everything and redoing it all
//! comes back to the same codings.

mod common;

use proptest::prelude::*;
use thema::app::App;
use thema::keys::action::Action;
use thema::review::codings::{Codings, Store};
use thema::review::tally;
use thema::review::workspace::Workspace;

fn step() -> impl Strategy<Value = Vec<Action>> {
    let one = |a: Action| Just(vec![a]);
    prop_oneof![
        3 => one(Action::Down),
        2 => one(Action::Up),
        1 => one(Action::First),
        1 => one(Action::Last),
        1 => one(Action::PageDown),
        1 => one(Action::PageUp),
        1 => one(Action::NextUncoded),
        6 => (0usize..5).prop_map(|i| vec![Action::ToggleFactor(i)]),
        1 => one(Action::ToggleFlag),
        1 => one(Action::ToggleUncodedOnly),
        1 => one(Action::ToggleFlaggedOnly),
        1 => one(Action::CycleSort),
        1 => one(Action::ClearFilters),
        3 => one(Action::Undo),
        2 => one(Action::Redo),
        // A quote typed (text, then a location) and kept, or abandoned:
        // a new one, or one of the paper's edited (emptied: removed).
        1 => ("[a-z ]{0,6}", "[0-9]{0,2}", any::<bool>(), any::<bool>()).prop_map(|(text, loc, new, keep)| {
            let mut v = vec![if new { Action::AddQuote } else { Action::EditQuote }];
            // An edited one is typed over (a paper with several quotes
            // shows a list first, which the typing leaves open).
            v.extend([Action::CursorEnd, Action::DeleteToStart]);
            v.extend(text.chars().map(Action::Insert));
            v.push(Action::NextField);
            v.extend(loc.chars().map(Action::Insert));
            // Abandoning what was written takes esc twice (the first asks).
            v.extend(if keep {
                vec![Action::Confirm]
            } else {
                vec![Action::Close, Action::Close]
            });
            v
        }),
        1 => one(Action::AssignQuote),
        // A search typed, then kept or left.
        1 => ("[a-z]{0,3}", any::<bool>()).prop_map(|(text, keep)| {
            let mut v = vec![Action::Search];
            v.extend(text.chars().map(Action::Insert));
            v.push(if keep { Action::Confirm } else { Action::Close });
            v
        }),
    ]
}

fn press(app: &mut App, store: &mut Workspace, action: Action) {
    let effect = app.update(action);
    store.carry_out(app, effect);
}

fn check_invariants(app: &App, path: &std::path::Path) -> Result<(), TestCaseError> {
    let rows = app.list.rows.len();
    prop_assert!(
        (rows == 0 && app.list.cursor == 0) || app.list.cursor < rows,
        "cursor {} with {} rows",
        app.list.cursor,
        rows
    );
    let recount = tally::compute(&app.review.config.factors, &app.review.papers, &app.codings);
    prop_assert_eq!(&app.tally, &recount, "live tally differs from a recount");
    for (id, c) in &app.codings.papers {
        if let Some(i) = app.review.paper_index(id) {
            let stamp = app.review.papers[i].stamp();
            prop_assert_eq!(
                (&c.cite, &c.title),
                (&stamp.cite, &stamp.title),
                "every coding names the paper it was made on"
            );
        }
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let on_disk = Codings::parse("alice.toml", &text, "alice")
        .map_err(|e| TestCaseError::fail(format!("the file on disk does not parse: {e}")))?;
    prop_assert_eq!(
        &on_disk.papers,
        &app.codings.papers,
        "disk differs from memory"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_cursor_tally_file_and_undo_right(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let dir = common::demo_copy();
        let path = common::codings_file(dir.path(), "alice");
        let mut app = common::open_app(dir.path(), "alice");
        let (store, _) = Store::open(&path, "alice").expect("store");
        let mut store = Workspace::new(dir.path(), store);
        for actions in steps {
            for action in actions {
                press(&mut app, &mut store, action);
            }
            check_invariants(&app, &path)?;
        }

        let end = app.codings.papers.clone();
        let done = app.history.done().len();
        for _ in 0..done {
            press(&mut app, &mut store, Action::Undo);
        }
        prop_assert!(
            app.codings.papers.values().all(|c| c.factors.is_empty() && c.quotes.is_empty() && !c.flagged),
            "undoing everything leaves nothing coded: {:?}",
            app.codings.papers
        );
        check_invariants(&app, &path)?;
        for _ in 0..done {
            press(&mut app, &mut store, Action::Redo);
        }
        prop_assert_eq!(&app.codings.papers, &end, "redo restores every change");
        check_invariants(&app, &path)?;
    }
}
