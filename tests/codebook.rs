//! The living codebook on a copy of the demo review: each edit changes only
//! the factor tables it is about, a merge rewrites no reviewer's codings
//! (they are read through it), refused edits write nothing, and undo/redo
//! restore the files exactly.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use thema::review::Review;
use thema::review::codebook::{self, Applied, CodebookEdit, CodebookError};
use thema::review::codings::{Codings, Quote};

fn codings_dir(review: &Path) -> PathBuf {
    review.join("data/codings")
}

fn config(review: &Path) -> String {
    fs::read_to_string(review.join("config.toml")).expect("config.toml")
}

/// The demo's factor table with this id, exactly as written in config.toml.
fn table(text: &str, id: &str) -> String {
    let start = text
        .find(&format!("[[factors]]\nid = \"{id}\""))
        .expect("table present");
    let end = text[start..]
        .find("origin = \"a-priori\"\n")
        .map(|i| start + i + "origin = \"a-priori\"\n".len())
        .expect("table end");
    text[start..end].to_string()
}

/// Writes a codings file in thema's own format (so an undo that rewrites it
/// can be compared byte for byte).
fn write_codings(review: &Path, reviewer: &str, papers: &[(&str, &[&str], &str)]) -> String {
    let mut c = Codings::new(reviewer);
    for (paper, factors, quote) in papers {
        c.update(paper, |p| {
            p.factors = factors.iter().map(|f| f.to_string()).collect();
            if !quote.is_empty() {
                p.quotes = vec![Quote::new("", quote, "", "")];
            }
        });
    }
    let text = c.to_toml().expect("writes");
    fs::create_dir_all(codings_dir(review)).expect("mkdir codings");
    fs::write(Codings::path(&codings_dir(review), reviewer), &text).expect("write codings");
    text
}

fn read_codings(review: &Path, reviewer: &str) -> String {
    fs::read_to_string(Codings::path(&codings_dir(review), reviewer)).expect("codings file")
}

fn apply(review: &Path, edit: CodebookEdit) -> Result<Applied, CodebookError> {
    codebook::apply(review, &edit)
}

/// Every comment line of `before` is still in `after`, in the same order.
fn comments_kept_in_order(before: &str, after: &str) {
    let comments = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(comments(before), comments(after));
}

#[test]
fn every_edit_changes_only_its_factor_tables() {
    let original = config(common::demo_copy().path());
    let roles = table(&original, "roles");
    let access = table(&original, "access");
    let coordination = table(&original, "coordination");
    let emergent = "[[factors]]\nid = \"trust\"\nlabel = \"Trust\"\nkey = \"6\"\ndefinition = \"Mutual trust and respect\"\norigin = \"emergent\"\n";
    let cases: Vec<(CodebookEdit, String)> = vec![
        (
            CodebookEdit::SetLabel {
                id: "roles".into(),
                label: "Roles & duties".into(),
            },
            original.replace(
                "label = \"Roles and responsibilities\"",
                "label = \"Roles & duties\"",
            ),
        ),
        (
            CodebookEdit::SetDefinition {
                id: "learning".into(),
                definition: "Learning together".into(),
            },
            original.replace(
                "definition = \"Opportunities for shared learning and education\"",
                "definition = \"Learning together\"",
            ),
        ),
        (
            CodebookEdit::SetKey {
                id: "access".into(),
                key: None,
            },
            original.replace("key = \"4\"\n", ""),
        ),
        (
            CodebookEdit::SetKey {
                id: "access".into(),
                key: Some("9".into()),
            },
            original.replace("key = \"4\"", "key = \"9\""),
        ),
        (
            CodebookEdit::Add {
                id: "trust".into(),
                label: "Trust".into(),
                key: Some("6".into()),
                definition: "Mutual trust and respect".into(),
            },
            format!("{original}\n{emergent}"),
        ),
        (
            CodebookEdit::Split {
                from: "roles".into(),
                id: "trust".into(),
                label: "Trust".into(),
                key: Some("6".into()),
                definition: "Mutual trust and respect".into(),
            },
            original.replace(&roles, &format!("{roles}\n{emergent}")),
        ),
        (
            CodebookEdit::Merge {
                from: "roles".into(),
                into: "communication".into(),
            },
            // The merged factor's table goes; the one it joined records it.
            original.replace(&format!("\n{roles}"), "").replacen(
                "definition = \"Good communication between providers\"\norigin = \"a-priori\"\n",
                "definition = \"Good communication between providers\"\norigin = \"a-priori\"\nmerged = [\"roles\"]\n",
                1,
            ),
        ),
        (
            CodebookEdit::Move {
                id: "coordination".into(),
                delta: -1,
            },
            original
                .replace(&access, "@@")
                .replace(&coordination, &access)
                .replace("@@", &coordination),
        ),
    ];
    for (edit, expected) in cases {
        let dir = common::demo_copy();
        assert_eq!(
            codebook::edit_config_text(&original, &edit).expect("edits"),
            expected,
            "{edit:?}"
        );
        let applied = apply(dir.path(), edit.clone()).expect("applies");
        let on_disk = config(dir.path());
        assert_eq!(on_disk, expected, "{edit:?}");
        assert_eq!(applied.config_before, original);
        assert_eq!(applied.config_after, expected);
        comments_kept_in_order(&original, &on_disk);
        // The head of the file (comments, [review], [[sources]]) is untouched.
        let head = &original[..original.find("[[factors]]").expect("factors")];
        assert!(on_disk.starts_with(head), "{edit:?}");
        Review::open(dir.path(), &thema::review::places::Places::none())
            .unwrap_or_else(|e| panic!("{edit:?} leaves a loadable review: {e}"));
    }
}

