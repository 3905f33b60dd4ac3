//! Headless behaviour: actions in, state and effects out. No terminal.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use thema::app::{App, Effect, Focus, Overlay};
use thema::keys::action::Action;
use thema::keys::keymap::Layer;

fn demo() -> (tempfile::TempDir, App) {
    let dir = common::demo_copy();
    let app = common::open_app(dir.path(), "alice");
    (dir, app)
}

fn selected_cite(app: &App) -> String {
    app.current_paper()
        .map(|p| p.short_cite())
        .unwrap_or_default()
}

#[test]
fn papers_are_listed_by_first_author_then_year() {
    let (_d, app) = demo();
    let cites: Vec<String> = app.review.papers.iter().map(|p| p.short_cite()).collect();
    assert_eq!(
        cites,
        [
            "Aitken 2006",
            "Alsop 2010",
            "Dunne 2005",
            "Hanratty 2002",
            "Mitchell 2002",
            "Mitchell 2008",
            "Shipman 2002",
            "Walshe 2008"
        ]
    );
}

#[test]
fn movement_keys_walk_the_list_and_stop_at_the_ends() {
    let (_d, mut app) = demo();
    assert_eq!(app.update(Action::Up), Effect::None);
    assert_eq!(app.selected(), Some(0));
    app.update(Action::Down);
    app.update(Action::Down);
    assert_eq!(selected_cite(&app), "Dunne 2005");
    app.update(Action::Last);
    assert_eq!(selected_cite(&app), "Walshe 2008");
    app.update(Action::Down);
    assert_eq!(app.selected(), Some(7));
    app.update(Action::First);
    assert_eq!(app.selected(), Some(0));
}

#[test]
fn paging_moves_by_what_the_list_shows() {
    let (_d, mut app) = demo();
    app.viewport.list_rows.set(4);
    app.update(Action::PageDown);
    assert_eq!(
        app.selected(),
        Some(3),
        "a page of 4 rows moves 3, keeping one row of context"
    );
    app.update(Action::PageDown);
    app.update(Action::PageDown);
    assert_eq!(app.selected(), Some(7), "stops at the last paper");
    app.update(Action::PageUp);
    assert_eq!(app.selected(), Some(4));
}

#[test]
fn a_factor_key_codes_the_paper_and_the_tally_follows_at_once() {
    let (_d, mut app) = demo();
    assert_eq!(app.tally.rows[1].studies, 0);
    assert_eq!(app.update(Action::ToggleFactor(1)), Effect::Save);
    assert!(app.selected_has(1));
    assert_eq!(app.tally.rows[1].studies, 1);
    assert_eq!(app.tally.coded, 1);
    assert_eq!(app.tally.uncoded, 7);
    assert_eq!(app.tally.percent(1), 13);
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert_eq!(
        notice, "+ Roles and responsibilities · Aitken 2006 · e quote",
        "the key that adds a quote for it, while the passage is in view"
    );

    assert_eq!(app.update(Action::ToggleFactor(1)), Effect::Save);
    assert!(!app.selected_has(1));
    assert_eq!(app.tally.rows[1].studies, 0);
    assert_eq!(app.tally.uncoded, 8);
}

#[test]
fn a_factor_outside_the_codebook_does_nothing() {
    let (_d, mut app) = demo();
    assert_eq!(app.update(Action::ToggleFactor(99)), Effect::None);
    assert!(app.codings.papers.is_empty());
}

#[test]
fn next_uncoded_skips_coded_papers_and_wraps() {
    let (_d, mut app) = demo();
    app.update(Action::ToggleFactor(0)); // Aitken
    app.update(Action::Down);
    app.update(Action::ToggleFactor(0)); // Alsop
    app.update(Action::First);
    app.update(Action::NextUncoded);
    assert_eq!(selected_cite(&app), "Dunne 2005");
    app.update(Action::Last);
    app.update(Action::NextUncoded);
    assert_eq!(selected_cite(&app), "Dunne 2005", "wraps past the end");
}

#[test]
fn next_uncoded_says_so_when_everything_is_coded() {
    let (_d, mut app) = demo();
    for _ in 0..8 {
        app.update(Action::ToggleFactor(2));
        app.update(Action::Down);
    }
    let before = app.selected();
    app.update(Action::NextUncoded);
    assert_eq!(app.selected(), before);
    assert_eq!(
        app.notice.as_ref().map(|n| n.text.as_str()),
        Some("Every paper is coded")
    );
    assert_eq!(app.tally.coded, 8);
    assert_eq!(app.tally.percent(app.tally.rows[2].studies), 100);
}

