//! What a hostile or odd file can make the command line print: never a raw
//! control character, never a panic, never the content of a file that is not
//! a reference export.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;

/// The command, with a private home, config and cache so nothing outside the
/// test is read or written.
fn thema(home: &Path) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("thema");
    cmd.env_remove("THEMA_REVIEWER")
        .env("USER", "alice")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("THEMA_CACHE_DIR", "");
    cmd
}

/// Everything the command printed, stdout then stderr.
fn printed(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().expect("runs");
    let mut all = out.stdout;
    all.extend(out.stderr);
    String::from_utf8_lossy(&all).into_owned()
}

/// Fails naming the first character a terminal would act on: C0 controls
/// other than line feed and tab, DEL, C1 controls, and bidi overrides.
fn assert_terminal_safe(out: &str) {
    let bad = out.char_indices().find(|&(_, c)| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    });
    if let Some((at, c)) = bad {
        let before: String = out[..at].chars().rev().take(60).collect();
        let before: String = before.chars().rev().collect();
        panic!(
            "raw {c:?} printed at byte {at}, after {before:?}\n--- whole output ---\n{}",
            out.escape_debug()
        );
    }
}

/// An OSC 52 clipboard write, a title change, a screen clear, a bell, a C1
/// CSI and a right-to-left override.
const EVIL: &str = "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}";

fn hostile_review() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    // The same key twice is reported, with the key.
    std::fs::write(
        data.join("evil.bib"),
        format!(
            "@article{{k{EVIL},\n  title = {{One}},\n  crossref = {{x{EVIL}}}\n}}\n\
             @article{{k{EVIL},\n  title = {{Two}}\n}}\n"
        ),
    )
    .expect("write bib");
    // A cell beyond the header is reported with its value.
    std::fs::write(
        data.join("evil.csv"),
        format!("Title,Authors\nOne,Doe J,{EVIL}\n"),
    )
    .expect("write csv");
    // A DI that is not a DOI is reported with its value.
    std::fs::write(
        data.join("evil.txt"),
        format!(
            "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Doe, J\nTI One\n\
             DI {EVIL}\nER\n\nEF\n"
        ),
    )
    .expect("write wos");
    std::fs::write(
        dir.path().join("config.toml"),
        "[review]\ntitle = \"x\"\n\n[[sources]]\npath = \"data/evil.bib\"\n\n\
         [[sources]]\npath = \"data/evil.csv\"\n\n[[sources]]\npath = \"data/evil.txt\"\n",
    )
    .expect("write config");
    dir
}

#[test]
fn control_characters_from_sources_are_printed_escaped() {
    let dir = hostile_review();
    let home = tempfile::tempdir().expect("home");
    let check = printed(thema(home.path()).arg("check").current_dir(dir.path()));
    assert_terminal_safe(&check);
    // Shown, not dropped: the reviewer can see what the file holds.
    assert!(check.contains("\\u{1b}]52;c;"), "{check}");
    assert!(check.contains("\\u{202e}"), "{check}");
    for (file, format) in [
        ("evil.bib", "bibtex"),
        ("evil.csv", "csv"),
        ("evil.txt", "wos"),
    ] {
        let out = printed(
            thema(home.path())
                .args(["import", "--dry-run"])
                .arg(dir.path().join("data").join(file))
                // Not the review, where the file is a source already.
                .current_dir(home.path()),
        );
        assert_terminal_safe(&out);
        assert!(out.contains(format), "{out}");
        assert!(out.contains("\\u{1b}"), "{file}: {out}");
    }
}

#[test]
fn a_control_character_in_a_file_name_is_printed_escaped() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    let name = dir.path().join("a\u{1b}]0;x\u{7}.ris");
    std::fs::write(
        &name,
        "TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nER  - \n",
    )
    .expect("write");
    let out = printed(
        thema(home.path())
            .args(["import", "--dry-run"])
            .arg(&name)
            .current_dir(dir.path()),
    );
    assert_terminal_safe(&out);
    assert!(out.contains("1 record"), "{out}");
    // And an error about it, printed by main.
    let out = printed(
        thema(home.path())
            .args(["import", "--dry-run"])
            .arg(dir.path().join("missing\u{1b}[2J.ris"))
            .current_dir(dir.path()),
    );
    assert_terminal_safe(&out);
    assert!(out.contains("missing\\u{1b}[2J.ris"), "{out}");
}

#[test]
fn a_dry_run_needs_no_review_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        dir.path().join("refs.ris"),
        "TY  - JOUR\nTI  - One\nER  - \n",
    )
    .expect("write");
    thema(home.path())
        .args(["import", "--dry-run", "refs.ris"])
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("refs.ris: ris, 1 record"))
        .stdout(predicates::str::contains("dry run: nothing changed"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["refs.ris"], "a dry run creates nothing");
    // A real import still needs the review.
    thema(home.path())
        .args(["import", "refs.ris"])
        .current_dir(dir.path())
        .assert()
        .failure()
        .stderr(predicates::str::contains("config.toml"));
}

