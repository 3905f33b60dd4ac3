//! The run loop: the one place that touches the terminal. Synchronous: block
//! for an event, drain what queued up, update, carry out effects (a save is on
//! disk before the next key is read), draw once.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::app::burst::{self, FOLLOW};
use crate::app::{App, Effect, ExternalEdit, SaveState};
use crate::review::workspace::Workspace;
use crate::ui;
use crate::ui::theme::Theme;

/// Runs the workbench until the reviewer quits or a signal stops it.
/// Every change is saved through `workspace`, whose lock is released on exit.
pub fn run(mut app: App, mut workspace: Workspace, theme: Theme) -> Result<()> {
    let cache_temp = app.review.cache_file().map(crate::review::cache::temp_file);
    watch_signals(
        workspace.saving(),
        workspace.lock_path().map(Path::to_path_buf),
        cache_temp,
    )?;

    // ratatui::init enters raw mode and the alternate screen, and installs a
    // panic hook that restores the terminal before the panic is printed.
    let mut terminal = ratatui::init();
    // Quotes are pasted from PDFs: take a paste as text, not as keys.
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste).ok();
    // Beside the loop: the next start reads the papers from the cache
    // instead of parsing every source, and keys are answered meanwhile.
    let cache_writer = app.review.write_cache_in_background();
    let result = event_loop(&mut terminal, &mut app, &mut workspace, theme);
    crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste).ok();
    // Not restore(): its report of a failure would go to a terminal that
    // may be gone (a hangup), and a failed print panics.
    ratatui::try_restore().ok();
    let codings_path = workspace.codings_path().to_path_buf();
    drop(workspace);
    // The terminal is the shell's again; a cache still being written (a
    // large review's first start, quit at once) is let finish, so the next
    // start is fast. Failing only costs that start its speed.
    if let Some(writer) = cache_writer {
        writer.join().ok();
    }
    result?;
    if let SaveState::Failed(why) = &app.save_state {
        anyhow::bail!(
            "the last changes were NOT saved to {}: {why}",
            codings_path.display()
        );
    }
    // Every change is on disk; freeing a large review paper by paper would
    // only delay the shell prompt (a fifth of a second at 100,000 papers).
    // The process ends right after and its memory goes with it.
    std::mem::forget(app);
    Ok(())
}

/// SIGTERM, SIGINT and SIGHUP (a dropped SSH connection) end thema from a
/// watcher thread: once no save is in flight, restore the terminal, drop the
/// lock file and exit. Every change is already on disk, so nothing is lost.
/// The loop itself cannot be relied on to notice: after a hangup crossterm's
/// poll can spin forever on the dead tty (crossterm issue #793).
fn watch_signals(
    saving: Arc<Mutex<()>>,
    lock_path: Option<PathBuf>,
    cache_temp: Option<PathBuf>,
) -> Result<()> {
    let mut signals =
        Signals::new([SIGTERM, SIGINT, SIGHUP]).context("installing signal handlers")?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _no_save_in_flight = saving.lock();
            // Files first: after a hangup the terminal is gone and touching
            // it may fail in ways that end the process.
            if let Some(lock) = &lock_path {
                crate::review::codings::release_lock_file(lock);
            }
            // A cache being written is abandoned; its temp file is as big
            // as the cache.
            if let Some(temp) = &cache_temp {
                std::fs::remove_file(temp).ok();
            }
            // try_restore, not restore: restore reports a failure on
            // stderr, which after a hangup is the dead terminal, and a
            // failed print panics (and aborts inside the panic hook).
            crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste).ok();
            ratatui::try_restore().ok();
            // Restoring leaves the cursor hidden; the shell needs it back.
            crossterm::execute!(std::io::stdout(), crossterm::cursor::Show).ok();
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// A poll that does not wait. Not `Duration::ZERO`: crossterm's /dev/tty
/// source never looks at its input for a zero timeout (crossterm issue
/// #839); a microsecond is rounded down to poll(2)'s 0 ms. That source is
/// used because the default one (mio, edge-triggered) stops reading after
/// 1 KB and leaves the rest of an unbracketed paste unread until the
/// next key.
const NO_WAIT: Duration = Duration::from_micros(1);

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    workspace: &mut Workspace,
    theme: Theme,
) -> Result<()> {
    terminal.draw(|f| ui::draw(f, app, theme))?;
    // Off start-up's way to its first frame (a search would build it anyway).
    app.list.prepare_search(&app.review.papers);
    let mut events = Vec::new();
    while !app.should_quit {
        // Between keys: what the last ones left (the search past the
        // screen), a slice at a time while no input waits; shown when done.
        if app.has_idle_work() && !event::poll(NO_WAIT).map_err(hangup)? {
            if !app.idle_work() {
                terminal.draw(|f| ui::draw(f, app, theme))?;
            }
            continue;
        }
        // Block for one event, then take what follows within a moment: a
        // paste in a terminal that does not bracket it comes as keys that
        // may trickle in over a few reads, and is told apart from typing
        // only as a whole. The wait is 5 ms a key, far below notice.
        events.clear();
        let first = event::read().map_err(hangup)?;
        // Times count from when the first event was read, not from when
        // the wait for it began.
        let start = Instant::now();
        events.push((Duration::ZERO, first));
        while event::poll(FOLLOW).map_err(hangup)? {
            events.push((start.elapsed(), event::read().map_err(hangup)?));
        }
        for input in burst::classify(&events) {
            if app.should_quit {
                break;
            }
            let effect = app.input(input);
            if let Effect::EditExternally(text) = &effect {
                let result = with_terminal_handed_over(terminal, || edit_in_editor(text));
                app.external_edit(result);
                continue;
            }
            workspace.carry_out(app, effect);
        }
        terminal.draw(|f| ui::draw(f, app, theme))?;
    }
    Ok(())
}

