//! Config validation against fixture files (as bottom does): each broken
//! fixture marks the offending line with `# error: <message>`, and loading it
//! must report exactly that file:line and message.

mod common;

use std::path::Path;

use thema::review::Review;

/// (line, message) pairs marked in a fixture.
fn expected_errors(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.split_once("# error: ")
                .map(|(_, m)| (i + 1, m.to_string()))
        })
        .collect()
}

/// The errors opening `dir` with the user's config file `user`, as text.
fn user_config_errors(dir: &Path, user: &Path) -> String {
    Review::open_with(dir, Some(user), None)
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn open_with(fixture: &Path) -> (String, Result<Review, String>) {
    let text = std::fs::read_to_string(fixture).expect("fixture");
    let dir = common::review_with_config(&text);
    let result =
        Review::open(dir.path(), &thema::review::places::Places::none()).map_err(|d| d.to_string());
    (text, result)
}

#[test]
fn every_broken_fixture_is_reported_at_its_marked_line() {
    let fixtures = common::repo().join("tests/fixtures/config");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let (text, result) = open_with(&path);
        let expected = expected_errors(&text);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if expected.is_empty() {
            assert!(result.is_ok(), "{name} should load: {:?}", result.err());
            continue;
        }
        let err = match result {
            Ok(_) => panic!("{name} should fail to load"),
            Err(e) => e,
        };
        for (line, message) in expected {
            let want = format!("config.toml:{line}: error: {message}");
            assert!(err.contains(&want), "{name}: expected `{want}` in:\n{err}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} broken fixtures found");
}

#[test]
fn overrides_replace_an_actions_keys_and_keep_the_other_defaults() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use thema::keys::action::Action;
    use thema::keys::keymap::Layer;

    let (_, review) = open_with(&common::repo().join("tests/fixtures/config/valid_overrides.toml"));
    let review = review.expect("valid");
    let km = &review.keymap;
    let press = |code, mods| km.resolve(Layer::Normal, &KeyEvent::new(code, mods));
    assert_eq!(
        press(KeyCode::Char('n'), KeyModifiers::CONTROL),
        Some(Action::Down)
    );
    assert_eq!(
        press(KeyCode::Char('j'), KeyModifiers::NONE),
        None,
        "j was replaced"
    );
    assert_eq!(
        press(KeyCode::F(5), KeyModifiers::NONE),
        Some(Action::NextUncoded)
    );
    assert_eq!(
        press(KeyCode::Char('k'), KeyModifiers::NONE),
        Some(Action::Up),
        "untouched default"
    );
    // The help is generated from the same bindings.
    let down = km
        .bindings(Layer::Normal)
        .iter()
        .find(|b| b.action == Action::Down)
        .expect("down");
    assert_eq!(down.keys_label(), "ctrl-n/↓");
}

#[test]
fn the_built_in_keymap_is_valid_and_every_binding_has_help() {
    let (km, problems) = thema::keys::keymap::Keymap::build("config.toml", &[], &[]);
    assert!(problems.is_empty(), "{problems:?}");
    for mode in thema::keys::keymap::Layer::ALL {
        let bindings = km.bindings(mode);
        assert!(!bindings.is_empty());
        for b in bindings {
            assert!(!b.keys.is_empty() && !b.help.is_empty(), "{b:?}");
        }
    }
}

#[test]
fn the_users_own_keys_override_the_reviews_and_errors_name_the_users_file() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use thema::keys::action::Action;
    use thema::keys::keymap::Layer;

    let dir = common::review_with_config(
        &std::fs::read_to_string(common::repo().join("tests/fixtures/config/valid_overrides.toml"))
            .expect("fixture"),
    );
    let home = tempfile::tempdir().expect("tmp");
    let user = home.path().join("config.toml");
    // The review binds down to ctrl-n; the reviewer prefers ctrl-j, and `n`
    // for next uncoded (the review moved it to f5).
    std::fs::write(
        &user,
        "[keys.normal]\ndown = [\"ctrl-j\"]\nnext_uncoded = \"n\"\n",
    )
    .expect("write");
    let review = Review::open_with(dir.path(), Some(&user), None).expect("opens");
    let press = |code, mods| {
        review
            .keymap
            .resolve(Layer::Normal, &KeyEvent::new(code, mods))
    };
    assert_eq!(
        press(KeyCode::Char('j'), KeyModifiers::CONTROL),
        Some(Action::Down)
    );
    assert_eq!(
        press(KeyCode::Char('n'), KeyModifiers::CONTROL),
        None,
        "the user's list replaced the review's"
    );
    assert_eq!(
        press(KeyCode::Char('n'), KeyModifiers::NONE),
        Some(Action::NextUncoded)
    );

    std::fs::write(&user, "# mine\n[keys.normal]\nteleport = \"t\"\n").expect("write");
    let err = user_config_errors(dir.path(), &user);
    assert!(
        err.contains(&format!(
            "{}:3: error: unknown action `teleport`",
            user.display()
        )),
        "{err}"
    );
    std::fs::write(&user, "[ui]\ntheme = \"mono\"\n").expect("write");
    let err = user_config_errors(dir.path(), &user);
    assert!(
        err.contains(&format!("{}:1: error: unknown field `ui`", user.display())),
        "{err}"
    );
}

