//! The run loop: the one place that touches the terminal. Synchronous: block
//! for an event, drain what queued up, update, carry out effects (a save is on
//! disk before the next key is read), draw once.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::app::{App, Effect, SaveState};
use crate::burst::{self, FOLLOW};
use crate::codebook;
use crate::codings::{Lock, SaveOutcome, Store};
use crate::history::{Change, History};
use crate::theme::Theme;
use crate::ui;

/// Runs the workbench until the reviewer quits or a signal stops it.
/// `codings_path` is where every change is saved; `lock` is released on exit.
pub fn run(mut app: App, mut store: Store, lock: Lock, theme: Theme) -> Result<()> {
    // Held while a save is being written, so a signal never exits mid-save.
    let saving = Arc::new(Mutex::new(()));
    let cache_temp = app.review.cache_file().map(crate::cache::temp_file);
    watch_signals(Arc::clone(&saving), lock.path().to_path_buf(), cache_temp)?;

    // ratatui::init enters raw mode and the alternate screen, and installs a
    // panic hook that restores the terminal before the panic is printed.
    let mut terminal = ratatui::init();
    // Quotes are pasted from PDFs: take a paste as text, not as keys.
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste).ok();
    // Beside the loop: the next start reads the papers from the cache
    // instead of parsing every source, and keys are answered meanwhile.
    let cache_writer = app.review.write_cache_in_background();
    let result = event_loop(&mut terminal, &mut app, &mut store, theme, &saving);
    crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste).ok();
    // Not restore(): its report of a failure would go to a terminal that
    // may be gone (a hangup), and a failed print panics.
    ratatui::try_restore().ok();
    drop(lock);
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
            store.path().display()
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
    lock_path: PathBuf,
    cache_temp: Option<PathBuf>,
) -> Result<()> {
    let mut signals =
        Signals::new([SIGTERM, SIGINT, SIGHUP]).context("installing signal handlers")?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _no_save_in_flight = saving.lock();
            // Files first: after a hangup the terminal is gone and touching
            // it may fail in ways that end the process.
            crate::codings::release_lock_file(&lock_path);
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
    store: &mut Store,
    theme: Theme,
    saving: &Mutex<()>,
) -> Result<()> {
    terminal.draw(|f| ui::draw(f, app, theme))?;
    let mut events = Vec::new();
    while !app.should_quit {
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
            carry_out(app, effect, store, saving);
        }
        terminal.draw(|f| ui::draw(f, app, theme))?;
    }
    Ok(())
}

/// Does the I/O an update asked for. Every branch finishes before the next
/// key is read, and holds `saving` so a signal never cuts a write short.
pub fn carry_out(app: &mut App, effect: Effect, store: &mut Store, saving: &Mutex<()>) {
    let _in_flight = saving.lock();
    match effect {
        Effect::None | Effect::Quit => {}
        Effect::Save => save(app, store),
        Effect::Codebook { edit, what } => {
            if !saved_first(app, store) {
                app.set_notice(
                    "not changed: your last codings are not saved yet; fix that first",
                    true,
                );
                return;
            }
            let dir = app.review.config.dir.clone();
            match codebook::apply(&dir, &edit) {
                Ok(applied) => {
                    if let Err(why) = reload(app, store) {
                        // The edit left a config this review cannot open
                        // (a key clash with the user's own keys, say): put
                        // it back at once.
                        let _ = codebook::revert(&dir, &applied);
                        let _ = reload(app, store);
                        app.set_notice(format!("not changed: {}", short_error(&why)), true);
                        return;
                    }
                    app.codebook_applied(applied, what);
                    save_history(app);
                }
                Err(e) => app.set_notice(
                    format!("not changed: {}", short_error(&e.to_string())),
                    true,
                ),
            }
        }
        Effect::RevertCodebook(change) => redo_or_undo(app, store, *change, true),
        Effect::ReapplyCodebook(change) => redo_or_undo(app, store, *change, false),
    }
}

/// Undoes (or redoes) a codebook change on disk, then reloads.
fn redo_or_undo(app: &mut App, store: &mut Store, change: Change, undo: bool) {
    if !saved_first(app, store) {
        let why = "your last codings are not saved yet; fix that first".to_string();
        app.codebook_reverted(change, undo, Err(why));
        return;
    }
    let result = match &change {
        Change::Codebook { applied, .. } => {
            let dir = app.review.config.dir.clone();
            if undo {
                codebook::revert(&dir, applied)
            } else {
                codebook::reapply(&dir, applied)
            }
            .map_err(|e| short_error(&e.to_string()))
        }
        Change::Coding { .. } => Ok(()),
    };
    let result = result.and_then(|()| reload(app, store));
    app.codebook_reverted(change, undo, result);
    save_history(app);
}

/// The part of an error a status line has room for: the reason, without
/// the long path in front of it (`thema check` shows the full text).
fn short_error(full: &str) -> String {
    let last = full.lines().last().unwrap_or(full);
    match last.rsplit_once(": error: ") {
        Some((_, reason)) => reason.to_string(),
        None => last
            .rsplit_once("config.toml: ")
            .map(|(_, r)| r.to_string())
            .unwrap_or_else(|| last.to_string()),
    }
}

fn save(app: &mut App, store: &mut Store) {
    let pending: Vec<String> = app.pending.iter().cloned().collect();
    let result = store.save_changes(&mut app.codings, &pending);
    match result {
        Ok(SaveOutcome::Written) => app.saved(Ok(())),
        Ok(SaveOutcome::MergedOutsideChanges) => {
            // Often another reviewer's codebook change: read the codebook
            // again, and read factors merged away since as what they became.
            let reloaded = app.review.reload_config().is_ok();
            app.review.read_merged_factors(&mut app.codings);
            let codings = std::mem::take(&mut app.codings);
            app.codebook_changed(codings);
            app.saved(Ok(()));
            app.set_notice(
                if reloaded {
                    "The codings file was changed outside thema: merged (codebook re-read)"
                } else {
                    "The codings file was changed outside thema: merged"
                },
                true,
            );
        }
        Err(e) => app.saved(Err(e.brief())),
    }
    save_history(app);
}

/// The undo history is a convenience: failing to write it never blocks
/// coding, but it is said.
fn save_history(app: &mut App) {
    let path = History::path(&app.review.config.codings_dir, app.reviewer());
    if let Err(e) = app.history.save(&path) {
        app.set_notice(format!("undo history not saved: {e}"), true);
    }
}

/// After a codebook change on disk: config, keymap and codings again.
fn reload(app: &mut App, store: &mut Store) -> Result<(), String> {
    app.review.reload_config().map_err(|d| d.to_string())?;
    let reviewer = app.reviewer().to_string();
    let mut codings = store.reload(&reviewer).map_err(|e| e.brief())?;
    app.review.read_merged_factors(&mut codings);
    app.codebook_changed(codings);
    Ok(())
}

/// Codebook changes rewrite the codings from disk: codings not saved yet
/// would be lost, so they must be on disk first.
fn saved_first(app: &mut App, store: &mut Store) -> bool {
    if matches!(app.save_state, SaveState::Failed(_)) {
        save(app, store);
    }
    !matches!(app.save_state, SaveState::Failed(_))
}

fn hangup(err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context("reading the terminal (connection lost?)")
}