#[test]
fn the_codebook_comment_stays_on_top_when_the_first_factor_moves_or_goes() {
    let dir = common::demo_copy();
    let original = config(dir.path());
    let comment =
        "# The codebook: the five partnership factors the review reported, in its order.\n";
    apply(
        dir.path(),
        CodebookEdit::Move {
            id: "communication".into(),
            delta: 1,
        },
    )
    .expect("moves");
    let moved = config(dir.path());
    assert!(moved.contains(&format!("{comment}[[factors]]\nid = \"roles\"")));
    comments_kept_in_order(&original, &moved);

    apply(
        dir.path(),
        CodebookEdit::Merge {
            from: "roles".into(),
            into: "communication".into(),
        },
    )
    .expect("merges");
    let merged = config(dir.path());
    assert!(merged.contains(&format!("{comment}[[factors]]\nid = \"communication\"")));
    let ids: Vec<_> = Review::open(dir.path(), &thema::review::places::Places::none())
        .expect("loads")
        .config
        .factors
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, ["communication", "learning", "access", "coordination"]);
}

/// A reviewer's codings as the workbench reads them: through the codebook.
fn read_through_codebook(review: &Path, reviewer: &str) -> Codings {
    let opened = Review::open_with(review, None, None).expect("opens");
    let mut codings =
        Codings::load(&Codings::path(&codings_dir(review), reviewer), reviewer).expect("loads");
    opened.read_merged_factors(&mut codings);
    codings
}

#[test]
fn merge_rewrites_no_codings_file_and_every_reviewer_reads_it_undo_and_redo_too() {
    let dir = common::demo_copy();
    let review = dir.path();
    let config_before = config(review);
    let alice = write_codings(
        review,
        "alice",
        &[
            ("pmid:1", &["communication", "roles"], ""),
            ("pmid:2", &["roles"], "a quote"),
            ("pmid:3", &["access"], ""),
        ],
    );
    let bob = write_codings(
        review,
        "bob",
        &[("pmid:1", &["roles"], ""), ("pmid:4", &["learning"], "")],
    );
    let carol = "reviewer = \"carol\"\n[papers.\"pmid:9\"]\nfactors = [ \"access\" ]\n";
    fs::write(Codings::path(&codings_dir(review), "carol"), carol).expect("write carol");

    let applied = apply(
        review,
        CodebookEdit::Merge {
            from: "roles".into(),
            into: "communication".into(),
        },
    )
    .expect("merges");
    assert!(!config(review).contains("id = \"roles\""));
    assert!(config(review).contains("merged = [\"roles\"]"));
    for (who, text) in [
        ("alice", &alice),
        ("bob", &bob),
        ("carol", &carol.to_string()),
    ] {
        assert_eq!(
            &read_codings(review, who),
            text,
            "{who}'s file is not rewritten"
        );
    }
    let set = |s: &[&str]| s.iter().map(|f| f.to_string()).collect::<BTreeSet<_>>();
    let read = read_through_codebook(review, "alice");
    assert_eq!(read.factors_of("pmid:1"), Some(&set(&["communication"])));
    assert_eq!(read.factors_of("pmid:2"), Some(&set(&["communication"])));
    assert_eq!(read.factors_of("pmid:3"), Some(&set(&["access"])));
    // Written back, the file still says what was coded.
    assert_eq!(read.to_toml().expect("writes"), alice);
    let read = read_through_codebook(review, "bob");
    assert_eq!(read.factors_of("pmid:1"), Some(&set(&["communication"])));

    // The undo history stores `Applied` as JSON.
    let json = serde_json::to_string(&applied).expect("serialises");
    let applied: Applied = serde_json::from_str(&json).expect("deserialises");

    codebook::revert(review, &applied).expect("reverts");
    assert_eq!(config(review), config_before);
    let read = read_through_codebook(review, "alice");
    assert_eq!(
        read.factors_of("pmid:1"),
        Some(&set(&["communication", "roles"]))
    );
    assert_eq!(read.factors_of("pmid:2"), Some(&set(&["roles"])));

    codebook::reapply(review, &applied).expect("redoes");
    assert_eq!(config(review), applied.config_after);
    assert_eq!(read_codings(review, "bob"), bob);

    // Redo twice in a row is refused: config.toml is no longer as before.
    assert!(matches!(
        codebook::reapply(review, &applied),
        Err(CodebookError::Changed { .. })
    ));
}