#[test]
fn tally_prints_a_factor_label_of_any_length() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        dir.path().join("refs.ris"),
        "TY  - JOUR\nTI  - One\nER  - \n",
    )
    .expect("write");
    let label = "L".repeat(70_000);
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[review]\ntitle = \"x\"\n\n[[sources]]\npath = \"refs.ris\"\n\n\
             [[factors]]\nid = \"long\"\nlabel = \"{label}\"\n\n\
             [[factors]]\nid = \"short\"\nlabel = \"Short\"\n"
        ),
    )
    .expect("write config");
    for format in ["table", "markdown", "csv", "json"] {
        let out = thema(home.path())
            .args(["tally", "--format", format])
            .current_dir(dir.path())
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {stderr}");
        assert!(stdout.contains(&label), "{format}");
        assert!(stdout.contains("Short"), "{format}");
    }
}

/// A file that is not a reference export: what a source might point at by
/// mistake (or by a hostile review folder's symlink).
const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
                      daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                      secret,token\nhunter2,s3cr3t-t0ken\n";

fn assert_no_content(out: &str) {
    for leak in [
        "root:x",
        "/bin/bash",
        "daemon",
        "nologin",
        "hunter2",
        "s3cr3t",
        "secret,",
        "token",
    ] {
        assert!(!out.contains(leak), "`{leak}` printed:\n{out}");
    }
}

#[test]
fn the_content_of_a_file_that_is_not_an_export_is_never_printed() {
    let outside = tempfile::tempdir().expect("tmp");
    let passwd = outside.path().join("passwd");
    std::fs::write(&passwd, PASSWD).expect("write");
    let home = tempfile::tempdir().expect("home");
    let dir = tempfile::tempdir().expect("review");
    std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
    let mut config = String::from("[review]\ntitle = \"x\"\n");
    let mut names = Vec::new();
    for format in [
        "csv",
        "ris",
        "bibtex",
        "wos",
        "pubmed",
        "refworks",
        "enw",
        "ovid",
        "endnote-xml",
        "pubmed-xml",
    ] {
        let name = format!("data/{format}.txt");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&passwd, dir.path().join(&name)).expect("symlink");
        #[cfg(not(unix))]
        std::fs::copy(&passwd, dir.path().join(&name)).expect("copy");
        config.push_str(&format!(
            "\n[[sources]]\npath = \"{name}\"\nformat = \"{format}\"\n"
        ));
        names.push(format);
        let out = printed(
            thema(home.path())
                .args(["import", "--dry-run", "--format", format])
                .arg(&passwd)
                .current_dir(dir.path()),
        );
        assert_no_content(&out);
        assert!(out.contains("passwd"), "{format}: names the file: {out}");
    }
    // Read outside the folder, as a [[sources]] entry with `../` does.
    config.push_str(&format!(
        "\n[[sources]]\npath = {:?}\nformat = \"csv\"\n",
        passwd.display().to_string()
    ));
    std::fs::write(dir.path().join("config.toml"), config).expect("write config");
    let out = printed(thema(home.path()).arg("check").current_dir(dir.path()));
    assert_no_content(&out);
    assert!(out.contains("data/csv.txt"), "{out}");
}

#[test]
fn a_recognised_csv_still_quotes_its_headers_and_cells() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        dir.path().join("refs.csv"),
        "Title,Authors,Abstract\nOne,Doe J,x,surplus\n",
    )
    .expect("write");
    let out = printed(
        thema(home.path())
            .args(["import", "--dry-run", "refs.csv"])
            .current_dir(dir.path()),
    );
    assert!(out.contains("`surplus`"), "{out}");
}

#[test]
fn tally_and_check_show_control_characters_escaped_in_every_format() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        dir.path().join("refs.ris"),
        "TY  - JOUR\nTI  - One\nER  - \n",
    )
    .expect("write");
    // ESC, BEL, a C1 CSI, DEL, a carriage return and an RTL override, as
    // TOML escapes in an untrusted config.toml.
    let raw = "Care\\u001b]0;owned\\u0007\\u009b31m\\u007f\\r\\u202e";
    let label = "Care\u{1b}]0;owned\u{7}\u{9b}31m\u{7f}\r\u{202e}";
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[review]\ntitle = \"x\"\n\n[[sources]]\npath = \"refs.ris\"\n\n\
             [[factors]]\nid = \"care\"\nlabel = \"{raw}\"\n"
        ),
    )
    .expect("write config");
    for format in ["table", "markdown", "csv", "json"] {
        let out = thema(home.path())
            .args(["tally", "--format", format])
            .current_dir(dir.path())
            .output()
            .expect("runs");
        assert!(out.status.success(), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_terminal_safe(&stdout);
        // Shown, not dropped.
        assert!(stdout.contains("Care"), "{format}: {stdout}");
        if format == "json" {
            // Escaped the JSON way, so a script reads the label as it is.
            assert!(stdout.contains("\\u009b31m"), "{stdout}");
            let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
            assert_eq!(value["factors"][0]["label"], label);
        } else {
            assert!(stdout.contains("\\u{9b}31m"), "{format}: {stdout}");
        }
    }
    let review = hostile_review();
    let out = printed(
        thema(home.path())
            .args(["check", "--format", "json"])
            .current_dir(review.path()),
    );
    assert_terminal_safe(&out);
    // The RTL override a DI quoted, as a JSON escape.
    assert!(out.contains("31m\\u202e"), "{out}");
}
