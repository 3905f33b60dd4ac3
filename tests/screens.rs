//! What the reviewer sees, drawn on ratatui's TestBackend and compared with
//! reviewed snapshots (cargo insta review). Text only; styles are checked
//! where they carry meaning (selection must survive NO_COLOR).

mod common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use thema::app::App;
use thema::keys::action::Action;
use thema::ui::theme::Theme;

fn render(app: &App, width: u16, height: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| thema::ui::draw(f, app, theme))
        .expect("draw");
    terminal
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let terminal = render(app, width, height, Theme::COLOR);
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

/// Demo review with a few codings, Walshe 2008 selected.
fn coded_app() -> (tempfile::TempDir, App) {
    let dir = common::demo_copy();
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::ToggleFactor(0));
    app.update(Action::ToggleFactor(1));
    app.update(Action::Down);
    app.update(Action::ToggleFactor(1));
    app.update(Action::Last);
    app.update(Action::ToggleFactor(0));
    app.update(Action::ToggleFactor(3));
    app.notice = None;
    (dir, app)
}

#[test]
fn main_screen_80x24() {
    let (_d, app) = coded_app();
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn main_screen_wide_120x40() {
    let (_d, app) = coded_app();
    insta::assert_snapshot!(screen(&app, 120, 40));
}

#[test]
fn main_screen_at_the_minimum_60x16() {
    let (_d, app) = coded_app();
    insta::assert_snapshot!(screen(&app, 60, 16));
}

#[test]
fn tally_view_80x24() {
    let (_d, mut app) = coded_app();
    app.update(Action::ShowTally);
    app.update(Action::First);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn help_overlay_80x24() {
    let (_d, mut app) = coded_app();
    app.update(Action::Help);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn too_small_terminal_says_so() {
    let (_d, app) = coded_app();
    insta::assert_snapshot!(screen(&app, 40, 10));
}

#[test]
fn the_help_lists_every_binding_of_the_keymap() {
    let (_d, mut app) = coded_app();
    app.update(Action::Help);
    // Tall enough to show all of it.
    let text = screen(&app, 100, 300);
    for mode in thema::keys::keymap::Layer::ALL {
        for b in app.review.keymap.bindings(mode) {
            assert!(text.contains(&b.help), "help is missing `{}`", b.help);
            for key in &b.keys {
                let key = key.to_string();
                assert!(
                    text.contains(&key),
                    "help is missing key `{key}` of `{}`",
                    b.help
                );
            }
        }
    }
}

#[test]
fn selection_stays_visible_without_colour() {
    let (_d, app) = coded_app();
    let terminal = render(&app, 80, 24, Theme::MONO);
    let buffer = terminal.backend().buffer();
    // Walshe 2008 is the 8th paper: row 8 of the list (after the border).
    let row: String = (1..29)
        .map(|x| buffer[(x, 8)].symbol().to_string())
        .collect();
    assert!(row.contains("Walshe 2008"), "{row}");
    assert!(buffer[(5, 8)].modifier.contains(Modifier::REVERSED));
    assert!(!buffer[(5, 7)].modifier.contains(Modifier::REVERSED));
    for y in 0..24 {
        for x in 0..80 {
            let cell = &buffer[(x, y)];
            assert_eq!(
                cell.fg,
                ratatui::style::Color::Reset,
                "colour at {x},{y} under mono"
            );
        }
    }
}

#[test]
fn the_list_scrolls_to_keep_the_selection_on_screen() {
    let (_d, mut app) = coded_app();
    app.update(Action::First);
    // 60x16 shows fewer papers than the demo has.
    let top = screen(&app, 60, 16);
    assert!(top.contains("Aitken 2006"));
    app.update(Action::Last);
    let bottom = screen(&app, 60, 16);
    assert!(bottom.contains("Walshe 2008"), "{bottom}");
    assert!(!bottom.contains("Aitken 2006"), "{bottom}");
}

#[test]
fn quote_editor_80x24() {
    let (_d, mut app) = coded_app();
    app.update(Action::EditQuote);
    for c in
        "Specialist nurses were seen as a resource for advice rather than a threat to the GP's role"
            .chars()
    {
        app.update(Action::Insert(c));
    }
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn a_saved_quote_shows_with_the_paper() {
    let (_d, mut app) = coded_app();
    app.update(Action::EditQuote);
    for c in "valued rapid access".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Confirm);
    let text = screen(&app, 80, 24);
    assert!(text.contains("Quotes"), "{text}");
    assert!(text.contains("“valued rapid access”"), "{text}");
}

#[test]
fn the_status_line_cuts_a_long_message_but_keeps_the_save_state_and_hint() {
    let (_d, mut app) = coded_app();
    app.set_notice(
        "2 codings refer to papers or factors not in the review; kept (see thema check)",
        true,
    );
    let text = screen(&app, 80, 24);
    let status = text.lines().last().unwrap_or_default().to_string();
    assert!(status.contains("saved · 2 codings refer"), "{status}");
    assert!(status.contains('…'), "the message is visibly cut: {status}");
    assert!(status.trim_end().ends_with("? help"), "{status}");
    // Whole, just above the status line, until the message goes.
    let above: String = text
        .lines()
        .rev()
        .skip(1)
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(above.contains("kept (see thema check)"), "{above}");
    insta::assert_snapshot!("long_message_shown_whole_80x24", text);
    app.clear_notice();
    assert!(!screen(&app, 80, 24).contains("kept (see thema check)"));

    app.saved(Err("File exists (os error 17) (alice.toml)".into()));
    let text = screen(&app, 80, 24);
    let status = text.lines().last().unwrap_or_default().to_string();
    assert!(
        status.contains("NOT SAVED: File exists (os error 17) (alice.toml)"),
        "{status}"
    );
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Insert(c));
    }
}

#[test]
fn search_line_80x24() {
    let (_d, mut app) = coded_app();
    app.update(Action::Search);
    typed(&mut app, "palliat");
    let text = screen(&app, 80, 24);
    assert!(
        text.lines()
            .last()
            .unwrap_or_default()
            .starts_with("/palliat"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn search_matches_are_highlighted_in_the_visible_rows() {
    let (_d, mut app) = coded_app();
    app.update(Action::Search);
    typed(&mut app, "walsh");
    app.update(Action::Confirm);
    let terminal = render(&app, 80, 24, Theme::COLOR);
    let buffer = terminal.backend().buffer();
    // Row 1 of the list: "▸✓2 Walshe 2008 …"; "Walsh" is emphasised, "e" not.
    let cells: Vec<(String, bool)> = (1..16)
        .map(|x| {
            let c = &buffer[(x, 1)];
            (
                c.symbol().to_string(),
                c.fg == ratatui::style::Color::Yellow,
            )
        })
        .collect();
    let marked: String = cells
        .iter()
        .filter(|(_, m)| *m)
        .map(|(s, _)| s.as_str())
        .collect();
    assert_eq!(marked, "Walsh", "{cells:?}");
}

#[test]
fn command_palette_80x24() {
    let (_d, mut app) = coded_app();
    app.update(Action::Palette);
    typed(&mut app, "togg fac");
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn codebook_editor_80x24() {
    let (_d, mut app) = coded_app();
    app.update(Action::Codebook);
    app.update(Action::Down);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn excluded_and_flagged_papers_are_marked_without_colour() {
    let (_d, mut app) = coded_app();
    app.update(Action::First);
    app.update(Action::Exclude);
    app.update(Action::Confirm);
    app.update(Action::Down);
    app.update(Action::ToggleFlag);
    app.update(Action::Down);
    let terminal = render(&app, 80, 24, Theme::MONO);
    let buffer = terminal.backend().buffer();
    let row = |y: u16| {
        (0..30)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect::<String>()
    };
    assert!(row(1).starts_with("│ ✗   Aitken"), "{}", row(1));
    assert!(buffer[(7, 1)].modifier.contains(Modifier::CROSSED_OUT));
    assert!(row(2).starts_with("│ ✓1⚑ Alsop"), "{}", row(2));
    let text = screen(&app, 80, 24);
    assert!(text.contains("Tally · 7 papers (1 excluded)"), "{text}");
}

#[test]
fn a_long_codebook_says_how_many_factors_are_below_the_fold() {
    let mut config =
        String::from("[review]\ntitle = \"Many\"\n\n[[sources]]\npath = \"data/studies.ris\"\n");
    for i in 0..14 {
        config.push_str(&format!(
            "\n[[factors]]\nid = \"f{i}\"\nlabel = \"Factor {i}\"\n"
        ));
    }
    let dir = common::review_with_config(&config);
    let app = common::open_app(dir.path(), "alice");
    let text = screen(&app, 80, 24);
    assert!(text.contains("Factor 0"), "{text}");
    assert!(!text.contains("Factor 13 "), "{text}");
    assert!(text.contains("↓ 5 more"), "{text}");
}

/// Counts what a real terminal backend writes: the bytes a frame costs
/// over SSH.
#[derive(Clone, Default)]
struct Counter(std::rc::Rc<std::cell::Cell<usize>>);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes written to an 80×24 terminal for the frames after each of
/// `actions`, once the screen is drawn.
fn bytes_per_frame(app: &mut App, actions: &[Action]) -> Vec<usize> {
    let counter = Counter::default();
    let backend = ratatui::backend::CrosstermBackend::new(counter.clone());
    let options = ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 80, 24)),
    };
    let mut terminal = Terminal::with_options(backend, options).expect("terminal");
    terminal
        .draw(|f| thema::ui::draw(f, app, Theme::COLOR))
        .expect("draw");
    let mut out = Vec::new();
    for &action in actions {
        counter.0.set(0);
        app.update(action);
        terminal
            .draw(|f| thema::ui::draw(f, app, Theme::COLOR))
            .expect("draw");
        out.push(counter.0.get());
    }
    out
}

#[test]
fn a_toggle_says_so_on_the_status_line_and_costs_few_bytes() {
    let dir = common::demo_copy();
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::Down);
    app.update(Action::Down); // Dunne 2005
    // Toggle, the next key (which clears the message), toggle back.
    let bytes = bytes_per_frame(
        &mut app,
        &[
            Action::ToggleFactor(3),
            Action::Down,
            Action::Up,
            Action::ToggleFactor(3),
        ],
    );
    eprintln!("bytes per frame at 80x24: {bytes:?}");
    let toggle = bytes[0];
    assert!(toggle < 400, "a toggle cost {toggle} bytes: {bytes:?}");
    let text = screen(&app, 80, 24);
    let status = text.lines().last().unwrap_or_default();
    assert!(status.contains("− Access to specialists"), "{status}");
    // The codebook and tally stay in view under a routine message.
    assert!(text.contains("[ ] Access to specialists"), "{text}");
    assert!(text.contains("Coordinated care"), "{text}");
}

#[test]
fn a_routine_message_too_long_for_the_line_is_cut_not_laid_over_the_codebook() {
    let (_d, mut app) = coded_app();
    let before = screen(&app, 80, 24);
    app.set_notice(
        "Roles and responsibilities removed from Walshe 2008 and a good deal more",
        false,
    );
    let text = screen(&app, 80, 24);
    let status = text.lines().last().unwrap_or_default();
    assert!(status.contains("Roles and"), "{status}");
    assert!(status.contains('…'), "{status}");
    let body = |s: &str| s.lines().take(23).collect::<Vec<_>>().join("\n");
    assert_eq!(
        body(&text),
        body(&before),
        "nothing above the status line moves"
    );
}

/// Where the terminal cursor is, relative to the first cell of the text in
/// the note's edit box (below and right of its corner `┌ Your note`), and
/// the text of that box's row up to the cursor.
fn editor_cursor(app: &App) -> ((u16, u16), String) {
    let mut terminal = render(app, 80, 24, Theme::COLOR);
    let buffer = terminal.backend().buffer().clone();
    let corner = (0..24)
        .flat_map(|y| (0..80).map(move |x| (x, y)))
        .find(|&(x, y)| {
            let title: String = (x..(x + 6).min(80))
                .map(|x| buffer[(x, y)].symbol())
                .collect();
            title == "┌ Your"
        })
        .unwrap_or_else(|| panic!("no edit box on screen"));
    let at = terminal.get_cursor_position().expect("cursor");
    let before: String = (corner.0 + 1..at.x)
        .map(|x| buffer[(x, at.y)].symbol())
        .collect();
    ((at.x - corner.0 - 1, at.y - corner.1 - 1), before)
}

#[test]
fn the_edit_cursor_sits_after_the_last_character_typed() {
    let (_d, mut app) = coded_app();
    app.update(Action::EditNote);
    app.paste("a  b");
    assert_eq!(editor_cursor(&app), ((4, 0), "a  b".into()));
    // A long URL wraps in the 74-cell box; the cursor follows its end.
    let url = format!("https://example.org/{}", "x".repeat(62));
    assert_eq!(url.len(), 82);
    app.update(Action::Close);
    app.update(Action::EditNote);
    app.paste(&url);
    let ((col, row), before) = editor_cursor(&app);
    assert_eq!(row, 1, "on the wrapped line");
    assert!(url.ends_with(&before), "{before:?}");
    assert_eq!(col as usize, before.chars().count());
    app.update(Action::Newline);
    app.paste("é  x");
    assert_eq!(editor_cursor(&app), ((4, 2), "é  x".into()));
}

/// A config.toml from a colleague may put a right-to-left override or an
/// escape in a label: no cell keeps it, and the tally's counts stay in one
/// column (a zero-width character used to shift its row left).
#[test]
fn labels_with_invisible_characters_neither_reach_the_terminal_nor_shift_the_tally() {
    let dir = common::demo_copy();
    let config = std::fs::read_to_string(dir.path().join("config.toml")).expect("config");
    let config = config.replacen(
        "label = \"Communication\"",
        "label = \"Comm\\u202Eunication\\u001b[31m\"",
        1,
    );
    std::fs::write(dir.path().join("config.toml"), config).expect("write config");
    let app = common::open_app(dir.path(), "alice");
    let shown = screen(&app, 100, 30);
    assert!(
        !shown.chars().any(|c| c == '\u{202e}' || c == '\u{1b}'),
        "{shown}"
    );
    // Every tally row's "%" sits in the same column.
    let columns: Vec<usize> = shown
        .lines()
        .filter(|l| l.contains("% "))
        .filter_map(|l| l.chars().position(|c| c == '%'))
        .collect();
    assert!(columns.len() >= 5, "{shown}");
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "{columns:?}\n{shown}"
    );
}