#[test]
fn undo_keeps_a_factor_toggled_after_the_merge() {
    let dir = common::demo_copy();
    let review = dir.path();
    write_codings(review, "alice", &[("pmid:1", &["roles"], "")]);
    let applied = apply(
        review,
        CodebookEdit::Merge {
            from: "roles".into(),
            into: "communication".into(),
        },
    )
    .expect("merges");
    // After the merge alice also codes the paper with `access`.
    let path = Codings::path(&codings_dir(review), "alice");
    let mut alice = read_through_codebook(review, "alice");
    alice.toggle("pmid:1", "access");
    alice.save(&path).expect("saves");

    codebook::revert(review, &applied).expect("reverts");
    let alice = read_through_codebook(review, "alice");
    let factors: Vec<&str> = alice
        .factors_of("pmid:1")
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    assert_eq!(factors, ["access", "roles"]);
}

#[test]
fn a_key_clash_is_refused_with_the_config_message_and_nothing_changes() {
    let dir = common::demo_copy();
    let review = dir.path();
    let alice = write_codings(review, "alice", &[("pmid:1", &["roles"], "")]);
    let before = config(review);

    let err = apply(
        review,
        CodebookEdit::SetKey {
            id: "roles".into(),
            key: Some("j".into()),
        },
    )
    .expect_err("j is `down`");
    let message = err.to_string();
    assert!(matches!(err, CodebookError::Refused(_)), "{message}");
    // The line of the key being set: roles' `key = "2"`.
    let line = before
        .lines()
        .position(|l| l == "key = \"2\"")
        .expect("roles has key 2")
        + 1;
    assert!(
        message.contains(&format!(
            "config.toml:{line}: error: key `j` is bound twice in normal mode"
        )),
        "{message}"
    );

    let err = apply(
        review,
        CodebookEdit::Add {
            id: "trust".into(),
            label: "Trust".into(),
            key: Some("1".into()),
            definition: String::new(),
        },
    )
    .expect_err("1 is communication's key");
    assert!(err.to_string().contains("key `1` is bound twice"), "{err}");

    let err = apply(
        review,
        CodebookEdit::Add {
            id: "Not An Id".into(),
            label: "Trust".into(),
            key: None,
            definition: String::new(),
        },
    )
    .expect_err("bad id");
    assert!(
        err.to_string().contains("factor id `Not An Id` must be"),
        "{err}"
    );

    assert_eq!(config(review), before);
    assert_eq!(read_codings(review, "alice"), alice);
}

#[test]
fn a_broken_codings_file_neither_blocks_a_merge_nor_is_touched_by_it() {
    let dir = common::demo_copy();
    let review = dir.path();
    let alice = write_codings(review, "alice", &[("pmid:1", &["roles"], "")]);
    let bob = "reviewer = \"bob\"\n[papers.\"pmid:1\"]\nfactors = [\"roles\"\n";
    fs::write(Codings::path(&codings_dir(review), "bob"), bob).expect("write bob");
    apply(
        review,
        CodebookEdit::Merge {
            from: "roles".into(),
            into: "communication".into(),
        },
    )
    .expect("merges");
    assert_eq!(read_codings(review, "alice"), alice);
    assert_eq!(read_codings(review, "bob"), bob);
}

#[test]
fn undo_is_refused_when_config_toml_changed_since() {
    let dir = common::demo_copy();
    let review = dir.path();
    let applied = apply(
        review,
        CodebookEdit::SetLabel {
            id: "access".into(),
            label: "Access".into(),
        },
    )
    .expect("relabels");
    let edited = format!("{}# a note added by hand\n", config(review));
    fs::write(review.join("config.toml"), &edited).expect("hand edit");

    let err = codebook::revert(review, &applied).expect_err("refused");
    assert!(matches!(err, CodebookError::Changed { .. }), "{err}");
    assert!(err.to_string().contains("not undone"), "{err}");
    assert_eq!(config(review), edited);
}

#[test]
fn unknown_factors_and_self_merges_are_refused() {
    let dir = common::demo_copy();
    let review = dir.path();
    let before = config(review);
    let err = apply(
        review,
        CodebookEdit::Merge {
            from: "roles".into(),
            into: "nowhere".into(),
        },
    )
    .expect_err("unknown");
    assert!(
        err.to_string()
            .ends_with("config.toml: the codebook has no factor with id `nowhere`"),
        "{err}"
    );
    let err = apply(
        review,
        CodebookEdit::Merge {
            from: "roles".into(),
            into: "roles".into(),
        },
    )
    .expect_err("itself");
    assert!(err.to_string().contains("into itself"), "{err}");
    assert_eq!(config(review), before);
}
