//! Telling a paste from typing. A terminal without bracketed paste delivers
//! pasted text as key presses, and its first line break would confirm a
//! field while the rest ran as commands. No one types three characters
//! within a few milliseconds, so a burst of text keys that close together
//! is taken as pasted text; anything else stays keys.

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Keys this close to the one before belong to the same burst.
pub const FOLLOW: Duration = Duration::from_millis(5);

/// A burst needs at least this many text keys to be a paste.
pub const MIN_PASTE: usize = 3;

/// What the run loop hands to the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    /// Text to insert, never to run: a bracketed paste, or a burst.
    Paste(String),
}

/// The text a key stands for in a paste, if it stands for text.
fn text_of(key: &KeyEvent) -> Option<char> {
    let ctrl_or_alt = key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c) if !ctrl_or_alt => Some(c),
        // A line feed reads as ctrl-j in raw mode.
        KeyCode::Char('j') if key.modifiers == KeyModifiers::CONTROL => Some('\n'),
        KeyCode::Enter if !ctrl_or_alt => Some('\n'),
        KeyCode::Tab if !ctrl_or_alt => Some('\t'),
        _ => None,
    }
}

/// Whether `key` is a chord a paste can carry between its text keys: a
/// pasted control byte reads as ctrl-<letter> (0x13 is ctrl-s), and a
/// pasted ESC before a character as alt-<it> (alt-enter). Inside a burst
/// such a chord is part of the text, never a command.
fn may_join(key: &KeyEvent) -> bool {
    key.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && matches!(key.code, KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab)
}

/// What a chord inside a paste stands for: alt-X was ESC then X, so X (an
/// ESC is no text); ctrl-X was a control byte, so nothing.
fn chord_text(key: &KeyEvent) -> Option<char> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    match key.code {
        KeyCode::Char(c) => Some(c),
        KeyCode::Enter => Some('\n'),
        KeyCode::Tab => Some('\t'),
        _ => None,
    }
}

