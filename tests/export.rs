//! `thema export`: every format from the demo review with a few codings,
//! read back the way its users' tools read it.

mod common;

use std::io::{Cursor, Read as _};

use tempfile::TempDir;
use thema::export::{Export, Format, TableKind, render, render_csv};
use thema::review::Review;
use thema::review::cerqual::Assessments;
use thema::review::codings::{Codings, Quote};
use thema::review::places::Places;

/// The demo review, with alice's codings: Aitken coded with two factors and
/// a quote for one of them (pipes, quotes, a line break), Alsop with one,
/// Dunne with an unassigned quote holding terminal controls and markup,
/// Walshe excluded; Aitken's and Mitchell 2002's characteristics as their
/// public record states them.
fn coded_demo() -> (TempDir, Review, Codings) {
    let dir = common::demo_copy();
    // The tables of a review without an appraisal; appraised_demo adds one.
    common::without_appraisal(dir.path());
    let review = Review::open(dir.path(), &Places::none()).expect("demo opens");
    let id = |cite: &str| {
        review
            .papers
            .iter()
            .find(|p| p.short_cite() == cite)
            .map(|p| p.id.clone())
            .expect("paper in demo")
    };
    let mut codings = Codings::new("alice");
    let aitken = id("Aitken 2006");
    codings.toggle(&aitken, "communication");
    codings.toggle(&aitken, "roles");
    codings.update(&aitken, |c| {
        c.quotes.push(Quote::new(
            "communication",
            "We \"phoned\" | daily\nand met *weekly*",
            "p. 4",
            "",
        ));
        c.note = "strong example".into();
        let s = |v: &str| toml::Value::String(v.into());
        c.characteristics.insert("country".into(), s("UK"));
        c.characteristics.insert("design".into(), s("Qualitative"));
        c.characteristics.insert(
            "data_collection".into(),
            toml::Value::Array(vec![s("Interviews")]),
        );
        c.characteristics
            .insert("participants".into(), s("District nurses"));
        c.characteristics
            .insert("sample_size".into(), toml::Value::Integer(8));
    });
    codings.update(&id("Mitchell 2002"), |c| {
        c.characteristics
            .insert("country".into(), toml::Value::String("Australia".into()));
        c.characteristics.insert(
            "data_collection".into(),
            toml::Value::Array(vec![toml::Value::String("Focus groups".into())]),
        );
        c.characteristics
            .insert("sample_size".into(), toml::Value::Integer(29));
    });
    codings.toggle(&id("Alsop 2010"), "learning");
    codings.update(&id("Dunne 2005"), |c| {
        // Not assigned to a factor, as a quote from an older file is.
        c.quotes.push(Quote::new(
            "",
            "Bell\u{7} escape \u{1b}[31m <b>bold</b> & \u{9b}more",
            "",
            "",
        ));
        c.flagged = true;
    });
    codings.update(&id("Walshe 2008"), |c| {
        c.excluded = "Wrong population".into()
    });
    let path = common::codings_file(dir.path(), "alice");
    std::fs::create_dir_all(path.parent().expect("codings dir")).expect("mkdir");
    codings.save(&path).expect("codings saved");
    std::fs::write(dir.path().join("cerqual.toml"), CERQUAL).expect("cerqual.toml");
    (dir, review, codings)
}

/// Two factors assessed (communication fully, learning only its finding
/// and overall confidence), and one factor no longer in the codebook.
const CERQUAL: &str = r#"[factors.communication]
finding = "Regular contact | shared *records* build trust between GPs and palliative care teams."

[factors.communication.methodological_limitations]
level = "minor"
explanation = "One study did not describe its recruitment."

[factors.communication.coherence]
level = "no_or_very_minor"

[factors.communication.adequacy]
level = "moderate"
explanation = "A single study, with thin data."

[factors.communication.relevance]
level = "minor"
explanation = "UK district nursing only."

[factors.communication.overall]
level = "moderate"
explanation = "Moderate concerns about adequacy."

[factors.learning]
finding = "Teams learn from each other."

[factors.learning.overall]
level = "low"
explanation = "One study."

[factors.gone]
finding = "A factor since removed."
"#;

/// The export of the coded demo, with its CERQual assessments.
fn export_of(dir: &TempDir, review: &Review, codings: &Codings) -> Export {
    let assessed = Assessments::load(dir.path()).expect("cerqual.toml loads");
    Export::new(review, codings).with_cerqual(&assessed)
}

