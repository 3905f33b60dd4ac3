//! Hostile and unusual import files (issue #9, "Trust first"): a small file
//! must not make thema use time or memory far out of proportion to it, and
//! real exports that were missed are read.

use std::time::{Duration, Instant};

use thema::import::{Format, Parsed, detect};

/// Parses and says how long it took.
fn timed(format: Format, text: &str) -> (Parsed, Duration) {
    let started = Instant::now();
    let parsed = format.parse(text);
    (parsed, started.elapsed())
}

/// A generous bound for a debug build on a shared 2-core machine; the
/// quadratic paths these tests guard took many seconds or never ended.
const QUICK: Duration = Duration::from_secs(2);

fn problem_lines(parsed: &Parsed) -> Vec<usize> {
    parsed.problems.iter().map(|p| p.line).collect()
}

fn titles(parsed: &Parsed) -> Vec<&str> {
    parsed.records.iter().map(|r| r.title.as_str()).collect()
}

#[test]
fn doubling_string_macros_are_cut_off_and_reported() {
    let mut text = String::from("@string{s0 = \"xx\"}\n");
    for i in 1..=40 {
        text.push_str(&format!("@string{{s{i} = s{} # s{}}}\n", i - 1, i - 1));
    }
    text.push_str("@article{boom, title = s40, year = 2001}\n");
    text.push_str("@article{fine, title = {Fine} # s3, year = 2002}\n");
    assert!(text.len() < 1200);
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < QUICK, "took {elapsed:?}");
    // Both entries are kept; the one that uses the runaway macro keeps its
    // name, and small macros still expand.
    let fine = format!("Fine{}", "x".repeat(16));
    assert_eq!(titles(&parsed), ["s40", fine.as_str()]);
    assert_eq!(parsed.records[0].year, Some(2001));
    let boom = parsed
        .problems
        .iter()
        .find(|p| p.line == 42)
        .expect("the entry is reported");
    assert!(boom.message.contains("entry `boom`"), "{}", boom.message);
    assert!(boom.message.contains("`s40`"), "{}", boom.message);
    assert!(boom.message.contains("too long"), "{}", boom.message);
    // The @string where the limit was first passed is reported once, not
    // every one built on it.
    let strings: Vec<_> = parsed
        .problems
        .iter()
        .filter(|p| p.message.starts_with("@string"))
        .collect();
    assert_eq!(strings.len(), 1, "{:?}", parsed.problems);
    assert!(strings[0].line > 1 && strings[0].line < 42);
}

#[test]
fn many_uses_of_a_big_macro_stay_within_a_multiple_of_the_file() {
    // 100 KB macro used 2,000 times: 200 MB if every use were copied.
    let mut text = format!("@string{{big = {{{}}}}}\n", "word ".repeat(20_000));
    for i in 0..2_000 {
        text.push_str(&format!("@misc{{m{i}, title = {{T{i}}}, note = big}}\n"));
    }
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert_eq!(parsed.records.len(), 2_000);
    let copied: usize = parsed
        .records
        .iter()
        .flat_map(|r| &r.notes)
        .map(String::len)
        .sum();
    assert!(
        copied <= 5 * text.len() + (1 << 20),
        "{copied} bytes copied"
    );
    // The uses past the limit say so.
    assert!(
        parsed
            .problems
            .iter()
            .any(|p| p.message.contains("`big`") && p.message.contains("too long"))
    );
}

#[test]
fn string_macros_do_not_recurse() {
    let text = "@string{a = a # \"x\"}\n@string{b = c}\n@string{c = b}\n\
                @article{k, title = a # b # c}\n";
    let (parsed, elapsed) = timed(Format::Bibtex, text);
    assert!(elapsed < QUICK);
    // Each @string sees only what was defined before it.
    assert_eq!(titles(&parsed), ["axcc"]);
}

#[test]
fn eighty_thousand_nested_superscripts_decode_in_linear_time() {
    let nested = "$^{".repeat(80_000);
    let text = format!(
        "@article{{k, author = {{Doe, J.}}, title = {{{nested}{}}}, year = 2001}}\n",
        "}".repeat(80_000)
    );
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < QUICK, "took {elapsed:?}");
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].year, Some(2001));
    // The content is kept: no `^` has a superscript form here, so all show.
    assert_eq!(parsed.records[0].title.matches('^').count(), 80_000);
}

#[test]
fn nested_accents_and_commands_decode_in_linear_time() {
    for unit in ["\\'{", "\\url{", "\\begin{", "{\\\"{"] {
        let opens = unit.matches('{').count();
        let body = format!("{}{}", unit.repeat(80_000), "}".repeat(80_000 * opens));
        let text =
            format!("@article{{k, author = {{Doe, J.}}, title = {{{body}}}, year = 2001}}\n");
        let (parsed, elapsed) = timed(Format::Bibtex, &text);
        assert!(elapsed < QUICK, "{unit}: took {elapsed:?}");
        assert_eq!(parsed.records.len(), 1, "{unit}");
    }
}

