//! Reading a saved report back (`eksposture diff`, `audit --baseline`).

use std::path::Path;

use eksposture_model::SCHEMA_VERSION;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::contract::{Report, TOOL_NAME};

/// Why a file is not a report this version can read. Each message is one
/// line that names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read report {name}: {source}")]
    Read {
        name: String,
        source: std::io::Error,
    },
    #[error("{name} is not valid JSON: {source}")]
    NotJson {
        name: String,
        source: serde_json::Error,
    },
    #[error("{name} is an eksposture inventory, not a report; turn it into one with `eksposture audit --inventory {name} --output json --output-file REPORT.json`")]
    Inventory { name: String },
    #[error("{name} is an eksposture diff, not a report; pass the reports written by `eksposture audit --output json`")]
    Diff { name: String },
    #[error("{name} has schema_version {found}; this eksposture reads \"{SCHEMA_VERSION}\" — write the report again with this version (`eksposture audit --output json`)")]
    SchemaVersion { name: String, found: String },
    #[error("{name} is not an eksposture report ({why}); write one with `eksposture audit --output json --output-file FILE`")]
    NotReport { name: String, why: String },
    #[error("{name} is not a valid eksposture report: {source}")]
    Invalid {
        name: String,
        source: serde_json::Error,
    },
}

/// The top-level keys that tell what kind of file this is, read before the
/// full parse so that an inventory, a diff or a report of another version is
/// named as such rather than reported as a type error deep inside it.
#[derive(Deserialize)]
struct Probe {
    schema_version: Option<serde_json::Value>,
    tool: Option<ToolProbe>,
    scan: Option<IgnoredAny>,
    findings: Option<IgnoredAny>,
    resolved: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct ToolProbe {
    name: Option<serde_json::Value>,
}

/// Reads the report in the file at `path`.
pub fn load_report(path: &Path) -> Result<Report, LoadError> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_report(&name, &text),
        Err(source) => Err(LoadError::Read { name, source }),
    }
}