fn rendered(format: Format) -> Vec<u8> {
    let (dir, review, codings) = coded_demo();
    let export = export_of(&dir, &review, &codings);
    let tables = match format {
        Format::Json | Format::Ris => Vec::new(),
        _ => export.tables(None).expect("tables"),
    };
    if format == Format::Csv {
        // One file per table: compared as their concatenation.
        return render_csv(&tables)
            .into_iter()
            .flat_map(|(_, b)| b)
            .collect();
    }
    render(&export, &tables, format).expect("rendered")
}

fn text(format: Format) -> String {
    String::from_utf8(rendered(format)).expect("utf-8")
}

#[test]
fn markdown_snapshot() {
    let md = text(Format::Md);
    assert!(!md.contains('\u{1b}') && !md.contains('\u{9b}'), "{md}");
    insta::assert_snapshot!("md", md);
}

#[test]
fn csv_snapshots_one_per_table() {
    let (dir, review, codings) = coded_demo();
    let export = export_of(&dir, &review, &codings);
    let files = render_csv(&export.tables(None).expect("tables"));
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "tally.csv",
            "matrix.csv",
            "characteristics.csv",
            "quotes.csv",
            "findings.csv",
            "cerqual.csv"
        ]
    );
    for (name, bytes) in files {
        let csv = String::from_utf8(bytes).expect("utf-8");
        assert!(!csv.contains('\u{1b}'), "{csv}");
        insta::assert_snapshot!(name, csv);
    }
}

#[test]
fn json_snapshot_and_schema() {
    let json = text(Format::Json);
    assert!(!json.contains('\u{9b}'), "C1 control escaped: {json}");
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    assert_eq!(value["schema"], "thema-export/1");
    let papers = value["papers"].as_array().expect("papers list");
    // Walshe is excluded: seven of the eight demo papers.
    assert_eq!(papers.len(), 7);
    let aitken = &papers[0];
    assert_eq!(aitken["short_cite"], "Aitken 2006");
    assert_eq!(
        aitken["factors"],
        serde_json::json!(["communication", "roles"])
    );
    assert_eq!(aitken["quotes"][0]["factor"], "communication");
    assert_eq!(aitken["quotes"][0]["location"], "p. 4");
    assert_eq!(
        aitken["characteristics"],
        serde_json::json!({
            "country": "UK",
            "data_collection": ["Interviews"],
            "design": "Qualitative",
            "participants": "District nurses",
            "sample_size": 8
        })
    );
    assert_eq!(value["characteristics"][4]["kind"], "number");
    assert_eq!(aitken["appraisal"], serde_json::json!({}));
    assert!(
        aitken["citation"]
            .as_str()
            .is_some_and(|c| c.contains("(2006)"))
    );
    assert_eq!(value["factors"][0]["papers"], 1);
    // Assessed factors in codebook order; one no longer in it left out.
    let findings = value["findings"].as_array().expect("findings list");
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["factor"], "communication");
    assert_eq!(findings[0]["adequacy"]["level"], "moderate");
    assert_eq!(findings[0]["studies"], serde_json::json!(["pmid:16607244"]));
    assert_eq!(findings[1]["overall"]["level"], "low");
    assert_eq!(findings[1]["coherence"]["level"], "");
    insta::assert_snapshot!("json", json);
}

#[test]
fn html_is_well_formed_escaped_and_self_contained() {
    let html = text(Format::Html);
    let mut reader = quick_xml::Reader::from_str(&html);
    let (mut tables, mut cells) = (0, Vec::new());
    let mut in_td = false;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e)) => {
                tables += usize::from(e.name().0 == "table");
                in_td = e.name().0 == "td";
            }
            Ok(quick_xml::events::Event::Text(t)) if in_td => {
                cells.push(t.xml10_content().into_owned());
            }
            Ok(quick_xml::events::Event::GeneralRef(_)) if in_td => {}
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at {}: {e}\n{html}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(tables, 6);
    assert!(cells.iter().any(|c| c == "Aitken 2006"), "{cells:?}");
    assert!(
        cells
            .iter()
            .any(|c| c == "Moderate concerns: A single study, with thin data."),
        "the evidence profile's adequacy: {cells:?}"
    );
    assert!(cells.iter().any(|c| c == "District nurses"), "{cells:?}");
    assert!(!html.contains("<b>bold"), "markup from a quote escaped");
    assert!(html.contains("&lt;b&gt;bold"));
    assert!(!html.contains('\u{7}') && !html.contains('\u{1b}'));
    assert!(html.contains("@page") && html.contains("A4"));
    for outside in ["http://", "https://", "<script", "<link", "src="] {
        let rest = html.replacen("http://www.w3.org/1999/xhtml", "", 1);
        assert!(!rest.contains(outside), "{outside} in the page");
    }
}