#[test]
fn tab_cycles_focus_and_movement_follows_it() {
    let (_d, mut app) = demo();
    assert_eq!(app.focus, Focus::Papers);
    app.update(Action::FocusNext);
    assert_eq!(app.focus, Focus::Detail);
    app.update(Action::FocusNext);
    assert_eq!(app.focus, Focus::Factors);
    app.update(Action::Down);
    app.update(Action::Down);
    assert_eq!(app.factor_cursor, 2);
    assert_eq!(
        app.selected(),
        Some(0),
        "the paper stays put while the codebook has focus"
    );
    assert_eq!(app.update(Action::ToggleSelectedFactor), Effect::Save);
    assert!(app.selected_has(2));
    app.update(Action::Last);
    assert_eq!(app.factor_cursor, 4);
    app.update(Action::FocusNext);
    assert_eq!(app.focus, Focus::Papers);
    app.update(Action::FocusPrev);
    assert_eq!(app.focus, Focus::Factors);
}

#[test]
fn the_detail_panel_scrolls_only_as_far_as_its_text() {
    let (_d, mut app) = demo();
    app.viewport.detail_rows.set(10);
    app.viewport.detail_lines.set(14);
    app.update(Action::FocusNext);
    for _ in 0..10 {
        app.update(Action::Down);
    }
    assert_eq!(app.detail_scroll, 4);
    app.update(Action::First);
    assert_eq!(app.detail_scroll, 0);
    app.update(Action::Last);
    assert_eq!(app.detail_scroll, 4);
    app.update(Action::FocusPrev);
    app.update(Action::Down);
    assert_eq!(app.detail_scroll, 0, "a new paper starts at its top");
}

#[test]
fn the_tally_view_lists_and_opens_supporting_papers() {
    let (_d, mut app) = demo();
    app.update(Action::Last); // Walshe
    app.update(Action::ToggleFactor(3));
    app.update(Action::First); // Aitken
    app.update(Action::ToggleFactor(3));
    app.update(Action::ShowTally);
    assert_eq!(app.layer(), Layer::Tally);
    assert_eq!(app.tally_cursor, 3, "opens on the factor last used");
    let supporting: Vec<usize> = app.papers_with(3).collect();
    assert_eq!(supporting, [0, 7]);
    app.update(Action::OpenPaper);
    assert_eq!(app.layer(), Layer::Normal);
    assert_eq!(
        selected_cite(&app),
        "Walshe 2008",
        "the next supporting paper after Aitken"
    );
    app.update(Action::ShowTally);
    app.update(Action::OpenPaper);
    assert_eq!(selected_cite(&app), "Aitken 2006", "wraps to the first");
    app.update(Action::ShowTally);
    app.update(Action::Up);
    app.update(Action::First);
    assert_eq!(app.tally_cursor, 0);
    app.update(Action::OpenPaper);
    assert_eq!(
        app.layer(),
        Layer::Tally,
        "nothing to open for an unused factor"
    );
    app.update(Action::Last);
    assert_eq!(
        app.tally_cursor, 5,
        "the row after the factors is `uncoded`"
    );
    let uncoded: Vec<usize> = app.papers_with(5).collect();
    assert_eq!(uncoded, [1, 2, 3, 4, 5, 6]);
    app.update(Action::OpenPaper);
    assert_eq!(selected_cite(&app), "Alsop 2010", "the next uncoded paper");
    assert_eq!(
        app.factor_cursor, 3,
        "the codebook cursor stays on a factor"
    );
    app.update(Action::ShowTally);
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Normal);
}

#[test]
fn help_opens_over_any_mode_and_returns_to_it() {
    let (_d, mut app) = demo();
    app.update(Action::ShowTally);
    app.update(Action::Help);
    assert_eq!(app.layer(), Layer::Help);
    app.viewport.help_rows.set(5);
    app.viewport.help_lines.set(12);
    app.update(Action::PageDown);
    assert_eq!(help_scroll(&app), Some(5));
    app.update(Action::PageDown);
    assert_eq!(help_scroll(&app), Some(7), "stops at the last page");
    app.update(Action::Up);
    assert_eq!(help_scroll(&app), Some(6));
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Tally);
}

#[test]
fn quit_asks_the_loop_to_stop_from_every_mode() {
    for mode_action in [None, Some(Action::ShowTally), Some(Action::Help)] {
        let (_d, mut app) = demo();
        if let Some(a) = mode_action {
            app.update(a);
        }
        assert_eq!(app.update(Action::Quit), Effect::Quit);
        assert!(app.should_quit);
    }
}