#[test]
fn a_clash_made_in_the_users_file_is_reported_there() {
    let dir = common::demo_copy();
    let home = tempfile::tempdir().expect("tmp");
    let user = home.path().join("config.toml");
    std::fs::write(
        &user,
        "[keys.normal]\ndown = [\"j\"]\nup = \"j\"\nquit = []\nfirst = 3\n",
    )
    .expect("write");
    let err = user_config_errors(dir.path(), &user);
    assert!(
        err.contains(&format!(
            "{}:1: error: a key name or a list of key names",
            user.display()
        )) || err.contains(&format!("{}:5:", user.display())),
        "{err}"
    );
    std::fs::write(
        &user,
        "[keys.normal]\ndown = [\"j\"]\nup = \"j\"\nquit = []\n",
    )
    .expect("write");
    let err = user_config_errors(dir.path(), &user);
    assert!(
        err.contains(&format!(
            "{}:3: error: key `j` is bound twice in normal mode",
            user.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:4: error: `quit` needs at least one key",
            user.display()
        )),
        "{err}"
    );
}

/// Binding a key a built-in action holds takes it from that action: a
/// reviewer used to enter keeping a quote binds it, and enter no longer
/// starts a new line (no clash error, no second line to unbind newline).
#[test]
fn a_users_key_takes_over_a_built_in_binding_of_it() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use thema::keys::action::Action;
    use thema::keys::keymap::Layer;
    let dir = common::demo_copy();
    let home = tempfile::tempdir().expect("tmp");
    let user = home.path().join("config.toml");
    std::fs::write(&user, "[keys.edit]\nconfirm = [\"enter\"]\n").expect("write");
    let review = Review::open_with(dir.path(), Some(&user), None).expect("opens, no clash");
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        review.keymap.resolve(Layer::Edit, &enter),
        Some(Action::Confirm)
    );
    // Two keys set in files still clash.
    std::fs::write(
        &user,
        "[keys.edit]\nconfirm = [\"enter\"]\nnewline = [\"enter\"]\n",
    )
    .expect("write");
    let err = Review::open_with(dir.path(), Some(&user), None)
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("key `enter` is bound twice in edit mode"),
        "{err}"
    );
}

#[test]
fn characteristics_are_read_in_order_with_their_kinds_and_values() {
    use thema::review::characteristics::Kind;
    let (_, review) =
        open_with(&common::repo().join("tests/fixtures/config/valid_characteristics.toml"));
    let review = review.expect("valid");
    let fields: Vec<(&str, Kind, usize)> = review
        .config
        .characteristics
        .iter()
        .map(|c| (c.id.as_str(), c.kind, c.values.len()))
        .collect();
    assert_eq!(
        fields,
        [
            ("country", Kind::Text, 0),
            ("design", Kind::SeveralOf, 3),
            ("setting", Kind::OneOf, 3),
            ("sample_size", Kind::Number, 0),
        ]
    );
    let country = review.config.characteristic("country").expect("declared");
    assert_eq!(country.definition, "Where the study was done");
}

#[test]
fn a_reviews_own_appraisal_items_are_read_with_default_answers() {
    let (_, review) = open_with(&common::repo().join("tests/fixtures/config/valid_appraisal.toml"));
    let review = review.expect("valid");
    let checklist = review.config.appraisal.expect("declared");
    assert_eq!(checklist.title, "Our checklist");
    assert_eq!(checklist.template, "");
    let items: Vec<(&str, &str, Vec<&str>)> = checklist
        .items
        .iter()
        .map(|i| {
            (
                i.id.as_str(),
                i.number.as_str(),
                i.answers.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("aims", "aims", vec!["yes", "no", "can't tell"]),
            ("value", "10", vec!["high", "moderate", "low"]),
        ]
    );
}

#[test]
fn a_bundled_appraisal_template_is_read_by_name_with_its_licence() {
    for (name, count) in [
        ("casp-qualitative", 10),
        ("jbi-qualitative", 10),
        ("mmat", 7),
    ] {
        let dir = common::review_with_config(&format!(
            "[review]\ntitle = \"T\"\n\n[appraisal]\ntemplate = \"{name}\"\n"
        ));
        let review = Review::open(dir.path(), &thema::review::places::Places::none())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let c = review.config.appraisal.expect("declared");
        assert_eq!((c.template.as_str(), c.items.len()), (name, count));
        assert!(!c.licence.is_empty() && !c.citation.is_empty());
    }
    let dir = common::review_with_config("[review]\ntitle = \"T\"\n\n[appraisal]\n");
    let err = Review::open(dir.path(), &thema::review::places::Places::none())
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("config.toml:4: error: [appraisal] needs `template = \"casp-qualitative\"`"),
        "{err}"
    );
}