#[test]
fn xlsx_reads_back_with_the_expected_cells() {
    use calamine::{Data, Reader as _, Xlsx, open_workbook_from_rs};
    let bytes = rendered(Format::Xlsx);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    assert_eq!(
        book.sheet_names(),
        [
            "Thematic tally",
            "Studies by factor",
            "Study characteristics",
            "Quotes per factor",
            "Summary of qualitative findings",
            "CERQual evidence profile"
        ]
    );
    let soqf = book
        .worksheet_range("Summary of qualitative findings")
        .expect("findings sheet");
    let row: Vec<String> = (0..5)
        .map(|c| {
            soqf.get_value((1, c))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        row,
        [
            "Communication",
            "Regular contact | shared *records* build trust between GPs and palliative care teams.",
            "Moderate confidence",
            "Moderate concerns about adequacy.",
            "Aitken 2006"
        ]
    );
    // The note under the table, a row below it, as the other formats print it.
    assert!(
        soqf.get_value((4, 0)).is_some_and(|d| d
            .to_string()
            .starts_with("GRADE-CERQual: 2 of 5 factors assessed")),
        "{:?}",
        soqf.get_value((4, 0))
    );
    let profile = book
        .worksheet_range("CERQual evidence profile")
        .expect("profile sheet");
    assert_eq!(
        profile.get_value((2, 6)),
        Some(&Data::String("Low confidence".into())),
        "learning's overall"
    );
    let ch = book
        .worksheet_range("Study characteristics")
        .expect("characteristics sheet");
    assert_eq!(
        ch.get_value((1, 0)),
        Some(&Data::String("Aitken 2006".into()))
    );
    // A sample size stays a number.
    assert_eq!(ch.get_value((1, 5)), Some(&Data::Float(8.0)));
    let tally = book.worksheet_range("Thematic tally").expect("tally sheet");
    assert_eq!(
        tally.get_value((0, 0)),
        Some(&Data::String("Factor".into()))
    );
    assert_eq!(
        tally.get_value((1, 0)),
        Some(&Data::String("Communication".into()))
    );
    // Numbers stay numbers: 1 of 7 included papers.
    assert_eq!(tally.get_value((1, 1)), Some(&Data::Float(1.0)));
    assert_eq!(tally.get_value((1, 2)), Some(&Data::Float(14.3)));
    let matrix = book.worksheet_range("Studies by factor").expect("matrix");
    assert_eq!(
        matrix.get_value((1, 0)),
        Some(&Data::String("Aitken 2006".into()))
    );
    assert_eq!(
        matrix.get_value((1, 2)),
        Some(&Data::String("✓ (1)".into()))
    );
    let quotes = book.worksheet_range("Quotes per factor").expect("quotes");
    let texts: Vec<String> = quotes.rows().map(|r| r[3].to_string()).collect();
    assert!(
        texts.iter().any(|t| t.contains("escape \u{fffd}[31m")),
        "control replaced: {texts:?}"
    );
}

#[test]
fn docx_is_a_zip_whose_document_holds_the_tables() {
    let bytes = rendered(Format::Docx);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    assert_eq!(xml.matches("<w:tbl>").count(), 6, "{xml}");
    assert!(xml.contains("Summary of qualitative findings"), "{xml}");
    assert!(xml.contains("Teams learn from each other."), "{xml}");
    for cell in [
        "Thematic tally",
        "Aitken 2006",
        "Roles and responsibilities",
        "14.3",
        "Study characteristics",
        "Focus groups",
    ] {
        assert!(xml.contains(cell), "{cell} in document.xml");
    }
    assert!(xml.contains("&lt;b&gt;bold"));
    assert!(!xml.contains('\u{1b}'));
    let mut core = String::new();
    zip.by_name("docProps/core.xml")
        .expect("core.xml")
        .read_to_string(&mut core)
        .expect("read");
    assert!(!core.contains("2026"), "no export date: {core}");
}

#[test]
fn ris_reads_back_with_the_labels_in_thema_and_in_biblib() {
    use biblib::CitationParser as _;
    let ris = text(Format::Ris);
    let parsed = thema::import::Format::Ris.parse(&ris);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.records.len(), 7);
    let aitken = parsed
        .records
        .iter()
        .find(|r| r.title.starts_with("District nurses"))
        .expect("Aitken back");
    assert_eq!(
        aitken.keywords,
        ["Communication", "Roles and responsibilities"]
    );
    assert_eq!(aitken.year, Some(2006));
    assert!(
        aitken
            .notes
            .iter()
            .any(|n| n.contains("We \"phoned\" | daily and met *weekly*")),
        "{:?}",
        aitken.notes
    );
    let citations = biblib::ris::RisParser::new()
        .parse(&ris)
        .expect("biblib reads it");
    assert_eq!(citations.len(), 7);
    let alsop = citations
        .iter()
        .find(|c| c.title.starts_with("Collaborative working"))
        .expect("Alsop back");
    assert_eq!(alsop.keywords, ["Shared learning"]);
}