#[test]
fn default_keys_resolve_to_actions_as_terminals_send_them() {
    let (_d, app) = demo();
    let km = &app.review.keymap;
    let key = |code, mods| KeyEvent::new(code, mods);
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Char('j'), KeyModifiers::NONE)),
        Some(Action::Down)
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Down, KeyModifiers::NONE)),
        Some(Action::Down)
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Action::Last)
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Char('1'), KeyModifiers::NONE)),
        Some(Action::ToggleFactor(0))
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Char('5'), KeyModifiers::NONE)),
        Some(Action::ToggleFactor(4))
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Char('6'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::Tab, KeyModifiers::SHIFT)),
        Some(Action::FocusPrev)
    );
    assert_eq!(
        km.resolve(Layer::Normal, &key(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Action::FocusPrev)
    );
    assert_eq!(
        km.resolve(
            Layer::Normal,
            &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(Action::Quit)
    );
    assert_eq!(
        km.resolve(Layer::Tally, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
        Some(Action::Close)
    );
    assert_eq!(
        km.resolve(Layer::Help, &key(KeyCode::Esc, KeyModifiers::NONE)),
        Some(Action::Close)
    );
}

#[test]
fn quitting_with_unsaved_changes_retries_then_asks_for_a_second_quit() {
    let (_d, mut app) = demo();
    app.update(Action::ToggleFactor(0));
    app.saved(Err("No space left on device (alice.toml)".into()));
    assert_eq!(
        app.update(Action::Quit),
        Effect::Save,
        "first quit retries the save"
    );
    assert!(!app.should_quit);
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.warning && n.text.contains("NOT saved"))
    );
    app.saved(Err("No space left on device (alice.toml)".into()));
    assert_eq!(
        app.update(Action::Quit),
        Effect::Quit,
        "a second quit leaves"
    );
    assert!(app.should_quit);
}

#[test]
fn a_retry_that_succeeds_clears_the_warning() {
    let (_d, mut app) = demo();
    app.update(Action::ToggleFactor(0));
    app.saved(Err("disk full".into()));
    assert_eq!(app.update(Action::Quit), Effect::Save);
    app.saved(Ok(()));
    assert_eq!(app.save_state, thema::app::SaveState::Saved);
    assert_eq!(
        app.notice.as_ref().map(|n| n.text.as_str()),
        Some("Saved now")
    );
    // Any other key disarms; quit then works at once since all is saved.
    app.update(Action::Down);
    assert_eq!(app.update(Action::Quit), Effect::Quit);
}

#[test]
fn a_quote_is_typed_edited_kept_and_saved() {
    let (_d, mut app) = demo();
    app.update(Action::Last); // Walshe 2008
    app.update(Action::EditQuote);
    assert_eq!(app.layer(), Layer::Edit);
    for c in "GPs valued érudite nurses".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::CursorHome);
    app.update(Action::DeleteForward); // drop "G"
    app.update(Action::Insert('g'));
    app.update(Action::CursorEnd);
    app.update(Action::DeleteBack);
    app.update(Action::DeleteBack);
    app.update(Action::CursorLeft);
    app.update(Action::CursorRight);
    assert_eq!(edited(&app), "gPs valued érudite nurs");
    assert_eq!(app.update(Action::Confirm), Effect::Save);
    assert_eq!(app.layer(), Layer::Normal);
    let id = app
        .current_paper()
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let quote = &app.codings.papers[&id].quotes[0];
    assert_eq!(quote.text, "gPs valued érudite nurs");
    assert_eq!(quote.factor, "communication", "the factor under the cursor");
    assert_eq!(app.last_changed.as_deref(), Some(id.as_str()));
    assert_eq!(
        app.tally.coded, 1,
        "a quote for a factor codes the paper with it"
    );
}