/// Runs `f` with the terminal as the shell had it (no raw mode, no
/// alternate screen), then takes it back and redraws from scratch.
fn with_terminal_handed_over<T>(
    terminal: &mut ratatui::DefaultTerminal,
    f: impl FnOnce() -> T,
) -> T {
    use crossterm::terminal::{
        EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    };
    let mut out = std::io::stdout();
    crossterm::execute!(out, crossterm::event::DisableBracketedPaste).ok();
    crossterm::execute!(out, LeaveAlternateScreen, crossterm::cursor::Show).ok();
    disable_raw_mode().ok();
    let result = f();
    enable_raw_mode().ok();
    crossterm::execute!(out, EnterAlternateScreen).ok();
    crossterm::execute!(out, crossterm::event::EnableBracketedPaste).ok();
    // The editor drew over everything: the next frame is drawn whole.
    terminal.clear().ok();
    result
}

/// The editor the reviewer chose, as git finds it: `$VISUAL`, then `$EDITOR`.
fn chosen_editor() -> Option<String> {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty())
}

fn edit_in_editor(text: &str) -> ExternalEdit {
    match chosen_editor() {
        Some(editor) => run_editor(text, &editor),
        None => ExternalEdit::Failed("no editor: set $VISUAL or $EDITOR".into()),
    }
}

/// Writes `text` to a new private temp file, runs `editor` on it (through
/// the shell, so `EDITOR="code --wait"` works, as in git), and reads back
/// what was saved. The file is removed either way.
pub fn run_editor(text: &str, editor: &str) -> ExternalEdit {
    let failed =
        |what: &str, e: &dyn std::fmt::Display| ExternalEdit::Failed(format!("{what}: {e}"));
    let base = std::env::temp_dir().join("thema-quote.txt");
    // Created new, never through a link, readable by the reviewer alone.
    let (mut file, path) = match crate::infra::fsx::create_temp_beside(&base) {
        Ok(created) => created,
        Err(e) => return failed("could not create a file for the editor", &e),
    };
    let written = (|| -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        use std::io::Write as _;
        file.write_all(text.as_bytes())?;
        if !text.is_empty() {
            file.write_all(b"\n")?;
        }
        file.sync_all()
    })();
    drop(file);
    let result = match written {
        Err(e) => failed("could not write the file for the editor", &e),
        Ok(()) => {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$@\""))
                .arg(editor)
                .arg(&path)
                .status();
            match status {
                Err(e) => failed(&format!("could not run {editor}"), &e),
                Ok(s) if !s.success() => ExternalEdit::Failed(format!("{editor} failed ({s})")),
                Ok(_) => match crate::infra::fsx::read_regular_string(&path) {
                    Ok(edited) => ExternalEdit::Edited(edited),
                    Err(e) => failed("could not read what the editor saved", &e),
                },
            }
        }
    };
    std::fs::remove_file(&path).ok();
    result
}

fn hangup(err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context("reading the terminal (connection lost?)")
}