#[test]
fn every_format_gives_the_same_bytes_twice() {
    for format in Format::ALL {
        assert_eq!(
            rendered(format),
            rendered(format),
            "{} differs",
            format.ext()
        );
    }
}

#[test]
fn tables_not_in_the_review_are_refused_with_the_reason() {
    let (dir, review, codings) = coded_demo();
    let export = export_of(&dir, &review, &codings);
    let err = export
        .tables(Some(&[TableKind::Appraisal]))
        .expect_err("no appraisal");
    assert_eq!(
        err.to_string(),
        "no quality appraisal is declared in config.toml"
    );
    let one = export.tables(Some(&[TableKind::Quotes])).expect("quotes");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].columns[3], "Quote");
}

#[test]
fn without_assessments_the_cerqual_tables_are_absent_and_asking_says_why() {
    let (_dir, review, codings) = coded_demo();
    let export = Export::new(&review, &codings);
    let kinds: Vec<TableKind> = export
        .tables(None)
        .expect("tables")
        .iter()
        .map(|t| t.kind)
        .collect();
    assert!(!kinds.contains(&TableKind::Findings) && !kinds.contains(&TableKind::Cerqual));
    let err = export
        .tables(Some(&[TableKind::Findings]))
        .expect_err("none assessed");
    assert!(
        err.to_string()
            .starts_with("no factor has a CERQual assessment in cerqual.toml yet"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &String::from_utf8(render(&export, &[], Format::Json).expect("json")).expect("utf-8"),
    )
    .expect("valid");
    assert_eq!(json["findings"], serde_json::json!([]));
}

#[test]
fn cli_exports_the_findings_and_refuses_them_from_an_invalid_file() {
    let (dir, _review, _codings) = coded_demo();
    let out = common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "csv", "--tables", "findings"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    assert!(
        stdout.contains(
            "Shared learning,Teams learn from each other.,Low confidence,One study.,Alsop 2010"
        ),
        "{stdout}"
    );
    std::fs::write(
        dir.path().join("cerqual.toml"),
        "[factors.x
",
    )
    .expect("break it");
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "md", "--tables", "cerqual"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cerqual.toml:1:"));
    // Other tables go on, saying why the findings are missing.
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "md"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "exporting without the CERQual findings",
        ));
}

#[test]
fn the_characteristics_table_has_a_row_per_included_paper_and_a_column_per_field() {
    let (dir, review, codings) = coded_demo();
    let export = export_of(&dir, &review, &codings);
    let tables = export
        .tables(Some(&[TableKind::Characteristics]))
        .expect("declared in the demo");
    let t = &tables[0];
    assert_eq!(
        t.columns,
        [
            "Study",
            "Country",
            "Design",
            "Data collection",
            "Participants",
            "Sample size"
        ]
    );
    let row = |cite: &str| {
        t.rows
            .iter()
            .find(|r| r[0].text() == cite)
            .map(|r| r.iter().map(|c| c.text()).collect::<Vec<_>>())
            .expect("row")
    };
    assert_eq!(
        row("Mitchell 2002"),
        ["Mitchell 2002", "Australia", "", "Focus groups", "", "29"]
    );
    assert_eq!(t.rows.len(), 7, "Walshe is excluded");
    // Without declared characteristics there is no table, and asking says why.
    let mut bare = review;
    bare.config.characteristics.clear();
    let export = Export::new(&bare, &codings);
    assert!(
        export
            .tables(None)
            .expect("tables")
            .iter()
            .all(|t| t.kind != TableKind::Characteristics)
    );
    let err = export
        .tables(Some(&[TableKind::Characteristics]))
        .expect_err("none declared");
    assert_eq!(
        err.to_string(),
        "no study characteristics are declared in config.toml"
    );
}

