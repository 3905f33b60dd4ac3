//! The headless commands, run as a user runs them.

mod common;

use predicates::prelude::*;
use thema::keys::action::Action;

fn thema() -> assert_cmd::Command {
    let mut cmd = common::thema_cmd();
    cmd.env_remove("THEMA_REVIEWER").env("USER", "alice");
    cmd
}

/// The demo review with Aitken coded `communication`+`roles`, Walshe `roles`,
/// each with the characteristics its public record states (Gardiner 2012
/// Table 1 for Aitken, the article's abstract for Walshe).
fn coded_demo() -> tempfile::TempDir {
    let dir = common::demo_copy();
    let mut app = common::open_app(dir.path(), "alice");
    let s = |v: &str| toml::Value::String(v.into());
    let list = |vs: &[&str]| toml::Value::Array(vs.iter().map(|v| s(v)).collect());
    let record = |app: &mut thema::app::App, values: [(&str, toml::Value); 5]| {
        let id = app
            .current_paper()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        app.codings.update(&id, |c| {
            for (field, v) in values {
                c.characteristics.insert(field.to_string(), v);
            }
        });
    };
    app.update(Action::ToggleFactor(0));
    app.update(Action::ToggleFactor(1));
    record(
        &mut app,
        [
            ("country", s("UK")),
            ("design", s("Qualitative")),
            ("data_collection", list(&["Interviews"])),
            ("participants", s("District nurses")),
            ("sample_size", toml::Value::Integer(8)),
        ],
    );
    app.update(Action::Last);
    app.update(Action::ToggleFactor(1));
    record(
        &mut app,
        [
            ("country", s("UK")),
            ("design", s("Qualitative")),
            (
                "data_collection",
                list(&["Interviews", "Documents", "Observation"]),
            ),
            ("participants", s("Health professionals")),
            ("sample_size", toml::Value::Integer(47)),
        ],
    );
    app.codings
        .save(&common::codings_file(dir.path(), "alice"))
        .expect("save");
    dir
}

