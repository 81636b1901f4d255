//! Checks read the inventory through the graph only: traversals and
//! indexes live in `eksposture_model::graph`, computed once, so no check
//! walks the raw inventory on its own.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a line of code (comments cut off) reads a field or method named
/// `inventory`: `g.inventory`, `graph.inventory.regions`, `x.inventory()`.
fn reads_inventory(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or_default();
    code.match_indices(".inventory")
        .any(|(i, m)| !code[i + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}

#[test]
fn the_scan_sees_field_reads_and_nothing_else() {
    assert!(reads_inventory("    for (r, d) in &g.inventory.regions {"));
    assert!(reads_inventory("let s = graph.inventory;"));
    assert!(!reads_inventory("// g.inventory is private"));
    assert!(!reads_inventory("let x = g.inventory_gaps();"));
    assert!(!reads_inventory(
        "use eksposture_model::inventory::Cluster;"
    ));
}

#[test]
fn no_check_reads_the_inventory_behind_the_graph() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 50, "found only {} sources", files.len());
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if reads_inventory(line) {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "checks must ask the graph (eksposture_model::graph), not read `.inventory`:\n{}",
        offenders.join("\n")
    );
}
