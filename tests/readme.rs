//! What the README shows is what thema prints.

mod common;

/// The README's example table is the demo's real export, row for row.
#[test]
fn the_readme_characteristics_table_is_the_demo_export() {
    let out = common::thema_cmd()
        .current_dir(common::repo())
        .args(["export", "--reviewer", "demo", "--format", "md"])
        .args(["--tables", "characteristics"])
        .output()
        .expect("thema runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let table: Vec<&str> = printed.lines().filter(|l| l.starts_with('|')).collect();
    assert!(table.len() > 2, "the export has a table:\n{printed}");
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README");
    let lines: Vec<&str> = readme.lines().collect();
    let shown = lines.windows(table.len()).any(|w| w == table.as_slice());
    assert!(
        shown,
        "README.md should show the table as exported:\n{}",
        table.join("\n")
    );
}
