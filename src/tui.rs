//! The run loop: the one place that touches the terminal. Synchronous: block
//! for an event, drain what queued up, update, carry out effects (a save is on
//! disk before the next key is read), draw once.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{self, Event, KeyEventKind};

use crate::app::{App, Effect};
use crate::theme::Theme;
use crate::ui;

/// Runs the workbench until the reviewer quits or a signal asks us to stop.
/// `codings_path` is where every change is saved.
pub fn run(mut app: App, codings_path: PathBuf, theme: Theme) -> Result<()> {
    // SIGTERM, SIGINT and SIGHUP (a dropped SSH connection) all end the loop
    // normally, so the terminal is restored and the lock released. Every
    // change is already on disk, so there is nothing to flush.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }

    // ratatui::init enters raw mode and the alternate screen, and installs a
    // panic hook that restores the terminal before the panic is printed.
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut app, &codings_path, theme, &stop);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    codings_path: &PathBuf,
    theme: Theme,
    stop: &AtomicBool,
) -> Result<()> {
    terminal.draw(|f| ui::draw(f, app, theme))?;
    while !app.should_quit && !stop.load(Ordering::Relaxed) {
        // Wake up now and then to notice signals.
        if !event::poll(Duration::from_millis(200)).map_err(hangup)? {
            continue;
        }
        loop {
            let ev = event::read().map_err(hangup)?;
            handle(app, &ev, codings_path);
            if app.should_quit || !event::poll(Duration::ZERO).map_err(hangup)? {
                break;
            }
        }
        terminal.draw(|f| ui::draw(f, app, theme))?;
    }
    Ok(())
}

fn handle(app: &mut App, ev: &Event, codings_path: &PathBuf) {
    let Event::Key(key) = ev else {
        // Resize: the next draw uses the new size.
        return;
    };
    if key.kind == KeyEventKind::Release {
        return;
    }
    let Some(action) = app.review.keymap.resolve(app.mode, key) else {
        return;
    };
    match app.update(action) {
        Effect::Save => {
            let result = app.codings.save(codings_path).map_err(|e| e.to_string());
            app.saved(result);
        }
        Effect::Quit | Effect::None => {}
    }
}

fn hangup(err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context("reading the terminal (connection lost?)")
}