/// Parses a report written by `eksposture audit --output json`; `name`
/// (usually the file name) is used in the errors.
pub fn parse_report(name: &str, text: &str) -> Result<Report, LoadError> {
    let name = name.to_string();
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|source| LoadError::NotJson {
            name: name.clone(),
            source,
        })?;
    if !value.is_object() {
        return Err(LoadError::NotReport {
            name,
            why: format!("the top level is {}, not an object", kind(&value)),
        });
    }
    let probe: Probe = serde_json::from_value(value).map_err(|e| LoadError::NotReport {
        name: name.clone(),
        why: e.to_string(),
    })?;
    if probe.findings.is_none() && probe.tool.is_none() && probe.scan.is_some() {
        return Err(LoadError::Inventory { name });
    }
    if probe.findings.is_none() && probe.resolved.is_some() {
        return Err(LoadError::Diff { name });
    }
    match probe.tool.as_ref().and_then(|t| t.name.as_ref()) {
        Some(serde_json::Value::String(tool)) if tool == TOOL_NAME => {}
        Some(other) => {
            return Err(LoadError::NotReport {
                name,
                why: format!("it was written by {other}"),
            })
        }
        None => {
            return Err(LoadError::NotReport {
                name,
                why: "it has no tool.name".into(),
            })
        }
    }
    match probe.schema_version {
        Some(serde_json::Value::String(v)) if v == SCHEMA_VERSION => {}
        Some(found) => {
            return Err(LoadError::SchemaVersion {
                name,
                found: found.to_string(),
            })
        }
        None => {
            return Err(LoadError::NotReport {
                name,
                why: "it has no schema_version".into(),
            })
        }
    }
    // Parsed from the text again, not from the Value, so a type error names
    // its line and column.
    serde_json::from_str(text).map_err(|source| LoadError::Invalid { name, source })
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{
        ComplianceView, ControlResult, ControlStatus, Finding, Inventory, ResourceRef, ScanInfo,
        Severity, Status, Suppression,
    };

    use super::{load_report, parse_report, LoadError};
    use crate::{build, diff, render_diff_json, render_json, Report};

    fn report(with_optional_sections: bool) -> Report {
        let inventory = Inventory {
            schema_version: "1".into(),
            scan: ScanInfo {
                account_id: "111122223333".into(),
                partition: "aws".into(),
                regions: vec!["us-east-1".into()],
                started_at: "2025-01-01T00:00:00Z".into(),
                finished_at: "2025-01-01T00:00:09Z".into(),
            },
            gaps: Vec::new(),
            iam: eksposture_model::Iam::default(),
            regions: std::collections::BTreeMap::new(),
        };
        let finding = Finding {
            check_id: "ecr-tags-immutable".into(),
            title: "Tags should be immutable".into(),
            severity: Severity::Low,
            kind: eksposture_model::CheckKind::Configuration,
            status: Status::Fail,
            message: "repository web allows tags to be overwritten".into(),
            account_id: String::new(),
            resource: ResourceRef::new(
                "AwsEcrRepository",
                "arn:aws:ecr:us-east-1:111122223333:repository/web",
                "us-east-1",
            ),
            evidence: Vec::new(),
            remediation: "Set IMMUTABLE.".into(),
            compliance: Vec::new(),
            suppressed: with_optional_sections.then(|| Suppression {
                reason: "legacy".into(),
                expires: None,
                entry: "s.toml#1".into(),
            }),
        };
        let mut r = build(&inventory, vec![finding], "0.1.0");
        if with_optional_sections {
            r.compliance = vec![ComplianceView {
                framework: "CIS-EKS-1.8".into(),
                title: "CIS".into(),
                controls: vec![ControlResult {
                    control: "5.1.1".into(),
                    title: "t".into(),
                    status: ControlStatus::Pass,
                    checks: vec!["ecr-tags-immutable".into()],
                    fail: 0,
                    pass: 1,
                    unknown: 0,
                }],
            }];
            r.diff = Some(diff(&r, &r).unwrap().into_baseline());
        }
        r
    }

    fn error(text: &str) -> String {
        parse_report("r.json", text).unwrap_err().to_string()
    }

    #[test]
    fn reads_reports_with_and_without_the_optional_sections() {
        for full in [false, true] {
            let r = report(full);
            assert_eq!(parse_report("r.json", &render_json(&r)).unwrap(), r);
        }
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = error("{\n  \"schema_version\": \"1\",\n  oops\n}");
        assert!(
            e.starts_with("r.json is not valid JSON: ") && e.contains("line 3 column 3"),
            "{e}"
        );
    }

    #[test]
    fn an_inventory_is_named_as_such() {
        let inv = r#"{"schema_version": "1", "scan": {"account_id": "1"}, "regions": {}}"#;
        let e = parse_report("inv.json", inv).unwrap_err();
        assert!(matches!(e, LoadError::Inventory { .. }));
        assert_eq!(
            e.to_string(),
            "inv.json is an eksposture inventory, not a report; turn it into one with `eksposture audit --inventory inv.json --output json --output-file REPORT.json`"
        );
    }

    #[test]
    fn a_diff_is_named_as_such() {
        let r = report(false);
        let e = error(&render_diff_json(&diff(&r, &r).unwrap()));
        assert!(
            e.starts_with("r.json is an eksposture diff, not a report"),
            "{e}"
        );
    }

    #[test]
    fn other_schema_versions_are_named() {
        let text = render_json(&report(false))
            .replace(r#""schema_version": "1""#, r#""schema_version": "2""#);
        assert_eq!(
            error(&text),
            r#"r.json has schema_version "2"; this eksposture reads "1" — write the report again with this version (`eksposture audit --output json`)"#
        );
    }

    #[test]
    fn files_of_other_tools_are_not_reports() {
        let other = r#"{"schema_version": "1", "tool": {"name": "trivy"}, "findings": []}"#;
        assert!(
            error(other)
                .starts_with(r#"r.json is not an eksposture report (it was written by "trivy")"#),
            "{}",
            error(other)
        );
        assert!(error("[]").contains("(the top level is an array, not an object)"));
        assert!(error("{}").contains("(it has no tool.name)"));
        assert!(error(r#"{"tool": {"name": "eksposture"}, "findings": []}"#)
            .contains("(it has no schema_version)"));
        assert!(error(r#"{"tool": 5}"#).starts_with("r.json is not an eksposture report ("));
    }

    #[test]
    fn type_errors_inside_the_report_name_the_position() {
        let text = render_json(&report(false)).replace(r#""status": "fail""#, r#""status": "bad""#);
        let e = error(&text);
        assert!(
            e.starts_with("r.json is not a valid eksposture report: ") && e.contains(" line "),
            "{e}"
        );
    }

    #[test]
    fn errors_are_one_line() {
        for text in ["{\n\"a\":\n", "[]", "{}"] {
            assert!(!error(text).contains('\n'), "{}", error(text));
        }
    }

    #[test]
    fn an_unreadable_file_is_named() {
        let e = load_report(std::path::Path::new("/nonexistent/r.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot read report /nonexistent/r.json: "),
            "{e}"
        );
    }

    #[test]
    fn a_written_report_loads_from_its_file() {
        let dir = std::env::temp_dir().join(format!("eksposture-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.json");
        std::fs::write(&path, render_json(&report(true))).unwrap();
        let loaded = load_report(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(loaded.unwrap(), report(true));
    }
}