#[test]
fn tally_csv_has_the_documented_header_and_counts() {
    let dir = coded_demo();
    thema()
        .args(["tally", "--format", "csv", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(
            "factor,label,studies,percent\n\
             communication,Communication,1,12.5\n\
             roles,Roles and responsibilities,2,25.0\n\
             learning,Shared learning,0,0.0\n\
             access,Access to specialists,0,0.0\n\
             coordination,Coordinated care,0,0.0\n\
             uncoded,uncoded,6,75.0\n",
        );
}

#[test]
fn tally_table_markdown_and_json_agree() {
    let dir = coded_demo();
    let run = |format: &str| {
        let out = thema()
            .args(["tally", "--format", format, "--review"])
            .arg(dir.path())
            .output()
            .expect("runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let table = run("table");
    assert!(
        table.contains("Roles and responsibilities        2   25%"),
        "{table}"
    );
    assert!(table.contains("2 of 8 papers coded"), "{table}");
    let md = run("markdown");
    assert!(
        md.contains("| Roles and responsibilities | 2 | 25% |"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("valid JSON");
    assert_eq!(json["papers"], 8);
    assert_eq!(json["coded"], 2);
    assert_eq!(json["factors"][1]["factor"], "roles");
    assert_eq!(json["factors"][1]["studies"], 2);
}

#[test]
fn tally_is_per_reviewer() {
    let dir = coded_demo();
    thema()
        .args(["tally", "--format", "csv", "--reviewer", "bob", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("uncoded,uncoded,8,100.0"));
    thema()
        .env("THEMA_REVIEWER", "alice")
        .env("USER", "bob")
        .args(["tally", "--format", "csv", "--review"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("uncoded,uncoded,6,75.0"));
}

#[test]
fn tally_refuses_a_broken_codings_file_naming_the_line() {
    let dir = coded_demo();
    let path = common::codings_file(dir.path(), "alice");
    std::fs::write(&path, "reviewer = \"alice\"\n[papers.\"x\"\nfactors = []\n").expect("write");
    thema()
        .args(["tally", "--review"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("alice.toml:2"));
}

#[test]
fn check_counts_records_per_source_and_passes_on_the_demo() {
    let dir = coded_demo();
    thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("data/studies.ris: ris, 8 records"))
        .stdout(predicate::str::contains("alice codes 2 papers"))
        // The demo declares CASP; appraising is left to the reviewer.
        .stdout(predicate::str::contains(
            "warning: 2 of 2 coded papers are not appraised",
        ))
        .stdout(predicate::str::contains("0 errors, 1 warning"));
}

#[test]
fn check_json_has_the_documented_shape() {
    let dir = coded_demo();
    let out = thema()
        .args(["check", "--format", "json", "--review"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["sources"][0]["path"], "data/studies.ris");
    assert_eq!(v["sources"][0]["format"], "ris");
    assert_eq!(v["sources"][0]["records"], 8);
    assert!(
        v["sources"][0]["problems"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    assert_eq!(v["papers"], 8);
    let problems = v["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["severity"], "warning");
}

#[test]
fn check_fails_with_file_and_line_on_a_config_error() {
    let dir = common::demo_copy();
    let config = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    let broken = config.replacen("id = \"roles\"", "id = \"communication\"", 1);
    std::fs::write(dir.path().join("config.toml"), &broken).expect("write");
    let line = broken
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "id = \"communication\"")
        .nth(1)
        .map(|(i, _)| i + 1)
        .expect("second id line");
    thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "config.toml:{line}: error: duplicate factor id `communication`"
        )));
}

#[test]
fn check_reports_orphan_codings_as_warnings_and_still_passes() {
    let dir = coded_demo();
    let path = common::codings_file(dir.path(), "bob");
    std::fs::write(
        &path,
        "reviewer = \"bob\"\n\n[papers.\"doi:10.9/gone\"]\nfactors = [\"roles\"]\n",
    )
    .expect("write");
    thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "bob.toml:3: warning: codings for paper `doi:10.9/gone`",
        ));
}

#[test]
fn init_creates_a_review_that_check_accepts_and_never_overwrites() {
    let parent = tempfile::tempdir().expect("tmp");
    let dir = parent.path().join("my-review");
    let source = common::repo().join("data/studies.ris");
    thema()
        .arg("init")
        .arg(&dir)
        .arg("--source")
        .arg(&source)
        .assert()
        .success()
        .stdout(predicate::str::contains("data/studies.ris: ris, 8 records"));
    let config = std::fs::read_to_string(dir.join("config.toml")).expect("config written");
    assert!(config.contains("title = \"my-review\""), "{config}");
    assert!(
        config.contains("# [[factors]]"),
        "starter explains the codebook"
    );
    let ignored = std::fs::read_to_string(dir.join(".gitignore")).expect(".gitignore written");
    for line in [".*.lock", "*.tmp", ".*.history.jsonl", "exports/"] {
        assert!(ignored.lines().any(|l| l == line), "{line}: {ignored}");
    }
    let declared = config.matches("# [[characteristics]]").count();
    assert_eq!(
        declared, 6,
        "the usual characteristics, commented: {config}"
    );
    assert_eq!(
        std::fs::read(dir.join("data/studies.ris")).expect("copied"),
        std::fs::read(&source).expect("original"),
        "the reference file is copied byte for byte"
    );
    thema()
        .args(["check", "--review"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("8 papers, 0 factors"))
        .stdout(predicate::str::contains("the codebook is empty"));
    // Uncommented, the starter's characteristics are a valid declaration.
    let (head, rest) = config.split_once("# [[characteristics]]").expect("offered");
    let (block, tail) = rest.split_once("\n\n").expect("one block");
    let uncommented: String = format!("# [[characteristics]]{block}")
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .unwrap_or(l.strip_prefix('#').unwrap_or(l))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let opened = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(opened.path().join("data")).expect("mkdir");
    std::fs::copy(
        dir.join("data/studies.ris"),
        opened.path().join("data/studies.ris"),
    )
    .expect("copy");
    std::fs::write(
        opened.path().join("config.toml"),
        format!("{head}{uncommented}\n\n{tail}"),
    )
    .expect("write");
    let review = thema::review::Review::open(opened.path(), &thema::review::places::Places::none())
        .expect("uncommented starter is valid");
    let ids: Vec<&str> = review
        .config
        .characteristics
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "country",
            "setting",
            "design",
            "data_collection",
            "participants",
            "sample_size"
        ]
    );
    thema()
        .arg("init")
        .arg(&dir)
        .assert()
        .failure()
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.join("config.toml")).expect("read"),
        config
    );
}

#[test]
fn help_and_version_work_everywhere() {
    thema()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains("thema 0.1.0"));
    for sub in ["tally", "check", "init"] {
        thema()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}

#[test]
fn a_folder_without_config_gets_a_helpful_error() {
    let dir = tempfile::tempdir().expect("tmp");
    thema()
        .args(["tally", "--review"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("config.toml"))
        .stderr(predicate::str::contains("thema init"));
}

/// A second export of Walshe 2008 without its DOI, as another database gives it.
const WALSHE_AGAIN: &str = "TY  - JOUR\nAU  - Walshe, C\nTI  - Judgements about fellow professionals and the management of patients receiving palliative care in primary care: a qualitative study\nPY  - 2008\nAB  - An abstract from another database.\nER  - \n";

#[test]
fn import_adds_sources_keeping_every_comment_and_merges_duplicates() {
    let dir = common::demo_copy();
    let before = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    let outside = tempfile::tempdir().expect("tmp");
    let file = outside.path().join("embase.ris");
    std::fs::write(&file, WALSHE_AGAIN).expect("write");
    thema()
        .args(["import", "--review"])
        .arg(dir.path())
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("embase.ris: ris, 1 record\n"))
        .stdout(predicate::str::contains(
            "added data/embase.ris: ris, 1 record\n",
        ));
    let after = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    let entry = "[[sources]]\npath = \"data/embase.ris\"\n\n";
    assert_eq!(
        after.replacen(entry, "", 1),
        before,
        "only the new entry differs"
    );
    assert!(
        after.find(entry) < after.find("[[factors]]"),
        "the new source sits with the others, above the codebook"
    );
    assert_eq!(
        std::fs::read(dir.path().join("data/embase.ris")).expect("copied"),
        WALSHE_AGAIN.as_bytes()
    );
    // The duplicate is one paper, with the abstract the first export lacked.
    let review = thema::review::Review::open(dir.path(), &thema::review::places::Places::none())
        .expect("opens");
    assert_eq!(review.papers.len(), 8);
    let walshe = &review.papers[review
        .paper_index("doi:10.3399/bjgp08x279652")
        .expect("walshe")];
    assert_eq!(walshe.provenance.len(), 2);
    assert_eq!(
        walshe.abstract_text.as_str(),
        "An abstract from another database."
    );
    thema()
        .args(["dedupe", "--report", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "doi:10.3399/bjgp08x279652  data/studies.ris:45  data/embase.ris:1  same title and year",
        ));
    thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "merged data/embase.ris:1 into doi:10.3399/bjgp08x279652",
        ));
}

#[test]
fn import_dry_run_and_empty_files_change_nothing() {
    let dir = common::demo_copy();
    let before = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    let outside = tempfile::tempdir().expect("tmp");
    let good = outside.path().join("good.ris");
    std::fs::write(&good, WALSHE_AGAIN).expect("write");
    thema()
        .args(["import", "--dry-run", "--review"])
        .arg(dir.path())
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("dry run: nothing changed"));
    // A dry run shows a file's problems itself: the file is no source yet.
    let flawed = outside.path().join("flawed.ris");
    std::fs::write(&flawed, format!("{WALSHE_AGAIN}\nTY  - JOUR\nER  - \n")).expect("write");
    thema()
        .args(["import", "--dry-run", "--review"])
        .arg(dir.path())
        .arg(&flawed)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 record, 1 problem:"))
        .stdout(predicate::str::contains(
            "flawed.ris:8: record has no bibliographic fields",
        ));
    let junk = outside.path().join("notes.txt");
    std::fs::write(&junk, "just some notes\nnothing bibliographic\n").expect("write");
    thema()
        .args(["import", "--review"])
        .arg(dir.path())
        .arg(&good)
        .arg(&junk)
        .assert()
        .failure()
        .stderr(predicate::str::contains("notes.txt"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.toml")).expect("read"),
        before
    );
    assert!(
        !dir.path().join("data/good.ris").exists(),
        "nothing half-done"
    );
}

#[test]
fn codings_follow_a_paper_whose_id_changes_when_a_source_adds_its_doi() {
    let dir = common::demo_copy();
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::Down); // Alsop 2010: no DOI or PMID in the demo
    assert!(
        app.review.papers[1]
            .id
            .starts_with("alsop2010collaborative-")
    );
    app.update(Action::ToggleFactor(1));
    app.update(Action::ToggleFlag);
    app.codings
        .save(&common::codings_file(dir.path(), "alice"))
        .expect("save");
    // A later export of the same paper carries a DOI (made up for the test).
    let extra = dir.path().join("data/extra.ris");
    std::fs::write(
        &extra,
        "TY  - JOUR\nAU  - Alsop, A\nPY  - 2010\nTI  - Collaborative working in end-of-life care: developing a guide for health and social care professionals\nDO  - 10.9999/test.alsop\nER  - \n",
    )
    .expect("write");
    thema()
        .args(["import", "--review"])
        .arg(dir.path())
        .arg(&extra)
        .assert()
        .success();
    thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1 coding filed under an id the paper no longer has",
        ));
    thema()
        .args(["tally", "--format", "csv", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "roles,Roles and responsibilities,1,12.5",
        ));
    // Opened, the coding and its flag are on the paper's new id, stamped.
    let workbench = thema::cli::prepare_workbench(
        dir.path(),
        Some("alice"),
        &thema::review::places::Places::none(),
    )
    .expect("opens");
    let moved = workbench.app.codings.get("doi:10.9999/test.alsop");
    assert!(moved.factors.contains("roles") && moved.flagged);
    assert_eq!(moved.cite, "Alsop 2010");
}