#[test]
fn cancelling_or_clearing_a_quote() {
    let (_d, mut app) = demo();
    app.update(Action::EditQuote);
    app.update(Action::Insert('x'));
    // Something was written: the first esc asks, the second discards.
    assert_eq!(app.update(Action::Close), Effect::None);
    assert_eq!(edited(&app), "x", "one esc never throws a quote away");
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("esc again discards"))
    );
    assert_eq!(app.update(Action::Close), Effect::None);
    assert_eq!(app.layer(), Layer::Normal);
    assert!(app.codings.papers.is_empty(), "esc keeps nothing");
    // Nothing written: one esc closes.
    app.update(Action::EditQuote);
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Normal);
    app.update(Action::EditQuote);
    app.update(Action::Insert('x'));
    app.update(Action::Confirm);
    app.update(Action::EditQuote);
    assert_eq!(edited(&app), "x", "the editor opens on the saved quote");
    app.update(Action::DeleteBack);
    assert_eq!(app.update(Action::Confirm), Effect::Save);
    assert!(
        app.coding_of(0).is_some_and(|c| c.quotes.is_empty()),
        "an emptied quote is removed (the factor it coded stays)"
    );
    app.update(Action::EditQuote);
    assert_eq!(
        app.update(Action::Confirm),
        Effect::None,
        "nothing changed, nothing saved"
    );
}

#[test]
fn one_esc_never_throws_away_a_written_note() {
    let (_d, mut app) = demo();
    app.update(Action::EditNote);
    // Opened and left untouched: one esc closes.
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Normal);
    app.update(Action::EditNote);
    app.update(Action::Insert('x'));
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Edit, "the first esc only asks");
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("esc again discards"))
    );
    // Writing on disarms it: the next esc asks again.
    app.update(Action::Insert('y'));
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Edit);
    assert_eq!(app.update(Action::Confirm), Effect::Save, "kept after all");
    assert_eq!(app.coding_of(0).map(|c| c.note.as_str()), Some("xy"));
    // A paste counts as writing too.
    app.update(Action::EditNote);
    app.paste("more");
    app.update(Action::Close);
    app.update(Action::Close);
    assert_eq!(app.layer(), Layer::Normal);
    assert_eq!(
        app.coding_of(0).map(|c| c.note.as_str()),
        Some("xy"),
        "the discarded paste left the note as kept"
    );
}

#[test]
fn line_breaks_stay_in_a_quote_and_become_spaces_in_a_label() {
    let (_d, mut app) = demo();
    app.update(Action::EditQuote);
    for c in "one\ntwo\tthree".chars() {
        app.update(Action::Insert(c));
    }
    assert_eq!(edited(&app), "one\ntwo three");
    app.update(Action::Close);
    app.update(Action::Close);
    app.update(Action::Codebook);
    app.update(Action::AddFactor);
    for c in "one\ntwo".chars() {
        app.update(Action::Insert(c));
    }
    assert_eq!(edited(&app), "one two");
}

use std::time::Duration;

use crossterm::event::Event;
use thema::app::burst::{self, Input};

/// `text` as a terminal without bracketed paste delivers it: one key per
/// character, all read in one go.
fn burst_of(text: &str) -> Vec<(Duration, Event)> {
    text.chars()
        .map(|c| {
            let code = match c {
                '\n' => KeyCode::Enter,
                c => KeyCode::Char(c),
            };
            (
                Duration::ZERO,
                Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            )
        })
        .collect()
}