#[test]
fn at_signs_after_long_indentation_are_read_in_linear_time() {
    // Each `@a` outside an entry looked back over the whole line.
    let text = format!(
        "{}{}\n@article{{k, title={{T}}}}\n",
        " ".repeat(200_000),
        "@a ".repeat(100_000)
    );
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < QUICK, "took {elapsed:?}");
    assert_eq!(titles(&parsed), ["T"]);
}

#[test]
fn unbalanced_comments_are_read_in_linear_time() {
    for open in ["@comment{ ", "@comment( "] {
        let text = format!("{}\n@article{{k, title={{T}}}}\n", open.repeat(100_000));
        let (parsed, elapsed) = timed(Format::Bibtex, &text);
        assert!(elapsed < QUICK, "{open}: took {elapsed:?}");
        assert_eq!(titles(&parsed), ["T"], "{open}");
    }
}

#[test]
fn a_big_crossref_parent_is_not_copied_into_every_child() {
    let mut text = format!(
        "@proceedings{{p, title={{Proc}}, year={{2001}}, abstract={{{}}}}}\n",
        "text ".repeat(50_000)
    );
    for i in 0..4_000 {
        text.push_str(&format!(
            "@inproceedings{{c{i}, title={{C{i}}}, crossref={{p}}}}\n"
        ));
    }
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert_eq!(parsed.records.len(), 4_001);
    let copied: usize = parsed.records.iter().map(|r| r.abstract_text.len()).sum();
    assert!(
        copied <= 5 * text.len() + (1 << 20),
        "{copied} bytes copied"
    );
    // The first children still inherit everything; the rest are told.
    assert_eq!(parsed.records[1].journal, "Proc");
    assert_eq!(parsed.records[1].year, Some(2001));
    assert!(!parsed.records[1].abstract_text.is_empty());
    let last = parsed.records.last().expect("records");
    assert!(
        parsed
            .problems
            .iter()
            .any(|p| p.line == last.line && p.message.contains("crossref `p`")),
        "{:?}",
        parsed.problems.last()
    );
}

#[test]
fn long_link_lists_and_field_lists_stay_linear() {
    // A parent with a huge xdata list, inherited by many children.
    let keys: Vec<String> = (0..20_000).map(|i| format!("missing{i}")).collect();
    let mut text = format!("@book{{p, title={{P}}, xdata={{{}}}}}\n", keys.join(","));
    for i in 0..2_000 {
        text.push_str(&format!(
            "@incollection{{c{i}, title={{C}}, crossref={{p}}}}\n"
        ));
    }
    // An entry with many fields inheriting from a parent with many fields.
    let fields: String = (0..20_000).map(|i| format!("f{i} = {{v}},\n")).collect();
    text.push_str(&format!("@book{{wide, title={{W}},\n{fields}}}\n"));
    text.push_str(&format!(
        "@incollection{{wider, crossref={{wide}},\n{fields}}}\n"
    ));
    // And many distinct keywords.
    let keywords: Vec<String> = (0..30_000).map(|i| format!("k{i}")).collect();
    text.push_str(&format!(
        "@misc{{kw, title={{K}}, keywords={{{}}}}}\n",
        keywords.join(", ")
    ));
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    assert_eq!(parsed.records.len(), 2_004);
    let kw = parsed.records.last().expect("records");
    assert_eq!(kw.keywords.len(), 30_000);
}

#[test]
fn many_undefined_macros_in_one_entry_stay_linear() {
    let names: Vec<String> = (0..40_000).map(|i| format!("u{i}")).collect();
    let text = format!("@misc{{k, title={{T}}, note = {}}}\n", names.join(" # "));
    let (parsed, elapsed) = timed(Format::Bibtex, &text);
    assert!(elapsed < QUICK, "took {elapsed:?}");
    assert_eq!(titles(&parsed), ["T"]);
    assert_eq!(problem_lines(&parsed), [1]);
}

#[test]
fn detection_still_sees_bibtex() {
    assert_eq!(detect("@article{k, title={T}}\n"), Some(Format::Bibtex));
}

#[test]
fn a_proceedings_volume_with_only_a_booktitle_is_read() {
    let text = include_str!("fixtures/bibtex/proceedings-booktitle.bib");
    let parsed = Format::Bibtex.parse(text);
    let chi = "Proceedings of the 2019 CHI Conference on Human Factors in Computing \
               Systems, CHI 2019, Glasgow, Scotland, UK";
    // The volume's booktitle is its title; a paper's booktitle stays its
    // container, and its title field its title.
    assert_eq!(
        titles(&parsed),
        [chi, "Screening Together", "Workshop on Evidence Synthesis"]
    );
    assert_eq!(parsed.records[0].kind, "proceedings");
    assert_eq!(parsed.records[0].year, Some(2019));
    assert_eq!(parsed.records[0].journal, "");
    assert_eq!(parsed.records[1].journal, chi);
    assert_eq!(parsed.records[2].year, Some(2021));
    assert_eq!(parsed.problems, []);
}

