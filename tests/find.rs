//! Finding papers: the search line, quick filters, sorting and the command
//! palette, driven headless through `App::update`.

mod common;

use thema::app::{App, Effect};
use thema::keys::action::Action;
use thema::keys::action::SortKey;
use thema::keys::keymap::Layer;

fn demo() -> (tempfile::TempDir, App) {
    let dir = common::demo_copy();
    let app = common::open_app(dir.path(), "alice");
    (dir, app)
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Insert(c));
    }
}

fn listed(app: &App) -> Vec<String> {
    app.list
        .rows
        .iter()
        .map(|&i| app.review.papers[i].short_cite())
        .collect()
}

#[test]
fn the_list_narrows_with_every_keystroke_and_esc_clears() {
    let (_d, mut app) = demo();
    app.update(Action::Search);
    assert_eq!(app.layer(), Layer::Search);
    typed(&mut app, "m");
    let after_m = app.list.rows.len();
    typed(&mut app, "itch");
    assert_eq!(listed(&app), ["Mitchell 2002", "Mitchell 2008"]);
    assert!(after_m >= 2);
    typed(&mut app, " 2008");
    assert_eq!(listed(&app), ["Mitchell 2008"]);
    assert_eq!(
        app.selected(),
        Some(app.list.rows[0]),
        "the cursor is on a match"
    );
    app.update(Action::DeleteBack);
    app.update(Action::DeleteBack);
    app.update(Action::DeleteBack);
    app.update(Action::DeleteBack);
    assert_eq!(
        listed(&app),
        ["Mitchell 2002", "Mitchell 2008"],
        "backspace widens again"
    );
    app.update(Action::Confirm);
    assert_eq!(app.layer(), Layer::Normal);
    assert_eq!(app.list.query, "mitch ", "enter keeps the search");
    app.update(Action::ClearFilters);
    assert_eq!(app.list.rows.len(), 8, "esc shows every paper");
}

#[test]
fn search_reaches_notes_and_the_reviewers_quotes() {
    let (_d, mut app) = demo();
    // "hospice" appears only in Alsop 2010's N1 note (its design).
    app.update(Action::Search);
    typed(&mut app, "hospice");
    assert_eq!(
        listed(&app),
        ["Alsop 2010"],
        "the record's N1 note is searched"
    );
    app.update(Action::Close);
    assert_eq!(app.list.rows.len(), 8);
    app.update(Action::Last);
    app.update(Action::EditQuote);
    typed(&mut app, "trust grew over years");
    app.update(Action::Confirm);
    app.update(Action::Search);
    typed(&mut app, "grew over");
    assert_eq!(listed(&app), ["Walshe 2008"], "quotes are searched");
}

#[test]
fn quick_filters_combine_with_each_other_and_the_search() {
    let (_d, mut app) = demo();
    app.update(Action::ToggleFactor(1)); // Aitken: roles
    app.update(Action::Last);
    app.update(Action::ToggleFactor(1)); // Walshe: roles
    app.update(Action::ToggleFlag);
    app.update(Action::ToggleUncodedOnly);
    assert_eq!(app.list.rows.len(), 6);
    app.update(Action::ToggleUncodedOnly);
    app.update(Action::FilterWith(1));
    assert_eq!(listed(&app), ["Aitken 2006", "Walshe 2008"]);
    app.update(Action::ToggleFlaggedOnly);
    assert_eq!(listed(&app), ["Walshe 2008"]);
    app.update(Action::ToggleFlaggedOnly);
    app.update(Action::Search);
    typed(&mut app, "aitk");
    app.update(Action::Confirm);
    assert_eq!(
        listed(&app),
        ["Aitken 2006"],
        "search within the quick filter"
    );
    app.update(Action::ClearFilters);
    app.update(Action::FilterWithout(1));
    assert_eq!(app.list.rows.len(), 6);
    app.update(Action::ClearFilters);
    app.update(Action::EditNote);
    typed(&mut app, "check design");
    app.update(Action::Confirm);
    app.update(Action::ToggleHasNote);
    assert_eq!(app.list.rows.len(), 1);
}

#[test]
fn a_paper_coded_under_the_uncoded_filter_stays_until_you_move_on() {
    let (_d, mut app) = demo();
    app.update(Action::ToggleUncodedOnly);
    let first = app.selected().expect("a paper is selected");
    app.update(Action::ToggleFactor(0));
    app.update(Action::ToggleFactor(1));
    assert_eq!(
        app.selected(),
        Some(first),
        "still on the paper being coded"
    );
    assert!(app.list.rows.contains(&first));
    app.update(Action::ToggleUncodedOnly);
    app.update(Action::ToggleUncodedOnly);
    assert!(
        !app.list.rows.contains(&first),
        "gone once the list is rebuilt"
    );
}

#[test]
fn sorting_by_year_title_and_status() {
    let (_d, mut app) = demo();
    app.update(Action::SortBy(SortKey::Year));
    let years: Vec<Option<u16>> = app
        .list
        .rows
        .iter()
        .map(|&i| app.review.papers[i].record.year)
        .collect();
    let mut sorted = years.clone();
    sorted.sort();
    assert_eq!(years, sorted);
    app.update(Action::SortBy(SortKey::Title));
    assert_eq!(
        listed(&app)[0],
        "Alsop 2010",
        "Collaborative working … comes first"
    );
    app.update(Action::SortBy(SortKey::Author));
    app.update(Action::ToggleFactor(0)); // Aitken coded
    app.update(Action::SortBy(SortKey::Status));
    assert_eq!(
        listed(&app).last().map(String::as_str),
        Some("Aitken 2006"),
        "coded papers last"
    );
    app.update(Action::CycleSort);
    assert_eq!(app.list.sort, SortKey::Author);
}