#[test]
fn cli_writes_to_stdout_and_to_out() {
    let (dir, _review, _codings) = coded_demo();
    let out = common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "md", "--tables", "tally"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    assert!(stdout.contains("| Communication | 1 | 14.3 |"), "{stdout}");
    assert!(!stdout.contains("Studies by factor"));

    let file = dir.path().join("a.xlsx");
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "xlsx", "--out"])
        .arg(&file)
        .assert()
        .success();
    let bytes = std::fs::read(&file).expect("written");
    assert_eq!(bytes, rendered(Format::Xlsx));
}

#[test]
fn cli_csv_writes_a_file_per_table_into_a_folder() {
    let (dir, _review, _codings) = coded_demo();
    let folder = dir.path().join("tables");
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "csv", "--out"])
        .arg(&folder)
        .assert()
        .success();
    let tally = std::fs::read_to_string(folder.join("tally.csv")).expect("tally.csv");
    assert!(tally.starts_with("Factor,Papers,Share (%)\nCommunication,1,14.3\n"));
    assert!(folder.join("matrix.csv").is_file() && folder.join("quotes.csv").is_file());
    // Several tables cannot go to standard output.
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "csv"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("pass --out DIR"));
}

#[test]
fn cli_says_why_a_table_is_missing_and_tables_do_not_apply_to_json() {
    let (dir, _review, _codings) = coded_demo();
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "md", "--tables", "appraisal"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "no quality appraisal is declared in config.toml",
        ));
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "json", "--tables", "tally"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("--tables does not apply to json"));
}

#[cfg(unix)]
#[test]
fn cli_out_replaces_a_symbolic_link_and_never_writes_through_it() {
    let (dir, _review, _codings) = coded_demo();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").expect("victim");
    let link = dir.path().join("out.md");
    std::os::unix::fs::symlink(&victim, &link).expect("link");
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "md", "--out"])
        .arg(&link)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep me");
    let meta = std::fs::symlink_metadata(&link).expect("out");
    assert!(meta.is_file(), "the link is now a file");
}

#[test]
fn the_palette_exports_every_table_into_the_exports_folder() {
    use thema::keys::action::Action;
    use thema::review::codings::Store;
    use thema::review::workspace::Workspace;
    let (dir, _review, _codings) = coded_demo();
    let mut app = common::open_app(dir.path(), "alice");
    app.set_cerqual(Assessments::load(dir.path()));
    let (store, _) =
        Store::open(&common::codings_file(dir.path(), "alice"), "alice").expect("store");
    let mut workspace =
        Workspace::new(dir.path(), store).with_exporter(thema::export::files_for_workbench);
    let chosen = thema::app::palette::entries(&app.review)
        .into_iter()
        .find(|e| e.title.starts_with("export as docx"))
        .expect("a palette entry");
    let effect = app.update(chosen.action);
    assert_eq!(effect, thema::app::Effect::Export(Format::Docx));
    workspace.carry_out(&mut app, effect);
    let written = dir.path().join("exports/alice-all.docx");
    assert_eq!(
        std::fs::read(&written).expect("written"),
        rendered(Format::Docx)
    );
    assert_eq!(
        app.notice.as_ref().map(|n| n.text.as_str()),
        Some("exported to exports/alice-all.docx")
    );

    let effect = app.update(Action::ExportAs(Format::Csv));
    workspace.carry_out(&mut app, effect);
    for table in ["tally", "matrix", "quotes"] {
        assert!(
            dir.path()
                .join(format!("exports/alice-{table}.csv"))
                .is_file()
        );
    }
}