#[test]
fn a_source_that_yields_no_records_stops_the_review_with_its_line() {
    let dir = common::demo_copy();
    std::fs::write(
        dir.path().join("data/studies.ris"),
        "TY  - JOUR\nPY  - 2001\nER  - \n",
    )
    .expect("write");
    thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "data/studies.ris: no records read as ris",
        ))
        .stdout(predicate::str::contains(
            "data/studies.ris:1: record has no bibliographic fields",
        ));
}

const CHARACTERISTICS: &str = r#"
[[characteristics]]
id = "country"
label = "Country"
kind = "text"

[[characteristics]]
id = "design"
label = "Data collection"
kind = "several_of"
values = ["Interviews", "Focus groups"]
"#;

/// The demo with two characteristics declared and alice's codings:
/// Aitken (UK, interviews) and Alsop (UK, focus groups) and Mitchell 2002
/// (Australia, both) support `access`; Walshe `roles` with nothing
/// recorded; Dunne `communication` with a design outside the list;
/// Shipman (UK) excluded.
fn demo_with_characteristics() -> tempfile::TempDir {
    let dir = common::demo_copy();
    let config = dir.path().join("config.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    // The demo's own characteristics make way for these two.
    let (head, rest) = text
        .split_once("# Study characteristics")
        .expect("the demo declares characteristics");
    let codebook = rest.find("# The codebook").expect("codebook after them");
    let mut text = format!("{head}{}", &rest[codebook..]);
    text.push_str(CHARACTERISTICS);
    std::fs::write(&config, text).expect("write config");
    let mut app = common::open_app(dir.path(), "alice");
    let id = |cite: &str| {
        app.review
            .papers
            .iter()
            .find(|p| p.short_cite() == cite)
            .map(|p| p.id.clone())
            .unwrap_or_else(|| panic!("{cite} in the demo"))
    };
    let s = |v: &str| toml::Value::String(v.into());
    let list = |vs: &[&str]| toml::Value::Array(vs.iter().map(|v| s(v)).collect());
    let rows = [
        (
            "Aitken 2006",
            "access",
            Some(s("UK")),
            Some(list(&["Interviews"])),
            "",
        ),
        (
            "Alsop 2010",
            "access",
            Some(s("UK")),
            Some(list(&["Focus groups"])),
            "",
        ),
        (
            "Mitchell 2002",
            "access",
            Some(s("Australia")),
            Some(list(&["Focus groups", "Interviews"])),
            "",
        ),
        ("Walshe 2008", "roles", None, None, ""),
        (
            "Dunne 2005",
            "communication",
            None,
            Some(list(&["Survey"])),
            "",
        ),
        (
            "Shipman 2002",
            "access",
            Some(s("UK")),
            None,
            "Wrong outcome",
        ),
    ];
    let ids: Vec<String> = rows.iter().map(|r| id(r.0)).collect();
    for (row, id) in rows.into_iter().zip(ids) {
        let (_, factor, country, design, excluded) = row;
        app.codings.update(&id, |c| {
            c.factors.insert(factor.to_string());
            c.excluded = excluded.to_string();
            if let Some(v) = country {
                c.characteristics.insert("country".into(), v);
            }
            if let Some(v) = design {
                c.characteristics.insert("design".into(), v);
            }
        });
    }
    app.codings
        .save(&common::codings_file(dir.path(), "alice"))
        .expect("save");
    dir
}

#[test]
fn crosstab_counts_a_factors_papers_per_value_with_a_not_recorded_row() {
    let dir = demo_with_characteristics();
    thema()
        .args([
            "crosstab", "--factor", "access", "--by", "country", "--format", "csv", "--review",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout("country,access,all_included\nAustralia,1,1\nUK,2,2\nnot recorded,0,4\n");
    // several_of: a paper counts under each of its values, in the declared
    // order; a value outside the list gets its own row.
    thema()
        .args(["crosstab", "--by", "design", "--format", "csv", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(
            "design,communication,roles,learning,access,coordination,all_included\n\
             Interviews,0,0,0,2,0,2\n\
             Focus groups,0,0,0,2,0,2\n\
             Survey,1,0,0,0,0,1\n\
             not recorded,0,1,0,0,0,3\n",
        );
    let table = thema()
        .args([
            "crosstab", "--factor", "access", "--by", "country", "--review",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    let table = String::from_utf8(table.stdout).expect("utf-8");
    assert!(
        table.starts_with("Country       Access to specialists  All included\nAustralia                         1             1\n"),
        "{table}"
    );
    thema()
        .args([
            "crosstab", "--factor", "access", "--by", "sample", "--review",
        ])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "no characteristic `sample`; declared: country, design",
        ));
    thema()
        .args([
            "crosstab", "--factor", "nope", "--by", "country", "--review",
        ])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("no factor `nope` in the codebook"));
}

#[test]
fn check_reports_invalid_characteristics_by_paper_and_missing_ones_by_count() {
    let dir = demo_with_characteristics();
    let out = thema()
        .args(["check", "--review"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        out.status.code(),
        Some(1),
        "an invalid value is an error:\n{text}"
    );
    assert!(
        text.contains("error: paper `")
            && text.contains(
                "Data collection (design) “Survey” is not one of: Interviews, Focus groups"
            ),
        "{text}"
    );
    // At the line of the value itself, not of its paper's table.
    let file = std::fs::read_to_string(common::codings_file(dir.path(), "alice")).expect("codings");
    let at = file
        .lines()
        .position(|l| l.contains("\"Survey\""))
        .expect("the value is in the file")
        + 1;
    assert!(
        text.lines().any(
            |l| l.contains(&format!("alice.toml:{at}: error: paper `")) && l.contains("Survey")
        ),
        "line {at}:\n{text}\n{file}"
    );
    assert!(
        text.contains("warning: Country (country) is not recorded for 2 of 5 coded papers"),
        "{text}"
    );
    assert!(
        text.contains("warning: Data collection (design) is not recorded for 1 of 5 coded papers"),
        "{text}"
    );
}

#[test]
fn init_appraisal_writes_the_template_with_its_licence_and_check_accepts_it() {
    let parent = tempfile::tempdir().expect("tmp");
    let dir = parent.path().join("appraised");
    thema()
        .arg("init")
        .arg(&dir)
        .args(["--appraisal", "casp-qualitative"])
        .assert()
        .success();
    let config = std::fs::read_to_string(dir.join("config.toml")).expect("config written");
    assert!(
        config.contains("\n[appraisal]\ntemplate = \"casp-qualitative\"\n"),
        "{config}"
    );
    assert!(
        config.contains("#   Licence:   Creative Commons Attribution-NonCommercial-ShareAlike"),
        "the licence comes along as a comment: {config}"
    );
    assert!(config.contains("#   Cite as:   Critical Appraisal Skills Programme (2018)"));
    thema()
        .args(["check", "--review"])
        .arg(&dir)
        .assert()
        .success();
    let review =
        thema::review::Review::open(&dir, &thema::review::places::Places::none()).expect("opens");
    assert_eq!(review.config.appraisal.expect("declared").items.len(), 10);

    // An unknown template creates nothing.
    let other = parent.path().join("other");
    thema()
        .arg("init")
        .arg(&other)
        .args(["--appraisal", "casp-quantitative"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "unknown appraisal template `casp-quantitative`; use one of: casp-qualitative, jbi-qualitative, mmat",
        ));
    assert!(!other.exists());
}

#[test]
fn plain_init_offers_the_appraisal_commented_and_uncommented_it_is_valid() {
    let parent = tempfile::tempdir().expect("tmp");
    let dir = parent.path().join("plain");
    thema().arg("init").arg(&dir).assert().success();
    let config = std::fs::read_to_string(dir.join("config.toml")).expect("config written");
    let offered = "# [appraisal]\n# template = \"casp-qualitative\"\n";
    assert!(config.contains(offered), "{config}");
    std::fs::write(
        dir.join("config.toml"),
        config.replace(offered, "[appraisal]\ntemplate = \"mmat\"\n"),
    )
    .expect("write");
    let review = thema::review::Review::open(&dir, &thema::review::places::Places::none())
        .expect("uncommented, it is valid");
    assert_eq!(review.config.appraisal.expect("declared").template, "mmat");
}