#[test]
fn the_palette_runs_any_action_and_toggles_any_factor_by_name() {
    let (_d, mut app) = demo();
    app.update(Action::Palette);
    assert_eq!(app.layer(), Layer::Palette);
    assert!(app.palette().expect("palette open").entries.len() > 20);
    typed(&mut app, "toggle factor shared");
    assert_eq!(
        app.palette().expect("palette open").chosen(),
        Some(Action::ToggleFactor(2))
    );
    assert_eq!(app.update(Action::Confirm), Effect::Save);
    assert!(app.selected_has(2));
    assert_eq!(app.layer(), Layer::Normal);

    app.update(Action::Palette);
    typed(&mut app, "sort year");
    app.update(Action::Confirm);
    assert_eq!(app.list.sort, SortKey::Year);

    app.update(Action::Palette);
    typed(&mut app, "zzzzqqq");
    assert!(app.palette().expect("palette open").matches.is_empty());
    assert_eq!(app.update(Action::Confirm), Effect::None);
}

#[test]
fn every_normal_binding_is_in_the_palette_with_its_description() {
    let (_d, mut app) = demo();
    app.update(Action::Palette);
    for b in app.review.keymap.bindings(Layer::Normal) {
        if matches!(b.action, Action::Palette | Action::ToggleFactor(_)) {
            continue;
        }
        assert!(
            app.palette()
                .expect("palette open")
                .entries
                .iter()
                .any(|e| e.action == b.action && e.title.contains(&b.help)),
            "palette lacks {:?}",
            b.action
        );
    }
    for (i, f) in app.review.config.factors.iter().enumerate() {
        assert!(
            app.palette()
                .expect("palette open")
                .entries
                .iter()
                .any(|e| e.action == Action::ToggleFactor(i) && e.title.contains(&f.label)),
            "palette lacks toggle factor {}",
            f.label
        );
    }
}

#[test]
fn every_palette_entry_is_found_by_its_title_and_runs() {
    let (_d, probe) = demo();
    let entries = thema::app::palette::entries(&probe.review);
    for entry in entries {
        let (_d, mut app) = demo();
        app.update(Action::Palette);
        typed(&mut app, &entry.title);
        assert_eq!(
            app.palette().expect("palette open").chosen(),
            Some(entry.action),
            "`{}` is not the first match for its own title",
            entry.title
        );
        let effect = app.update(Action::Confirm);
        // Every entry leaves the palette and does what its action does.
        assert_ne!(app.layer(), Layer::Palette, "{}", entry.title);
        if let Action::ToggleFactor(i) = entry.action {
            assert_eq!(effect, Effect::Save);
            assert!(app.selected_has(i));
        }
        if let Action::FilterWith(_) = entry.action {
            assert!(app.list.quick.with.is_some());
        }
        if let Action::SortBy(key) = entry.action {
            assert_eq!(app.list.sort, key);
        }
    }
}

#[test]
fn with_nothing_listed_no_key_codes_a_hidden_paper() {
    let (_d, mut app) = demo();
    app.update(Action::Search);
    typed(&mut app, "zzzqqq");
    app.update(Action::Confirm);
    assert!(app.list.rows.is_empty());
    assert!(app.current_paper().is_none());
    for action in [
        Action::ToggleFactor(0),
        Action::ToggleSelectedFactor,
        Action::ToggleFlag,
        Action::Exclude,
        Action::EditQuote,
    ] {
        assert_eq!(app.update(action), Effect::None, "{action:?}");
        assert_eq!(app.layer(), Layer::Normal);
    }
    assert!(app.codings.papers.is_empty());
}

#[test]
fn below_the_minimum_size_only_quit_works() {
    let (_d, mut app) = demo();
    app.viewport.too_small.set(true);
    assert_eq!(app.update(Action::ToggleFactor(0)), Effect::None);
    assert!(app.codings.papers.is_empty());
    assert_eq!(app.update(Action::Quit), Effect::Quit);
}

#[test]
fn an_excluded_paper_is_not_listed_as_uncoded() {
    let (_d, mut app) = demo();
    let first = listed(&app)[0].clone();
    app.update(Action::Exclude);
    app.update(Action::Confirm); // the first reason
    app.update(Action::ToggleUncodedOnly);
    assert_eq!(app.list.rows.len(), 7, "{:?}", listed(&app));
    assert!(!listed(&app).contains(&first));
}

fn selected(app: &App) -> Option<String> {
    app.current_paper().map(|p| p.short_cite())
}

#[test]
fn a_search_lands_on_its_first_match_and_esc_returns_to_where_it_began() {
    let (_d, mut app) = demo();
    app.update(Action::Last);
    let started = selected(&app);
    app.update(Action::Search);
    typed(&mut app, "nurse");
    let matches = listed(&app);
    assert!(matches.len() >= 2, "{matches:?}");
    assert!(!matches.contains(started.as_ref().expect("a paper")));
    assert_eq!(selected(&app).as_ref(), matches.first(), "the first match");
    app.update(Action::Close);
    assert_eq!(selected(&app), started);

    app.update(Action::Search);
    typed(&mut app, "zzzzqx");
    assert!(listed(&app).is_empty());
    app.update(Action::Close);
    assert_eq!(selected(&app), started, "not the first paper");
}