/// `--out` naming one of the review's own files (a tab-completion slip) is
/// refused, and the file is left as it was.
#[test]
fn cli_never_exports_over_the_reviews_own_files() {
    let (dir, _review, _codings) = coded_demo();
    let codings = common::codings_file(dir.path(), "alice");
    let targets = [
        codings.clone(),
        dir.path().join("config.toml"),
        dir.path().join("data").join("studies.ris"),
        dir.path().join("data").join("new.ris"),
        dir.path().join("cerqual.toml"),
        dir.path().join(".cerqual.toml.lock"),
    ];
    std::fs::write(
        dir.path().join("cerqual.toml"),
        "[factors.access]\nfinding = \"Kept.\"\n",
    )
    .expect("cerqual.toml");
    for target in targets {
        let before = std::fs::read(&target).ok();
        common::thema_cmd()
            .args(["--reviewer", "alice", "--review"])
            .arg(dir.path())
            .args(["export", "--format", "ris", "--out"])
            .arg(&target)
            .assert()
            .failure()
            .stderr(predicates::str::contains("part of the review"));
        assert_eq!(std::fs::read(&target).ok(), before, "{}", target.display());
    }
    // A csv folder inside data/ is refused before it is made.
    let folder = dir.path().join("data").join("tables");
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "csv", "--out"])
        .arg(&folder)
        .assert()
        .failure();
    assert!(!folder.exists());
}

/// `--out` naming a pipe (or a device) is refused: the export would
/// replace it with a plain file.
#[cfg(unix)]
#[test]
fn cli_refuses_an_out_that_is_not_a_file() {
    let (dir, _review, _codings) = coded_demo();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    common::thema_cmd()
        .args(["--reviewer", "alice", "--review"])
        .arg(dir.path())
        .args(["export", "--format", "md", "--out"])
        .arg(&fifo)
        .assert()
        .failure()
        .stderr(predicates::str::contains("is a FIFO, not a file"));
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the pipe is left as it was");
}

/// The coded demo with the CASP qualitative template declared, Aitken
/// appraised on three items (one with a comment, one only commented) and
/// Alsop on one.
fn appraised_demo() -> (TempDir, Review, Codings) {
    let (dir, _, mut codings) = coded_demo();
    let config = dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("\n[appraisal]\ntemplate = \"casp-qualitative\"\n");
    std::fs::write(&config, text).expect("write config");
    let review = Review::open(dir.path(), &Places::none()).expect("opens");
    let id = |cite: &str| {
        review
            .papers
            .iter()
            .find(|p| p.short_cite() == cite)
            .map(|p| p.id.clone())
            .expect("paper in demo")
    };
    codings.update(&id("Aitken 2006"), |c| {
        for (item, answer) in [("q1", "yes"), ("q2", "yes"), ("q6", "can't tell")] {
            c.appraisal.insert(item.into(), answer.into());
        }
        c.appraisal_comments
            .insert("q6".into(), "no word on the interviewer's role".into());
        c.appraisal_comments
            .insert("q10".into(), "local to one trust".into());
        // An item the checklist does not have is not exported.
        c.appraisal.insert("q99".into(), "kept".into());
    });
    codings.update(&id("Alsop 2010"), |c| {
        c.appraisal.insert("q10".into(), "limited".into());
    });
    (dir, review, codings)
}

#[test]
fn the_appraisal_table_has_a_row_per_included_paper_a_column_per_item_and_the_comments() {
    let (_dir, review, codings) = appraised_demo();
    let export = Export::new(&review, &codings);
    let tables = export.tables(None).expect("tables");
    let kinds: Vec<TableKind> = tables.iter().map(|t| t.kind).collect();
    assert!(kinds.contains(&TableKind::Appraisal), "{kinds:?}");
    let one = export
        .tables(Some(&[TableKind::Appraisal]))
        .expect("appraisal");
    let csv = String::from_utf8(render_csv(&one).remove(0).1).expect("utf-8");
    insta::assert_snapshot!("appraisal.csv", csv);
    let table = &one[0];
    assert_eq!(table.columns.len(), 12, "Study, ten items, Comments");
    assert!(
        table
            .note
            .contains("Critical Appraisal Skills Programme (2018)")
            && table.note.contains("CC BY-NC-SA"),
        "{}",
        table.note
    );
    let json: serde_json::Value =
        serde_json::from_slice(&render(&export, &[], Format::Json).expect("json")).expect("valid");
    assert_eq!(json["appraisal"]["template"], "casp-qualitative");
    assert_eq!(json["appraisal"]["items"][9]["answers"][1], "limited");
    assert_eq!(
        json["papers"][0]["appraisal"],
        serde_json::json!({
            "q1": { "answer": "yes", "comment": "" },
            "q10": { "answer": "", "comment": "local to one trust" },
            "q2": { "answer": "yes", "comment": "" },
            "q6": { "answer": "can't tell", "comment": "no word on the interviewer's role" }
        })
    );
}