fn feed(app: &mut App, events: &[(Duration, Event)]) {
    for input in burst::classify(events) {
        app.input(input);
    }
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Effect {
    app.input(Input::Key(KeyEvent::new(code, mods)))
}

#[test]
fn an_unbracketed_paste_in_normal_mode_runs_no_command() {
    let (_d, mut app) = demo();
    let before = selected_cite(&app);
    feed(&mut app, &burst_of("abc\n1 2 j j\n"));
    assert_eq!(app.layer(), Layer::Normal, "no editor opened");
    assert_eq!(selected_cite(&app), before, "no paper moved");
    assert!(app.codings.papers.is_empty(), "no factor toggled");
    assert_eq!(app.tally.coded, 0);
    let notice = app.notice.as_ref().map(|n| n.text.clone());
    assert_eq!(notice.as_deref(), Some("paste ignored (e: quote)"));
    // Typed at human speed, the same keys are commands.
    for c in ['1', 'j'] {
        key(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    assert_eq!(app.tally.coded, 1);
    assert_eq!(selected_cite(&app), "Alsop 2010");
}

#[test]
fn a_paste_into_a_note_keeps_its_paragraphs_and_enter_does_not_confirm() {
    let (_d, mut app) = demo();
    key(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
    assert_eq!(app.layer(), Layer::Edit);
    // Unbracketed: the line break stays a line break, nothing runs.
    feed(&mut app, &burst_of("abc\n1 2 j j\n"));
    // Bracketed, with a Windows line end.
    app.input(Input::Paste("Para one.\r\n\r\nPara two.".into()));
    assert_eq!(app.layer(), Layer::Edit, "still writing");
    assert_eq!(edited(&app), "abc\n1 2 j j\nPara one.\n\nPara two.");
    // Typed Enter starts a line too; ctrl-s keeps the note.
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    assert_eq!(app.layer(), Layer::Edit);
    assert_eq!(
        key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL),
        Effect::Save
    );
    assert_eq!(app.layer(), Layer::Normal);
    let c = app.coding_of(0).cloned().unwrap_or_default();
    assert_eq!(c.note, "abc\n1 2 j j\nPara one.\n\nPara two.\nx");
    assert!(c.factors.is_empty(), "the pasted 1 and 2 toggled nothing");
    // alt-enter keeps too.
    key(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
    key(&mut app, KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(
        key(&mut app, KeyCode::Enter, KeyModifiers::ALT),
        Effect::Save
    );
    assert_eq!(
        app.coding_of(0).map(|c| c.quotes[0].text.as_str()),
        Some("q")
    );
}

#[test]
fn enter_keeps_a_one_line_field() {
    let (_d, mut app) = demo();
    app.update(Action::Codebook);
    app.update(Action::AddFactor);
    app.input(Input::Paste("Trust\nand respect".into()));
    assert_eq!(edited(&app), "Trust and respect");
    let effect = key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(effect, Effect::Codebook { .. }), "{effect:?}");
}

#[test]
fn the_exclusion_picker_jumps_and_other_asks_why() {
    let (_d, mut app) = demo();
    key(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    assert_eq!(app.layer(), Layer::Pick);
    key(&mut app, KeyCode::Char('G'), KeyModifiers::SHIFT);
    let pick = app.pick().cloned().unwrap_or_else(|| panic!("a pick list"));
    assert_eq!(pick.items[pick.cursor].0, "Other");
    key(&mut app, KeyCode::Char('g'), KeyModifiers::NONE);
    assert_eq!(app.pick().map(|p| p.cursor), Some(0));
    key(&mut app, KeyCode::Char('G'), KeyModifiers::SHIFT);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.layer(), Layer::Edit, "Other asks for the reason");
    app.input(Input::Paste("conference abstract only".into()));
    assert_eq!(
        key(&mut app, KeyCode::Enter, KeyModifiers::NONE),
        Effect::Save
    );
    assert_eq!(app.layer(), Layer::Normal);
    let c = app.coding_of(0).cloned().unwrap_or_default();
    assert_eq!(c.excluded, "Other: conference abstract only");
    // Esc in the reason box excludes nothing.
    app.update(Action::Down);
    app.update(Action::Exclude);
    app.update(Action::Last);
    app.update(Action::Confirm);
    app.update(Action::Close);
    assert!(app.coding_of(1).is_none_or(|c| c.excluded.is_empty()));
}

#[test]
fn a_ctrl_s_or_alt_enter_inside_an_unbracketed_paste_is_text_not_a_save() {
    let (_d, mut app) = demo();
    key(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
    assert_eq!(app.layer(), Layer::Edit);
    // A pasted 0x13 reads as ctrl-s, a pasted ESC+CR as alt-enter.
    let mut events = burst_of("Trust");
    for (code, mods) in [
        (KeyCode::Char('s'), KeyModifiers::CONTROL),
        (KeyCode::Char(' '), KeyModifiers::NONE),
        (KeyCode::Enter, KeyModifiers::ALT),
    ] {
        events.push((Duration::ZERO, Event::Key(KeyEvent::new(code, mods))));
    }
    events.extend(burst_of("matters"));
    feed(&mut app, &events);
    assert_eq!(app.layer(), Layer::Edit, "still writing: nothing was kept");
    assert_eq!(edited(&app), "Trust \nmatters");
    // The reader's own ctrl-s keeps all of it.
    assert_eq!(
        key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL),
        Effect::Save
    );
    assert_eq!(
        app.coding_of(0).map(|c| c.quotes[0].text.as_str()),
        Some("Trust \nmatters")
    );
}

/// How far the open help is scrolled; none when help is closed.
fn help_scroll(app: &App) -> Option<usize> {
    match app.overlay() {
        Some(Overlay::Help { scroll }) => Some(*scroll),
        _ => None,
    }
}

/// The text in the open editor; empty when none is open.
/// The text being written: the editor's, or the quote form's field.
fn edited(app: &App) -> String {
    app.editor()
        .map(|e| e.input.text())
        .or_else(|| app.quote_form().map(|f| f.input(f.field).text()))
        .unwrap_or_default()
}