#[test]
fn ovid_tagged_export_with_numbered_heads_is_read() {
    let text = include_str!("fixtures/ovid/medlars-tagged.txt");
    assert_eq!(detect(text), Some(Format::Ovid));
    let parsed = Format::Ovid.parse(text);
    assert_eq!(parsed.problems, []);
    let [medline, embase] = parsed.records.as_slice() else {
        panic!("{:?}", parsed.records);
    };
    assert_eq!(medline.line, 1);
    assert_eq!(
        medline.title,
        "Palliative care for people with heart failure in primary care: a qualitative study \
         of general practitioners."
    );
    let families: Vec<&str> = medline.authors.iter().map(|a| a.family.as_str()).collect();
    assert_eq!(families, ["Gardiner", "Gott", "Ingleton"]);
    assert_eq!(medline.journal, "British Journal of General Practice");
    assert_eq!(medline.volume, "62");
    assert_eq!(medline.issue, "598");
    assert_eq!(medline.year, Some(2012));
    assert_eq!(medline.doi, "10.3399/bjgp12X641474");
    assert_eq!(medline.pmid, "22152740");
    assert!(
        medline
            .abstract_text
            .starts_with("Background: Primary care")
    );
    assert_eq!(embase.line, 20);
    assert_eq!(
        embase.title,
        "Advance care planning in general practice: a mixed methods study"
    );
    assert_eq!(embase.authors.len(), 2);
    assert_eq!(embase.journal, "Palliative Medicine");
    assert_eq!((embase.volume.as_str(), embase.issue.as_str()), ("30", "6"));
    assert_eq!(
        (embase.start_page.as_str(), embase.end_page.as_str()),
        ("521", "530")
    );
    assert_eq!(embase.pmid, "26994039");
    assert_eq!(
        embase.keywords,
        ["advance care planning", "general practice"]
    );
}

#[test]
fn refworks_export_opening_with_its_tag_legend_is_read() {
    let text = include_str!("fixtures/refworks/export-with-legend.txt");
    assert_eq!(detect(text), Some(Format::Refworks));
    let parsed = Format::Refworks.parse(text);
    assert_eq!(parsed.problems, []);
    // The legend ("A1 Primary Authors", ...) is not a record.
    let [article, chapter] = parsed.records.as_slice() else {
        panic!("{:?}", parsed.records);
    };
    assert_eq!(article.line, 29);
    assert!(
        article
            .title
            .starts_with("Factors supporting good partnership")
    );
    let families: Vec<&str> = article.authors.iter().map(|a| a.family.as_str()).collect();
    assert_eq!(families, ["Gardiner", "Gott", "Ingleton"]);
    assert_eq!(article.journal, "British Journal of General Practice");
    assert_eq!(article.year, Some(2012));
    assert_eq!(
        (article.volume.as_str(), article.issue.as_str()),
        ("62", "598")
    );
    assert_eq!(
        (article.start_page.as_str(), article.end_page.as_str()),
        ("e353", "e362")
    );
    assert_eq!(article.doi, "10.3399/bjgp12X641474");
    assert_eq!(article.keywords, ["Palliative Care", "Primary Health Care"]);
    assert_eq!(chapter.line, 48);
    assert_eq!(chapter.title, "Caring at home");
    assert_eq!(chapter.year, Some(2006));
}

#[test]
fn refworks_flattened_line_with_many_authors_is_linear() {
    // Every later tag was looked up among all the authors before it.
    let text = format!(
        "RT Journal Article SR Electronic T1 Title{}{}\n",
        " A1 Doe,J.".repeat(100_000),
        " ED 2nd".repeat(50_000)
    );
    let (parsed, elapsed) = timed(Format::Refworks, &text);
    assert!(elapsed < QUICK, "took {elapsed:?}");
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].authors.len(), 100_000);
}

#[test]
fn ovid_record_without_numbers_and_many_labels_is_linear() {
    // Records without `<n>` lines split where a label repeats: each label
    // was compared with every one before it.
    let mut text = String::from("Title\n  T\nAuthors\n  Doe J\nSource\n  J. 1(2):3-4, 2001.\n");
    for i in 0..40_000 {
        text.push_str(&format!("Label {i}\n  v\n"));
    }
    let (parsed, elapsed) = timed(Format::Ovid, &text);
    assert!(elapsed < QUICK, "took {elapsed:?}");
    assert_eq!(titles(&parsed), ["T"]);
}
