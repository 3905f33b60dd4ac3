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
use crate::app::{App, SaveState};
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
        if app.has_idle_work() && !event::poll(Duration::ZERO).map_err(hangup)? {
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
            workspace.carry_out(app, effect);
        }
        terminal.draw(|f| ui::draw(f, app, theme))?;
    }
    Ok(())
}

fn hangup(err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context("reading the terminal (connection lost?)")
}
