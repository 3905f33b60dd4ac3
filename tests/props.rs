//! Property tests: nothing a user can put in a file or a key binding panics,
//! and what thema writes it reads back unchanged.

use proptest::prelude::*;
use thema::keys::keymap::Key;
use thema::review::codings::{Codings, Quote};

proptest! {
    #[test]
    fn any_codings_text_parses_or_errors_with_a_line(text in "\\PC{0,300}") {
        if let Err(thema::review::codings::CodingsError::Invalid(d)) = Codings::parse("x.toml", &text, "r") {
            let lines = text.lines().count().max(1);
            prop_assert!(d.line.is_none_or(|l| l >= 1 && l <= lines + 1));
        }
    }

    #[test]
    fn codings_round_trip_for_any_ids_factors_and_quotes(
        entries in proptest::collection::btree_map(
            "\\PC{1,20}",
            (proptest::collection::btree_set("[a-z][a-z0-9_-]{0,10}", 0..4), "\\PC{0,40}"),
            0..8,
        ),
        reviewer in "[a-z]{1,8}",
    ) {
        let mut c = Codings::new(&reviewer);
        for (id, (factors, quote)) in entries {
            let e = c.papers.entry(id).or_default();
            e.factors = factors;
            if !quote.is_empty() {
                let factor = e.factors.iter().next().cloned().unwrap_or_default();
                e.quotes = vec![Quote::new(&factor, &quote, "p. 1", &quote)];
            }
        }
        c.papers.retain(|_, e| !e.factors.is_empty() || !e.quotes.is_empty());
        let text = c.to_toml().expect("writes");
        let back = Codings::parse("x.toml", &text, &reviewer).expect("own output parses");
        prop_assert_eq!(back, c);
    }

    #[test]
    fn any_key_spec_parses_or_errors(spec in "\\PC{0,12}") {
        if let Ok(key) = Key::parse(&spec) {
            // What we show in the help parses back to the same key.
            let shown = key.to_string();
            if !shown.contains(['↑', '↓', '←', '→']) {
                prop_assert_eq!(Key::parse(&shown), Ok(key));
            }
        }
    }

    #[test]
    fn any_config_text_parses_or_errors_without_panicking(text in "\\PC{0,400}") {
        let dir = std::env::temp_dir();
        let _ = thema::review::config::Config::parse(&dir, "config.toml", &text);
    }
}