/// Splits the events read in one go, each with when it was read, into
/// keys and pasted text, in order. A run of text keys, each within
/// [`FOLLOW`] of the one before, at least [`MIN_PASTE`] long, is a paste,
/// unless it is one key over and over (a held `j` queued behind a slow
/// frame is still scrolling). A ctrl or alt chord between the text keys of
/// a paste is part of it (see [`may_join`]); one after its last text key
/// stays a key (ctrl-s right after a paste saves). Releases and non-key events other than a
/// paste are dropped (the next frame picks up a resize).
pub fn classify(events: &[(Duration, Event)]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut run: Vec<KeyEvent> = Vec::new();
    let mut last: Option<Duration> = None;
    for (at, event) in events {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Release => {}
            Event::Key(key) => {
                let follows = last.is_some_and(|l| at.saturating_sub(l) <= FOLLOW);
                let joins = text_of(key).is_some() || (follows && !run.is_empty() && may_join(key));
                if !follows || !joins {
                    flush(&mut run, &mut out);
                }
                if joins {
                    run.push(*key);
                } else {
                    out.push(Input::Key(*key));
                }
                last = Some(*at);
            }
            Event::Paste(text) => {
                flush(&mut run, &mut out);
                out.push(Input::Paste(text.clone()));
                last = None;
            }
            _ => {
                flush(&mut run, &mut out);
                last = None;
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

fn flush(run: &mut Vec<KeyEvent>, out: &mut Vec<Input>) {
    // Chords after the last text key are no part of the text.
    let end = run
        .iter()
        .rposition(|k| text_of(k).is_some())
        .map_or(0, |i| i + 1);
    let after = run.split_off(end);
    let texts = || run.iter().filter(|k| text_of(k).is_some());
    let repeated = texts().zip(texts().skip(1)).all(|(a, b)| a.code == b.code);
    if texts().count() >= MIN_PASTE && !repeated {
        let text = run
            .iter()
            .filter_map(|k| text_of(k).or_else(|| chord_text(k)))
            .collect();
        out.push(Input::Paste(text));
        run.clear();
    } else {
        out.extend(run.drain(..).map(Input::Key));
    }
    out.extend(after.into_iter().map(Input::Key));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    /// `text` as a terminal types it, one key every `gap`.
    fn typed(text: &str, gap: Duration) -> Vec<(Duration, Event)> {
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    c => KeyCode::Char(c),
                };
                (gap * i as u32, Event::Key(key(code)))
            })
            .collect()
    }

    #[test]
    fn a_burst_of_text_is_one_paste_with_its_line_breaks() {
        let got = classify(&typed("abc\n1 2 j j\n", Duration::ZERO));
        assert_eq!(got, [Input::Paste("abc\n1 2 j j\n".into())]);
        let slow_tail = classify(&typed("Trust\nbuilt", Duration::from_millis(2)));
        assert_eq!(slow_tail, [Input::Paste("Trust\nbuilt".into())]);
    }

    #[test]
    fn typing_stays_keys() {
        let got = classify(&typed("jj1", Duration::from_millis(60)));
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|i| matches!(i, Input::Key(_))));
        // Two keys at once (a quick chord) are not enough for a paste.
        let two = classify(&typed("1j", Duration::ZERO));
        assert!(two.iter().all(|i| matches!(i, Input::Key(_))));
    }

    #[test]
    fn a_held_key_queued_behind_a_slow_frame_still_scrolls() {
        let got = classify(&typed("jjjjjjjj", Duration::ZERO));
        assert_eq!(got, vec![Input::Key(key(KeyCode::Char('j'))); 8]);
    }

    #[test]
    fn non_text_keys_split_a_burst_and_stay_keys() {
        let mut events = typed("abcd", Duration::ZERO);
        events.push((Duration::ZERO, Event::Key(key(KeyCode::Esc))));
        events.extend(typed("x", Duration::ZERO));
        let got = classify(&events);
        assert_eq!(
            got,
            [
                Input::Paste("abcd".into()),
                Input::Key(key(KeyCode::Esc)),
                Input::Key(key(KeyCode::Char('x'))),
            ]
        );
    }

    #[test]
    fn a_chord_inside_a_burst_is_text_not_a_command() {
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let alt_enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT);
        let at = |gap_ms: u64, mut events: Vec<(Duration, Event)>| {
            for (i, (t, _)) in events.iter_mut().enumerate() {
                *t = Duration::from_millis(gap_ms * i as u64);
            }
            events
        };
        let burst = |keys: &[KeyEvent], gap_ms| {
            let events = keys
                .iter()
                .map(|k| (Duration::ZERO, Event::Key(*k)))
                .collect();
            classify(&at(gap_ms, events))
        };
        let c = |ch| key(KeyCode::Char(ch));
        // A control byte and an ESC+CR inside pasted text.
        assert_eq!(
            burst(&[c('a'), c('b'), ctrl_s, c('c'), alt_enter, c('d')], 1),
            [Input::Paste("abc\nd".into())]
        );
        // Pressed right after a paste, ctrl-s is the reader's: it saves.
        assert_eq!(
            burst(&[c('a'), c('b'), c('c'), ctrl_s], 0),
            [Input::Paste("abc".into()), Input::Key(ctrl_s)]
        );
        // Typed, or between keys of a held key, it stays a command.
        assert_eq!(
            burst(&[c('a'), ctrl_s, c('b')], 60),
            [Input::Key(c('a')), Input::Key(ctrl_s), Input::Key(c('b'))]
        );
        assert_eq!(
            burst(&[c('j'), c('j'), ctrl_s, c('j'), c('j')], 0),
            [
                Input::Key(c('j')),
                Input::Key(c('j')),
                Input::Key(ctrl_s),
                Input::Key(c('j')),
                Input::Key(c('j'))
            ]
        );
    }

    #[test]
    fn a_bracketed_paste_passes_through_and_line_feeds_are_line_breaks() {
        let ctrl_j = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL);
        let events = vec![
            (Duration::ZERO, Event::Paste("one\r\ntwo".into())),
            (Duration::ZERO, Event::Key(key(KeyCode::Char('a')))),
            (Duration::ZERO, Event::Key(ctrl_j)),
            (Duration::ZERO, Event::Key(key(KeyCode::Char('b')))),
        ];
        assert_eq!(
            classify(&events),
            [
                Input::Paste("one\r\ntwo".into()),
                Input::Paste("a\nb".into())
            ]
        );
    }
}
