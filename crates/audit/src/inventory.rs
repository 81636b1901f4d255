//! Reading a saved inventory (`audit --inventory`), written by `eksposture
//! collect` or by hand.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use eksposture_model::{Inventory, SCHEMA_VERSION};
use serde::de::IgnoredAny;
use serde::Deserialize;

/// The top-level keys that tell what kind of file this is, read before the
/// full parse so a file from another version is named as such rather than
/// reported as a type error deep inside it.
#[derive(Deserialize)]
struct Probe {
    schema_version: Option<serde_json::Value>,
    tool: Option<IgnoredAny>,
    findings: Option<IgnoredAny>,
}

/// Reads an inventory written by `eksposture collect` (or by hand).
pub fn load_inventory(path: &Path) -> Result<Inventory> {
    let name = path.display();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read inventory {name}"))?;
    let probe: Probe = serde_json::from_str(&text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            anyhow!("{name} is not valid JSON: {e}")
        } else {
            anyhow!(
                "{name} is not an eksposture inventory (a JSON object with schema_version, scan, iam and regions was expected); write one with `eksposture collect --out FILE`"
            )
        }
    })?;
    if probe.tool.is_some() && probe.findings.is_some() {
        return Err(anyhow!(
            "{name} is an eksposture report, not an inventory; pass a file written by `eksposture collect --out FILE`"
        ));
    }
    match &probe.schema_version {
        None => {
            return Err(anyhow!(
                "{name} has no schema_version, so it is not an eksposture inventory; write one with `eksposture collect --out FILE`"
            ))
        }
        Some(serde_json::Value::String(v)) if v == SCHEMA_VERSION => {}
        Some(other) if !other.is_string() => {
            return Err(anyhow!(
                "{name} has schema_version {other}, which must be the string \"{SCHEMA_VERSION}\"; write the inventory with `eksposture collect --out FILE`"
            ))
        }
        Some(other) => {
            return Err(anyhow!(
                "{name} has schema_version {other}; this eksposture reads \"{SCHEMA_VERSION}\" — re-run eksposture collect"
            ))
        }
    }
    serde_json::from_str(&text)
        .map_err(|e| anyhow!("{name} is not a valid eksposture inventory: {e}"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::load_inventory;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn error(text: &str) -> String {
        let f = file(text);
        format!("{:#}", load_inventory(f.path()).unwrap_err())
    }

    const SCAN: &str = r#""scan": {"account_id": "1", "partition": "aws", "regions": [], "started_at": "", "finished_at": ""}"#;

    #[test]
    fn reads_a_minimal_inventory() {
        let f = file(&format!(r#"{{"schema_version": "1", {SCAN}}}"#));
        let inv = load_inventory(f.path()).unwrap();
        assert_eq!(inv.scan.account_id, "1");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = error("{\n  \"schema_version\": \"1\",\n  oops\n}");
        assert!(
            e.contains("is not valid JSON") && e.contains("line 3 column 3"),
            "{e}"
        );
    }

    #[test]
    fn other_schema_versions_are_named() {
        let e = error(&format!(r#"{{"schema_version": "7", {SCAN}}}"#));
        assert!(
            e.ends_with(
                r#"has schema_version "7"; this eksposture reads "1" — re-run eksposture collect"#
            ),
            "{e}"
        );
    }

    #[test]
    fn a_report_is_not_an_inventory() {
        let e = error(&format!(
            r#"{{"schema_version": "1", "tool": {{}}, {SCAN}, "findings": []}}"#
        ));
        assert!(e.contains("is an eksposture report"), "{e}");
    }

    #[test]
    fn missing_schema_version_is_explained() {
        assert!(error("{}").contains("has no schema_version"));
        assert!(error("[]").contains("is not an eksposture inventory"));
    }

    #[test]
    fn type_errors_inside_the_inventory_name_the_position() {
        let e = error(r#"{"schema_version": "1", "scan": 5}"#);
        assert!(
            e.contains("is not a valid eksposture inventory") && e.contains("line 1"),
            "{e}"
        );
    }

    #[test]
    fn unreadable_file_is_named() {
        let e = format!(
            "{:#}",
            load_inventory(std::path::Path::new("/nonexistent/inv.json")).unwrap_err()
        );
        assert!(
            e.starts_with("cannot read inventory /nonexistent/inv.json: "),
            "{e}"
        );
    }
}
